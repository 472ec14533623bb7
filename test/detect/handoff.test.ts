import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { huntOver } from '../../src/detect/hunt';
import type { ActivityItem } from '../../src/core/stages';
import { DEFAULT_DETECT_OPTIONS, type AllowRule } from '../../src/detect/options';
import { atS, connect, exit, HANDOFF, handoffOnly, proc } from './activity';

const C2 = '203.0.113.50';
const DROPPER = proc(1000, '/tmp/.x/dropper');
const IMPLANT = proc(1001, '/var/tmp/implant');

test('the story: A reaches X, A exits, B (another executable) reaches X within the window: one alert naming A and B', () => {
  const items: ActivityItem[] = [
    connect(DROPPER, 0, C2),
    connect(DROPPER, 5, C2),
    exit(DROPPER, 10),
    connect(IMPLANT, 70, C2, 8443),
    connect(IMPLANT, 80, C2, 8443),
    connect(proc(1002, '/var/tmp/implant'), 90, C2), // the implant restarted: same finding
  ];
  const alerts = huntOver(items, handoffOnly());
  assert.equal(alerts.length, 1);
  const a = alerts[0]!;
  assert.equal(a.alert?.rule, 'handoff');
  assert.equal(a.process?.executable, IMPLANT.exe);
  assert.equal(a.process?.pid, IMPLANT.pid);
  assert.deepEqual(a.remote, { ip: C2, port: 8443 });
  assert.equal(a.alert?.previous?.process.executable, DROPPER.exe);
  assert.equal(a.alert?.previous?.process.entityId, DROPPER.entityId);
  assert.equal(a.alert?.previous?.endUs, atS(10));
  assert.match(a.alert!.reason, /dropper\[1000\].*exited 60s before implant\[1001\]/);
  assert.match(a.alert!.id, /^[0-9a-f]{32}$/);
});

test('A still alive: no alert', () => {
  const items = [connect(DROPPER, 0, C2), connect(IMPLANT, 70, C2)];
  assert.deepEqual(huntOver(items, handoffOnly()), []);
});

test('B the same executable as A (a program run twice): no alert', () => {
  const first = proc(2000, '/usr/bin/curl');
  const second = proc(2001, '/usr/bin/curl');
  const items = [connect(first, 0, C2), exit(first, 1), connect(second, 30, C2)];
  assert.deepEqual(huntOver(items, handoffOnly()), []);
});

test('processes without entity ids are told apart by pid', () => {
  const a = proc(3000, '/tmp/a', undefined);
  const b = proc(3001, '/tmp/b', undefined);
  const alerts = huntOver([connect(a, 0, C2), exit(a, 1), connect(b, 2, C2)], handoffOnly());
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.alert?.previous?.process.pid, 3000);
});

test('a common address (a resolver reached by several executables) raises none', () => {
  const resolver = '192.0.2.53';
  const items: ActivityItem[] = [];
  const exes = ['/usr/bin/curl', '/usr/bin/apt', '/usr/sbin/ntpd', '/usr/bin/ssh', '/usr/bin/git'];
  let pid = 5000;
  for (let round = 0; round < 10; round++) {
    // Each round every program runs once: they overlap, ask the resolver, and exit.
    const procs = exes.map((exe) => proc(pid++, exe));
    procs.forEach((p, i) => {
      items.push(connect(p, round * 60 + i, resolver, 53, { action: 'udp_flow', transport: 'udp' }));
    });
    procs.forEach((p, i) => {
      items.push(exit(p, round * 60 + 10 + i));
    });
  }
  assert.deepEqual(huntOver(items, handoffOnly()), []);
});

test('an address reached only by A and B is never common, whatever the threshold', () => {
  for (const commonThreshold of [3, 4, 10]) {
    const items = [connect(DROPPER, 0, C2), connect(DROPPER, 1, C2), exit(DROPPER, 2), connect(IMPLANT, 3, C2)];
    const alerts = huntOver(items, handoffOnly({ handoff: { ...HANDOFF, commonThreshold } }));
    assert.equal(alerts.length, 1, `threshold ${commonThreshold}`);
  }
});

test('commonness is over the recent past: old visitors no longer make the address common', () => {
  const others = [proc(6000, '/usr/bin/x'), proc(6001, '/usr/bin/y')];
  const items: ActivityItem[] = [connect(others[0]!, 0, C2), connect(others[1]!, 0, C2)];
  // Two hours later: A and B only.
  items.push(connect(DROPPER, 7200, C2), exit(DROPPER, 7201), connect(IMPLANT, 7202, C2));
  assert.equal(huntOver(items, handoffOnly()).length, 1);
  // Within the hour: x, y and B make three executables, the address is common.
  const recent = [connect(others[0]!, 7000, C2), connect(others[1]!, 7000, C2), connect(DROPPER, 7200, C2), exit(DROPPER, 7201), connect(IMPLANT, 7202, C2)];
  assert.deepEqual(huntOver(recent, handoffOnly()), []);
});

