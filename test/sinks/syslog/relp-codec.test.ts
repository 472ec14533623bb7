import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRelpFrame, encodeRelpFrame, parseRelpResponse } from '../../../src/sinks/syslog/relp-codec';

describe('RELP codec', () => {
  it('encodes frames with and without data', () => {
    assert.equal(encodeRelpFrame(7, 'syslog', 'héllo\nx').toString(), '7 syslog 8 héllo\nx\n');
    assert.equal(encodeRelpFrame(3, 'close').toString(), '3 close 0\n');
  });

  it('decodes back-to-back frames, including data holding LF and an empty one', () => {
    const buf = Buffer.concat([encodeRelpFrame(1, 'rsp', '200 OK\nrelp_version=0'), encodeRelpFrame(0, 'serverclose')]);
    const a = decodeRelpFrame(buf);
    assert.equal(a.kind, 'frame');
    if (a.kind !== 'frame') return;
    assert.equal(a.frame.txnr, 1);
    assert.equal(a.frame.command, 'rsp');
    assert.deepEqual(parseRelpResponse(a.frame.data), { code: 200, text: 'OK' });
    const b = decodeRelpFrame(buf, a.next);
    assert.ok(b.kind === 'frame' && b.frame.command === 'serverclose' && b.frame.data.length === 0 && b.next === buf.length);
  });

  it('asks for more on every truncated prefix, never errs on one', () => {
    const whole = encodeRelpFrame(123456, 'rsp', '200 OK');
    for (let n = 0; n < whole.length; n++) assert.equal(decodeRelpFrame(whole.subarray(0, n)).kind, 'more', `prefix ${n}`);
    assert.equal(decodeRelpFrame(whole).kind, 'frame');
  });

  it('returns an error value for malformed frames', () => {
    for (const bad of ['x rsp 0\n', '1 rsp 5 abcdeX', '1 r$p 0\n', '1234567890 rsp 0\n', '1 rsp 3\n', '1 rsp 999999999999 a']) {
      const r = decodeRelpFrame(Buffer.from(bad));
      assert.equal(r.kind, 'error', bad);
    }
    assert.ok('error' in parseRelpResponse(Buffer.from('OK')));
  });
});
