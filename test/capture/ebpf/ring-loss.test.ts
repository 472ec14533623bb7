// Ring-buffer losses are counted in the kernel: with a one-page ring that nobody reads,
// the second exec record no longer fits, and every later record is counted as lost.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { BpfObject } from '../../../src/capture/ebpf/bpf-object';
import { loadLibbpf } from '../../../src/capture/ebpf/libbpf';
import { bpfHeldByUs, ensureBpfObject, kernelSkipReason } from './helpers';

const skip = kernelSkipReason();

describe('ring-buffer loss counting (real kernel)', { skip }, () => {
  let obj: BpfObject | undefined;
  after(() => obj?.close());

  it('counts records that did not fit', () => {
    const lib = loadLibbpf();
    obj = BpfObject.load(lib, { objectPath: ensureBpfObject(), ringBufferBytes: 4096, ignorePid: process.pid });
    const report = obj.attachAll();
    assert.ok(report.attached.includes('pt_sched_process_exec'));
    assert.equal(obj.lostTotal(), 0);
    // Each /bin/true with a 1,500-byte argument makes an exec record of about 1,900 bytes (our
    // own fork is not reported): the page holds two at most, and nobody reads it.
    const arg = 'x'.repeat(1500);
    for (let i = 0; i < 6; i++) assert.equal(spawnSync('/bin/true', [arg]).status, 0);
    assert.ok(obj.lostTotal() >= 4, `lost ${obj.lostTotal()}`);
    obj.close();
    obj = undefined;
    assert.equal(bpfHeldByUs().linkIds.size, 0);
  });
});
