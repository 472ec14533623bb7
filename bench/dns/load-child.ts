// The load of the DNS tap benchmark, run as its own process so its CPU is its own:
//   node load-child.js dns DNS_PORT COUNT NAMES   (COUNT lookups, NAMES distinct names, 16 in flight)
//   node load-child.js bulk MIB                   (MIB mebibytes through a loopback TCP connection)
// Prints one JSON line: what it did, its wall time and its own CPU time (µs).
import { Resolver } from 'node:dns/promises';
import net from 'node:net';

async function dnsLoad(port: number, count: number, names: number): Promise<void> {
  const r = new Resolver({ timeout: 2000, tries: 2 });
  r.setServers([`127.0.0.1:${port}`]);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await r.resolve4(`n${i % names}.bench.test`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function bulkLoad(mib: number): Promise<void> {
  const chunk = Buffer.alloc(1 << 16, 7);
  await new Promise<void>((resolve, reject) => {
    let received = 0;
    const total = mib << 20;
    const server = net.createServer((sock) => {
      sock.on('data', (d: Buffer) => {
        received += d.length;
        if (received >= total) {
          sock.destroy();
          server.close(() => resolve());
        }
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const c = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1', () => {
        let sent = 0;
        const pump = (): void => {
          while (sent < total) {
            sent += chunk.length;
            if (!c.write(chunk)) return void c.once('drain', pump);
          }
          c.end();
        };
        pump();
      });
      c.on('error', () => undefined);
    });
    server.on('error', reject);
  });
}

async function main(): Promise<void> {
  const [kind, ...args] = process.argv.slice(2);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (kind === 'dns') await dnsLoad(Number(args[0]), Number(args[1]), Number(args[2]));
  else await bulkLoad(Number(args[0]));
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ kind, wallMs: performance.now() - t0, cpuUs: cpu.user + cpu.system })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
