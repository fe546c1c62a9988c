/* icmp/ping.h — the stack's own ping sessions (echo and RFC 8335 PROBE, IPv4 and IPv6): the engine
 * that sends requests, matches replies and errors and keeps the statistics. It takes a parsed
 * configuration and reports what happens as events; the words (`tapstackctl ping`'s iputils
 * text and the argument parsing) are ctl/ping_cmd.c's. */
#ifndef TAPSTACK_PING_H
#define TAPSTACK_PING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip/ip4.h"
#include "stack/addr.h"
#include "stack/sbuf.h"

struct stack;

#define PING_LINGER_NOREPLY_MS 2000  /* ping without -W: the wait after the last request when nothing answered */
#define PING_MAX_SESSIONS 64
#define PING_RING         1024   /* replies matched within the last this-many sequence numbers */

/* A PROBE session's question (RFC 8335 X5.1): which interface, by name, index or address. */
enum probe_by { PROBE_BY_NONE = 0, PROBE_BY_NAME = 1, PROBE_BY_INDEX = 2, PROBE_BY_ADDR = 3 };
#define PROBE_NAME_OBJ_MAX 20  /* the name, NUL-padded to 4 bytes, fits the object's 20 */
struct probe_query {
	enum probe_by by;       /* also the object's C-Type */
	bool local;             /* L bit: the interface is on the target itself */
	char name[PROBE_NAME_OBJ_MAX + 1];
	uint32_t index;
	struct inet_addr addr;
};

/* What a session is to do (a parsed command line). */
struct ping_cfg {
	struct inet_addr dst;   /* either family: ICMP echo or ICMPv6 echo */
	int oif;                /* IPv6: the interface of a scoped destination (fe80::1%tap0), else -1 */
	unsigned count, size, ttl, interval_ms;
	bool count_given;       /* with a deadline: stop once that many answers came */
	bool ttl_given;         /* else IPv6 uses the interface's hop limit */
	uint8_t df;             /* enum ip4_df */
	unsigned linger_ms;     /* the wait after the last request when nothing ever answered */
	uint64_t deadline_ms;   /* the session ends this long after its start whatever happens; 0: none */
	struct probe_query probe; /* by != PROBE_BY_NONE: a PROBE session instead of echo */
};

struct ping_session;

/* What the engine reports, in the order it happens. */
enum ping_event_kind {
	PING_EV_REPLY,      /* an answer to request seq (dup: a second one) */
	PING_EV_ERROR,      /* an ICMP or ICMPv6 error quoting request seq */
	PING_EV_SEND_FAIL,  /* request seq not sent: err (an errno), mtu with EMSGSIZE (echo only) */
	PING_EV_NO_BUFFER,  /* request seq not sent: no packet buffer */
	PING_EV_UNANSWERED, /* request seq+1 goes out while seq has no answer yet */
	PING_EV_END,        /* the session is over: its totals are in the session (done, status set) */
};

struct ping_event {
	uint64_t rtt_us;          /* REPLY */
	const uint8_t *ext;       /* ERROR (IPv4): the RFC 4884 extension structure (ext_len bytes), else NULL */
	size_t ext_len;
	enum ping_event_kind kind;
	unsigned seq;
	unsigned bytes, hops;     /* REPLY: ICMP message length; the reply's TTL or hop limit */
	uint32_t info;            /* ERROR: the type's word (MTU, pointer, gateway) */
	int err;                  /* SEND_FAIL: an errno */
	unsigned mtu;             /* SEND_FAIL with EMSGSIZE */
	struct inet_addr from;    /* REPLY: the source; ERROR: who reported it (ours for a local error) */
	bool dup;                 /* REPLY: a second answer to seq */
	uint8_t probe_code, probe_status; /* REPLY to PROBE: its code and byte 7 (X5.2) */
	uint8_t type, code;       /* ERROR */
	bool counted;             /* ERROR: counted among the session's errors (a redirect is not) */
};

typedef void (*ping_report_fn)(struct stack *st, struct ping_session *s, const struct ping_event *ev);

struct ping_session {
	unsigned handle;        /* the control session number */
	uint16_t ident;         /* ICMP or ICMPv6 identifier (one space: a session is found by it) */
	/* From struct ping_cfg (count UINT32_MAX with a deadline and no count given): */
	struct inet_addr dst;
	int oif;
	unsigned count, size, ttl, interval_ms;
	bool ttl_given;
	uint8_t df;             /* enum ip4_df */
	bool count_given;
	unsigned linger_ms;
	uint64_t deadline;      /* absolute ms; 0: none */
	unsigned sent, received, errors, dups;
	bool done;
	int status;             /* iputils' exit status, once done */
	uint64_t first_ms, next_send, linger_until;
	uint64_t rtt_min, rtt_max, rtt_sum, rtt_sum2;  /* microseconds */
	uint64_t sent_us[PING_RING];
	uint8_t state[PING_RING];                      /* 0 unused, 1 sent, 2 answered */
	/* A PROBE session (icmp/probe.c) when probe_len: the Interface Identification Object sent. */
	uint8_t probe_obj[24];
	uint8_t probe_len;
	bool probe_local;       /* L bit */
	/* The client's (ctl/ping_cmd.c): report is called for every event; the engine never reads
	 * or writes the rest, and frees out with the session. */
	ping_report_fn report;
	struct sbuf out;        /* text not yet taken by stack_ctl_poll */
	bool quiet, stamps, outstanding;
};

/* What connect() would say about a destination (oif: its scope, -1 none), for ping and probe
 * alike: 0, -EINVAL (a link-local address without its interface), -ENETUNREACH. */
int ping_route_check(struct stack *st, const struct inet_addr *dst, int oif);
#define PING_DST_LOCAL 1
/* ping's own checks after ping_route_check: also -EADDRNOTAVAIL (no IPv6 source address), or
 * PING_DST_LOCAL (ours, multicast, broadcast: only unicast addresses of other hosts are pinged). */
int ping_dst_check(struct stack *st, const struct inet_addr *dst, int oif);
/* A new session for cfg (NULL when PING_MAX_SESSIONS run), reporting through report. Nothing is
 * sent until the next ping_poll. */
struct ping_session *ping_session_new(struct stack *st, const struct ping_cfg *cfg, ping_report_fn report);
/* The session with this control handle, running or done; NULL if none. */
struct ping_session *ping_session_get(struct stack *st, unsigned handle);
void ping_session_free(struct stack *st, struct ping_session *s);
/* Tells s's client (for icmp/probe.c's requests and replies too). */
void ping_report(struct stack *st, struct ping_session *s, const struct ping_event *ev);
/* The running session with this ICMP identifier, or NULL. */
struct ping_session *ping_find(struct stack *st, uint16_t ident);
/* Ends s when every request has an answer or the linger time is over. */
void ping_check_done(struct stack *st, struct ping_session *s);
/* A reply (echo or PROBE) to the request whose ring slot is *state, rtt µs after it: counted
 * once (a second one is a duplicate), the statistics updated, p consumed, s ended if done. */
void ping_reply_done(struct stack *st, struct ping_session *s, struct pkb *p, uint8_t *state, uint64_t rtt);
/* Sends what is due, ends what is finished. */
void ping_poll(struct stack *st);
uint64_t ping_deadline(const struct stack *st);
/* Allocates the session table: 0 or -ENOMEM. */
int ping_init(struct stack *st);
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
