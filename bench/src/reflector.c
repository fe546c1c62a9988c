/* bench/src/reflector.c — the physical-limit baseline for tapbench: a bare TAP responder.
 *
 * echo mode (default): read a frame from the TAP, swap the Ethernet source and destination, swap
 * the IPv4 source and destination (the header checksum is unchanged by a swap), turn an ICMP echo
 * request (type 8) into an echo reply (type 0, RFC 1624 incremental checksum), write it back.
 * Nothing is validated beyond "the EtherType says IPv4 and the frame is long enough to index": it
 * is the cost of one read and one write per frame and nothing else. --echo-only writes only echo
 * requests' replies and drops every other frame once read: the same reads tapstackd makes under a
 * flood of closed-port UDP probes (whose errors its rate limit refuses), none of its work.
 * IPv6 (issue 14): an ICMPv6 echo request directly behind the fixed header is answered the same
 * way (MACs and the 16-byte addresses swapped, type 128 -> 129, checksum - 0x0100); every other
 * IPv6 frame is read and dropped. The reflector does no Neighbor Discovery (nor ARP): the generator
 * is given its MAC.
 *
 * forward mode (-o TAP): read from the first TAP, set the destination MAC to --dst-mac and the
 * source MAC to --src-mac, decrement the TTL (incremental checksum) or IPv6's hop limit, write to
 * the second TAP.
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
 * separates that effect from what io_uring itself saves (bench/src/reflector_uring.c).
 *
 * The TAP is created, or attached when it exists (a persistent one: `ip tuntap add mode tap`),
 * with IFF_TAP | IFF_NO_PI. SIGINT/SIGTERM: prints the frame counters to stderr and exits 0.
 *
 * bench/src/reflector_uring.c (build/reflector-uring) is the same responder on io_uring; both
 * take the frame handling from bench/src/reflect.h so that they do exactly the same work per frame.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "bench/src/reflect.h"
#include "tools/util.h"

#define FRAME_MAX 65536u
#define BATCH_BUF 2048u  /* --batch: bytes per frame buffer (as reflector-uring's) */
#define BATCH_MAX 1024u

static void usage(FILE *o)
{
	fprintf(o,
		"usage: reflector -i TAP [-o TAP --dst-mac MAC [--src-mac MAC]] [--block] [--batch N]\n"
		"                 [--echo-only] [-q]\n"
		"  -i, --iface TAP     TAP to read (created, or attached when it exists; IFF_TAP|IFF_NO_PI)\n"
		"  -o, --out TAP       forward mode: write every IPv4 or IPv6 frame read from -i to this TAP\n"
		"                      with new MACs and TTL or hop limit - 1 (default: echo mode, reply on -i)\n"
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
		"and ICMPv6 echo requests likewise (other IPv6 frames are dropped), with no validation.\n"
		"SIGINT/SIGTERM: print counters to stderr, exit 0.\n");
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
	struct reflect_opts ro = REFLECT_OPTS_INIT;
	bool use_epoll = true, quiet = false;
	uint8_t *buf;
	size_t *lens = NULL;
	unsigned batch = 1;
	int c, in_fd, out_fd, epfd = -1;

	prog_name_set("reflector");

	while ((c = getopt_long(argc, argv, "i:o:qh", longopts, NULL)) != -1) {
		if (reflect_opt(&ro, c, optarg))
			continue;
		switch (c) {
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
	reflect_opts_check(&ro, optind, argc, argv);

	reflect_signals();

	if (batch > 1 && !use_epoll)
		die(2, "%s", "--batch needs --epoll");
	buf = malloc(batch > 1 ? (size_t)batch * BATCH_BUF : FRAME_MAX);
	lens = malloc(sizeof(*lens) * batch);
	if (!buf || !lens)
		die(1, "%s", "out of memory");
	in_fd = tap_attach(ro.in_name, use_epoll);
	out_fd = ro.out_name ? tap_attach(ro.out_name, use_epoll) : in_fd;
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
					lens[k] = ro.out_name ? forward(buf + (size_t)k * BATCH_BUF, (size_t)n, ro.dmac, ro.smac)
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
				len = ro.out_name ? forward(buf, (size_t)n, ro.dmac, ro.smac) : reflect(buf, (size_t)n);
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
		len = ro.out_name ? forward(buf, (size_t)n, ro.dmac, ro.smac) : reflect(buf, (size_t)n);
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
