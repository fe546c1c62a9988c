/* tests/unit/main.c — runs every Check suite. */
#include <stdlib.h>

#include "tests/unit/harness.h"
#include "tests/unit/harness6.h"

int main(void)
{
	SRunner *sr = srunner_create(wire_suite());
	srunner_add_suite(sr, eth_arp_suite());
	srunner_add_suite(sr, ip4_suite());
	srunner_add_suite(sr, icmp4_suite());
	srunner_add_suite(sr, icmp_err_suite());
	srunner_add_suite(sr, udp_tcp_suite());
	srunner_add_suite(sr, forward_suite());
	srunner_add_suite(sr, errors_in_suite());
	srunner_add_suite(sr, ctl_suite());
	srunner_add_suite(sr, conf_suite());
	srunner_add_suite(sr, parity_suite());
	srunner_add_suite(sr, icmp_ext_suite());
	srunner_add_suite(sr, neigh_suite());
	srunner_add_suite(sr, addr_suite());
	srunner_add_suite(sr, ip6_suite());
	srunner_add_suite(sr, ip6_router_suite());
	srunner_add_suite(sr, icmp6_suite());
	srunner_add_suite(sr, ip6_bounds_suite());
	srunner_add_suite(sr, ctl6_suite());
	srunner_add_suite(sr, udp6_suite());
	srunner_add_suite(sr, ndisc_suite());
	srunner_add_suite(sr, ip6_frag_suite());
	srunner_add_suite(sr, rtcache_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
