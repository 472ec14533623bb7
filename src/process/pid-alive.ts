// Whether a process exists (signal 0): used to tell a crashed earlier run's leftovers (a
// tracefs instance, a spool lock) from a live one's.
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
