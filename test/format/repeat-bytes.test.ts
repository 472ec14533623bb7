import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RepeatBytes } from '../../src/format/repeat-bytes';

function write(r: RepeatBytes<object>, key: object, bytes: string): Buffer | undefined {
  const kept = r.get(key);
  if (kept) return kept;
  if (r.writtenAgain(key)) r.keep(key, Buffer.from(bytes));
  return undefined;
}

test('bytes are kept from the third write of the same object on, by identity', () => {
  const r = new RepeatBytes<object>(4);
  const server = { pid: 1 };
  assert.equal(write(r, server, 'S'), undefined);
  assert.equal(write(r, { pid: 1 }, 'S'), undefined, 'an equal object is another object');
  assert.equal(write(r, server, 'S'), undefined, 'second write: not kept (a process written twice would be a copy for nothing)');
  assert.equal(write(r, server, 'S'), undefined, 'third write: kept now');
  assert.equal(write(r, server, 'S')?.toString(), 'S');
});

test('a kept copy does not change when the writer buffer it came from is reused', () => {
  const r = new RepeatBytes<object>(4);
  const key = {};
  const buf = Buffer.from('abc');
  r.keep(key, buf);
  buf.write('xyz');
  assert.equal(r.get(key)?.toString(), 'abc');
});

test('bounded: a stream of new objects pushes out old ones, kept bytes included', () => {
  const r = new RepeatBytes<object>(2);
  const a = {};
  for (let i = 0; i < 3; i++) write(r, a, 'A');
  assert.ok(r.get(a));
  for (let i = 0; i < 10; i++) {
    const other = {};
    for (let j = 0; j < 3; j++) write(r, other, 'O');
  }
  assert.equal(r.get(a), undefined);
});
