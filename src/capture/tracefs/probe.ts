// Cheap check for `packettrail doctor` and `--source auto`: can the tracefs tier run here?
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../../core/errors';
import { TRACEFS_ROOT, kernelHasTracefs, removeInstanceDir, tracefsMounted } from './instance';
import type { ProbeResult } from '../probe';

const REQUIRED = ['sock/inet_sock_set_state', 'sched/sched_process_exec', 'sched/sched_process_exit'];

export function probeTracefs(root = TRACEFS_ROOT): ProbeResult {
  if (process.platform !== 'linux') return { works: false, reason: 'tracefs needs Linux' };
  if (process.getuid?.() !== 0) return { works: false, reason: 'not root (tracefs instances need root)' };
  if (!tracefsMounted(root)) {
    if (!kernelHasTracefs()) return { works: false, reason: 'kernel has no tracefs' };
    return { works: true, reason: `tracefs not mounted; start mounts it at ${root}` };
  }
  for (const ev of REQUIRED) {
    if (!fs.existsSync(path.join(root, 'events', ev))) return { works: false, reason: `tracepoint ${ev.replace('/', ':')} missing` };
  }
  // options/fields is the only text mode that prints skaddr, the socket pointer we join on.
  if (!fs.existsSync(path.join(root, 'options', 'fields'))) {
    return { works: false, reason: "tracefs has no 'fields' print option (kernel too old to show socket pointers)" };
  }
  // Instances can be refused (lockdown, LSM policy): try one.
  const dir = path.join(root, 'instances', `packettrail-${process.pid}-probe`);
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    return { works: false, reason: `cannot create a tracefs instance: ${errorMessage(err)}` };
  }
  removeInstanceDir(dir);
  const notes: string[] = [];
  if (!fs.existsSync(path.join(root, 'events', 'syscalls'))) notes.push('no syscall tracepoints: accepted connections lack their process');
  if (!fs.existsSync(path.join(root, 'events', 'fib'))) notes.push('no fib tracepoints: no UDP');
  return { works: true, reason: notes.length > 0 ? `works (${notes.join('; ')})` : 'works (TCP connect/accept/listen, UDP sends, exec/exit/fork)' };
}
