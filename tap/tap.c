/* tap/tap.c — TAP device open: TUNSETIFF creates the device or attaches to a persistent one. */
#include "tap/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

bool tap_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *c = name; *c; c++)
		if (*c == '/' || *c == ':' || *c == ' ' || *c == '\t' || *c == '\n' ||
		    *c == '\r' || *c == '\v' || *c == '\f' || *c == ',' || *c == '=' || *c == '%')
			return false;
	return true;
}

int tap_open(const char *name, bool *created, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd, e;

	/* if_nametoindex asks the kernel in our own network namespace, which /sys need not show. */
	*created = if_nametoindex(name) == 0;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot open /dev/net/tun: %s%s", strerror(e),
			 (e == EPERM || e == EACCES) ? " (run as root or with CAP_NET_ADMIN)" :
			 e == ENOENT ? " (is the tun module loaded?)" : "");
		return -e;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		close(fd);
		if (e == EPERM || e == EACCES)
			snprintf(err, errlen, "%s: cannot attach TAP: %s (run as root or with CAP_NET_ADMIN)",
				 name, strerror(e));
		else if (e == EBUSY)
			snprintf(err, errlen, "%s: cannot attach TAP: %s (another process has it open)",
				 name, strerror(e));
		else if (e == EINVAL && !*created)
			snprintf(err, errlen, "%s: exists and is not a TAP device", name);
		else
			snprintf(err, errlen, "%s: cannot create TAP: %s", name, strerror(e));
		return -e;
	}
	if (strcmp(ifr.ifr_name, name) != 0) {
		/* The kernel never renames a fixed name, but a "%d" pattern would; refuse it. */
		close(fd);
		snprintf(err, errlen, "%s: kernel named the device \"%s\"", name, ifr.ifr_name);
		return -EINVAL;
	}
	return fd;
}
