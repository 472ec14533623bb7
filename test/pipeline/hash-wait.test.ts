// Records and executable hashes in the live pipeline, with a real process table, a real hasher
// thread and a real store: a record waits (a short while) for its process's hash; one that left
// without it is followed by the store row's update and by later records that carry it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger, systemClock, type Context } from '../../src/core/context';
import type { CaptureSource, ProcessEvent, SourceOutput } from '../../src/core/stages';
import { createPipeline, type Pipeline } from '../../src/pipeline/pipeline';
import { OwnTraffic } from '../../src/pipeline/own-traffic';
import { ExeHasher } from '../../src/process/exe-hasher';
import { readBootTimeMs } from '../../src/process/proc-files';
import { parseStat } from '../../src/process/proc-stat';
import { ProcessTable } from '../../src/process/process-table';
import { UserNames } from '../../src/process/users';
import { createStoreSink } from '../../src/sinks/store';
import { CollectingSink } from '../helpers/collecting-sink';
import { tierEvent } from '../helpers/events';
import { waitFor } from '../helpers/wait';
import { stopChild } from '../process/helpers';
import { makeProcessInfo } from '../../src/core/process-info';

const dir = fs.mkdtempSync(path.join(tmpdir(), 'pt-hashwait-'));
const children: ChildProcess[] = [];
after(async () => {
  await Promise.all(children.map((c) => stopChild(c)));
  fs.rmSync(dir, { recursive: true, force: true });
});

class HandSource implements CaptureSource {
  readonly tier = 'ebpf';
  out!: SourceOutput;
  async start(out: SourceOutput): Promise<void> {
    this.out = out;
  }
  stats() {
    return { events: 0, lost: 0 };
  }
  async close(): Promise<void> {}
}

let copies = 0;
/** A copy of /bin/sleep of its own content, running. */
async function runCopy(tag: string): Promise<{ pid: number; file: string; sha256: string }> {
  const file = path.join(dir, `sleep-${copies++}-${tag}`);
  fs.copyFileSync('/bin/sleep', file);
  fs.appendFileSync(file, `\0packettrail-hash-wait:${tag}\0`);
  fs.chmodSync(file, 0o755);
  const child = spawn(file, ['30'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  const sha256 = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]!;
  return { pid: child.pid!, file, sha256 };
}

function execOf(pid: number, file: string): ProcessEvent {
  const stat = parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'latin1'))!;
  return { type: 'exec', pid, ppid: process.pid, uid: 0, comm: stat.comm, executable: file, args: [file, '30'], startTicks: stat.startTicks, timeUs: Date.now() * 1000 };
}

interface Rig {
  source: HandSource;
  sink: CollectingSink;
  pipeline: Pipeline;
  hasher: ExeHasher;
  storePath: string;
}

async function rig(t: { after(fn: () => Promise<void>): void }, waitMs: number, bytesPerSecond: number): Promise<Rig> {
  const bootTimeMs = readBootTimeMs()!;
  const host = { name: 'test', ip: '127.0.0.1', ips: ['127.0.0.1'], id: 'test-host', bootTimeMs };
  const ctx: Context = { logger: silentLogger, clock: systemClock, host, agentVersion: 'test' };
  const hasher = new ExeHasher({ maxSize: 64 * 1024 ** 2, maxQueue: 16, timeoutMs: 10_000, bytesPerSecond });
  const storePath = path.join(dir, `store-${copies++}.db`);
  const store = createStoreSink({ path: storePath, retention: { maxAgeMs: 0, maxBytes: 0 }, logger: silentLogger, commitIntervalMs: 50 });
  const sink = new CollectingSink();
  const source = new HandSource();
  const pipeline = createPipeline(
    {
      source,
      sinks: [sink, store],
      processes: new ProcessTable({ hostId: host.id, bootTimeMs, users: new UserNames() }, { hasher }),
      ownTraffic: new OwnTraffic(process.pid),
      udpIdleTimeoutMs: 60_000,
      statsIntervalMs: 60_000,
      hashWaitMs: waitMs,
      hashStats: () => hasher.stats(),
    },
    ctx,
  );
  await pipeline.start();
  t.after(async () => {
    await pipeline.close();
    await hasher.close();
  });
  return { source, sink, pipeline, hasher, storePath };
}

