// Header parser on lines captured from this kernel's trace_pipe (record-tgid on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTraceLine } from '../../../src/capture/tracefs/trace-line';

function ok(line: string) {
  const r = parseTraceLine(line);
  assert.ok(r.ok, `expected to parse: ${line}`);
  return r.value;
}

test('a comm with spaces and dashes keeps the last -<tid> as the thread id', () => {
  const v = ok(' npm exec tsc ---7051    (   7051) [001] .....   658.624772: sched_process_fork: comm=node pid=7051 child_comm=node child_pid=7054');
  assert.equal(v.comm, 'npm exec tsc --');
  assert.equal(v.tid, 7051);
  assert.equal(v.tgid, 7051);
  assert.equal(v.cpu, 1);
  assert.equal(v.tsUs, 658_624_772);
  assert.equal(v.event, 'sched_process_fork');
  assert.equal(v.body, 'comm=node pid=7051 child_comm=node child_pid=7054');
  assert.equal(v.interrupt, false);
});

test('thread of another process: tid and tgid differ', () => {
  const v = ok(
    '         loadgen-28825   (  28823) [000] .....   676.323050: sys_enter_accept4: __syscall_nr=0x120 (288) fd=0x5 (5) upeer_sockaddr=0x7f3142386d70 (139849541119344) upeer_addrlen=0x7f3142386d2c (139849541119276) flags=0x80000 (524288)',
  );
  assert.equal(v.tid, 28825);
  assert.equal(v.tgid, 28823);
});

test('softirq context is flagged as interrupt; unknown comm and tgid parse', () => {
  const soft = ok(
    '           <...>-32182   (  32182) [000] ..s2.   676.323035: inet_sock_set_state: skaddr=0xffff888107096180 (-131387226496640) oldstate=0x3 (3) newstate=0x1 (1)',
  );
  assert.equal(soft.interrupt, true);
  assert.equal(soft.comm, '<...>');
  const bh = ok(
    '         python3-7093    (   7093) [001] b.s2.   661.808962: fib6_table_lookup: table 255 oif 1 iif 1 proto 17 ::1/9 -> ::1/47823 flowlabel 0x0 tos 0 scope 0 flags 0 ==> dev lo gw :: err 0',
  );
  assert.equal(bh.interrupt, true);
  const noTgid = ok('           <...>-7090    (-------) [001] .....   661.774369: sched_process_exec: filename=/usr/bin/mkdir pid=7090 old_pid=7090');
  assert.equal(noTgid.tgid, undefined);
  assert.equal(noTgid.tid, 7090);
});

test('a body that imitates a header does not move the header', () => {
  // An exec filename is chosen by whoever runs the program; it must not decide tid or event.
  const v = ok(
    '           evil-4242    (   4242) [001] .....   5.000001: sched_process_exec: filename=/tmp/x-1 (   1) [000] .....   1.000000: sched_process_exit: pid=0x1 (1) old_pid=0x1092 (4242)',
  );
  assert.equal(v.tid, 4242);
  assert.equal(v.comm, 'evil');
  assert.equal(v.event, 'sched_process_exec');
  assert.ok(v.body.startsWith('filename=/tmp/x-1 ('));
});

test('garbage and partial lines are errors, not exceptions', () => {
  for (const bad of ['', 'CPU:1 [LOST 12 EVENTS]', '   bash-12 (12) [000] ..... 1.2: x: y', 'x'.repeat(70000)]) {
    const r = parseTraceLine(bad);
    assert.equal(r.ok, false, bad.slice(0, 40));
  }
});
