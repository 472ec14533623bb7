// Files carried inside the single executable (npm run release): the BPF object, the native
// addons and the store's writer thread. A carried file that must exist on disk (an addon to
// load, an object libbpf opens by path) is written into a private directory and checked
// against the size and SHA-256 recorded at build time before anyone uses it: a file changed
// on disk is replaced, never loaded.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sea from 'node:sea';
import { PtError } from '../core/errors';

interface AssetDigest {
  readonly size: number;
  readonly sha256: string;
}

/** Written by the release build as the asset `manifest.json`. */
export interface BuildManifest {
  readonly version: string;
  readonly commit: string;
  readonly assets: Readonly<Record<string, AssetDigest>>;
}

export const MANIFEST_ASSET = 'manifest.json';

export function isSingleExecutable(): boolean {
  try {
    return sea.isSea();
  } catch {
    // Node builds without single-executable support
    return false;
  }
}

/** The build's manifest, or null outside a single executable. */
export function buildManifest(): BuildManifest | null {
  if (!isSingleExecutable()) return null;
  return JSON.parse(sea.getAsset(MANIFEST_ASSET, 'utf8')) as BuildManifest;
}

/** A carried text file (e.g. a bundled script), or null outside a single executable. */
export function embeddedText(name: string): string | null {
  if (!isSingleExecutable()) return null;
  return sea.getAsset(name, 'utf8');
}

export function digestOf(bytes: Uint8Array): AssetDigest {
  return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function sameDigest(file: string, expected: AssetDigest): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return false;
  }
  if (!st.isFile() || st.size !== expected.size) return false;
  return digestOf(fs.readFileSync(file)).sha256 === expected.sha256;
}

/** Creates `dir` 0700 or checks that it is ours, a real directory and writable by nobody else. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  const uid = process.getuid?.() ?? st.uid;
  if (!st.isDirectory()) throw new PtError('E_IO', `${dir} is not a directory`);
  if (st.uid !== uid) throw new PtError('E_IO', `${dir} belongs to uid ${st.uid}, not ${uid}`);
  if ((st.mode & 0o077) !== 0) throw new PtError('E_IO', `${dir} is open to others (mode ${(st.mode & 0o777).toString(8)}); expected 0700`);
}

/**
 * Puts `bytes` at dir/fileName unless a file with the expected digest is already there, and
 * returns its path once the file on disk has that digest. `bytes` must have it too.
 */
export function materializeAsset(dir: string, fileName: string, bytes: Uint8Array, expected: AssetDigest): string {
  const got = digestOf(bytes);
  if (got.size !== expected.size || got.sha256 !== expected.sha256) {
    throw new PtError('E_IO', `carried file ${fileName} does not match its build record (${got.size} bytes, sha256 ${got.sha256.slice(0, 12)})`);
  }
  ensurePrivateDir(dir);
  const file = path.join(dir, fileName);
  if (sameDigest(file, expected)) return file;
  // Written aside and renamed: a concurrent start never sees half a file, and a file of any
  // other content (or a link) in its place is replaced, not followed.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes, { mode: 0o500, flag: 'wx' });
  fs.renameSync(tmp, file);
  if (!sameDigest(file, expected)) throw new PtError('E_IO', `${file} changed while being written`);
  return file;
}

/** Writes the carried file `name` into `dir` (checked), or returns null outside a single executable. */
export function embeddedFile(name: string, dir: string): string | null {
  const manifest = buildManifest();
  if (!manifest) return null;
  const expected = manifest.assets[name];
  if (!expected) throw new PtError('E_IO', `the executable carries no ${name}`);
  const ext = path.extname(name);
  const fileName = `${path.basename(name, ext)}-${expected.sha256.slice(0, 16)}${ext}`;
  return materializeAsset(dir, fileName, new Uint8Array(sea.getAsset(name)), expected);
}
