// The TypeScript record layout must match bpf/packettrail.h: compile the header with gcc and
// compare every offset and size. Also checks the decoder on records built from that layout.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeOne, RecordDecoder, type DecodedEvent } from '../../../src/capture/ebpf/decode-record';
import type { ConnectionEvent } from '../../../src/core/connection-event';
import type { ProcessEvent } from '../../../src/core/stages';
import * as L from '../../../src/capture/ebpf/record-layout';
import { repoRoot } from '../../helpers/repo';

const HEADER_FILE = path.join(repoRoot(), 'bpf/packettrail.h');

const C_PROGRAM = `
#include <stdio.h>
#include <stddef.h>
#include "packettrail.h"
#define F(t, f) printf("\\"%s.%s\\": %zu,\\n", #t, #f, offsetof(struct t, f))
#define S(t) printf("\\"%s.size\\": %zu,\\n", #t, sizeof(struct t))
int main(void) {
  printf("{\\n");
  F(pt_header, kind); F(pt_header, pid); F(pt_header, tid); F(pt_header, uid);
  F(pt_header, ts_ns); F(pt_header, comm); S(pt_header);
  F(pt_conn, action); F(pt_conn, family); F(pt_conn, protocol); F(pt_conn, ok); F(pt_conn, err);
  F(pt_conn, lport); F(pt_conn, rport); F(pt_conn, laddr); F(pt_conn, raddr); F(pt_conn, tcomm);
  S(pt_conn);
  F(pt_exec, start_ticks); F(pt_exec, cgroup_id); F(pt_exec, ppid); F(pt_exec, path_len); F(pt_exec, args_len);
  F(pt_exec, args_truncated); F(pt_exec, path_flags); F(pt_exec, path); F(pt_exec, args); S(pt_exec);
  F(pt_rename, newcomm); S(pt_rename);
  F(pt_fork, start_ticks); F(pt_fork, child_pid); F(pt_fork, ppid); S(pt_fork);
  F(pt_close, start_ns); F(pt_close, bytes_out); F(pt_close, bytes_in); F(pt_close, segs_out);
  F(pt_close, segs_in); S(pt_close);
  F(pt_config, ignore_pid); F(pt_config, udp_reemit_secs); F(pt_config, closes); S(pt_config);
  printf("\\"consts\\": [%d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d]\\n}\\n",
    PT_COMM_LEN, PT_PATH_LEN, PT_ARGS_LEN, PT_KIND_CONN, PT_KIND_EXEC, PT_KIND_EXIT, PT_KIND_RENAME,
    PT_ACT_CONNECT, PT_ACT_ACCEPT, PT_ACT_LISTEN, PT_ACT_UDP_SEND, PT_ACT_UDP_RECV, PT_KIND_FORK,
    PT_PATH_DELETED, PT_PATH_TRUNCATED, PT_KIND_CLOSE);
  return 0;
}
`;

