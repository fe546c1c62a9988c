/* icmp/ping.h — the stack's own ping client (`tapstackctl ping`), iputils-style output. */
#ifndef TAPSTACK_PING_H
#define TAPSTACK_PING_H

#include <stdbool.h>
#include <stdint.h>

#include "ip/ip4.h"
#include "stack/addr.h"
#include "stack/sbuf.h"

struct stack;

#define PING_LINGER_NOREPLY_MS 2000  /* ping without -W: the wait after the last request when nothing answered */
#define PING_MAX_SESSIONS 64
#define PING_RING         1024   /* replies matched within the last this-many sequence numbers */

struct ping_session {
	unsigned handle;        /* the control session number */
	uint16_t ident;         /* ICMP or ICMPv6 identifier (one space: a session is found by it) */
	struct inet_addr dst;   /* either family: ICMP echo or ICMPv6 echo */
	int oif;                /* IPv6: the interface of a scoped destination (fe80::1%tap0), else -1 */
	unsigned count, size, ttl, interval_ms;
	bool ttl_given;         /* -t: else IPv6 uses the interface's hop limit */
	uint8_t df;             /* enum ip4_df */
	bool quiet;             /* -q: the summary only */
	bool stamps;            /* -D: each line starts with [seconds.microseconds] of the wall clock */
	bool outstanding;       /* -O: say so when a request is still unanswered as the next goes */
	bool count_given;       /* -c was given (with -w, ping stops once that many answers came) */
	unsigned linger_ms;     /* -W: the wait after the last request when nothing ever answered */
	uint64_t deadline;      /* -w: the session ends at this time whatever happens; 0: none */
	unsigned sent, received, errors, dups;
	bool done;
	int status;
	uint64_t first_ms, next_send, linger_until;
	uint64_t rtt_min, rtt_max, rtt_sum, rtt_sum2;  /* microseconds */
	uint64_t sent_us[PING_RING];
	uint8_t state[PING_RING];                      /* 0 unused, 1 sent, 2 answered */
	struct sbuf out;        /* text not yet taken by stack_ctl_poll */
	/* A PROBE session (icmp/probe.c) when probe_len: the Interface Identification Object sent. */
	uint8_t probe_obj[24];
	uint8_t probe_len;
	bool probe_local;       /* L bit */
};

/* Starts `ping [-46DnOq] [-c N] [-s SIZE] [-t TTL] [-i SEC] [-M do|dont|want] [-W SEC] [-w SEC] ADDR`
 * (ADDR an IPv4 or IPv6 address, a link-local one scoped by interface name: fe80::1%tap0) with
 * iputils' meanings (options may be grouped, values attached, as getopt takes them):
 * STACK_CTL_PENDING with *handle set, or 2 with a usage line in out, or 1 when it cannot start
 * (out says why). */
int ping_start(struct stack *st, int argc, char **argv, struct sbuf *out, unsigned *handle);
/* Moves pending text to out; STACK_CTL_PENDING, or the final status (the session is then gone). */
int ping_collect(struct stack *st, unsigned handle, struct sbuf *out);
void ping_cancel(struct stack *st, unsigned handle);
/* The running session with this ICMP identifier, or NULL. */
struct ping_session *ping_find(struct stack *st, uint16_t ident);
/* A target of `ping` or `probe` (prog names it in complaints): a dotted quad, or an IPv6 address
 * with an optional %IFNAME scope (fe80::1%tap0) into *dst and *oif (-1: none). 0, or 2 with one
 * line in out. */
int ping_target_parse(const struct stack *st, const char *prog, const char *o, struct inet_addr *dst, int *oif,
		      struct sbuf *out);
/* Ends s when every request has an answer or the linger time is over. */
void ping_check_done(struct stack *st, struct ping_session *s);
/* A reply (echo or PROBE) to the request whose ring slot is *state, rtt µs after it: counted
 * once (a second one is a duplicate), the statistics updated, p consumed, s ended if done. */
void ping_reply_done(struct stack *st, struct ping_session *s, struct pkb *p, uint8_t *state, uint64_t rtt);
/* Sends what is due, ends what is finished. */
void ping_poll(struct stack *st);
uint64_t ping_deadline(const struct stack *st);
void ping_free_all(struct stack *st);
/* Echo replies (ICMP type 0) for us; consumes p. */
void ping_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
/* Errors quoting an echo request we sent. */
void ping_err(struct stack *st, const struct ip4_err *e);
struct ip6_rx;
struct ip6_err;
/* ICMPv6 echo replies for us (V2.5: else dropped silently, Icmp6InUnsolicited); consumes p. */
void ping6_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx);
/* ICMPv6 errors quoting an echo request we sent. */
void ping6_err(struct stack *st, const struct ip6_err *e);

#endif
