// Socket table through netlink sock_diag (the kernel API ss uses): one binary dump per
// (family, protocol), no text to format or parse. libc's socket/send/recv are called
// through koffi; the dump decoder below is pure and checks every length.
import type { Transport } from '../../core/connection-event';
import { stateName, type SocketRow } from './socket-row';
import { ipv6Text, v4MappedPeerText, v4MappedText } from '../../core/ip-text';
import { AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP } from '../../core/kernel-constants';
import { loadLibc, type Libc } from '../native/libc';

const AF_NETLINK = 16;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_SOCK_DIAG = 4;
const SOCK_DIAG_BY_FAMILY = 20;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLMSG_HDRLEN = 16;
const INET_DIAG_MSG_LEN = 72;
// The kernel caps one dump chunk at ~32 KiB; a larger buffer costs nothing and is future-proof.
const RECV_BUF = 64 * 1024;

/** nlmsghdr + inet_diag_req_v2 asking for every socket of one family and protocol. */
export function buildDumpRequest(family: number, protocol: number, seq: number): Buffer {
  const b = Buffer.alloc(NLMSG_HDRLEN + 56);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
  b.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  b.writeUInt32LE(seq, 8);
  b.writeUInt8(family, 16);
  b.writeUInt8(protocol, 17);
  b.writeUInt32LE(0xffffffff, 20); // all states
  return b;
}

export interface DumpChunkResult {
  /** NLMSG_DONE seen: the dump is complete. */
  done: boolean;
  /** Set when the chunk is malformed or the kernel answered with an error. */
  error?: string;
}

function readGroups(buf: Buffer, at: number, into: Uint16Array): void {
  for (let i = 0; i < 8; i++) into[i] = buf.readUInt16BE(at + 2 * i);
}

/** Most IPv4 strings kept for reuse: hosts have few distinct addresses and many sockets. */
const MAX_V4_TEXTS = 4096;

/**
 * Decodes sock_diag replies. Keeps scratch space for IPv6 groups and the IPv4 strings seen,
 * so one dump of many sockets builds each address string once.
 */
export class SockDiagDecoder {
  private readonly groups = new Uint16Array(8);
  private readonly groups2 = new Uint16Array(8);
  private readonly v4Text = new Map<number, string>();

  /**
   * Decodes one recv() worth of sock_diag replies into `out`. Changes nothing but `out` and
   * the decoder's caches; never throws. Little-endian hosts only (nlmsghdr and inet_diag_msg
   * numbers are host order).
   */
  decodeChunk(buf: Buffer, len: number, transport: Transport, out: SocketRow[]): DumpChunkResult {
    if (len > buf.length) return { done: false, error: `chunk length ${len} exceeds buffer ${buf.length}` };
    let off = 0;
    while (off + NLMSG_HDRLEN <= len) {
      const msgLen = buf.readUInt32LE(off);
      const type = buf.readUInt16LE(off + 4);
      if (msgLen < NLMSG_HDRLEN || off + msgLen > len) return { done: false, error: `bad nlmsg length ${msgLen} at ${off}` };
      if (type === NLMSG_DONE) return { done: true };
      if (type === NLMSG_ERROR) {
        const errno = msgLen >= NLMSG_HDRLEN + 4 ? -buf.readInt32LE(off + NLMSG_HDRLEN) : 0;
        return { done: false, error: `netlink error errno=${errno}` };
      }
      if (type === SOCK_DIAG_BY_FAMILY) {
        if (msgLen < NLMSG_HDRLEN + INET_DIAG_MSG_LEN) return { done: false, error: `short inet_diag_msg (${msgLen})` };
        out.push(this.decodeInetDiagMsg(buf, off + NLMSG_HDRLEN, transport));
      }
      off += (msgLen + 3) & ~3;
    }
    return { done: false };
  }

  private ipv4At(buf: Buffer, at: number): string {
    const key = buf.readUInt32BE(at);
    let s = this.v4Text.get(key);
    if (s === undefined) {
      s = `${key >>> 24}.${(key >>> 16) & 255}.${(key >>> 8) & 255}.${key & 255}`;
      if (this.v4Text.size >= MAX_V4_TEXTS) this.v4Text.clear();
      this.v4Text.set(key, s);
    }
    return s;
  }

  /** One inet_diag_msg (72 bytes at `p`, length already checked). */
  private decodeInetDiagMsg(buf: Buffer, p: number, transport: Transport): SocketRow {
    const family = buf.readUInt8(p);
    const state = stateName(transport, buf.readUInt8(p + 1));
    const sport = buf.readUInt16BE(p + 4);
    const dport = buf.readUInt16BE(p + 6);
    const uid = buf.readUInt32LE(p + 64);
    const inode = buf.readUInt32LE(p + 68);
    if (family === AF_INET) {
      return {
        transport,
        family: 'ipv4',
        state,
        local: { ip: this.ipv4At(buf, p + 8), port: sport },
        remote: { ip: this.ipv4At(buf, p + 24), port: dport },
        inode,
        uid,
      };
    }
    const { groups, groups2 } = this;
    readGroups(buf, p + 8, groups);
    readGroups(buf, p + 24, groups2);
    const l4 = v4MappedText(groups);
    if (l4 !== undefined) {
      const r4 = v4MappedPeerText(groups2);
      if (r4 !== undefined) {
        return { transport, family: 'ipv4', state, local: { ip: l4, port: sport }, remote: { ip: r4, port: dport }, inode, uid };
      }
    }
    return {
      transport,
      family: 'ipv6',
      state,
      local: { ip: ipv6Text(groups), port: sport },
      remote: { ip: ipv6Text(groups2), port: dport },
      inode,
      uid,
    };
  }
}

const DUMPS: ReadonlyArray<readonly [number, number, Transport]> = [
  [AF_INET, IPPROTO_TCP, 'tcp'],
  [AF_INET6, IPPROTO_TCP, 'tcp'],
  [AF_INET, IPPROTO_UDP, 'udp'],
  [AF_INET6, IPPROTO_UDP, 'udp'],
];

/**
 * Dumps the socket table over one netlink socket per read. Holds the receive buffer, the
 * request sequence number and the decoder, so repeated reads (the poll tier) reuse them.
 */
export class NetlinkSocketTable {
  private readonly recvBuf = Buffer.allocUnsafe(RECV_BUF);
  private readonly decoder = new SockDiagDecoder();
  private seq = 1;

  constructor(private readonly libc: Libc) {}

  /** Every TCP/UDP socket of this network namespace, or undefined if the dump fails. */
  read(): SocketRow[] | undefined {
    const c = this.libc;
    const fd = c.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) return undefined;
    const buf = this.recvBuf;
    const rows: SocketRow[] = [];
    try {
      for (const [family, protocol, transport] of DUMPS) {
        const req = buildDumpRequest(family, protocol, this.seq++);
        if (c.send(fd, req, req.length, 0) !== req.length) return undefined;
        for (;;) {
          const n = c.recv(fd, buf, buf.length, 0);
          if (n <= 0) return undefined;
          const r = this.decoder.decodeChunk(buf, n, transport, rows);
          if (r.error) return undefined;
          if (r.done) break;
        }
      }
      return rows;
    } finally {
      c.close(fd);
    }
  }
}

/** A reader for this host, or undefined when libc cannot be loaded (no glibc for koffi). */
export function openNetlinkSocketTable(): NetlinkSocketTable | undefined {
  try {
    return new NetlinkSocketTable(loadLibc());
  } catch {
    return undefined;
  }
}
