// RFC 6587 §3.4.1 octet counting (also RFC 5425 for TLS): `MSG-LEN SP SYSLOG-MSG`. A newline
// inside a record cannot split it, unlike newline-delimited framing.

export function octetFrame(record: string): Buffer {
  const body = Buffer.from(record, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
