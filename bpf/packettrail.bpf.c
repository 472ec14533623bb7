// SPDX-License-Identifier: (MIT OR GPL-2.0)
/* packetTrail capture programs: socket events and process lifecycle, each attributed to the
 * task that made the call. Only tracepoints and cgroup hooks (no kprobes on this kernel).
 *
 * Why these hooks:
 * - TCP connect: sock:inet_sock_set_state CLOSE->SYN_SENT runs inside tcp_v{4,6}_connect in
 *   the caller's context (syscall, io_uring inline or io-wq worker of the same tgid). The owner
 *   is stored per socket and the record is sent when SYN_SENT ends (ESTABLISHED or CLOSE),
 *   which may run in softirq: by then the 5-tuple (local port included) is known and the
 *   owner comes from the map, never from whatever task is on the CPU.
 * - accept/listen: syscall exit tracepoints, socket found from the returned/passed fd.
 * - UDP: cgroup sendmsg4/6 and recvmsg4/6 (unconnected sockets, every path incl. sendmmsg and
 *   io_uring) and sock:sock_send_length/sock_recv_length (connected sockets); one record per
 *   (process, local, remote) flow start, deduplicated in an LRU hash.
 * - exec/exit: sched tracepoints; exe path (resolved from the file exec'd, like /proc/PID/exe),
 *   argv, ppid, start time and cgroup id read at exec time. fork: a raw tracepoint (it hands over the child task; the classic one gives only
 *   tids), new processes only, so a child that never execs still has a known parent. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "packettrail.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define SOCK_DGRAM 2
#define PT_TCP_ESTABLISHED 1
#define PT_TCP_SYN_SENT 2
#define PT_TCP_FIN_WAIT1 4
#define PT_TCP_FIN_WAIT2 5
#define PT_TCP_CLOSE 7
#define PT_TCP_LAST_ACK 9
#define PT_TCP_CLOSING 11

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/* Exec records are built here and sent with only the argv bytes they use (most are a few
 * hundred bytes of their 2,384): the ring holds several times more of them. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_exec);
} exec_scratch SEC(".maps");

/* Records that did not fit in the ring buffer (index PT_LOST_RING); connections whose start
 * could not be remembered because conn_starts was full, so their close is never sent
 * (index PT_LOST_CLOSE_START). */
#define PT_LOST_RING 0
#define PT_LOST_CLOSE_START 1
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_config);
} pt_config SEC(".maps");

struct owner {
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u32 pad;
	__u64 ts_ns;
	char comm[PT_COMM_LEN];
	char tcomm[PT_COMM_LEN];
};

/* TCP sockets in SYN_SENT -> who called connect. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct owner);
} connecting SEC(".maps");

struct conn_start {
	struct owner o;           /* who connected or accepted, and when (ts_ns) */
	__u8 action;              /* PT_ACT_CONNECT or PT_ACT_ACCEPT */
	__u8 pad[7];
};

/* Reported TCP connections still open -> their start, for the close record. A plain hash, not
 * an LRU: evicting a long-lived connection would lose its close silently; a full map is
 * counted instead (lost[PT_LOST_CLOSE_START]). Every entry goes at TCP_CLOSE. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct conn_start);
} conn_starts SEC(".maps");

/* listen(fd) in flight, per thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} listen_fd SEC(".maps");

struct flow_key {
	__u32 pid;
	__u16 lport;
	__u16 rport;
	__u8 laddr[16];
	__u8 raddr[16];
	__u8 family;
	__u8 pad[3];
};

/* UDP flows already reported -> when (ns). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flow_key);
	__type(value, __u64);
} udp_flows SEC(".maps");

static __always_inline struct pt_config *get_config(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&pt_config, &zero);
}

static __always_inline int ignored(__u32 pid)
{
	struct pt_config *c = get_config();
	return c && c->ignore_pid != 0 && c->ignore_pid == pid;
}

static __always_inline void count_lost_at(__u32 index)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &index);
	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline void count_lost(void)
{
	count_lost_at(PT_LOST_RING);
}

static __always_inline int closes_on(void)
{
	struct pt_config *c = get_config();
	return c && c->closes;
}

/* Remembers a reported connection's start so its close can be sent with its owner. */
static __always_inline void remember_start(__u64 sk, const struct owner *o, __u8 action)
{
	struct conn_start st = {};
	__builtin_memcpy(&st.o, o, sizeof(st.o));
	st.action = action;
	if (bpf_map_update_elem(&conn_starts, &sk, &st, BPF_ANY))
		count_lost_at(PT_LOST_CLOSE_START);
}

