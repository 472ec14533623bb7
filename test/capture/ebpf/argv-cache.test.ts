import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgvCache, splitArgs } from '../../../src/capture/ebpf/argv-cache';

const argv = (...parts: string[]): Buffer => Buffer.from(parts.map((p) => `${p}\0`).join(''), 'utf8');

test('the same argv bytes give the very same array and command line', () => {
  const cache = new ArgvCache(4);
  const ring = Buffer.concat([Buffer.from('xx'), argv('curl', '-s', 'http://h/'), argv('curl', '-s', 'http://h/')]);
  const len = argv('curl', '-s', 'http://h/').length;
  const a = cache.get(ring, 2, len);
  const b = cache.get(ring, 2 + len, len);
  assert.deepEqual(a.args, ['curl', '-s', 'http://h/']);
  assert.equal(a.commandLine, 'curl -s http://h/');
  assert.equal(b, a);
  // Not a view of the ring: overwriting the ring does not change what was kept.
  ring.fill(0x41);
  assert.deepEqual(cache.get(argv('curl', '-s', 'http://h/'), 0, len).args, ['curl', '-s', 'http://h/']);
});

test('different bytes of the same length are different argvs', () => {
  const cache = new ArgvCache(4);
  const one = argv('ping', '-c', '1');
  const two = argv('ping', '-c', '2');
  assert.equal(one.length, two.length);
  assert.equal(cache.get(one, 0, one.length).commandLine, 'ping -c 1');
  assert.equal(cache.get(two, 0, two.length).commandLine, 'ping -c 2');
  assert.equal(cache.get(one, 0, one.length).commandLine, 'ping -c 1');
});

test('the oldest slot is reused once the slots are full; the answer stays right', () => {
  const cache = new ArgvCache(2);
  const bufs = ['a', 'b', 'c'].map((x) => argv('prog', x));
  const first = cache.get(bufs[0]!, 0, bufs[0]!.length);
  cache.get(bufs[1]!, 0, bufs[1]!.length);
  cache.get(bufs[2]!, 0, bufs[2]!.length); // evicts 'a'
  const again = cache.get(bufs[0]!, 0, bufs[0]!.length);
  assert.notEqual(again, first, 'decoded anew after eviction');
  assert.deepEqual(again.args, ['prog', 'a']);
  assert.equal(cache.get(bufs[2]!, 0, bufs[2]!.length).commandLine, 'prog c');
});

test('empty, unterminated and non-UTF-8 argv', () => {
  const cache = new ArgvCache();
  assert.deepEqual(cache.get(Buffer.alloc(0), 0, 0).args, []);
  assert.equal(cache.get(Buffer.alloc(0), 0, 0).commandLine, '');
  assert.deepEqual(splitArgs(Buffer.from('a\0b')), ['a', 'b']);
  assert.deepEqual(splitArgs(Buffer.from([0x61, 0xff, 0x00])), ['a\ufffd']);
  assert.deepEqual(splitArgs(Buffer.from('a\0\0b\0')), ['a', '', 'b'], 'an empty argument is kept');
});
