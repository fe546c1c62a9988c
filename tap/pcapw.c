/* tap/pcapw.c — pcap capture of the daemon's frames through libpcap's savefile writer, on a file
 * this module creates itself (so that the open flags and the mode are ours, not fopen's). */
#include "tap/pcapw.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCAPW_SNAPLEN 65535

struct pcapw {
	pcap_t *dead;
	pcap_dumper_t *dump;
	FILE *f;
	int dirty;
	int err;             /* errno of the first failed write; 0 while all is well */
	uint64_t frames;
};

/* An existing path, for --pcap-overwrite: opened without following a link, and kept only when it
 * is a regular file we own with no other name (a hard link to someone's file is refused too). */
static int pcapw_reuse(const char *path, bool *refused, char *err, size_t errlen)
{
	struct stat sb;
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		*refused = errno == ELOOP;
		snprintf(err, errlen, "--pcap: %s: %s", path,
			 errno == ELOOP ? "is a symbolic link (refused)" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() || sb.st_nlink != 1) {
		*refused = true;
		snprintf(err, errlen, "--pcap: %s: %s (refused)", path,
			 !S_ISREG(sb.st_mode) ? "not a regular file" :
			 sb.st_uid != geteuid() ? "owned by another user" : "has other hard links");
		close(fd);
		return -1;
	}
	if (ftruncate(fd, 0) < 0) {
		snprintf(err, errlen, "--pcap: %s: cannot truncate: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct pcapw *pcapw_open(const char *path, const struct pcapw_opts *o, bool *refused, char *err,
			 size_t errlen)
{
	static const struct pcapw_opts none;
	mode_t mode;
	int fd;

	if (!o)
		o = &none;
	mode = o->has_group ? 0640 : 0600;
	*refused = false;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno == EEXIST && o->overwrite) {
		fd = pcapw_reuse(path, refused, err, errlen);
		if (fd < 0)
			return NULL;
	} else if (fd < 0) {
		struct stat sb;
		int e = errno;
		bool link = e == EEXIST && lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode);

		*refused = e == EEXIST;
		if (link)
			snprintf(err, errlen, "--pcap: %s: is a symbolic link (refused: a capture is "
				 "always a new file)", path);
		else if (e == EEXIST)
			snprintf(err, errlen, "--pcap: %s: exists (refused: remove it, or give "
				 "--pcap-overwrite for a file of ours)", path);
		else
			snprintf(err, errlen, "--pcap: %s: %s", path, strerror(e));
		return NULL;
	}
	/* The mode exactly (the umask may have taken bits), and the group that may read it. */
	if ((o->has_group && fchown(fd, (uid_t)-1, o->gid) < 0) || fchmod(fd, mode) < 0) {
		snprintf(err, errlen, "--pcap: %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}

	struct pcapw *pw = calloc(1, sizeof(*pw));
	if (!pw) {
		snprintf(err, errlen, "--pcap: out of memory");
		close(fd);
		return NULL;
	}
	pw->f = fdopen(fd, "w");
	pw->dead = pcap_open_dead(DLT_EN10MB, PCAPW_SNAPLEN);
	if (!pw->f || !pw->dead) {
		snprintf(err, errlen, "--pcap: %s: cannot set up the writer", path);
		goto fail;
	}
	pw->dump = pcap_dump_fopen(pw->dead, pw->f);
	if (!pw->dump) {
		snprintf(err, errlen, "--pcap: %s", pcap_geterr(pw->dead));
		goto fail;
	}
	/* The file header, so a reader sees a valid empty capture. */
	pw->dirty = 1;
	if (pcapw_flush(pw) < 0) {
		snprintf(err, errlen, "--pcap: %s: %s", path, strerror(pw->err));
		pcapw_close(pw);
		return NULL;
	}
	return pw;
fail:
	if (pw->dead)
		pcap_close(pw->dead);
	if (pw->f)
		fclose(pw->f);
	else
		close(fd);
	free(pw);
	return NULL;
}

void pcapw_write(struct pcapw *pw, const uint8_t *frame, size_t len, uint64_t ts_us)
{
	struct pcap_pkthdr h;

	if (pw->err)
		return;
	h.ts.tv_sec = (time_t)(ts_us / 1000000u);
	h.ts.tv_usec = (suseconds_t)(ts_us % 1000000u);
	h.len = (bpf_u_int32)len;
	h.caplen = (bpf_u_int32)(len < PCAPW_SNAPLEN ? len : PCAPW_SNAPLEN);
	pcap_dump((u_char *)pw->dump, &h, frame);
	pw->frames++;
	pw->dirty = 1;
	if (ferror(pw->f)) /* a buffer-full write inside stdio failed: errno is still its */
		pw->err = errno ? errno : EIO;
}

int pcapw_flush(struct pcapw *pw)
{
	if (pw->dirty && !pw->err) {
		errno = 0;
		if (pcap_dump_flush(pw->dump) != 0 || ferror(pw->f))
			pw->err = errno ? errno : EIO;
		pw->dirty = 0;
	}
	return pw->err ? -pw->err : 0;
}

uint64_t pcapw_frames(const struct pcapw *pw)
{
	return pw->frames;
}

void pcapw_close(struct pcapw *pw)
{
	if (!pw)
		return;
	pcap_dump_close(pw->dump); /* closes the FILE, and with it the fd */
	pcap_close(pw->dead);
	free(pw);
}
