/* tap/priv.c — capabilities with libcap-ng, no_new_privs, a seccomp allowlist with libseccomp. */
#include "tap/priv.h"

#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int priv_user_lookup(const char *name, struct priv_opts *o, char *err, size_t errlen)
{
	struct passwd *pw = *name ? getpwnam(name) : NULL;

	if (!pw) {
		char *end;
		unsigned long id = strtoul(name, &end, 10);
		if (*name && !*end && id < 0x7fffffff)
			pw = getpwuid((uid_t)id);
	}
	if (!pw) {
		snprintf(err, errlen, "--user: no user \"%s\"", name);
		return -1;
	}
	o->has_user = true;
	o->uid = pw->pw_uid;
	o->gid = pw->pw_gid;
	return 0;
}

/* The system calls the event loop and what it calls make once set-up is over: frames (read,
 * write, io_uring), epoll and the timerfd, the control socket (accept, send, recv), the capture
 * (stdio's write), memory (malloc: brk, mmap, madvise), signals, the clock; re-creating a TAP
 * and netlink (socket, ioctl, sendmsg/recvmsg, setns, which then fails without CAP_SYS_ADMIN
 * instead of ending the daemon); sd_notify and the metrics listener (socket, connect, bind,
 * listen); and exit (close, unlink of the control socket, io_uring unregister). Every integration
 * test runs the release daemon under this filter (floods, a TAP deleted under it, control-socket
 * abuse, a full disk under the capture), so a call missing here fails a test with its name. */
static const char *const priv_allowed[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "close", "close_range",
	"lseek", "fstat", "newfstatat", "statx", "stat", "lstat", "fcntl", "dup", "dup2", "dup3",
	"ioctl", "openat", "open", "unlink", "unlinkat", "ftruncate", "fsync", "fdatasync",
	"fchmod", "fchown", "access", "faccessat", "faccessat2", "readlink", "readlinkat",
	"getdents64", "pipe2", "eventfd2", "signalfd4", "timerfd_create", "epoll_create1",
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll", "select",
	"pselect6", "timerfd_settime", "timerfd_gettime", "clock_gettime", "clock_getres",
	"clock_nanosleep", "nanosleep", "gettimeofday", "time",
	"io_uring_enter", "io_uring_register",
	"socket", "socketpair", "bind", "connect", "listen", "accept", "accept4", "getsockname",
	"getpeername", "getsockopt", "setsockopt", "shutdown", "sendto", "recvfrom", "sendmsg",
	"recvmsg", "sendmmsg", "recvmmsg", "setns",
	"getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getrandom",
	"uname", "sched_yield", "sched_getaffinity", "futex", "rseq", "set_robust_list",
	"tgkill", "exit", "exit_group",
};

/* Names for the SIGSYS line, resolved before the filter is in place (the handler must not
 * allocate). */
#define PRIV_NAMES 512
static char priv_names[PRIV_NAMES][24];

static size_t priv_fmt_uint(char *buf, unsigned long v)
{
	char tmp[24];
	size_t n = 0, k = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(tmp));
	while (n)
		buf[k++] = tmp[--n];
	return k;
}

static void priv_sigsys(int sig, siginfo_t *si, void *uctx)
{
	char line[160];
	size_t n = 0;
	int nr = si->si_syscall;
	static const char a[] = "tapstackd: seccomp: system call ", b[] = " is not on the daemon's "
		"allowlist; exiting\n";

	(void)sig;
	(void)uctx;
	memcpy(line, a, sizeof(a) - 1);
	n = sizeof(a) - 1;
	n += priv_fmt_uint(line + n, (unsigned long)(nr < 0 ? 0 : nr));
	if (nr >= 0 && nr < PRIV_NAMES && priv_names[nr][0]) {
		size_t l = strlen(priv_names[nr]);
		line[n++] = ' ';
		line[n++] = '(';
		memcpy(line + n, priv_names[nr], l);
		n += l;
		line[n++] = ')';
	}
	memcpy(line + n, b, sizeof(b) - 1);
	n += sizeof(b) - 1;
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nothing more can be said */
	}
	_exit(128 + SIGSYS);
}

static int priv_seccomp(char *err, size_t errlen)
{
	struct sigaction sa;
	scmp_filter_ctx ctx;
	int rc;

	for (int nr = 0; nr < PRIV_NAMES; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		if (name) {
			snprintf(priv_names[nr], sizeof(priv_names[nr]), "%s", name);
			free(name);
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = priv_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		snprintf(err, errlen, "seccomp: sigaction: %s", strerror(errno));
		return -1;
	}
	/* TRAP rather than KILL: the handler says which call it was. */
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		snprintf(err, errlen, "seccomp: cannot create a filter");
		return -1;
	}
	for (size_t i = 0; i < sizeof(priv_allowed) / sizeof(priv_allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(priv_allowed[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not a call of this architecture (open, stat on arm64) */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (rc < 0) {
			snprintf(err, errlen, "seccomp: allowing %s: %s", priv_allowed[i], strerror(-rc));
			seccomp_release(ctx);
			return -1;
		}
	}
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1); /* every thread, should there be any */
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		snprintf(err, errlen, "seccomp: loading the filter: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

int priv_drop(const struct priv_opts *o, char *err, size_t errlen)
{
	int rc;

	capng_get_caps_process();
	/* The bounding set can only be emptied while CAP_SETPCAP is held (root has it). */
	capng_select_t which = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP) ? CAPNG_SELECT_BOTH :
			       CAPNG_SELECT_CAPS;
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
			 CAP_NET_ADMIN) < 0) {
		snprintf(err, errlen, "capabilities: cannot keep CAP_NET_ADMIN");
		return -1;
	}
	if (o->has_user) {
		/* The bounding set first, while CAP_SETPCAP is still ours; then the switch, which
		 * keeps CAP_NET_ADMIN across setuid and applies the rest. */
		rc = which == CAPNG_SELECT_BOTH ? capng_apply(CAPNG_SELECT_BOUNDS) : 0;
		if (rc == 0)
			rc = capng_change_id((int)o->uid, (int)o->gid, CAPNG_DROP_SUPP_GRP);
	} else
		rc = capng_apply(which);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s (code %d)", o->has_user ? "--user: cannot switch user" :
			 "capabilities: cannot drop them", errno ? strerror(errno) : "refused", rc);
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
#if defined(__SANITIZE_ADDRESS__)
	(void)priv_seccomp;
	/* The sanitizer build (tests only) runs without the filter: LeakSanitizer stops the world at
	 * exit from a ptrace-ing thread that spins forever once any of its calls is refused. The
	 * release build is the one whose filter t_64_privileges checks. */
	return 0;
#else
	return o->seccomp ? priv_seccomp(err, errlen) : 0;
#endif
}
