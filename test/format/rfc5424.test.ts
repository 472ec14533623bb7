import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { connSd, connSdGeneral, rfc5424Line, Rfc5424LineEncoder, sdValue, wellFormed } from '../../src/format/rfc5424';
import { CommunityIds } from '../../src/format/community-id';
import type { ConnectionEvent } from '../../src/core/connection-event';
import { eventArb } from './event-arbitrary';
import { parseStructuredData, splitRfc5424 } from '../helpers/rsyslog';
import { curlEvent, ENV, expectedText, HOSTILE_NAMES } from '../helpers/events';

const env = (maxBytes = 8192, sequenceId = 7) => ({ ...ENV, sequenceId, maxBytes, procId: 999 });
const utf8 = new TextDecoder('utf-8', { fatal: true });

function parse(line: string) {
  const parts = splitRfc5424(line);
  assert.ok(!(parts instanceof Error), `header splits: ${line.slice(0, 200)}`);
  const sd = parseStructuredData(parts.sd);
  assert.ok(!(sd instanceof Error), `SD parses: ${String(sd)} in ${parts.sd.slice(0, 300)}`);
  return { ...parts, sd };
}

const one = (sd: Map<string, Map<string, string[]>>, id: string, name: string) => {
  const v = sd.get(id)?.get(name);
  assert.ok(v && v.length === 1, `${id} ${name} present once`);
  return v[0];
};

describe('rfc5424Line', () => {
  it('renders the header, every field as structured data, origin, meta and a human MSG', () => {
    const line = rfc5424Line(curlEvent(1), env());
    const p = parse(line);
    assert.equal(p.pri, 14); // user.info
    assert.equal(p.version, '1');
    assert.equal(p.timestamp, '2025-11-26T15:20:27.123457Z');
    assert.equal(p.host, 'sensor-01.example.test');
    assert.equal(p.app, 'packetTrail');
    assert.equal(p.procid, '999');
    assert.equal(p.msgid, 'connection_attempted');
    assert.deepEqual([...p.sd.keys()], ['conn@32473', 'proc@32473', 'origin', 'meta']);
    const params = {
      'conn@32473': { src: '192.0.2.10', sport: '40001', dst: '93.184.216.34', dport: '443', transport: 'tcp', direction: 'egress' },
      'proc@32473': { pid: '4243', name: 'curl', exe: '/usr/bin/curl', cmd: 'curl -sS https://example.com/?n=1', user: 'alice', ppid: '1000' },
    };
    for (const [id, want] of Object.entries(params)) for (const [name, value] of Object.entries(want)) assert.equal(one(p.sd, id, name), value, `${id} ${name}`);
    assert.match(one(p.sd, 'conn@32473', 'communityId')!, /^1:[A-Za-z0-9+/]{27}=$/);
    assert.deepEqual(p.sd.get('origin')?.get('ip'), ['192.0.2.10', '2001:db8::10']);
    assert.equal(one(p.sd, 'origin', 'swVersion'), '0.1.0');
    assert.equal(one(p.sd, 'meta', 'sequenceId'), '7');
    assert.equal(p.msg, 'curl[4243] tcp egress 192.0.2.10:40001 -> 93.184.216.34:443 connection_attempted');
  });

  it('a failed connection is a notice (PRI 13); a record without a process has no proc element', () => {
    const ev = { ...curlEvent(2), outcome: 'failure' as const };
    delete ev.process;
    const p = parse(rfc5424Line(ev, env()));
    assert.equal(p.pri, 13);
    assert.equal(p.sd.has('proc@32473'), false);
    assert.match(p.msg, /^unknown tcp egress/);
  });

  for (const name of HOSTILE_NAMES) {
    it(`keeps a hostile process name recoverable and the frame valid: ${JSON.stringify(name)}`, () => {
      const line = rfc5424Line(curlEvent(3, { name, commandLine: `${name} --flag ${name}` }), env());
      assert.doesNotMatch(line, /[\x00-\x1f\x7f]/, 'no raw control characters');
      assert.equal(utf8.decode(Buffer.from(line, 'utf8')), line, 'valid UTF-8 round trip');
      assert.equal(wellFormed(line), line, 'no lone surrogates');
      const p = parse(line);
      assert.equal(one(p.sd, 'proc@32473', 'name'), expectedText(name));
      assert.equal(one(p.sd, 'proc@32473', 'cmd'), expectedText(`${name} --flag ${name}`));
      assert.deepEqual([...p.sd.keys()], ['conn@32473', 'proc@32473', 'origin', 'meta'], 'no forged element');
    });
  }

  it('escapes exactly ", \\ and ] and renders control characters as \\xHH', () => {
    const escapes: [raw: string, escaped: string][] = [
      ['a"b\\c]d', 'a\\"b\\\\c\\]d'],
      ['x\ny\x00\x7f\x9f', 'x\\x0ay\\x00\\x7f\\x9f'],
      ['ok [=] é', 'ok [=\\] é'],
      ['\ud800', '\ufffd'],
    ];
    for (const [raw, escaped] of escapes) assert.equal(sdValue(raw), escaped, JSON.stringify(raw));
  });

  it('caps a 10 KB command line at the byte limit with a mark, keeping every other field', () => {
    const cmd = `python3 -c ${'A'.repeat(10_000)} "end"`;
    for (const maxBytes of [2048, 8192]) {
      const line = rfc5424Line(curlEvent(4, { commandLine: cmd, name: 'py]"\\' }), env(maxBytes));
      assert.ok(Buffer.byteLength(line) <= maxBytes, `${Buffer.byteLength(line)} <= ${maxBytes}`);
      assert.ok(Buffer.byteLength(line) > maxBytes - 64, 'uses the space it has');
      const p = parse(line);
      const got = one(p.sd, 'proc@32473', 'cmd')!;
      const m = /^(.*)…\[truncated (\d+) bytes\]$/s.exec(got);
      assert.ok(m, `mark present: ${got.slice(-40)}`);
      assert.ok(cmd.startsWith(m[1]!), 'the kept part is a prefix');
      assert.equal(Number(m[2]), Buffer.byteLength(cmd) - Buffer.byteLength(m[1]!), 'the mark counts the dropped bytes');
      assert.equal(one(p.sd, 'proc@32473', 'name'), 'py]"\\');
      assert.equal(one(p.sd, 'meta', 'sequenceId'), '7');
    }
  });

  it('caps when several values are long, cutting on code points', () => {
    const line = rfc5424Line(curlEvent(5, { commandLine: '😀'.repeat(3000), executable: `/opt/${'é'.repeat(3000)}`, name: 'n'.repeat(500) }), env(2048));
    assert.ok(Buffer.byteLength(line) <= 2048);
    assert.equal(utf8.decode(Buffer.from(line)), line);
    const p = parse(line);
    assert.match(one(p.sd, 'proc@32473', 'exe')!, /^\/opt\/é+…\[truncated \d+ bytes\]$/);
    assert.match(one(p.sd, 'proc@32473', 'cmd')!, /^(😀)*…\[truncated \d+ bytes\]$/u);
  });

  it('property: any strings in name, exe and cmd give a parseable frame within the cap whose values read back', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.string({ unit: 'binary', maxLength: 3000 }),
        fc.string({ unit: 'grapheme', maxLength: 50 }),
        (name, cmd, exe) => {
          const line = rfc5424Line(curlEvent(6, { name, commandLine: cmd, executable: exe }), env(2048));
          assert.ok(Buffer.byteLength(line) <= 2048);
          assert.equal(wellFormed(line), line);
          assert.doesNotMatch(line, /[\x00-\x1f\x7f-\x9f]/);
          const p = parse(line);
          const gotName = p.sd.get('proc@32473')?.get('name')?.[0];
          if (name !== '' && !/…\[truncated \d+ bytes\]$/.test(gotName ?? '')) assert.equal(gotName, expectedText(name));
          const gotCmd = p.sd.get('proc@32473')?.get('cmd')?.[0] ?? '';
          const m = /^([\s\S]*)…\[truncated \d+ bytes\]$/.exec(gotCmd);
          if (m) assert.ok(expectedText(cmd).startsWith(m[1]!));
          else if (cmd !== '') assert.equal(gotCmd, expectedText(cmd));
        },
      ),
      { numRuns: 300 },
    );
  });
});

