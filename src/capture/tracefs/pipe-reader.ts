// Reads a trace_pipe opened O_NONBLOCK. A blocking read (fs.createReadStream) would park one of
// libuv's 4 threadpool threads for as long as the pipe is idle and could not be cancelled at
// close; a non-blocking read returns EAGAIN at once, so we drain until EAGAIN and then wait a
// short interval. No thread is ever held.
import fs from 'node:fs';

export interface PipeReader {
  /** Read everything available now; resolves with complete lines (the remainder is kept). */
  drain(): Promise<string[]>;
  close(): Promise<void>;
}

const CHUNK = 256 * 1024;
/** Stop one drain after this much so a flood cannot starve the rest of the event loop. */
const MAX_PER_DRAIN = 4 * 1024 * 1024;

export function openPipeReader(pipePath: string): PipeReader {
  const fd = fs.openSync(pipePath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const buf = Buffer.allocUnsafe(CHUNK);
  let rest = '';
  let closed = false;
  let busy: Promise<string[]> | undefined;

  function readOnce(): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.read(fd, buf, 0, CHUNK, null, (err, n) => {
        if (err) {
          if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK') resolve(0);
          else reject(err);
        } else resolve(n);
      });
    });
  }

  async function drainNow(): Promise<string[]> {
    const lines: string[] = [];
    let total = 0;
    while (!closed && total < MAX_PER_DRAIN) {
      const n = await readOnce();
      if (n === 0) break;
      total += n;
      const text = rest + buf.toString('utf8', 0, n);
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.length > 0) lines.push(p);
    }
    return lines;
  }

  return {
    drain() {
      // One drain at a time: reads must not interleave or lines would split out of order.
      if (closed) return Promise.resolve([]);
      busy = (busy ?? Promise.resolve([])).then(drainNow, drainNow);
      return busy;
    },
    async close() {
      if (closed) return;
      closed = true;
      await busy?.catch(() => []);
      fs.closeSync(fd);
    },
  };
}
