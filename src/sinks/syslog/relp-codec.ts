// RELP frames (rsyslog's Reliable Event Logging Protocol): `TXNR SP COMMAND SP DATALEN [SP DATA] LF`.
// Pure functions: the decoder checks every length and returns an error value, never throws.

interface RelpFrame {
  txnr: number;
  command: string;
  data: Buffer;
}

export type RelpDecodeResult = { kind: 'frame'; frame: RelpFrame; next: number } | { kind: 'more' } | { kind: 'error'; reason: string };

export const RELP_MAX_TXNR = 999_999_999;
const MAX_DATALEN = 128 * 1024 * 1024;

export function encodeRelpFrame(txnr: number, command: string, data: string | Buffer = ''): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const head = Buffer.from(body.length > 0 ? `${txnr} ${command} ${body.length} ` : `${txnr} ${command} 0`, 'ascii');
  return Buffer.concat([head, body, Buffer.from('\n', 'ascii')]);
}

/** Decodes one frame starting at `offset`. */
export function decodeRelpFrame(buf: Buffer, offset = 0): RelpDecodeResult {
  let i = offset;
  const readToken = (maxLen: number, pattern: RegExp, what: string): { token: string; end: number } | 'more' | string => {
    const start = i;
    while (i < buf.length && buf[i] !== 0x20 && buf[i] !== 0x0a) {
      if (i - start >= maxLen) return `${what} longer than ${maxLen} characters`;
      i++;
    }
    if (i >= buf.length) return i - start > maxLen ? `${what} too long` : 'more';
    const token = buf.toString('latin1', start, i);
    if (!pattern.test(token)) return `bad ${what} ${JSON.stringify(token)}`;
    return { token, end: i };
  };
  const txnr = readToken(9, /^\d{1,9}$/, 'txnr');
  if (txnr === 'more') return { kind: 'more' };
  if (typeof txnr === 'string') return { kind: 'error', reason: txnr };
  if (buf[i] !== 0x20) return { kind: 'error', reason: 'txnr not followed by a space' };
  i++;
  const command = readToken(32, /^[A-Za-z]{1,32}$/, 'command');
  if (command === 'more') return { kind: 'more' };
  if (typeof command === 'string') return { kind: 'error', reason: command };
  if (buf[i] !== 0x20) return { kind: 'error', reason: 'command not followed by a space' };
  i++;
  const len = readToken(9, /^\d{1,9}$/, 'datalen');
  if (len === 'more') return { kind: 'more' };
  if (typeof len === 'string') return { kind: 'error', reason: len };
  const dataLen = Number(len.token);
  if (dataLen > MAX_DATALEN) return { kind: 'error', reason: `datalen ${dataLen} too large` };
  let data: Buffer = Buffer.alloc(0);
  if (buf[i] === 0x20) {
    i++;
    if (buf.length < i + dataLen + 1) return { kind: 'more' };
    data = buf.subarray(i, i + dataLen);
    i += dataLen;
  } else if (dataLen !== 0) {
    return { kind: 'error', reason: `datalen ${dataLen} without data` };
  }
  if (i >= buf.length) return { kind: 'more' };
  if (buf[i] !== 0x0a) return { kind: 'error', reason: 'frame not ended by LF' };
  return { kind: 'frame', frame: { txnr: Number(txnr.token), command: command.token, data }, next: i + 1 };
}

/** The status code and text of an `rsp` frame's data (`200 OK\n…`), or an error value. */
export function parseRelpResponse(data: Buffer): { code: number; text: string } | { error: string } {
  const s = data.toString('utf8');
  const m = /^(\d{3})(?: ([^\n]*))?/.exec(s);
  if (!m) return { error: `bad rsp data ${JSON.stringify(s.slice(0, 40))}` };
  return { code: Number(m[1]), text: m[2] ?? '' };
}
