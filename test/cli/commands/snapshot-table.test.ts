import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeCell, renderSnapshotTable } from '../../../src/cli/commands/snapshot-table';
import fc from 'fast-check';
import type { SnapshotEntry } from '../../../src/capture/snapshot/snapshot';
import { curlOwner as curl, snapshotEntry } from '../../helpers/snapshot-entry';
import { renderSnapshotTableOracle } from './snapshot-table-oracle';

const base = snapshotEntry();

test('header and rows are aligned, IPv6 in brackets, one socket per line', () => {
  const out = renderSnapshotTable([
    base,
    { ...base, transport: 'udp', family: 'ipv6', state: 'UNCONN', local: { ip: '::1', port: 53 }, remote: { ip: '::', port: 0 }, owners: [] },
  ]);
  const [header = '', ...lines] = out.trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.match(header, /^Netid +State +Local +Peer +PID +User +Process +Exe$/);
  assert.match(lines[0] ?? '', /^tcp +ESTABLISHED +127\.0\.0\.1:40000 +127\.0\.0\.1:8080 +42 +root +curl +\/usr\/bin\/curl$/);
  assert.match(lines[1] ?? '', /^udp +UNCONN +\[::1\]:53 +\[::\]:\* +- +0 +- +-$/);
  // Columns start at the same offset on every line.
  for (const col of ['State', 'Local', 'Peer', 'PID']) {
    const at = header.indexOf(col);
    assert.ok(
      lines.every((l) => l[at - 1] === ' ' && l[at] !== ' '),
      col,
    );
  }
});

test('hostile names cannot add lines or control the terminal', () => {
  const evil = 'x\nudp ESTAB 6.6.6.6:1\r\x1b[2J\\\u2028';
  const out = renderSnapshotTable([{ ...base, owners: [{ ...curl, name: evil, executable: '/tmp/a\tb\n' }] }]);
  assert.equal(out.split('\n').length, 3); // header, row, trailing ''
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f\u2028]/.test(out));
  assert.ok(out.includes('x\\nudp ESTAB 6.6.6.6:1\\r\\x1b[2J\\\\\\u2028'));
  assert.ok(out.includes('/tmp/a\\tb\\n'));
});

test('several owners are listed in one row', () => {
  const out = renderSnapshotTable([{ ...base, owners: [curl, { ...curl, pid: 43 }] }]);
  assert.match(out.split('\n')[1] ?? '', / 42,43 +root +curl,curl +\/usr\/bin\/curl$/);
});

test('escapeCell leaves ordinary text (spaces, UTF-8) alone', () => {
  assert.equal(escapeCell('Web Content é'), 'Web Content é');
  assert.equal(escapeCell('\x00\x7f\x85'), '\\x00\\x7f\\x85');
});

test('the fast table is the oracle table, byte for byte, for any sockets and owners', () => {
  const name = fc.string({ maxLength: 20, unit: 'binary' });
  const owner = fc.record({
    pid: fc.integer({ min: 1, max: 4_000_000 }),
    name,
    executable: fc.option(name, { nil: undefined }),
    uid: fc.option(fc.integer({ min: 0, max: 70_000 }), { nil: undefined }),
    userName: fc.option(name, { nil: undefined }),
  });
  const ip = fc.oneof(fc.ipV4(), fc.ipV6());
  const entry = fc.record({
    transport: fc.constantFrom('tcp', 'udp'),
    state: fc.constantFrom('ESTABLISHED', 'LISTEN', 'UNCONN', 'TIME_WAIT'),
    local: fc.record({ ip, port: fc.integer({ min: 0, max: 65535 }) }),
    remote: fc.record({ ip, port: fc.integer({ min: 0, max: 65535 }) }),
    uid: fc.integer({ min: 0, max: 70_000 }),
    owners: fc.array(owner, { maxLength: 3 }),
  });
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 30 }), (parts) => {
      const entries = parts.map((p) => ({ ...base, ...p, owners: p.owners.map((o) => ({ ...curl, ...o })) })) as SnapshotEntry[];
      assert.equal(renderSnapshotTable(entries), renderSnapshotTableOracle(entries));
    }),
    { numRuns: 300 },
  );
});
