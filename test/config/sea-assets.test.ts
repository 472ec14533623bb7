// The carried-file checks: a file is written once, reused while intact, replaced when changed
// on disk, and never written into a directory others can reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildManifest, digestOf, embeddedFile, embeddedText, ensurePrivateDir, isSingleExecutable, materializeAsset } from '../../src/config/sea-assets';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'pt-sea-'));
}

const bytes = new TextEncoder().encode('a carried file\n');
const digest = digestOf(bytes);

test('a carried file is written 0500 into a 0700 directory and its digest checked', () => {
  const root = scratch();
  try {
    const dir = join(root, 'runtime');
    const file = materializeAsset(dir, 'x.bin', bytes, digest);
    assert.equal(file, join(dir, 'x.bin'));
    assert.deepEqual(readFileSync(file), Buffer.from(bytes));
    assert.equal(statSync(file).mode & 0o777, 0o500);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(dir), ['x.bin'], 'no temporary file left');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an intact copy is reused and a changed one replaced', () => {
  const root = scratch();
  try {
    const file = materializeAsset(root, 'x.bin', bytes, digest);
    const firstInode = statSync(file).ino;
    assert.equal(statSync(materializeAsset(root, 'x.bin', bytes, digest)).ino, firstInode, 'reused');
    chmodSync(file, 0o600);
    writeFileSync(file, 'a carried filE\n'); // same size, other content
    materializeAsset(root, 'x.bin', bytes, digest);
    assert.deepEqual(readFileSync(file), Buffer.from(bytes));
    symlinkSync('/etc/hostname', join(root, 'y.bin'));
    materializeAsset(root, 'y.bin', bytes, digest);
    assert.ok(!statSync(join(root, 'y.bin')).isSymbolicLink());
    assert.deepEqual(readFileSync(join(root, 'y.bin')), Buffer.from(bytes));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('bytes that do not match the build record are refused', () => {
  const root = scratch();
  try {
    assert.throws(() => materializeAsset(root, 'x.bin', bytes, { size: digest.size, sha256: '0'.repeat(64) }), /does not match its build record/);
    assert.deepEqual(readdirSync(root), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a directory others can write, another user owns, or a link is refused', () => {
  const root = scratch();
  try {
    const open = join(root, 'open');
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    assert.throws(() => ensurePrivateDir(open), /open to others/);
    const theirs = join(root, 'theirs');
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    assert.throws(() => ensurePrivateDir(theirs), /belongs to uid 65534/);
    const link = join(root, 'link');
    const target = join(root, 'target');
    mkdirSync(target, { mode: 0o700 });
    symlinkSync(target, link);
    assert.throws(() => ensurePrivateDir(link), /not a directory/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('outside a single executable nothing is carried', () => {
  assert.equal(isSingleExecutable(), false);
  assert.equal(buildManifest(), null);
  assert.equal(embeddedText('writer-worker.js'), null);
  const root = scratch();
  try {
    assert.equal(embeddedFile('koffi.node', root), null);
    assert.deepEqual(readdirSync(root), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
