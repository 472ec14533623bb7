// The executable of an exec record is the file the kernel runs, resolved in the kernel at exec
// time: absolute, through symlinks and mount points, from the process's root, the way
// readlink(/proc/PID/exe) shows it, without " (deleted)" (a flag says that). Each case runs a
// real program (a copy of sleep) started the way that case needs and compares the record with
// /proc/PID/exe read while the process lives.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { createEbpfSource } from '../../../src/capture/ebpf';
import { silentLogger } from '../../../src/core/context';
import type { CaptureSource, ProcessEvent } from '../../../src/core/stages';
import { CollectingOutput } from '../../helpers/collecting-output';
import { waitForValue } from '../../helpers/wait';
import { ensureBpfObject, kernelSkipReason, killChildren, PYTHON, startChild, type ChildRun } from './helpers';

const skip = kernelSkipReason();
const SLEEP = '/usr/bin/sleep';
const PROBE = 'pt-exe-probe';
const DELETED = ' (deleted)';

type ExecEvent = Extract<ProcessEvent, { type: 'exec' }>;

describe('ebpf exec records: the executable as the kernel resolves it', { skip }, () => {
  let source: CaptureSource | undefined;
  const output = new CollectingOutput();
  // realpath: os.tmpdir() may itself lie behind a symlink.
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pt-exe-path-')));

  before(async () => {
    source = createEbpfSource({ logger: silentLogger, bpfObjectPath: ensureBpfObject(), ignorePid: process.pid });
    await source.start(output);
  });

  afterEach(() => killChildren());

  after(async () => {
    killChildren();
    await source?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A copy of sleep at `dir`/pt-exe-probe: a real ELF program of our own to start and delete. */
  function probeIn(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    const exe = path.join(dir, PROBE);
    fs.copyFileSync(SLEEP, exe);
    fs.chmodSync(exe, 0o755);
    return exe;
  }

  /** The exec record of `pid` that ran a program named `base` (earlier execs of the pid, such as a shell, are skipped). */
  function execOf(pid: number, base = PROBE): Promise<ExecEvent> {
    return waitForValue(`exec record of ${pid} running ${base}`, () =>
      output.procs.find((p): p is ExecEvent => p.type === 'exec' && p.pid === pid && path.basename(p.executable) === base),
    );
  }

  /** The exec record of a running child, checked against /proc/PID/exe read while it lives. */
  async function execMatchingProc(run: ChildRun, base = PROBE): Promise<{ ev: ExecEvent; procExe: string }> {
    const ev = await execOf(run.pid, base);
    const procExe = fs.readlinkSync(`/proc/${run.pid}/exe`);
    assert.equal(run.child.exitCode, null, 'still running when /proc was read');
    assert.ok(path.isAbsolute(ev.executable), `absolute: ${ev.executable}`);
    assert.equal(ev.executable, procExe.endsWith(DELETED) ? procExe.slice(0, -DELETED.length) : procExe);
    assert.equal(ev.executableTruncated, false);
    return { ev, procExe };
  }

  it('a relative exec (./prog from its directory) is the absolute path', async () => {
    const exe = probeIn(path.join(tmp, 'relative'));
    const run = startChild(`./${PROBE}`, ['30'], path.dirname(exe));
    const { ev } = await execMatchingProc(run);
    assert.equal(ev.executable, exe);
    assert.equal(ev.args[0], `./${PROBE}`, 'the path as typed stays in argv');
    assert.equal(ev.executableDeleted, false);
  });

  it('a relative exec that exits at once is absolute too: nothing is read from /proc', async () => {
    const exe = probeIn(path.join(tmp, 'short-lived'));
    const run = startChild(`./${PROBE}`, ['0'], path.dirname(exe));
    assert.equal(await run.exited, 0);
    assert.equal((await execOf(run.pid)).executable, exe);
  });

  it('through a symlink: the file it points to', async () => {
    const exe = probeIn(path.join(tmp, 'target'));
    const link = path.join(tmp, 'a-link');
    fs.symlinkSync(exe, link);
    const run = startChild(link, ['30']);
    const { ev } = await execMatchingProc(run);
    assert.equal(ev.executable, exe);
  });

  it('through a symlinked directory (/bin on a merged-/usr system): the real directory', async (t) => {
    if (!fs.lstatSync('/bin').isSymbolicLink()) return t.skip('/bin is not a symlink here');
    const run = startChild('/bin/sleep', ['30']);
    const { ev } = await execMatchingProc(run, 'sleep');
    assert.equal(ev.executable, fs.realpathSync('/bin/sleep'));
    assert.notEqual(ev.executable, '/bin/sleep');
  });

  it('a deep path (more than 10 levels)', async () => {
    const dir = path.join(tmp, ...Array.from({ length: 14 }, (_, i) => `level-${i}`));
    const exe = probeIn(dir);
    const run = startChild(exe, ['30']);
    const { ev } = await execMatchingProc(run);
    assert.equal(ev.executable, exe);
  });

  it('deeper than the kernel walks (50 short levels): completed from /proc while the process lives', async () => {
    const exe = probeIn(path.join(tmp, ...Array.from({ length: 50 }, () => 'd')));
    const run = startChild(exe, ['30']);
    const { ev } = await execMatchingProc(run);
    assert.equal(ev.executable, exe);
  });

  it('a path longer than the record holds: the kernel marks its tail, the source completes it from /proc', async () => {
    const dir = path.join(tmp, ...Array.from({ length: 24 }, (_, i) => `a-rather-long-dir-${i}`));
    const exe = probeIn(dir);
    assert.ok(exe.length > 300);
    const run = startChild(exe, ['30']);
    const { ev } = await execMatchingProc(run);
    assert.equal(ev.executable, exe);
  });

  it('a path longer than the record, process gone before the record is read: the tail, flagged', async () => {
    const dir = path.join(tmp, ...Array.from({ length: 24 }, (_, i) => `another-long-dir-${i}`));
    const exe = probeIn(dir);
    const run = startChild(exe, ['0']);
    assert.equal(await run.exited, 0);
    // The exit record comes after the exec record: by then the exec record was decoded (maybe
    // before the exit, when /proc still had it) — only check what holds either way.
    const ev = await execOf(run.pid);
    assert.ok(exe.endsWith(ev.executable), `${ev.executable} is a tail of ${exe}`);
    assert.equal(ev.executableTruncated, ev.executable !== exe);
  });

  it('a binary deleted before it is run (fexecve): its path without " (deleted)", and the flag', async () => {
    const exe = probeIn(path.join(tmp, 'deleted'));
    // Opens the file, unlinks it, and runs it from the descriptor: the kernel runs a deleted file.
    const code = ['import os,sys', 'fd = os.open(sys.argv[1], os.O_RDONLY)', 'os.unlink(sys.argv[1])', `os.execve(fd, ['${PROBE}', '30'], {})`].join('\n');
    const run = startChild(PYTHON, ['-c', code, exe]);
    const { ev, procExe } = await execMatchingProc(run);
    assert.equal(procExe, exe + DELETED, 'the kernel shows it deleted');
    assert.equal(fs.existsSync(exe), false);
    assert.equal(ev.executable, exe);
    assert.equal(ev.executableDeleted, true);
  });

  it('a binary deleted while it runs keeps the path it had at exec', async () => {
    const exe = probeIn(path.join(tmp, 'deleted-later'));
    const run = startChild(exe, ['30']);
    const ev = await execOf(run.pid);
    fs.unlinkSync(exe);
    assert.equal(fs.readlinkSync(`/proc/${run.pid}/exe`), exe + DELETED);
    assert.deepEqual([ev.executable, ev.executableDeleted], [exe, false]);
  });

  it('inside a private mount namespace, run from a bind mount: the path in that namespace', async () => {
    const exe = probeIn(path.join(tmp, 'bind-source'));
    const target = path.join(tmp, 'bind-target');
    fs.mkdirSync(target);
    // The bind mount exists only in the new namespace and goes away with its last process.
    const script = `mount --bind "$1" "$2" && exec "$2/${PROBE}" 30`;
    const run = startChild('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', path.dirname(exe), target]);
    const { ev } = await execMatchingProc(run);
    assert.equal(ev.executable, path.join(target, PROBE), 'the bind mount crossed to where it is mounted');
    const inside = execFileSync('nsenter', ['-t', String(run.pid), '-m', 'readlink', `/proc/${run.pid}/exe`])
      .toString()
      .trim();
    assert.equal(ev.executable, inside, 'what the process itself sees');
    assert.equal(fs.readdirSync(target).length, 0, 'the mount is not in our namespace');
  });

  it(`ebpf kernel tests skipped: ${skip}`, { skip }, () => {});
});
