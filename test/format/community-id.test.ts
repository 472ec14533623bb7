import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { communityId, ipBytes } from '../../src/format/community-id';
import { repoRoot } from '../helpers/repo';

interface Vector {
  proto: number;
  saddr: string;
  daddr: string;
  sport: number | null;
  dport: number | null;
  communityid: string;
}

// The Community ID specification's baseline vectors (default seed, base64), copied verbatim.
const fixture = path.join(repoRoot(), 'test/fixtures/community-id-baseline-default.json');

function loadVectors(): Vector[] {
  return JSON.parse(fs.readFileSync(fixture, 'utf8')) as Vector[];
}

test('community id matches every vector of the spec baseline (default seed, base64)', () => {
  const vectors = loadVectors();
  assert.ok(vectors.length >= 20, `expected the full baseline, got ${vectors.length} vectors`);
  const protos = new Set(vectors.map((v) => v.proto));
  for (const p of [1, 6, 17, 58, 132]) assert.ok(protos.has(p), `baseline covers protocol ${p}`);
  for (const v of vectors) {
    assert.equal(communityId(v), v.communityid, `${v.proto} ${v.saddr}:${v.sport} -> ${v.daddr}:${v.dport}`);
  }
});

test('documented example and unparseable addresses', () => {
  assert.equal(communityId({ proto: 6, saddr: '128.232.110.120', daddr: '66.35.250.204', sport: 34855, dport: 80 }), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  assert.equal(communityId({ proto: 6, saddr: 'not-an-ip', daddr: '1.2.3.4', sport: 1, dport: 2 }), undefined);
  assert.equal(communityId({ proto: 6, saddr: '::1', daddr: '1.2.3.4', sport: 1, dport: 2 }), undefined, 'mixed families');
  // A seed changes the hash.
  assert.notEqual(
    communityId({ proto: 6, saddr: '1.2.3.4', daddr: '5.6.7.8', sport: 1, dport: 2 }, 1),
    communityId({ proto: 6, saddr: '1.2.3.4', daddr: '5.6.7.8', sport: 1, dport: 2 }, 0),
  );
});

const port = fc.integer({ min: 0, max: 65535 });
const endpointPair = fc.oneof(fc.tuple(fc.ipV4(), fc.ipV4()), fc.tuple(fc.ipV6(), fc.ipV6()));

test('property: the id is the same in both directions (tcp, udp, sctp)', () => {
  fc.assert(
    fc.property(endpointPair, port, port, fc.constantFrom(6, 17, 132), ([a, b], pa, pb, proto) => {
      const there = communityId({ proto, saddr: a, daddr: b, sport: pa, dport: pb });
      const back = communityId({ proto, saddr: b, daddr: a, sport: pb, dport: pa });
      assert.ok(there?.startsWith('1:'));
      assert.equal(there, back);
    }),
    { numRuns: 2000 },
  );
});

test('property: an ICMP echo request and its reply share an id', () => {
  fc.assert(
    fc.property(fc.ipV4(), fc.ipV4(), (a, b) => {
      assert.equal(communityId({ proto: 1, saddr: a, daddr: b, sport: 8, dport: 0 }), communityId({ proto: 1, saddr: b, daddr: a, sport: 0, dport: 0 }));
    }),
  );
  fc.assert(
    fc.property(fc.ipV6(), fc.ipV6(), (a, b) => {
      assert.equal(communityId({ proto: 58, saddr: a, daddr: b, sport: 128, dport: 0 }), communityId({ proto: 58, saddr: b, daddr: a, sport: 129, dport: 0 }));
    }),
  );
});

test('property: ipBytes parses every IPv6 spelling to the address it names', () => {
  fc.assert(
    fc.property(fc.ipV6(), (ip) => {
      const b = ipBytes(ip);
      assert.ok(b && b.length === 16);
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
      // The URL parser is an independent IPv6 parser: both spellings must canonicalise alike.
      assert.equal(new URL(`http://[${groups.join(':')}]/`).hostname, new URL(`http://[${ip}]/`).hostname);
    }),
    { numRuns: 2000 },
  );
});
