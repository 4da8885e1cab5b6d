/*
 * split.c: cut a stream into records at a separator byte ('\n' or NUL)
 * for cxbus pub.  A record is handed out as a pointer into the buffer, so
 * nothing is copied, and the buffer never holds more than the longest
 * record allowed plus one read.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cxbus-int.h"

static size_t	 split_limit(const struct split *);
static int	 split_reserve(struct split *);

/* Start splitting at byte SEP, refusing records longer than MAX bytes. */
void
split_init(struct split *s, int sep, size_t max)
{
	buf_init(&s->in);
	s->sep = sep;
	s->eof = 0;
	s->max = max;
	s->skip = 0;
}

/* Free what the splitter holds. */
void
split_free(struct split *s)
{
	buf_free(&s->in);
}

/* Return the most the buffer may ever hold: a whole record and a read. */
static size_t
split_limit(const struct split *s)
{
	if (s->max > SIZE_MAX - CX_IO_CHUNK)
		return (SIZE_MAX);
	return (s->max + CX_IO_CHUNK);
}

/*
 * Make room for the next read: move the unread bytes to the front when
 * the end is short of room, and grow the buffer, but never past
 * split_limit.  buf_reserve is not used because it grows by doubling and
 * could allocate nearly twice the limit.
 */
static int
split_reserve(struct split *s)
{
	struct buf	*b = &s->in;
	size_t		 used = buf_used(b), limit = split_limit(s), need;
	size_t		 cap;
	char		*p;

	need = CX_IO_CHUNK;
	if (need > limit - used)
		need = limit - used;
	if (b->cap - b->len >= need)
		return (0);

	if (b->off > 0) {
		memmove(b->data, b->data + b->off, used);
		b->off = 0;
		b->len = used;
		if (b->cap - b->len >= need)
			return (0);
	}

	cap = b->cap > limit / 2 ? limit : b->cap * 2;
	if (cap < used + need)
		cap = used + need;
	if ((p = realloc(b->data, cap)) == NULL)
		return (-1);
	b->data = p;
	b->cap = cap;
	return (0);
}

/*
 * Read once from FD, up to CX_IO_CHUNK bytes.  Return what read(2)
 * returned; at 0 the splitter knows the input has ended.  Call it only
 * when split_next asked for more, or the buffer may be full (ENOBUFS).
 */
ssize_t
split_fill(struct split *s, int fd)
{
	struct buf	*b = &s->in;
	size_t		 room;
	ssize_t		 n;

	if (split_reserve(s) == -1)
		return (-1);
	room = b->cap - b->len;
	if (room > CX_IO_CHUNK)
		room = CX_IO_CHUNK;
	if (room == 0) {
		errno = ENOBUFS;
		return (-1);
	}

	n = read(fd, b->data + b->len, room);
	if (n > 0)
		b->len += n;
	else if (n == 0)
		s->eof = 1;
	return (n);
}

/*
 * Take the next record: SPLIT_RECORD with *REC and *LEN set to it, its
 * separator left off (the pointer is good until the next split_fill);
 * SPLIT_NEED when split_fill must read more; SPLIT_END when the input
 * has ended and every record was taken; SPLIT_TOOLONG when the record
 * under way is longer than the limit.  A last record without a separator
 * is a record; a separator at the very end does not start another one.
 */
int
split_next(struct split *s, const char **rec, size_t *len)
{
	struct buf	*b = &s->in;
	const char	*head, *p = NULL;
	size_t		 used = buf_used(b), end = used;

	/* Nothing was read yet: there is no buffer to point into. */
	if (b->data == NULL)
		return (s->eof ? SPLIT_END : SPLIT_NEED);
	head = buf_head(b);

	/*
	 * Look only at bytes not seen before, so a long record read in
	 * small pieces costs its length once, and no further than one past
	 * the limit: a separator further on would end a record too long.
	 */
	if (end > s->max && end - s->max > 1)
		end = s->max + 1;
	if (s->skip < end)
		p = memchr(head + s->skip, s->sep, end - s->skip);
	if (p != NULL) {
		*rec = head;
		*len = p - head;
		buf_consume(b, *len + 1);
		s->skip = 0;
		return (SPLIT_RECORD);
	}
	s->skip = end;

	if (used > s->max)
		return (SPLIT_TOOLONG);
	if (!s->eof)
		return (SPLIT_NEED);
	if (used == 0)
		return (SPLIT_END);

	*rec = head;
	*len = used;
	buf_consume(b, used);
	s->skip = 0;
	return (SPLIT_RECORD);
}
