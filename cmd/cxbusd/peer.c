/*
 * peer.c: one client connection: reading and parsing its commands, and
 * its output queue.
 *
 * Output is a ring of frames.  While a peer keeps up, replies and small
 * messages are copied into a private frame at the tail of its ring, so a
 * burst of messages leaves in one write.  Once a peer falls behind,
 * published frames are queued by reference instead: a message waiting
 * for a hundred slow subscribers is stored once.
 *
 * Backpressure: a publisher whose message leaves a subscriber over its
 * high-water mark is paused (no longer read) until that subscriber has
 * written half of its queue, the way a process blocks on a full pipe.  A
 * subscriber that takes nothing for the stall timeout stops holding
 * publishers back; what it cannot take from then on is dropped and
 * counted.
 */

#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cxbusd.h"

/* Below this many queued bytes a peer gets copies, not references. */
#define PEER_COPY_LIMIT		(64 * 1024)

/* A frame for one receiver only is copied up to this size. */
#define PEER_COPY_ALONE		1024

/* Size of a private output frame. */
#define PEER_CHUNK		(16 * 1024)

/* A buffer this big is given back once it is empty. */
#define PEER_IN_KEEP		(16 * 1024)

struct peers		 all_peers = TAILQ_HEAD_INITIALIZER(all_peers);
unsigned		 npeers;
static struct peers	 flush_list = TAILQ_HEAD_INITIALIZER(flush_list);
static struct peers	 dead_list = TAILQ_HEAD_INITIALIZER(dead_list);
static uint64_t		 next_id = 1;

/* One read goes here first; only an unfinished frame is kept per peer. */
static char		 scratch[CX_IO_CHUNK];

static void	 peer_event(int, int, void *);
static void	 peer_read(struct peer *);
static void	 peer_parse(struct peer *, char *, size_t);
static void	 peer_write(struct peer *);
static void	 peer_want_flush(struct peer *);
static void	 peer_update_events(struct peer *);
static int	 peer_queue(struct peer *, struct frame *, size_t);
static void	 peer_report_drops(struct peer *);

/* Take a new connection. */
void
peer_accept(int fd, uid_t uid, pid_t pid)
{
	struct peer	*p;
	int		 sndbuf = 1024 * 1024;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("peer_accept");
		close(fd);
		return;
	}
	/*
	 * A bigger send buffer lets a subscriber that reads in large batches
	 * get large writes: with the default, a full socket is refilled a
	 * page at a time.  The kernel caps it at net.core.wmem_max.
	 */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));

	p->fd = fd;
	p->id = next_id++;
	p->uid = uid;
	p->pid = pid;
	p->last_progress = time(NULL);
	buf_init(&p->in);
	TAILQ_INSERT_TAIL(&all_peers, p, entry);
	npeers++;
	stats.clients_total++;
	log_debug("%s: client %llu", __func__, (unsigned long long)p->id);
	peer_update_events(p);
}

/* Poll for reading unless paused or closing; for writing while queued. */
static void
peer_update_events(struct peer *p)
{
	int	 events = 0;

	if (p->flags & PEER_DEAD)
		return;
	if (!(p->flags & (PEER_PAUSED | PEER_CLOSING)))
		events |= EV_READ;
	if (p->want_write)
		events |= EV_WRITE;
	loop_set(p->fd, events, peer_event, p);
}

/* The loop's callback. */
static void
peer_event(int fd, int events, void *arg)
{
	struct peer	*p = arg;

	if ((events & EV_WRITE) && !(p->flags & PEER_DEAD))
		peer_write(p);
	if ((events & EV_READ) && !(p->flags & PEER_DEAD))
		peer_read(p);
}

/*
 * Read once and run every whole command.  A peer with no unfinished
 * frame is read into the shared scratch buffer, so that idle peers cost
 * no buffer at all.
 */
static void
peer_read(struct peer *p)
{
	ssize_t	 n;

	if (p->flags & (PEER_PAUSED | PEER_CLOSING))
		return;
	if (buf_used(&p->in) == 0) {
		n = read(p->fd, scratch, sizeof(scratch));
		if (n > 0)
			peer_parse(p, scratch, n);
	} else {
		n = buf_read(&p->in, p->fd, CX_IO_CHUNK);
		if (n > 0)
			peer_parse(p, NULL, 0);
	}
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		if (n == -1 && errno != ECONNRESET)
			log_debug("%s: client %llu: %s", __func__,
			    (unsigned long long)p->id, strerror(errno));
		peer_close(p);
	}
}

/*
 * Run the commands in DATA (or, when DATA is NULL, in the peer's own
 * buffer) and keep what is left: an unfinished frame, or everything after
 * a pause.
 */
