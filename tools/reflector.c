/* tools/reflector.c — the physical-limit baseline for tapbench: a bare TAP responder.
 *
 * echo mode (default): read a frame from the TAP, swap the Ethernet source and destination, swap
 * the IPv4 source and destination (the header checksum is unchanged by a swap), turn an ICMP echo
 * request (type 8) into an echo reply (type 0, RFC 1624 incremental checksum), write it back.
 * Nothing is validated beyond "the EtherType says IPv4 and the frame is long enough to index": it
 * is the cost of one read and one write per frame and nothing else. --echo-only writes only echo
 * requests' replies and drops every other frame once read: the same reads tapstackd makes under a
 * flood of closed-port UDP probes (whose errors its rate limit refuses), none of its work.
 *
 * forward mode (-o TAP): read from the first TAP, set the destination MAC to --dst-mac and the
 * source MAC to --src-mac, decrement the TTL (incremental checksum), write to the second TAP.
 *
 * Waiting: by default the TAP fd is non-blocking; the thread drains it until EAGAIN, then sleeps in
 * epoll_wait. --block opens it blocking and sits in read(2) instead (no epoll_wait, no EAGAIN
 * read), which measures slower: the kernel builds the skb of a write on a non-blocking TAP fd
 * from a page fragment (tun_build_skb) and only then; on a blocking one it takes the generic
 * alloc_skb + copy path (docs/perf.md has the numbers).
 *
 * --batch N (epoll only): read up to N frames (until EAGAIN) into N buffers of 2 KiB, then write
 * all their replies: the same read(2) and write(2) per frame, but the writes back to back, as
 * tapstackd's loop does (it reads up to 256 frames, then drains its transmit queue). The kernel
 * side's receive path, which each TAP write runs on this core, then runs on warm caches; this
 * separates that effect from what io_uring itself saves (tools/reflector_uring.c).
 *
 * The TAP is created, or attached when it exists (a persistent one: `ip tuntap add mode tap`),
 * with IFF_TAP | IFF_NO_PI. SIGINT/SIGTERM: prints the frame counters to stderr and exits 0.
 *
 * tools/reflector_uring.c (build/reflector-uring) is the same responder on io_uring; it includes
 * this file with REFLECTOR_NO_MAIN so that both do exactly the same work per frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define FRAME_MAX 65536u
#define BATCH_BUF 2048u  /* --batch: bytes per frame buffer (as reflector-uring's) */
#define BATCH_MAX 1024u

static volatile sig_atomic_t quit;
static uint64_t n_rx, n_tx, n_drop, n_short;
static bool echo_only; /* --echo-only: every frame but an ICMP echo request is read and dropped */

static void on_signal(int sig)
{
	quit = sig;
}

static void die(int code, const char *fmt, const char *arg)
{
	fprintf(stderr, "reflector: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(code);
}

static int tap_attach(const char *name, bool nonblock)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));

	if (fd < 0)
		die(1, "cannot open /dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (strlen(name) >= IFNAMSIZ)
		die(2, "interface name too long: %s", name);
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "reflector: %s: TUNSETIFF: %s\n", name, strerror(errno));
		exit(1);
	}
	return fd;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int n = 0;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &n) != 6 ||
	    s[n] != '\0')
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

/* Adds a 16-bit quantity to a checksum field in ones' complement (RFC 1624 eqn. 3 for a word
 * that decreased by `delta`). Both in host order of the big-endian field's value. */
static inline void csum_add_be(uint8_t *field, uint32_t delta)
{
	uint32_t c = ((uint32_t)field[0] << 8 | field[1]) + delta;

	c = (c & 0xffffu) + (c >> 16);
	field[0] = (uint8_t)(c >> 8);
	field[1] = (uint8_t)c;
}

