import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findCgroup2Mount } from '../../src/process/cgroup2';

describe('findCgroup2Mount', () => {
  it('finds the unified hierarchy on hybrid and unified systems', () => {
    const hybrid = 'tmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n';
    assert.equal(findCgroup2Mount(hybrid), '/sys/fs/cgroup/unified');
    assert.equal(findCgroup2Mount('cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n'), '/sys/fs/cgroup');
    assert.equal(findCgroup2Mount('cgroup2 /a\\040b cgroup2 rw 0 0\n'), '/a b');
    assert.equal(findCgroup2Mount('proc /proc proc rw 0 0\n'), undefined);
  });
});