static void
peer_parse(struct peer *p, char *data, size_t len)
{
	const char	*err;
	size_t		 used;
	int		 r;

	if (data == NULL) {
		data = buf_head(&p->in);
		len = buf_used(&p->in);
	}
	while (len > 0 && !(p->flags & (PEER_PAUSED | PEER_CLOSING |
	    PEER_DEAD))) {
		r = resp_parse_request(data, len, opt.bulk_limit, &p->args,
		    &used, &err);
		if (r == RESP_MORE)
			break;
		if (r == RESP_ERROR) {
			log_debug("%s: client %llu: %s", __func__,
			    (unsigned long long)p->id, err);
			reply_error(p, "ERR %s", err);
			p->flags |= PEER_CLOSING;
			len = 0;
			break;
		}
		if (p->args.argc > 0)
			command_run(p, &p->args);
		data += used;
		len -= used;

		/*
		 * A client that does not read its replies is not read
		 * either, or they would pile up here without bound.
		 */
		if (p->outbytes >= opt.queue_limit &&
		    !(p->flags & (PEER_PAUSED | PEER_DEAD)))
			peer_pause(p, p);
	}
	if (p->flags & PEER_DEAD)
		return;

	/* Keep the rest: move it to the front of the peer's own buffer. */
	if (buf_used(&p->in) > 0 && data >= p->in.data &&
	    data <= p->in.data + p->in.len) {
		buf_consume(&p->in, buf_used(&p->in) - len);
	} else if (len > 0 && buf_add(&p->in, data, len) == -1) {
		log_warn("client %llu", (unsigned long long)p->id);
		peer_close(p);
		return;
	}
	if (buf_used(&p->in) == 0 && p->in.cap > PEER_IN_KEEP)
		buf_free(&p->in);

	/* An unfinished command may not grow without end. */
	if (buf_used(&p->in) > opt.input_limit) {
		log_warnx("client %llu: command over %zu bytes: closing",
		    (unsigned long long)p->id, opt.input_limit);
		reply_error(p, "ERR Protocol error: command over %zu bytes",
		    opt.input_limit);
		p->flags |= PEER_CLOSING;
		buf_free(&p->in);
	}
	if (p->flags & PEER_CLOSING)
		peer_want_flush(p);
}

/* Allocate a frame with room for LEN bytes. */
struct frame *
frame_new(size_t len)
{
	struct frame	*f;

	if ((f = malloc(sizeof(*f) + len)) == NULL)
		return (NULL);
	f->refs = 1;
	f->len = 0;
	f->cap = len;
	return (f);
}

/* Drop one reference. */
void
frame_unref(struct frame *f)
{
	if (--f->refs == 0)
		free(f);
}

/* Append an entry for F from offset OFF to the ring; takes a reference. */
static int
peer_queue(struct peer *p, struct frame *f, size_t off)
{
	struct outent	*q;
	size_t		 i, n;

	if (p->qlen == p->qcap) {
		n = p->qcap ? p->qcap * 2 : 8;
		if ((q = reallocarray(NULL, n, sizeof(*q))) == NULL)
			return (-1);
		for (i = 0; i < p->qlen; i++)
			q[i] = p->q[(p->qhead + i) % p->qcap];
		free(p->q);
		p->q = q;
		p->qhead = 0;
		p->qcap = n;
	}
	p->q[(p->qhead + p->qlen) % p->qcap] =
	    (struct outent){ .frame = f, .off = off };
	p->qlen++;
	f->refs++;
	return (0);
}

/* The private frame at the tail of the ring, if it has room for LEN. */
static struct frame *
peer_tail(struct peer *p, size_t len)
{
	struct outent	*last;
	struct frame	*f;

	if (p->qlen > 0) {
		last = &p->q[(p->qhead + p->qlen - 1) % p->qcap];
		f = last->frame;
		if (f->refs == 1 && f->cap - f->len >= len)
			return (f);
	}
	if ((f = frame_new(len > PEER_CHUNK ? len : PEER_CHUNK)) == NULL)
		return (NULL);
	if (peer_queue(p, f, 0) == -1) {
		free(f);
		return (NULL);
	}
	f->refs--;
	return (f);
}

/* Queue bytes private to this peer: a reply, or a copy of a message. */
void
peer_reply(struct peer *p, const void *data, size_t len)
{
	struct frame	*f;

	if ((p->flags & PEER_DEAD) || len == 0)
		return;
	if ((f = peer_tail(p, len)) == NULL) {
		log_warn("client %llu: output", (unsigned long long)p->id);
		peer_close(p);
		return;
	}
	memcpy(f->data + f->len, data, len);
	f->len += len;
	if (p->outbytes == 0)
		p->last_progress = time(NULL);
	p->outbytes += len;
	peer_want_flush(p);
}

