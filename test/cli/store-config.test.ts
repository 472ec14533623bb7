// The store's configuration: --store, the `store:` section, retention units and defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/config/load';
import { applyEmbeddedDefault, mergeFlags } from '../../src/cli/run-config';

test('--store adds the store to the sinks named, at its path', () => {
  const c = applyEmbeddedDefault(validateConfig(mergeFlags({}, { syslog: ['udp://127.0.0.1:514'], store: '/tmp/pt.db' })));
  assert.equal(c.store.enabled, true);
  assert.equal(c.store.path, '/tmp/pt.db');
  assert.equal(c.sinks.syslog.length, 1);
  assert.equal(c.console.enabled, false);
});

test('--store alone keeps the embedded default (console on), with the store where it says', () => {
  const c = applyEmbeddedDefault(validateConfig(mergeFlags({}, { store: '/tmp/pt.db' })));
  assert.equal(c.store.path, '/tmp/pt.db');
  assert.equal(c.console.enabled, true);
});

test('store.enabled false turns the default store off', () => {
  const c = applyEmbeddedDefault(validateConfig({ store: { enabled: false } }));
  assert.equal(c.store.enabled, false);
});

test('retention defaults to 30 days and 2 GiB and reads days, weeks and binary sizes', () => {
  const d = validateConfig({});
  assert.equal(d.store.retention.maxAge, 30 * 86_400_000);
  assert.equal(d.store.retention.maxSize, 2 * 1024 ** 3);
  const c = validateConfig({ store: { retention: { maxAge: '2w', maxSize: '500MiB' } } });
  assert.equal(c.store.retention.maxAge, 14 * 86_400_000);
  assert.equal(c.store.retention.maxSize, 500 * 1024 ** 2);
  assert.throws(() => validateConfig({ store: { retention: { maxAge: 'forever' } } }), /store\.retention\.maxAge/);
  assert.throws(() => validateConfig({ store: { nope: 1 } }), /nope/);
});

test('an empty --store is a usage error naming the flag', () => {
  assert.throws(() => mergeFlags({}, { store: '' }), /--store/);
});
