// Body decoders on bodies captured from this kernel (fields mode for the main instance,
// default print format for the IPv6 companion).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMain, decodeV6, decodeExecFields, decodeState6, ipv4FromLeHex } from '../../../src/capture/tracefs/decode';
import { listenPortByInode, commFromExecFilename } from '../../../src/capture/tracefs/proc-info';

function ok<T>(r: { ok: true; value: T } | { ok: false; error: string }): T {
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

test('inet_sock_set_state in fields mode: skaddr, states, ports, IPv4 addresses', () => {
  const v = ok(
    decodeMain(
      'inet_sock_set_state',
      'skaddr=0xffff888130cbd340 (-131386525887680) oldstate=0x7 (7) newstate=0x2 (2) sport=0x0 (0) dport=0xa351 (41809) family=0x2 (2) protocol=0x6 (6) saddr=0x100007f (16777343) daddr=0x100007f (16777343) saddr_v6=<INVALID-SIZE> daddr_v6=<INVALID-SIZE>',
    ),
  );
  assert.deepEqual(v, {
    kind: 'state',
    skaddr: 'ffff888130cbd340',
    oldstate: 7,
    newstate: 2,
    sport: 0,
    dport: 41809,
    family: 2,
    protocol: 6,
    saddr: '127.0.0.1',
    daddr: '127.0.0.1',
  });
});

test('IPv4 bytes come out in network order, high addresses included', () => {
  assert.equal(ipv4FromLeHex('100007f'), '127.0.0.1');
  assert.equal(ipv4FromLeHex('600007f'), '127.0.0.6');
  assert.equal(ipv4FromLeHex('ffffffff'), '255.255.255.255');
  assert.equal(ipv4FromLeHex('0'), '0.0.0.0');
});

test('exec: the numeric tail is read from the end, so a filename cannot forge the pid', () => {
  const real = ok(decodeMain('sched_process_exec', 'filename=/usr/bin/mkdir pid=0xc6b (3179) old_pid=0xc6b (3179)'));
  assert.deepEqual(real, { kind: 'exec', filename: '/usr/bin/mkdir', pid: 3179, oldPid: 3179 });
  const forged = ok(decodeExecFields('filename=/tmp/a pid=0x1 (1) old_pid=0x1 (1) b pid=0xc6b (3179) old_pid=0xc6b (3179)'));
  assert.equal(forged.pid, 3179);
  assert.equal(forged.filename, '/tmp/a pid=0x1 (1) old_pid=0x1 (1) b');
});

test('exit, task_newtask, accept, fib (fields mode)', () => {
  assert.deepEqual(ok(decodeMain('sched_process_exit', 'comm=loadgen pid=0x7db6 (32182) prio=0x78 (120) group_dead=(1)')), { kind: 'exit', pid: 32182, groupDead: true });
  assert.deepEqual(ok(decodeMain('task_newtask', 'pid=0x1e91 (7825) comm=python3 clone_flags=0x1200000 (18874368) oom_score_adj=0x0 (0)')), {
    kind: 'newtask',
    pid: 7825,
    thread: false,
    cloneParent: false,
  });
  assert.deepEqual(
    ok(
      decodeMain(
        'sys_enter_accept4',
        '__syscall_nr=0x120 (288) fd=0x5 (5) upeer_sockaddr=0x7f3142386d70 (139849541119344) upeer_addrlen=0x7f3142386d2c (139849541119276) flags=0x80000 (524288)',
      ),
    ),
    { kind: 'accept-enter', fd: 5 },
  );
  assert.deepEqual(ok(decodeMain('sys_exit_accept4', '__syscall_nr=0x120 (288) ret=0x5 (5)')), { kind: 'accept-exit', ret: 5 });
  assert.deepEqual(
    ok(
      decodeMain(
        'fib_table_lookup',
        'tb_id=0xfe (254) err=0x0 (0) oif=0x0 (0) iif=0x1 (1) proto=(17) tos=(0) scope=(0) flags=(0) src=0x0 (0) dst=0x100007f (16777343) gw4=0x0 (0) gw6=<INVALID-SIZE> sport=0xccbb (52411) dport=0x871d (34589) name=lo',
      ),
    ),
    { kind: 'udp-route', family: 'ipv4', src: '0.0.0.0', dst: '127.0.0.1', sport: 52411, dport: 34589, err: 0 },
  );
});

test('IPv6 companion instance (default format): set_state and fib6', () => {
  assert.deepEqual(
    ok(
      decodeV6(
        'inet_sock_set_state',
        'family=AF_INET6 protocol=IPPROTO_TCP sport=60106 dport=34289 saddr=0.0.0.0 daddr=0.0.0.0 saddrv6=::1 daddrv6=::1 oldstate=TCP_SYN_SENT newstate=TCP_ESTABLISHED',
      ),
    ),
    { kind: 'state6', sport: 60106, dport: 34289, saddr: '::1', daddr: '::1', oldstate: 2, newstate: 1 },
  );
  assert.deepEqual(ok(decodeV6('fib6_table_lookup', 'table 255 oif 0 iif 1 proto 17 ::/47823 -> ::1/9 flowlabel 0x0 tos 0 scope 0 flags 0 ==> dev lo gw :: err 0')), {
    kind: 'udp-route',
    family: 'ipv6',
    src: '::',
    sport: 47823,
    dst: '::1',
    dport: 9,
    err: 0,
  });
  const mapped = ok(
    decodeState6(
      'family=AF_INET6 protocol=IPPROTO_TCP sport=1 dport=2 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1 oldstate=TCP_CLOSE newstate=TCP_LISTEN',
    ),
  );
  assert.equal(mapped.saddr, '::ffff:127.0.0.1');
  assert.equal(mapped.newstate, 10);
});

test('task_newtask: CLONE_THREAD and CLONE_PARENT from the flags; a comm cannot forge them', () => {
  const thread = ok(decodeMain('task_newtask', 'pid=0x1e90 (7824) comm=python3 clone_flags=0x3d0f00 (4001536) oom_score_adj=0x0 (0)'));
  assert.deepEqual(thread, { kind: 'newtask', pid: 7824, thread: true, cloneParent: false });
  const parent = ok(decodeMain('task_newtask', 'pid=0x10 (16) comm=x clone_flags=0x8011 (32785) oom_score_adj=0xfc18 (-1000)'));
  assert.deepEqual(parent, { kind: 'newtask', pid: 16, thread: false, cloneParent: true });
  // clone3 flags above 32 bits (CLONE_INTO_CGROUP) keep the low bits right.
  const big = ok(decodeMain('task_newtask', 'pid=0x11 (17) comm=x clone_flags=0x200010000 (8589999104) oom_score_adj=0x0 (0)'));
  assert.equal(big.kind === 'newtask' && big.thread, true);
  // A comm shaped like the flags is still followed by the real tail, which wins.
  const forged = ok(decodeMain('task_newtask', 'pid=0x12 (18) comm= clone_flags=0x0 clone_flags=0x10000 (65536) oom_score_adj=0x0 (0)'));
  assert.equal(forged.kind === 'newtask' && forged.thread, true);
  assert.equal(decodeMain('task_newtask', 'pid=0x12 (18) comm=x').ok, false);
});

test('wrong shapes are error values', () => {
  for (const [ev, body] of [
    ['inet_sock_set_state', 'skaddr=0xffff (1) oldstate=0x7 (7)'],
    ['sched_process_exec', 'filename=/x pid=12'],
    ['sched_process_exit', ''],
    ['sys_exit_accept4', '__syscall_nr=0x120 (288)'],
    ['no_such_event', 'x=1'],
  ] as const) {
    const r = decodeMain(ev, body);
    assert.equal(r.ok, false, `${ev}: ${body}`);
  }
  assert.equal(decodeV6('inet_sock_set_state', 'family=AF_INET protocol=IPPROTO_TCP sport=1').ok, false);
  assert.equal(decodeV6('fib6_table_lookup', 'table 255 garbage').ok, false);
});

test('/proc/net/tcp listener lookup by inode, and exec comm', () => {
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:9C4F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 424242 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:9C50 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 424243 1 0000000000000000 20 4 30 10 -1',
  ].join('\n');
  assert.equal(listenPortByInode(table, 'ipv4', 424242), 0x9c4f);
  assert.equal(listenPortByInode(table, 'ipv4', 424243), undefined); // not listening
  assert.equal(commFromExecFilename('/root/.pyenv/libexec/pyenv-version-file-read'), 'pyenv-version-f');
});