/*
 * Queue a published frame: copied while the peer keeps up, by reference
 * once it has a backlog, unless the peer is its only receiver and it is
 * small, when sharing would save nothing.  A stalled peer past its limit
 * loses it, and the loss is counted.
 */
void
peer_send_frame(struct peer *p, struct frame *f, int alone)
{
	if (p->flags & (PEER_DEAD | PEER_CLOSING))
		return;
	if ((p->flags & (PEER_STALLED | PEER_LOSSY)) &&
	    p->outbytes >= opt.queue_limit) {
		p->dropped++;
		p->unreported++;
		stats.messages_dropped++;
		return;
	}
	stats.messages_out++;
	if (p->outbytes + f->len <= PEER_COPY_LIMIT ||
	    (alone && f->len <= PEER_COPY_ALONE)) {
		peer_reply(p, f->data, f->len);
		return;
	}
	if (peer_queue(p, f, 0) == -1) {
		log_warn("client %llu: output", (unsigned long long)p->id);
		peer_close(p);
		return;
	}
	if (p->outbytes == 0)
		p->last_progress = time(NULL);
	p->outbytes += f->len;
	peer_want_flush(p);
}

/* Whether a publisher must wait for this peer before sending more. */
int
peer_full(struct peer *p)
{
	return (p->outbytes >= opt.queue_limit &&
	    !(p->flags & (PEER_STALLED | PEER_LOSSY | PEER_DEAD)));
}

/* Put the peer on the list written out after this round. */
static void
peer_want_flush(struct peer *p)
{
	if (p->flags & (PEER_FLUSH | PEER_DEAD))
		return;
	p->flags |= PEER_FLUSH;
	TAILQ_INSERT_TAIL(&flush_list, p, flush_entry);
}

/* Write as much of the queue as the socket takes, in one writev. */
static void
peer_write(struct peer *p)
{
	struct iovec	 iov[64];
	struct outent	*e;
	size_t		 i, n;
	ssize_t		 w;

	while (p->qlen > 0) {
		for (n = 0; n < 64 && n < p->qlen; n++) {
			e = &p->q[(p->qhead + n) % p->qcap];
			iov[n].iov_base = e->frame->data + e->off;
			iov[n].iov_len = e->frame->len - e->off;
		}
		w = writev(p->fd, iov, n);
		if (w == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (errno != EPIPE && errno != ECONNRESET)
				log_debug("%s: client %llu: %s", __func__,
				    (unsigned long long)p->id,
				    strerror(errno));
			peer_close(p);
			return;
		}
		p->outbytes -= w;
		p->last_progress = time(NULL);
		for (i = 0; i < n && w > 0; i++) {
			e = &p->q[p->qhead];
			if ((size_t)w < e->frame->len - e->off) {
				e->off += w;
				break;
			}
			w -= e->frame->len - e->off;
			frame_unref(e->frame);
			p->qhead = (p->qhead + 1) % p->qcap;
			p->qlen--;
		}
		if (i < n)
			break;
	}

	if (p->qlen == 0 && (p->flags & PEER_CLOSING)) {
		peer_close(p);
		return;
	}
	if (p->outbytes <= opt.queue_limit / 2) {
		p->flags &= ~PEER_STALLED;
		peer_resume_waiters(p);
		if (p->unreported > 0 && (p->flags & PEER_NOTIFY))
			peer_report_drops(p);
	}
	if (p->want_write != (p->qlen > 0)) {
		p->want_write = p->qlen > 0;
		peer_update_events(p);
	}
}

/*
 * Tell a peer that asked (CXBUS.NOTIFY) how many messages it lost, as
 * ["cxbus.dropped", count], now that it has room again.
 */
static void
peer_report_drops(struct peer *p)
{
	struct buf	 b;

	/*
	 * Two elements, not a "message": no publisher can forge it, and
	 * only clients that asked for it ever see it.
	 */
	buf_init(&b);
	if (resp_add_array(&b, (p->flags & PEER_RESP3) ? '>' : '*', 2) == -1 ||
	    resp_add_bulk(&b, "cxbus.dropped", 13) == -1 ||
	    resp_add_int(&b, p->unreported) == -1)
		goto out;
	p->unreported = 0;
	peer_reply(p, buf_head(&b), buf_used(&b));
out:
	buf_free(&b);
}

/*
 * Let the publishers paused on P go on.  What they had sent already runs
 * from peer_flush_all, never from here: this may be called while one of
 * them is in the middle of its own commands.
 */
void
peer_resume_waiters(struct peer *p)
{
	struct peer	*w;
	size_t		 i;

	for (i = 0; i < p->waiters.n; i++) {
		w = p->waiters.v[i];
		w->blocked_on = NULL;
		w->flags &= ~PEER_PAUSED;
		w->flags |= PEER_RESUMED;
		peer_update_events(w);
		peer_want_flush(w);
	}
	p->waiters.n = 0;
}

