// Writing many records into a spooled sink whose receiver is away, yielding to the event loop
// now and then so the sink can spool, and noting the most records it ever held in memory:
// the bound a spooled sink promises.

/** Calls write(0..count-1), yielding every `every` writes; returns the largest inMemory seen. */
export async function fillWhileAway(sink: { spoolStats(): { inMemory: number } }, count: number, every: number, write: (i: number) => void): Promise<number> {
  let maxInMemory = 0;
  for (let i = 0; i < count; i++) {
    write(i);
    if (i % every === 0) {
      maxInMemory = Math.max(maxInMemory, sink.spoolStats().inMemory);
      await new Promise((r) => setImmediate(r));
    }
  }
  return maxInMemory;
}
