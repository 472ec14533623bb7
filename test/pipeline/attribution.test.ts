import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessInfo } from '../../src/core/connection-event';
import { makeProcessInfo } from '../../src/core/process-info';
import { Attributor, type ProcessLookup } from '../../src/pipeline/attribution';
import { egressEvent } from '../helpers/events';

function tableOf(...known: ProcessInfo[]): ProcessLookup {
  return { apply: () => undefined, lookup: (pid) => known.find((p) => p.pid === pid) };
}

test("attribution returns a new event with the table's process and leaves the source's event as it was", () => {
  const known = makeProcessInfo({ pid: 4242, name: 'curl', executable: '/usr/bin/curl', uid: 1000, userName: 'alice' });
  const raw = { ...egressEvent(), attribution: 'syscall' as const, process: makeProcessInfo({ pid: 4242, name: 'curl', uid: 1000 }) };
  const before = structuredClone(raw);
  const ev = new Attributor(tableOf(known)).attribute(raw);
  assert.notEqual(ev, raw);
  assert.equal(ev.process, known, "the table's record itself, shared");
  assert.deepEqual(raw, before, 'the raw event is not changed');
  const defined = (o: object) => Object.fromEntries(Object.entries(o).filter(([k, v]) => k !== 'process' && v !== undefined));
  assert.deepEqual(defined(ev), defined(raw), 'every other field kept');
});

test("attribution keeps the kernel's name and an unknown uid's missing user name, in a new ProcessInfo", () => {
  const known = makeProcessInfo({ pid: 7, name: 'bash', uid: 0, userName: 'root' });
  const raw = { ...egressEvent(), attribution: 'syscall' as const, process: makeProcessInfo({ pid: 7, name: 'renamed', uid: 1000 }) };
  const ev = new Attributor(tableOf(known)).attribute(raw);
  assert.equal(ev.process?.name, 'renamed');
  assert.equal(ev.process?.uid, 1000);
  assert.equal(ev.process?.userName, undefined);
  assert.equal(known.name, 'bash', "the table's record is not changed");
});

test('socket-owner records and unknown pids pass through as they are', () => {
  const raw = { ...egressEvent(), attribution: 'socket-owner' as const };
  const attributor = new Attributor(tableOf());
  assert.equal(attributor.attribute(raw), raw);
  const unknown = { ...egressEvent(), attribution: 'syscall' as const, process: makeProcessInfo({ pid: 99, name: 'x' }) };
  assert.equal(attributor.attribute(unknown), unknown);
});
