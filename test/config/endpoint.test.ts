import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHostName, parseEndpointUrl, parseHttpUrl, parseSyslogEndpoint } from '../../src/config/endpoint';
import { validateConfig } from '../../src/config/load';
import { parseSyslogUrl } from '../../src/sinks/syslog';
import { parseElasticsearchTarget } from '../../src/sinks/elasticsearch/options';
import { PtError } from '../../src/core/errors';

test('host names: IP addresses and DNS names, nothing else', () => {
  for (const ok of ['127.0.0.1', '::1', 'fe80::1', 'localhost', 'logs.example.com', 'logs.example.com.', 'svc_1.internal']) {
    assert.ok(isHostName(ok), ok);
  }
  for (const bad of ['', 'bad host', 'a..b', '-x.example', `${'a'.repeat(64)}.com`, '[::1]']) assert.ok(!isHostName(bad), bad);
});

test('endpoint URLs: scheme, host, port; default port only where one is given', () => {
  assert.deepEqual(parseEndpointUrl('TCP://[::1]:6000/', ['tcp']), { ok: true, value: { scheme: 'tcp', host: '::1', port: 6000 } });
  const noPort = parseEndpointUrl('tcp://h', ['tcp']);
  assert.ok(!noPort.ok && /no port/.test(noPort.problem));
  assert.deepEqual(parseSyslogEndpoint('tls://h'), { ok: true, value: { scheme: 'tls', host: 'h', port: 6514 } });
  const cases: Array<[string, RegExp]> = [
    ['udp://h:0', /port 0 is out of range 1-65535/],
    ['udp://h:x1', /port "x1" is not a number/],
    ['ftp://h:1', /scheme "ftp" is not one of udp, tcp, tls, relp/],
    ['udp://bad host:1', /expected udp:\/\/HOST:PORT|host "bad host"/],
    ['udp://[1.2.3.4]:1', /not an IPv6 address/],
    ['udp://h:1/path', /expected udp:\/\/HOST:PORT/],
  ];
  for (const [url, problem] of cases) {
    const r = parseSyslogEndpoint(url);
    assert.ok(!r.ok, url);
    assert.match(r.problem, problem, url);
  }
});

test('http URLs: scheme and host checked, a path allowed, no query', () => {
  assert.equal(parseHttpUrl('https://es.example:9200/proxy/').ok, true);
  for (const [url, problem] of [
    ['ftp://h', /scheme "ftp:"/],
    ['http://h:9200/?pretty', /query or fragment/],
    ['not a url', /is not a URL/],
    ['http://bad_host$:9200', /is not a URL|host/],
  ] as const) {
    const r = parseHttpUrl(url);
    assert.ok(!r.ok, url);
    assert.match(r.problem, problem, url);
  }
});

test('the config, the syslog flag and the sinks accept and refuse the same URLs', () => {
  const accepted = (url: string): boolean[] => [attempt(() => validateConfig({ sinks: { syslog: [{ url }] } })), attempt(() => parseSyslogUrl(url))];
  for (const url of ['udp://127.0.0.1:514', 'tls://logs.example.com', 'relp://[::1]:2514', 'tcp://svc_1.internal:1']) {
    assert.deepEqual(accepted(url), [true, true], url);
  }
  for (const url of ['udp://127.0.0.1:0', 'http://h:1', 'udp://bad host:1', 'udp://h:1/x']) {
    assert.deepEqual(accepted(url), [false, false], url);
  }
  const es = (url: string): boolean[] => [attempt(() => validateConfig({ sinks: { elasticsearch: [{ url }] } })), attempt(() => parseElasticsearchTarget(url))];
  for (const url of ['http://127.0.0.1:9200', 'https://es.example/base']) assert.deepEqual(es(url), [true, true], url);
  for (const url of ['ftp://h', 'http://h/?q=1', 'http://']) assert.deepEqual(es(url), [false, false], url);
});

function attempt(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (err) {
    assert.ok(err instanceof PtError, String(err));
    return false;
  }
}
