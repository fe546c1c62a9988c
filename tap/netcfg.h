/* tap/netcfg.h — the kernel side of a TAP: network namespace, MTU, addresses, link up, via libnl-3. */
#ifndef TAPSTACK_NETCFG_H
#define TAPSTACK_NETCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netcfg_link {
	const char *name;    /* kernel interface name (the TAP) */
	int netns_fd;        /* move it into this namespace first; -1 = stay in ours */
	const char *netns;   /* that namespace's name, for messages */
	unsigned mtu;        /* MTU to set, 68..65535 */
	bool has_addr;       /* add addr/plen on the kernel side */
	uint32_t addr;       /* host byte order */
	unsigned plen;
	bool has_addr6;      /* add addr6/plen6 on the kernel side, without DAD (IFA_F_NODAD) */
	uint8_t addr6[16];
	unsigned plen6;
	bool addr6_optional; /* IPv6 disabled on the kernel side: skip addr6 (set *addr6_skipped) */
	bool *addr6_skipped; /* instead of failing */
};

/* True when `ns` can name a namespace under /run/netns (no '/', not "." or "..", short). */
bool netcfg_netns_name_valid(const char *ns);

/* Opens the named network namespace (/run/netns/NS, then /var/run/netns/NS), close-on-exec.
 * Returns the fd, or -errno with one line in err. */
int netcfg_netns_open(const char *ns, char *err, size_t errlen);

/* Moves the link into cfg->netns_fd (when >= 0), then sets its MTU, adds the addresses (an
 * existing one is fine) and brings it up, all through rtnetlink; never runs `ip`. Returns 0,
 * -1 with one line in err, or -2 when the thread could not return to its own namespace
 * (the caller must exit). */
int netcfg_link_setup(const struct netcfg_link *cfg, char *err, size_t errlen);

#endif