test('window: B after the window raises none; at its edge it raises one', () => {
  const window = DEFAULT_DETECT_OPTIONS.handoff.windowUs / 1e6;
  const story = (gap: number) => [connect(DROPPER, 0, C2), exit(DROPPER, 1), connect(IMPLANT, 1 + gap, C2)];
  assert.equal(huntOver(story(window), handoffOnly()).length, 1);
  assert.deepEqual(huntOver(story(window + 1), handoffOnly()), []);
  const short = handoffOnly({ handoff: { ...HANDOFF, windowUs: 5e6 } });
  assert.deepEqual(huntOver(story(6), short), []);
  assert.equal(huntOver(story(4), short).length, 1);
});

test('warm-up: quiet until the engine has seen a while of activity, learning meanwhile', () => {
  const warm = handoffOnly({ handoff: { ...HANDOFF, warmUpUs: 300e6 } });
  const story = (at: number) => [connect(proc(1, '/usr/bin/ls'), 0, '198.51.100.1'), connect(DROPPER, at, C2), exit(DROPPER, at + 1), connect(IMPLANT, at + 2, C2)];
  assert.deepEqual(huntOver(story(100), warm), []);
  assert.equal(huntOver(story(400), warm).length, 1);
  // A story that straddles the end of the warm-up: A learnt during it, B after it.
  assert.equal(huntOver(story(298), warm).length, 1);
});

test('allow-list: by CIDR, by port, by executable glob; a rule needs all its fields to match', () => {
  const story = [connect(DROPPER, 0, C2, 443), exit(DROPPER, 1), connect(IMPLANT, 2, C2, 443)];
  const allowed = (allow: readonly AllowRule[]) => huntOver(story, handoffOnly({ allow })).length;
  assert.equal(allowed([{ cidr: '203.0.113.0/24' }]), 0);
  assert.equal(allowed([{ cidr: '198.51.100.0/24' }]), 1);
  assert.equal(allowed([{ port: 443 }]), 0);
  assert.equal(allowed([{ exe: '/var/tmp/*' }]), 0);
  assert.equal(allowed([{ exe: '/usr/*' }]), 1);
  assert.equal(allowed([{ cidr: '203.0.113.50', port: 80 }]), 1);
  assert.equal(allowed([{ cidr: '203.0.113.50', port: 80 }, { exe: '/var/tmp/impl?nt' }]), 0);
  assert.equal(allowed([{ cidr: '2001:db8::/32' }]), 1);
});

test('property: exactly one alert per injected story, none from ordinary traffic around it', () => {
  const exes = ['/usr/bin/curl', '/usr/bin/wget', '/usr/bin/python3'];
  const resolver = '192.0.2.53';
  // The host before the test: the resolver is already reached by many programs.
  const warm: ActivityItem[] = ['/usr/sbin/ntpd', '/usr/bin/apt', '/usr/bin/ssh', ...exes].map((exe, i) => connect(proc(900 + i, exe), -10, resolver, 53));
  fc.assert(
    fc.property(
      fc.array(fc.record({ exe: fc.integer({ min: 0, max: 2 }), t: fc.integer({ min: 0, max: 3000 }), dst: fc.integer({ min: 1, max: 20 }) }), { maxLength: 60 }),
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: 1, max: 599 }),
      (ordinary, storyAt, gap) => {
        // Ordinary: programs run to completion again and again, each asking the resolver and
        // then reaching its own servers.
        const timed: { t: number; item: ActivityItem }[] = [];
        ordinary.forEach((o, i) => {
          const p = proc(10_000 + i, exes[o.exe]!);
          timed.push(
            { t: o.t, item: connect(p, o.t, resolver, 53) },
            { t: o.t + 0.1, item: connect(p, o.t + 0.1, `198.51.100.${o.exe * 20 + o.dst}`) },
            { t: o.t + 0.5, item: exit(p, o.t + 0.5) },
          );
        });
        timed.push(
          { t: storyAt, item: connect(DROPPER, storyAt, C2) },
          { t: storyAt + 1, item: exit(DROPPER, storyAt + 1) },
          { t: storyAt + 1 + gap, item: connect(IMPLANT, storyAt + 1 + gap, C2) },
        );
        timed.sort((a, b) => a.t - b.t);
        const alerts = huntOver([...warm, ...timed.map((x) => x.item)], handoffOnly());
        assert.equal(alerts.length, 1);
        assert.equal(alerts[0]!.remote.ip, C2);
        assert.equal(alerts[0]!.alert?.previous?.process.pid, DROPPER.pid);
      },
    ),
  );
});
