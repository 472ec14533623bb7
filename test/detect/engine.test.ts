import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DetectEngine } from '../../src/detect/engine';
import { huntOver } from '../../src/detect/hunt';
import { BoundedMap } from '../../src/detect/bounded-map';
import { intervalStats } from '../../src/detect/interval-stats';
import { globToRegExp } from '../../src/detect/glob';
import { alertId } from '../../src/detect/alert-event';
import type { ConnectionEvent } from '../../src/core/connection-event';
import type { ActivityItem } from '../../src/core/stages';
import { DEFAULT_DETECT_OPTIONS } from '../../src/detect/options';
import { connect, exit, listen, accept, options, proc } from './activity';

const EXES = ['/usr/bin/curl', '/usr/bin/wget', '/tmp/dropper', '/var/tmp/implant', '/usr/sbin/sshd'];

/** Random activity: connects, accepts, listens and exits of a few programs, in time order. */
const activity = fc
  .array(
    fc.record({
      kind: fc.constantFrom('connect', 'connect', 'connect', 'accept', 'listen', 'exit'),
      pid: fc.integer({ min: 1, max: 12 }),
      dt: fc.double({ min: 0, max: 120, noNaN: true }),
      ip: fc.integer({ min: 1, max: 6 }),
      port: fc.constantFrom(53, 443, 8443),
    }),
    { maxLength: 200 },
  )
  .map((steps) => {
    let t = 0;
    return steps.map((s): ActivityItem => {
      t += s.dt;
      const p = proc(s.pid, EXES[s.pid % EXES.length]!);
      const ip = `198.51.100.${s.ip}`;
      switch (s.kind) {
        case 'accept':
          return accept(p, t, ip, s.port);
        case 'listen':
          return listen(p, t, s.port);
        case 'exit':
          return exit(p, t);
        default:
          return connect(p, t, ip, s.port);
      }
    });
  });

const fastOptions = options({ beacon: { ...DEFAULT_DETECT_OPTIONS.beacon, minCount: 3 }, maxKeys: 32 });

function ids(alerts: readonly ConnectionEvent[]): string[] {
  return alerts.map((a) => a.alert!.id);
}

test('property: live (one by one) and huntOver raise identical alerts; no id twice', () => {
  fc.assert(
    fc.property(activity, (items) => {
      const live = new DetectEngine(fastOptions);
      const liveAlerts: ConnectionEvent[] = [];
      for (const item of items) liveAlerts.push(...live.observe(item));
      const hunted = huntOver(items, fastOptions);
      assert.deepEqual(hunted, liveAlerts);
      assert.equal(new Set(ids(hunted)).size, hunted.length);
      const counts = live.stats().alerts;
      assert.equal(counts.handoff + counts.first_seen + counts.new_listener + counts.beacon, hunted.length);
    }),
  );
});

test('property: alerts already raised (seeded from the store) are not raised again', () => {
  fc.assert(
    fc.property(activity, (items) => {
      const first = huntOver(items, fastOptions);
      assert.deepEqual(huntOver(items, fastOptions, { alertIds: ids(first) }), []);
    }),
  );
});

test('the id is a function of rule and key alone', () => {
  assert.equal(alertId('handoff', 'x'), alertId('handoff', 'x'));
  assert.notEqual(alertId('handoff', 'x'), alertId('beacon', 'x'));
  assert.match(alertId('first_seen', ''), /^[0-9a-f]{32}$/);
});

test('alerts keep the completing connection whole and add the alert', () => {
  const a = proc(1, '/tmp/a');
  const b = proc(2, '/tmp/b');
  const items = [connect(a, 0, '203.0.113.1'), exit(a, 1), connect(b, 2, '203.0.113.1', 80)];
  const [alert] = huntOver(items, options({ firstSeen: { learnForUs: 1e15 } }));
  const { alert: detail, ...rest } = alert!;
  assert.deepEqual(rest, (items[2] as { ev: ConnectionEvent }).ev);
  assert.equal(detail?.severity, 3);
  assert.equal(detail?.riskScore, 73);
  assert.ok(detail?.description);
  // Alerts fed back (a store replay that includes them) are not activity.
  assert.deepEqual(huntOver([...items, { kind: 'connection', ev: alert! }], options({ firstSeen: { learnForUs: 1e15 } })).length, 1);
});

