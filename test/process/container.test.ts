import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerIdFromCgroup } from '../../src/process/container';

const ID = 'f3a1c2e4b5d6978812345678901234567890abcdef1234567890abcdef123456';
const ID2 = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

test('docker cgroup v1 paths', () => {
  const text = `12:pids:/docker/${ID}\n11:memory:/docker/${ID}\n0::/\n`;
  assert.equal(containerIdFromCgroup(text), ID);
});

test('docker under systemd (cgroup v2)', () => {
  assert.equal(containerIdFromCgroup(`0::/system.slice/docker-${ID}.scope\n`), ID);
});

test('containerd / CRI under kubepods (systemd driver)', () => {
  const line = `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/cri-containerd-${ID}.scope`;
  assert.equal(containerIdFromCgroup(line), ID);
});

test('kubepods with the cgroupfs driver (bare id under the pod)', () => {
  const line = `11:cpu,cpuacct:/kubepods/burstable/pod1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901/${ID}`;
  assert.equal(containerIdFromCgroup(line), ID);
});

test('CRI-O and podman', () => {
  assert.equal(containerIdFromCgroup(`0::/machine.slice/crio-${ID}.scope`), ID);
  assert.equal(containerIdFromCgroup(`0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container`), ID);
  assert.equal(containerIdFromCgroup(`1:name=systemd:/libpod_parent/libpod-${ID}`), ID);
});

test('nested containers: the innermost id wins', () => {
  assert.equal(containerIdFromCgroup(`0::/docker/${ID}/docker/${ID2}`), ID2);
});

test('hosts and look-alikes give no id', () => {
  assert.equal(containerIdFromCgroup('0::/user.slice/user-0.slice/session-3.scope\n'), undefined);
  assert.equal(containerIdFromCgroup('0::/init.scope'), undefined);
  assert.equal(containerIdFromCgroup(''), undefined);
  // 63 and 65 hex characters are not container ids.
  assert.equal(containerIdFromCgroup(`0::/docker/${ID.slice(1)}`), undefined);
  assert.equal(containerIdFromCgroup(`0::/docker/${ID}a`), undefined);
  // Upper-case hex is not what runtimes write.
  assert.equal(containerIdFromCgroup(`0::/docker/${ID.toUpperCase()}`), undefined);
});

test('this test process: whatever its cgroup, the answer is an id or undefined', async () => {
  const fs = await import('node:fs');
  const id = containerIdFromCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  assert.ok(id === undefined || /^[0-9a-f]{64}$/.test(id));
});