/* Reads the calling task: only ever call this from task context. */
static __always_inline void fill_owner(struct owner *o)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	o->pid = pid_tgid >> 32;
	o->tid = (__u32)pid_tgid;
	o->uid = (__u32)bpf_get_current_uid_gid();
	o->ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(o->tcomm, sizeof(o->tcomm));
	/* The process name is the leader's comm: an io-wq worker or a named thread keeps it. */
	if (BPF_CORE_READ_STR_INTO(&o->comm, task, group_leader, comm) < 0)
		__builtin_memcpy(o->comm, o->tcomm, sizeof(o->comm));
}

static __always_inline void header_from_owner(struct pt_header *h, __u32 kind, const struct owner *o)
{
	h->kind = kind;
	h->pid = o->pid;
	h->tid = o->tid;
	h->uid = o->uid;
	h->ts_ns = o->ts_ns;
	__builtin_memcpy(h->comm, o->comm, sizeof(h->comm));
}

/* Local and remote ends of a socket, read from struct sock (CO-RE). */
static __always_inline void read_sock_tuple(struct sock *sk, struct pt_conn *e)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	e->family = family;
	e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (!e->lport) /* a socket already closed has given its port back: inet_sport keeps it */
		e->lport = __builtin_bswap16(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	e->rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&e->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		BPF_CORE_READ_INTO((__u32 *)e->laddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->raddr, sk, __sk_common.skc_daddr);
	}
}

static __always_inline struct pt_conn *reserve_conn(void)
{
	struct pt_conn *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	return e;
}

static __always_inline void emit_from_owner(struct pt_conn *e, const struct owner *o)
{
	header_from_owner(&e->h, PT_KIND_CONN, o);
	__builtin_memcpy(e->tcomm, o->tcomm, sizeof(e->tcomm));
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* ---------------------------------------------------------------- TCP connect, close */

/* The socket's last state change: sends the close of a connection whose start was reported,
 * with the kernel's counters read from the socket while they are still there. May run in
 * softirq (a reset, the TIME_WAIT hand-over): the owner comes from conn_starts only. */
static __always_inline void emit_close(struct trace_event_raw_inet_sock_set_state *ctx, __u64 sk)
{
	struct conn_start *st = bpf_map_lookup_elem(&conn_starts, &sk);
	if (!st)
		return;
	struct pt_close *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		bpf_map_delete_elem(&conn_starts, &sk);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	header_from_owner(&e->c.h, PT_KIND_CLOSE, &st->o);
	e->c.h.ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(e->c.tcomm, st->o.tcomm, sizeof(e->c.tcomm));
	e->c.action = st->action;
	e->c.protocol = IPPROTO_TCP;
	e->c.family = ctx->family;
	e->c.ok = 1;
	e->c.err = BPF_CORE_READ((struct sock *)sk, sk_err);
	e->c.lport = ctx->sport;
	e->c.rport = ctx->dport;
	if (ctx->family == AF_INET6) {
		__builtin_memcpy(e->c.laddr, ctx->saddr_v6, 16);
		__builtin_memcpy(e->c.raddr, ctx->daddr_v6, 16);
	} else {
		__builtin_memcpy(e->c.laddr, ctx->saddr, 4);
		__builtin_memcpy(e->c.raddr, ctx->daddr, 4);
	}
	e->start_ns = st->o.ts_ns;
	/* The kernel counts sequence space: bytes_acked has 1 for the connecting side's SYN and 1
	 * for this end's FIN once acknowledged, bytes_received 1 for the peer's FIN. Payload is
	 * what the record carries, so those come off. This end's FIN was sent in the closing
	 * states and is acknowledged when nothing sent is left unacknowledged; the peer's FIN was
	 * received when tcp_fin() marked the socket SOCK_DONE (a reset does not, and the flag is
	 * read here before tcp_done() runs on). */
	__u64 acked = BPF_CORE_READ(tp, bytes_acked);
	__u64 received = BPF_CORE_READ(tp, bytes_received);
	int oldstate = ctx->oldstate;
	if (st->action == PT_ACT_CONNECT && acked > 0)
		acked--;
	if ((oldstate == PT_TCP_FIN_WAIT1 || oldstate == PT_TCP_FIN_WAIT2 || oldstate == PT_TCP_LAST_ACK || oldstate == PT_TCP_CLOSING) &&
	    BPF_CORE_READ(tp, snd_una) == BPF_CORE_READ(tp, write_seq) && acked > 0)
		acked--;
	unsigned long sk_flags = BPF_CORE_READ((struct sock *)sk, __sk_common.skc_flags);
	if ((sk_flags & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE))) && received > 0)
		received--;
	e->bytes_out = acked;
	e->bytes_in = received;
	e->segs_out = BPF_CORE_READ(tp, segs_out);
	e->segs_in = BPF_CORE_READ(tp, segs_in);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	bpf_map_delete_elem(&conn_starts, &sk);
}

