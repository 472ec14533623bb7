// Every filter and count-by against an oracle: the same records filtered and counted in plain
// code. The records span four days, so count-by reads whole days from the rollup and the
// partial days at the ends from raw connections; both must add up to the oracle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectionEvent, ProcessInfo } from '../../../src/core/connection-event';
import {
  COUNT_BY_FIELDS,
  countBy,
  openStoreReadOnly,
  parseAddressRange,
  searchConnections,
  type ConnectionFilter,
  type CountByField,
  type StoreDb,
} from '../../../src/sinks/store';
import { ipToBlob } from '../../../src/sinks/store/ip-blob';
import { tempStore, type TempStore } from './store-fixtures';

const DAY_US = 86_400_000_000;
const START_US = Date.UTC(2025, 10, 24, 5, 0, 0) * 1000;
const procs: ProcessInfo[] = [
  { pid: 100, name: 'curl', executable: '/usr/bin/curl', entityId: 'e-100', uid: 1000, userName: 'alice' },
  { pid: 101, name: 'curl', executable: '/usr/bin/curl', entityId: 'e-101', uid: 1001, userName: 'bob' },
  { pid: 200, name: 'sshd', executable: '/usr/sbin/sshd', entityId: 'e-200', uid: 0, userName: 'root' },
  { pid: 300, name: 'python3', executable: '/usr/bin/python3.11', entityId: 'e-300', uid: 1000, userName: 'alice' },
  { pid: 400, name: 'ssh', executable: '/usr/bin/ssh', entityId: 'e-400', uid: 1001, userName: 'bob' },
];
const remotes = ['10.1.2.3', '10.1.9.9', '10.200.0.1', '192.0.2.44', '93.184.216.34', '2001:db8::1', '2001:db8:1::7', '2001:db9::1', '::1', '127.0.0.1'];

