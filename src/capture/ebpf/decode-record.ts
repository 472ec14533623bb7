// Decodes one ring-buffer record (bpf/packettrail.h). Pure: checks lengths and returns an
// error value instead of throwing, so a bad record is counted, not fatal.
import { ipFromBytes, type IpText } from './ip-bytes';
import { ACTION, ARGS_LEN, COMM_LEN, CONN, EXEC, FORK, HEADER, KIND, PATH_LEN, RENAME } from './record-layout';

export interface RecordHeader {
  pid: number;
  tid: number;
  uid: number;
  /** CLOCK_MONOTONIC nanoseconds. */
  tsNs: bigint;
  /** Name of the process (thread-group leader's comm). */
  comm: string;
}

export type ConnAction = 'connect' | 'accept' | 'listen' | 'udp_send' | 'udp_recv';

export interface ConnRecord extends RecordHeader {
  kind: 'conn';
  action: ConnAction;
  transport: 'tcp' | 'udp';
  ok: boolean;
  /** Positive errno of a failed connect; 0 when none. */
  err: number;
  local: IpText & { port: number };
  remote: IpText & { port: number };
  /** Comm of the calling thread. */
  threadComm: string;
}

export interface ExecRecord extends RecordHeader {
  kind: 'exec';
  ppid: number;
  startTicks: number;
  /** Kernel cgroup v2 id as a decimal string (a u64); undefined when the kernel gave 0. */
  cgroupId?: string;
  executable: string;
  args: string[];
  argsTruncated: boolean;
}

export interface ExitRecord extends RecordHeader {
  kind: 'exit';
}

export interface RenameRecord extends RecordHeader {
  kind: 'rename';
  newComm: string;
}

/** A new process; the header is the forking task (the parent). */
export interface ForkRecord extends RecordHeader {
  kind: 'fork';
  childPid: number;
  /** The child's real parent (the forking process, or its parent with CLONE_PARENT). */
  ppid: number;
  startTicks: number;
}

export type KernelRecord = ConnRecord | ExecRecord | ExitRecord | RenameRecord | ForkRecord;

export type DecodeResult = { ok: true; record: KernelRecord } | { ok: false; error: string };

const ACTIONS: Record<number, ConnAction> = {
  [ACTION.connect]: 'connect',
  [ACTION.accept]: 'accept',
  [ACTION.listen]: 'listen',
  [ACTION.udpSend]: 'udp_send',
  [ACTION.udpRecv]: 'udp_recv',
};

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A NUL-terminated C string inside `buf[at, at+max)`. */
function cString(buf: Uint8Array, at: number, max: number): string {
  let end = at;
  const limit = at + max;
  let ascii = true;
  for (; end < limit && buf[end] !== 0; end++) if (buf[end]! >= 0x80) ascii = false;
  // Short ASCII names (comm) are most records: building them directly beats a TextDecoder call.
  if (ascii && end - at <= 32) {
    let s = '';
    for (let i = at; i < end; i++) s += String.fromCharCode(buf[i]!);
    return s;
  }
  return utf8.decode(buf.subarray(at, end));
}

function fail(error: string): DecodeResult {
  return { ok: false, error };
}

export function decodeRecord(buf: Uint8Array): DecodeResult {
  if (buf.length < HEADER.size) return fail(`record of ${buf.length} bytes is shorter than its header`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const kind = dv.getUint32(HEADER.kind, true);
  const header: RecordHeader = {
    pid: dv.getUint32(HEADER.pid, true),
    tid: dv.getUint32(HEADER.tid, true),
    uid: dv.getUint32(HEADER.uid, true),
    tsNs: dv.getBigUint64(HEADER.tsNs, true),
    comm: cString(buf, HEADER.comm, COMM_LEN),
  };
  switch (kind) {
    case KIND.conn:
      return decodeConn(buf, dv, header);
    case KIND.exec:
      return decodeExec(buf, dv, header);
    case KIND.exit:
      return { ok: true, record: { kind: 'exit', ...header } };
    case KIND.rename:
      if (buf.length < RENAME.size) return fail(`rename record of ${buf.length} bytes, want ${RENAME.size}`);
      return { ok: true, record: { kind: 'rename', ...header, newComm: cString(buf, RENAME.newComm, COMM_LEN) } };
    case KIND.fork:
      if (buf.length < FORK.size) return fail(`fork record of ${buf.length} bytes, want ${FORK.size}`);
      return {
        ok: true,
        record: {
          kind: 'fork',
          ...header,
          childPid: dv.getUint32(FORK.childPid, true),
          ppid: dv.getUint32(FORK.ppid, true),
          startTicks: Number(dv.getBigUint64(FORK.startTicks, true)),
        },
      };
    default:
      return fail(`unknown record kind ${kind}`);
  }
}

function decodeConn(buf: Uint8Array, dv: DataView, header: RecordHeader): DecodeResult {
  if (buf.length < CONN.size) return fail(`connection record of ${buf.length} bytes, want ${CONN.size}`);
  const action = ACTIONS[dv.getUint8(CONN.action)];
  if (!action) return fail(`unknown connection action ${dv.getUint8(CONN.action)}`);
  const protocol = dv.getUint8(CONN.protocol);
  if (protocol !== 6 && protocol !== 17) return fail(`unknown protocol ${protocol}`);
  const family = dv.getUint8(CONN.family);
  if (family !== 2 && family !== 10) return fail(`unknown address family ${family}`);
  const local = ipFromBytes(buf.subarray(CONN.laddr, CONN.laddr + 16), family);
  const remote = ipFromBytes(buf.subarray(CONN.raddr, CONN.raddr + 16), family);
  return {
    ok: true,
    record: {
      kind: 'conn',
      ...header,
      action,
      transport: protocol === 6 ? 'tcp' : 'udp',
      ok: dv.getUint8(CONN.ok) === 1,
      err: dv.getInt32(CONN.err, true),
      local: { ...local, port: dv.getUint16(CONN.lport, true) },
      remote: { ...remote, port: dv.getUint16(CONN.rport, true) },
      threadComm: cString(buf, CONN.tcomm, COMM_LEN),
    },
  };
}

function decodeExec(buf: Uint8Array, dv: DataView, header: RecordHeader): DecodeResult {
  if (buf.length < EXEC.size) return fail(`exec record of ${buf.length} bytes, want ${EXEC.size}`);
  const pathLen = dv.getUint32(EXEC.pathLen, true);
  const argsLen = dv.getUint32(EXEC.argsLen, true);
  if (pathLen > PATH_LEN) return fail(`exec path length ${pathLen} exceeds ${PATH_LEN}`);
  if (argsLen > ARGS_LEN) return fail(`exec args length ${argsLen} exceeds ${ARGS_LEN}`);
  const argsTruncated = dv.getUint32(EXEC.argsTruncated, true) !== 0;
  const cgroupId = dv.getBigUint64(EXEC.cgroupId, true);
  const record: ExecRecord = {
    kind: 'exec',
    ...header,
    ppid: dv.getUint32(EXEC.ppid, true),
    startTicks: Number(dv.getBigUint64(EXEC.startTicks, true)),
    executable: cString(buf, EXEC.path, pathLen),
    args: splitArgs(buf.subarray(EXEC.args, EXEC.args + argsLen)),
    argsTruncated,
  };
  if (cgroupId !== 0n) record.cgroupId = cgroupId.toString();
  return { ok: true, record };
}

/** argv as the kernel keeps it: NUL-separated, usually NUL-terminated. */
function splitArgs(bytes: Uint8Array): string[] {
  if (bytes.length === 0) return [];
  const text = utf8.decode(bytes);
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}
