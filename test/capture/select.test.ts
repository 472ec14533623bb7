// Tier selection with the real tiers of this machine (root CI: ebpf and tracefs can work).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectSource, type SelectDeps, type TierFactory } from '../../src/capture/select';
import { createPollSource } from '../../src/capture/poll/poll-source';
import { probeEbpf, createEbpfSource } from '../../src/capture/ebpf';
import { probeTracefs } from '../../src/capture/tracefs';
import { UserNames } from '../../src/process/users';
import { PtError } from '../../src/core/errors';
import { silentLogger, systemClock } from '../../src/core/context';

function deps(extra: Partial<SelectDeps> = {}): SelectDeps {
  return {
    logger: silentLogger,
    ignorePid: process.pid,
    createPoll: () => createPollSource({ intervalMs: 1000, env: { hostId: 'test', bootTimeMs: 0, users: new UserNames() }, logger: silentLogger, clock: systemClock }),
    ...extra,
  };
}

/** The real ebpf tier pointed at an object file that does not exist. */
const unbuiltEbpf: TierFactory = {
  probe: () => probeEbpf({ bpfObjectPath: '/nonexistent/packettrail.bpf.o' }),
  create: () => createEbpfSource({ logger: silentLogger, bpfObjectPath: '/nonexistent/packettrail.bpf.o' }),
};

test('auto picks a tier that works here and says why', async () => {
  const { source, tier, why } = await selectSource('auto', deps());
  assert.ok(['ebpf', 'tracefs', 'poll'].includes(tier));
  assert.equal(source.tier, tier);
  assert.match(why, /^ebpf: /);
  assert.ok(why.includes(`${tier}: `));
  await source.start({ connection() {}, process() {}, lost() {} });
  await source.close();
});

test('auto falls through an unbuilt eBPF object to tracefs, naming both reasons', { skip: probeTracefs().works ? false : 'tracefs does not work here' }, async () => {
  const { source, tier, why } = await selectSource('auto', deps({ ebpf: unbuiltEbpf }));
  assert.equal(tier, 'tracefs');
  assert.equal(source.tier, 'tracefs');
  assert.match(why, /^ebpf: .*not built.*; tracefs: works/);
});

test('a requested tier that cannot work is an E_CAPTURE error with the reason', async () => {
  await assert.rejects(selectSource('ebpf', deps({ ebpf: unbuiltEbpf })), (err: unknown) => {
    assert.ok(err instanceof PtError);
    assert.equal(err.code, 'E_CAPTURE');
    assert.match(err.message, /ebpf cannot run here: .*not built/);
    return true;
  });
});

test('a requested tier that works is returned as requested', async () => {
  const { source, tier, why } = await selectSource('poll', deps());
  assert.equal(tier, 'poll');
  assert.equal(source.tier, 'poll');
  assert.match(why, /^poll: works.*\(requested\)$/);
});
