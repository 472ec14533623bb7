// Executable hashes end to end: the built sensor on the ebpf tier records real programs (copies
// of test/fixtures/reach.c's binary, each of its own content) connecting to a loopback server,
// and every record names the SHA-256 of the file that ran — a plain copy as sha256sum reads it,
// a copy run twice (hashed once), a binary deleted right after it started, one deleted and
// replaced at its path before the sensor started — a file above the size cap says too_large,
// and the store keeps the hash for `query`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCliSync, startCli } from '../helpers/cli-run';
import { ReachPrograms, type ReachRun } from '../helpers/reach';
import { waitFor } from '../helpers/wait';
import { readJsonLines } from '../helpers/json-lines';

type EcsRecord = Record<string, any>;

function kernelUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'the ebpf tier needs Linux';
  if (process.getuid?.() !== 0) return 'the ebpf tier needs root';
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) return 'the kernel has no BTF';
  return undefined;
}

const skip = kernelUnavailable() ?? false;
const dir = fs.mkdtempSync(path.join(tmpdir(), 'pt-exehash-e2e-'));
const outFile = path.join(dir, 'out.jsonl');
const storePath = path.join(dir, 'pt.db');
const programs = skip ? undefined : ReachPrograms.create();
const CAP = 256 * 1024;

after(async () => {
  await programs?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function sha256sum(file: string): string {
  return execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]!;
}

function records(): EcsRecord[] {
  return readJsonLines<EcsRecord>(outFile);
}

function connectsOf(all: readonly EcsRecord[], run: ReachRun, port: number): EcsRecord[] {
  return all.filter((r) => r.event?.action === 'connection_attempted' && r.process?.pid === run.pid && r.destination?.port === port);
}

function sensorConfig(): string {
  const file = path.join(dir, 'packettrail.yaml');
  fs.writeFileSync(file, ['log:', '  level: info', 'hash:', `  maxSize: ${CAP}`, '  waitMs: 200ms', ''].join('\n'));
  return file;
}

test('records carry the sha256 of the executable that ran', { skip, timeout: 120_000 }, async (t) => {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as net.AddressInfo).port;
  const reach = programs!;
  const o = { ip: '127.0.0.1', port };

  // Started before the sensor, then deleted and replaced at its path: only /proc/PID/exe
  // still reads what runs.
  const replacedPath = reach.program('replaced');
  const replacedSha = sha256sum(replacedPath);
  const replaced = reach.run('replaced', { ...o, count: 40, intervalMs: 250, holdMs: 10 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  fs.unlinkSync(replacedPath);
  fs.copyFileSync(reach.program('newcomer'), replacedPath);
  assert.notEqual(sha256sum(replacedPath), replacedSha);

  const sensor = await startCli(['run', '--source', 'ebpf', '--file', outFile, '--store', storePath, '--config', sensorConfig(), '--no-console']);
  let exitCode: number | null;
  const runs = new Map<string, ReachRun>();
  const sums = new Map<string, string>();
  try {
    for (const name of ['plain', 'twice', 'deleted']) sums.set(name, sha256sum(reach.program(name)));
    const big = reach.program('big');
    fs.appendFileSync(big, Buffer.alloc(CAP));
    runs.set('plain', await reach.reach('plain', o));
    runs.set('twice1', await reach.reach('twice', o));
    runs.set('twice2', await reach.reach('twice', o));
    runs.set('big', await reach.reach('big', o));
    const deleted = reach.run('deleted', { ...o, count: 3, intervalMs: 300, holdMs: 10 });
    fs.unlinkSync(reach.program('deleted'));
    assert.equal(await deleted.exited, 0);
    runs.set('deleted', deleted);
    await waitFor(() => connectsOf(records(), deleted, port).length === 3, 'the deleted program records');
    await waitFor(() => connectsOf(records(), replaced, port).length >= 3, 'the replaced program records');
  } finally {
    exitCode = await sensor.stop();
  }
  assert.equal(exitCode, 0, sensor.stderr().slice(-2000));
  const all = records();
  const hashesOf = (run: ReachRun) => connectsOf(all, run, port).map((r) => r.process?.hash?.sha256 ?? r.packettrail?.process?.hash_status);

  await t.test('a plain copy: sha256sum of the file', () => {
    assert.deepEqual(hashesOf(runs.get('plain')!), [sums.get('plain')]);
  });
  await t.test('one file run twice: the same hash on both', () => {
    assert.deepEqual([...hashesOf(runs.get('twice1')!), ...hashesOf(runs.get('twice2')!)], [sums.get('twice'), sums.get('twice')]);
  });
  await t.test('a binary deleted while it runs: the deleted file', () => {
    assert.deepEqual(hashesOf(runs.get('deleted')!), [sums.get('deleted'), sums.get('deleted'), sums.get('deleted')]);
  });
  await t.test('a binary replaced at its path before the sensor started: what ran, not what the path names now', () => {
    const seen = hashesOf(replaced);
    assert.ok(seen.length >= 3);
    assert.deepEqual(new Set(seen), new Set([replacedSha]));
  });
  await t.test('a file above the size cap: too_large, no hash', () => {
    const recs = connectsOf(all, runs.get('big')!, port);
    assert.equal(recs.length, 1);
    assert.equal(recs[0]!.process?.hash, undefined);
    assert.equal(recs[0]!.packettrail?.process?.hash_status, 'too_large');
  });
  await t.test('the stats record counts hashes, cache hits and the capped file', () => {
    const stats = sensor
      .stderr()
      .split('\n')
      .filter((l) => l.includes('"type":"stats"'))
      .map((l) => JSON.parse(l) as EcsRecord)
      .at(-1);
    assert.ok(stats?.hash, 'a hash part in the stats record');
    assert.ok(stats.hash.hashed >= 5, `hashed ${stats.hash.hashed}`);
    assert.ok(stats.hash.cacheHits >= 1, `cache hits ${stats.hash.cacheHits}`);
    assert.ok(stats.hash.tooLarge >= 1);
  });
  await t.test('the store keeps the hash: query shows it', () => {
    const r = runCliSync(['query', '--store', storePath, '--port', String(port), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as EcsRecord)
      .filter((rec) => rec.event?.action === 'connection_attempted' && rec.process?.pid === runs.get('plain')!.pid);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.process?.hash?.sha256, sums.get('plain'));
  });
});
