// What the trace text does not carry (uid, argv, parent, the real comm) read from /proc as
// soon as the event is decoded. Reads are synchronous on purpose: /proc files are generated
// in memory (microseconds), and a short-lived process is gone if we wait for the threadpool.
// Results are cached per pid and dropped on exec/exit.
import fs from 'node:fs';
import path from 'node:path';
import { setBounded } from '../../core/set-bounded';

export interface ProcInfo {
  comm(pid: number): string | undefined;
  uid(pid: number): number | undefined;
  ppid(pid: number): number | undefined;
  cmdline(pid: number): string[] | undefined;
  exe(pid: number): string | undefined;
  /** Parent and start time (clock ticks since boot) from /proc/PID/stat, uncached. */
  stat(pid: number): { ppid: number; startTicks: number } | undefined;
  /** Local port of a listening TCP socket held as fd in pid, or undefined. */
  listenPortOfFd(pid: number, fd: number): { family: 'ipv4' | 'ipv6'; port: number } | undefined;
  /** Remember a comm learnt from an exec event, for when /proc is already gone. */
  setComm(pid: number, comm: string): void;
  forget(pid: number): void;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const MAX_CACHED = 16384;

export function createProcInfo(procRoot = '/proc'): ProcInfo {
  const status = new Map<number, { uid?: number; ppid?: number; name?: string }>();
  const comms = new Map<number, string>();

  function statusOf(pid: number): { uid?: number; ppid?: number; name?: string } {
    let s = status.get(pid);
    if (s) return s;
    const text = readText(path.join(procRoot, String(pid), 'status'));
    s = {};
    if (text !== undefined) {
      const uid = /^Uid:\s+(\d+)/m.exec(text);
      const ppid = /^PPid:\s+(\d+)/m.exec(text);
      if (uid) s.uid = Number(uid[1]);
      if (ppid) s.ppid = Number(ppid[1]);
      setBounded(status, pid, s, MAX_CACHED);
    }
    return s;
  }

  return {
    comm(pid) {
      const c = comms.get(pid);
      if (c !== undefined) return c;
      const text = readText(path.join(procRoot, String(pid), 'comm'));
      if (text === undefined) return undefined;
      const name = text.replace(/\n$/, '');
      setBounded(comms, pid, name, MAX_CACHED);
      return name;
    },
    uid: (pid) => statusOf(pid).uid,
    ppid: (pid) => statusOf(pid).ppid,
    cmdline(pid) {
      const text = readText(path.join(procRoot, String(pid), 'cmdline'));
      if (text === undefined || text.length === 0) return undefined;
      const parts = text.split('\0');
      if (parts[parts.length - 1] === '') parts.pop();
      return parts;
    },
    exe(pid) {
      try {
        return fs.readlinkSync(path.join(procRoot, String(pid), 'exe'));
      } catch {
        return undefined;
      }
    },
    stat: (pid) => parseStat(readText(path.join(procRoot, String(pid), 'stat'))),
    listenPortOfFd(pid, fd) {
      let link: string;
      try {
        link = fs.readlinkSync(path.join(procRoot, String(pid), 'fd', String(fd)));
      } catch {
        return undefined;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (!m) return undefined;
      for (const [file, family] of [['tcp', 'ipv4'], ['tcp6', 'ipv6']] as const) {
        const port = listenPortByInode(readText(path.join(procRoot, String(pid), 'net', file)), m[1]!);
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

/** ppid (field 4) and starttime (field 22) of /proc/PID/stat text; the comm (field 2) may hold anything but ')' ends it last. */
export function parseStat(text: string | undefined): { ppid: number; startTicks: number } | undefined {
  if (!text) return undefined;
  const rest = text.slice(text.lastIndexOf(')') + 1).trim().split(' ');
  // rest[0] is field 3 (state): field n is rest[n - 3].
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (rest.length < 20 || !Number.isInteger(ppid) || !Number.isInteger(startTicks)) return undefined;
  return { ppid, startTicks };
}

/** Finds the local port of a LISTEN (0A) row with this inode in /proc/net/tcp{,6} text. */
export function listenPortByInode(table: string | undefined, inode: string): number | undefined {
  if (!table) return undefined;
  for (const line of table.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
    if (cols.length < 10 || cols[3] !== '0A' || cols[9] !== inode) continue;
    const port = parseInt(cols[1]!.split(':')[1] ?? '', 16);
    return Number.isFinite(port) ? port : undefined;
  }
  return undefined;
}

/** The comm the kernel gives a process that exec'd this path (basename, 15 bytes). */
export function commFromExecFilename(filename: string): string {
  const base = filename.slice(filename.lastIndexOf('/') + 1);
  // The kernel keeps TASK_COMM_LEN-1 = 15 bytes.
  return Buffer.from(base, 'utf8').subarray(0, 15).toString('utf8');
}