SEC("tracepoint/sock/inet_sock_set_state")
int pt_inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *args)
{
	/* One copy to the stack: the verifier rejects derived pointers into tracepoint ctx. */
	struct trace_event_raw_inet_sock_set_state tp;
	struct trace_event_raw_inet_sock_set_state *ctx = &tp;
	if (bpf_probe_read_kernel(&tp, sizeof(tp), args))
		return 0;
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	__u64 sk = (__u64)ctx->skaddr;
	int oldstate = ctx->oldstate, newstate = ctx->newstate;

	if (oldstate == PT_TCP_CLOSE && newstate == PT_TCP_SYN_SENT) {
		/* Inside tcp_v4_connect/tcp_v6_connect: task context of the caller. */
		struct owner o = {};
		fill_owner(&o);
		if (ignored(o.pid))
			return 0;
		bpf_map_update_elem(&connecting, &sk, &o, BPF_ANY);
		return 0;
	}
	if (newstate == PT_TCP_CLOSE && oldstate != PT_TCP_SYN_SENT) {
		if (closes_on())
			emit_close(ctx, sk);
		return 0;
	}
	if (oldstate != PT_TCP_SYN_SENT)
		return 0;

	/* SYN_SENT ends, maybe in softirq: the owner comes from the map only. */
	struct owner *o = bpf_map_lookup_elem(&connecting, &sk);
	if (!o)
		return 0;
	struct pt_conn *e = reserve_conn();
	if (e) {
		e->action = PT_ACT_CONNECT;
		e->protocol = IPPROTO_TCP;
		e->family = ctx->family;
		e->ok = newstate == PT_TCP_ESTABLISHED;
		if (!e->ok) {
			int err = BPF_CORE_READ((struct sock *)sk, sk_err);
			if (!err)
				err = BPF_CORE_READ((struct sock *)sk, sk_err_soft);
			e->err = err;
		}
		e->lport = ctx->sport;
		e->rport = ctx->dport;
		if (ctx->family == AF_INET6) {
			__builtin_memcpy(e->laddr, ctx->saddr_v6, 16);
			__builtin_memcpy(e->raddr, ctx->daddr_v6, 16);
		} else {
			__builtin_memcpy(e->laddr, ctx->saddr, 4);
			__builtin_memcpy(e->raddr, ctx->daddr, 4);
		}
		/* Only a start that was sent gets a close: remembered before the owner goes. */
		if (e->ok && closes_on())
			remember_start(sk, o, PT_ACT_CONNECT);
		emit_from_owner(e, o);
	}
	bpf_map_delete_elem(&connecting, &sk);
	return 0;
}

/* ---------------------------------------------------------------- accept, listen */

