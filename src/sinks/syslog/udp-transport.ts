// Syslog over UDP (RFC 5426): one datagram per record. UDP has no acknowledgement: a record
// sent to a closed port is lost without a word, which is accepted for this transport. The
// socket is connected (so it has one local port to report and ICMP refusals surface as
// errors) and always has an 'error' handler: without one Node crashes on ECONNREFUSED.
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import net from 'node:net';
import type { Logger } from '../../core/context';
import { errorMessage } from '../../core/errors';
import type { AttemptResult, BatchTransport } from '../delivery';

export interface UdpTransportOptions {
  host: string;
  port: number;
  logger: Logger;
}

export function createUdpTransport(opts: UdpTransportOptions): BatchTransport {
  const log = opts.logger.child({ component: 'syslog-udp' });
  let socket: dgram.Socket | undefined;
  let connecting: Promise<dgram.Socket> | undefined;
  let closed = false;

  const open = async (): Promise<dgram.Socket> => {
    const address = net.isIP(opts.host) ? opts.host : (await dns.lookup(opts.host)).address;
    const s = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    s.on('error', (err) => {
      log.warn({ err, target: `${opts.host}:${opts.port}` }, 'syslog udp socket error');
      if (socket === s) socket = undefined;
      s.close();
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.connect(opts.port, address, () => {
        s.off('error', reject);
        resolve();
      });
    });
    socket = s;
    return s;
  };

  const ready = (): Promise<dgram.Socket> => {
    if (socket) return Promise.resolve(socket);
    connecting ??= open().finally(() => (connecting = undefined));
    return connecting;
  };

  return {
    name: `udp://${opts.host}:${opts.port}`,
    async send(records: string[]): Promise<AttemptResult[]> {
      if (closed) return records.map(() => ({ kind: 'retry', reason: 'transport closed' }));
      let s: dgram.Socket;
      try {
        s = await ready();
      } catch (err) {
        return records.map(() => ({ kind: 'retry', reason: `udp connect: ${errorMessage(err)}`, afterMs: 1000 }));
      }
      return Promise.all(
        records.map(
          (r) =>
            new Promise<AttemptResult>((resolve) => {
              const failed = (err: unknown) => resolve({ kind: 'retry', reason: `udp send: ${errorMessage(err)}`, afterMs: 1000 });
              try {
                s.send(Buffer.from(r, 'utf8'), (err) => (err ? failed(err) : resolve({ kind: 'ok' })));
              } catch (err) {
                failed(err); // the socket was closed by an error meanwhile
              }
            }),
        ),
      );
    },
    ownEndpoints() {
      if (!socket) return [];
      try {
        const a = socket.address();
        return [{ ip: a.address, port: a.port }];
      } catch {
        return [];
      }
    },
    async close() {
      closed = true;
      const s = socket;
      socket = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
