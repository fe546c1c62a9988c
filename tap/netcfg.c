/* tap/netcfg.c — kernel-side TAP configuration over rtnetlink with libnl-3 / libnl-route-3.
 *
 * A netlink socket stays bound to the network namespace it was created in, so to configure a
 * link after moving it we enter the target namespace just long enough to connect a socket there,
 * then return; everything else happens through that socket from our own namespace.
 */
#include "tap/netcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

bool netcfg_netns_name_valid(const char *ns)
{
	size_t n = strlen(ns);

	if (n == 0 || n > 200 || strcmp(ns, ".") == 0 || strcmp(ns, "..") == 0)
		return false;
	/* No control bytes: the name is printed (status, errors) and must not carry escapes. */
	for (const unsigned char *c = (const unsigned char *)ns; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return false;
	return strchr(ns, '/') == NULL;
}

int netcfg_netns_open(const char *ns, char *err, size_t errlen)
{
	static const char *const dirs[] = { "/run/netns", "/var/run/netns" };
	char path[256];
	int e = ENOENT;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], ns);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT) {
			e = errno;
			snprintf(err, errlen, "network namespace \"%s\": cannot open %s: %s", ns, path,
				 strerror(e));
			return -e;
		}
	}
	snprintf(err, errlen, "network namespace \"%s\" not found (no /run/netns/%s)", ns, ns);
	return -e;
}

/* A connected NETLINK_ROUTE socket in the current namespace, or NULL with *rc set. */
static struct nl_sock *netcfg_sock_open(int *rc)
{
	struct nl_sock *sock = nl_socket_alloc();

	if (!sock) {
		*rc = -NLE_NOMEM;
		return NULL;
	}
	*rc = nl_connect(sock, NETLINK_ROUTE);
	if (*rc < 0) {
		nl_socket_free(sock);
		return NULL;
	}
	return sock;
}

/* A socket connected inside namespace nsfd. Returns NULL with err set; *fatal when we could not
 * get back to our own namespace. */
static struct nl_sock *netcfg_sock_open_in(int nsfd, const char *ns, bool *fatal, char *err,
					   size_t errlen)
{
	struct nl_sock *sock = NULL;
	int self, rc = 0;

	*fatal = false;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		snprintf(err, errlen, "cannot open /proc/self/ns/net: %s", strerror(errno));
		return NULL;
	}
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		snprintf(err, errlen, "cannot enter network namespace \"%s\": %s", ns, strerror(errno));
		close(self);
		return NULL;
	}
	sock = netcfg_sock_open(&rc);
	if (setns(self, CLONE_NEWNET) < 0) {
		snprintf(err, errlen, "cannot return to our own network namespace: %s", strerror(errno));
		*fatal = true;
		if (sock)
			nl_socket_free(sock);
		close(self);
		return NULL;
	}
	close(self);
	if (!sock)
		snprintf(err, errlen, "netlink socket in network namespace \"%s\": %s", ns,
			 nl_geterror(rc));
	return sock;
}

static int netcfg_link_move(struct nl_sock *sock, const struct netcfg_link *cfg, char *err,
			    size_t errlen)
{
	struct rtnl_link *link = NULL, *chg = NULL;
	int rc;

	rc = rtnl_link_get_kernel(sock, 0, cfg->name, &link);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot find the link: %s", cfg->name, nl_geterror(rc));
		return -1;
	}
	chg = rtnl_link_alloc();
	if (!chg) {
		rtnl_link_put(link);
		snprintf(err, errlen, "%s: out of memory", cfg->name);
		return -1;
	}
	rtnl_link_set_ns_fd(chg, cfg->netns_fd);
	rc = rtnl_link_change(sock, link, chg, 0);
	rtnl_link_put(chg);
	rtnl_link_put(link);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot move to network namespace \"%s\": %s%s", cfg->name,
			 cfg->netns, nl_geterror(rc),
			 rc == -NLE_EXIST ? " (a link with that name is already there)" : "");
		return -1;
	}
	return 0;
}

/* Adds len bytes of address a (family AF_INET or AF_INET6) with prefix length plen to ifindex; an
 * address that is already there is fine. An IPv6 one skips the kernel's DAD (IFA_F_NODAD): the
 * stack on the other end of the TAP would answer nothing for it anyway, and tests need not wait.
 * 0, or a libnl error with *what set. */
