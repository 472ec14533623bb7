// The few libbpf 1.1 (libbpf.so.1, Debian's libbpf1) calls the ebpf tier needs, through koffi.
// Pointers are BigInt in koffi 3; libbpf 1.x returns NULL + errno or a negative errno.
import koffi from 'koffi';
import type { Ptr } from '../native/libc';

export type { Ptr } from '../native/libc';

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
  /** Replaces a global-data map's contents (rodata constants) before the object is loaded. */
  setInitialValue(map: Ptr, data: Buffer): number;
  maxEntries(map: Ptr): number;
  mapLookup(map: Ptr, key: Buffer, value: Buffer): number;
  mapUpdate(map: Ptr, key: Buffer, value: Buffer): number;
  /** Silences (or restores) libbpf's own stderr messages; returns the previous printer. */
  setPrint(fn: Ptr | null): Ptr | null;
  errno(): number;
}

// Loaded and declared once per process, like libc (see native/libc.ts): each koffi
// declaration builds a native trampoline, and the library is the same for every caller.
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
    setInitialValue: lib.func('int bpf_map__set_initial_value(void *map, const void *data, size_t size)'),
    maxEntries: lib.func('uint32_t bpf_map__max_entries(void *map)'),
    mapLookup: lib.func('int bpf_map__lookup_elem(void *map, const void *key, size_t key_sz, _Out_ void *value, size_t value_sz, uint64_t flags)'),
    mapUpdate: lib.func('int bpf_map__update_elem(void *map, const void *key, size_t key_sz, const void *value, size_t value_sz, uint64_t flags)'),
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
    setInitialValue: (map, data) => f.setInitialValue(map, data, data.length) as number,
    maxEntries: (map) => f.maxEntries(map) as number,
    mapLookup: (map, key, value) => f.mapLookup(map, key, key.length, value, value.length, 0) as number,
    mapUpdate: (map, key, value) => f.mapUpdate(map, key, key.length, value, value.length, 0) as number,
    setPrint: (fn) => nonNull(f.setPrint(fn)),
    errno: () => koffi.errno(),
  };
  return cached;
}
