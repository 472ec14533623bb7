import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PtError } from '../../../src/core/errors';
import { createSyslogTransport, parseSyslogUrl } from '../../../src/sinks/syslog';
import { silentLogger } from '../../../src/core/context';

describe('parseSyslogUrl', () => {
  it('reads scheme, host and port, with default ports and IPv6 brackets', () => {
    assert.deepEqual(parseSyslogUrl('udp://10.1.2.3:5514'), { scheme: 'udp', host: '10.1.2.3', port: 5514 });
    assert.deepEqual(parseSyslogUrl('tls://logs.example.com'), { scheme: 'tls', host: 'logs.example.com', port: 6514 });
    assert.deepEqual(parseSyslogUrl('RELP://[::1]:2514/'), { scheme: 'relp', host: '::1', port: 2514 });
    assert.deepEqual(parseSyslogUrl('tcp://localhost:1'), { scheme: 'tcp', host: 'localhost', port: 1 });
  });

  const bad: Array<[string, RegExp]> = [
    ['http://h:1', /scheme "http"/],
    ['udp://h:0', /port 0 is out of range/],
    ['udp://h:65536', /port 65536 is out of range/],
    ['tcp://h:12ab', /port "12ab"/],
    ['tcp://:514', /host ""/],
    ['tls://bad host:514', /expected udp:\/\/HOST:PORT|host/],
    ['relp://[nope]:1', /not an IPv6 address/],
    ['10.0.0.1:514', /expected udp:\/\//],
  ];
  for (const [url, msg] of bad) {
    it(`rejects ${url} with E_USAGE naming the value`, () => {
      assert.throws(
        () => parseSyslogUrl(url),
        (e: unknown) => e instanceof PtError && e.code === 'E_USAGE' && msg.test(e.message) && e.message.includes(JSON.stringify(url)),
      );
      assert.throws(
        () => createSyslogTransport(url, { logger: silentLogger }),
        (e: unknown) => e instanceof PtError && e.code === 'E_USAGE',
      );
    });
  }

  it('an unreadable TLS file is a configuration error naming the file', () => {
    assert.throws(
      () => createSyslogTransport('tls://127.0.0.1:6514', { logger: silentLogger, tls: { caFile: '/nonexistent/ca.pem' } }),
      (e: unknown) => e instanceof PtError && e.code === 'E_CONFIG' && e.message.includes('/nonexistent/ca.pem'),
    );
  });
});
