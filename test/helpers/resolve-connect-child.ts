// A program that looks names up and connects to the answers, as a real client does:
//   node resolve-connect-child.js DNS_PORT CONNECT_PORT resolve NAME...   (ask 127.0.0.1:DNS_PORT, connect to the first address)
//   node resolve-connect-child.js DNS_PORT CONNECT_PORT direct IP...      (connect without asking)
// Prints "ITEM IP LOCAL_PORT" per connection made.
import { Resolver } from 'node:dns/promises';
import net from 'node:net';

function connect(ip: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, ip, () => {
      const local = s.localPort ?? 0;
      s.destroy();
      resolve(local);
    });
    s.once('error', reject);
  });
}

async function main(): Promise<void> {
  const [dnsPort, connectPort, mode, ...items] = process.argv.slice(2);
  const resolver = new Resolver();
  resolver.setServers([`127.0.0.1:${dnsPort}`]);
  for (const item of items) {
    const ip = mode === 'resolve' ? (await resolver.resolve4(item))[0]! : item;
    const localPort = await connect(ip, Number(connectPort));
    process.stdout.write(`${item} ${ip} ${localPort}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
