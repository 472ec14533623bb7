// The libc calls the capture tiers make through koffi: socket/send/recv/close for the netlink
// socket table, mmap/munmap for the eBPF ring buffer. One binding for both.
import koffi from 'koffi';

/** A native pointer: koffi 3 hands pointers to JavaScript as BigInt. */
export type Ptr = bigint;

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  close(fd: number): number;
  /** mmap(NULL, len, prot, flags, fd, offset); null on MAP_FAILED. */
  mmap(len: number, prot: number, flags: number, fd: number, offset: number): Ptr | null;
  munmap(ptr: Ptr, len: number): number;
  readonly pageSize: number;
  /** errno of the last call made through koffi on this thread. */
  errno(): number;
}

/** A pointer koffi returned, or null for NULL and for (void *)-1 (MAP_FAILED). */
function pointerOrNull(p: unknown): Ptr | null {
  const n = typeof p === 'bigint' ? p : typeof p === 'number' ? BigInt(p) : 0n;
  return n === 0n || n === -1n || n === 0xffffffffffffffffn ? null : n;
}

function bindLibc(): Libc {
  const lib = koffi.load('libc.so.6');
  const socket = lib.func('int socket(int, int, int)');
  const send = lib.func('long send(int, void *, size_t, int)');
  const recv = lib.func('long recv(int, void *, size_t, int)');
  const close = lib.func('int close(int)');
  const mmap = lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, intptr_t offset)');
  const munmap = lib.func('int munmap(void *addr, size_t length)');
  const getpagesize = lib.func('int getpagesize(void)');
  return {
    socket: (domain, type, protocol) => socket(domain, type, protocol) as number,
    send: (fd, buf, len, flags) => send(fd, buf, len, flags) as number,
    recv: (fd, buf, len, flags) => recv(fd, buf, len, flags) as number,
    close: (fd) => close(fd) as number,
    mmap: (len, prot, flags, fd, offset) => pointerOrNull(mmap(null, len, prot, flags, fd, offset)),
    munmap: (ptr, len) => munmap(ptr, len) as number,
    pageSize: getpagesize() as number,
    errno: () => koffi.errno(),
  };
}

// The one module-level value in capture/: the library is loaded and its functions declared
// once per process. dlopen hands every caller the same library anyway, and each koffi
// declaration builds a new native trampoline, so binding per user would only add copies.
// It never changes once set; a failure is kept too, so a host without libc.so.6 (musl) is
// asked once, not on every poll.
let bound: Libc | Error | undefined;

/** libc through koffi; throws when it cannot be loaded. */
export function loadLibc(): Libc {
  if (bound === undefined) {
    try {
      bound = bindLibc();
    } catch (err) {
      bound = err instanceof Error ? err : new Error(String(err));
    }
  }
  if (bound instanceof Error) throw bound;
  return bound;
}
