// The Debian package on this machine: installs (systemd is not running here, so the unit is
// enabled but not started), its binary finds the ebpf tier and records a connection with the
// service's own command line, and remove then purge leave nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { releaseFiles } from './release-build';

const BIN = '/usr/bin/packettrail';
const UNIT = '/lib/systemd/system/packettrail.service';
const CONFIG = '/etc/packettrail/packettrail.yaml';
const STATE = '/var/lib/packettrail';
const WANTS = '/etc/systemd/system/multi-user.target.wants/packettrail.service';

/** Paths the package could leave behind: its own names anywhere, and systemd's enablement records. */
function relevantPaths(): Set<string> {
  const r = spawnSync('find', ['/etc', '/usr', '/lib', '/var', '-xdev'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return new Set(r.stdout.split('\n').filter((p) => /packettrail|deb-systemd-helper|\/etc\/systemd\/system\//.test(p)));
}

function dpkg(...args: string[]) {
  const r = spawnSync('dpkg', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  assert.equal(r.status, 0, `dpkg ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r;
}

function installedAlready(): string | null {
  if (spawnSync('dpkg-query', ['-W', 'packettrail']).status === 0) return 'packettrail is installed on this machine';
  if (existsSync('/etc/packettrail')) return '/etc/packettrail exists';
  if (existsSync(STATE) && readdirSync(STATE).length > 0) return `${STATE} holds state`;
  return null;
}

async function recordWithServiceCommand(): Promise<number> {
  // The unit's command line, with the state directory the unit gives it.
  const sensor = spawn(BIN, ['run', '--config', CONFIG], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PACKETTRAIL_STATE_DIR: STATE } });
  let stderr = '';
  sensor.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => sensor.once('exit', (code) => res(code)));
  for (let i = 0; i < 150 && !/packettrail ready capture=/.test(stderr); i++) await sleep(200);
  assert.match(stderr, /packettrail ready capture=ebpf/);
  const server = createServer((s) => s.end());
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((res, rej) => connect(port, '127.0.0.1').once('connect', res).once('error', rej));
  await sleep(1500);
  server.close();
  sensor.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  return port;
}

test('the .deb installs, records with ebpf, and remove + purge leave nothing behind', { timeout: 600_000 }, async (t) => {
  const busy = installedAlready();
  if (busy) return t.skip(`${busy}: not touching it`);
  const { deb } = await releaseFiles();
  // An empty state directory left by an earlier run without the package goes for the test and comes back after.
  const hadEmptyState = existsSync(STATE);
  if (hadEmptyState) rmdirSync(STATE);
  try {
    const before = relevantPaths();
    dpkg('-i', deb);
    try {
      assert.equal(statSync(BIN).mode & 0o777, 0o755);
      assert.ok(statSync(UNIT).isFile());
      assert.ok(statSync(CONFIG).isFile());
      assert.equal(statSync(STATE).mode & 0o777, 0o700);
      assert.ok(lstatSync(WANTS).isSymbolicLink(), 'enabled');
      assert.match(dpkg('-s', 'packettrail').stdout, /Conffiles:\n \/etc\/packettrail\/packettrail\.yaml [0-9a-f]{32}/);

      const doctor = spawnSync(BIN, ['doctor'], { encoding: 'utf8', env: { ...process.env, PACKETTRAIL_STATE_DIR: STATE } });
      assert.equal(doctor.status, 0, doctor.stderr);
      assert.match(doctor.stdout, /^ebpf\s+yes\s+loads \/var\/lib\/packettrail\/runtime\//m);
      const port = await recordWithServiceCommand();
      const query = spawnSync(BIN, ['query', '--json', '--port', String(port)], { encoding: 'utf8', env: { ...process.env, PACKETTRAIL_STATE_DIR: STATE } });
      assert.equal(query.status, 0, query.stderr);
      assert.match(query.stdout, /"action":"connection_attempted"/);
    } finally {
      dpkg('-r', 'packettrail');
    }
    assert.ok(!existsSync(BIN) && !existsSync(UNIT) && !existsSync(WANTS));
    assert.ok(existsSync(CONFIG), 'remove keeps the conffile');
    assert.ok(existsSync(`${STATE}/packettrail.db`), 'remove keeps the records');
    dpkg('--purge', 'packettrail');
    const after = relevantPaths();
    assert.deepEqual(
      [...after].filter((p) => !before.has(p)),
      [],
      'left behind',
    );
    assert.deepEqual(
      [...before].filter((p) => !after.has(p)),
      [],
      'removed what was there before',
    );
  } finally {
    if (hadEmptyState && !existsSync(STATE)) mkdirSync(STATE);
  }
});

test('lintian finds nothing beyond the overrides the package carries (Node binary tags)', { timeout: 600_000 }, async () => {
  const { deb } = await releaseFiles();
  const r = spawnSync('lintian', ['--tag-display-limit', '0', '--show-overrides', deb], { encoding: 'utf8' });
  // Errors, warnings, info, pedantic and experimental tags; O: lines are the carried overrides.
  const unexplained = r.stdout.split('\n').filter((l) => /^[EWIPX]: /.test(l));
  assert.deepEqual(unexplained, [], r.stdout + r.stderr);
  assert.match(r.stdout, /^O: packettrail: embedded-library zlib/m, 'lintian ran');
});
