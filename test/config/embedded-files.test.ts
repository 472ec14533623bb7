// A native addon written out through the checked path loads and works; outside the single
// executable, asking for a carried addon fails with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedFilePath, embeddedFilesDir, loadAddonFile, loadEmbeddedAddon } from '../../src/config/embedded-files';
import { digestOf, materializeAsset } from '../../src/config/sea-assets';
import { repoRoot } from '../helpers/repo';

test('a checked copy of better-sqlite3 addon loads and opens a database', () => {
  const root = mkdtempSync(join(tmpdir(), 'pt-addon-'));
  try {
    const bytes = readFileSync(join(repoRoot(), 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
    const file = materializeAsset(join(root, 'runtime'), 'better_sqlite3-test.node', bytes, digestOf(bytes));
    const addon = loadAddonFile(file) as { Database: unknown };
    assert.equal(typeof addon.Database, 'function');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the carried files go under the state directory', () => {
  const prev = process.env.PACKETTRAIL_STATE_DIR;
  const root = mkdtempSync(join(tmpdir(), 'pt-state-'));
  process.env.PACKETTRAIL_STATE_DIR = root;
  try {
    assert.equal(embeddedFilesDir(), join(root, 'runtime'));
    assert.equal(embeddedFilePath('koffi.node'), null);
    assert.throws(() => loadEmbeddedAddon('koffi.node'), /only carried by the single executable/);
  } finally {
    if (prev === undefined) delete process.env.PACKETTRAIL_STATE_DIR;
    else process.env.PACKETTRAIL_STATE_DIR = prev;
    rmSync(root, { recursive: true, force: true });
  }
});
