/* tap/priv.h — least privilege once set-up is done: only CAP_NET_ADMIN, optionally another user,
 * no new privileges, and a seccomp allowlist of the system calls the event loop makes.
 *
 * The daemon needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) to create TAP devices, move their
 * kernel side into other namespaces and bind its control socket; after that it parses hostile
 * packets for its whole life, so it keeps only what it may still need: CAP_NET_ADMIN (netlink
 * and TUNSETIFF, to re-create a TAP deleted under it), nothing else, in every capability set
 * including the bounding set. */
#ifndef TAPSTACK_PRIV_H
#define TAPSTACK_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct priv_opts {
	bool has_user;      /* switch to uid/gid (keeping CAP_NET_ADMIN), supplementary groups dropped */
	uid_t uid;
	gid_t gid;
	bool seccomp;       /* install the allowlist (default on; --no-seccomp for debugging) */
};

/* Looks up a user by name or number for --user. 0, or -1 with one line in err. */
int priv_user_lookup(const char *name, struct priv_opts *o, char *err, size_t errlen);

/* Drops what o says, in order: capabilities (and user), PR_SET_NO_NEW_PRIVS, seccomp. A system
 * call outside the allowlist afterwards ends the process with one line on stderr naming it (exit
 * status 159 = 128 + SIGSYS). 0, or -1 with one line in err (then the caller should exit). */
int priv_drop(const struct priv_opts *o, char *err, size_t errlen);

#endif
