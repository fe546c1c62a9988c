/* bench/src/reflect.c — the responders' shared setup (bench/src/reflect.h). */
#include "bench/src/reflect.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "tools/util.h"

uint64_t n_rx, n_tx, n_drop, n_short;
bool echo_only;
volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	quit = sig;
}

void reflect_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a blocked read returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int tap_attach(const char *name, bool nonblock)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));

	if (fd < 0)
		die(1, "cannot open /dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (strlen(name) >= IFNAMSIZ)
		die(2, "interface name too long: %s", name);
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die(1, "%s: TUNSETIFF: %s", name, strerror(errno));
	return fd;
}

int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int n = 0;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &n) != 6 ||
	    s[n] != '\0')
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

bool reflect_opt(struct reflect_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'i': o->in_name = arg; return true;
	case 'o': o->out_name = arg; return true;
	case 'D':
		if (parse_mac(arg, o->dmac) < 0)
			die(2, "bad --dst-mac \"%s\"", arg);
		o->have_dmac = true;
		return true;
	case 'S':
		if (parse_mac(arg, o->smac) < 0)
			die(2, "bad --src-mac \"%s\"", arg);
		return true;
	default:
		return false;
	}
}

void reflect_opts_check(const struct reflect_opts *o, int optind_, int argc, char **argv)
{
	if (optind_ < argc)
		die(2, "unexpected argument \"%s\"", argv[optind_]);
	if (!o->in_name)
		die(2, "%s", "-i TAP is required (see -h)");
	if (o->out_name && !o->have_dmac)
		die(2, "%s", "forward mode (-o) needs --dst-mac");
}
