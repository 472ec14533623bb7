// RFC 6587 §3.4.1 octet counting (also RFC 5425 for TLS): `MSG-LEN SP SYSLOG-MSG`. A newline
// inside a record cannot split it, unlike newline-delimited framing.

export function octetFrame(record: string): Buffer {
  const body = Buffer.from(record, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/**
 * A whole batch framed into one buffer (one socket write instead of one per record), with
 * each record's frame as a view into it, for the resend window.
 */
export function octetFrames(records: string[]): { joined: Buffer; frames: Buffer[] } {
  const lengths = records.map((r) => Buffer.byteLength(r, 'utf8'));
  let total = 0;
  for (const n of lengths) total += String(n).length + 1 + n;
  const joined = Buffer.allocUnsafe(total);
  const frames: Buffer[] = new Array(records.length);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const start = at;
    at += joined.write(`${lengths[i]} `, at, 'latin1');
    at += joined.write(records[i]!, at, 'utf8');
    frames[i] = joined.subarray(start, at);
  }
  return { joined, frames };
}
