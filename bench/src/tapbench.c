/* bench/src/tapbench.c — load generator for tapstackd (and the bare reflector) on an AF_PACKET socket
 * bound to the kernel side of a TAP.
 *
 * It crafts Ethernet/IPv4/ICMP/UDP frames itself (checksums included), sends them with sendmmsg
 * (PACKET_QDISC_BYPASS) and reads the answers with recvmmsg, kernel receive timestamps
 * (SO_TIMESTAMPNS) and a large receive buffer. Modes:
 *
 *   echo        ICMP echo requests to --dst; replies matched by ICMP id and the 64-bit sequence
 *               number in the payload (duplicates counted apart); RTT = kernel receive time of the
 *               reply - send time embedded in the request.
 *   forward     echo requests to --dst through a router (the responder) whose MAC is learned for
 *               --next-hop; counted when they come out of --out (a second TAP's kernel side, on
 *               which tapbench answers ARP for --dst with --out-mac). RTT = one-way latency.
 *   udp-closed  UDP probes to closed ports; counts the ICMP errors that come back (rate limited).
 *   frag        echo requests sent as IPv4 fragments (--frag-size bytes of IP payload each).
 *   forward6    echo6's requests through a router (issue 15): its MAC learned by NS for the IPv6
 *               --next-hop; counted when they come out of --out, where tapbench answers the
 *               router's NSs for --dst with --out-mac.
 *   echo6       ICMPv6 echo requests (type 128) to the IPv6 --dst from the IPv6 --src (default: IF's
 *               own address in 2001:db8::/32), matched as in echo mode (issue 14). The destination's
 *               MAC is learned by Neighbor Discovery (an NS to its solicited-node group, the NA's
 *               target link-layer address) unless --dst-mac gives it; the responder's NSs for --src
 *               are answered by the kernel when it holds --src, else by tapbench.
 *
 * --rate PPS sends open-loop at that rate; --rate 0 (the default) is a flood: closed-loop with at
 * most --window requests outstanding, so the TAP queue (1000 frames) never overflows and the
 * generator never wastes its core on frames the kernel drops. --pid PID reads utime+stime of the
 * responder from /proc/PID/stat before and after and divides by the replies; --cpu N does the same
 * with core N's busy time from /proc/stat (everything that ran on the responder's core).
 *
 * Safety: every address it sends from, to or via must be in 192.0.2.0/24, 198.51.100.0/24 or
 * 203.0.113.0/24 (RFC 5737), or, for echo6, in 2001:db8::/32 (RFC 3849) or fe80::/10, or it exits 2
 * with one line; runs are bounded by --duration (at
 * most 60 s) and --count.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <math.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tools/util.h"

#ifndef PACKET_QDISC_BYPASS
#define PACKET_QDISC_BYPASS 20
#endif
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define BATCH        64          /* frames per sendmmsg / recvmmsg */
#define FRAME_BUF    2048
#define MAX_FRAGS    48
#define MAX_DURATION 60.0
#define MAX_COUNT    200000000ull
#define MAGIC        0x54426d31u /* "TBm1": a measured request */
#define MAGIC_WARM   0x54427775u /* "TBwu": a warm-up request */
#define PAYLOAD_MIN  20u         /* magic (4) + sequence (8) + send time (8) */

enum mode { M_ECHO, M_FORWARD, M_UDP, M_FRAG, M_ECHO6, M_FORWARD6, M__COUNT };
static const char *const mode_names[M__COUNT] = { "echo", "forward", "udp-closed", "frag", "echo6", "forward6" };
#define ETHERTYPE_IPV6_ 0x86dd

/* ---------------------------------------------------------------------------------------- */

static struct {
	enum mode mode;
	const char *ifname, *outname;
	uint32_t src, dst, nexthop;        /* network order; 0 = default */
	uint8_t src6[16], dst6[16];        /* echo6, forward6 */
	uint8_t nexthop6[16];              /* forward6: the router's address on -i */
	bool have_src, have_nexthop;
	uint8_t src_mac[6], dst_mac[6], out_mac[6];
	bool have_src_mac, have_dst_mac;
	double rate;                       /* 0 = flood */
	double duration;
	uint64_t count;                    /* 0 = bounded by duration only */
	unsigned size;                     /* frame size (echo, udp); datagram frame size (frag) */
	unsigned frag_size;
	unsigned window;
	double bg_udp;                     /* closed-port UDP probes per second alongside */
	unsigned port_lo, port_hi;
	int pid;
	int cpu;
	double drain;
	bool json, warmup, quiet;
	const char *label;
} opt = {
	.mode = M_ECHO, .duration = 5.0, .size = 0, .frag_size = 512, .window = 512,
	.port_lo = 33434, .port_hi = 33533, .pid = 0, .cpu = -1, .drain = 0.2, .warmup = true,
	.out_mac = { 0x02, 0x54, 0x42, 0x00, 0x00, 0x02 },
};

static volatile sig_atomic_t interrupted;

/* The IPv6 modes: echo6, and forward6 (echo6's requests through a router, as forward). */
static bool v6_mode(void) { return opt.mode == M_ECHO6 || opt.mode == M_FORWARD6; }
/* The modes that count what comes out of --out. */
static bool fwd_mode(void) { return opt.mode == M_FORWARD || opt.mode == M_FORWARD6; }

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- addresses and safety ---------------------------------------------------------------- */

/* RFC 5737 documentation ranges only. */
static bool addr_allowed(uint32_t a_net)
{
	uint32_t a = ntohl(a_net) & 0xffffff00u;

	return a == 0xc0000200u || a == 0xc6336400u || a == 0xcb007100u;
}

static uint32_t parse_addr(const char *what, const char *s)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		die(2, "%s: bad IPv4 address \"%s\"", what, s);
	if (!addr_allowed(in.s_addr))
		die(2, "%s: refusing %s: only 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 "
		    "(documentation ranges) may be used", what, s);
	return in.s_addr;
}

/* RFC 3849 documentation prefix 2001:db8::/32, and link-local fe80::/10 (it never leaves the link). */
static bool addr6_allowed(const uint8_t *a)
{
	return (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

static void parse_addr6(const char *what, const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET6, s, out) != 1)
		die(2, "%s: bad IPv6 address \"%s\"", what, s);
	if (!addr6_allowed(out))
		die(2, "%s: refusing %s: only 2001:db8::/32 (the documentation prefix) and fe80::/10 may be used",
		    what, s);
}

static void parse_mac(const char *what, const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int n = 0;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &n) != 6 ||
	    s[n] != '\0')
		die(2, "%s: bad MAC \"%s\" (want xx:xx:xx:xx:xx:xx)", what, s);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	if (mac[0] & 1)
		die(2, "%s: %s is a multicast MAC", what, s);
}

static double parse_num(const char *what, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
		die(2, "%s: bad value \"%s\" (%g..%g)", what, s, lo, hi);
	return v;
}

static const char *ipstr(uint32_t a_net, char buf[16])
{
	struct in_addr in = { .s_addr = a_net };

	return inet_ntop(AF_INET, &in, buf, 16);
}

/* --src or --dst as text, of either family (echo6: the IPv6 ones). */
static const char *addrstr(bool dst, char buf[INET6_ADDRSTRLEN])
{
	if (v6_mode())
		return inet_ntop(AF_INET6, dst ? opt.dst6 : opt.src6, buf, INET6_ADDRSTRLEN);
	return ipstr(dst ? opt.dst : opt.src, buf);
}

/* --- checksums and frames ---------------------------------------------------------------- */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	while (n > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)(v >> 32)); put32(p + 4, (uint32_t)v); }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }

static void eth_hdr(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
}

/* A 20-byte IPv4 header with its checksum. */
static void ip_hdr(uint8_t *ip, unsigned total, uint16_t id, uint16_t frag, uint8_t proto,
		   uint32_t src, uint32_t dst)
{
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)total);
	put16(ip + 4, id);
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	put16(ip + 10, 0);
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
}

/* The measured payload: magic, 64-bit sequence, send time (CLOCK_REALTIME ns, the clock of the
 * kernel's receive timestamps), then a fixed pattern. */
static void payload(uint8_t *p, unsigned len, uint32_t magic, uint64_t seq, uint64_t ts)
{
	put32(p, magic);
	put64(p + 4, seq);
	put64(p + 12, ts);
	for (unsigned i = PAYLOAD_MIN; i < len; i++)
		p[i] = (uint8_t)i;
}

/* --- latency histogram: 64 sub-buckets per power of two (1.6% resolution) ---------------- */

#define H_SUB      64u
#define H_BUCKETS  (H_SUB * 40u)
struct hist {
	uint64_t n, sum, min, max;
	uint64_t b[H_BUCKETS];
};

static unsigned h_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < (uint64_t)2 * H_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - 6u;
	unsigned idx = (shift + 1u) * H_SUB + (unsigned)((v >> shift) - H_SUB);
	return idx < H_BUCKETS ? idx : H_BUCKETS - 1;
}

static uint64_t h_value(unsigned idx)
{
	unsigned shift;

	if (idx < 2 * H_SUB)
		return idx;
	shift = idx / H_SUB - 1u;
	return (((uint64_t)(idx % H_SUB) + H_SUB) << shift) + ((1ull << shift) >> 1);
}

static void h_add(struct hist *h, uint64_t v)
{
	if (!h->n || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->n++;
	h->sum += v;
	h->b[h_index(v)]++;
}

static uint64_t h_pct(const struct hist *h, double pct)
{
	uint64_t want, seen = 0;

	if (!h->n)
		return 0;
	want = (uint64_t)ceil((double)h->n * pct / 100.0);
	if (want < 1)
		want = 1;
	for (unsigned i = 0; i < H_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want) {
			uint64_t v = h_value(i);
			return v < h->min ? h->min : v > h->max ? h->max : v;
		}
	}
	return h->max;
}

/* --- sockets ----------------------------------------------------------------------------- */

struct port {
	const char *name;
	int fd;
	int ifindex;
	uint8_t mac[6];
	uint32_t addr;          /* its IPv4 address (network order), 0 if none */
	/* receive batch */
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint8_t *bufs;
	char ctl[BATCH][CMSG_SPACE(sizeof(struct timespec))];
};

