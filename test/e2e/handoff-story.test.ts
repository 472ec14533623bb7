// The story the detectors exist for, played by real processes against real remote addresses
// while the built sensor runs: powershell.exe reaches an address and exits, explorer.exe
// reaches the same address → one hand-off alert naming both, live and again from `hunt`.
// The variations that must stay quiet (A still alive, one program run twice, an address many
// programs reach) and the first_seen and beacon rules share the same sensor run, each on a
// remote address of its own (a network namespace behind a veth), so their windows never mix.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCli, runCliSync, type RunningCli } from '../helpers/cli-run';
import { createRemoteHost, netnsUnavailable, type RemoteHost } from '../helpers/netns';
import { ReachPrograms, type ReachRun } from '../helpers/reach';
import { itemAt, onlyItem } from '../helpers/items';
import { waitFor } from '../helpers/wait';
import { readJsonLines } from '../helpers/json-lines';

function kernelUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'the ebpf tier needs Linux';
  if (process.getuid?.() !== 0) return 'the ebpf tier needs root';
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) return 'the kernel has no BTF';
  return undefined;
}

const skip = kernelUnavailable() ?? netnsUnavailable() ?? false;

/** First-seen learns for this long after the first event, then alerts on new pairs. */
const LEARN_MS = 5000;
/** Distinct programs that reach the common address before A and B do. */
const COMMON_VISITORS = ['svchost.exe', 'msedge.exe', 'teams.exe', 'onedrive.exe'];
/** Irregular waits between connections, ms: nothing a beacon detector may call periodic. */
const IRREGULAR_WAITS = [150, 2300, 600, 1700, 90, 2600, 400, 1250, 2000, 300, 900];

type EcsRecord = Record<string, any>;
type Scene = 'story' | 'alive' | 'twice' | 'common' | 'learnt' | 'fresh' | 'beacon' | 'irregular';
const SCENES: readonly Scene[] = ['story', 'alive', 'twice', 'common', 'learnt', 'fresh', 'beacon', 'irregular'];

const dir = fs.mkdtempSync(path.join(tmpdir(), 'pt-story-'));
const outFile = path.join(dir, 'out.jsonl');
const storePath = path.join(dir, 'db');
const programs = ReachPrograms.create();
const hosts = new Map<Scene, RemoteHost>();

before(async () => {
  if (skip) return;
  for (const scene of SCENES) hosts.set(scene, await createRemoteHost({ holdMs: 500 }));
});

