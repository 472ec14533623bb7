// execPathOf: /proc/PID/exe while the process lives (the deleted mark split off), else the
// typed filename made absolute from the process's working directory and resolved where it can be.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { execPathOf, type ExecPathProc } from '../../../src/capture/tracefs/exec-path';

// realpath: os.tmpdir() may itself lie behind a symlink.
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pt-exec-path-')));
const real = path.join(tmp, 'bin', 'prog');
fs.mkdirSync(path.dirname(real));
fs.writeFileSync(real, '');
fs.symlinkSync(path.join(tmp, 'bin'), path.join(tmp, 'linked'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const proc = (exe?: string, cwd?: string): ExecPathProc => ({ exe: () => exe, cwd: () => cwd });

test('a live process: the /proc link, whatever was typed', () => {
  assert.deepEqual(execPathOf(1, './prog', proc('/usr/bin/prog')), { executable: '/usr/bin/prog' });
});

test('a live process whose file was unlinked: the path without " (deleted)", and the flag', () => {
  assert.deepEqual(execPathOf(1, './implant', proc('/tmp/implant (deleted)')), { executable: '/tmp/implant', executableDeleted: true });
});

test('gone, relative, working directory known: absolute and resolved through symlinks', () => {
  assert.deepEqual(execPathOf(1, './prog', proc(undefined, path.join(tmp, 'linked'))), { executable: real });
  assert.deepEqual(execPathOf(1, 'bin/../bin/prog', proc(undefined, tmp)), { executable: real });
});

test('gone, absolute through a symlink: resolved; a file gone too: absolute as typed', () => {
  assert.deepEqual(execPathOf(1, path.join(tmp, 'linked', 'prog'), proc()), { executable: real });
  assert.deepEqual(execPathOf(1, '/nonexistent/dir/prog', proc()), { executable: '/nonexistent/dir/prog' });
  assert.deepEqual(execPathOf(1, 'gone-prog', proc(undefined, tmp)), { executable: path.join(tmp, 'gone-prog') });
});

test('gone, relative, no working directory (or a deleted one): as typed', () => {
  assert.deepEqual(execPathOf(1, './prog', proc()), { executable: './prog' });
  assert.deepEqual(execPathOf(1, './prog', proc(undefined, '/tmp/wd (deleted)')), { executable: './prog' });
});
