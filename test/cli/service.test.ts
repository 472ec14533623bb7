// `packettrail service install|status|uninstall` driven as a real process into a scratch
// directory (systemd is not running here: the command writes the files and says so).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRunConfig } from '../../src/cli/run-config';
import { lastStats } from '../../src/cli/service/status';
import { cliPath } from '../helpers/repo';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath(), ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('install writes a unit running this CLI with the config, a config that loads, and a 0700 state dir; uninstall undoes it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pt-service-'));
  const unitFile = join(dir, 'systemd/packettrail.service');
  const config = join(dir, 'etc/packettrail.yaml');
  const state = join(dir, 'state');
  const where = ['--unit-file', unitFile, '--config', config, '--state-dir', state];
  try {
    const out = cli('service', 'install', ...where);
    assert.match(out, /systemd is not running here: packettrail\.service is not enabled/);
    const unit = readFileSync(unitFile, 'utf8');
    assert.ok(unit.includes(`\nExecStart=${process.execPath} ${realpathSync(cliPath())} run --config ${config}\n`), unit);
    assert.ok(unit.includes(`\nReadWritePaths=${state}\n`));
    assert.equal(statSync(state).mode & 0o777, 0o700);
    const verify = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    // The written config is the one the sensor runs with: it must pass the real loader.
    process.env.PACKETTRAIL_STATE_DIR = state;
    assert.equal(resolveRunConfig({ config }).store.path, join(state, 'packettrail.db'));
    delete process.env.PACKETTRAIL_STATE_DIR;

    writeFileSync(config, 'source: poll\n');
    assert.match(cli('service', 'install', ...where), new RegExp(`kept ${config}`));
    assert.equal(readFileSync(config, 'utf8'), 'source: poll\n', 'an existing config is kept');

    assert.match(cli('service', 'status', ...where), new RegExp(`unit: ${unitFile}\nrunning: unknown \\(systemd is not running here\\)`));

    cli('service', 'uninstall', ...where);
    assert.ok(!existsSync(unitFile));
    assert.ok(existsSync(config) && existsSync(state), 'the config and the records stay');
    assert.match(cli('service', 'status', ...where), /unit: not installed/);
    cli('service', 'uninstall', '--purge', ...where);
    assert.ok(!existsSync(config) && !existsSync(state));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('status reads the newest stats line of the sensor log', () => {
  const log = [
    '{"level":30,"time":1796698700000,"name":"packettrail","type":"stats","capture":"ebpf","source":{"events":10,"lost":0},"pipeline":{"recorded":3,"lost":0},"memory":{"rss":90.5},"msg":"stats"}',
    '{"level":30,"time":1796698759783,"name":"packettrail","component":"daemon","msg":"capture tier chosen"}',
    '{"level":30,"time":1796698764645,"name":"packettrail","type":"stats","capture":"ebpf","source":{"events":381,"lost":2},"pipeline":{"recorded":5,"lost":1},"memory":{"rss":108.4},"msg":"stats"}',
    'not json "msg":"stats"',
  ].join('\n');
  assert.deepEqual(lastStats(log), { time: new Date(1796698764645).toISOString(), capture: 'ebpf', recorded: 5, lost: 3, rssMiB: 108.4 });
  assert.equal(lastStats('{"msg":"capture attached"}'), null);
});
