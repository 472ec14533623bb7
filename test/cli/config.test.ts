import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/config/load';
import { mergeFlags, applyEmbeddedDefault } from '../../src/cli/run-config';
import { PtError } from '../../src/core/errors';

test('durations and sizes are read in their units', () => {
  const c = validateConfig({ poll: { interval: '250ms' }, udp: { idleTimeout: '2m' }, spool: { maxBytes: '64MiB' } });
  assert.equal(c.poll.interval, 250);
  assert.equal(c.udp.idleTimeout, 120_000);
  assert.equal(c.spool.maxBytes, 64 * 1024 * 1024);
});

test('flags override the file', () => {
  const raw = { source: 'ebpf', sinks: { file: [{ path: '/tmp/a.jsonl' }] } };
  const c = validateConfig(mergeFlags(raw, { source: 'poll', file: ['/tmp/b.jsonl'], fileFormat: 'sigma' }));
  assert.equal(c.source, 'poll');
  assert.deepEqual(c.sinks.file, [{ path: '/tmp/b.jsonl', format: 'sigma', closes: false }]);
});

test('errors carry the E_CONFIG code and the key path', () => {
  assert.throws(
    () => validateConfig({ sinks: { syslog: [{ url: 'udp://127.0.0.1:514', format: 'xml' }] } }),
    (e: unknown) => e instanceof PtError && e.code === 'E_CONFIG' && /sinks\.syslog\[0\]\.format/.test(e.message),
  );
  assert.throws(() => validateConfig({ nope: 1 }), /unknown key nope/);
});

test('with sinks named, the console is off unless asked; with none, the embedded default', () => {
  const named = applyEmbeddedDefault(validateConfig({ sinks: { file: [{ path: '/tmp/x.jsonl' }] } }));
  assert.equal(named.console.enabled, false);
  assert.equal(named.sinks.file.length, 1);
  assert.equal(named.store.enabled, false);
  const none = applyEmbeddedDefault(validateConfig({}));
  assert.equal(none.console.enabled, true);
  assert.equal(none.sinks.file.length, 0);
  assert.equal(none.store.enabled, true);
  assert.match(none.store.path!, /packettrail\.db$/);
});

test('the console format is chosen by flag or file', () => {
  const c = applyEmbeddedDefault(validateConfig(mergeFlags({ console: { format: 'ocsf' } }, { consoleFormat: 'sigma' })));
  assert.equal(c.console.format, 'sigma');
  assert.equal(c.console.enabled, true);
  assert.throws(() => validateConfig({ console: { format: 'xml' } }), /console\.format/);
});

test('dns: on with process linkage by default; linkage, ports, cap and TTL floor are read; at most 7 extra ports', () => {
  const d = validateConfig({}).dns;
  assert.deepEqual(d, { enabled: true, linkage: 'process', ports: [], maxNames: 65_536, minTtl: 60_000 });
  const c = validateConfig({ dns: { linkage: 'host', ports: [5353], maxNames: 10, minTtl: '5s' } }).dns;
  assert.deepEqual(c, { enabled: true, linkage: 'host', ports: [5353], maxNames: 10, minTtl: 5000 });
  assert.throws(() => validateConfig({ dns: { linkage: 'everyone' } }), /dns\.linkage/);
  assert.throws(() => validateConfig({ dns: { ports: [1, 2, 3, 4, 5, 6, 7, 8] } }), /dns\.ports/);
});

test('closes: the store has them by default; --closes gives them to the sinks the flags name; a file sink may ask in YAML', () => {
  const plain = validateConfig(mergeFlags({}, { file: ['/tmp/a.jsonl'], syslog: ['udp://127.0.0.1:514'], store: '/tmp/x.db' }));
  assert.deepEqual([plain.store.closes, plain.sinks.file[0]!.closes, plain.sinks.syslog[0]!.closes, plain.console.closes], [true, false, false, false]);
  const flagged = validateConfig(mergeFlags({}, { file: ['/tmp/a.jsonl'], syslog: ['udp://127.0.0.1:514'], elasticsearch: 'http://127.0.0.1:9200', closes: true }));
  assert.deepEqual([flagged.sinks.file[0]!.closes, flagged.sinks.syslog[0]!.closes, flagged.sinks.elasticsearch[0]!.closes, flagged.console.closes], [true, true, true, true]);
  const yaml = validateConfig({ store: { closes: false }, sinks: { file: [{ path: '/tmp/a.jsonl', closes: true }] } });
  assert.deepEqual([yaml.store.closes, yaml.sinks.file[0]!.closes], [false, true]);
});
