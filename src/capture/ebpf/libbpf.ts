// The few libbpf 1.1 (libbpf.so.1, Debian's libbpf1) calls the ebpf tier needs, through koffi.
// Pointers are BigInt in koffi 3; libbpf 1.x returns NULL + errno or a negative errno.
import koffi from 'koffi';

export type Ptr = bigint;

export interface Libbpf {
  openFile(path: string): Ptr | null;
  load(obj: Ptr): number;
  close(obj: Ptr): void;
  nextProgram(obj: Ptr, prev: Ptr | null): Ptr | null;
  programName(prog: Ptr): string;
  sectionName(prog: Ptr): string;
  setAutoload(prog: Ptr, autoload: boolean): number;
  attach(prog: Ptr): Ptr | null;
  attachCgroup(prog: Ptr, cgroupFd: number): Ptr | null;
  linkDestroy(link: Ptr): number;
  findMap(obj: Ptr, name: string): Ptr | null;
  mapFd(map: Ptr): number;
  setMaxEntries(map: Ptr, n: number): number;
  mapLookup(map: Ptr, key: Buffer, value: Buffer): number;
  mapUpdate(map: Ptr, key: Buffer, value: Buffer): number;
  /** Callback gets (data pointer, size); return 0 to continue. */
  ringBufferNew(mapFd: number, sample: (data: Ptr, size: number) => number): { rb: Ptr | null; release(): void };
  ringBufferPoll(rb: Ptr, timeoutMs: number): number;
  /** Drains what is in the ring now, without waiting; returns the record count or -errno. */
  ringBufferConsume(rb: Ptr): number;
  ringBufferFree(rb: Ptr): void;
  /** Silences (or restores) libbpf's own stderr messages; returns the previous printer. */
  setPrint(fn: Ptr | null): Ptr | null;
  errno(): number;
  /** A copy of `size` bytes at `ptr`. */
  copy(ptr: Ptr, size: number): ArrayBuffer;
  /** `size` bytes at `ptr` without a copy: valid only until the callback returns. */
  view(ptr: Ptr, size: number): ArrayBuffer;
}

let cached: Libbpf | undefined;

function nonNull(p: unknown): Ptr | null {
  if (p === null || p === undefined) return null;
  if (typeof p === 'bigint') return p === 0n ? null : p;
  if (typeof p === 'number') return p === 0 ? null : BigInt(p);
  return null;
}

/** Loads libbpf.so.1; throws when the library is missing. */
export function loadLibbpf(): Libbpf {
  if (cached) return cached;
  const lib = koffi.load('libbpf.so.1');
  const SampleFn = koffi.proto('int pt_ring_buffer_sample_fn(void *ctx, void *data, size_t size)');
  const f = {
    openFile: lib.func('void *bpf_object__open_file(const char *path, void *opts)'),
    load: lib.func('int bpf_object__load(void *obj)'),
    close: lib.func('void bpf_object__close(void *obj)'),
    nextProgram: lib.func('void *bpf_object__next_program(void *obj, void *prev)'),
    programName: lib.func('const char *bpf_program__name(void *prog)'),
    sectionName: lib.func('const char *bpf_program__section_name(void *prog)'),
    setAutoload: lib.func('int bpf_program__set_autoload(void *prog, bool autoload)'),
    attach: lib.func('void *bpf_program__attach(void *prog)'),
    attachCgroup: lib.func('void *bpf_program__attach_cgroup(void *prog, int cgroup_fd)'),
    linkDestroy: lib.func('int bpf_link__destroy(void *link)'),
    findMap: lib.func('void *bpf_object__find_map_by_name(void *obj, const char *name)'),
    mapFd: lib.func('int bpf_map__fd(void *map)'),
    setMaxEntries: lib.func('int bpf_map__set_max_entries(void *map, uint32_t max_entries)'),
    mapLookup: lib.func(
      'int bpf_map__lookup_elem(void *map, const void *key, size_t key_sz, _Out_ void *value, size_t value_sz, uint64_t flags)',
    ),
    mapUpdate: lib.func(
      'int bpf_map__update_elem(void *map, const void *key, size_t key_sz, const void *value, size_t value_sz, uint64_t flags)',
    ),
    ringBufferNew: lib.func('void *ring_buffer__new(int map_fd, pt_ring_buffer_sample_fn *cb, void *ctx, void *opts)'),
    ringBufferPoll: lib.func('int ring_buffer__poll(void *rb, int timeout_ms)'),
    ringBufferConsume: lib.func('int ring_buffer__consume(void *rb)'),
    ringBufferFree: lib.func('void ring_buffer__free(void *rb)'),
    setPrint: lib.func('void *libbpf_set_print(void *fn)'),
  };
  cached = {
    openFile: (path) => nonNull(f.openFile(path, null)),
    load: (obj) => f.load(obj) as number,
    close: (obj) => void f.close(obj),
    nextProgram: (obj, prev) => nonNull(f.nextProgram(obj, prev)),
    programName: (prog) => String(f.programName(prog) ?? ''),
    sectionName: (prog) => String(f.sectionName(prog) ?? ''),
    setAutoload: (prog, on) => f.setAutoload(prog, on) as number,
    attach: (prog) => nonNull(f.attach(prog)),
    attachCgroup: (prog, fd) => nonNull(f.attachCgroup(prog, fd)),
    linkDestroy: (link) => f.linkDestroy(link) as number,
    findMap: (obj, name) => nonNull(f.findMap(obj, name)),
    mapFd: (map) => f.mapFd(map) as number,
    setMaxEntries: (map, n) => f.setMaxEntries(map, n) as number,
    mapLookup: (map, key, value) => f.mapLookup(map, key, key.length, value, value.length, 0) as number,
    mapUpdate: (map, key, value) => f.mapUpdate(map, key, key.length, value, value.length, 0) as number,
    ringBufferNew(mapFd, sample) {
      const cb = koffi.register(
        (_ctx: unknown, data: unknown, size: unknown) => sample(nonNull(data) ?? 0n, Number(size)),
        koffi.pointer(SampleFn),
      );
      const rb = nonNull(f.ringBufferNew(mapFd, cb, null, null));
      return { rb, release: () => koffi.unregister(cb) };
    },
    ringBufferPoll: (rb, ms) => f.ringBufferPoll(rb, ms) as number,
    ringBufferConsume: (rb) => f.ringBufferConsume(rb) as number,
    ringBufferFree: (rb) => void f.ringBufferFree(rb),
    setPrint: (fn) => nonNull(f.setPrint(fn)),
    errno: () => koffi.errno(),
    copy: (ptr, size) => koffi.view(ptr, size).slice(0),
    view: (ptr, size) => koffi.view(ptr, size),
  };
  return cached;
}