static int netcfg_addr_add(struct nl_sock *sock, int ifindex, int family, const void *a, size_t len,
			   unsigned plen, const char **what)
{
	struct rtnl_addr *addr = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(family, a, len);
	int rc = -NLE_NOMEM;

	*what = "out of memory";
	if (!addr || !local)
		goto out;
	nl_addr_set_prefixlen(local, (int)plen);
	rtnl_addr_set_ifindex(addr, ifindex);
	rc = rtnl_addr_set_local(addr, local);
	if (rc < 0) {
		*what = "bad address";
		goto out;
	}
	rtnl_addr_set_prefixlen(addr, (int)plen);
	if (family == AF_INET6)
		rtnl_addr_set_flags(addr, IFA_F_NODAD);
	rc = rtnl_addr_add(sock, addr, 0);
	if (rc == -NLE_EXIST)
		rc = 0;
	if (rc < 0)
		*what = family == AF_INET6 ? (rc == -NLE_NOACCESS ? "cannot add the IPv6 address: IPv6 is disabled on the "
					       "kernel side (net.ipv6.conf.default.disable_ipv6 where it lives)" :
					       "cannot add the IPv6 address") :
			"cannot add the address";
out:
	if (local)
		nl_addr_put(local);
	if (addr)
		rtnl_addr_put(addr);
	return rc;
}

static int netcfg_link_conf(struct nl_sock *sock, const struct netcfg_link *cfg, char *err,
			    size_t errlen)
{
	struct rtnl_link *link = NULL, *chg = NULL;
	const char *what;
	int rc, ifindex;

	rc = rtnl_link_get_kernel(sock, 0, cfg->name, &link);
	if (rc < 0) {
		what = "cannot find the link";
		goto fail;
	}
	ifindex = rtnl_link_get_ifindex(link);

	rc = -NLE_NOMEM;
	what = "out of memory";
	chg = rtnl_link_alloc();
	if (!chg)
		goto fail;
	rtnl_link_set_mtu(chg, cfg->mtu);
	rc = rtnl_link_change(sock, link, chg, 0);
	if (rc < 0) {
		what = "cannot set the MTU";
		goto fail;
	}

	if (cfg->has_addr) {
		uint32_t be = htonl(cfg->addr);
		rc = netcfg_addr_add(sock, ifindex, AF_INET, &be, sizeof(be), cfg->plen, &what);
		if (rc < 0)
			goto fail;
	}
	if (cfg->has_addr6) {
		rc = netcfg_addr_add(sock, ifindex, AF_INET6, cfg->addr6, 16, cfg->plen6, &what);
		if (rc == -NLE_NOACCESS && cfg->addr6_optional && cfg->addr6_skipped) {
			*cfg->addr6_skipped = true; /* the kernel's disable_ipv6 (EACCES) */
			rc = 0;
		}
		if (rc < 0)
			goto fail;
	}

	rtnl_link_put(chg);
	rc = -NLE_NOMEM;
	what = "out of memory";
	chg = rtnl_link_alloc();
	if (!chg)
		goto fail;
	rtnl_link_set_flags(chg, IFF_UP);
	rc = rtnl_link_change(sock, link, chg, 0);
	if (rc < 0) {
		what = "cannot bring the link up";
		goto fail;
	}
	rc = 0;
fail:
	if (rc < 0)
		snprintf(err, errlen, "%s: %s: %s", cfg->name, what, nl_geterror(rc));
	if (chg)
		rtnl_link_put(chg);
	if (link)
		rtnl_link_put(link);
	return rc < 0 ? -1 : 0;
}

int netcfg_link_setup(const struct netcfg_link *cfg, char *err, size_t errlen)
{
	struct nl_sock *sock, *target;
	bool fatal = false;
	int rc;

	sock = netcfg_sock_open(&rc);
	if (!sock) {
		snprintf(err, errlen, "netlink socket: %s", nl_geterror(rc));
		return -1;
	}
	target = sock;
	if (cfg->netns_fd >= 0) {
		if (netcfg_link_move(sock, cfg, err, errlen) < 0) {
			nl_socket_free(sock);
			return -1;
		}
		target = netcfg_sock_open_in(cfg->netns_fd, cfg->netns, &fatal, err, errlen);
		nl_socket_free(sock);
		if (!target)
			return fatal ? -2 : -1;
	}
	rc = netcfg_link_conf(target, cfg, err, errlen);
	nl_socket_free(target);
	return rc;
}
