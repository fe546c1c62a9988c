/* tests/integration/forbidden_preload.c — LD_PRELOADed into tapstackd by t_64_privileges: on
 * SIGUSR2 the daemon makes one system call that no network daemon makes (acct), so that the test
 * can watch the seccomp allowlist end it with its one line. Test-only; never built into the daemon. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

static void forbidden(int sig)
{
	(void)sig;
	syscall(SYS_acct, (const char *)0);
}

__attribute__((constructor)) static void install(void)
{
	signal(SIGUSR2, forbidden);
}
