// Opens a TCP or TLS connection to a receiver: bounded in time, no Nagle delay, keepalive on,
// and an error before the connection is up rejects instead of escaping as an 'error' event.
import type net from 'node:net';
import type tls from 'node:tls';

export type StreamSocket = net.Socket | tls.TLSSocket;

const KEEPALIVE_DELAY_MS = 30_000;

/**
 * Resolves with the socket once `readyEvent` fires ('connect' for TCP, 'secureConnect' for
 * TLS). After that the caller owns error handling: the one-shot handler here is removed.
 */
export function connectWithTimeout<S extends StreamSocket>(socket: S, readyEvent: 'connect' | 'secureConnect', timeoutMs: number): Promise<S> {
  return new Promise<S>((resolve, reject) => {
    const timer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
      resolve(socket);
    });
  });
}
