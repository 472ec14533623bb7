import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { withProcess, type ConnectionEvent } from '../../src/core/connection-event';
import { seedLine, seedValue } from '../../src/format/seed';
import { egressEvent, env, ingressEvent } from '../helpers/events';

const ORIGINAL_PREFIX = '<12>2018-09-08T11:25:19Z 192.168.50.129 myhost packetTrail process=powershell.exe sip=192.168.50.129 sport=50434 rip=192.168.50.134 rport=80';
const HEADER = '<12>2018-09-08T11:25:19Z 192.168.50.129 myhost packetTrail ';

function originalEvent(name: string, over: Partial<ConnectionEvent> = {}): ConnectionEvent {
  return egressEvent({
    timeUs: Date.UTC(2018, 8, 8, 11, 25, 19) * 1000 + 654321, // sub-second part is dropped
    local: { ip: '192.168.50.129', port: 50434 },
    remote: { ip: '192.168.50.134', port: 80 },
    process: { pid: 3120, name, executable: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', uid: 1000, userName: 'bob' },
    ...over,
  });
}

/** Reverses seedValue: a bare token as is, a quoted one with its escapes undone. */
function unescapeValue(v: string): string {
  if (!v.startsWith('"')) return v;
  assert.ok(v.endsWith('"') && v.length >= 2, `unterminated quoted value ${v}`);
  return v.slice(1, -1).replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|.)/gs, (_m, e: string) => {
    if (e === 'n') return '\n';
    if (e === 'r') return '\r';
    if (e === 't') return '\t';
    if (e === '"' || e === '\\') return e;
    if (e[0] === 'x' || e[0] === 'u') return String.fromCharCode(parseInt(e.slice(1), 16));
    throw new Error(`unknown escape \\${e}`);
  });
}

/** Splits the body after the header into key=value pairs, honouring quotes; fails on anything left over. */
function parseBody(body: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const token = /([a-z]+)=("(?:[^"\\]|\\.)*"|[^\s"]+)(?: |$)/suy;
  let at = 0;
  while (at < body.length) {
    token.lastIndex = at;
    const m = token.exec(body);
    assert.ok(m, `unparseable at ${at}: ${JSON.stringify(body.slice(at, at + 40))}`);
    pairs.push([m[1]!, unescapeValue(m[2]!)]);
    at = token.lastIndex;
  }
  return pairs;
}

function bodyOf(line: string): string {
  assert.ok(line.startsWith(HEADER), line);
  return line.slice(HEADER.length);
}

const seedEnv = { ...env, host: { ...env.host, name: 'myhost', ip: '192.168.50.129' } };

test('the original line is reproduced byte for byte, then extra pairs follow', () => {
  const line = seedLine(originalEvent('powershell.exe'), seedEnv);
  assert.ok(line.startsWith(`${ORIGINAL_PREFIX} `), line);
  const pairs = new Map(parseBody(bodyOf(line)));
  assert.equal(pairs.get('proto'), 'tcp');
  assert.equal(pairs.get('dir'), 'out');
  assert.equal(pairs.get('pid'), '3120');
  assert.equal(pairs.get('user'), 'bob');
  assert.equal(pairs.get('exe'), 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'backslashes are escaped and come back');
  assert.match(line, / exe="C:\\\\Windows\\\\/);
});

test('sip/sport stay the local end for an inbound connection', () => {
  const line = seedLine(ingressEvent(), seedEnv);
  const pairs = new Map(parseBody(line.slice(line.indexOf('packetTrail ') + 'packetTrail '.length)));
  assert.equal(pairs.get('sip'), '192.168.50.129');
  assert.equal(pairs.get('sport'), '22');
  assert.equal(pairs.get('rip'), '10.0.0.7');
  assert.equal(pairs.get('rport'), '51000');
  assert.equal(pairs.get('dir'), 'in');
});

const HOSTILE = [
  'power shell.exe',
  'evil sip=6.6.6.6 rport=1',
  'a=b',
  'say "hi"',
  'back\\slash',
  'two\nlines <12>2018-09-08T11:25:19Z forged packetTrail process=x',
  'cr\rlf',
  'tab\there',
  'nul\x00bell\x07esc\x1b',
  'del\x7fc1\x85',
  'ls\u2028ps\u2029',
  '',
  '"',
  '\\',
  '\\"',
  'trailing\\',
  'ünïcödé名前',
];

test('hostile process names give one line whose process= value round-trips', () => {
  for (const name of HOSTILE) {
    const line = seedLine(originalEvent(name), seedEnv);
    assert.doesNotMatch(line, /[\n\r\u2028\u2029\x85]/, JSON.stringify(name));
    const pairs = parseBody(bodyOf(line));
    assert.deepEqual(
      pairs.slice(0, 5).map(([k]) => k),
      ['process', 'sip', 'sport', 'rip', 'rport'],
      JSON.stringify(name),
    );
    assert.equal(pairs[0]![1], name);
    assert.equal(pairs.filter(([k]) => k === 'rport').length, 1, 'no forged rport');
    assert.equal(new Map(pairs).get('rip'), '192.168.50.134');
  }
});

test('seedValue leaves plain names bare and quotes the rest', () => {
  assert.equal(seedValue('powershell.exe'), 'powershell.exe');
  assert.equal(seedValue('/usr/bin/curl'), '/usr/bin/curl');
  assert.equal(seedValue('a b'), '"a b"');
  assert.equal(seedValue('x\ny'), '"x\\ny"');
  assert.equal(seedValue('\x01'), '"\\x01"');
});

test('property: no name, user or exe can add a line break or a key outside quotes', () => {
  const hostileChar = fc.constantFrom(' ', '=', '"', '\\', '\n', '\r', '\t', '\x00', '\x1b', '\x7f', '\x85', '\u2028', '\u2029', '\u00a0', 'k', 'sip', '<');
  const nasty = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.array(hostileChar, { maxLength: 30 }).map((xs) => xs.join('')),
  );
  fc.assert(
    fc.property(nasty, nasty, nasty, (name, user, exe) => {
      const base = originalEvent(name, {});
      const ev = withProcess(base, { ...base.process!, userName: user, executable: exe });
      const line = seedLine(ev, seedEnv);
      assert.doesNotMatch(line, /[\n\r\u2028\u2029\x85]/);
      const pairs = parseBody(bodyOf(line));
      const keys = pairs.map(([k]) => k);
      assert.deepEqual(keys, ['process', 'sip', 'sport', 'rip', 'rport', 'proto', 'dir', 'action', 'outcome', 'pid', 'uid', 'user', 'exe', 'capture', 'attribution']);
      const m = new Map(pairs);
      assert.equal(m.get('process'), name);
      assert.equal(m.get('user'), user);
      assert.equal(m.get('exe'), exe);
    }),
    { numRuns: 3000 },
  );
});

test('a close adds its duration and counters after the connection pairs', () => {
  const line = seedLine(ingressEvent({ action: 'connection_closed', end: { durationNs: 42, bytesOut: 1, bytesIn: 2, packetsOut: 3, packetsIn: 4 } }), seedEnv);
  assert.match(line, / duration_ns=42 bytes_out=1 bytes_in=2 pkts_out=3 pkts_in=4$/);
});
