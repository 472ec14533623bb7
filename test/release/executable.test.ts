// The single executable alone in an empty directory: no Node, npm or source tree beside it.
// It prints its version and commit, finds the ebpf tier working, records a loopback
// connection with it into its store, and writes no file outside its state directory (every
// file-writing system call is traced).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../helpers/repo';
import { releaseFiles } from './release-build';

const WRITING_CALLS = /^(creat|mkdir|mkdirat|rename|renameat2?|unlink|unlinkat|link|linkat|symlink|symlinkat|truncate)\(/;

/** strace lines with each call that another thread interrupted joined back to its result. */
function wholeCalls(straceLog: string): string[] {
  const pending = new Map<string, string>();
  const calls: string[] = [];
  for (const raw of straceLog.split('\n')) {
    const m = /^(\d+)\s+(.*)$/.exec(raw);
    if (!m) continue;
    const [, pid, rest] = m as unknown as [string, string, string];
    if (rest.endsWith('<unfinished ...>')) {
      pending.set(pid, rest.slice(0, -'<unfinished ...>'.length));
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    if (resumed) {
      calls.push((pending.get(pid) ?? '') + resumed[1]);
      pending.delete(pid);
      continue;
    }
    calls.push(rest);
  }
  return calls;
}

/** Paths the traced process created, changed or removed (successful calls only). */
function writtenPaths(straceLog: string, cwd: string): string[] {
  const out: string[] = [];
  for (const line of wholeCalls(straceLog)) {
    if (/= -1 /.test(line)) continue;
    const isOpen = /^(open|openat)\(/.test(line);
    if (!isOpen && !WRITING_CALLS.test(line)) continue;
    if (isOpen && !/O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(line)) continue;
    // With strace -y a directory fd reads `5</its/path>`; AT_FDCWD is the working directory.
    const dirFd = /^\w+\((\d+)<([^>]*)>/.exec(line)?.[2] ?? cwd;
    for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"/g)) out.push(resolve(dirFd, m[1]!));
  }
  return out;
}

function gitCommit(): string {
  return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repoRoot(), encoding: 'utf8' }).trim();
}

test('the executable copied alone runs: version, doctor, a recorded connection, nothing written outside its state', { timeout: 600_000 }, async () => {
  const { executable } = await releaseFiles();
  const dir = mkdtempSync(join(tmpdir(), 'pt-alone-'));
  const exe = join(dir, 'packettrail');
  const stateDir = join(dir, 'state');
  copyFileSync(executable, exe);
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir, PACKETTRAIL_STATE_DIR: stateDir };
  try {
    const version = spawnSync(exe, ['--version'], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
    assert.match(version.stdout.trim(), new RegExp(`^${pkg.version.replace(/\./g, '\\.')} \\(commit ${gitCommit()}(-dirty)?\\)$`));

    const doctor = spawnSync(exe, ['doctor'], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(doctor.status, 0, doctor.stderr);
    assert.match(doctor.stdout, new RegExp(`^ebpf\\s+yes\\s+loads ${stateDir}/runtime/packettrail\\.bpf-[0-9a-f]{16}\\.o`, 'm'));
    assert.match(doctor.stdout, /--source auto would use: ebpf/);

    const trace = join(dir, 'strace.log');
    const sensor = spawn(
      'strace',
      [
        '-f',
        '-qq',
        '-y',
        '-o',
        trace,
        '-e',
        'trace=open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,link,linkat,symlink,symlinkat,truncate',
        exe,
        'run',
        '--source',
        'ebpf',
        '--no-console',
      ],
      {
        cwd: dir,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    sensor.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => sensor.once('exit', (code) => res(code)));
    for (let i = 0; i < 150 && !/packettrail ready capture=ebpf/.test(stderr); i++) await sleep(200);
    assert.match(stderr, /packettrail ready capture=ebpf/);

    const server = createServer((s) => s.end());
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((res, rej) => connect(port, '127.0.0.1').once('connect', res).once('error', rej));
    await sleep(1500);
    server.close();
    // The sensor is strace's only child: stopped by its own pid so strace sees it exit.
    const sensorPid = Number(readFileSync(`/proc/${sensor.pid}/task/${sensor.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    assert.ok(sensorPid > 0);
    process.kill(sensorPid, 'SIGTERM');
    assert.equal(await exited, 0, stderr);

    const query = spawnSync(exe, ['query', '--json', '--port', String(port)], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(query.status, 0, query.stderr);
    const records = query.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: { action: string }; process: { pid: number } });
    const attempt = records.find((r) => r.event.action === 'connection_attempted');
    assert.ok(attempt, query.stdout);
    assert.equal(attempt.process.pid, process.pid, 'attributed to this test process');

    const outside = writtenPaths(readFileSync(trace, 'utf8'), dir).filter((p) => p !== stateDir && !p.startsWith(`${stateDir}/`) && !/^\/(dev|proc|sys)\//.test(p));
    assert.deepEqual(outside, [], 'files written outside the state directory');
    assert.deepEqual(readdirSync(dir).sort(), ['packettrail', 'state', 'strace.log']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the trace reader finds writes, resolves relative paths and skips reads and failures', () => {
  const log = [
    '12 openat(AT_FDCWD</w>, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3</etc/passwd>',
    '12 openat(AT_FDCWD</w>, "rel/x", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4</w/rel/x>',
    '12 openat(7</var/lib>, "y", O_RDWR|O_CREAT, 0600) = 5</var/lib/y>',
    '13 unlink("/tmp/z") = 0',
    '13 mkdir("/nope", 0700) = -1 EACCES (Permission denied)',
    '13 rename("/s/a.tmp", "/s/a") = 0',
    '14 mkdir("/st", 0777 <unfinished ...>',
    '15 mkdir("/other", 0700) = 0',
    '14 <... mkdir resumed>) = -1 EEXIST (File exists)',
  ].join('\n');
  assert.deepEqual(writtenPaths(log, '/w'), ['/w/rel/x', '/var/lib/y', '/tmp/z', '/s/a.tmp', '/s/a', '/other']);
});
