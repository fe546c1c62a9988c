/* stack/stack.h — the public face of the pure core.
 *
 * The core (stack/, eth/, ip/, icmp/) makes no system calls and reads no clock: the caller
 * hands in frames and the time, and takes frames out. All state lives in struct stack.
 * Addresses are host byte order (uint32_t) in this API; times are milliseconds on the
 * caller's monotonic clock.
 */
#ifndef TAPSTACK_STACK_H
#define TAPSTACK_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/pkb.h"
#include "stack/sbuf.h"

struct stack;

#define STACK_MAX_IFACES 8
#define STACK_MAX_ADDRS  8   /* per interface */

struct stack_config {
	unsigned pkb_count;      /* packet buffers in the pool; 0 = default (1024) */
	uint64_t seed;           /* seeds IP IDs and the rate limiter's randomness */
};

/* A new stack with every knob at its default, no interfaces. NULL when out of memory. */
struct stack *stack_new(const struct stack_config *cfg);
/* Frees the stack and every buffer it still holds. Buffers given out (stack_rx_buf, stack_tx_pop)
 * must have come back first. */
void stack_free(struct stack *st);

/* Adds an interface; returns its ifindex (0, 1, ...) or -ENOSPC / -EINVAL. mtu is the IP MTU. */
int stack_iface_add(struct stack *st, const char *name, const uint8_t mac[6], unsigned mtu);
/* Adds addr/plen (host order) to ifindex; 0 or -EINVAL (bad prefix, bad address), -EEXIST, -ENOSPC. */
int stack_addr_add(struct stack *st, unsigned ifindex, uint32_t addr, unsigned plen);
/* Adds an IPv6 address (16 bytes, network order) with its prefix length to ifindex: tentative
 * until DAD (V6.9) says it is ours, with an on-link route for its prefix. 0, -EINVAL (multicast,
 * ::, ::1, plen 0 or > 128), -EEXIST, -ENOSPC. */
int stack_addr6_add(struct stack *st, unsigned ifindex, const uint8_t addr[16], unsigned plen);
/* ICMP6-SPEC V6.16 (POLICY): the interface sends Router Advertisements (while IPv6 forwarding is
 * on): its link-local as source, one prefix per global /64. Off sends one final RA with lifetime 0.
 * 0 or -EINVAL. */
int stack_iface_set_ra(struct stack *st, unsigned ifindex, bool on);
/* The daemon is stopping: final Router Advertisements (lifetime 0) are queued for sending. */
void stack_shutdown(struct stack *st, uint64_t now_ms);
/* Marks the interface up and queues a gratuitous ARP for each of its addresses; IPv6 starts
 * (link-local address, DAD, router solicitation) unless net.ipv6.conf.all.disable_ipv6 is set. */
void stack_iface_up(struct stack *st, unsigned ifindex, uint64_t now_ms);
/* Marks the interface down: nothing is sent on it, frames for it are dropped (EthInIfaceDown). */
void stack_iface_down(struct stack *st, unsigned ifindex);
unsigned stack_iface_count(const struct stack *st);

/* Sets a knob by name from text ("icmp_ratelimit", "1000"); 0, -ENOENT (no such knob),
 * -EINVAL (not a number), -ERANGE (outside the knob's bounds). */
int stack_knob_set(struct stack *st, const char *name, const char *value);
/* Reads a knob; 0 or -ENOENT. */
int stack_knob_get(const struct stack *st, const char *name, long *value);
/* Prints "name  description (min..max, default D)" for every knob, for --help. */
void stack_knobs_describe(struct sbuf *out);

/* Starts a built-in UDP service: "echo" (port 7, RFC 862) or "discard" (port 9, RFC 863).
 * 0, -ENOENT (no such service), -EADDRINUSE. */
int stack_service_enable(struct stack *st, const char *name);

/* Wall clock = now_ms + offset; only the timestamp reply reads it (UTC ms since midnight). */
void stack_set_wall_offset(struct stack *st, int64_t offset_ms);

/* A receive buffer: data at buf + PKB_HEADROOM, room for pkb_tailroom() bytes (>= 1518).
 * NULL when the pool is exhausted (the caller should drain and retry, counting a drop). */
struct pkb *stack_rx_buf(struct stack *st);
/* Feeds one Ethernet frame (p->len bytes at p->data) that arrived on ifindex. Consumes p. */
void stack_input(struct stack *st, unsigned ifindex, struct pkb *p, uint64_t now_ms);
/* Runs timers due at now_ms (ARP retries and expiry, reassembly, ...). */
void stack_poll(struct stack *st, uint64_t now_ms);
/* Earliest time stack_poll has work; UINT64_MAX when none. */
uint64_t stack_next_deadline(const struct stack *st);
/* Next frame to write, or NULL; *ifindex says where. The caller frees it with stack_pkb_free. */
struct pkb *stack_tx_pop(struct stack *st, unsigned *ifindex);
void stack_pkb_free(struct stack *st, struct pkb *p);
/* Frames waiting in the transmit queue. */
unsigned stack_tx_pending(const struct stack *st);
/* Buffers held (pool and heap); tests assert 0 after freeing everything they were given. */
unsigned stack_pkb_in_use(const struct stack *st);

/* Runs one control command ("stats --json", "neigh", "addr", "sysctl icmp_ratelimit=500", ...),
 * appending its text output to out. Returns the exit status for the client: 0 ok, 1 failed,
 * 2 usage error (out then holds a one-line message). */
int stack_ctl(struct stack *st, const char *line, struct sbuf *out, uint64_t now_ms);

/* Long-running commands (`ping`) stream their output. stack_ctl_start is stack_ctl for a client
 * that can wait: it returns STACK_CTL_PENDING and sets *session when the command goes on; the
 * caller then calls stack_ctl_poll after every wake-up (the command's timers are part of
 * stack_next_deadline), sending whatever it appends, until it returns a final status, or
 * stack_ctl_cancel when the client goes away. stack_ctl refuses such commands (status 2). */
#define STACK_CTL_PENDING 255
/* The longest command line the interpreter takes (bytes, without the newline); the control socket
 * and tapstackctl use the same bound, so a line either side accepts is run. A line holding a
 * control byte (other than tab) is refused as a whole, the byte shown escaped. */
#define STACK_CTL_LINE_MAX 4096
int stack_ctl_start(struct stack *st, const char *line, struct sbuf *out, uint64_t now_ms, unsigned *session);
int stack_ctl_poll(struct stack *st, unsigned session, struct sbuf *out);
void stack_ctl_cancel(struct stack *st, unsigned session);

/* A microsecond reading of the same clock as now_ms, for round-trip times (ping). Optional: without
 * it RTTs have millisecond resolution. Call it with the reading the ms value came from. */
void stack_set_clock_us(struct stack *st, uint64_t now_us);

/* Reads a counter by its printed name ("IcmpInMsgs"); 0 or -ENOENT. For tests and tools. */
int stack_counter_get(const struct stack *st, const char *name, uint64_t *value);

#endif
