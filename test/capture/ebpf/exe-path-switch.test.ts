// The load-time switch bench:capture measures the path walk with: off, the exec record holds
// the filename exec was called with, as typed; on (the default), the resolved path.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { createEbpfSource } from '../../../src/capture/ebpf';
import { silentLogger } from '../../../src/core/context';
import type { ProcessEvent } from '../../../src/core/stages';
import { CollectingOutput } from '../../helpers/collecting-output';
import { waitForValue } from '../../helpers/wait';
import { ensureBpfObject, kernelSkipReason, killChildren, startChild } from './helpers';

const skip = kernelSkipReason();
const PROBE = 'pt-walk-probe';

type ExecEvent = Extract<ProcessEvent, { type: 'exec' }>;

describe('ebpf walkExePath switch', { skip }, () => {
  // realpath: os.tmpdir() may itself lie behind a symlink.
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pt-walk-switch-')));
  const exe = path.join(tmp, PROBE);
  fs.copyFileSync('/usr/bin/sleep', exe);
  fs.chmodSync(exe, 0o755);

  afterEach(() => killChildren());
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const walkExePath of [false, true]) {
    it(`walkExePath ${walkExePath}: a relative exec is recorded ${walkExePath ? 'resolved' : 'as typed'}`, async () => {
      const output = new CollectingOutput();
      const source = createEbpfSource({ logger: silentLogger, bpfObjectPath: ensureBpfObject(), ignorePid: process.pid, walkExePath });
      await source.start(output);
      try {
        const run = startChild(`./${PROBE}`, ['30'], tmp);
        const ev = await waitForValue(`exec record of ${run.pid}`, () =>
          output.procs.find((p): p is ExecEvent => p.type === 'exec' && p.pid === run.pid && path.basename(p.executable) === PROBE),
        );
        assert.equal(ev.executable, walkExePath ? exe : `./${PROBE}`);
        assert.equal(ev.executableDeleted, false);
        assert.equal(ev.executableTruncated, false);
      } finally {
        await source.close();
      }
    });
  }
});
