// Byte layout of the ring-buffer records in bpf/packettrail.h (x86-64/arm64, little endian).
// test/capture/ebpf/record-layout.test.ts compiles the header with gcc and checks every
// offset and size below, so the two cannot drift apart silently.

/** Indexes of the kernel's `lost` counters. */
export const LOST = { ring: 0, closeStart: 1 } as const;

export const COMM_LEN = 16;
export const PATH_LEN = 256;
export const ARGS_LEN = 2048;

/** EXEC.pathFlags bits. */
export const PATH_FLAG = { deleted: 1, truncated: 2 } as const;

export const KIND = { conn: 1, exec: 2, exit: 3, rename: 4, fork: 5, close: 6 } as const;
export const ACTION = { connect: 1, accept: 2, listen: 3, udpSend: 4, udpRecv: 5 } as const;

export const HEADER = {
  kind: 0,
  pid: 4,
  tid: 8,
  uid: 12,
  tsNs: 16,
  comm: 24,
  size: 40,
} as const;

export const CONN = {
  action: 40,
  family: 41,
  protocol: 42,
  ok: 43,
  err: 44,
  lport: 48,
  rport: 50,
  laddr: 52,
  raddr: 68,
  tcomm: 84,
  size: 104,
} as const;

/** A CONN record (the start's action and owner, the close's time and tuple) and the socket's counters. */
export const CLOSE = {
  startNs: 104,
  bytesOut: 112,
  bytesIn: 120,
  segsOut: 128,
  segsIn: 132,
  size: 136,
} as const;

export const EXEC = {
  startTicks: 40,
  cgroupId: 48,
  ppid: 56,
  pathLen: 60,
  argsLen: 64,
  argsTruncated: 68,
  pathFlags: 72,
  path: 80,
  args: 336,
  size: 2384,
} as const;

export const FORK = {
  startTicks: 40,
  childPid: 48,
  ppid: 52,
  size: 56,
} as const;

export const RENAME = {
  newComm: 40,
  size: 56,
} as const;

export const CONFIG = {
  ignorePid: 0,
  udpReemitSecs: 4,
  closes: 8,
  size: 16,
} as const;
