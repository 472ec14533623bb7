/* Records the packetTrail BPF programs put in the ring buffer.
 * src/capture/ebpf/record-layout.ts mirrors these offsets; a test compiles this header with
 * gcc and compares offsetof/sizeof, so change both together. All integers are host order. */
#ifndef PACKETTRAIL_H
#define PACKETTRAIL_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PT_COMM_LEN 16
#define PT_PATH_LEN 256
#define PT_ARGS_LEN 2048
#define PT_PATH_DEPTH 40          /* path components and mount crossings walked at most */

/* pt_exec.path_flags */
#define PT_PATH_DELETED 1         /* the file was unlinked: /proc/PID/exe adds " (deleted)" */
#define PT_PATH_TRUNCATED 2       /* deeper or longer than the record holds: path is its tail */

/* pt_header.kind */
#define PT_KIND_CONN 1
#define PT_KIND_EXEC 2
#define PT_KIND_EXIT 3
#define PT_KIND_RENAME 4
#define PT_KIND_FORK 5
#define PT_KIND_CLOSE 6

/* pt_conn.action */
#define PT_ACT_CONNECT 1  /* outbound TCP connect, outcome known */
#define PT_ACT_ACCEPT 2   /* inbound TCP connection accepted */
#define PT_ACT_LISTEN 3   /* TCP listen */
#define PT_ACT_UDP_SEND 4 /* first datagram of a UDP flow was sent */
#define PT_ACT_UDP_RECV 5 /* first datagram of a UDP flow was received */

struct pt_header {
	__u32 kind;
	__u32 pid;                /* tgid of the task that made the call */
	__u32 tid;
	__u32 uid;
	__u64 ts_ns;              /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	char comm[PT_COMM_LEN];   /* thread-group leader's comm: the process name */
};

struct pt_conn {
	struct pt_header h;
	__u8 action;
	__u8 family;              /* AF_INET 2 / AF_INET6 10 */
	__u8 protocol;            /* IPPROTO_TCP 6 / IPPROTO_UDP 17 */
	__u8 ok;                  /* 1 success, 0 failure */
	__s32 err;                /* positive errno of a failed connect, else 0 */
	__u16 lport;
	__u16 rport;
	__u8 laddr[16];           /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
	char tcomm[PT_COMM_LEN];  /* comm of the calling thread */
};

/* A TCP connection the sensor reported (connected or accepted) reached TCP_CLOSE. c.h is the
 * owner of the start (its process, not whatever task runs the close) with the close's time;
 * c.action is the start's (PT_ACT_CONNECT or PT_ACT_ACCEPT) and so gives the direction; c.err
 * is sk_err (ECONNRESET for a reset), c.ok is 1. Counters are the kernel's tcp_sock ones. */
struct pt_close {
	struct pt_conn c;
	__u64 start_ns;           /* the start record's ts_ns: duration = c.h.ts_ns - start_ns */
	__u64 bytes_out;          /* payload bytes sent and acknowledged by the peer (tcp_sock.bytes_acked less SYN and FIN) */
	__u64 bytes_in;           /* payload bytes received in sequence (tcp_sock.bytes_received less FIN) */
	__u32 segs_out;           /* segments sent, pure ACKs and retransmissions included */
	__u32 segs_in;            /* segments received, pure ACKs included */
};

struct pt_exec {
	struct pt_header h;
	__u64 start_ticks;        /* task->start_boottime / 10^7: /proc/PID/stat field 22 */
	__u64 cgroup_id;          /* bpf_get_current_cgroup_id(): inode of the task's cgroup v2 dir */
	__u32 ppid;               /* real_parent->tgid */
	__u32 path_len;           /* bytes in path, without the NUL */
	__u32 args_len;           /* bytes in args: NUL-separated argv */
	__u32 args_truncated;
	__u32 path_flags;         /* PT_PATH_* */
	__u32 pad;
	/* The file the task now runs (mm->exe_file), absolute from the task's root with symlinks
	 * and mount points resolved: what readlink(/proc/PID/exe) gives, without " (deleted)".
	 * The path as passed to execve is argv's business. */
	char path[PT_PATH_LEN];
	char args[PT_ARGS_LEN];
};

/* PT_KIND_EXIT is a bare pt_header. */

/* A new process (never a thread). h is the forking task (the parent), whose comm the child
 * carries until it execs. Small on purpose: forks are as frequent as execs and exits. */
struct pt_fork {
	struct pt_header h;
	__u64 start_ticks;        /* child->start_boottime / 10^7, like pt_exec.start_ticks */
	__u32 child_pid;          /* the new process (its tgid == its pid) */
	__u32 ppid;               /* child->real_parent->tgid: h.pid, or h.pid's parent with CLONE_PARENT */
};

struct pt_rename {
	struct pt_header h;       /* h.comm is already the new name */
	char newcomm[PT_COMM_LEN];
};

struct pt_config {
	__u32 ignore_pid;         /* the sensor's own tgid: its sockets are not reported */
	__u32 udp_reemit_secs;    /* a UDP flow is reported again after this long */
	__u32 closes;             /* 1: remember reported TCP connections and send PT_KIND_CLOSE */
	__u32 pad;
};

#endif