/* Echo: swap and answer in place. Returns the length to write, 0 to drop. */
static inline size_t reflect(uint8_t *f, size_t n)
{
	uint8_t t[6];
	uint32_t a;
	size_t ihl;

	if (n < 34 || f[12] != 0x08 || f[13] != 0x00) {
		n_drop++;
		return 0;
	}
	memcpy(t, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, t, 6);
	memcpy(&a, f + 26, 4);
	memcpy(f + 26, f + 30, 4);
	memcpy(f + 30, &a, 4);
	ihl = (size_t)(f[14] & 15) * 4;
	/* ICMP echo request, first fragment (offset 0): type 8 -> 0, checksum + 0x0800. */
	if (f[23] == 1 && (f[20] & 0x1f) == 0 && f[21] == 0 && n >= 14 + ihl + 4 && f[14 + ihl] == 8) {
		f[14 + ihl] = 0;
		csum_add_be(f + 14 + ihl + 2, 0x0800);
	} else if (echo_only) {
		n_drop++;
		return 0;
	}
	return n;
}

/* Forward: new MACs, TTL - 1. Returns the length to write, 0 to drop. */
static inline size_t forward(uint8_t *f, size_t n, const uint8_t dmac[6], const uint8_t smac[6])
{
	if (n < 34 || f[12] != 0x08 || f[13] != 0x00 || f[22] <= 1) {
		n_drop++;
		return 0;
	}
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[22]--;
	csum_add_be(f + 24, 0x0100); /* the TTL byte is the high half of its word */
	return n;
}