describe('ring-buffer record layout', () => {
  let dir = '';
  let c: Record<string, number | number[]> = {};

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-layout-'));
    fs.writeFileSync(path.join(dir, 'layout.c'), C_PROGRAM);
    execFileSync('gcc', ['-I', path.dirname(HEADER_FILE), '-o', path.join(dir, 'layout'), path.join(dir, 'layout.c')]);
    c = JSON.parse(execFileSync(path.join(dir, 'layout')).toString());
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('header offsets and size match the C struct', () => {
    assert.deepEqual(
      [c['pt_header.kind'], c['pt_header.pid'], c['pt_header.tid'], c['pt_header.uid'], c['pt_header.ts_ns'], c['pt_header.comm'], c['pt_header.size']],
      [L.HEADER.kind, L.HEADER.pid, L.HEADER.tid, L.HEADER.uid, L.HEADER.tsNs, L.HEADER.comm, L.HEADER.size],
    );
  });

  it('connection record offsets and size match', () => {
    const fields = ['action', 'family', 'protocol', 'ok', 'err', 'lport', 'rport', 'laddr', 'raddr', 'tcomm', 'size'] as const;
    for (const f of fields) assert.equal(c[`pt_conn.${f}`], L.CONN[f], `pt_conn.${f}`);
  });

  it('exec record offsets and size match', () => {
    const pairs: [string, number][] = [
      ['start_ticks', L.EXEC.startTicks],
      ['cgroup_id', L.EXEC.cgroupId],
      ['ppid', L.EXEC.ppid],
      ['path_len', L.EXEC.pathLen],
      ['args_len', L.EXEC.argsLen],
      ['args_truncated', L.EXEC.argsTruncated],
      ['path_flags', L.EXEC.pathFlags],
      ['path', L.EXEC.path],
      ['args', L.EXEC.args],
      ['size', L.EXEC.size],
    ];
    for (const [f, v] of pairs) assert.equal(c[`pt_exec.${f}`], v, `pt_exec.${f}`);
  });

  it('rename and config records and the constants match', () => {
    assert.equal(c['pt_rename.newcomm'], L.RENAME.newComm);
    assert.equal(c['pt_rename.size'], L.RENAME.size);
    assert.equal(c['pt_config.ignore_pid'], L.CONFIG.ignorePid);
    assert.equal(c['pt_config.udp_reemit_secs'], L.CONFIG.udpReemitSecs);
    assert.equal(c['pt_config.closes'], L.CONFIG.closes);
    assert.equal(c['pt_config.size'], L.CONFIG.size);
    assert.deepEqual(c.consts, [
      L.COMM_LEN,
      L.PATH_LEN,
      L.ARGS_LEN,
      L.KIND.conn,
      L.KIND.exec,
      L.KIND.exit,
      L.KIND.rename,
      L.ACTION.connect,
      L.ACTION.accept,
      L.ACTION.listen,
      L.ACTION.udpSend,
      L.ACTION.udpRecv,
      L.KIND.fork,
      L.PATH_FLAG.deleted,
      L.PATH_FLAG.truncated,
      L.KIND.close,
    ]);
  });

  it('close record offsets and size match, after a whole connection record', () => {
    const fields = [
      ['start_ns', L.CLOSE.startNs],
      ['bytes_out', L.CLOSE.bytesOut],
      ['bytes_in', L.CLOSE.bytesIn],
      ['segs_out', L.CLOSE.segsOut],
      ['segs_in', L.CLOSE.segsIn],
      ['size', L.CLOSE.size],
    ] as const;
    for (const [f, v] of fields) assert.equal(c[`pt_close.${f}`], v, `pt_close.${f}`);
    assert.equal(L.CLOSE.startNs, L.CONN.size);
  });

  it('fork record offsets and size match, and it stays small', () => {
    assert.equal(c['pt_fork.start_ticks'], L.FORK.startTicks);
    assert.equal(c['pt_fork.child_pid'], L.FORK.childPid);
    assert.equal(c['pt_fork.ppid'], L.FORK.ppid);
    assert.equal(c['pt_fork.size'], L.FORK.size);
    assert.ok(L.FORK.size <= 64, 'a fork record is header + 16 bytes');
  });
});

function header(buf: Buffer, kind: number): void {
  buf.writeUInt32LE(kind, L.HEADER.kind);
  buf.writeUInt32LE(4242, L.HEADER.pid);
  buf.writeUInt32LE(4243, L.HEADER.tid);
  buf.writeUInt32LE(1000, L.HEADER.uid);
  buf.writeBigUInt64LE(123456789012n, L.HEADER.tsNs);
  buf.write('curl\0', L.HEADER.comm, 'latin1');
}

/** A connection record from the header's process: `action` over address family `af` and IP protocol `protocol`. */
function connRecord(action: number, af: number, protocol: number, ok = 1): Buffer {
  const b = Buffer.alloc(L.CONN.size);
  header(b, L.KIND.conn);
  b[L.CONN.action] = action;
  b[L.CONN.family] = af;
  b[L.CONN.protocol] = protocol;
  b[L.CONN.ok] = ok;
  return b;
}

function connection(e: DecodedEvent): ConnectionEvent {
  assert.ok('connection' in e, 'a connection event');
  return e.connection;
}

function proc<T extends ProcessEvent['type']>(e: DecodedEvent, type: T): Extract<ProcessEvent, { type: T }> {
  assert.ok('process' in e && e.process.type === type, `a ${type} event`);
  return e.process as Extract<ProcessEvent, { type: T }>;
}

function decoded(b: Uint8Array, offsetUs = 0): DecodedEvent {
  const r = decodeOne(b, { offsetUs });
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.event;
}

