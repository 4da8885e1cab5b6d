/*
 * cxbus.h: the client side of the cxbus publish/subscribe bus.
 *
 * A program opens one connection, publishes, subscribes with callbacks and
 * dispatches what arrives, either blocking or from its own poll loop.  The
 * same calls work against cxbusd and against a Redis server.
 *
 * Contracts, once for every call below:
 * - Functions that return int return -1 on failure; cxbus_error() then
 *   says what went wrong in one line.  A connection that failed stays
 *   failed: close it and open another.
 * - Strings handed to a callback point into the connection's input
 *   buffer.  They are valid until the callback returns; copy what you keep.
 * - A connection that subscribes cannot publish (Redis's RESP2, which
 *   every server speaks, allows nothing else once subscribed): publish
 *   on a second connection, as cxbus pipe does.
 * - While a callback runs, nothing is read from the bus.  A callback may
 *   publish on another connection, and call cxbus_subscribe() and
 *   cxbus_unsubscribe() on its own, which then do not wait for the bus
 *   to confirm; calls that must wait for an answer fail.  It must not
 *   close its connection: set a flag and close after cxbus_dispatch().
 * - A connection is not safe to share between threads without a lock.
 */

#ifndef CXBUS_H
#define CXBUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

#define CXBUS_VERSION		"0.1.0"

/* Flags for cxbus_open(). */
#define CXBUS_NOAUTOSTART	0x01	/* never start a daemon */

/* Flags for cxbus_subscribe() and cxbus_unsubscribe(). */
#define CXBUS_FIXED		0x01	/* exact topic even with * ? [ */

struct cxbus;

/* One message as a subscriber sees it.  Not NUL-terminated. */
struct cxbus_msg {
	const char	*topic;
	size_t		 topic_len;
	const char	*payload;
	size_t		 payload_len;
	const char	*pattern;	/* the glob that matched, or NULL */
	size_t		 pattern_len;
};

typedef void cxbus_cb(struct cxbus *, const struct cxbus_msg *, void *);

/* A reply to cxbus_call(), as a tree. */
enum cxbus_reply_type {
	CXBUS_REPLY_STRING,	/* bulk, simple or verbatim string */
	CXBUS_REPLY_ERROR,
	CXBUS_REPLY_INTEGER,
	CXBUS_REPLY_NIL,
	CXBUS_REPLY_ARRAY	/* arrays, sets, pushes; maps as key, value */
};

struct cxbus_reply {
	enum cxbus_reply_type	  type;
	long long		  integer;
	char			 *str;	/* NUL-terminated, len bytes */
	size_t			  len;
	size_t			  elements;
	struct cxbus_reply	**element;
};

/*
 * Open a connection.  ADDRESS is NULL for the user's own bus (found as
 * cxbus(1) describes, $CXBUS_URL included, started if it is not running
 * unless CXBUS_NOAUTOSTART or $CXBUS_NO_AUTOSTART), a socket path, or a
 * redis://[:PASSWORD@]HOST[:PORT] URL.  Returns NULL only when memory runs
 * out; otherwise check cxbus_error().
 */
struct cxbus	*cxbus_open(const char *address, int flags);

/* Close the connection and free everything it holds. */
void		 cxbus_close(struct cxbus *);

/* The last error, or NULL if none happened. */
const char	*cxbus_error(struct cxbus *);

/* The socket path or URL this connection went to. */
const char	*cxbus_address(struct cxbus *);

/*
 * The largest payload the bus takes, in bytes, asked of it once (a round
 * trip on first use); 0 when it does not say.  Once known, cxbus_publish
 * refuses a larger message itself, and the connection stays usable.
 */
long long	 cxbus_max_message(struct cxbus *);

/*
 * Queue one message.  Messages are pipelined: this writes only when enough
 * has gathered, and never waits for the bus to answer.  cxbus_flush()
 * waits until the bus has taken all of them.
 */
int		 cxbus_publish(struct cxbus *, const char *topic,
		    const void *payload, size_t len);

/*
 * Write everything queued without waiting for the bus to answer; answers
 * that have already come are taken.  A program that publishes as input
 * arrives calls this whenever its input runs dry, so that nothing waits
 * in the buffer for more to gather.
 */
int		 cxbus_send(struct cxbus *);

/*
 * Send what is queued and wait until the bus has answered every request,
 * at most TIMEOUT_MS milliseconds (-1: no limit).  Fails if the bus
 * refused any message since the last flush; cxbus_error() names the first.
 */
int		 cxbus_flush(struct cxbus *, int timeout_ms);

/* How many messages the bus has taken and delivered (sum of receivers). */
unsigned long long cxbus_published(struct cxbus *);

/*
 * Subscribe to PATTERN and call CB for each message that matches.  A
 * pattern with *, ? or [ is a glob unless CXBUS_FIXED is given.  Waits for
 * the bus to confirm; messages for earlier subscriptions that arrive
 * meanwhile are dispatched to their callbacks.  Several callbacks on the
 * same PATTERN all get its messages.
 */
int		 cxbus_subscribe(struct cxbus *, const char *pattern,
		    int flags, cxbus_cb *cb, void *arg);

/*
 * Ask cxbusd to drop what this connection cannot take rather than hold
 * publishers back.  Call it before subscribing.  Fails on a server that
 * does not know the command (a Redis server).
 */
int		 cxbus_lossy(struct cxbus *);

/*
 * How many messages the bus has reported dropping for this connection:
 * a lossy one that fell behind, or one that took nothing for the
 * daemon's stall timeout.
 */
unsigned long long cxbus_dropped(struct cxbus *);

/* Drop a subscription made with the same PATTERN and FLAGS. */
int		 cxbus_unsubscribe(struct cxbus *, const char *pattern,
		    int flags);

/*
 * Wait at most TIMEOUT_MS (-1: no limit, 0: do not wait) for messages, and
 * call their callbacks for everything that has arrived.  Returns after one
 * batch: the number of messages dispatched, 0 when the time ran out.
 */
int		 cxbus_dispatch(struct cxbus *, int timeout_ms);

/*
 * For callers with their own poll loop: the descriptor to poll and the
 * events to poll it for (POLLIN, plus POLLOUT while output is queued).
 * Call cxbus_dispatch(c, 0) when it is ready.
 */
int		 cxbus_fd(struct cxbus *);
int		 cxbus_events(struct cxbus *);

/* Send PING and wait for the answer; returns 0 when it came in time. */
int		 cxbus_ping(struct cxbus *, int timeout_ms);

/*
 * Send any command and wait for its reply.  Not for subscribe commands.
 * The reply is the caller's to free with cxbus_reply_free().
 */
int		 cxbus_call(struct cxbus *, int argc, const char **argv,
		    const size_t *lens, struct cxbus_reply **reply);
void		 cxbus_reply_free(struct cxbus_reply *);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* CXBUS_H */
