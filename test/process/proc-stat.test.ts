import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanExePath, isDeletedExeLink, parseCmdline, parseStat, parseStatusPpid, parseStatusUid } from '../../src/process/proc-stat';

const tail = 'S 1 4242 4242 0 -1 4194560 500 0 0 0 10 5 0 0 20 0 1 0 123456 1000000 300 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';

test('parseStat takes comm up to the last parenthesis', () => {
  const s = parseStat(`4243 (a) b (c)) ${tail}\n`);
  assert.deepEqual(s, { comm: 'a) b (c)', state: 'S', ppid: 1, startTicks: 123456 });
});

test('parseStat keeps newlines and spaces in comm', () => {
  assert.equal(parseStat(`7 (x\ny z) ${tail}`)?.comm, 'x\ny z');
});

test('parseStat rejects truncated or garbled text', () => {
  assert.equal(parseStat(''), undefined);
  assert.equal(parseStat('12 (sh) S 1 2 3'), undefined);
  assert.equal(parseStat('12 sh S'), undefined);
  assert.equal(parseStat(`12 (sh) S x ${tail.slice(4)}`), undefined);
});

test('parseStatusUid reads the real uid', () => {
  assert.equal(parseStatusUid('Name:\tsh\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n'), 1000);
  assert.equal(parseStatusUid('Name:\tsh\n'), undefined);
});

test('parseStatusPpid reads the parent pid, not the TracerPid', () => {
  const status = 'Name:\tsh\nPid:\t4242\nPPid:\t77\nTracerPid:\t9\nUid:\t0\t0\t0\t0\n';
  assert.equal(parseStatusPpid(status), 77);
  assert.equal(parseStatusUid(status), 0);
  assert.equal(parseStatusPpid('Name:\tsh\nPid:\t1\n'), undefined);
});

test('parseCmdline splits on NUL and drops the trailing one', () => {
  assert.deepEqual(parseCmdline('node\0-e\0a b\0'), ['node', '-e', 'a b']);
  assert.deepEqual(parseCmdline('rewritten title with spaces'), ['rewritten title with spaces']);
  assert.deepEqual(parseCmdline(''), []);
  assert.deepEqual(parseCmdline('x\0\0'), ['x', '']);
});

test('cleanExePath strips the deleted mark', () => {
  assert.equal(cleanExePath('/usr/bin/node (deleted)'), '/usr/bin/node');
  assert.equal(cleanExePath('/usr/bin/node'), '/usr/bin/node');
});

test('isDeletedExeLink: only the suffix readlink adds for an unlinked file', () => {
  assert.equal(isDeletedExeLink('/tmp/implant (deleted)'), true);
  assert.equal(isDeletedExeLink('/tmp/implant'), false);
  assert.equal(isDeletedExeLink('/tmp/(deleted)/x'), false);
});
