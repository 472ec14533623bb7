// The (asker, address) -> name cache and the stage that names connections: bounded with the
// oldest evicted and counted, TTL with its floor, process versus host linkage, pid reuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DnsAnswer } from '../../src/core/dns-answer';
import { DomainNames } from '../../src/pipeline/domain-names';
import { DomainStage } from '../../src/pipeline/domain-stage';
import { egressEvent, ingressEvent, T_US } from '../helpers/events';

const T = T_US;
const S = 1_000_000;

function answer(question: string, ip: string, over: Partial<DnsAnswer> = {}): DnsAnswer {
  return { timeUs: T, pid: 100, question, addresses: [{ ip, ttlS: 300 }], ...over };
}

test('bounded: past the cap the oldest entry leaves, and the eviction is counted', () => {
  const names = new DomainNames({ maxEntries: 3, minTtlMs: 0 });
  for (let i = 1; i <= 5; i++) names.learn(answer(`n${i}.test`, `127.0.0.${i}`), 'a');
  assert.equal(names.stats().entries, 3);
  assert.equal(names.stats().evicted, 2);
  assert.equal(names.lookup('a', '127.0.0.1', T), undefined);
  assert.equal(names.lookup('a', '127.0.0.2', T), undefined);
  assert.equal(names.lookup('a', '127.0.0.5', T), 'n5.test');
});

test('a name learnt again becomes the newest: it outlives entries learnt after its first answer', () => {
  const names = new DomainNames({ maxEntries: 2, minTtlMs: 0 });
  names.learn(answer('a.test', '127.0.0.1'), 'a');
  names.learn(answer('b.test', '127.0.0.2'), 'a');
  names.learn(answer('a.test', '127.0.0.1'), 'a');
  names.learn(answer('c.test', '127.0.0.3'), 'a');
  assert.equal(names.lookup('a', '127.0.0.1', T), 'a.test');
  assert.equal(names.lookup('a', '127.0.0.2', T), undefined);
});

test('an answer lives its TTL, at least the floor; an expired one is dropped and counted', () => {
  const names = new DomainNames({ maxEntries: 10, minTtlMs: 60_000 });
  names.learn(answer('long.test', '127.0.0.1', { addresses: [{ ip: '127.0.0.1', ttlS: 300 }] }), 'a');
  names.learn(answer('zero.test', '127.0.0.2', { addresses: [{ ip: '127.0.0.2', ttlS: 0 }] }), 'a');
  assert.equal(names.lookup('a', '127.0.0.2', T + 59 * S), 'zero.test', 'a TTL of 0 still names the connection that follows');
  assert.equal(names.lookup('a', '127.0.0.2', T + 61 * S), undefined);
  assert.equal(names.lookup('a', '127.0.0.1', T + 299 * S), 'long.test');
  assert.equal(names.lookup('a', '127.0.0.1', T + 301 * S), undefined);
  assert.equal(names.stats().expired, 2);
  assert.equal(names.stats().entries, 0);
});

test('an IPv4 answer names a connection to its v4-mapped form', () => {
  const names = new DomainNames({ maxEntries: 10, minTtlMs: 0 });
  names.learn(answer('dual.test', '127.0.0.7'), 'a');
  assert.equal(names.lookup('a', '::ffff:127.0.0.7', T), 'dual.test');
});

test('process linkage: only the process that asked gets the name', () => {
  const stage = new DomainStage({ linkage: 'process', maxEntries: 100, minTtlMs: 60_000 });
  stage.answer(answer('svc.test', '93.184.216.34', { pid: 4242 }));
  const asker = stage.annotate(egressEvent());
  assert.equal(asker.domain, 'svc.test');
  const other = stage.annotate(egressEvent({ process: { ...egressEvent().process!, pid: 4243 } }));
  assert.equal(other.domain, undefined);
  assert.equal(stage.annotate(egressEvent({ process: undefined })).domain, undefined);
  assert.equal(stage.stats().named, 1);
});

test('process linkage: an answer from before the process started belonged to an earlier process with that pid', () => {
  const stage = new DomainStage({ linkage: 'process', maxEntries: 100, minTtlMs: 3_600_000 });
  const ev = egressEvent();
  const startUs = ev.process!.startMs! * 1000;
  stage.answer(answer('old.test', '93.184.216.34', { pid: 4242, timeUs: startUs - 10 * S }));
  assert.equal(stage.annotate(ev).domain, undefined);
  stage.answer(answer('new.test', '93.184.216.34', { pid: 4242, timeUs: startUs + S }));
  assert.equal(stage.annotate(ev).domain, 'new.test');
});

test('host linkage: any process gets the name, answers without a process included', () => {
  const stage = new DomainStage({ linkage: 'host', maxEntries: 100, minTtlMs: 60_000 });
  stage.answer(answer('shared.test', '93.184.216.34', { pid: 0 }));
  assert.equal(stage.annotate(egressEvent({ process: { ...egressEvent().process!, pid: 9 } })).domain, 'shared.test');
  assert.equal(stage.annotate(egressEvent({ process: undefined })).domain, 'shared.test');
});

test('answers without a process are counted and unused under process linkage; listens never get a name', () => {
  const stage = new DomainStage({ linkage: 'process', maxEntries: 100, minTtlMs: 60_000 });
  stage.answer(answer('x.test', '0.0.0.0', { pid: 0 }));
  assert.equal(stage.stats().answersWithoutProcess, 1);
  assert.equal(stage.stats().entries, 0);
  stage.answer(answer('y.test', '0.0.0.0', { pid: 4242 }));
  const listen = ingressEvent({ action: 'listen', remote: { ip: '0.0.0.0', port: 0 }, process: egressEvent().process });
  assert.equal(stage.annotate(listen).domain, undefined);
});
