/* tests/unit/check_neigh.c — the neighbour subsystem (eth/neigh.c): Linux's NUD states over time,
 * for ARP (IPv4's resolver) and for a second resolver registered by the test, as Neighbor
 * Discovery will be. */
#include <string.h>

#include "eth/neigh.h"
#include "stack/core.h"
#include "tests/unit/harness.h"

static const uint8_t H5MAC[6] = { 0x02, 0, 0, 0, 0, 0x05 };
#define H5 IP(192, 0, 2, 5)

static const char *state_of(uint32_t ip)
{
	uint8_t key[4] = { (uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip };
	const struct neigh_entry *e = neigh_lookup(T, NEIGH_INET, 0, key, 4);
	return e ? neigh_state_name((enum neigh_state)e->state) : "none";
}

/* An echo request from H5 (an ARP request from it first, so that it is known). */
static void h5_pings(void)
{
	struct frame f;
	struct ip_spec s = { .src = H5, .dst = US_IP, .proto = 1, .srcmac = H5MAC };
	uint8_t echo[16];
	size_t n = build_icmp(echo, 8, 0, 0x00010001, (const uint8_t *)"abcdefgh", 8);
	feed(0, f.b, build_ip(&f, &s, echo, n));
}

/* ARP: REACHABLE 55 s after an answer, STALE for the last 5 s of its 60; used while STALE, the
 * neighbour is asked once directly (PROBE) while packets still go; an answer makes it REACHABLE
 * again; without one the entry lapses at 60 s. */
START_TEST(test_arp_states_over_time)
{
	struct frame f;
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, H5MAC, H5, (const uint8_t[6]){ 0 }, US_IP));
	tx_clear();
	ck_assert_str_eq(state_of(H5), "REACHABLE");
	advance(54999);
	ck_assert_str_eq(state_of(H5), "REACHABLE");
	advance(1);
	ck_assert_str_eq(state_of(H5), "STALE");
	ck_assert_uint_eq(tx_count(), 0);                  /* STALE costs nothing until used */
	uint64_t req = ctr("ArpOutRequests");
	h5_pings();
	ck_assert_str_eq(state_of(H5), "PROBE");
	ck_assert_uint_eq(ctr("ArpOutRequests"), req + 1);
	ck_assert_uint_eq(tx_count(), 2);
	tx_take(&f);                                       /* who-has 192.0.2.5, to its own MAC */
	ck_assert_mem_eq(f.b, H5MAC, 6);
	ck_assert_uint_eq(rd16(f.b + 12), 0x0806);
	ck_assert_uint_eq(rd32(f.b + 14 + 24), H5);
	tx_take(&f);                                       /* the echo reply went all the same */
	ck_assert_mem_eq(f.b, H5MAC, 6);
	h5_pings();                                        /* one probe only */
	ck_assert_uint_eq(ctr("ArpOutRequests"), req + 1);
	tx_clear();
	feed(0, f.b, build_arp(&f, US0, 2, H5MAC, H5, US0, US_IP)); /* the answer */
	ck_assert_str_eq(state_of(H5), "REACHABLE");
	advance(55000);
	ck_assert_str_eq(state_of(H5), "STALE");
	h5_pings();
	tx_clear();
	advance(4999);
	ck_assert_str_eq(state_of(H5), "PROBE");
	advance(1);                                        /* 60 s after the answer, none since */
	ck_assert_str_eq(state_of(H5), "none");
	ck_assert_uint_eq(ctr("ArpResolveFailed"), 0);    /* a lapse, not a failed resolution */
	struct sbuf out = { 0 };
	stack_ctl(T, "neigh", &out, NOW);
	ck_assert_ptr_null(strstr(sbuf_str(&out), "192.0.2.5"));
	sbuf_free(&out);
}
END_TEST

/* `neigh` shows the state and what is left of the entry's life. */
START_TEST(test_neigh_printout_states)
{
	struct frame f;
	struct sbuf out = { 0 };
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, H5MAC, H5, (const uint8_t[6]){ 0 }, US_IP));
	tx_clear();
	advance(56000);
	stack_ctl(T, "neigh", &out, NOW);
	ck_assert_ptr_nonnull(strstr(sbuf_str(&out), "192.0.2.5 dev tap0 lladdr 02:00:00:00:00:05 STALE expires 4000ms\n"));
	sbuf_free(&out);
}
END_TEST