describe('RecordDecoder', () => {
  it('decodes a failed IPv4 connect', () => {
    const b = connRecord(L.ACTION.connect, 2, 6, 0);
    b.writeInt32LE(111, L.CONN.err);
    b.writeUInt16LE(40000, L.CONN.lport);
    b.writeUInt16LE(443, L.CONN.rport);
    b.set([127, 0, 0, 1], L.CONN.laddr);
    b.set([10, 1, 2, 3], L.CONN.raddr);
    b.write('worker\0', L.CONN.tcomm, 'latin1');
    const ev = connection(decoded(b, 1_000_000));
    assert.equal(ev.process?.pid, 4242);
    assert.equal(ev.tid, 4243);
    assert.equal(ev.process?.uid, 1000);
    assert.equal(ev.process?.name, 'curl', 'the process name, not the thread name');
    assert.equal(ev.timeUs, 123456789 + 1_000_000, 'kernel ns to us, plus the clock offset');
    assert.equal(ev.action, 'connection_attempted');
    assert.equal(ev.outcome, 'failure');
    assert.equal(ev.errno, 111);
    assert.equal(ev.direction, 'egress');
    assert.equal(ev.transport, 'tcp');
    assert.equal(ev.family, 'ipv4');
    assert.deepEqual(ev.local, { ip: '127.0.0.1', port: 40000 });
    assert.deepEqual(ev.remote, { ip: '10.1.2.3', port: 443 });
    assert.deepEqual([ev.capture, ev.attribution], ['ebpf', 'syscall']);
  });

  it('maps every action to its event', () => {
    const want: [number, string, string, string][] = [
      [L.ACTION.connect, 'connection_attempted', 'egress', 'success'],
      [L.ACTION.accept, 'connection_accepted', 'ingress', 'success'],
      [L.ACTION.listen, 'listen', 'ingress', 'success'],
      [L.ACTION.udpSend, 'udp_flow', 'egress', 'success'],
      [L.ACTION.udpRecv, 'udp_flow', 'ingress', 'success'],
    ];
    for (const [action, name, direction, outcome] of want) {
      const b = connRecord(action, 2, 6);
      const ev = connection(decoded(b));
      assert.deepEqual([ev.action, ev.direction, ev.outcome, ev.errno], [name, direction, outcome, undefined]);
    }
  });

  it('reports a v4-mapped address on an AF_INET6 record as IPv4', () => {
    const b = connRecord(L.ACTION.udpSend, 10, 17, 0);
    b.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7], L.CONN.raddr);
    b.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], L.CONN.laddr);
    const ev = connection(decoded(b));
    assert.equal(ev.remote.ip, '192.0.2.7');
    assert.equal(ev.local.ip, '2001:db8::1');
    assert.equal(ev.family, 'ipv4', 'the peer decides the family of a mixed pair');
    assert.equal(ev.transport, 'udp');
    assert.equal(ev.action, 'udp_flow');
  });

  it('a dual-stack wildcard "::" with a v4-mapped peer becomes 0.0.0.0', () => {
    const b = connRecord(L.ACTION.udpRecv, 10, 17, 0);
    b.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 9], L.CONN.raddr);
    const ev = connection(decoded(b));
    assert.deepEqual([ev.local.ip, ev.remote.ip, ev.family], ['0.0.0.0', '127.0.0.9', 'ipv4']);
  });

  it('gives the right text for many addresses through its cache', () => {
    const dec = new RecordDecoder({ offsetUs: 0 });
    const b = connRecord(L.ACTION.connect, 10, 6, 0);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < 3000; i++) {
      const n = (i * 7919) % 1000; // repeats, so both hits and misses
      b.fill(0, L.CONN.raddr, L.CONN.raddr + 16);
      b.writeUInt16BE(0x2001, L.CONN.raddr);
      b.writeUInt16BE(n, L.CONN.raddr + 14);
      let got: ConnectionEvent | undefined;
      dec.decode(b, dv, 0, b.length, { connection: (e) => void (got = e), process: () => assert.fail('not a process event') });
      assert.equal(got?.remote.ip, n === 0 ? '2001::' : `2001::${n.toString(16)}`);
    }
  });

  it('decodes an exec record with argv', () => {
    const b = Buffer.alloc(L.EXEC.size);
    header(b, L.KIND.exec);
    b.writeBigUInt64LE(98765n, L.EXEC.startTicks);
    b.writeBigUInt64LE(0xfedcba9876543210n, L.EXEC.cgroupId);
    b.writeUInt32LE(1, L.EXEC.ppid);
    const exe = '/usr/bin/curl';
    b.write(exe, L.EXEC.path, 'utf8');
    b.writeUInt32LE(exe.length, L.EXEC.pathLen);
    const argv = Buffer.from('curl\0-s\0http://[::1]:8080/ a\0');
    argv.copy(b, L.EXEC.args);
    b.writeUInt32LE(argv.length, L.EXEC.argsLen);
    const ev = proc(decoded(b), 'exec');
    assert.equal(ev.pid, 4242);
    assert.equal(ev.uid, 1000);
    assert.equal(ev.comm, 'curl');
    assert.equal(ev.executable, exe);
    assert.deepEqual([ev.executableDeleted, ev.executableTruncated], [false, false]);
    assert.deepEqual(ev.args, ['curl', '-s', 'http://[::1]:8080/ a']);
    assert.equal(ev.startTicks, 98765);
    assert.equal(ev.ppid, 1);
    assert.equal(ev.cgroupId, '18364758544493064720', 'the whole u64, as a decimal string');
  });

  it('exec path flags: deleted and truncated, each on its own', () => {
    for (const [flags, want] of [
      [L.PATH_FLAG.deleted, [true, false]],
      [L.PATH_FLAG.truncated, [false, true]],
      [L.PATH_FLAG.deleted | L.PATH_FLAG.truncated, [true, true]],
    ] as const) {
      const b = Buffer.alloc(L.EXEC.size);
      header(b, L.KIND.exec);
      b.writeUInt32LE(flags, L.EXEC.pathFlags);
      const ev = proc(decoded(b), 'exec');
      assert.deepEqual([ev.executableDeleted, ev.executableTruncated], want, `flags ${flags}`);
    }
  });

  it('an exec record with cgroup id 0 has no cgroupId', () => {
    const b = Buffer.alloc(L.EXEC.size);
    header(b, L.KIND.exec);
    const ev = proc(decoded(b), 'exec');
    assert.equal(ev.cgroupId, undefined);
  });

  it('cgroup ids either side of 2^53 are exact decimal text', () => {
    for (const id of [1n, 4026531835n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
      const b = Buffer.alloc(L.EXEC.size);
      header(b, L.KIND.exec);
      b.writeBigUInt64LE(id, L.EXEC.cgroupId);
      assert.equal(proc(decoded(b), 'exec').cgroupId, id.toString());
    }
  });

  it('decodes a fork record: child pid, real parent, start ticks', () => {
    const b = Buffer.alloc(L.FORK.size);
    header(b, L.KIND.fork);
    b.writeBigUInt64LE(55555n, L.FORK.startTicks);
    b.writeUInt32LE(5000, L.FORK.childPid);
    b.writeUInt32LE(4242, L.FORK.ppid);
    const ev = proc(decoded(b), 'fork');
    assert.deepEqual([ev.pid, ev.ppid, ev.startTicks], [5000, 4242, 55555]);
    const short = Buffer.alloc(L.FORK.size - 1);
    header(short, L.KIND.fork);
    assert.equal(decodeOne(short).ok, false);
  });

  it('decodes a close record: the start decides the direction, the counters each way, the duration', () => {
    const closeOf = (action: number): Buffer => {
      const b = Buffer.alloc(L.CLOSE.size);
      header(b, L.KIND.close);
      b[L.CONN.action] = action;
      b[L.CONN.family] = 2;
      b[L.CONN.protocol] = 6;
      b[L.CONN.ok] = 1;
      b.writeBigUInt64LE(123456789012n - 2_500_000_000n, L.CLOSE.startNs);
      b.writeBigUInt64LE(1000n, L.CLOSE.bytesOut);
      b.writeBigUInt64LE(2n ** 40n, L.CLOSE.bytesIn);
      b.writeUInt32LE(7, L.CLOSE.segsOut);
      b.writeUInt32LE(9, L.CLOSE.segsIn);
      return b;
    };
    const out = connection(decoded(closeOf(L.ACTION.connect)));
    assert.deepEqual([out.action, out.direction, out.outcome, out.transport], ['connection_closed', 'egress', 'success', 'tcp']);
    assert.deepEqual(out.end, { durationNs: 2_500_000_000, bytesOut: 1000, bytesIn: 2 ** 40, packetsOut: 7, packetsIn: 9 });
    assert.equal(out.errno, undefined);
    const reset = closeOf(L.ACTION.accept);
    reset.writeInt32LE(104, L.CONN.err);
    const inbound = connection(decoded(reset));
    assert.deepEqual([inbound.action, inbound.direction, inbound.errno], ['connection_closed', 'ingress', 104]);
    const short = closeOf(L.ACTION.connect).subarray(0, L.CLOSE.size - 1);
    assert.equal(decodeOne(short).ok, false, 'a close shorter than its counters');
    assert.equal(decodeOne(closeOf(L.ACTION.listen)).ok, false, 'only connects and accepts close');
  });

  it('decodes exit and rename records', () => {
    const exit = Buffer.alloc(L.HEADER.size);
    header(exit, L.KIND.exit);
    assert.deepEqual(proc(decoded(exit), 'exit'), { type: 'exit', pid: 4242, timeUs: 123456789 });
    const rename = Buffer.alloc(L.RENAME.size);
    header(rename, L.KIND.rename);
    rename.write('new-name\0', L.RENAME.newComm, 'latin1');
    assert.equal(proc(decoded(rename), 'rename').comm, 'new-name');
  });

  it('returns an error value for short, unknown or inconsistent records', () => {
    assert.equal(decodeOne(new Uint8Array(10)).ok, false);
    const unknown = Buffer.alloc(L.HEADER.size);
    header(unknown, 99);
    assert.equal(decodeOne(unknown).ok, false);
    const shortConn = Buffer.alloc(L.CONN.size - 1);
    header(shortConn, L.KIND.conn);
    assert.equal(decodeOne(shortConn).ok, false);
    const badExec = Buffer.alloc(L.EXEC.size);
    header(badExec, L.KIND.exec);
    badExec.writeUInt32LE(L.ARGS_LEN + 1, L.EXEC.argsLen);
    assert.equal(decodeOne(badExec).ok, false);
    const cutExec = Buffer.alloc(L.EXEC.args + 10);
    header(cutExec, L.KIND.exec);
    cutExec.writeUInt32LE(11, L.EXEC.argsLen);
    assert.equal(decodeOne(cutExec).ok, false, 'argv longer than the record');
    cutExec.writeUInt32LE(10, L.EXEC.argsLen);
    assert.equal(decodeOne(cutExec).ok, true, 'a record that ends right after its argv');
    assert.equal(decodeOne(connRecord(77, 2, 6)).ok, false, 'an unknown action');
  });

  it('never throws on random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(Math.random() * 2500);
      const b = new Uint8Array(len);
      for (let j = 0; j < len; j++) b[j] = Math.floor(Math.random() * 256);
      if (len >= 4) b[0] = 1 + (i % 7);
      const r = decodeOne(b);
      assert.equal(typeof r.ok, 'boolean');
    }
  });
});

