// What the trace text does not carry (uid, argv, parent, the real comm) read from /proc as
// soon as the event is decoded. Reads are synchronous on purpose: /proc files are generated
// in memory (microseconds), and a short-lived process is gone if we wait for the threadpool.
// Results are cached per pid and dropped on exec/exit.
import { setBounded } from '../../core/set-bounded';
import { TCP_STATE, tcpStateName } from '../../core/tcp-state';
import { readLink, readProcText } from '../../process/proc-files';
import { parseCmdline, parseStat, parseStatusPpid, parseStatusUid } from '../../process/proc-stat';
import { parseProcNet } from '../snapshot/procnet';
import type { SocketRow } from '../snapshot/socket-row';

export interface ProcInfo {
  comm(pid: number): string | undefined;
  uid(pid: number): number | undefined;
  ppid(pid: number): number | undefined;
  cmdline(pid: number): string[] | undefined;
  exe(pid: number): string | undefined;
  /** readlink(/proc/PID/cwd), uncached. */
  cwd(pid: number): string | undefined;
  /** Parent and start time (clock ticks since boot) from /proc/PID/stat, uncached. */
  stat(pid: number): { ppid: number; startTicks: number } | undefined;
  /** Local port of a listening TCP socket held as fd in pid, or undefined. */
  listenPortOfFd(pid: number, fd: number): { family: 'ipv4' | 'ipv6'; port: number } | undefined;
  /** Remember a comm learnt from an exec event, for when /proc is already gone. */
  setComm(pid: number, comm: string): void;
  forget(pid: number): void;
}

const MAX_CACHED = 16384;

interface StatusFields {
  uid?: number | undefined;
  ppid?: number | undefined;
}

export function createProcInfo(procRoot = '/proc'): ProcInfo {
  const status = new Map<number, StatusFields>();
  const comms = new Map<number, string>();
  const file = (pid: number, name: string): string => `${procRoot}/${pid}/${name}`;

  function statusOf(pid: number): StatusFields {
    const cached = status.get(pid);
    if (cached) return cached;
    const text = readProcText(file(pid, 'status'), 'latin1');
    if (text === undefined) return {};
    const fields: StatusFields = { uid: parseStatusUid(text), ppid: parseStatusPpid(text) };
    setBounded(status, pid, fields, MAX_CACHED);
    return fields;
  }

  return {
    comm(pid) {
      const c = comms.get(pid);
      if (c !== undefined) return c;
      const text = readProcText(file(pid, 'comm'));
      if (text === undefined) return undefined;
      const name = text.replace(/\n$/, '');
      setBounded(comms, pid, name, MAX_CACHED);
      return name;
    },
    uid: (pid) => statusOf(pid).uid,
    ppid: (pid) => statusOf(pid).ppid,
    cmdline(pid) {
      const text = readProcText(file(pid, 'cmdline'));
      return text === undefined || text.length === 0 ? undefined : parseCmdline(text);
    },
    exe: (pid) => readLink(file(pid, 'exe')),
    cwd: (pid) => readLink(file(pid, 'cwd')),
    stat(pid) {
      const text = readProcText(file(pid, 'stat'));
      const st = text === undefined ? undefined : parseStat(text);
      return st && { ppid: st.ppid, startTicks: st.startTicks };
    },
    listenPortOfFd(pid, fd) {
      const link = readLink(file(pid, `fd/${fd}`));
      const m = link === undefined ? null : /^socket:\[(\d+)\]$/.exec(link);
      if (!m) return undefined;
      const inode = Number(m[1]);
      for (const [name, family] of [
        ['tcp', 'ipv4'],
        ['tcp6', 'ipv6'],
      ] as const) {
        const port = listenPortByInode(readProcText(file(pid, `net/${name}`)), family, inode);
        if (port !== undefined) return { family, port };
      }
      return undefined;
    },
    setComm(pid, comm) {
      setBounded(comms, pid, comm, MAX_CACHED);
    },
    forget(pid) {
      status.delete(pid);
      comms.delete(pid);
    },
  };
}

const LISTEN = tcpStateName(TCP_STATE.LISTEN);

/** The local port of the LISTEN socket with this inode in /proc/net/tcp{,6} text. */
export function listenPortByInode(table: string | undefined, family: 'ipv4' | 'ipv6', inode: number): number | undefined {
  if (!table) return undefined;
  const rows: SocketRow[] = [];
  parseProcNet(table, 'tcp', family, rows);
  return rows.find((r) => r.inode === inode && r.state === LISTEN)?.local.port;
}

/** The comm the kernel gives a process that exec'd this path (basename, 15 bytes). */
export function commFromExecFilename(filename: string): string {
  const base = filename.slice(filename.lastIndexOf('/') + 1);
  // The kernel keeps TASK_COMM_LEN-1 = 15 bytes.
  return Buffer.from(base, 'utf8').subarray(0, 15).toString('utf8');
}
