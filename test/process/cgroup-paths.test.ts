import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CgroupPaths } from '../../src/process/cgroup-paths';

const ino = (p: string) => String(fs.statSync(p, { bigint: true }).ino);

test('finds a directory by its inode number, as the path /proc/PID/cgroup shows', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-cgroup-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'system.slice', 'docker-x.scope'), { recursive: true });
  fs.mkdirSync(path.join(root, 'user.slice'));
  fs.writeFileSync(path.join(root, 'cgroup.procs'), ''); // files are not cgroups
  const paths = new CgroupPaths(root);
  assert.equal(paths.pathOf(ino(path.join(root, 'system.slice', 'docker-x.scope'))), '/system.slice/docker-x.scope');
  assert.equal(paths.pathOf(ino(path.join(root, 'user.slice'))), '/user.slice');
  assert.equal(paths.pathOf(ino(root)), '/');
  assert.equal(paths.pathOf(ino(path.join(root, 'cgroup.procs'))), undefined);
});

test('an id not seen walks the hierarchy again, at most once a second', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-cgroup-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  let now = 10_000;
  const paths = new CgroupPaths(root, () => now);
  assert.equal(paths.pathOf('1'), undefined); // first walk
  const fresh = path.join(root, 'new.scope');
  fs.mkdirSync(fresh);
  now += 999;
  assert.equal(paths.pathOf(ino(fresh)), undefined, 'no second walk within a second');
  now += 1;
  assert.equal(paths.pathOf(ino(fresh)), '/new.scope', 'walked again after a second');
  fs.rmdirSync(fresh);
  now += 5000;
  assert.equal(paths.pathOf(ino(root)), '/', 'known ids need no walk');
});

test('no cgroup v2 mount: nothing is found', () => {
  assert.equal(new CgroupPaths(undefined).pathOf('1'), undefined);
});