describe('RecordDecoder text caches', () => {
  it('one decoder, names and paths that repeat, change, and share prefixes: each decoded right', () => {
    const decoder = new RecordDecoder({ offsetUs: 0 });
    const got: string[] = [];
    const out = {
      connection: (ev: ConnectionEvent) => got.push(`conn ${ev.process?.name}`),
      process: (ev: ProcessEvent) => got.push(ev.type === 'exec' ? `exec ${ev.comm} ${ev.executable}` : ev.type),
    };
    const execOf = (comm: string, exe: string): Buffer => {
      const b = Buffer.alloc(L.EXEC.size);
      header(b, L.KIND.exec);
      b.fill(0, L.HEADER.comm, L.HEADER.comm + 16);
      b.write(comm, L.HEADER.comm, 'latin1');
      b.write(exe, L.EXEC.path, 'utf8');
      b.writeUInt32LE(Buffer.byteLength(exe), L.EXEC.pathLen);
      return b;
    };
    const connOf = (comm: string): Buffer => {
      const b = connRecord(L.ACTION.connect, 2, 6);
      b.fill(0, L.HEADER.comm, L.HEADER.comm + 16);
      b.write(comm, L.HEADER.comm, 'latin1');
      return b;
    };
    const records = [
      execOf('curl', '/usr/bin/curl'),
      execOf('curl', '/usr/bin/curl'),
      execOf('cur', '/usr/bin/cur'),
      execOf('curl', '/usr/bin/curl'),
      execOf('wget', '/usr/bin/wget2-with-a-name-longer-than-32-bytes'),
      execOf('wget', '/usr/bin/wget2-with-a-name-longer-than-32-bytes'),
      execOf('', ''),
      connOf('loadgen'),
      connOf('loadgen'),
      connOf('load'),
      connOf('loadgen-worker-1'),
      connOf('loadgen'),
    ];
    for (const b of records) assert.equal(decoder.decode(b, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length, out), undefined);
    assert.deepEqual(got, [
      'exec curl /usr/bin/curl',
      'exec curl /usr/bin/curl',
      'exec cur /usr/bin/cur',
      'exec curl /usr/bin/curl',
      'exec wget /usr/bin/wget2-with-a-name-longer-than-32-bytes',
      'exec wget /usr/bin/wget2-with-a-name-longer-than-32-bytes',
      'exec  ',
      'conn loadgen',
      'conn loadgen',
      'conn load',
      'conn loadgen-worker-1',
      'conn loadgen',
    ]);
  });
});