it('the directly written conn element equals the general renderer for any event', () => {
  const ids = new CommunityIds();
  fc.assert(
    fc.property(eventArb, (ev) => {
      const clean = Object.fromEntries(Object.entries(ev).filter(([, v]) => v !== undefined)) as unknown as ConnectionEvent;
      assert.equal(connSd(clean, ids), connSdGeneral(clean, ids));
    }),
    { numRuns: 1000 },
  );
});

it('an Rfc5424LineEncoder (cached parts) writes what the general renderer writes, record after record, at any cap', () => {
  for (const maxBytes of [8192, 480]) {
    const env = { ...ENV, sequenceId: 1, maxBytes };
    const encoder = new Rfc5424LineEncoder(env);
    const processes = fc.sample(
      eventArb.map((ev) => ev.process),
      5,
    );
    fc.assert(
      fc.property(eventArb, fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 2_147_483_647 }), (e, p, seq) => {
        const ev = p < 5 ? { ...e, process: processes[p] } : e;
        env.sequenceId = seq;
        assert.equal(encoder.line(ev), rfc5424Line(ev, env));
      }),
      { numRuns: 500 },
    );
  }
});

it("a close carries its duration and counters in the conn element, from this host's side", () => {
  const ev = { ...curlEvent(), action: 'connection_closed', end: { durationNs: 2_500_000_000, bytesOut: 1000, bytesIn: 52, packetsOut: 7, packetsIn: 9 } } as ConnectionEvent;
  const sd = connSd(ev, new CommunityIds(false));
  assert.match(sd, / durationNs="2500000000" bytesOut="1000" bytesIn="52" packetsOut="7" packetsIn="9"\]$/);
  assert.equal(sd, connSdGeneral(ev, new CommunityIds(false)));
});
