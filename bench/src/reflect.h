/* bench/src/reflect.h — what the two bare responders share (build/reflector, bench/src/reflector.c;
 * build/reflector-uring, bench/src/reflector_uring.c): the TAP attach, the MAC parser, the frame
 * counters, the stop flag, and the work done on each frame. reflect() and forward() are inline
 * here so that both programs swap and rewrite exactly the same bytes at exactly the same cost; only
 * their I/O differs. */
#ifndef TAPSTACK_BENCH_REFLECT_H
#define TAPSTACK_BENCH_REFLECT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Frames read, replies written, frames dropped unanswered, writes that failed or were short. */
extern uint64_t n_rx, n_tx, n_drop, n_short;
/* --echo-only: every frame but an ICMP echo request is read and dropped. (IPv6: only ICMPv6 echo
 * requests are ever answered, with or without it.) */
extern bool echo_only;
/* Set by SIGINT/SIGTERM (reflect_signals): the loops stop. */
extern volatile sig_atomic_t quit;

/* SIGINT and SIGTERM set quit, without SA_RESTART (a blocked read or io_uring_enter returns EINTR). */
void reflect_signals(void);

/* The TAP `name` (IFF_TAP | IFF_NO_PI), created or attached when it exists; exits on failure. */
int tap_attach(const char *name, bool nonblock);

/* "aa:bb:cc:dd:ee:ff" into mac; 0, or -1 when it is not one. */
int parse_mac(const char *s, uint8_t mac[6]);

/* The options both responders take: -i TAP, -o TAP, --dst-mac ('D'), --src-mac ('S'). */
struct reflect_opts {
	const char *in_name, *out_name;
	uint8_t dmac[6], smac[6];      /* smac defaults to 02:00:00:00:00:01 */
	bool have_dmac;
};
#define REFLECT_OPTS_INIT { .smac = { 0x02, 0, 0, 0, 0, 0x01 } }

/* Takes getopt's option c with its argument; false when c is not one of the shared options. */
bool reflect_opt(struct reflect_opts *o, int c, const char *arg);

/* After getopt: no operands, -i given, --dst-mac with -o; exits 2 with one line otherwise. */
void reflect_opts_check(const struct reflect_opts *o, int optind_, int argc, char **argv);

/* Adds a 16-bit quantity to a checksum field in ones' complement (RFC 1624 eqn. 3 for a word
 * that decreased by `delta`). Both in host order of the big-endian field's value. */
static inline void csum_add_be(uint8_t *field, uint32_t delta)
{
	uint32_t c = ((uint32_t)field[0] << 8 | field[1]) + delta;

	c = (c & 0xffffu) + (c >> 16);
	field[0] = (uint8_t)(c >> 8);
	field[1] = (uint8_t)c;
}

/* IPv6 echo (issue 14): an ICMPv6 echo request right behind the fixed header gets its MACs and
 * addresses swapped (the pseudo-header's sum does not change), type 128 -> 129 and its checksum
 * lowered by 0x0100 to match; every other IPv6 frame is dropped. Returns the length to write. */
static inline size_t reflect6(uint8_t *f, size_t n)
{
	uint8_t t[16];

	if (n < 14 + 40 + 8 || f[20] != 58 || f[54] != 128 || f[55] != 0) {
		n_drop++;
		return 0;
	}
	memcpy(t, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, t, 6);
	memcpy(t, f + 22, 16);
	memcpy(f + 22, f + 38, 16);
	memcpy(f + 38, t, 16);
	f[54] = 129;
	csum_add_be(f + 56, 0xfeffu); /* ones' complement of the word's rise by 0x0100 */
	return n;
}

/* Echo: swap and answer in place. Returns the length to write, 0 to drop. */
static inline size_t reflect(uint8_t *f, size_t n)
{
	uint8_t t[6];
	uint32_t a;
	size_t ihl;

	if (n >= 14 && f[12] == 0x86 && f[13] == 0xdd)
		return reflect6(f, n);
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
	if (n >= 54 && f[12] == 0x86 && f[13] == 0xdd && f[21] > 1) { /* IPv6: hop limit - 1, no checksum */
		memcpy(f, dmac, 6);
		memcpy(f + 6, smac, 6);
		f[21]--;
		return n;
	}
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

#endif
