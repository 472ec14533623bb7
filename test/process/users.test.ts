import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePasswd, UserNames } from '../../src/process/users';

test('parsePasswd reads name and uid, skips junk, first name wins', () => {
  const m = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# comment\nbad line\ndaemon:x:1:1::/:/bin/false\ntoor:x:0:0::/:/bin/sh\nnum:x:notanumber:0::/:\n');
  assert.equal(m.get(0), 'root');
  assert.equal(m.get(1), 'daemon');
  assert.equal(m.size, 2);
});

test('the real /etc/passwd names uid 0', () => {
  assert.equal(new UserNames().name(0), 'root');
});

test('a user added later is found after the re-read interval, not before', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-users-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'passwd');
  fs.writeFileSync(file, 'root:x:0:0::/root:/bin/sh\n');
  let now = 1_000_000;
  const users = new UserNames({ passwdPath: file, rereadMs: 5000, nowMs: () => now });
  assert.equal(users.name(4242), undefined);
  fs.appendFileSync(file, 'newbie:x:4242:4242::/home/newbie:/bin/sh\n');
  now += 1000;
  assert.equal(users.name(4242), undefined, 'miss within the interval does not re-read');
  now += 5000;
  assert.equal(users.name(4242), 'newbie');
  assert.equal(users.name(0), 'root');
});

test('a missing passwd file gives undefined, not an exception', () => {
  const users = new UserNames({ passwdPath: '/nonexistent/passwd' });
  assert.equal(users.name(0), undefined);
});
