import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doctorReport, renderDoctor } from '../../src/capture/doctor';
import { probeEbpf } from '../../src/capture/ebpf';

test('doctor lists every tier with works and a reason', async () => {
  const rows = await doctorReport();
  assert.deepEqual(
    rows.map((r) => r.tier),
    ['ebpf', 'tracefs', 'poll', 'lsof', 'windows'],
  );
  for (const r of rows) assert.ok(r.reason.length > 0, `${r.tier} has a reason`);
  const byTier = new Map(rows.map((r) => [r.tier, r]));
  assert.equal(byTier.get('poll')!.works, true);
  assert.equal(byTier.get('lsof')!.works, false);
  assert.match(byTier.get('lsof')!.reason, /not implemented/);
  assert.match(byTier.get('windows')!.reason, /not this OS/);
  if (process.getuid!() === 0) assert.equal(byTier.get('tracefs')!.works, true, byTier.get('tracefs')!.reason);
  else assert.match(byTier.get('tracefs')!.reason, /not root/);

  const text = renderDoctor(rows);
  for (const r of rows) assert.match(text, new RegExp(`^${r.tier}\\s+${r.works ? 'yes' : 'no'}\\s+`, 'm'));
  assert.match(text, /--source auto would use: (ebpf|tracefs|poll)/);
});

test('doctor reports an unbuilt BPF object as the reason ebpf does not work', async () => {
  const rows = await doctorReport({ probeEbpf: () => probeEbpf({ bpfObjectPath: '/nonexistent/packettrail.bpf.o' }) });
  const ebpf = rows.find((r) => r.tier === 'ebpf')!;
  assert.equal(ebpf.works, false);
  assert.match(ebpf.reason, process.getuid!() === 0 ? /not built/ : /root/);
});
