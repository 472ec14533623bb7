// Reads the BPF ring buffer in place, the way libbpf's ring_buffer__consume does, but from
// JavaScript: the map is mmap'ed (the consumer page read-write, the producer page and the
// data, mapped twice in a row so no record wraps, read-only) and records are handed out as
// offsets into that memory. No copy, no worker thread and no native callback per record: a
// timer on the event loop drains what the kernel wrote since the last tick.
import koffi from 'koffi';
import { loadLibc, type Libc, type Ptr } from '../native/libc';

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
// Record header: u32 length with these flags, u32 page offset (kernel use), then the sample.
const BUSY_BIT = 0x80000000;
const DISCARD_BIT = 0x40000000;
const HEADER_BYTES = 8;
/** Consumer position is published at least this often within one drain, freeing ring space. */
const PUBLISH_EVERY_BYTES = 1 << 18;

/** Handles one sample: `len` bytes at `at` in `bytes`/`view`. Valid only during the call. */
export type SampleHandler = (bytes: Uint8Array, view: DataView, at: number, len: number) => void;

export class RingReader {
  private readonly libc: Libc;
  private consumerPtr: Ptr | null;
  private producerPtr: Ptr | null;
  private readonly producerLen: number;
  private readonly mask: number;
  /** consumer_pos (u64), the one word we write. */
  private readonly consumerPos: BigUint64Array;
  /** producer_pos (u64). */
  private readonly producerPos: BigUint64Array;
  /** The data, twice: indices are byte offsets from the data start. */
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** The same data as u32 words, for the acquire-load of each record header. */
  private readonly words: Uint32Array;
  private closed = false;

  /** `size` is the map's max_entries (a power of two, a multiple of the page size). */
  constructor(fd: number, size: number) {
    this.libc = loadLibc();
    const page = this.libc.pageSize;
    this.mask = size - 1;
    this.consumerPtr = this.libc.mmap(page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (!this.consumerPtr) throw new Error(`mmap of the ring's consumer page failed: errno ${this.libc.errno()}`);
    this.producerLen = page + 2 * size;
    this.producerPtr = this.libc.mmap(this.producerLen, PROT_READ, MAP_SHARED, fd, page);
    if (!this.producerPtr) {
      const errno = this.libc.errno();
      this.libc.munmap(this.consumerPtr, page);
      throw new Error(`mmap of the ring's data failed: errno ${errno}`);
    }
    this.consumerPos = new BigUint64Array(koffi.view(this.consumerPtr, 8) as ArrayBuffer);
    this.producerPos = new BigUint64Array(koffi.view(this.producerPtr, 8) as ArrayBuffer);
    const data = koffi.view(this.producerPtr + BigInt(page), 2 * size) as ArrayBuffer;
    this.bytes = new Uint8Array(data);
    this.view = new DataView(data);
    this.words = new Uint32Array(data);
  }

  /** Where the kernel will write next: a drain given it as `upTo` reads nothing written after this call. */
  producerPosition(): number {
    return this.closed ? 0 : Number(Atomics.load(this.producerPos, 0));
  }

  /**
   * Hands out the records the kernel has committed, at most `maxRecords`, oldest first, and
   * none past `upTo` (a producerPosition()). Returns how many samples it handed out, how many
   * ring bytes it consumed, and whether it stopped at maxRecords with more waiting.
   */
  drain(onSample: SampleHandler, maxRecords: number, upTo = Number.POSITIVE_INFINITY): { count: number; bytes: number; more: boolean } {
    if (this.closed) return { count: 0, bytes: 0, more: false };
    // Atomics on these (non-shared) views are the acquire/release of libbpf's reader: the
    // engine may not move the data reads before the header read that says they are ready.
    let cons = Number(Atomics.load(this.consumerPos, 0));
    const start = cons;
    const prod = Math.min(upTo, Number(Atomics.load(this.producerPos, 0)));
    let published = cons;
    let count = 0;
    while (cons < prod && count < maxRecords) {
      const at = cons & this.mask;
      const header = Atomics.load(this.words, at >>> 2);
      if (header & BUSY_BIT) break; // reserved but not yet submitted: next drain
      const len = header & ~(BUSY_BIT | DISCARD_BIT);
      if (!(header & DISCARD_BIT)) {
        onSample(this.bytes, this.view, at + HEADER_BYTES, len);
        count++;
      }
      cons += (len + HEADER_BYTES + 7) & ~7;
      if (cons - published >= PUBLISH_EVERY_BYTES) {
        Atomics.store(this.consumerPos, 0, BigInt(cons));
        published = cons;
      }
    }
    if (cons !== published) Atomics.store(this.consumerPos, 0, BigInt(cons));
    // A record still being written ends the drain too, but only a full one asks for more now.
    return { count, bytes: cons - start, more: count >= maxRecords && cons < prod };
  }

  /** Unmaps the ring; drain() does nothing afterwards. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.producerPtr) this.libc.munmap(this.producerPtr, this.producerLen);
    if (this.consumerPtr) this.libc.munmap(this.consumerPtr, this.libc.pageSize);
    this.producerPtr = null;
    this.consumerPtr = null;
  }
}
