// Socket table from /proc/net/{tcp,tcp6,udp,udp6}: the fallback when netlink is unusable.
// Lines: "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...",
// addresses as hex words in host byte order (little-endian here), ports as hex numbers.
import type { IpFamily, Transport } from '../../core/connection-event';
import { readProcText } from '../../process/proc-files';
import { stateName, type SocketRow } from './socket-row';
import { ipv6Text, v4MappedPeerText, v4MappedText } from '../../core/ip-text';

const FILES: ReadonlyArray<readonly [string, Transport, IpFamily]> = [
  ['tcp', 'tcp', 'ipv4'],
  ['tcp6', 'tcp', 'ipv6'],
  ['udp', 'udp', 'ipv4'],
  ['udp6', 'udp', 'ipv6'],
];

function hexAt(s: string, from: number, to: number): number {
  return parseInt(s.slice(from, to), 16);
}

/** "0100007F" (host-order u32 of 127.0.0.1) → "127.0.0.1". */
function ipv4Hex(s: string, at: number): string {
  const v = hexAt(s, at, at + 8);
  return `${v & 255}.${(v >>> 8) & 255}.${(v >>> 16) & 255}.${v >>> 24}`;
}

/** 32 hex chars = four host-order u32 words → eight big-endian groups. */
function ipv6Hex(s: string, at: number, into: Uint16Array): void {
  for (let w = 0; w < 4; w++) {
    const v = hexAt(s, at + w * 8, at + w * 8 + 8);
    into[w * 2] = ((v & 255) << 8) | ((v >>> 8) & 255);
    into[w * 2 + 1] = (((v >>> 16) & 255) << 8) | (v >>> 24);
  }
}

/** Parses one /proc/net file's text. Pure; malformed lines are skipped. */
export function parseProcNet(text: string, transport: Transport, family: IpFamily, out: SocketRow[]): void {
  const addrLen = family === 'ipv4' ? 8 : 32;
  // Scratch for the IPv6 groups of one line, reused across the file's lines.
  const g1 = new Uint16Array(8);
  const g2 = new Uint16Array(8);
  let pos = text.indexOf('\n') + 1; // skip the header
  while (pos > 0 && pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end);
    pos = end + 1;
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    const [, localHex, remoteHex, stateHex, , , , uidText, , inodeText] = line.trim().split(/ +/);
    if (localHex === undefined || remoteHex === undefined || stateHex === undefined) continue;
    if (uidText === undefined || inodeText === undefined) continue;
    if (localHex.length !== addrLen + 5 || remoteHex.length !== addrLen + 5) continue;
    const lport = hexAt(localHex, addrLen + 1, addrLen + 5);
    const rport = hexAt(remoteHex, addrLen + 1, addrLen + 5);
    const state = stateName(transport, hexAt(stateHex, 0, 2));
    const uid = Number(uidText);
    const inode = Number(inodeText);
    if (family === 'ipv4') {
      out.push({ transport, family, state, local: { ip: ipv4Hex(localHex, 0), port: lport }, remote: { ip: ipv4Hex(remoteHex, 0), port: rport }, inode, uid });
      continue;
    }
    ipv6Hex(localHex, 0, g1);
    ipv6Hex(remoteHex, 0, g2);
    const l4 = v4MappedText(g1);
    const r4 = l4 === undefined ? undefined : v4MappedPeerText(g2);
    if (l4 !== undefined && r4 !== undefined) {
      out.push({ transport, family: 'ipv4', state, local: { ip: l4, port: lport }, remote: { ip: r4, port: rport }, inode, uid });
    } else {
      out.push({ transport, family, state, local: { ip: ipv6Text(g1), port: lport }, remote: { ip: ipv6Text(g2), port: rport }, inode, uid });
    }
  }
}

export function readSocketTableProcNet(procRoot = '/proc'): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const [file, transport, family] of FILES) {
    const text = readProcText(`${procRoot}/net/${file}`, 'latin1');
    if (text !== undefined) parseProcNet(text, transport, family, rows);
  }
  return rows;
}