test('hand-off tables are bounded: many processes and addresses, memory flat, evictions counted', () => {
  const engine = new DetectEngine(options({ maxKeys: 100 }));
  for (let i = 0; i < 5000; i++) {
    // Long-lived processes (they never exit here) each reaching their own address.
    const p = proc(10_000 + i, `/opt/app${i % 7}`);
    engine.observe(connect(p, i * 0.001, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`));
  }
  const s = engine.stats();
  for (const [table, n] of Object.entries(s.tracked)) assert.ok(n <= 100, `${table} holds ${n}`);
  assert.ok(s.evicted.processes >= 4900 && s.evicted.addresses >= 4900, JSON.stringify(s.evicted));
});

test('an exited process leaves the process table (its visits keep it for the window)', () => {
  const engine = new DetectEngine(options());
  const a = proc(1, '/tmp/a');
  engine.observe(connect(a, 0, '203.0.113.1'));
  assert.equal(engine.stats().tracked.processes, 1);
  engine.observe(exit(a, 1));
  assert.equal(engine.stats().tracked.processes, 0);
  assert.deepEqual(
    engine.observe(connect(proc(2, '/tmp/b'), 2, '203.0.113.1')).map((x) => x.alert?.rule),
    ['handoff'],
  );
});

test('BoundedMap: newest kept, oldest out first, refresh on set, evictions counted', () => {
  const m = new BoundedMap<string, number>(16);
  for (let i = 0; i < 16; i++) m.set(`k${i}`, i);
  m.set('k0', 0); // k0 becomes the newest
  m.set('k16', 16); // evicts the oldest eighth: k1, k2
  assert.equal(m.evicted, 2);
  assert.ok(m.has('k0') && !m.has('k1') && !m.has('k2') && m.has('k3') && m.has('k16'));
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 0, max: 200 })), (max, keys) => {
      const b = new BoundedMap<number, true>(max);
      const distinct = new Set<number>();
      for (const k of keys) {
        b.set(k, true);
        distinct.add(k);
        assert.ok(b.size <= max);
        assert.ok(b.has(k));
      }
      assert.ok(b.size + b.evicted >= Math.min(distinct.size, keys.length));
    }),
  );
});

test('interval statistics: a clock has cv 0, alternating gaps have cv as computed by hand', () => {
  assert.deepEqual(intervalStats([0, 10, 20, 30]), { count: 3, meanUs: 10, cv: 0 });
  const s = intervalStats([0, 8, 20, 28, 40])!;
  assert.equal(s.meanUs, 10);
  assert.ok(Math.abs(s.cv - 0.2) < 1e-12);
  assert.equal(intervalStats([5]), undefined);
  assert.equal(intervalStats([5, 5]), undefined);
});

test('executable globs: * spans slashes, ? one character, the rest literal', () => {
  assert.ok(globToRegExp('/opt/*/bin/agent').test('/opt/v1.2/x/bin/agent'));
  assert.ok(globToRegExp('/usr/bin/python3.?').test('/usr/bin/python3.9'));
  assert.ok(!globToRegExp('/usr/bin/python3.?').test('/usr/bin/python3.11'));
  assert.ok(!globToRegExp('/usr/bin/a.b').test('/usr/bin/axb'));
  assert.ok(!globToRegExp('/usr/bin/(x)').test('/usr/bin/x'));
});

test('closes are not new connections: no detector counts or raises on them, and they change nothing that follows', () => {
  const opts = options({ beacon: { ...DEFAULT_DETECT_OPTIONS.beacon, minCount: 3 }, maxKeys: 32 });
  const dropper = proc(7, '/tmp/dropper');
  const closeOf = (s: number, ip: string) =>
    connect(dropper, s, ip, 443, { action: 'connection_closed', end: { durationNs: 1e9, bytesOut: 10, bytesIn: 10, packetsOut: 2, packetsIn: 2 } });
  const inbound = (s: number) => connect(dropper, s, '198.51.100.9', 50000, { action: 'connection_closed', direction: 'ingress', local: { ip: '192.0.2.10', port: 8443 } });
  // Closes alone, many and regular: neither first-seen nor a beacon nor anything tracked.
  const only = new DetectEngine(opts);
  const closes: ActivityItem[] = [];
  for (let i = 0; i < 20; i++) closes.push(closeOf(60 * i, '198.51.100.1'), inbound(60 * i + 1));
  for (const item of closes) assert.deepEqual(only.observe(item), [], 'no alert from a close');
  assert.deepEqual(only.stats().tracked, new DetectEngine(opts).stats().tracked, 'nothing tracked');
  // Interleaved with real activity: the same alerts as the activity without the closes.
  const activity: ActivityItem[] = [];
  for (let i = 0; i < 6; i++) activity.push(connect(dropper, 60 * i, '198.51.100.2'));
  const withCloses = activity.flatMap((item, i) => [item, closeOf(60 * i + 30, '198.51.100.2')]);
  assert.deepEqual(ids(huntOver(withCloses, opts)), ids(huntOver(activity, opts)));
  assert.ok(huntOver(activity, opts).length > 0, 'the activity itself raises something');
});
