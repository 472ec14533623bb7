// Receivers for the sinks benchmark, run in their own process so the sender keeps its core:
//   bulk [PORT]   the local `_bulk` server (no Elasticsearch can be installed here)
//   tls CERTDIR   RFC 5425 octet-counted syslog over TLS, counting frames
//   tcp           RFC 6587 octet-counted syslog over plain TCP, counting frames
//   udp           syslog over UDP, counting datagrams
// Prints {"port":N} once listening; answers each "count" line on stdin with {"count":N}.
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import tls from 'node:tls';
import { startBulkServer } from '../../test/helpers/bulk-server';

async function main(): Promise<void> {
  const [kind, certDir] = process.argv.slice(2);
  let count = () => 0;
  let port: number;
  if (kind === 'bulk') {
    const server = await startBulkServer(certDir ? { port: Number(certDir) } : {});
    port = server.port;
    count = () => server.docs.size;
  } else if (kind === 'tls' || kind === 'tcp') {
    let frames = 0;
    const onSocket = (sock: net.Socket) => {
      let buf: Buffer = Buffer.alloc(0);
      sock.on('data', (chunk: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        let pos = 0;
        for (;;) {
          const sp = buf.indexOf(0x20, pos);
          if (sp < 0 || sp - pos > 10) break;
          const len = Number(buf.toString('latin1', pos, sp));
          if (sp + 1 + len > buf.length) break;
          pos = sp + 1 + len;
          frames++;
        }
        buf = buf.subarray(pos);
      });
      sock.on('error', () => {});
    };
    const srv =
      kind === 'tls'
        ? tls.createServer({ key: fs.readFileSync(path.join(certDir!, 'server.key')), cert: fs.readFileSync(path.join(certDir!, 'server.pem')) }, onSocket)
        : net.createServer(onSocket);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    port = (srv.address() as { port: number }).port;
    count = () => frames;
  } else if (kind === 'udp') {
    let datagrams = 0;
    const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
    sock.on('message', () => datagrams++);
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    port = sock.address().port;
    count = () => datagrams;
  } else {
    throw new Error(`unknown receiver ${kind}`);
  }
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', () => process.stdout.write(`${JSON.stringify({ count: count() })}\n`));
  rl.on('close', () => process.exit(0));
}

void main();
