// A Python parent that forks a child which never execs: the child prints its start time
// (/proc/self/stat field 22), connects to 127.0.0.1:argv[1] and exits; the parent prints the
// child's pid. Both kernel tiers must attribute that connection through the fork.
export const FORK_CONNECT_PY = [
  'import os,socket,sys',
  'pid = os.fork()',
  'if pid == 0:',
  "    st = open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19]",
  "    os.write(1, st.encode() + b'\\n')",
  "    socket.create_connection(('127.0.0.1', int(sys.argv[1]))).close()",
  '    os._exit(0)',
  'os.waitpid(pid, 0)',
  'print(pid, flush=True)',
].join('\n');

// Two threads in turn: the first prints its tid and, given a port in argv[1], connects to
// 127.0.0.1 there; the second prints its tid, forks a child that exits at once, and prints the
// child's pid. Creating a thread is a clone too: both kernel tiers must report only the child.
export const THREADS_THEN_FORK_PY = [
  'import os,socket,sys,threading',
  'def first():',
  '    print(threading.get_native_id(), flush=True)',
  "    if len(sys.argv) > 1: socket.create_connection(('127.0.0.1', int(sys.argv[1]))).close()",
  'def forker():',
  '    print(threading.get_native_id(), flush=True)',
  '    c = os.fork()',
  '    if c == 0: os._exit(0)',
  '    os.waitpid(c, 0)',
  '    print(c, flush=True)',
  'for f in (first, forker):',
  '    t = threading.Thread(target=f); t.start(); t.join()',
].join('\n');