static void port_open(struct port *pt, const char *name)
{
	struct sockaddr_ll sll;
	struct ifreq ifr;
	int one = 1, big = 64 << 20;

	pt->name = name;
	if (strlen(name) >= IFNAMSIZ)
		die(2, "interface name too long: %s", name);
	pt->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (pt->fd < 0)
		die(1, "socket(AF_PACKET): %s%s", strerror(errno),
		    errno == EPERM ? " (needs root or CAP_NET_RAW)" : "");
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(pt->fd, SIOCGIFINDEX, &ifr) < 0)
		die(1, "%s: no such interface in this network namespace", name);
	pt->ifindex = ifr.ifr_ifindex;
	if (ioctl(pt->fd, SIOCGIFHWADDR, &ifr) < 0)
		die(1, "%s: SIOCGIFHWADDR: %s", name, strerror(errno));
	memcpy(pt->mac, ifr.ifr_hwaddr.sa_data, 6);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	ifr.ifr_addr.sa_family = AF_INET;
	if (ioctl(pt->fd, SIOCGIFADDR, &ifr) == 0)
		pt->addr = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
	if (ioctl(pt->fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP))
		die(1, "%s: interface is down", name);

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = pt->ifindex;
	if (bind(pt->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die(1, "%s: bind: %s", name, strerror(errno));
	if (setsockopt(pt->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(pt->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	big = 4 << 20;
	if (setsockopt(pt->fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(pt->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(pt->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	setsockopt(pt->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	setsockopt(pt->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));

	pt->bufs = malloc((size_t)BATCH * FRAME_BUF);
	if (!pt->bufs)
		die(1, "out of memory");
	for (int i = 0; i < BATCH; i++) {
		pt->iov[i].iov_base = pt->bufs + (size_t)i * FRAME_BUF;
		pt->iov[i].iov_len = FRAME_BUF;
	}
}

/* Receives up to BATCH frames without waiting; returns how many (0 when none). */
static int port_recv(struct port *pt)
{
	int n;

	for (int i = 0; i < BATCH; i++) {
		memset(&pt->msgs[i].msg_hdr, 0, sizeof(pt->msgs[i].msg_hdr));
		pt->msgs[i].msg_hdr.msg_iov = &pt->iov[i];
		pt->msgs[i].msg_hdr.msg_iovlen = 1;
		pt->msgs[i].msg_hdr.msg_control = pt->ctl[i];
		pt->msgs[i].msg_hdr.msg_controllen = sizeof(pt->ctl[i]);
	}
	n = recvmmsg(pt->fd, pt->msgs, BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		die(1, "%s: recvmmsg: %s", pt->name, strerror(errno));
	}
	return n;
}

static uint64_t msg_rx_ns(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		}
	return 0;
}

static uint64_t port_drops(struct port *pt)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	if (getsockopt(pt->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		return 0;
	return st.tp_drops; /* reading resets the kernel's counters */
}

/* tx_dropped of the kernel side: frames the TAP queue had no room for. */
static uint64_t if_tx_dropped(const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/tx_dropped", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* --- sending ------------------------------------------------------------------------------ */

struct txq {
	struct port *pt;
	struct mmsghdr msgs[BATCH * MAX_FRAGS > 1024 ? 1024 : BATCH * MAX_FRAGS];
	struct iovec iov[BATCH * MAX_FRAGS > 1024 ? 1024 : BATCH * MAX_FRAGS];
	uint8_t kind[BATCH * MAX_FRAGS > 1024 ? 1024 : BATCH * MAX_FRAGS]; /* enum kind */
	uint8_t *bufs;
	unsigned n, cap;
	uint64_t frames, fail, fail_kind[2];
};

enum kind { K_MAIN = 0, K_BG = 1 }; /* the measured requests; background UDP probes */

static void txq_init(struct txq *q, struct port *pt)
{
	q->pt = pt;
	q->cap = sizeof(q->msgs) / sizeof(q->msgs[0]);
	q->bufs = malloc((size_t)q->cap * FRAME_BUF);
	if (!q->bufs)
		die(1, "out of memory");
	for (unsigned i = 0; i < q->cap; i++) {
		q->iov[i].iov_base = q->bufs + (size_t)i * FRAME_BUF;
		memset(&q->msgs[i], 0, sizeof(q->msgs[i]));
		q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
		q->msgs[i].msg_hdr.msg_iovlen = 1;
	}
}

static void txq_flush(struct txq *q)
{
	unsigned off = 0;

	while (off < q->n) {
		int r = sendmmsg(q->pt->fd, q->msgs + off, q->n - off, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS || errno == EAGAIN || errno == EWOULDBLOCK) {
				q->fail++; /* one frame refused (TAP queue full); skip it */
				q->fail_kind[q->kind[off]]++;
				off++;
				continue;
			}
			die(1, "%s: sendmmsg: %s", q->pt->name, strerror(errno));
		}
		q->frames += (unsigned)r;
		off += (unsigned)r;
	}
	q->n = 0;
}

/* A slot for one frame of len bytes; flushes when full. */
static uint8_t *txq_slot(struct txq *q, unsigned len, enum kind kind)
{
	uint8_t *f;

	if (q->n == q->cap)
		txq_flush(q);
	f = q->iov[q->n].iov_base;
	q->iov[q->n].iov_len = len;
	q->kind[q->n] = (uint8_t)kind;
	q->n++;
	return f;
}

static struct {
	struct port in, out;
	struct txq tx;
	uint8_t dmac[6];
	uint16_t icmp_id;
	uint16_t ip_id;
	uint16_t udp_port;
	/* counters */
	uint64_t sent, replies, dups, stray, errors, bg_sent, bg_errors, arp_answered;
	uint64_t warm_replies;
	bool src6_kernel;       /* echo6: the kernel holds --src (and answers NS for it) */
	uint8_t *seen;          /* bitmap of sequence numbers answered */
	uint64_t seen_bits;
	struct hist rtt;
} g;

/* Ethernet + IPv6 header (hop limit hlim, next header 58) in front of an ICMPv6 message of len
 * bytes at f + 54, whose checksum it computes. */
static void icmp6_frame(uint8_t *f, const uint8_t dmac[6], const uint8_t *src, const uint8_t *dst,
			uint8_t hlim, unsigned len)
{
	uint8_t *ip = f + 14, *m = f + 54;
	uint32_t sum;

	eth_hdr(f, dmac, opt.src_mac, ETHERTYPE_IPV6_);
	put32(ip, 0x60000000u);
	put16(ip + 4, (uint16_t)len);
	ip[6] = 58;
	ip[7] = hlim;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	put16(m + 2, 0);
	sum = csum_add(0, ip + 8, 32);          /* pseudo header: addresses, */
	sum += len + 58;                        /* length and next header */
	put16(m + 2, csum_fold(csum_add(sum, m, len)));
}

/* An ICMPv6 echo request (echo6 mode). */
static void send_echo6(uint64_t seq, uint32_t magic)
{
	unsigned len = opt.size - 54;
	uint8_t *f = txq_slot(&g.tx, opt.size, K_MAIN), *m = f + 54;

	m[0] = 128;
	m[1] = 0;
	put16(m + 4, g.icmp_id);
	put16(m + 6, (uint16_t)seq);
	payload(m + 8, len - 8, magic, seq, now_ns(CLOCK_REALTIME));
	icmp6_frame(f, g.dmac, opt.src6, opt.dst6, 64, len);
}

/* An ICMP echo request (whole or fragmented), sequence seq, for the measured run or warm-up. */
static void send_echo(uint64_t seq, uint32_t magic, uint32_t dst)
{
	unsigned frame = opt.size, icmp_len = frame - 34;
	uint64_t ts = now_ns(CLOCK_REALTIME);

	if (v6_mode()) {
		send_echo6(seq, magic);
		return;
	}
	if (opt.mode != M_FRAG) {
		uint8_t *f = txq_slot(&g.tx, frame, K_MAIN);
		eth_hdr(f, g.dmac, opt.src_mac, ETHERTYPE_IP);
		ip_hdr(f + 14, 20 + icmp_len, g.ip_id++, 0, 1, opt.src, dst);
		uint8_t *ic = f + 34;
		ic[0] = 8;
		ic[1] = 0;
		put16(ic + 2, 0);
		put16(ic + 4, g.icmp_id);
		put16(ic + 6, (uint16_t)seq);
		payload(ic + 8, icmp_len - 8, magic, seq, ts);
		put16(ic + 2, csum_fold(csum_add(0, ic, icmp_len)));
		return;
	}
	/* Fragmented: build the ICMP message once, then cut it into frag_size pieces. */
	static uint8_t msg[65536];
	uint16_t id = g.ip_id++;
	msg[0] = 8;
	msg[1] = 0;
	put16(msg + 2, 0);
	put16(msg + 4, g.icmp_id);
	put16(msg + 6, (uint16_t)seq);
	payload(msg + 8, icmp_len - 8, magic, seq, ts);
	put16(msg + 2, csum_fold(csum_add(0, msg, icmp_len)));
	for (unsigned off = 0; off < icmp_len; off += opt.frag_size) {
		unsigned chunk = icmp_len - off < opt.frag_size ? icmp_len - off : opt.frag_size;
		bool more = off + chunk < icmp_len;
		uint8_t *f = txq_slot(&g.tx, 34 + chunk, K_MAIN);
		eth_hdr(f, g.dmac, opt.src_mac, ETHERTYPE_IP);
		ip_hdr(f + 14, 20 + chunk, id, (uint16_t)((more ? 0x2000 : 0) | (off / 8)), 1, opt.src,
		       dst);
		memcpy(f + 34, msg + off, chunk);
	}
}

/* A UDP probe to a closed port (ports cycle through port_lo..port_hi). */
static void send_udp(uint64_t seq, uint32_t magic, enum kind kind)
{
	unsigned frame = opt.mode == M_UDP ? opt.size : 98, ulen = frame - 34;
	uint8_t *f = txq_slot(&g.tx, frame, kind), *u = f + 34;
	uint32_t sum;

	eth_hdr(f, g.dmac, opt.src_mac, ETHERTYPE_IP);
	ip_hdr(f + 14, 20 + ulen, g.ip_id++, 0, 17, opt.src, opt.dst);
	put16(u, 40000);
	put16(u + 2, g.udp_port);
	g.udp_port = g.udp_port >= opt.port_hi ? (uint16_t)opt.port_lo : (uint16_t)(g.udp_port + 1);
	put16(u + 4, (uint16_t)ulen);
	put16(u + 6, 0);
	payload(u + 8, ulen - 8, magic, seq, now_ns(CLOCK_REALTIME));
	sum = csum_add(0, f + 26, 8);          /* pseudo header: addresses, */
	sum += 17 + ulen;                       /* protocol and length */
	sum = csum_add(sum, u, ulen);
	uint16_t c = csum_fold(sum);
	put16(u + 6, c ? c : 0xffff);
}

static void send_arp(struct port *pt, uint16_t op, const uint8_t *tha_eth, const uint8_t sha[6],
		     uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	uint8_t f[60] = { 0 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	eth_hdr(f, tha_eth ? tha_eth : bcast, sha, ETHERTYPE_ARP);
	put16(f + 14, 1);
	put16(f + 16, ETHERTYPE_IP);
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, op);
	memcpy(f + 22, sha, 6);
	memcpy(f + 28, &spa, 4);
	memcpy(f + 32, tha, 6);
	memcpy(f + 38, &tpa, 4);
	if (send(pt->fd, f, sizeof(f), 0) < 0 && errno != ENOBUFS && errno != EAGAIN)
		die(1, "%s: send ARP: %s", pt->name, strerror(errno));
}

/* Neighbor Discovery (echo6): a solicitation for target from --src (type 135, to its
 * solicited-node group: ns_dst) or, with na, an advertisement of --src (type 136, Solicited and
 * Override) to dst at dmac; both with our link-layer address (RFC 4861 4.3, 4.4), hop limit 255. */
static void send_nd_as(struct port *pt, bool na, const uint8_t *src, const uint8_t lladdr[6], const uint8_t *dst,
		       const uint8_t dmac[6], const uint8_t *target)
{
	uint8_t f[54 + 32] = { 0 }, *m = f + 54;

	m[0] = na ? 136 : 135;
	if (na) /* Solicited only when answering a unicast source (RFC 4861 7.2.4) */
		m[4] = dst[0] == 0xff ? 0x20 : 0x60;
	memcpy(m + 8, target, 16);
	m[24] = na ? 2 : 1;
	m[25] = 1;
	memcpy(m + 26, lladdr, 6);
	icmp6_frame(f, dmac, src, dst, 255, 32);
	memcpy(f + 6, lladdr, 6);
	if (send(pt->fd, f, sizeof(f), 0) < 0 && errno != ENOBUFS && errno != EAGAIN)
		die(1, "%s: send ND: %s", pt->name, strerror(errno));
}

/* From --src with our own link-layer address. */
static void send_nd(struct port *pt, bool na, const uint8_t *dst, const uint8_t dmac[6], const uint8_t *target)
{
	send_nd_as(pt, na, opt.src6, opt.src_mac, dst, dmac, target);
}

/* The solicited-node group of a (RFC 4291 2.7.1) and its MAC (RFC 2464 7). */
static void ns_dst(const uint8_t *a, uint8_t grp[16], uint8_t mac[6])
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 1, 0xff };

	memcpy(grp, pfx, 13);
	memcpy(grp + 13, a + 13, 3);
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, grp + 12, 4);
}

/* --- receiving ---------------------------------------------------------------------------- */

static void mark_reply(uint64_t seq, uint64_t ts_tx, uint64_t ts_rx)
{
	if (seq >= g.seen_bits || seq >= g.sent) {
		g.stray++;
		return;
	}
	if (g.seen[seq >> 3] & (1u << (seq & 7))) {
		g.dups++;
		return;
	}
	g.seen[seq >> 3] |= (uint8_t)(1u << (seq & 7));
	g.replies++;
	if (ts_rx > ts_tx)
		h_add(&g.rtt, ts_rx - ts_tx);
	else
		h_add(&g.rtt, 0);
}

/* An echo payload of ours (icmp: the ICMP or ICMPv6 header, PAYLOAD_MIN bytes behind it known to
 * be there): a measured reply, or one of the warm-up run. */
static void take_payload(const uint8_t *icmp, uint64_t ts_rx)
{
	uint32_t magic = get32(icmp + 8);
	if (magic == MAGIC)
		mark_reply(get64(icmp + 12), get64(icmp + 20), ts_rx);
	else if (magic == MAGIC_WARM)
		g.warm_replies++;
}

/* An IPv6 frame (echo6): our echo replies (type 129 to --src), and NSs for --src answered with an
 * NA (to the solicitation's source, or all nodes for a DAD probe from ::). */
static void handle_frame6(struct port *pt, bool is_out, const uint8_t *f, size_t n, uint64_t ts_rx)
{
	static const uint8_t allnodes[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t allnodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	static const uint8_t any[16];
	const uint8_t *m = f + 54;

	if (!v6_mode() || n < 54 + 8 || f[20] != 58)
		return;
	if (is_out) {
		/* forward6: our requests coming out of the router, and its NSs for --dst answered
		 * with --out-mac, from --dst */
		if (m[0] == 128 && memcmp(f + 22, opt.src6, 16) == 0 && get16(m + 4) == g.icmp_id &&
		    n >= 54 + 8 + PAYLOAD_MIN) {
			take_payload(m, ts_rx);
		} else if (m[0] == 135 && n >= 54 + 24 && f[21] == 255 && memcmp(m + 8, opt.dst6, 16) == 0) {
			send_nd_as(pt, true, opt.dst6, opt.out_mac, f + 22, f + 6, opt.dst6);
			g.arp_answered++;
		}
		return;
	}
	if (m[0] == 129 && memcmp(f + 38, opt.src6, 16) == 0 && get16(m + 4) == g.icmp_id &&
	    n >= 54 + 8 + PAYLOAD_MIN) {
		take_payload(m, ts_rx);
		return;
	}
	if (m[0] == 135 && n >= 54 + 24 && f[21] == 255 && memcmp(m + 8, opt.src6, 16) == 0 && !g.src6_kernel) {
		bool dad = memcmp(f + 22, any, 16) == 0;
		send_nd(pt, true, dad ? allnodes : f + 22, dad ? allnodes_mac : f + 6, opt.src6);
		g.arp_answered++;
	}
}

/* One received frame on port pt (is_out: the forwarding exit). */
static void handle_frame(struct port *pt, bool is_out, const uint8_t *f, size_t n, uint64_t ts_rx)
{
	uint16_t type;
	unsigned ihl;
	uint32_t s, d;

	if (n < 14)
		return;
	type = get16(f + 12);
	if (type == ETHERTYPE_ARP && n >= 42 && get16(f + 20) == 1) {
		uint32_t tpa;
		memcpy(&tpa, f + 38, 4);
		/* Answer for the address we send from (when the kernel does not own it) and, on the
		 * forwarding exit, for the destination. */
		if ((!is_out && tpa == opt.src && tpa != pt->addr) || (is_out && tpa == opt.dst)) {
			uint32_t spa;
			memcpy(&spa, f + 28, 4);
			send_arp(pt, 2, f + 6, is_out ? opt.out_mac : opt.src_mac, tpa, f + 22, spa);
			g.arp_answered++;
		}
		return;
	}
	if (type == ETHERTYPE_IPV6_) {
		handle_frame6(pt, is_out, f, n, ts_rx);
		return;
	}
	if (type != ETHERTYPE_IP || n < 34 || (f[14] >> 4) != 4)
		return;
	ihl = (f[14] & 15u) * 4u;
	if (ihl < 20 || n < 14 + ihl + 8)
		return;
	memcpy(&s, f + 26, 4);
	memcpy(&d, f + 30, 4);
	const uint8_t *l4 = f + 14 + ihl;
	size_t l4len = n - 14 - ihl;
	bool first_frag = (get16(f + 20) & 0x1fff) == 0;

	if (f[23] != 1 || !first_frag)
		return;
	/* ICMP */
	if (is_out) {
		/* forwarded echo requests: ours, coming out of the router */
		if (l4[0] == 8 && get16(l4 + 4) == g.icmp_id && l4len >= 8 + PAYLOAD_MIN && s == opt.src) {
			take_payload(l4, ts_rx);
		}
		return;
	}
	if (d != opt.src)
		return;
	if (l4[0] == 0 && get16(l4 + 4) == g.icmp_id && l4len >= 8 + PAYLOAD_MIN) {
		take_payload(l4, ts_rx);
		return;
	}
	if (l4[0] == 3 && l4len >= 8 + 20 + 8) {
		const uint8_t *q = l4 + 8; /* the quoted datagram */
		uint32_t qs;
		memcpy(&qs, q + 12, 4);
		if (qs == opt.src && q[9] == 17) {
			if (opt.mode == M_UDP)
				g.errors++;
			else
				g.bg_errors++;
		}
	}
}

static int drain(struct port *pt, bool is_out)
{
	int total = 0, n;

	while ((n = port_recv(pt)) > 0) {
		uint64_t fallback = 0;
		for (int i = 0; i < n; i++) {
			uint64_t ts = msg_rx_ns(&pt->msgs[i].msg_hdr);
			if (!ts) {
				if (!fallback)
					fallback = now_ns(CLOCK_REALTIME);
				ts = fallback;
			}
			handle_frame(pt, is_out, pt->iov[i].iov_base, pt->msgs[i].msg_len, ts);
		}
		total += n;
		if (n < BATCH)
			break;
	}
	return total;
}

static void drain_all(void)
{
	drain(&g.in, false);
	if (opt.outname)
		drain(&g.out, true);
}

/* --- /proc readings ----------------------------------------------------------------------- */

/* utime + stime of pid in clock ticks, or -1. */
static long long proc_cpu_ticks(int pid)
{
	char path[64], buf[2048];
	unsigned long long ut, st;
	FILE *f;
	size_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* after ") ": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

/* Time on CPU of every thread of pid in ns (/proc/PID/schedstat of the thread group leader
 * counts only itself: the responders here are single-threaded), or -1. Exact, unlike the tick
 * sampled utime+stime. */
static long long proc_sched_ns(int pid)
{
	char path[64];
	unsigned long long ns;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%llu", &ns) != 1) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return (long long)ns;
}

/* Busy ticks (user+nice+system+irq+softirq) of one core from /proc/stat, or -1. */
static long long core_busy_ticks(int cpu)
{
	char line[512], want[16];
	FILE *f = fopen("/proc/stat", "r");
	long long r = -1;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long u, ni, sy, id, io, irq, sirq;
		if (strncmp(line, want, strlen(want)) != 0)
			continue;
		if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu", &u, &ni, &sy, &id,
			   &io, &irq, &sirq) == 7)
			r = (long long)(u + ni + sy + irq + sirq);
		break;
	}
	fclose(f);
	return r;
}

static double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* --- phases ------------------------------------------------------------------------------- */

static void resolve_dst_mac(void)
{
	uint32_t target = opt.nexthop;
	static const uint8_t zero[6] = { 0 };

	for (int attempt = 0; attempt < 10 && !interrupted; attempt++) {
		send_arp(&g.in, 1, NULL, opt.src_mac, opt.src, zero, target);
		uint64_t until = now_ns(CLOCK_MONOTONIC) + 200000000ull;
		while (now_ns(CLOCK_MONOTONIC) < until) {
			int n = port_recv(&g.in);
			for (int i = 0; i < n; i++) {
				const uint8_t *f = g.in.iov[i].iov_base;
				uint32_t spa;
				if (g.in.msgs[i].msg_len < 42 || get16(f + 12) != ETHERTYPE_ARP ||
				    get16(f + 20) != 2)
					continue;
				memcpy(&spa, f + 28, 4);
				if (spa == target) {
					memcpy(g.dmac, f + 22, 6);
					return;
				}
			}
			if (!n)
				usleep(1000);
		}
	}
	char b[16];
	die(1, "no ARP reply for %s on %s within 2 s (give --dst-mac for a responder that does "
	    "not answer ARP)", ipstr(target, b), g.in.name);
}

/* echo6: the destination's MAC by Neighbor Discovery. The responder answers only once its
 * address has passed DAD (a second or two after it starts), so this asks for up to 6 s. */
static void resolve_dst_mac6(void)
{
	uint8_t grp[16], gmac[6];
	const uint8_t *target = opt.mode == M_FORWARD6 ? opt.nexthop6 : opt.dst6; /* the router */

	ns_dst(target, grp, gmac);
	for (int attempt = 0; attempt < 30 && !interrupted; attempt++) {
		send_nd(&g.in, false, grp, gmac, target);
		uint64_t until = now_ns(CLOCK_MONOTONIC) + 200000000ull;
		while (now_ns(CLOCK_MONOTONIC) < until) {
			int n = port_recv(&g.in);
			for (int i = 0; i < n; i++) {
				const uint8_t *f = g.in.iov[i].iov_base, *m = f + 54;
				size_t len = g.in.msgs[i].msg_len;
				if (len < 54 + 24 || get16(f + 12) != ETHERTYPE_IPV6_ || f[20] != 58)
					continue;
				if (m[0] == 135) { /* the responder resolving us meanwhile */
					handle_frame6(&g.in, false, f, len, 0);
					continue;
				}
				if (m[0] != 136 || f[21] != 255 || memcmp(m + 8, target, 16) != 0)
					continue;
				/* its target link-layer address option, else the frame's source */
				memcpy(g.dmac, f + 6, 6);
				for (size_t o = 24; o + 8 <= len - 54 && m[o + 1]; o += (size_t)m[o + 1] * 8)
					if (m[o] == 2 && m[o + 1] == 1)
						memcpy(g.dmac, m + o + 2, 6);
				return;
			}
			if (!n)
				usleep(1000);
		}
	}
	char b[INET6_ADDRSTRLEN];
	die(1, "no Neighbor Advertisement for %s on %s within 6 s (give --dst-mac for a responder that "
	    "does not answer NS)", addrstr(true, b), g.in.name);
}

/* Warm-up echo requests (not counted) until one is answered (or forwarded): ARP caches on
 * the way are filled before the clock starts. */
static void warm_up(void)
{
	uint64_t start = now_ns(CLOCK_MONOTONIC);

	for (unsigned k = 0; !interrupted; k++) {
		send_echo(k, MAGIC_WARM, opt.dst);
		txq_flush(&g.tx);
		uint64_t until = now_ns(CLOCK_MONOTONIC) + 20000000ull;
		while (now_ns(CLOCK_MONOTONIC) < until && !g.warm_replies) {
			drain_all();
			usleep(200);
		}
		if (g.warm_replies)
			break;
		if (now_ns(CLOCK_MONOTONIC) - start > 3000000000ull) {
			char b[INET6_ADDRSTRLEN];
			die(1, "warm-up: no %s for echo requests to %s within 3 s",
			    fwd_mode() ? "forwarded request seen on the exit" : "reply",
			    addrstr(true, b));
		}
	}
	/* let stragglers arrive, then start clean */
	uint64_t until = now_ns(CLOCK_MONOTONIC) + 50000000ull;
	while (now_ns(CLOCK_MONOTONIC) < until) {
		drain_all();
		usleep(1000);
	}
	g.stray = g.dups = g.errors = g.bg_errors = 0;
	g.tx.frames = g.tx.fail = g.tx.fail_kind[K_MAIN] = g.tx.fail_kind[K_BG] = 0;
}

static void usage(FILE *o)
{
	fprintf(o,
"usage: tapbench MODE -i IFACE --dst ADDR [options]\n"
"Load generator on an AF_PACKET socket bound to IFACE (the kernel side of a TAP).\n"
"MODE: echo | forward | udp-closed | frag | echo6 (ICMPv6 echo; --dst and --src are IPv6) |\n"
"      forward6 (echo6's requests through a router, as forward; --next-hop is IPv6)\n"
"  -i, --iface IF        send (and receive replies) on IF\n"
"  -o, --out IF          forward modes: count requests coming out of IF (answers ARP, forward6: NS,\n"
"                        there for --dst)\n"
"  -d, --dst ADDR        target address (the stack's, or behind it for forward)\n"
"  -s, --src ADDR        source address (default: IF's own IPv4 address; echo6: its 2001:db8::/32\n"
"                        address; tapbench answers the responder's NSs for it)\n"
"      --next-hop ADDR   whose MAC to learn by ARP (default --dst; forward: required, the router)\n"
"      --dst-mac MAC     destination MAC instead of ARP (for a responder that does not answer ARP)\n"
"      --src-mac MAC     source MAC (default: IF's MAC)\n"
"      --out-mac MAC     forward mode: MAC announced for --dst on --out (default 02:54:42:00:00:02)\n"
"  -r, --rate PPS        requests per second, open loop; 0 = flood (closed loop, --window) [0]\n"
"  -w, --window N        flood: at most N requests outstanding (1..4096) [512]\n"
"  -t, --duration SEC    sending time, at most 60 [5]\n"
"  -n, --count N         stop after N requests [no limit]\n"
"      --size BYTES      frame size (frag: of the whole datagram) [98; frag 1042; echo6 118]\n"
"      --frag-size N     frag mode: IP payload bytes per fragment, multiple of 8 [512]\n"
"      --bg-udp-closed PPS  echo mode: also send PPS UDP probes to closed ports\n"
"      --ports LO-HI     closed ports the UDP probes cycle through [33434-33533]\n"
"  -p, --pid PID         responder: CPU (utime+stime from /proc/PID/stat) per reply\n"
"      --cpu N           responder's core: busy time of cpuN from /proc/stat per reply\n"
"      --drain SEC       wait for late replies after sending stops [0.2]\n"
"      --no-warmup       skip the warm-up (ARP) echo exchange\n"
"      --label TEXT      copied into the JSON output\n"
"  -j, --json            one JSON object instead of the table\n"
"  -h, --help\n"
"Addresses outside 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 (echo6: 2001:db8::/32, fe80::/10)\n"
"are refused (exit 2).\n");
}

static void parse_args(int argc, char **argv)
{
	enum { O_NEXTHOP = 0x100, O_DMAC, O_SMAC, O_OMAC, O_SIZE, O_FRAG, O_BG, O_PORTS, O_CPU,
	       O_DRAIN, O_NOWARM, O_LABEL };
	static const struct option lo[] = {
		{ "iface", required_argument, NULL, 'i' }, { "out", required_argument, NULL, 'o' },
		{ "dst", required_argument, NULL, 'd' }, { "src", required_argument, NULL, 's' },
		{ "next-hop", required_argument, NULL, O_NEXTHOP },
		{ "dst-mac", required_argument, NULL, O_DMAC },
		{ "src-mac", required_argument, NULL, O_SMAC },
		{ "out-mac", required_argument, NULL, O_OMAC },
		{ "rate", required_argument, NULL, 'r' }, { "window", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 't' }, { "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, O_SIZE },
		{ "frag-size", required_argument, NULL, O_FRAG },
		{ "bg-udp-closed", required_argument, NULL, O_BG },
		{ "ports", required_argument, NULL, O_PORTS },
		{ "pid", required_argument, NULL, 'p' }, { "cpu", required_argument, NULL, O_CPU },
		{ "drain", required_argument, NULL, O_DRAIN },
		{ "no-warmup", no_argument, NULL, O_NOWARM },
		{ "label", required_argument, NULL, O_LABEL },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dst = NULL;
	int c;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		exit(0);
	}
	if (argc < 2 || argv[1][0] == '-')
		die(2, "missing MODE (echo, forward, udp-closed, frag, echo6); see -h");
	for (int m = 0; m < M__COUNT; m++)
		if (strcmp(argv[1], mode_names[m]) == 0)
			opt.mode = (enum mode)m, dst = "";
	if (!dst)
		die(2, "unknown mode \"%s\" (echo, forward, udp-closed, frag, echo6, forward6)", argv[1]);
	dst = NULL;
	optind = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:o:d:s:r:w:t:n:p:jh", lo, NULL)) != -1) {
		switch (c) {
		case 'i': opt.ifname = optarg; break;
		case 'o': opt.outname = optarg; break;
		case 'd':
			dst = optarg;
			if (v6_mode())
				parse_addr6("--dst", optarg, opt.dst6);
			else
				opt.dst = parse_addr("--dst", optarg);
			break;
		case 's':
			if (v6_mode())
				parse_addr6("--src", optarg, opt.src6);
			else
				opt.src = parse_addr("--src", optarg);
			opt.have_src = true;
			break;
		case O_NEXTHOP:
			if (opt.mode == M_FORWARD6)
				parse_addr6("--next-hop", optarg, opt.nexthop6);
			else
				opt.nexthop = parse_addr("--next-hop", optarg);
			opt.have_nexthop = true;
			break;
		case O_DMAC: parse_mac("--dst-mac", optarg, opt.dst_mac); opt.have_dst_mac = true; break;
		case O_SMAC: parse_mac("--src-mac", optarg, opt.src_mac); opt.have_src_mac = true; break;
		case O_OMAC: parse_mac("--out-mac", optarg, opt.out_mac); break;
		case 'r': opt.rate = parse_num("--rate", optarg, 0, 20e6); break;
		case 'w': opt.window = (unsigned)parse_num("--window", optarg, 1, 4096); break;
		case 't': opt.duration = parse_num("--duration", optarg, 0.01, MAX_DURATION); break;
		case 'n': opt.count = (uint64_t)parse_num("--count", optarg, 1, (double)MAX_COUNT); break;
		case O_SIZE: opt.size = (unsigned)parse_num("--size", optarg, 0, 65000); break;
		case O_FRAG: opt.frag_size = (unsigned)parse_num("--frag-size", optarg, 8, 1480); break;
		case O_BG: opt.bg_udp = parse_num("--bg-udp-closed", optarg, 0, 5e6); break;
		case O_PORTS: {
			unsigned a, b;
			int n = 0;
			if (sscanf(optarg, "%u-%u%n", &a, &b, &n) != 2 || optarg[n] || a < 1 || b > 65535 ||
			    a > b)
				die(2, "--ports: want LO-HI, got \"%s\"", optarg);
			opt.port_lo = a;
			opt.port_hi = b;
			break;
		}
		case 'p': opt.pid = (int)parse_num("--pid", optarg, 1, 1 << 30); break;
		case O_CPU: opt.cpu = (int)parse_num("--cpu", optarg, 0, 4095); break;
		case O_DRAIN: opt.drain = parse_num("--drain", optarg, 0, 5); break;
		case O_NOWARM: opt.warmup = false; break;
		case O_LABEL: opt.label = optarg; break;
		case 'j': opt.json = true; break;
		case 'h': usage(stdout); exit(0);
		case ':': die(2, "option \"%s\" needs an argument (see -h)", argv[optind - 1]);
		default: die(2, "unknown option \"%s\" (see -h)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die(2, "unexpected argument \"%s\"", argv[optind]);
	if (!opt.ifname)
		die(2, "-i IFACE is required");
	if (!dst)
		die(2, "--dst ADDR is required");
	if (fwd_mode() && !opt.outname)
		die(2, "forward mode needs --out IFACE");
	if (!fwd_mode() && opt.outname)
		die(2, "--out is for forward mode");
	if (fwd_mode() && !opt.have_nexthop && !opt.have_dst_mac)
		die(2, "forward mode needs --next-hop ADDR (the router) or --dst-mac");
	if (opt.bg_udp > 0 && opt.mode != M_ECHO)
		die(2, "--bg-udp-closed is for echo mode");
	if (opt.frag_size % 8)
		die(2, "--frag-size must be a multiple of 8");
	if (opt.mode == M_ECHO6 && (opt.have_nexthop || opt.bg_udp > 0))
		die(2, "echo6: no --next-hop or --bg-udp-closed");
	if (!opt.size) /* echo6: the 64-byte ICMP message of the IPv4 default (ping's 56 data bytes) */
		opt.size = opt.mode == M_FRAG ? 1042 : v6_mode() ? 118 : 98;
	if (opt.size < 34 + 8 + PAYLOAD_MIN)
		die(2, "--size: at least %u bytes", 34 + 8 + PAYLOAD_MIN);
	if (v6_mode() && opt.size < 54 + 8 + PAYLOAD_MIN)
		die(2, "--size: at least %u bytes for echo6", 54 + 8 + PAYLOAD_MIN);
	if (opt.mode != M_FRAG && opt.size > 1514)
		die(2, "--size: at most 1514 bytes unfragmented (use frag mode)");
	if (opt.mode == M_FRAG && (opt.size - 34 + opt.frag_size - 1) / opt.frag_size > MAX_FRAGS)
		die(2, "frag: too many fragments (at most %d)", MAX_FRAGS);
	if (!opt.have_nexthop)
		opt.nexthop = opt.dst;
}

/* --- the run ------------------------------------------------------------------------------ */

/* An IPv6 address of the interface: want (true when the kernel holds it), or with want NULL the
 * first in 2001:db8::/32 into out (false when there is none). */
static bool iface_addr6(const char *name, const uint8_t *want, uint8_t out[16])
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) < 0)
		die(1, "getifaddrs: %s", strerror(errno));
	for (i = ifa; i; i = i->ifa_next) {
		const uint8_t *a;
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 || strcmp(i->ifa_name, name) != 0)
			continue;
		a = ((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr.s6_addr;
		if (want ? memcmp(a, want, 16) == 0 : a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) {
			if (out)
				memcpy(out, a, 16);
			break;
		}
	}
	freeifaddrs(ifa);
	return i != NULL;
}

static void print_results(double secs, double cpu_s, long long cpu_ticks, long long core_ticks,
			  long long sched_ns, uint64_t tap_drops, uint64_t sock_drops)
{
	long hz = sysconf(_SC_CLK_TCK);
	double rep_s = g.replies / secs, sent_s = g.sent / secs;
	double loss = g.sent ? 100.0 * (double)(g.sent - (g.replies < g.sent ? g.replies : g.sent)) /
				       (double)g.sent : 0.0;
	double cpu_us = cpu_ticks >= 0 && g.replies ? cpu_ticks * 1e6 / hz / (double)g.replies : -1;
	double core_us = core_ticks >= 0 && g.replies ? core_ticks * 1e6 / hz / (double)g.replies : -1;
	double cpu_util = cpu_ticks >= 0 ? 100.0 * cpu_ticks / hz / secs : -1;
	double core_util = core_ticks >= 0 ? 100.0 * core_ticks / hz / secs : -1;
	uint64_t replies_or_errs = opt.mode == M_UDP ? g.errors : g.replies;
	uint64_t per = opt.mode == M_UDP ? g.sent : g.replies;
	double sched_us = sched_ns >= 0 && per ? sched_ns / 1e3 / (double)per : -1;
	char sb[INET6_ADDRSTRLEN], db[INET6_ADDRSTRLEN];

	if (opt.mode == M_UDP) {
		rep_s = g.errors / secs;
		loss = 0;
		cpu_us = cpu_ticks >= 0 && g.sent ? cpu_ticks * 1e6 / hz / (double)g.sent : -1;
		core_us = core_ticks >= 0 && g.sent ? core_ticks * 1e6 / hz / (double)g.sent : -1;
	}
	if (opt.json) {
		printf("{\"mode\": \"%s\", \"label\": \"%s\", \"src\": \"%s\", \"dst\": \"%s\", "
		       "\"rate\": %.0f, \"window\": %u, \"frame_bytes\": %u, \"duration_s\": %.4f, "
		       "\"sent\": %llu, \"sent_per_s\": %.1f, \"replies\": %llu, \"replies_per_s\": %.1f, "
		       "\"loss_pct\": %.4f, \"dups\": %llu, \"stray\": %llu, \"errors\": %llu, "
		       "\"bg_udp_rate\": %.0f, \"bg_sent\": %llu, \"bg_errors\": %llu, "
		       "\"frames_sent\": %llu, \"send_fail\": %llu, \"send_fail_bg\": %llu, "
		       "\"tap_tx_dropped\": %llu, "
		       "\"socket_drops\": %llu, \"arp_answered\": %llu, ",
		       mode_names[opt.mode], opt.label ? opt.label : "", addrstr(false, sb),
		       addrstr(true, db), opt.rate, opt.rate > 0 ? 0 : opt.window, opt.size, secs,
		       (unsigned long long)g.sent, sent_s, (unsigned long long)replies_or_errs, rep_s,
		       loss, (unsigned long long)g.dups, (unsigned long long)g.stray,
		       (unsigned long long)g.errors, opt.bg_udp, (unsigned long long)g.bg_sent,
		       (unsigned long long)g.bg_errors, (unsigned long long)g.tx.frames,
		       (unsigned long long)g.tx.fail, (unsigned long long)g.tx.fail_kind[K_BG],
		       (unsigned long long)tap_drops,
		       (unsigned long long)sock_drops, (unsigned long long)g.arp_answered);
		printf("\"rtt_us\": {\"n\": %llu, \"min\": %.3f, \"p50\": %.3f, \"p99\": %.3f, "
		       "\"p999\": %.3f, \"max\": %.3f, \"mean\": %.3f}, ",
		       (unsigned long long)g.rtt.n, g.rtt.min / 1e3, h_pct(&g.rtt, 50) / 1e3,
		       h_pct(&g.rtt, 99) / 1e3, h_pct(&g.rtt, 99.9) / 1e3, g.rtt.max / 1e3,
		       g.rtt.n ? (double)g.rtt.sum / (double)g.rtt.n / 1e3 : 0.0);
		printf("\"pid\": %d, ", opt.pid);
		if (cpu_us >= 0)
			printf("\"cpu_us_per_reply\": %.4f, \"cpu_util_pct\": %.1f, ", cpu_us, cpu_util);
		else
			printf("\"cpu_us_per_reply\": null, \"cpu_util_pct\": null, ");
		if (sched_us >= 0)
			printf("\"sched_us_per_reply\": %.4f, \"sched_util_pct\": %.1f, ", sched_us,
			       sched_ns / 1e7 / secs);
		if (core_us >= 0)
			printf("\"core\": %d, \"core_us_per_reply\": %.4f, \"core_util_pct\": %.1f, ",
			       opt.cpu, core_us, core_util);
		printf("\"gen_cpu_util_pct\": %.1f}\n", 100.0 * cpu_s / secs);
		return;
	}
	printf("tapbench %s on %s: %s -> %s, %u-byte frames, %s", mode_names[opt.mode], opt.ifname,
	       addrstr(false, sb), addrstr(true, db), opt.size, opt.rate > 0 ? "" : "flood");
	if (opt.rate > 0)
		printf("%.0f pps", opt.rate);
	else
		printf(" (window %u)", opt.window);
	if (opt.bg_udp > 0)
		printf(", plus %.0f pps UDP to closed ports", opt.bg_udp);
	printf(", %.2f s\n", secs);
	printf("  %-22s %14s %14s\n", "", "total", "per second");
	printf("  %-22s %14llu %14.0f\n", "sent", (unsigned long long)g.sent, sent_s);
	printf("  %-22s %14llu %14.0f\n",
	       opt.mode == M_UDP ? "ICMP errors" : fwd_mode() ? "forwarded" : "replies",
	       (unsigned long long)replies_or_errs, rep_s);
	if (opt.mode != M_UDP)
		printf("  %-22s %13.3f%%   (dups %llu, stray %llu)\n", "loss", loss,
		       (unsigned long long)g.dups, (unsigned long long)g.stray);
	if (opt.bg_udp > 0)
		printf("  %-22s %14llu %14.0f   (refused by the TAP queue %llu, ICMP errors %llu)\n",
		       "background UDP probes", (unsigned long long)g.bg_sent, g.bg_sent / secs,
		       (unsigned long long)g.tx.fail_kind[K_BG], (unsigned long long)g.bg_errors);
	printf("  %-22s %14llu   (TAP queue drops %llu, socket drops %llu)\n", "frames sent",
	       (unsigned long long)g.tx.frames, (unsigned long long)tap_drops,
	       (unsigned long long)sock_drops);
	if (g.rtt.n)
		printf("  %-22s p50 %.1f  p99 %.1f  p99.9 %.1f  (min %.1f, max %.1f)\n",
		       fwd_mode() ? "one-way latency (µs)" : "RTT (µs)", h_pct(&g.rtt, 50) / 1e3,
		       h_pct(&g.rtt, 99) / 1e3, h_pct(&g.rtt, 99.9) / 1e3, g.rtt.min / 1e3,
		       g.rtt.max / 1e3);
	if (cpu_us >= 0)
		printf("  %-22s %.3f µs per %s (pid %d at %.1f%% CPU)\n", "responder CPU", cpu_us,
		       opt.mode == M_UDP ? "probe" : "reply", opt.pid, cpu_util);
	if (sched_us >= 0)
		printf("  %-22s %.3f µs per %s (schedstat run time)\n", "", sched_us,
		       opt.mode == M_UDP ? "probe" : "reply");
	if (core_us >= 0)
		printf("  %-22s %.3f µs per %s (cpu%d %.1f%% busy)\n", "responder core", core_us,
		       opt.mode == M_UDP ? "probe" : "reply", opt.cpu, core_util);
	printf("  %-22s %.1f%% CPU\n", "generator", 100.0 * cpu_s / secs);
}

int main(int argc, char **argv)
{
	struct sigaction sa;

	prog_name_set("tapbench");
	parse_args(argc, argv);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	port_open(&g.in, opt.ifname);
	if (opt.outname)
		port_open(&g.out, opt.outname);
	if (v6_mode() && !opt.have_src && !iface_addr6(opt.ifname, NULL, opt.src6))
		die(2, "%s has no address in 2001:db8::/32: give --src", opt.ifname);
	/* The kernel answers the responder's NSs for an address it holds; tapbench only for others. */
	if (v6_mode())
		g.src6_kernel = iface_addr6(opt.ifname, opt.src6, NULL);
	if (!v6_mode() && !opt.have_src) {
		if (!g.in.addr)
			die(2, "%s has no IPv4 address: give --src", opt.ifname);
		if (!addr_allowed(g.in.addr)) {
			char b[16];
			die(2, "--src: refusing %s (the address of %s): only documentation ranges may be "
			    "used", ipstr(g.in.addr, b), opt.ifname);
		}
		opt.src = g.in.addr;
	}
	if (!opt.have_src_mac)
		memcpy(opt.src_mac, g.in.mac, 6);
	txq_init(&g.tx, &g.in);
	g.icmp_id = (uint16_t)(getpid() ^ 0x5442);
	g.ip_id = (uint16_t)(getpid() * 7);
	g.udp_port = (uint16_t)opt.port_lo;

	/* how many sequence numbers may be used: the bitmap for duplicates */
	double expect = opt.rate > 0 ? opt.rate * opt.duration * 1.05 + 1024 : (double)MAX_COUNT;
	g.seen_bits = opt.count ? opt.count : (uint64_t)fmin(expect, (double)MAX_COUNT);
	g.seen = calloc(g.seen_bits / 8 + 1, 1);
	if (!g.seen)
		die(1, "out of memory");

	if (opt.have_dst_mac)
		memcpy(g.dmac, opt.dst_mac, 6);
	else if (v6_mode())
		resolve_dst_mac6();
	else
		resolve_dst_mac();
	if (opt.warmup)
		warm_up();
	else
		drain_all();
	port_drops(&g.in);
	if (opt.outname)
		port_drops(&g.out);

	uint64_t tapd0 = if_tx_dropped(opt.ifname);
	long long cpu0 = opt.pid ? proc_cpu_ticks(opt.pid) : -1;
	long long core0 = opt.cpu >= 0 ? core_busy_ticks(opt.cpu) : -1;
	long long sched0 = opt.pid ? proc_sched_ns(opt.pid) : -1;
	if (opt.pid && cpu0 < 0)
		die(1, "--pid %d: cannot read /proc/%d/stat", opt.pid, opt.pid);
	double gen0 = self_cpu_s();
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	uint64_t dur_ns = (uint64_t)(opt.duration * 1e9);
	uint64_t t_end = t0 + dur_ns, t_stop;
	uint64_t bg_seq = 0, lost_base = 0, last_rx = t0, last_progress = g.replies;
	bool bg = opt.bg_udp > 0;
	bool udp_main = opt.mode == M_UDP;

	for (;;) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		if (now >= t_end || interrupted || (opt.count && g.sent >= opt.count)) {
			t_stop = now;
			break;
		}
		double el = (double)(now - t0) / 1e9;
		unsigned want = 0;
		if (opt.rate > 0) {
			double due = opt.rate * el - (double)g.sent;
			want = due >= BATCH ? BATCH : due > 0 ? (unsigned)ceil(due) : 0;
		} else {
			/* flood: closed loop with a window; frames the TAP queue refused count as done
			 * at once, frames the responder never answered are written off after 20 ms of
			 * silence so the window reopens */
			uint64_t done = g.replies + g.dups + lost_base + g.tx.fail_kind[K_MAIN];
			uint64_t out = g.sent > done ? g.sent - done : 0;
			if (udp_main)
				out = 0;
			if (g.replies != last_progress) {
				last_progress = g.replies;
				last_rx = now;
			} else if (out && now - last_rx > 20000000ull) {
				lost_base += out;
				out = 0;
				last_rx = now;
			}
			want = out >= opt.window ? 0 : opt.window - (unsigned)out;
			if (want > BATCH)
				want = BATCH;
		}
		if (opt.count && g.sent + want > opt.count)
			want = (unsigned)(opt.count - g.sent);
		for (unsigned k = 0; k < want; k++) {
			if (udp_main)
				send_udp(g.sent, MAGIC, K_MAIN);
			else
				send_echo(g.sent, MAGIC, opt.dst);
			g.sent++;
		}
		if (bg) {
			double due = opt.bg_udp * el - (double)bg_seq;
			for (unsigned k = 0; k < BATCH && due > (double)k; k++) {
				send_udp(bg_seq++, MAGIC, K_BG);
				g.bg_sent++;
			}
		}
		if (g.tx.n)
			txq_flush(&g.tx);
		drain_all();
	}
	/* late replies */
	uint64_t until = now_ns(CLOCK_MONOTONIC) + (uint64_t)(opt.drain * 1e9);
	while (now_ns(CLOCK_MONOTONIC) < until) {
		drain_all();
		if (!udp_main && !bg && g.replies >= g.sent)
			break;
	}
	long long cpu1 = opt.pid ? proc_cpu_ticks(opt.pid) : -1;
	long long core1 = opt.cpu >= 0 ? core_busy_ticks(opt.cpu) : -1;
	long long sched1 = opt.pid ? proc_sched_ns(opt.pid) : -1;
	double gen_cpu = self_cpu_s() - gen0;
	uint64_t tapd = if_tx_dropped(opt.ifname) - tapd0;
	uint64_t sdrops = port_drops(&g.in) + (opt.outname ? port_drops(&g.out) : 0);
	double secs = (double)(t_stop - t0) / 1e9;

	if (opt.pid && cpu1 < 0)
		die(1, "--pid %d: the responder went away during the run", opt.pid);
	print_results(secs, gen_cpu, cpu0 >= 0 ? cpu1 - cpu0 : -1, core0 >= 0 ? core1 - core0 : -1,
		      sched0 >= 0 && sched1 >= 0 ? sched1 - sched0 : -1, tapd,
		      sdrops);
	return interrupted ? 130 : 0;
}
