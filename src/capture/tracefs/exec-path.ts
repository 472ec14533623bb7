// The executable of a tracefs exec record. The trace line carries the filename as the exec
// call typed it (relative, through symlinks); /proc/PID/exe has the file the kernel runs,
// resolved, while the process lives. A process gone before its line is read keeps the typed
// filename, made absolute from its working directory where /proc still shows one, with the
// symlinks of a path that exists now resolved: never a guess from another process's state.
import fs from 'node:fs';
import path from 'node:path';
import { cleanExePath, isDeletedExeLink } from '../../process/proc-stat';

export interface ExecPath {
  readonly executable: string;
  /** /proc/PID/exe marked the file unlinked ("PATH (deleted)"); undefined when not, or not known. */
  readonly executableDeleted?: true | undefined;
}

export interface ExecPathProc {
  /** readlink(/proc/PID/exe), or undefined once the process is gone. */
  exe(pid: number): string | undefined;
  /** readlink(/proc/PID/cwd), or undefined once the process is gone. */
  cwd(pid: number): string | undefined;
}

export function execPathOf(pid: number, typed: string, proc: ExecPathProc): ExecPath {
  const link = proc.exe(pid);
  if (link !== undefined) return isDeletedExeLink(link) ? { executable: cleanExePath(link), executableDeleted: true } : { executable: link };
  let absolute = typed;
  if (!path.isAbsolute(typed)) {
    const cwd = proc.cwd(pid);
    if (cwd === undefined || isDeletedExeLink(cwd)) return { executable: typed };
    absolute = path.resolve(cwd, typed);
  }
  return { executable: realpathOr(absolute) };
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p; // gone or unreadable: the path as typed, made absolute
  }
}
