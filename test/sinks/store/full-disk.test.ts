// A full disk: the store's commits fail on a 2 MiB tmpfs; the failures are counted, write()
// never throws, and a second sink on another disk keeps receiving every record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/context';
import { createFileSink } from '../../../src/sinks/file/jsonl-file-sink';
import { createStoreSink } from '../../../src/sinks/store';
import { curlEvent, formatEcs } from '../../helpers/events';

const root = process.getuid?.() === 0;

test('a full disk is counted as store errors and drops while another sink goes on', { skip: root ? false : 'mounting a tmpfs needs root' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pt-store-full-'));
  const mnt = join(dir, 'small');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
  try {
    const store = createStoreSink({ path: join(mnt, 'pt.db'), retention: { maxAgeMs: 0, maxBytes: 0 }, logger: silentLogger, batchSize: 2000 });
    const file = createFileSink({ path: join(dir, 'out.jsonl'), format: formatEcs, logger: silentLogger });
    const total = 60_000;
    for (let i = 0; i < total; i++) {
      // Distinct processes and command lines: the store grows fast.
      const ev = curlEvent(i, { entityId: `ent-${i}`, commandLine: `curl ${'x'.repeat(200)} ${i}` });
      assert.doesNotThrow(() => {
        store.write(ev);
        file.write(ev);
      });
      if (i % 2000 === 1999) {
        await store.flush();
        await file.flush();
      }
    }
    await store.flush();
    await file.flush();
    const st = store.stats();
    assert.ok(st.errors > 0, `commits failed: ${JSON.stringify(st)}`);
    assert.ok(st.dropped > 0, 'the failed batches are counted as dropped');
    assert.equal(st.written + st.dropped, total, 'every record is either written or counted as dropped');
    await store.close();
    await file.close();
    const lines = readFileSync(join(dir, 'out.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    assert.equal(lines, total, 'the file sink received every record');
  } finally {
    execFileSync('umount', [mnt]);
    rmSync(dir, { recursive: true, force: true });
  }
});
