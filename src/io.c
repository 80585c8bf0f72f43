/*
 * io.c: reading a descriptor into an evbuffer of our own.
 *
 * libevent 2.1's bufferevents read at most 4 KiB per readable event, so a
 * burst of frames or command lines would be taken (and committed) 30 or so
 * messages a loop turn. Sessions and the headless frontend read their
 * descriptors themselves instead, in larger pieces, into a buffer they own
 * (bufferevents are kept for writing).
 */

#include "p2pchat.h"

#include <sys/uio.h>

/*
 * Read what fd has waiting, up to max bytes, into in. Returns the bytes
 * read, 0 at end of file, or -1 with errno (EAGAIN if nothing waits).
 */
ssize_t
io_read(int fd, struct evbuffer *in, size_t max)
{
	struct evbuffer_iovec	 v[2];
	struct iovec		 iov[2];
	ssize_t			 n;
	size_t			 left;
	int			 nv, i;

	if (max == 0) {
		errno = ENOBUFS;
		return (-1);
	}
	if ((nv = evbuffer_reserve_space(in, max, v, 2)) <= 0) {
		errno = ENOMEM;
		return (-1);
	}
	for (left = max, i = 0; i < nv; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len < left ? v[i].iov_len : left;
		left -= iov[i].iov_len;
	}
	do
		n = readv(fd, iov, nv);
	while (n == -1 && errno == EINTR);
	for (left = n > 0 ? (size_t)n : 0, i = 0; i < nv && left > 0; i++) {
		v[i].iov_len = iov[i].iov_len < left ? iov[i].iov_len : left;
		left -= v[i].iov_len;
	}
	evbuffer_commit_space(in, v, i);
	return (n);
}
