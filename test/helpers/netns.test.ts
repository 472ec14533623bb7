// The remote-host helper: a connection from this host reaches the server in the namespace
// through the veth, and close() leaves neither the namespace nor the veth behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createRemoteHost, netnsUnavailable, remoteHostLeftovers } from './netns';

const skip = netnsUnavailable() ?? false;

function connectFrom(ip: string, port: number): Promise<{ localAddress: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: ip, port, timeout: 3000 });
    let localAddress = '';
    s.once('connect', () => (localAddress = s.localAddress ?? ''));
    s.once('timeout', () => s.destroy(new Error(`connect to ${ip}:${port} timed out`)));
    s.once('error', reject);
    s.once('close', () => resolve({ localAddress, closedByServer: localAddress !== '' }));
    s.resume();
  });
}

test('a connection from the host reaches the server in the namespace; close() removes both ends', { skip }, async () => {
  const host = await createRemoteHost({ port: 8443, holdMs: 200 });
  try {
    assert.match(host.ip, /^10\.213\.\d+\.2$/);
    assert.equal(host.localIp, host.ip.replace(/\.2$/, '.1'));
    assert.deepEqual(remoteHostLeftovers(host), [`namespace ${host.namespace}`, `link ${host.hostVeth}`]);
    const t0 = Date.now();
    const r = await connectFrom(host.ip, host.port);
    assert.equal(r.localAddress, host.localIp, 'the connection leaves through the veth');
    assert.ok(r.closedByServer, 'the server accepted, held and closed the connection');
    assert.ok(Date.now() - t0 >= 150, 'the server holds a connection before closing it');
  } finally {
    await host.close();
  }
  assert.deepEqual(remoteHostLeftovers(host), []);
  await assert.rejects(connectFrom(host.ip, host.port), 'nothing answers at the address after close()');
  await host.close(); // a second close is harmless
});

test('two remote hosts made at once get distinct subnets', { skip }, async () => {
  const hosts = await Promise.all([createRemoteHost(), createRemoteHost(), createRemoteHost()]);
  try {
    assert.equal(new Set(hosts.map((h) => h.ip)).size, 3);
    for (const h of hosts) assert.equal((await connectFrom(h.ip, h.port)).localAddress, h.localIp);
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
  }
  for (const h of hosts) assert.deepEqual(remoteHostLeftovers(h), []);
});
