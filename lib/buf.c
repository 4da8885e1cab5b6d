/*
 * buf.c: a growable byte buffer with a read offset, so that a reader can
 * take a frame off the front without moving what follows.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cxbus-int.h"

/* Start an empty buffer; it allocates on first use. */
void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

/* Free the buffer's memory and leave it empty. */
void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

/*
 * Make room for at least N more bytes after the data.  Unread data moves
 * to the front first, so a buffer that is read as fast as it fills never
 * grows.
 */
int
buf_reserve(struct buf *b, size_t n)
{
	size_t	 used = buf_used(b), cap;
	char	*p;

	if (b->off > 0 && b->cap - b->len < n) {
		memmove(b->data, b->data + b->off, used);
		b->off = 0;
		b->len = used;
	}
	if (b->cap - b->len >= n)
		return (0);

	if (n > SIZE_MAX / 2 - used) {
		errno = ENOMEM;
		return (-1);
	}
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return (-1);
	b->data = p;
	b->cap = cap;
	return (0);
}

/* Append N bytes. */
int
buf_add(struct buf *b, const void *data, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return (-1);
	if (n > 0)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	return (0);
}

/* Drop N bytes from the front; an emptied buffer starts again at 0. */
void
buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

/*
 * One read(2) of up to MAX bytes onto the end.  Returns what read(2)
 * returned; 0 is end of file.
 */
ssize_t
buf_read(struct buf *b, int fd, size_t max)
{
	ssize_t	 n;

	if (buf_reserve(b, max) == -1)
		return (-1);
	n = read(fd, b->data + b->len, max);
	if (n > 0)
		b->len += n;
	return (n);
}

/* One write(2) of the unread data; what was written is consumed. */
ssize_t
buf_write(struct buf *b, int fd)
{
	ssize_t	 n;

	if (buf_used(b) == 0)
		return (0);
	n = write(fd, buf_head(b), buf_used(b));
	if (n > 0)
		buf_consume(b, n);
	return (n);
}
