// Real programs with chosen names for detector stories: test/fixtures/reach.c is compiled
// once per ReachPrograms, then copied under each name the story needs (powershell.exe,
// explorer.exe, ...) into a directory of its own, so every name is a distinct executable
// with its own path and its own content hash.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './repo';

export interface ReachOptions {
  readonly ip: string;
  readonly port: number;
  /** Connections to make, one after another (default 1). */
  readonly count?: number;
  /** Wait between connections, ms (default 1000). */
  readonly intervalMs?: number;
  /** Uniform jitter added to each wait, in [-jitterMs, +jitterMs]. */
  readonly jitterMs?: number;
  /** Waits between connections, used in turn instead of intervalMs (irregular schedules). */
  readonly waitsMs?: readonly number[];
  /** How long each connection stays open, ms (default 100). */
  readonly holdMs?: number;
}

export interface ReachRun {
  readonly pid: number;
  /** The executable that ran, absolute path. */
  readonly executable: string;
  /** Resolves with the exit code: the number of connections that failed. */
  readonly exited: Promise<number>;
  /** What the program wrote on stderr so far (why a connection failed). */
  stderr(): string;
}

export class ReachPrograms {
  private readonly copies = new Map<string, string>();
  private readonly running = new Map<number, ChildProcess>();

  private constructor(
    private readonly dir: string,
    private readonly binary: string,
  ) {}

  /** Compiles reach.c with gcc into a new temp dir. */
  static create(): ReachPrograms {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'pt-reach-'));
    const binary = path.join(dir, 'reach');
    try {
      execFileSync('gcc', ['-O2', '-Wall', '-Werror', '-o', binary, path.join(repoRoot(), 'test/fixtures/reach.c')], { stdio: 'pipe' });
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return new ReachPrograms(dir, binary);
  }

  /**
   * The path of the copy called `name`, made on first use in its own directory. A trailer
   * naming the copy is appended (the ELF loader ignores it) so copies differ in hash as well
   * as in path, whichever of the two a detector compares.
   */
  program(name: string): string {
    const known = this.copies.get(name);
    if (known) return known;
    if (!/^[A-Za-z0-9._-]{1,15}$/.test(name)) throw new Error(`reach: ${JSON.stringify(name)} is not a short file name (the kernel keeps 15 characters)`);
    const copyDir = path.join(this.dir, `bin-${this.copies.size}-${name}`);
    fs.mkdirSync(copyDir);
    const copy = path.join(copyDir, name);
    fs.copyFileSync(this.binary, copy);
    fs.appendFileSync(copy, `\0packettrail-test-copy:${name}\0`);
    fs.chmodSync(copy, 0o755);
    this.copies.set(name, copy);
    return copy;
  }

  /** Starts the copy called `name` against ip:port. */
  run(name: string, o: ReachOptions): ReachRun {
    const executable = this.program(name);
    const args = [o.ip, String(o.port), '-c', String(o.count ?? 1), '-i', String(o.intervalMs ?? 1000), '-h', String(o.holdMs ?? 100)];
    if (o.jitterMs) args.push('-j', String(o.jitterMs));
    if (o.waitsMs?.length) args.push('-w', o.waitsMs.join(','));
    const child = spawn(executable, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const pid = child.pid;
    if (pid === undefined) throw new Error(`reach: could not start ${executable}`);
    this.running.set(pid, child);
    const exited = new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        this.running.delete(pid);
        resolve(code ?? (signal ? 128 : -1));
      });
    });
    return { pid, executable, exited, stderr: () => stderr };
  }

  /** Runs `name` to its end and fails when a connection failed. */
  async reach(name: string, o: ReachOptions): Promise<ReachRun> {
    const run = this.run(name, o);
    const code = await run.exited;
    if (code !== 0) throw new Error(`${name} (pid ${run.pid}) failed ${code} of ${o.count ?? 1} connections to ${o.ip}:${o.port}: ${run.stderr().trim()}`);
    return run;
  }

  /** Kills by pid whatever still runs, then removes the temp dir. Safe to call twice. */
  async dispose(): Promise<void> {
    const left = [...this.running.values()];
    await Promise.all(
      left.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    this.running.clear();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
