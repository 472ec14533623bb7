// DNS answer payloads into DnsAnswers: A/AAAA through CNAME chains, TCP framing, and every
// kind of payload that gives no answer counted by kind, never thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { parseDnsAnswer } from '../../../src/capture/dns/parse-answer';

const T = 1_700_000_000_000_000;

function response(name: string, answers: dnsPacket.Answer[]): Buffer {
  return dnsPacket.encode({ type: 'response', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }], answers });
}

test('an A answer gives the question name and the address with its TTL', () => {
  const bytes = response('Api.Example.TEST', [{ type: 'A', name: 'Api.Example.TEST', ttl: 300, data: '127.0.0.9' }]);
  const r = parseDnsAnswer({ timeUs: T, pid: 42, tcp: false, bytes });
  assert.deepEqual(r, { answer: { timeUs: T, pid: 42, question: 'api.example.test', addresses: [{ ip: '127.0.0.9', ttlS: 300 }], canonicalName: undefined } });
});

test('a CNAME chain keeps the name asked for, the chain end is the canonical name', () => {
  const bytes = response('www.shop.test', [
    { type: 'CNAME', name: 'www.shop.test', ttl: 60, data: 'shop.cdn.test' },
    { type: 'CNAME', name: 'shop.cdn.test', ttl: 60, data: 'edge7.cdn.test' },
    { type: 'A', name: 'edge7.cdn.test', ttl: 20, data: '127.0.0.20' },
    { type: 'AAAA', name: 'edge7.cdn.test', ttl: 20, data: '2001:db8::20' },
  ]);
  const r = parseDnsAnswer({ timeUs: T, pid: 1, tcp: false, bytes });
  assert.ok('answer' in r);
  assert.equal(r.answer.question, 'www.shop.test');
  assert.equal(r.answer.canonicalName, 'edge7.cdn.test');
  assert.deepEqual(r.answer.addresses, [
    { ip: '127.0.0.20', ttlS: 20 },
    { ip: '2001:db8::20', ttlS: 20 },
  ]);
});

test('a TCP answer is read through its length prefix; a segment without the whole message is tcp_partial', () => {
  const msg = response('tcp.test', [{ type: 'A', name: 'tcp.test', ttl: 5, data: '127.0.0.5' }]);
  const framed = dnsPacket.streamEncode(dnsPacket.decode(msg));
  const r = parseDnsAnswer({ timeUs: T, pid: 1, tcp: true, bytes: framed });
  assert.ok('answer' in r && r.answer.addresses[0]!.ip === '127.0.0.5');
  assert.deepEqual(parseDnsAnswer({ timeUs: T, pid: 1, tcp: true, bytes: framed.subarray(0, framed.length - 3) }), { failure: 'tcp_partial' });
});

test('responses without an address are empty; queries and garbage are failures by kind', () => {
  const nx = dnsPacket.encode({ type: 'response', id: 1, flags: 3, questions: [{ type: 'A', name: 'nx.test' }], answers: [] });
  assert.deepEqual(parseDnsAnswer({ timeUs: T, pid: 1, tcp: false, bytes: nx }), { empty: true });
  const query = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'q.test' }] });
  assert.deepEqual(parseDnsAnswer({ timeUs: T, pid: 1, tcp: false, bytes: query }), { failure: 'not_response' });
  assert.deepEqual(parseDnsAnswer({ timeUs: T, pid: 1, tcp: false, bytes: Buffer.from('not dns at all, just bytes') }), { failure: 'malformed' });
  const whole = response('cut.test', [{ type: 'A', name: 'cut.test', ttl: 5, data: '127.0.0.5' }]);
  assert.deepEqual(parseDnsAnswer({ timeUs: T, pid: 1, tcp: false, bytes: whole.subarray(0, whole.length - 2) }), { failure: 'malformed' });
  const noQuestion = dnsPacket.encode({ type: 'response', id: 1, answers: [{ type: 'A', name: 'x.test', ttl: 5, data: '127.0.0.5' }] });
  assert.deepEqual(parseDnsAnswer({ timeUs: T, pid: 1, tcp: false, bytes: noQuestion }), { failure: 'no_question' });
});

test('any bytes at all: a result, never an exception', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, tcp) => {
      const r = parseDnsAnswer({ timeUs: T, pid: 1, tcp, bytes: Buffer.from(bytes) });
      assert.ok('answer' in r || 'failure' in r || 'empty' in r);
    }),
    { numRuns: 2000 },
  );
});

test('a valid answer with bytes flipped: a result, never an exception', () => {
  const base = response('flip.test', [
    { type: 'CNAME', name: 'flip.test', ttl: 60, data: 'b.flip.test' },
    { type: 'A', name: 'b.flip.test', ttl: 5, data: '127.0.0.5' },
  ]);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { minLength: 1, maxLength: 6 }), (flips) => {
      const bytes = Buffer.from(base);
      for (const [at, v] of flips) bytes[at] = v;
      const r = parseDnsAnswer({ timeUs: T, pid: 1, tcp: false, bytes });
      assert.ok('answer' in r || 'failure' in r || 'empty' in r);
    }),
    { numRuns: 2000 },
  );
});