/* ---- a second resolver: the table and its states serve any protocol ---- */

static unsigned solicits_bcast, solicits_ucast, failures;

static void test_solicit(struct stack *st, const struct neigh_entry *e, const uint8_t *mac)
{
	(void)st;
	(void)e;
	if (mac)
		solicits_ucast++;
	else
		solicits_bcast++;
}

static void test_failed(struct stack *st, struct pkb *p)
{
	failures++;
	stack_pkb_free(st, p);
}

/* Linux's IPv6 timing: DELAY 5 s, then three unicast probes a second apart, three multicast
 * solicitations while INCOMPLETE. */
static const struct neigh_ops test_ops = {
	.reachable_ms = 30000, .stale_ms = 600000, .delay_ms = 5000, .retrans_ms = 1000,
	.mcast_solicit = 3, .ucast_probes = 3, .ethertype = 0x86dd,
	.c_resolve_failed = C_ArpResolveFailed, .c_evictions = C_ArpCacheEvictions, .c_queue_drops = C_ArpQueueDrops,
	.solicit = test_solicit, .failed = test_failed,
};

static const uint8_t V6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09 };

static void v6_send(void)
{
	struct pkb *p = stack_alloc(T, 40);
	ck_assert_ptr_nonnull(p);
	p->len = 40;
	p->ifindex = 0;
	neigh_output(T, NEIGH_INET6, p, V6, 16);
}

static const char *v6_state(void)
{
	const struct neigh_entry *e = neigh_lookup(T, NEIGH_INET6, 0, V6, 16);
	return e ? neigh_state_name((enum neigh_state)e->state) : "none";
}

START_TEST(test_second_resolver_full_cycle)
{
	solicits_bcast = solicits_ucast = failures = 0;
	neigh_register(T, NEIGH_INET6, &test_ops);
	v6_send();
	ck_assert_str_eq(v6_state(), "INCOMPLETE");
	ck_assert_uint_eq(solicits_bcast, 1);
	static const uint8_t M[6] = { 0x02, 0, 0, 0, 0, 0x66 };
	neigh_update(T, NEIGH_INET6, 0, V6, 16, M, false);
	ck_assert_str_eq(v6_state(), "REACHABLE");
	ck_assert_uint_eq(tx_count(), 1);                  /* the queued packet went */
	struct frame f;
	tx_take(&f);
	ck_assert_mem_eq(f.b, M, 6);
	ck_assert_uint_eq(rd16(f.b + 12), 0x86dd);
	advance(30000);
	ck_assert_str_eq(v6_state(), "STALE");
	v6_send();
	ck_assert_str_eq(v6_state(), "DELAY");
	ck_assert_uint_eq(solicits_ucast, 0);
	advance(5000);
	ck_assert_str_eq(v6_state(), "PROBE");
	ck_assert_uint_eq(solicits_ucast, 1);
	advance(1000);
	advance(1000);
	ck_assert_uint_eq(solicits_ucast, 3);
	ck_assert_str_eq(v6_state(), "PROBE");
	advance(600000);                                   /* no answer for its whole life */
	ck_assert_str_eq(v6_state(), "none");
	tx_clear();
	/* Unresolved: three multicast solicitations, then the queued packets fail. */
	v6_send();
	v6_send();
	advance(1000);
	advance(1000);
	ck_assert_uint_eq(solicits_bcast, 4);
	advance(1000);
	ck_assert_str_eq(v6_state(), "none");
	ck_assert_uint_eq(failures, 2);
	tx_clear();
}
END_TEST

Suite *neigh_suite(void)
{
	Suite *s = suite_create("neigh");
	TCase *tc = tcase_create("neigh");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, test_arp_states_over_time);
	tcase_add_test(tc, test_neigh_printout_states);
	tcase_add_test(tc, test_second_resolver_full_cycle);
	suite_add_tcase(s, tc);
	return s;
}
