import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeEbpf } from '../../../src/capture/ebpf';
import { effectiveCaps } from '../../../src/capture/ebpf/probe';
import { bpfHeldByUs, ensureBpfObject, kernelSkipReason } from './helpers';

describe('probeEbpf', () => {
  it('parses CapEff from /proc/PID/status', () => {
    assert.equal(effectiveCaps('Name:\tx\nCapEff:\t000001ffffffffff\n'), 0x1ffffffffffn);
    assert.equal(effectiveCaps('Name:\tx\n'), undefined);
  });

  it('names the missing object and how to build it', { skip: kernelSkipReason() }, () => {
    const r = probeEbpf({ bpfObjectPath: '/nonexistent/packettrail.bpf.o' });
    assert.equal(r.works, false);
    assert.match(r.reason, /\/nonexistent\/packettrail\.bpf\.o.*build-bpf\.sh/);
  });

  it('works here after a real load, and leaves nothing loaded', { skip: kernelSkipReason() }, () => {
    const r = probeEbpf({ bpfObjectPath: ensureBpfObject() });
    assert.equal(r.works, true, r.reason);
    const held = bpfHeldByUs();
    assert.equal(held.progIds.size + held.linkIds.size, 0);
  });
});
