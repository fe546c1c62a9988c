/* tap/pcapw.h — writing every frame in and out to a pcap file (libpcap, DLT_EN10MB). */
#ifndef TAPSTACK_PCAPW_H
#define TAPSTACK_PCAPW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pcapw;

struct pcapw_opts {
	bool overwrite;      /* an existing path may be reused: only a regular file of ours, one link */
	bool has_group;      /* the file is made group-readable (0640) by this group; else 0600 */
	gid_t gid;
};

/* Creates `path` as a new pcap file, never following a symbolic link and never reusing what is
 * there (O_CREAT|O_EXCL|O_NOFOLLOW): the daemon runs as root, and a capture in a directory others
 * can write must not become a way to overwrite their choice of file. NULL with one line in err on
 * failure; *refused is set when the path was refused (exists, a link, not ours: a usage error)
 * rather than failing (no permission, no such directory). */
struct pcapw *pcapw_open(const char *path, const struct pcapw_opts *o, bool *refused, char *err,
			 size_t errlen);
/* Appends one frame stamped with ts_us (wall clock, microseconds since the epoch). */
void pcapw_write(struct pcapw *pw, const uint8_t *frame, size_t len, uint64_t ts_us);
/* Pushes buffered records to the file so readers (tcpdump -r) see them now. 0, or -errno once a
 * write has failed (ENOSPC, EIO, EFBIG): the capture is cut and should be closed. */
int pcapw_flush(struct pcapw *pw);
/* Frames handed to pcapw_write so far. */
uint64_t pcapw_frames(const struct pcapw *pw);
/* Flushes and closes; NULL is fine. */
void pcapw_close(struct pcapw *pw);

#endif
