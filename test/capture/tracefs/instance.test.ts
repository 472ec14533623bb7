// Instance configuration against the real tracefs: a filter the kernel refuses fails the
// instance, unless the filter is marked as an optimisation only (filterOptional).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { probeTracefs } from '../../../src/capture/tracefs';
import { TRACEFS_ROOT, createInstance, ensureTracefsMounted } from '../../../src/capture/tracefs/instance';

const probe = probeTracefs();
const skip = probe.works ? false : `tracefs tier cannot run here: ${probe.reason}`;
const NAME = `packettrail-${process.pid}-h8test`;
const DIR = path.join(TRACEFS_ROOT, 'instances', NAME);

function cleanup(): void {
  if (fs.existsSync(DIR)) fs.rmdirSync(DIR);
}

test('a refused optional filter leaves the event enabled unfiltered, and says so', { skip }, () => {
  ensureTracefsMounted();
  const inst = createInstance({
    name: NAME,
    fieldsMode: true,
    bufferKb: 64,
    events: [{ event: 'task/task_newtask', filter: 'no_such_field == 1', filterOptional: true }],
  });
  try {
    const evDir = path.join(inst.dir, 'events', 'task', 'task_newtask');
    assert.equal(fs.readFileSync(path.join(evDir, 'enable'), 'utf8').trim(), '1');
    assert.equal(fs.readFileSync(path.join(evDir, 'filter'), 'utf8').trim(), 'none');
    assert.equal(inst.skipped.length, 1);
    assert.match(inst.skipped[0]!, /task\/task_newtask filter .*enabled unfiltered/);
  } finally {
    assert.equal(inst.remove(), undefined);
    cleanup();
  }
});

test('a refused required filter fails the instance and removes it', { skip }, () => {
  ensureTracefsMounted();
  try {
    assert.throws(
      () =>
        createInstance({
          name: NAME,
          fieldsMode: true,
          bufferKb: 64,
          events: [{ event: 'task/task_newtask', filter: 'no_such_field == 1' }],
        }),
      (err: Error & { code?: string }) => err.code === 'E_CAPTURE' && /task_newtask|filter|Invalid/i.test(err.message),
    );
    assert.equal(fs.existsSync(DIR), false);
  } finally {
    cleanup();
  }
});
