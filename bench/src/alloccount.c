/* bench/src/alloccount.c — an LD_PRELOAD shim that counts heap calls, for "zero allocations per
 * packet in steady state" (bench/run.sh).
 *
 *   LD_PRELOAD=build/alloccount.so ALLOCCOUNT_OUT=/tmp/counts tapstackd ...
 *   kill -USR1 PID     # appends one line to ALLOCCOUNT_OUT: the counts so far
 *
 * malloc, calloc, realloc, free, posix_memalign, aligned_alloc, memalign, valloc and pvalloc are
 * wrapped and forwarded to glibc's __libc_* entry points (no dlsym, so no recursion during
 * start-up). A line is "malloc M calloc C realloc R free F memalign A" (memalign counts every
 * aligned variant). The SIGUSR1 handler only uses write(2); it is installed at load time and
 * a program that installs its own handler later replaces it (tapstackd does not).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t size);

static atomic_ulong n_malloc, n_calloc, n_realloc, n_free, n_memalign;
static int out_fd = -1;

void *malloc(size_t size)
{
	atomic_fetch_add_explicit(&n_malloc, 1, memory_order_relaxed);
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	atomic_fetch_add_explicit(&n_calloc, 1, memory_order_relaxed);
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	atomic_fetch_add_explicit(&n_realloc, 1, memory_order_relaxed);
	return __libc_realloc(p, size);
}

void free(void *p)
{
	if (p)
		atomic_fetch_add_explicit(&n_free, 1, memory_order_relaxed);
	__libc_free(p);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	atomic_fetch_add_explicit(&n_memalign, 1, memory_order_relaxed);
	p = __libc_memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
	atomic_fetch_add_explicit(&n_memalign, 1, memory_order_relaxed);
	return __libc_memalign(align, size);
}

void *memalign(size_t align, size_t size);
void *memalign(size_t align, size_t size)
{
	atomic_fetch_add_explicit(&n_memalign, 1, memory_order_relaxed);
	return __libc_memalign(align, size);
}

void *valloc(size_t size);
void *valloc(size_t size)
{
	atomic_fetch_add_explicit(&n_memalign, 1, memory_order_relaxed);
	return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), size);
}

void *pvalloc(size_t size);
void *pvalloc(size_t size)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	atomic_fetch_add_explicit(&n_memalign, 1, memory_order_relaxed);
	return __libc_memalign(pg, (size + pg - 1) / pg * pg);
}

/* Decimal without stdio (async-signal-safe). */
static char *put_num(char *p, const char *label, unsigned long v)
{
	char tmp[24];
	int n = 0;

	while (*label)
		*p++ = *label++;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static void dump(int sig)
{
	char line[256], *p = line;
	int e = errno;

	(void)sig;
	if (out_fd < 0)
		return;
	p = put_num(p, "malloc ", atomic_load(&n_malloc));
	p = put_num(p, " calloc ", atomic_load(&n_calloc));
	p = put_num(p, " realloc ", atomic_load(&n_realloc));
	p = put_num(p, " free ", atomic_load(&n_free));
	p = put_num(p, " memalign ", atomic_load(&n_memalign));
	*p++ = '\n';
	if (write(out_fd, line, (size_t)(p - line)) < 0) {
		/* nothing to do in a signal handler */
	}
	errno = e;
}

__attribute__((constructor)) static void alloccount_init(void)
{
	const char *path = getenv("ALLOCCOUNT_OUT");
	struct sigaction sa;

	if (!path || !*path)
		return;
	out_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = dump;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
}

__attribute__((destructor)) static void alloccount_fini(void)
{
	dump(0);
}
