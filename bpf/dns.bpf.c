// SPDX-License-Identifier: (MIT OR GPL-2.0)
/* packetTrail DNS answer tap: copies the payload of DNS answers arriving at a local socket to a
 * ring of its own, with the process that asked. Kept apart from the capture programs so that the
 * answer tap can be loaded, sized and measured on its own.
 *
 * Why these hooks:
 * - cgroup_skb/ingress on the cgroup v2 root sees every packet a local socket receives, loopback
 *   included, so the answers of a local stub (127.0.0.53) to the process are seen as well as the
 *   stub's own upstream answers. It runs in softirq: the current task is not the receiver.
 * - The receiver is found through the socket: cgroup connect4/6 and sendmsg4/6 run in the
 *   caller's context when a query leaves for a DNS port (connected UDP, as glibc and c-ares use,
 *   unconnected sendto, TCP connect) and note socket cookie -> tgid; the answer's socket cookie
 *   finds it again. Socket cookies are never reused while the kernel runs.
 * - cgroup_skb/egress sees the IP header of every packet a local socket sends: a UDP datagram
 *   from a socket bound to no address (or to the wildcard) carries the source address the route
 *   chose, which the socket itself never holds. The first datagram of each (source, destination)
 *   pair is reported; the rest cost one map lookup. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
/* The EDNS buffer size resolvers advertise by default: most answers fit whole. */
#define DNS_PAYLOAD_MAX 1232
#define DNS_PORTS_MAX 8

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Both record kinds start with their kind, so one ring carries both. */
#define TAP_DNS_ANSWER 1
#define TAP_UDP_SOURCE 2

struct dns_record {
	__u8 kind;       /* TAP_DNS_ANSWER */
	__u8 transport;  /* IPPROTO_UDP or IPPROTO_TCP */
	__u8 truncated;  /* the payload was longer than DNS_PAYLOAD_MAX */
	__u8 pad;
	__u32 tgid;
	__u64 ts_ns;
	__u16 len;       /* bytes in payload */
	__u8 payload[DNS_PAYLOAD_MAX];
};

/* A UDP datagram's addresses, from a socket whose own address is the wildcard. Also the key of
 * the map that reports each pair once. */
struct udp_source_record {
	__u8 kind;       /* TAP_UDP_SOURCE */
	__u8 family;     /* 4 or 6: the IP version of the packet */
	__u16 sport;     /* host byte order */
	__u16 dport;
	__u16 pad;
	__u8 saddr[16];  /* network byte order; IPv4 in the first 4 bytes */
	__u8 daddr[16];
};