/** A connection as the kernel tier hands it over: pid and comm only. */
function connect(r: Rig, pid: number, port: number): void {
  r.source.out.connection(tierEvent(makeProcessInfo({ pid, name: 'sleep' }), { local: { ip: '127.0.0.1', port }, timeUs: Date.now() * 1000 }));
}

function storedSha256(storePath: string, pid: number): string | null | undefined {
  const db = new Database(storePath, { readonly: true });
  try {
    return (db.prepare('SELECT executable_sha256 AS h FROM process WHERE pid = ?').get(pid) as { h: string | null } | undefined)?.h;
  } finally {
    db.close();
  }
}

test('a record waits for its process hash, and an exit behind it keeps its place', async (t) => {
  // About 40 kB at 400 kB/s: the hash takes about 100 ms, well inside the 5 s wait.
  const r = await rig(t, 5000, 400_000);
  const p = await runCopy('waits');
  r.source.out.process(execOf(p.pid, p.file));
  connect(r, p.pid, 41000);
  // The process exits while its record waits: its end still follows its record.
  r.source.out.process({ type: 'exit', pid: p.pid, timeUs: Date.now() * 1000 });
  assert.equal(r.sink.records.length, 0, 'held while the hash is computed');
  assert.equal(r.sink.ends.length, 0);
  await waitFor(() => r.sink.records.length === 1, 'the record after its hash');
  const rec = r.sink.records[0]!;
  assert.equal(rec.process?.sha256, p.sha256);
  assert.equal(rec.process?.hashStatus, undefined);
  assert.equal(rec.process?.executable, p.file);
  assert.deepEqual(
    r.sink.ends.map((e) => [e.pid, e.entityId]),
    [[p.pid, rec.process?.entityId]],
  );
});

test('a record that waited its time leaves without the hash; the store row and later records get it', async (t) => {
  // Seconds for the hash, 30 ms of wait.
  const r = await rig(t, 30, 20_000);
  const p = await runCopy('late');
  r.source.out.process(execOf(p.pid, p.file));
  connect(r, p.pid, 41001);
  await waitFor(() => r.sink.records.length === 1, 'the record after its wait');
  assert.equal(r.sink.records[0]!.process?.hashStatus, 'pending');
  assert.equal(r.sink.records[0]!.process?.sha256, undefined);
  await waitFor(() => storedSha256(r.storePath, p.pid) !== undefined, 'the process row');
  await waitFor(() => storedSha256(r.storePath, p.pid) === p.sha256, 'the stored hash', 15_000);
  connect(r, p.pid, 41002);
  assert.equal(r.sink.records.length, 2, 'a ready hash holds nothing');
  assert.equal(r.sink.records[1]!.process?.sha256, p.sha256);
  assert.equal(r.sink.records[1]!.process?.hashStatus, undefined);
});

test("a process exec'd from a file version already hashed: its record goes at once with the hash", async (t) => {
  const r = await rig(t, 5000, 0);
  const p = await runCopy('again');
  r.source.out.process(execOf(p.pid, p.file));
  await waitFor(() => r.hasher.stats().hashed === 1, 'the first hash');
  const second = spawn(p.file, ['30'], { stdio: 'ignore' });
  children.push(second);
  await new Promise((resolve) => second.once('spawn', resolve));
  r.source.out.process(execOf(second.pid!, p.file));
  connect(r, second.pid!, 41003);
  assert.equal(r.sink.records.length, 1);
  assert.equal(r.sink.records[0]!.process?.sha256, p.sha256);
  const s = r.hasher.stats();
  assert.equal(s.hashed, 1);
  assert.equal(s.cacheHits, 1);
});
