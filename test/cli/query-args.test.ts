// `query` flags: times, filters and their usage errors, each naming its flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PtError } from '../../src/core/errors';
import { DEFAULT_TABLE_LIMIT, parseQueryFlags, parseTime } from '../../src/cli/commands/query-args';
import { csvLine, renderTable } from '../../src/cli/commands/query-render';

const NOW = Date.UTC(2025, 10, 26, 12) * 1000;

test('times are a duration before now or an ISO time', () => {
  assert.equal(parseTime('--since', '2h', NOW), NOW - 2 * 3_600_000_000);
  assert.equal(parseTime('--since', '7d', NOW), NOW - 7 * 86_400_000_000);
  assert.equal(parseTime('--since', '2025-11-26T10:00:00Z', NOW), Date.UTC(2025, 10, 26, 10) * 1000);
  assert.throws(() => parseTime('--until', 'yesterday', NOW), /--until "yesterday"/);
  assert.throws(() => parseTime('--since', '12', NOW), /--since "12"/);
});

test('each bad flag is a usage error that names it', () => {
  const bad: Array<[Record<string, string | boolean>, RegExp]> = [
    [{ remote: '10.0.0.0/33' }, /--remote "10\.0\.0\.0\/33": prefix length/],
    [{ remote: 'example.com' }, /--remote "example\.com"/],
    [{ remote: '2001:db8::/129' }, /--remote/],
    [{ port: '70000' }, /--port "70000"/],
    [{ localPort: 'x' }, /--local-port "x"/],
    [{ pid: '-1' }, /--pid "-1"/],
    [{ direction: 'out' }, /--direction "out": expected one of egress, ingress/],
    [{ transport: 'icmp' }, /--transport "icmp"/],
    [{ action: 'connect' }, /--action "connect"/],
    [{ countBy: 'colour' }, /--count-by "colour"/],
    [{ limit: '0' }, /--limit "0"/],
    [{ json: true, csv: true }, /--json and --csv/],
    [{ since: '1h', until: '2h' }, /--until 2h: must be after --since 1h/],
  ];
  for (const [flags, message] of bad) {
    assert.throws(
      () => parseQueryFlags(flags, NOW),
      (e: unknown) => e instanceof PtError && e.code === 'E_USAGE' && message.test(e.message),
      JSON.stringify(flags),
    );
  }
});

test('flags become a filter; the table shows the newest 1000 unless told', () => {
  const r = parseQueryFlags({ remote: '10.0.0.0/8', port: '443', direction: 'egress', process: 'curl*', user: 'alice', since: '1h' }, NOW);
  assert.equal(r.output, 'table');
  assert.equal(r.limit, DEFAULT_TABLE_LIMIT);
  assert.equal(r.filter.port, 443);
  assert.equal(r.filter.processGlob, 'curl*');
  assert.equal(r.filter.sinceUs, NOW - 3_600_000_000);
  assert.equal(r.filter.remote!.lo.toString('hex'), '00000000000000000000ffff0a000000');
  assert.equal(r.filter.remote!.hi.toString('hex'), '00000000000000000000ffff0affffff');
  assert.equal(parseQueryFlags({ json: true }, NOW).limit, undefined);
  assert.equal(parseQueryFlags({ csv: true, limit: '5' }, NOW).limit, 5);
});

test('the table fits the width and keeps each record on one line', () => {
  const out = renderTable(
    ['A', 'B'],
    [
      ['x', 'a\nb'],
      ['long value', 'y'.repeat(100)],
    ],
    40,
  );
  const lines = out.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  for (const l of lines) assert.ok(l.length <= 40, l);
  assert.match(lines[1]!, /a\\nb/);
});

test('CSV fields are quoted when they hold a comma, quote or newline', () => {
  assert.equal(csvLine(['a', 'b,c', 'd"e', 'f\ng']), 'a,"b,c","d""e","f\ng"');
});
