import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bsdTimestamp, rfc3164Line } from '../../src/format/rfc3164';
import { curlEvent, ENV, expectedText, HOSTILE_NAMES } from '../helpers/events';

/** Reads `key=value …` back, undoing the seed escapes; an Error for malformed text. */
function parsePairs(body: string): Map<string, string> | Error {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf('=', i);
    if (eq < 0) return new Error(`no = after ${i}`);
    const key = body.slice(i, eq);
    if (!/^[a-z][a-z0-9]*$/.test(key)) return new Error(`bad key ${JSON.stringify(key)}`);
    if (out.has(key)) return new Error(`key ${key} twice`);
    i = eq + 1;
    let value = '';
    if (body[i] === '"') {
      i++;
      for (;;) {
        if (i >= body.length) return new Error('unterminated quote');
        const ch = body[i]!;
        if (ch === '"') break;
        if (ch === '\\') {
          const nx = body[i + 1];
          const simple: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t' };
          if (nx !== undefined && simple[nx] !== undefined) {
            value += simple[nx];
            i += 2;
            continue;
          }
          const hx = /^x([0-9a-f]{2})|^u([0-9a-f]{4})/.exec(body.slice(i + 1, i + 6));
          if (!hx) return new Error(`bad escape at ${i}`);
          value += String.fromCharCode(parseInt(hx[1] ?? hx[2]!, 16));
          i += 1 + hx[0].length;
          continue;
        }
        value += ch;
        i++;
      }
      i++;
    } else {
      const end = body.indexOf(' ', i);
      value = body.slice(i, end < 0 ? body.length : end);
      i += value.length;
    }
    out.set(key, value);
    if (i < body.length && body[i] !== ' ') return new Error(`junk after value at ${i}`);
    i++;
  }
  return out;
}

const HEADER = /^<(\d+)>([A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d) (\S+) packetTrail\[(\d+)\]: /;

function parse(line: string) {
  const m = HEADER.exec(line);
  assert.ok(m, `header: ${line.slice(0, 80)}`);
  const pairs = parsePairs(line.slice(m[0].length));
  assert.ok(!(pairs instanceof Error), String(pairs));
  return { pri: Number(m[1]), time: m[2], host: m[3], pid: Number(m[4]), pairs };
}

describe('rfc3164Line', () => {
  it('renders <PRI>Mmm dd hh:mm:ss HOST packetTrail[pid]: then seed-style pairs', () => {
    const p = parse(rfc3164Line(curlEvent(1), { ...ENV, procId: 321 }));
    assert.equal(p.pri, 14);
    assert.equal(p.time, 'Nov 26 15:20:27');
    assert.equal(p.host, 'sensor-01.example.test');
    assert.equal(p.pid, 321);
    assert.deepEqual([...p.pairs.keys()].slice(0, 5), ['process', 'sip', 'sport', 'rip', 'rport']);
    assert.equal(p.pairs.get('process'), 'curl');
    assert.equal(p.pairs.get('rip'), '93.184.216.34');
    assert.equal(p.pairs.get('cmd'), 'curl -sS https://example.com/?n=1');
    assert.equal(p.pairs.get('dir'), 'out');
  });

  it('pads a one-digit day with a space', () => {
    assert.equal(bsdTimestamp(Date.UTC(2026, 2, 5, 4, 3, 2) * 1000), 'Mar  5 04:03:02');
  });

  for (const name of HOSTILE_NAMES) {
    it(`a hostile name cannot forge a key or a record: ${JSON.stringify(name)}`, () => {
      const line = rfc3164Line(curlEvent(2, { name, userName: name }), ENV);
      assert.doesNotMatch(line, /[\x00-\x1f\x7f]/);
      const p = parse(line);
      assert.equal(p.pairs.get('process'), expectedText(name));
      assert.equal(p.pairs.get('user'), expectedText(name));
      assert.equal(p.pairs.has('forged'), false);
    });
  }

  it('caps the line (default 2048 bytes) by truncating the command line first, with a mark', () => {
    const cmd = `java -jar app.jar ${'--opt=value '.repeat(1000)}`;
    const line = rfc3164Line(curlEvent(3, { commandLine: cmd }), { ...ENV, maxBytes: 1024 });
    assert.ok(Buffer.byteLength(line) <= 1024, String(Buffer.byteLength(line)));
    const p = parse(line);
    const m = /^(.*)…\[truncated (\d+) bytes\]$/s.exec(p.pairs.get('cmd')!);
    assert.ok(m);
    assert.ok(cmd.startsWith(m[1]!));
    assert.equal(Number(m[2]), Buffer.byteLength(cmd) - Buffer.byteLength(m[1]!));
    assert.equal(p.pairs.get('exe'), '/usr/bin/curl');
    assert.ok(Buffer.byteLength(rfc3164Line(curlEvent(3, { commandLine: cmd }), ENV)) <= 2048);
  });
});