/* Records carry only the payload's bytes (most answers are under 200 bytes, not the 1,232 the
 * record allows): 1 MiB holds thousands of answers, seconds of a busy resolver's traffic. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} dns_events SEC(".maps");

/* The record is built here, then copied to the ring with only the bytes it uses. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_record);
} dns_scratch SEC(".maps");

/* Answers that did not fit in the ring (index 0). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dns_lost SEC(".maps");

/* Server ports whose packets are DNS (host byte order -> 1): 53 and what user space adds. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DNS_PORTS_MAX);
	__type(key, __u16);
	__type(value, __u8);
} dns_ports SEC(".maps");

/* Socket cookie of a query -> the tgid that sent it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u32);
} dns_askers SEC(".maps");

/* UDP address pairs already reported. LRU: a pair evicted by newer ones is reported again, which
 * user space takes as a refresh. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct udp_source_record);
	__type(value, __u8);
} udp_sources_seen SEC(".maps");

static __always_inline int is_dns_port(__u16 port)
{
	return bpf_map_lookup_elem(&dns_ports, &port) != NULL;
}

static __always_inline void note_asker(struct bpf_sock_addr *ctx)
{
	if (!is_dns_port(bpf_ntohs((__u16)ctx->user_port)))
		return;
	__u64 cookie = bpf_get_socket_cookie(ctx);
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_map_update_elem(&dns_askers, &cookie, &tgid, BPF_ANY);
}

SEC("cgroup/connect4")
int pt_dns_connect4(struct bpf_sock_addr *ctx)
{
	note_asker(ctx);
	return 1;
}

SEC("cgroup/connect6")
int pt_dns_connect6(struct bpf_sock_addr *ctx)
{
	note_asker(ctx);
	return 1;
}

SEC("cgroup/sendmsg4")
int pt_dns_sendmsg4(struct bpf_sock_addr *ctx)
{
	note_asker(ctx);
	return 1;
}

SEC("cgroup/sendmsg6")
int pt_dns_sendmsg6(struct bpf_sock_addr *ctx)
{
	note_asker(ctx);
	return 1;
}

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&dns_lost, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("cgroup_skb/ingress")
int pt_dns_ingress(struct __sk_buff *skb)
{
	__u32 l4 = 0;
	__u8 proto = 0;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		__u8 vihl;
		if (bpf_skb_load_bytes(skb, 0, &vihl, 1) < 0 || bpf_skb_load_bytes(skb, 9, &proto, 1) < 0)
			return 1;
		l4 = (vihl & 0x0f) * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		/* Extension headers before the transport are rare on DNS answers: not followed. */
		if (bpf_skb_load_bytes(skb, 6, &proto, 1) < 0)
			return 1;
		l4 = 40;
	} else {
		return 1;
	}
	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return 1;
	__be16 sport_be;
	if (bpf_skb_load_bytes(skb, l4, &sport_be, 2) < 0)
		return 1;
	if (!is_dns_port(bpf_ntohs(sport_be)))
		return 1;

	__u32 data = l4 + 8;
	if (proto == IPPROTO_TCP) {
		__u8 doff;
		if (bpf_skb_load_bytes(skb, l4 + 12, &doff, 1) < 0)
			return 1;
		data = l4 + (doff >> 4) * 4;
	}
	__u64 total = skb->len;
	if (data >= total)
		return 1; /* no payload: a bare ACK, SYN-ACK or FIN */
	/* 64-bit so the verifier keeps the difference non-negative. */
	__u64 len = total - data;

	__u32 zero = 0;
	struct dns_record *rec = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!rec)
		return 1;
	rec->kind = TAP_DNS_ANSWER;
	rec->ts_ns = bpf_ktime_get_ns();
	__u64 cookie = bpf_get_socket_cookie(skb);
	__u32 *tgid = bpf_map_lookup_elem(&dns_askers, &cookie);
	rec->tgid = tgid ? *tgid : 0;
	rec->transport = proto;
	rec->truncated = len > DNS_PAYLOAD_MAX;
	if (len > DNS_PAYLOAD_MAX)
		len = DNS_PAYLOAD_MAX;
	rec->len = len;
	/* The verifier needs the bound checked on the very register passed as the size. */
	barrier_var(len);
	if (len < 1 || len > DNS_PAYLOAD_MAX || bpf_skb_load_bytes(skb, data, rec->payload, len) < 0)
		return 1;
	if (bpf_ringbuf_output(&dns_events, rec, offsetof(struct dns_record, payload) + len, BPF_RB_NO_WAKEUP) < 0)
		count_lost();
	return 1;
}

/* True when the sending socket's own address is the wildcard of the packet's family. */
static __always_inline int sent_from_wildcard(struct __sk_buff *skb, int v6)
{
	struct bpf_sock *sk = skb->sk;
	if (!sk)
		return 0;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 0;
	if (!v6)
		return sk->src_ip4 == 0;
	return (sk->src_ip6[0] | sk->src_ip6[1] | sk->src_ip6[2] | sk->src_ip6[3]) == 0;
}

SEC("cgroup_skb/egress")
int pt_udp_source_egress(struct __sk_buff *skb)
{
	struct udp_source_record r = {};
	__u32 l4;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		__u8 vihl, proto;
		if (bpf_skb_load_bytes(skb, 9, &proto, 1) < 0 || proto != IPPROTO_UDP)
			return 1;
		if (bpf_skb_load_bytes(skb, 0, &vihl, 1) < 0 || !sent_from_wildcard(skb, 0))
			return 1;
		if (bpf_skb_load_bytes(skb, 12, r.saddr, 4) < 0 || bpf_skb_load_bytes(skb, 16, r.daddr, 4) < 0)
			return 1;
		r.family = 4;
		l4 = (vihl & 0x0f) * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		/* Extension headers before UDP are rare on a datagram a socket sends: not followed. */
		__u8 proto;
		if (bpf_skb_load_bytes(skb, 6, &proto, 1) < 0 || proto != IPPROTO_UDP || !sent_from_wildcard(skb, 1))
			return 1;
		if (bpf_skb_load_bytes(skb, 8, r.saddr, 16) < 0 || bpf_skb_load_bytes(skb, 24, r.daddr, 16) < 0)
			return 1;
		r.family = 6;
		l4 = 40;
	} else {
		return 1;
	}
	__be16 ports[2];
	if (bpf_skb_load_bytes(skb, l4, ports, 4) < 0)
		return 1;
	r.kind = TAP_UDP_SOURCE;
	r.sport = bpf_ntohs(ports[0]);
	r.dport = bpf_ntohs(ports[1]);
	if (bpf_map_lookup_elem(&udp_sources_seen, &r))
		return 1;
	__u8 one = 1;
	/* Marked first, so a record the ring had no room for is not retried on every datagram. */
	bpf_map_update_elem(&udp_sources_seen, &r, &one, BPF_ANY);
	if (bpf_ringbuf_output(&dns_events, &r, sizeof(r), BPF_RB_NO_WAKEUP) < 0)
		count_lost();
	return 1;
}