#ifndef REFLECTOR_NO_MAIN /* tools/reflector_uring.c includes the frame handling above */
static void usage(FILE *o)
{
	fprintf(o,
		"usage: reflector -i TAP [-o TAP --dst-mac MAC [--src-mac MAC]] [--block] [--batch N]\n"
		"                 [--echo-only] [-q]\n"
		"  -i, --iface TAP     TAP to read (created, or attached when it exists; IFF_TAP|IFF_NO_PI)\n"
		"  -o, --out TAP       forward mode: write every IPv4 frame read from -i to this TAP with\n"
		"                      new MACs and TTL - 1 (default: echo mode, reply on -i)\n"
		"      --dst-mac MAC   forward mode: destination MAC of forwarded frames\n"
		"      --src-mac MAC   forward mode: source MAC (default 02:00:00:00:00:01)\n"
		"      --epoll         (default) non-blocking fd: drain until EAGAIN, then epoll_wait\n"
		"      --block         blocking fd: sit in read(2), one read + one write per frame\n"
		"                      (slower: writes on a blocking TAP fd miss tun_build_skb)\n"
		"      --batch N       epoll: read up to N frames (1..1024, 2 KiB buffers), then write\n"
		"                      their replies back to back (default 1: read, write, read, ...)\n"
		"      --echo-only     echo mode: reply to ICMP echo requests only; read and drop every\n"
		"                      other frame (the baseline under closed-port UDP probes)\n"
		"  -q, --quiet         no counters on exit\n"
		"Echo mode swaps Ethernet and IPv4 addresses and turns ICMP echo requests into replies,\n"
		"with no validation. SIGINT/SIGTERM: print counters to stderr, exit 0.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' }, { "out", required_argument, NULL, 'o' },
		{ "dst-mac", required_argument, NULL, 'D' }, { "src-mac", required_argument, NULL, 'S' },
		{ "epoll", no_argument, NULL, 'E' }, { "block", no_argument, NULL, 'B' },
		{ "quiet", no_argument, NULL, 'q' }, { "batch", required_argument, NULL, 'b' },
		{ "echo-only", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *in_name = NULL, *out_name = NULL;
	uint8_t dmac[6] = { 0 }, smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	bool have_dmac = false, use_epoll = true, quiet = false;
	struct sigaction sa;
	uint8_t *buf;
	size_t *lens = NULL;
	unsigned batch = 1;
	int c, in_fd, out_fd, epfd = -1;

	while ((c = getopt_long(argc, argv, "i:o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': in_name = optarg; break;
		case 'o': out_name = optarg; break;
		case 'D':
			if (parse_mac(optarg, dmac) < 0)
				die(2, "bad --dst-mac \"%s\"", optarg);
			have_dmac = true;
			break;
		case 'S':
			if (parse_mac(optarg, smac) < 0)
				die(2, "bad --src-mac \"%s\"", optarg);
			break;
		case 'E': use_epoll = true; break;
		case 'B': use_epoll = false; break;
		case 'q': quiet = true; break;
		case 'e': echo_only = true; break;
		case 'b': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (end == optarg || *end || v < 1 || v > BATCH_MAX)
				die(2, "bad --batch \"%s\" (1..1024)", optarg);
			batch = (unsigned)v;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		die(2, "unexpected argument \"%s\"", argv[optind]);
	if (!in_name)
		die(2, "%s", "-i TAP is required (see -h)");
	if (out_name && !have_dmac)
		die(2, "%s", "forward mode (-o) needs --dst-mac");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a blocked read returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (batch > 1 && !use_epoll)
		die(2, "%s", "--batch needs --epoll");
	buf = malloc(batch > 1 ? (size_t)batch * BATCH_BUF : FRAME_MAX);
	lens = malloc(sizeof(*lens) * batch);
	if (!buf || !lens)
		die(1, "%s", "out of memory");
	in_fd = tap_attach(in_name, use_epoll);
	out_fd = out_name ? tap_attach(out_name, use_epoll) : in_fd;
	if (use_epoll) {
		struct epoll_event ev = { .events = EPOLLIN };
		epfd = epoll_create1(EPOLL_CLOEXEC);
		if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, in_fd, &ev) < 0)
			die(1, "epoll: %s", strerror(errno));
	}

	while (!quit) {
		ssize_t n = -1;
		size_t len;

		if (use_epoll) {
			struct epoll_event ev;
			if (epoll_wait(epfd, &ev, 1, -1) < 0 && errno != EINTR)
				die(1, "epoll_wait: %s", strerror(errno));
			/* --batch: up to `batch` reads, then their writes; until EAGAIN */
			while (batch > 1 && !quit) {
				unsigned k = 0;

				while (k < batch && (n = read(in_fd, buf + (size_t)k * BATCH_BUF, BATCH_BUF)) > 0) {
					n_rx++;
					lens[k] = out_name ? forward(buf + (size_t)k * BATCH_BUF, (size_t)n, dmac, smac)
							   : reflect(buf + (size_t)k * BATCH_BUF, (size_t)n);
					k++;
				}
				int e = errno;
				for (unsigned i = 0; i < k; i++) {
					if (lens[i] && write(out_fd, buf + (size_t)i * BATCH_BUF, lens[i]) == (ssize_t)lens[i])
						n_tx++;
					else if (lens[i])
						n_short++;
				}
				if (k == batch)
					continue;
				if (n == 0 || (n < 0 && e != EAGAIN && e != EINTR))
					die(1, "read: %s", n == 0 ? "end of file" : strerror(e));
				break;
			}
			if (batch > 1)
				continue;
			/* drain until EAGAIN */
			while (!quit && (n = read(in_fd, buf, FRAME_MAX)) > 0) {
				n_rx++;
				len = out_name ? forward(buf, (size_t)n, dmac, smac) : reflect(buf, (size_t)n);
				if (len && write(out_fd, buf, len) == (ssize_t)len)
					n_tx++;
				else if (len)
					n_short++;
			}
			if (!quit && (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)))
				die(1, "read: %s", n == 0 ? "end of file" : strerror(errno));
			continue;
		}
		n = read(in_fd, buf, FRAME_MAX);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			die(1, "read: %s", n == 0 ? "end of file" : strerror(errno));
		}
		n_rx++;
		len = out_name ? forward(buf, (size_t)n, dmac, smac) : reflect(buf, (size_t)n);
		if (len && write(out_fd, buf, len) == (ssize_t)len)
			n_tx++;
		else if (len)
			n_short++;
	}
	if (!quiet)
		fprintf(stderr, "reflector: rx %llu tx %llu dropped %llu write_failed %llu\n",
			(unsigned long long)n_rx, (unsigned long long)n_tx, (unsigned long long)n_drop,
			(unsigned long long)n_short);
	free(buf);
	free(lens);
	return 0;
}
#endif /* REFLECTOR_NO_MAIN */