after(async () => {
  await programs.dispose();
  await Promise.all([...hosts.values()].map((h) => h.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

function host(scene: Scene): RemoteHost {
  const h = hosts.get(scene);
  if (!h) throw new Error(`no remote host for ${scene}`);
  return h;
}

function records(): EcsRecord[] {
  return readJsonLines<EcsRecord>(outFile);
}

const isAlert = (r: EcsRecord) => r.event?.kind === 'alert';

function egressOf(all: readonly EcsRecord[], run: ReachRun, scene: Scene): EcsRecord[] {
  const { ip, port } = host(scene);
  return all.filter((r) => !isAlert(r) && r.event?.action === 'connection_attempted' && r.process?.pid === run.pid && r.destination?.ip === ip && r.destination?.port === port);
}

function alertsAbout(all: readonly EcsRecord[], rule: string, scene: Scene): EcsRecord[] {
  return all.filter((r) => isAlert(r) && r.rule?.name === rule && r.destination?.ip === host(scene).ip);
}

function sensorConfig(): string {
  const file = path.join(dir, 'packettrail.yaml');
  // No hand-off warm-up: the story is played seconds after the sensor starts.
  const detect = ['detect:', '  enabled: true', '  firstSeen:', `    learnFor: ${LEARN_MS}ms`, '  handoff:', '    commonThreshold: 3', '    warmUp: 0', ''];
  fs.writeFileSync(file, ['log:', '  level: warn', ...detect].join('\n'));
  return file;
}

/** The parts of an alert that make it this finding, for comparing live and hunt output. */
function finding(a: EcsRecord): unknown {
  const proc = (p: EcsRecord | undefined) => ({ pid: p?.pid, name: p?.name, executable: p?.executable, entity_id: p?.entity_id });
  return {
    '@timestamp': a['@timestamp'],
    kind: a.event?.kind,
    id: a.event?.id,
    reason: a.event?.reason,
    rule: a.rule?.name,
    process: proc(a.process),
    previous: proc(a.packettrail?.previous?.process),
    destination: { ip: a.destination?.ip, port: a.destination?.port },
  };
}

interface Played {
  runs: Map<string, ReachRun>;
  all: EcsRecord[];
  exitCode: number | null;
}

/** Plays every scene against one sensor run, stops the sensor, returns what it wrote. */
async function play(sensor: RunningCli): Promise<Played> {
  const runs = new Map<string, ReachRun>();
  const reach = async (key: string, name: string, scene: Scene): Promise<ReachRun> => {
    const run = await programs.reach(name, { ip: host(scene).ip, port: host(scene).port, holdMs: 50 });
    runs.set(key, run);
    return run;
  };

  // Beacon and its irregular twin run in the background for about 12 s.
  const beacon = programs.run('updater.exe', { ip: host('beacon').ip, port: host('beacon').port, count: 12, intervalMs: 1000, jitterMs: 100, holdMs: 50 });
  const irregular = programs.run('chrome.exe', { ip: host('irregular').ip, port: host('irregular').port, count: IRREGULAR_WAITS.length + 1, waitsMs: IRREGULAR_WAITS, holdMs: 50 });
  runs.set('beacon', beacon).set('irregular', irregular);

  // Learnt while first-seen is still learning; reached again after it has learnt.
  await reach('learnt', 'learned.exe', 'learnt');
  const learntAt = Date.now();

  // The story: A reaches X and exits, then B reaches X.
  await reach('storyA', 'powershell.exe', 'story');
  await reach('storyB', 'explorer.exe', 'story');

  // A is still alive (holding its connection) when B reaches the same address.
  const aliveA = programs.run('powershell.exe', { ip: host('alive').ip, port: host('alive').port, holdMs: 2500 });
  runs.set('aliveA', aliveA);
  await waitFor(() => egressOf(records(), aliveA, 'alive').length > 0, 'the sensor to record the live A');
  await reach('aliveB', 'explorer.exe', 'alive');
  assert.equal(await aliveA.exited, 0, 'A reached its address');

  // One program run twice: the same executable, two processes.
  await reach('twice1', 'powershell.exe', 'twice');
  await reach('twice2', 'powershell.exe', 'twice');

  // An address several other programs reach first is common: A then B there is no story.
  // The visitors overlap (like the long-lived clients of a resolver or a proxy), so no
  // visitor's exit comes before another's first contact.
  const visitors = COMMON_VISITORS.map((name) => {
    const run = programs.run(name, { ip: host('common').ip, port: host('common').port, holdMs: 1500 });
    runs.set(`common-${name}`, run);
    return run;
  });
  await waitFor(() => visitors.every((v) => egressOf(records(), v, 'common').length > 0), 'the sensor to record every visitor of the common address');
  for (const v of visitors) assert.equal(await v.exited, 0, 'a visitor reached the common address');
  await reach('commonA', 'powershell.exe', 'common');
  await reach('commonB', 'explorer.exe', 'common');

  // After the learning period: a new pair twice, and the learnt pair again.
  await sleep(Math.max(0, learntAt + LEARN_MS + 1500 - Date.now()));
  await reach('fresh1', 'newpair.exe', 'fresh');
  await reach('fresh2', 'newpair.exe', 'fresh');
  await reach('learntAgain', 'learned.exe', 'learnt');

  assert.equal(await beacon.exited, 0, 'the beacon reached its address every time');
  assert.equal(await irregular.exited, 0, 'the irregular program reached its address every time');
  const last = runs.get('learntAgain')!;
  await waitFor(() => egressOf(records(), last, 'learnt').length > 0, 'the last connection to be recorded');
  // A moment for detectors that decide on the last connection's record.
  await sleep(500);
  const exitCode = await sensor.stop();
  return { runs, all: records(), exitCode };
}

test('the hand-off story and its quiet variations, first_seen and beacon, in one sensor run', { skip, timeout: 120_000 }, async (t) => {
  const args = ['run', '--source', 'ebpf', '--file', outFile, '--store', storePath, '--config', sensorConfig(), '--no-console'];
  const sensor = await startCli(args);
  let played: Played;
  try {
    played = await play(sensor);
  } finally {
    await sensor.stop();
  }
  const { runs, all, exitCode } = played;
  const run = (key: string) => runs.get(key)!;
  assert.equal(exitCode, 0, `sensor exit code; stderr: ${sensor.stderr().slice(-2000)}`);

  await t.test('the sensor records every connection with its process, from the namespace address', () => {
    const expect: Array<[string, Scene, number]> = [
      ['storyA', 'story', 1],
      ['storyB', 'story', 1],
      ['aliveA', 'alive', 1],
      ['aliveB', 'alive', 1],
      ['twice1', 'twice', 1],
      ['twice2', 'twice', 1],
      ...COMMON_VISITORS.map((n): [string, Scene, number] => [`common-${n}`, 'common', 1]),
      ['commonA', 'common', 1],
      ['commonB', 'common', 1],
      ['learnt', 'learnt', 1],
      ['learntAgain', 'learnt', 1],
      ['fresh1', 'fresh', 1],
      ['fresh2', 'fresh', 1],
      ['beacon', 'beacon', 12],
      ['irregular', 'irregular', IRREGULAR_WAITS.length + 1],
    ];
    for (const [key, scene, count] of expect) {
      const r = run(key);
      const mine = egressOf(all, r, scene);
      assert.equal(mine.length, count, `${key}: ${count} egress record(s) of pid ${r.pid} to ${host(scene).ip}`);
      for (const rec of mine) {
        assert.equal(rec.process.name, path.basename(r.executable), key);
        assert.equal(rec.process.executable, fs.realpathSync(r.executable), key);
        assert.equal(rec.source.ip, host(scene).localIp, `${key}: leaves through the veth`);
        assert.equal(rec.network.direction, 'egress');
        assert.equal(rec.packettrail.capture, 'ebpf');
        assert.equal(rec.packettrail.attribution, 'syscall');
        assert.match(rec.process.entity_id, /\S/);
      }
    }
    assert.notEqual(run('storyA').executable, run('storyB').executable, 'A and B are distinct executables');
    assert.equal(run('twice1').executable, run('twice2').executable, 'a program run twice is one executable');
    assert.notEqual(itemAt(egressOf(all, run('twice1'), 'twice'), 0).process.entity_id, itemAt(egressOf(all, run('twice2'), 'twice'), 0).process.entity_id);
  });

  await t.test('handoff: exactly one alert, naming explorer.exe and before it powershell.exe', () => {
    const story = alertsAbout(all, 'handoff', 'story');
    assert.equal(story.length, 1, JSON.stringify(story));
    const a = story[0]!;
    assert.deepEqual(a.event.category, ['network', 'intrusion_detection']);
    assert.equal(a.destination.port, host('story').port);
    assert.equal(a.process.name, 'explorer.exe');
    assert.equal(a.process.pid, run('storyB').pid);
    assert.equal(a.process.executable, fs.realpathSync(run('storyB').executable));
    const prev = a.packettrail?.previous?.process;
    assert.equal(prev?.name, 'powershell.exe');
    assert.equal(prev?.pid, run('storyA').pid);
    assert.equal(prev?.executable, fs.realpathSync(run('storyA').executable));
    assert.equal(prev?.entity_id, itemAt(egressOf(all, run('storyA'), 'story'), 0).process.entity_id);
  });

  await t.test('handoff: none while A is alive, for a program run twice, or at a common address', () => {
    for (const scene of ['alive', 'twice', 'common', 'learnt', 'fresh', 'beacon', 'irregular'] as const) {
      assert.deepEqual(alertsAbout(all, 'handoff', scene), [], `no handoff alert about the ${scene} address`);
    }
  });

  await t.test('hunt over the store prints the same hand-off finding', () => {
    const r = runCliSync(['hunt', '--store', storePath, '--config', sensorConfig(), '--json', '--rule', 'handoff']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as EcsRecord);
    for (const l of lines) assert.equal(l.rule?.name, 'handoff', 'only the rule asked for');
    const ours = new Set([...hosts.values()].map((h) => h.ip));
    const found = lines.filter((l) => ours.has(l.destination?.ip));
    assert.equal(found.length, 1, r.stdout);
    assert.deepEqual(finding(found[0]!), finding(alertsAbout(all, 'handoff', 'story')[0]!));
  });

  await t.test('query over the store finds A and B at the story address', () => {
    const r = runCliSync(['query', '--store', storePath, '--remote', host('story').ip, '--direction', 'egress', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as EcsRecord)
      .filter((x) => !isAlert(x))
      .sort((x, y) => String(x['@timestamp']).localeCompare(String(y['@timestamp'])));
    // The store keeps connection ends too: each belongs to the process whose connection it ends.
    const closed = (x: EcsRecord) => x.event.action === 'connection_closed';
    assert.deepEqual(
      rows.filter((x) => !closed(x)).map((x) => [x.process.pid, x.process.name]),
      [
        [run('storyA').pid, 'powershell.exe'],
        [run('storyB').pid, 'explorer.exe'],
      ],
    );
    for (const x of rows.filter(closed)) assert.ok([run('storyA').pid, run('storyB').pid].includes(x.process.pid), 'a close of the story');
  });

  await t.test('first_seen: a new pair after learning alerts once; a repeat or a learnt pair does not', () => {
    const freshAlerts = alertsAbout(all, 'first_seen', 'fresh').filter((a) => a.process?.name === 'newpair.exe');
    const fresh = onlyItem(freshAlerts, JSON.stringify(freshAlerts));
    assert.equal(fresh.process.pid, run('fresh1').pid, 'the first connection of the pair is the finding');
    assert.equal(fresh.destination.port, host('fresh').port);
    const learnt = alertsAbout(all, 'first_seen', 'learnt').filter((a) => a.process?.name === 'learned.exe');
    assert.deepEqual(learnt, [], 'a pair seen while learning is known');
  });

  await t.test('beacon: one alert for 1 s ± 10 % over 12 connections; none for irregular waits', () => {
    const beaconAlerts = alertsAbout(all, 'beacon', 'beacon');
    const beacon = onlyItem(beaconAlerts, JSON.stringify(beaconAlerts));
    assert.equal(beacon.process.name, 'updater.exe');
    const period = Number(beacon.packettrail?.beacon?.period);
    assert.ok(period > 0.85 && period < 1.15, `period ${period} s`);
    assert.deepEqual(alertsAbout(all, 'beacon', 'irregular'), []);
  });
});