/*
 * Stop reading P until S (a full subscriber, or P itself with its own
 * replies unread) has written half its queue.
 */
void
peer_pause(struct peer *p, struct peer *s)
{
	p->flags |= PEER_PAUSED;
	p->blocked_on = s;
	ptrvec_add(&s->waiters, p);
	peer_update_events(p);
}

/* Write out everything queued during this round of events. */
void
peer_flush_all(void)
{
	struct peer	*p;

	while ((p = TAILQ_FIRST(&flush_list)) != NULL) {
		TAILQ_REMOVE(&flush_list, p, flush_entry);
		p->flags &= ~PEER_FLUSH;
		if ((p->flags & PEER_RESUMED) && !(p->flags & PEER_PAUSED)) {
			p->flags &= ~PEER_RESUMED;
			if (buf_used(&p->in) > 0)
				peer_parse(p, NULL, 0);
		}
		if (!(p->flags & PEER_DEAD))
			peer_write(p);
	}
}

/*
 * Once a second: a subscriber that is full and has taken nothing for the
 * stall timeout stops holding its publishers back.
 */
void
peer_tick(void)
{
	struct peer	*p;
	time_t		 now = time(NULL);

	TAILQ_FOREACH(p, &all_peers, entry) {
		if (p->waiters.n == 0 || (p->flags & PEER_STALLED))
			continue;
		if (now - p->last_progress < opt.stall_timeout)
			continue;
		log_warnx("client %llu took nothing for %d s: dropping "
		    "what it cannot take", (unsigned long long)p->id,
		    opt.stall_timeout);
		p->flags |= PEER_STALLED;
		peer_resume_waiters(p);
	}
	topic_forget_idle();
}

/*
 * Close the connection now.  The memory stays until peer_reap, since
 * callers up the stack may still hold the pointer.
 */
void
peer_close(struct peer *p)
{
	if (p->flags & PEER_DEAD)
		return;
	log_debug("%s: client %llu", __func__, (unsigned long long)p->id);
	p->flags |= PEER_DEAD;
	if (p->blocked_on != NULL)
		ptrvec_remove(&p->blocked_on->waiters, p);
	peer_resume_waiters(p);
	topic_drop_peer(p);
	loop_del(p->fd);
	close(p->fd);
	TAILQ_REMOVE(&all_peers, p, entry);
	npeers--;
	TAILQ_INSERT_TAIL(&dead_list, p, entry);
	listen_pause(0);
}

/* Free the peers closed during this round. */
void
peer_reap(void)
{
	struct peer	*p;

	while ((p = TAILQ_FIRST(&dead_list)) != NULL) {
		TAILQ_REMOVE(&dead_list, p, entry);
		if (p->flags & PEER_FLUSH)
			TAILQ_REMOVE(&flush_list, p, flush_entry);
		while (p->qlen > 0) {
			frame_unref(p->q[p->qhead].frame);
			p->qhead = (p->qhead + 1) % p->qcap;
			p->qlen--;
		}
		free(p->q);
		buf_free(&p->in);
		resp_args_free(&p->args);
		ptrvec_free(&p->topics);
		ptrvec_free(&p->patterns);
		ptrvec_free(&p->waiters);
		free(p->name);
		free(p);
	}
}

/* Append a pointer. */
void
ptrvec_add(struct ptrvec *pv, void *ptr)
{
	void	**v;
	size_t	  n;

	if (pv->n == pv->cap) {
		n = pv->cap ? pv->cap * 2 : 4;
		if ((v = reallocarray(pv->v, n, sizeof(*v))) == NULL)
			fatal("ptrvec_add");
		pv->v = v;
		pv->cap = n;
	}
	pv->v[pv->n++] = ptr;
}

/* Remove a pointer, keeping the order; returns 1 if it was there. */
int
ptrvec_remove(struct ptrvec *pv, void *ptr)
{
	size_t	 i;

	for (i = 0; i < pv->n; i++) {
		if (pv->v[i] == ptr) {
			memmove(&pv->v[i], &pv->v[i + 1],
			    (pv->n - i - 1) * sizeof(*pv->v));
			pv->n--;
			return (1);
		}
	}
	return (0);
}

/* Whether the pointer is there. */
int
ptrvec_has(struct ptrvec *pv, void *ptr)
{
	size_t	 i;

	for (i = 0; i < pv->n; i++)
		if (pv->v[i] == ptr)
			return (1);
	return (0);
}

/* Free the array. */
void
ptrvec_free(struct ptrvec *pv)
{
	free(pv->v);
	memset(pv, 0, sizeof(*pv));
}
