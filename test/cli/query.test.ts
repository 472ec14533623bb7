// The built CLI's `query` over a store written by the sink: ECS lines, CSV, the table and
// count-by, and usage errors with exit code 2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runCliSync } from '../helpers/cli-run';
import { egressEvent, ingressEvent, T_US, env } from '../helpers/events';
import { ecsLine } from '../../src/format/ecs';
import { tempStore, type TempStore } from '../sinks/store/store-fixtures';

let s: TempStore;
const written = [
  egressEvent(),
  ingressEvent({ timeUs: T_US + 1000 }),
  egressEvent({ timeUs: T_US + 2000, remote: { ip: '2001:db8::1', port: 443 }, family: 'ipv6', local: { ip: 'fd00::129', port: 40001 } }),
];

before(async () => {
  s = tempStore({ host: env.host });
  for (const ev of written) s.sink.write(ev);
  await s.sink.flush();
  await s.sink.close();
});
after(() => s.remove());

test('query --json prints the ECS lines the sinks write, with the recording host', () => {
  const r = runCliSync(['query', '--store', s.path, '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    r.stdout.trimEnd().split('\n'),
    written.map((ev) => ecsLine(ev, env)),
  );
});

test('query filters by remote CIDR (v4 and v6) and by process', () => {
  const v6 = runCliSync(['query', '--store', s.path, '--json', '--remote', '2001:db8::/32']);
  assert.equal(v6.stdout.trimEnd().split('\n').length, 1);
  assert.equal(JSON.parse(v6.stdout).destination.ip, '2001:db8::1');
  const sshd = runCliSync(['query', '--store', s.path, '--json', '--process', 'ssh*']);
  assert.equal(JSON.parse(sshd.stdout).process.name, 'sshd');
  const none = runCliSync(['query', '--store', s.path, '--json', '--remote', '10.9.0.0/16']);
  assert.equal(none.status, 0);
  assert.equal(none.stdout, '');
});

test('query prints a table and CSV, newest last', () => {
  const table = runCliSync(['query', '--store', s.path]);
  assert.equal(table.status, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^Time \(UTC\)\s+Dir/);
  assert.equal(lines.length, 4);
  assert.match(lines[3]!, /\[2001:db8::1\]:443/);
  const csv = runCliSync(['query', '--store', s.path, '--csv', '--limit', '1']);
  assert.deepEqual(csv.stdout.trimEnd().split('\n')[0], 'time,direction,transport,action,local,remote,pid,user,process,executable');
  assert.match(csv.stdout.trimEnd().split('\n')[1]!, /,\[2001:db8::1\]:443,4242,alice,curl,\/usr\/bin\/curl$/);
});

test('query --count-by remote counts per address with executables and first/last', () => {
  const r = runCliSync(['query', '--store', s.path, '--count-by', 'remote', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(rows.length, 3);
  const v4 = rows.find((x) => x.remote === '93.184.216.34');
  assert.deepEqual({ count: v4.count, executables: v4.executables }, { count: 1, executables: 1 });
  assert.equal(v4.first, new Date(Math.floor(T_US / 1000)).toISOString());
});

test('query with a bad flag or a missing store exits 2 naming it', () => {
  const bad = runCliSync(['query', '--store', s.path, '--remote', '300.1.1.1']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--remote "300\.1\.1\.1"/);
  const missing = runCliSync(['query', '--store', '/nonexistent/pt.db']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--store \/nonexistent\/pt\.db: no such store/);
});