/* The socket behind a file descriptor of the current task (fd known to be a socket). */
static __always_inline struct sock *sock_from_fd(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = 0;

	if (!fdt || fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return 0;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return 0;
	return BPF_CORE_READ(sock, sk);
}

static __always_inline int emit_sock_event(struct sock *sk, __u8 action)
{
	if (!sk)
		return 0;
	__u16 proto = BPF_CORE_READ(sk, sk_protocol);
	if (proto != IPPROTO_TCP)
		return 0;
	struct owner o = {};
	fill_owner(&o);
	if (ignored(o.pid))
		return 0;
	struct pt_conn *e = reserve_conn();
	if (!e)
		return 0;
	e->action = action;
	e->protocol = IPPROTO_TCP;
	e->ok = 1;
	read_sock_tuple(sk, e);
	emit_from_owner(e, &o);
	if (action == PT_ACT_ACCEPT && closes_on())
		remember_start((__u64)sk, &o, PT_ACT_ACCEPT);
	return 0;
}

static __always_inline int on_accept_exit(struct trace_event_raw_sys_exit *ctx)
{
	long fd = ctx->ret;
	if (fd < 0)
		return 0;
	return emit_sock_event(sock_from_fd((int)fd), PT_ACT_ACCEPT);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int pt_sys_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return on_accept_exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int pt_sys_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return on_accept_exit(ctx);
}

SEC("tracepoint/syscalls/sys_enter_listen")
int pt_sys_enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 fd = ctx->args[0];
	bpf_map_update_elem(&listen_fd, &tid, &fd, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_listen")
int pt_sys_exit_listen(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *fdp = bpf_map_lookup_elem(&listen_fd, &tid);
	if (!fdp)
		return 0;
	int fd = (int)*fdp;
	bpf_map_delete_elem(&listen_fd, &tid);
	if (ctx->ret != 0)
		return 0;
	/* The port is bound now, even when listen() picked it. */
	return emit_sock_event(sock_from_fd(fd), PT_ACT_LISTEN);
}

/* ---------------------------------------------------------------- UDP flows */

/* Sends one record per (process, local, remote) flow start; again after udp_reemit_secs. */
static __always_inline void udp_flow(struct owner *o, __u8 action, __u8 family, const __u8 *laddr,
				     __u16 lport, const __u8 *raddr, __u16 rport)
{
	struct flow_key k = {};
	__u64 now = o->ts_ns;
	struct pt_config *c = get_config();
	__u64 reemit = (c && c->udp_reemit_secs ? c->udp_reemit_secs : 60) * 1000000000ULL;

	k.pid = o->pid;
	k.family = family;
	k.lport = lport;
	k.rport = rport;
	__builtin_memcpy(k.laddr, laddr, 16);
	__builtin_memcpy(k.raddr, raddr, 16);
	__u64 *seen = bpf_map_lookup_elem(&udp_flows, &k);
	if (seen && now - *seen < reemit)
		return;
	/* Mark first, so a lost record is not retried on every datagram. */
	bpf_map_update_elem(&udp_flows, &k, &now, BPF_ANY);

	struct pt_conn *e = reserve_conn();
	if (!e)
		return;
	e->action = action;
	e->protocol = IPPROTO_UDP;
	e->family = family;
	e->ok = 1;
	e->lport = lport;
	e->rport = rport;
	__builtin_memcpy(e->laddr, laddr, 16);
	__builtin_memcpy(e->raddr, raddr, 16);
	emit_from_owner(e, o);
}

/* Unconnected UDP, IPv4 (also v4-mapped sends on dual-stack sockets). Runs in the caller. */
static __always_inline int sock_addr4(struct bpf_sock_addr *ctx, __u8 action)
{
	if (ctx->protocol != IPPROTO_UDP && ctx->type != SOCK_DGRAM)
		return 1;
	struct bpf_sock *sk = ctx->sk;
	if (!sk)
		return 1;
	struct owner o = {};
	fill_owner(&o);
	if (ignored(o.pid))
		return 1;
	__u8 laddr[16] = {}, raddr[16] = {};
	__u32 src = ctx->msg_src_ip4;
	__u32 dst = ctx->user_ip4;
	__u16 lport = (__u16)sk->src_port;
	__u16 rport = __builtin_bswap16((__u16)ctx->user_port);
	if (action == PT_ACT_UDP_RECV)
		src = 0;
	if (!src)
		src = sk->src_ip4;
	__builtin_memcpy(laddr, &src, 4);
	__builtin_memcpy(raddr, &dst, 4);
	udp_flow(&o, action, AF_INET, laddr, lport, raddr, rport);
	return 1;
}

static __always_inline int sock_addr6(struct bpf_sock_addr *ctx, __u8 action)
{
	if (ctx->protocol != IPPROTO_UDP && ctx->type != SOCK_DGRAM)
		return 1;
	struct bpf_sock *sk = ctx->sk;
	if (!sk)
		return 1;
	struct owner o = {};
	fill_owner(&o);
	if (ignored(o.pid))
		return 1;
	__u32 laddr[4] = {}, raddr[4] = {};
	__u16 lport = (__u16)sk->src_port;
	__u16 rport = __builtin_bswap16((__u16)ctx->user_port);
	raddr[0] = ctx->user_ip6[0];
	raddr[1] = ctx->user_ip6[1];
	raddr[2] = ctx->user_ip6[2];
	raddr[3] = ctx->user_ip6[3];
	if (action == PT_ACT_UDP_SEND) {
		laddr[0] = ctx->msg_src_ip6[0];
		laddr[1] = ctx->msg_src_ip6[1];
		laddr[2] = ctx->msg_src_ip6[2];
		laddr[3] = ctx->msg_src_ip6[3];
	}
	if (!(laddr[0] | laddr[1] | laddr[2] | laddr[3])) {
		laddr[0] = sk->src_ip6[0];
		laddr[1] = sk->src_ip6[1];
		laddr[2] = sk->src_ip6[2];
		laddr[3] = sk->src_ip6[3];
	}
	udp_flow(&o, action, AF_INET6, (__u8 *)laddr, lport, (__u8 *)raddr, rport);
	return 1;
}

SEC("cgroup/sendmsg4")
int pt_sendmsg4(struct bpf_sock_addr *ctx)
{
	return sock_addr4(ctx, PT_ACT_UDP_SEND);
}

SEC("cgroup/sendmsg6")
int pt_sendmsg6(struct bpf_sock_addr *ctx)
{
	return sock_addr6(ctx, PT_ACT_UDP_SEND);
}

SEC("cgroup/recvmsg4")
int pt_recvmsg4(struct bpf_sock_addr *ctx)
{
	return sock_addr4(ctx, PT_ACT_UDP_RECV);
}

SEC("cgroup/recvmsg6")
int pt_recvmsg6(struct bpf_sock_addr *ctx)
{
	return sock_addr6(ctx, PT_ACT_UDP_RECV);
}

/* Connected UDP sockets (send/write/recv without an address): the cgroup hooks do not run. */
static __always_inline int on_msg_length(struct trace_event_raw_sock_msg_length *ctx, __u8 action)
{
	if (ctx->protocol != IPPROTO_UDP || ctx->ret < 0)
		return 0;
	struct sock *sk = ctx->sk;
	if (BPF_CORE_READ(sk, __sk_common.skc_state) != PT_TCP_ESTABLISHED)
		return 0; /* unconnected: handled by the cgroup hooks, which see the address */
	struct owner o = {};
	fill_owner(&o);
	if (ignored(o.pid))
		return 0;
	struct pt_conn t = {};
	read_sock_tuple(sk, &t);
	udp_flow(&o, action, t.family, t.laddr, t.lport, t.raddr, t.rport);
	return 0;
}

SEC("tracepoint/sock/sock_send_length")
int pt_sock_send_length(struct trace_event_raw_sock_msg_length *ctx)
{
	return on_msg_length(ctx, PT_ACT_UDP_SEND);
}

SEC("tracepoint/sock/sock_recv_length")
int pt_sock_recv_length(struct trace_event_raw_sock_msg_length *ctx)
{
	return on_msg_length(ctx, PT_ACT_UDP_RECV);
}

/* ---------------------------------------------------------------- processes */

/* The exec'd file's path is built here back to front, then copied into the record. Twice the
 * record's path size so that every masked write of one name stays inside the buffer. */
struct path_scratch {
	char buf[2 * PT_PATH_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_scratch);
} path_scratch SEC(".maps");

static __always_inline struct mount *real_mount(struct vfsmount *vfsmnt)
{
	return (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
}

/* Where a walk up the exec'd file's path is; one bpf_loop step moves it one dentry or mount up. */
struct path_walk {
	struct path_scratch *s;
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	__u32 pos;  /* the path so far is s->buf[pos, PT_PATH_LEN - 1) */
	int done;   /* reached the task's root or the root of the mount tree */
};

/* One step of d_path(): 1 ends the walk. */
static long path_walk_step(__u32 i, void *data)
{
	struct path_walk *w = data;
	struct dentry *dentry = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;

	if (dentry == w->root_dentry && vfsmnt == w->root_mnt) {
		w->done = 1;
		return 1;
	}
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	if (dentry == BPF_CORE_READ(vfsmnt, mnt_root)) {
		struct mount *mnt = real_mount(vfsmnt);
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
		if (up == mnt) { /* the root of the mount tree */
			w->done = 1;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->vfsmnt = (struct vfsmount *)((void *)up + bpf_core_field_offset(struct mount, mnt));
		return 0;
	}
	if (dentry == parent) { /* outside the task's root and its mount tree: as far as it goes */
		w->done = 1;
		return 1;
	}
	__u32 n = BPF_CORE_READ(dentry, d_name.len);
	const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
	__u32 pos = w->pos;
	if (pos > PT_PATH_LEN - 1 || n + 1 > pos)
		return 1; /* does not fit: the path keeps the tail it has */
	pos -= n + 1;
	w->s->buf[pos & (PT_PATH_LEN - 1)] = '/';
	if (bpf_probe_read_kernel(&w->s->buf[(pos + 1) & (PT_PATH_LEN - 1)], n & (PT_PATH_LEN - 1), name))
		return 1;
	w->pos = pos;
	w->dentry = parent;
	return 0;
}

/* d_path() without the helper (not callable from tracepoints): walks from the file's dentry
 * up through d_parent, crossing each mount to where it is mounted, until the task's root or
 * the root of its mount tree. Writes the path into e->path and sets path_len and path_flags. */
static __always_inline void resolve_exe_path(struct pt_exec *e, struct task_struct *task)
{
	__u32 zero = 0;
	struct path_walk w = {};
	struct file *file = BPF_CORE_READ(task, mm, exe_file);

	e->path_len = 0;
	e->path_flags = 0;
	e->path[0] = 0;
	w.s = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!w.s || !file)
		return;
	/* Locals, not w's fields, go into BPF_CORE_READ: inside it every member access is relocated
	 * against the kernel's types, w's too. */
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	w.root_dentry = BPF_CORE_READ(task, fs, root.dentry);
	w.root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	w.dentry = dentry;
	w.vfsmnt = BPF_CORE_READ(file, f_path.mnt);
	w.pos = PT_PATH_LEN - 1;
	w.s->buf[PT_PATH_LEN - 1] = 0;

	/* d_unlinked(): unhashed and not a root. */
	if (!BPF_CORE_READ(dentry, d_hash.pprev) && BPF_CORE_READ(dentry, d_parent) != dentry)
		e->path_flags |= PT_PATH_DELETED;

	bpf_loop(PT_PATH_DEPTH, path_walk_step, &w, 0);
	if (!w.done)
		e->path_flags |= PT_PATH_TRUNCATED;
	__u32 pos = w.pos;
	if (pos >= PT_PATH_LEN - 1) { /* nothing above the root: the root itself */
		pos = PT_PATH_LEN - 2;
		w.s->buf[pos] = '/';
	}
	pos &= PT_PATH_LEN - 1; /* it is already: the mask tells the verifier the size below is too */
	__u32 size = PT_PATH_LEN - pos; /* with the NUL */
	if (bpf_probe_read_kernel(e->path, size, &w.s->buf[pos]) == 0)
		e->path_len = size - 1;
}

/* Set before load (rodata, so the verifier prunes the branch not taken): 0 skips the path walk
 * and records the filename as the exec call typed it, the cost baseline of bench:capture. In a
 * section of its own so that the loader can set it without knowing any other constant's offset. */
const volatile __u32 pt_walk_exe_path SEC(".rodata.exe_path") = 1;

/* The filename exec was called with, as typed (relative, through symlinks): what the record
 * holds when the walk is off. */
static __always_inline void typed_exe_path(struct pt_exec *e, struct trace_event_raw_sched_process_exec *ctx)
{
	__u32 loc = 0;
	bpf_probe_read_kernel(&loc, sizeof(loc), &ctx->__data_loc_filename);
	long n = bpf_probe_read_kernel_str(e->path, PT_PATH_LEN, (void *)ctx + (loc & 0xFFFF));
	e->path_flags = 0;
	e->path_len = n > 0 ? n - 1 : 0;
}

SEC("tracepoint/sched/sched_process_exec")
int pt_sched_process_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct owner o = {};
	fill_owner(&o);
	if (ignored(o.pid))
		return 0;
	__u32 zero = 0;
	struct pt_exec *e = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!e)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	header_from_owner(&e->h, PT_KIND_EXEC, &o);
	e->start_ticks = BPF_CORE_READ(task, start_boottime) / 10000000ULL;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->args_truncated = 0;

	if (pt_walk_exe_path)
		resolve_exe_path(e, task);
	else
		typed_exe_path(e, ctx);

	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long start = BPF_CORE_READ(mm, arg_start);
	unsigned long end = BPF_CORE_READ(mm, arg_end);
	unsigned long len = end > start ? end - start : 0;
	if (len > PT_ARGS_LEN) {
		len = PT_ARGS_LEN;
		e->args_truncated = 1;
	}
	if (len > 0 && bpf_probe_read_user(e->args, len, (void *)start) == 0)
		e->args_len = len;
	else
		e->args_len = 0;
	/* The record ends after the argv bytes (bounded again for the verifier). */
	__u64 size = offsetof(struct pt_exec, args) + (e->args_len & (PT_ARGS_LEN - 1));
	if (e->args_len == PT_ARGS_LEN)
		size = sizeof(*e);
	if (bpf_ringbuf_output(&events, e, size, BPF_RB_NO_WAKEUP) < 0)
		count_lost();
	return 0;
}

/* Runs in the forking task, after the child is set up and before it can run: the record is
 * in the ring before anything the child does. */
SEC("raw_tp/sched_process_fork")
int pt_sched_process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 child_pid = BPF_CORE_READ(child, pid);
	if (BPF_CORE_READ(child, tgid) != child_pid)
		return 0; /* CLONE_THREAD: a new thread of an existing process */
	struct owner o = {};
	fill_owner(&o);
	if (ignored(o.pid))
		return 0; /* the sensor's own fork, like its own sockets */
	struct pt_fork *f = bpf_ringbuf_reserve(&events, sizeof(*f), 0);
	if (!f) {
		count_lost();
		return 0;
	}
	header_from_owner(&f->h, PT_KIND_FORK, &o);
	f->start_ticks = BPF_CORE_READ(child, start_boottime) / 10000000ULL;
	f->child_pid = child_pid;
	f->ppid = BPF_CORE_READ(child, real_parent, tgid);
	bpf_ringbuf_submit(f, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int pt_sched_process_exit(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if ((__u32)pid_tgid != (pid_tgid >> 32))
		return 0; /* a thread, not the process */
	struct owner o = {};
	fill_owner(&o);
	if (ignored(o.pid))
		return 0;
	struct pt_header *h = bpf_ringbuf_reserve(&events, sizeof(*h), 0);
	if (!h) {
		count_lost();
		return 0;
	}
	header_from_owner(h, PT_KIND_EXIT, &o);
	bpf_ringbuf_submit(h, BPF_RB_NO_WAKEUP);
	return 0;
}

/* prctl(PR_SET_NAME) or a write to /proc/PID/comm by the process's main thread. */
SEC("tracepoint/task/task_rename")
int pt_task_rename(struct trace_event_raw_task_rename *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if ((__u32)ctx->pid != tgid || (__u32)pid_tgid != tgid)
		return 0; /* only the leader's name is the process name */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	if (bpf_core_field_exists(task->in_execve) && BPF_CORE_READ_BITFIELD_PROBED(task, in_execve))
		return 0; /* exec names the process itself: the exec record says it */
	struct owner o = {};
	fill_owner(&o);
	if (ignored(o.pid))
		return 0;
	struct pt_rename *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_lost();
		return 0;
	}
	header_from_owner(&r->h, PT_KIND_RENAME, &o);
	bpf_probe_read_kernel(r->newcomm, sizeof(r->newcomm), ctx->newcomm);
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}