function events(): ConnectionEvent[] {
  const out: ConnectionEvent[] = [];
  let x = 7;
  const rnd = (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
  for (let i = 0; i < 3000; i++) {
    const remote = remotes[rnd(remotes.length)]!;
    const ingress = rnd(5) === 0;
    const udp = !ingress && rnd(4) === 0;
    out.push({
      timeUs: START_US + Math.floor((i * 4 * DAY_US) / 3000) + rnd(1000),
      action: ingress ? 'connection_accepted' : udp ? 'udp_flow' : 'connection_attempted',
      outcome: 'success',
      transport: udp ? 'udp' : 'tcp',
      family: remote.includes(':') ? 'ipv6' : 'ipv4',
      direction: ingress ? 'ingress' : 'egress',
      local: { ip: remote.includes(':') ? '::1' : '127.0.0.1', port: ingress ? [22, 8080][rnd(2)]! : 40000 + rnd(100) },
      remote: { ip: remote, port: ingress ? 50000 + rnd(1000) : [443, 80, 53][rnd(3)]! },
      process: rnd(50) === 0 ? undefined : procs[rnd(procs.length)]!,
      capture: 'ebpf',
      attribution: 'syscall',
    });
    // Some TCP connections close half a millisecond later: a record of its own, not counted again.
    const opened = out[out.length - 1]!;
    if (opened.transport === 'tcp' && rnd(3) === 0) {
      out.push({
        ...opened,
        timeUs: opened.timeUs + 500,
        action: 'connection_closed',
        end: { durationNs: 500_000, bytesOut: rnd(5000), bytesIn: rnd(5000), packetsOut: 3, packetsIn: 3 },
      });
    }
  }
  return out;
}

const all = events();
let store: TempStore;
let db: StoreDb;
before(async () => {
  store = tempStore();
  for (const ev of all) store.sink.write(ev);
  await store.sink.flush();
  db = openStoreReadOnly(store.path);
});
after(async () => {
  db.close();
  await store.remove();
});

const glob = (pattern: string, s: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(s);
const inRange = (ip: string, cidr: string) => {
  const r = parseAddressRange(cidr);
  if (typeof r === 'string') throw new Error(r);
  const b = ipToBlob(ip)!;
  return Buffer.compare(b, r.lo) >= 0 && Buffer.compare(b, r.hi) <= 0;
};

/** The oracle: the text flags as plain predicates. */
interface Case {
  readonly name: string;
  readonly filter: ConnectionFilter;
  readonly keep: (ev: ConnectionEvent) => boolean;
}
const range = (t: string) => parseAddressRange(t) as Exclude<ReturnType<typeof parseAddressRange>, string>;
const cases: Case[] = [
  { name: 'everything', filter: {}, keep: () => true },
  {
    name: '--since/--until (partial days)',
    filter: { sinceUs: START_US + DAY_US / 3, untilUs: START_US + 3 * DAY_US + 7 },
    keep: (e) => e.timeUs >= START_US + DAY_US / 3 && e.timeUs < START_US + 3 * DAY_US + 7,
  },
  {
    name: '--since/--until within one day',
    filter: { sinceUs: START_US + DAY_US + DAY_US / 4, untilUs: START_US + DAY_US + DAY_US / 2 },
    keep: (e) => e.timeUs >= START_US + DAY_US + DAY_US / 4 && e.timeUs < START_US + DAY_US + DAY_US / 2,
  },
  { name: '--since before the first record (a cut day the rollup covers whole)', filter: { sinceUs: START_US - DAY_US / 8 }, keep: (e) => e.timeUs >= START_US - DAY_US / 8 },
  { name: '--process curl', filter: { processGlob: 'curl' }, keep: (e) => e.process?.name === 'curl' },
  { name: '--process ssh*', filter: { processGlob: 'ssh*' }, keep: (e) => !!e.process && glob('ssh*', e.process.name) },
  { name: '--exe /usr/bin/*', filter: { exeGlob: '/usr/bin/*' }, keep: (e) => !!e.process?.executable && glob('/usr/bin/*', e.process.executable) },
  { name: '--pid 101', filter: { pid: 101 }, keep: (e) => e.process?.pid === 101 },
  { name: '--user bob', filter: { user: 'bob' }, keep: (e) => e.process?.userName === 'bob' },
  { name: '--user 0', filter: { user: '0' }, keep: (e) => e.process?.uid === 0 },
  { name: '--remote 10.1.2.3', filter: { remote: range('10.1.2.3') }, keep: (e) => e.remote.ip === '10.1.2.3' },
  { name: '--remote 10.1.0.0/16', filter: { remote: range('10.1.0.0/16') }, keep: (e) => inRange(e.remote.ip, '10.1.0.0/16') },
  { name: '--remote 10.0.0.0/8', filter: { remote: range('10.0.0.0/8') }, keep: (e) => e.remote.ip.startsWith('10.') },
  { name: '--remote 2001:db8::/32', filter: { remote: range('2001:db8::/32') }, keep: (e) => e.remote.ip.startsWith('2001:db8:') },
  { name: '--remote 2001:db8::1', filter: { remote: range('2001:db8::1') }, keep: (e) => e.remote.ip === '2001:db8::1' },
  { name: '--remote ::1', filter: { remote: range('::1') }, keep: (e) => e.remote.ip === '::1' },
  { name: '--port 443', filter: { port: 443 }, keep: (e) => e.remote.port === 443 },
  { name: '--local-port 22', filter: { localPort: 22 }, keep: (e) => e.local.port === 22 },
  { name: '--direction ingress', filter: { direction: 'ingress' }, keep: (e) => e.direction === 'ingress' },
  { name: '--transport udp', filter: { transport: 'udp' }, keep: (e) => e.transport === 'udp' },
  { name: '--action connection_accepted', filter: { action: 'connection_accepted' }, keep: (e) => e.action === 'connection_accepted' },
  { name: '--action connection_closed', filter: { action: 'connection_closed' }, keep: (e) => e.action === 'connection_closed' },
  {
    name: 'several at once',
    filter: { processGlob: 'curl', remote: range('10.0.0.0/8'), port: 443, direction: 'egress', sinceUs: START_US + DAY_US / 2 },
    keep: (e) => e.process?.name === 'curl' && e.remote.ip.startsWith('10.') && e.remote.port === 443 && e.direction === 'egress' && e.timeUs >= START_US + DAY_US / 2,
  },
  { name: '--local-port 22 --direction ingress', filter: { localPort: 22, direction: 'ingress' }, keep: (e) => e.local.port === 22 && e.direction === 'ingress' },
  {
    name: '--port 53 --direction egress --until',
    filter: { port: 53, direction: 'egress', untilUs: START_US + 2 * DAY_US + 99 },
    keep: (e) => e.remote.port === 53 && e.direction === 'egress' && e.timeUs < START_US + 2 * DAY_US + 99,
  },
];

const key = (e: ConnectionEvent) => `${e.timeUs}|${e.remote.ip}|${e.remote.port}|${e.local.port}|${e.process?.pid ?? '-'}`;

for (const c of cases) {
  test(`filter ${c.name} finds exactly the matching records, in time order`, () => {
    const want = all
      .filter(c.keep)
      .sort((a, b) => a.timeUs - b.timeUs)
      .map(key);
    assert.ok(want.length > 0, 'the case matches something');
    const got = [...searchConnections(db, c.filter)].map(key);
    assert.deepEqual(got, want);
    const newest = [...searchConnections(db, c.filter, { limit: 5 })].map(key);
    assert.deepEqual(newest, want.slice(-5));
    // More than an hour holds: an indexed search collects them over several hours.
    const more = [...searchConnections(db, c.filter, { limit: 150 })].map(key);
    assert.deepEqual(more, want.slice(-150));
  });
}

function oracleCount(field: CountByField, evs: ConnectionEvent[]) {
  const value = (e: ConnectionEvent): string => {
    switch (field) {
      case 'remote':
        return e.remote.ip;
      case 'exe':
        return e.process?.executable || '-';
      case 'process':
        return e.process?.name || '-';
      case 'port':
        return String(e.remote.port);
      case 'user':
        return e.process?.userName || '-';
      case 'direction':
        return e.direction;
      case 'transport':
        return e.transport;
      case 'action':
        return e.action;
      case 'pid':
        return e.process ? String(e.process.pid) : '-';
      case 'local-port':
        return String(e.local.port);
    }
  };
  const groups = new Map<string, { count: number; firstUs: number; lastUs: number; exes: Set<string>; remotes: Set<string> }>();
  for (const e of evs) {
    const k = value(e);
    const g = groups.get(k) ?? { count: 0, firstUs: Infinity, lastUs: -Infinity, exes: new Set(), remotes: new Set() };
    g.count++;
    g.firstUs = Math.min(g.firstUs, e.timeUs);
    g.lastUs = Math.max(g.lastUs, e.timeUs);
    g.exes.add(e.process?.executable ?? '');
    g.remotes.add(e.remote.ip);
    groups.set(k, g);
  }
  return [...groups]
    .map(([v, g]) => ({ value: v, count: g.count, firstUs: g.firstUs, lastUs: g.lastUs, executables: g.exes.size, remotes: g.remotes.size }))
    .sort((a, b) => a.value.localeCompare(b.value));
}

for (const c of cases) {
  test(`count-by every field under filter ${c.name} adds up to the oracle`, () => {
    // Counts are of connections: a close is counted only when closes are asked for.
    const evs = all.filter((e) => c.keep(e) && (e.action !== 'connection_closed' || c.filter.action === 'connection_closed'));
    for (const field of COUNT_BY_FIELDS) {
      const got = countBy(db, field, c.filter).sort((a, b) => a.value.localeCompare(b.value));
      assert.deepEqual(got, oracleCount(field, evs), `count-by ${field}`);
    }
  });
}

test('count-by --limit keeps the largest groups', () => {
  const rows = countBy(db, 'remote', {}, 3);
  assert.equal(rows.length, 3);
  const full = countBy(db, 'remote', {});
  assert.deepEqual(rows, full.slice(0, 3));
  assert.ok(rows[0]!.count >= rows[2]!.count);
});
