/*
 * client.c: libcxbus, the client side of the bus.
 *
 * A connection keeps one output buffer, into which requests are encoded
 * and from which they leave in large writes, and one input buffer, from
 * which replies and messages are parsed in order.  Every request waits
 * for exactly one reply (or one confirmation per name, for subscribe
 * commands), so a ring of what is owed tells each reply what it answers;
 * messages are told apart by their shape.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bsd/string.h>

#include "cxbus.h"
#include "cxbus-int.h"

/* How long a command waits for a daemon it started to listen. */
#define CLIENT_START_WAIT_MS	5000

/* What a reply that is still owed will answer. */
enum pending {
	PEND_PUBLISH,
	PEND_SUBSCRIBE,
	PEND_UNSUBSCRIBE,
	PEND_PING,
	PEND_CALL,
	PEND_AUTH,
	PEND_LIMIT,
	PEND_QUIET	/* a reply of no interest, errors included */
};

/* One subscription and its callback. */
struct sub {
	char		*name;
	size_t		 len;
	int		 glob;
	cxbus_cb	*cb;
	void		*arg;
};

struct cxbus {
	int			 fd;
	int			 failed;
	char			 error[PATH_MAX + 512];
	char			 address[PATH_MAX];

	struct buf		 out;
	struct buf		 in;
	struct resp_reply	 reply;

	unsigned char		*pend;	/* ring of enum pending */
	size_t			 pend_head;
	size_t			 pend_len;
	size_t			 pend_cap;
	size_t			 confirms;	/* subscribe replies owed */

	unsigned long long	 queued;	/* messages published */
	unsigned long long	 acked;		/* ... and answered */
	unsigned long long	 receivers;
	int			 refused;	/* the bus refused one */

	struct sub		*subs;
	size_t			 nsubs;
	int			 dispatched;

	struct cxbus_reply	*call_reply;
	int			 call_done;
	long long		 max_message;	/* -1 unknown, 0 none */
	int			 limit_asked;
	int			 notify_asked;
	unsigned long long	 dropped;	/* as the bus reported */
	int			 in_callback;
	int			 reported;	/* error told, still shown */
};

static int	 client_fail(struct cxbus *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));

/* Mark the connection failed with a message; returns -1. */
static int
client_fail(struct cxbus *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	c->failed = 1;
	return (-1);
}

/* Milliseconds on the monotonic clock. */
static long long
client_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
}

/* Milliseconds left until DEADLINE (-1: none), for poll. */
static int
client_left(long long deadline)
{
	long long	 left;

	if (deadline < 0)
		return (-1);
	left = deadline - client_now();
	return (left < 0 ? 0 : (int)left);
}

/* Connect to the Unix socket PATH; returns the descriptor or -1. */
static int
client_connect_unix(const char *path)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	int			 fd, saved;

	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

/*
 * Connect to the bus at PATH, starting a daemon when nothing listens
 * there and AUTOSTART allows it.
 */
static int
client_open_unix(struct cxbus *c, const char *path, int autostart)
{
	char		 err[512] = "";
	long long	 deadline;
	int		 fd, saved;

	strlcpy(c->address, path, sizeof(c->address));
	if (sockpath_fits(path, err, sizeof(err)) == -1)
		return (client_fail(c, "%s", err));
	if ((fd = client_connect_unix(path)) != -1)
		return (fd);
	saved = errno;
	if (!autostart || (saved != ENOENT && saved != ECONNREFUSED))
		return (client_fail(c, "no bus at %s: %s", path,
		    strerror(saved)));

	/*
	 * Even when our daemon lost the race for the lock, another one is
	 * starting: keep trying to connect for a while.
	 */
	if (autostart_daemon(path, err, sizeof(err)) == -1) {
		/* One that never went to the background may still listen. */
		if ((fd = client_connect_unix(path)) != -1)
			return (fd);
		return (client_fail(c, "could not start a bus at %s: %s",
		    path, err));
	}
	*err = '\0';
	deadline = client_now() + CLIENT_START_WAIT_MS;
	for (int delay = 1; client_now() < deadline; delay *= 2) {
		if ((fd = client_connect_unix(path)) != -1)
			return (fd);
		saved = errno;
		usleep((delay > 100 ? 100 : delay) * 1000);
	}
	if (*err != '\0')
		return (client_fail(c, "could not start a bus at %s: %s",
		    path, err));
	return (client_fail(c, "no bus at %s: %s", path, strerror(saved)));
}

/* The parts of a server URL. */
struct client_url {
	int	 is_unix;
	char	 host[256];
	char	 port[16];
	char	 path[PATH_MAX];
	char	 user[256];
	char	 password[256];
};

/* Whether ADDRESS is a URL (SCHEME://...) rather than a socket path. */
static int
client_is_url(const char *address)
{
	size_t	 n = strspn(address, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");

	return (n > 0 && strncmp(address + n, "://", 3) == 0);
}

/*
 * Copy N bytes of S to OUT (LEN bytes), decoding %XX escapes, so that a
 * password may hold '@', ':' or '/'.  -1 on a bad escape, a NUL, or no
 * room.
 */
static int
client_unescape(const char *s, size_t n, char *out, size_t len)
{
	size_t	 i, o = 0;
	int	 hi, lo, ch;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch == '%') {
			if (i + 2 >= n)
				return (-1);
			if ((hi = resp_hex(s[i + 1])) == -1 ||
			    (lo = resp_hex(s[i + 2])) == -1)
				return (-1);
			ch = hi * 16 + lo;
			i += 2;
		}
		if (ch == '\0' || o + 1 >= len)
			return (-1);
		out[o++] = ch;
	}
	out[o] = '\0';
	return (0);
}

/* Take USER:PASSWORD (or PASSWORD alone, as redis-cli does) of N bytes. */
static int
client_url_userinfo(struct client_url *u, const char *s, size_t n)
{
	const char	*colon = memchr(s, ':', n);

	if (colon == NULL)
		return (client_unescape(s, n, u->password,
		    sizeof(u->password)));
	if (client_unescape(s, colon - s, u->user, sizeof(u->user)) == -1)
		return (-1);
	return (client_unescape(colon + 1, n - (colon - s) - 1, u->password,
	    sizeof(u->password)));
}

/* Whether the N bytes at S are a database number (digits) or empty. */
static int
client_url_db(const char *s, size_t n)
{
	return (strspn(s, "0123456789") >= n && n <= 9);
}

/*
 * Read the options after '?': password (or pass), user (or username),
 * and db, which is checked and then ignored, since channels belong to no
 * database.  Returns the name of a bad option, or NULL.
 */
static const char *
client_url_options(struct client_url *u, const char *q)
{
	static char	 bad[64];
	const char	*eq, *end;
	size_t		 klen, vlen;
	int		 r;

	for (; *q != '\0'; q = *end == '&' ? end + 1 : end) {
		end = q + strcspn(q, "&");
		if ((eq = memchr(q, '=', end - q)) == NULL)
			eq = end;
		klen = eq - q;
		vlen = eq < end ? end - eq - 1 : 0;
		eq = eq < end ? eq + 1 : end;
		if ((klen == 8 && strncmp(q, "password", 8) == 0) ||
		    (klen == 4 && strncmp(q, "pass", 4) == 0))
			r = client_unescape(eq, vlen, u->password,
			    sizeof(u->password));
		else if ((klen == 4 && strncmp(q, "user", 4) == 0) ||
		    (klen == 8 && strncmp(q, "username", 8) == 0))
			r = client_unescape(eq, vlen, u->user,
			    sizeof(u->user));
		else if (klen == 2 && strncmp(q, "db", 2) == 0)
			r = client_url_db(eq, vlen) ? 0 : -1;
		else if (klen == 0)
			r = 0;
		else
			r = -1;
		if (r == -1) {
			snprintf(bad, sizeof(bad), "%.*s", (int)klen, q);
			return (bad);
		}
	}
	return (NULL);
}

/*
 * Split URL into U, or say why it cannot be used in ERR.  The forms:
 *	redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?OPTIONS]
 *	unix://[[USER]:PASSWORD@]/PATH[?OPTIONS]	(or redis+unix://)
 */
static int
client_url_parse(const char *url, struct client_url *u, char *err,
    size_t errlen)
{
	const char	*rest, *end, *at, *slash, *q, *bad, *port;
	char		 hostport[300], *colon, *host;
	size_t		 n;

	memset(u, 0, sizeof(*u));
	strlcpy(u->port, "6379", sizeof(u->port));
	if (strncasecmp(url, "redis://", 8) == 0)
		rest = url + 8;
	else if (strncasecmp(url, "unix://", 7) == 0) {
		rest = url + 7;
		u->is_unix = 1;
	} else if (strncasecmp(url, "redis+unix://", 13) == 0) {
		rest = url + 13;
		u->is_unix = 1;
	} else if (strncasecmp(url, "rediss://", 9) == 0) {
		snprintf(err, errlen, "TLS (rediss://) is not supported");
		return (-1);
	} else {
		snprintf(err, errlen, "not a redis:// or unix:// URL");
		return (-1);
	}
	q = rest + strcspn(rest, "?");

	/* A Unix path starts at the first '/' after any credentials. */
	if (u->is_unix) {
		at = NULL;
		if (*rest != '/') {
			for (at = rest; at < q && !(at[0] == '@' &&
			    at[1] == '/'); at++)
				;
			if (at == q) {
				snprintf(err, errlen, "no socket path (use "
				    "unix:///path/to/socket)");
				return (-1);
			}
			if (client_url_userinfo(u, rest, at - rest) == -1)
				goto bad_escape;
			rest = at + 1;
		}
		if (rest == q || client_unescape(rest, q - rest, u->path,
		    sizeof(u->path)) == -1) {
			snprintf(err, errlen, "bad socket path");
			return (-1);
		}
	} else {
		end = rest + strcspn(rest, "/?");
		at = NULL;
		for (slash = rest; slash < end; slash++)
			if (*slash == '@')
				at = slash;
		if (at != NULL) {
			if (client_url_userinfo(u, rest, at - rest) == -1)
				goto bad_escape;
			rest = at + 1;
		}
		n = end - rest;
		if (n >= sizeof(hostport)) {
			snprintf(err, errlen, "host name too long");
			return (-1);
		}
		memcpy(hostport, rest, n);
		hostport[n] = '\0';
		if (*end == '/' && !client_url_db(end + 1, q - end - 1)) {
			snprintf(err, errlen, "bad database number");
			return (-1);
		}
		host = hostport;
		port = NULL;
		if (hostport[0] == '[') {
			end = strchr(hostport, ']');
			if (end == NULL || (end[1] != '\0' && end[1] != ':')) {
				snprintf(err, errlen, "bad address");
				return (-1);
			}
			hostport[end - hostport] = '\0';
			if (end[1] == ':')
				port = end + 2;
			host = hostport + 1;
		} else if ((colon = strrchr(hostport, ':')) != NULL) {
			*colon = '\0';
			port = colon + 1;
		}
		if (port != NULL) {
			n = strlen(port);
			if (n == 0 || n > 5 || strspn(port, "0123456789") !=
			    n || atoi(port) < 1 || atoi(port) > 65535) {
				snprintf(err, errlen, "bad port");
				return (-1);
			}
			strlcpy(u->port, port, sizeof(u->port));
		}
		strlcpy(u->host, *host != '\0' ? host : "127.0.0.1",
		    sizeof(u->host));
	}

	if (*q == '?' && (bad = client_url_options(u, q + 1)) != NULL) {
		snprintf(err, errlen, "bad URL option '%s'", bad);
		return (-1);
	}
	return (0);

bad_escape:
	snprintf(err, errlen, "bad user or password (a %% must start a %%XX "
	    "escape)");
	return (-1);
}

/* URL with its credentials, if any, shown as "***", for messages. */
static void
client_url_redact(const char *url, char *out, size_t len)
{
	const char	*rest = strstr(url, "://"), *at = NULL, *s;

	if (rest == NULL) {
		strlcpy(out, url, len);
		return;
	}
	rest += 3;
	for (s = rest; *s != '\0' && *s != '?'; s++) {
		if (*s == '@')
			at = s;
		if (*s == '/' && (s == rest || s[-1] == '@'))
			break;
	}
	if (at == NULL)
		strlcpy(out, url, len);
	else
		snprintf(out, len, "%.*s***%s", (int)(rest - url), url, at);
}

/*
 * Connect to the server a URL names (see client_url_parse); never starts
 * a daemon.  The address kept for messages leaves the password out.
 */
static int
client_open_url(struct cxbus *c, const char *url, struct client_url *u)
{
	struct addrinfo	 hints = { 0 }, *res, *ai;
	char		 err[256];
	int		 fd = -1, rc, one = 1, saved;

	if (client_url_parse(url, u, err, sizeof(err)) == -1) {
		client_url_redact(url, c->address, sizeof(c->address));
		return (client_fail(c, "%s: %s", c->address, err));
	}
	if (u->is_unix) {
		snprintf(c->address, sizeof(c->address), "unix://%.*s",
		    (int)sizeof(c->address) - 8, u->path);
		if ((fd = client_connect_unix(u->path)) == -1)
			return (client_fail(c, "no bus at %s: %s",
			    c->address, strerror(errno)));
		return (fd);
	}
	snprintf(c->address, sizeof(c->address), strchr(u->host, ':') ?
	    "redis://[%s]:%s" : "redis://%s:%s", u->host, u->port);

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(u->host, u->port, &hints, &res)) != 0)
		return (client_fail(c, "%s: %s", c->address,
		    gai_strerror(rc)));
	saved = ECONNREFUSED;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		return (client_fail(c, "no bus at %s: %s", c->address,
		    strerror(saved)));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return (fd);
}

/* Owe one more reply of kind K. */
static int
client_owe(struct cxbus *c, enum pending k)
{
	unsigned char	*p;
	size_t		 i, n;

	if (c->pend_len == c->pend_cap) {
		n = c->pend_cap ? c->pend_cap * 2 : 64;
		if ((p = malloc(n)) == NULL)
			return (client_fail(c, "out of memory"));
		for (i = 0; i < c->pend_len; i++)
			p[i] = c->pend[(c->pend_head + i) % c->pend_cap];
		free(c->pend);
		c->pend = p;
		c->pend_head = 0;
		c->pend_cap = n;
	}
	c->pend[(c->pend_head + c->pend_len) % c->pend_cap] = k;
	c->pend_len++;
	return (0);
}

/* Encode a command into the output buffer and owe its reply. */
static int
client_send(struct cxbus *c, enum pending k, int argc, const char **argv,
    const size_t *lens)
{
	if (c->failed)
		return (-1);
	if (!c->in_callback)
		c->reported = 0;
	if (resp_add_command(&c->out, argc, argv, lens) == -1)
		return (client_fail(c, "out of memory"));
	return (client_owe(c, k));
}

/* Turn reply tokens from index *I into a cxbus_reply tree. */
static struct cxbus_reply *
client_tree(const struct resp_reply *rr, size_t *i)
{
	const struct resp_token	*t = &rr->tok[(*i)++];
	struct cxbus_reply	*r;
	long long		 k;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	switch (t->type) {
	case '-':
	case '+':
	case '$':
		r->type = t->type == '-' ? CXBUS_REPLY_ERROR :
		    CXBUS_REPLY_STRING;
		if ((r->str = malloc(t->len + 1)) == NULL)
			goto fail;
		memcpy(r->str, t->s, t->len);
		r->str[t->len] = '\0';
		r->len = t->len;
		break;
	case ':':
		r->type = CXBUS_REPLY_INTEGER;
		r->integer = t->n;
		break;
	case '*':
	case '>':
	case '%':
	case '~':
		r->type = CXBUS_REPLY_ARRAY;
		r->element = calloc(t->n ? t->n : 1, sizeof(*r->element));
		if (r->element == NULL)
			goto fail;
		for (k = 0; k < t->n; k++) {
			if ((r->element[k] = client_tree(rr, i)) == NULL)
				goto fail;
			r->elements++;
		}
		break;
	default:
		r->type = CXBUS_REPLY_NIL;
		break;
	}
	return (r);
fail:
	cxbus_reply_free(r);
	return (NULL);
}

/* Free a reply tree. */
void
cxbus_reply_free(struct cxbus_reply *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->elements; i++)
		cxbus_reply_free(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

/* Whether token T is the string S. */
static int
client_is(const struct resp_token *t, const char *s)
{
	size_t	 n = strlen(s);

	return ((t->type == '$' || t->type == '+') && t->len == n &&
	    memcmp(t->s, s, n) == 0);
}

/*
 * Call the callback of every subscription that MSG answers.  While a
 * callback runs, nothing is read from the bus: the message's strings
 * point into the input buffer, which a read could move, and a nested
 * read would hand the same message out again.
 */
static void
client_deliver(struct cxbus *c, const struct cxbus_msg *msg)
{
	const char	*name = msg->pattern ? msg->pattern : msg->topic;
	size_t		 len = msg->pattern ? msg->pattern_len :
			    msg->topic_len, i, n = 0;
	int		 glob = msg->pattern != NULL;
	struct sub	 match[8];

	/* Take the matches first: a callback may change the list. */
	for (i = 0; i < c->nsubs && n < 8; i++)
		if (c->subs[i].glob == glob && c->subs[i].len == len &&
		    memcmp(c->subs[i].name, name, len) == 0)
			match[n++] = c->subs[i];
	c->in_callback++;
	for (i = 0; i < n; i++) {
		match[i].cb(c, msg, match[i].arg);
		c->dispatched++;
	}
	c->in_callback--;
}

/* One subscribe or unsubscribe confirmation came: it answers the head. */
static void
client_confirm(struct cxbus *c)
{
	enum pending	 k;

	if (c->confirms > 0)
		c->confirms--;
	if (c->pend_len == 0)
		return;
	k = c->pend[c->pend_head];
	if (k != PEND_SUBSCRIBE && k != PEND_UNSUBSCRIBE)
		return;
	c->pend_head = (c->pend_head + 1) % c->pend_cap;
	c->pend_len--;
}

/*
 * If the reply is a message or a subscription confirmation, handle it and
 * return 1.  In RESP2 such arrays could also be an ordinary reply, so
 * they count only while something is subscribed or a confirmation is
 * owed; in RESP3 they are pushes and never ambiguous.
 */
static int
client_push(struct cxbus *c, const struct resp_reply *rr)
{
	const struct resp_token	*t = rr->tok;
	struct cxbus_msg	 msg = { 0 };

	if (t[0].type != '>' && (t[0].type != '*' ||
	    (c->nsubs == 0 && c->confirms == 0)))
		return (0);
	if (t[0].n == 2 && c->notify_asked &&
	    client_is(&t[1], "cxbus.dropped") && t[2].type == ':') {
		c->dropped += t[2].n;
		return (1);
	}
	if (t[0].n == 3 && client_is(&t[1], "message")) {
		msg.topic = t[2].s, msg.topic_len = t[2].len;
		msg.payload = t[3].s, msg.payload_len = t[3].len;
		client_deliver(c, &msg);
		return (1);
	}
	if (t[0].n == 4 && client_is(&t[1], "pmessage")) {
		msg.pattern = t[2].s, msg.pattern_len = t[2].len;
		msg.topic = t[3].s, msg.topic_len = t[3].len;
		msg.payload = t[4].s, msg.payload_len = t[4].len;
		client_deliver(c, &msg);
		return (1);
	}
	if (t[0].n == 3 && (client_is(&t[1], "subscribe") ||
	    client_is(&t[1], "psubscribe") || client_is(&t[1], "unsubscribe") ||
	    client_is(&t[1], "punsubscribe"))) {
		client_confirm(c);
		return (1);
	}
	return (0);
}

/* Record the answer to one publish. */
static void
client_published(struct cxbus *c, const struct resp_token *t)
{
	unsigned long long	 n = ++c->acked;

	if (t->type == ':') {
		c->receivers += t->n;
		return;
	}
	if (t->type == '-' && !c->refused) {
		c->refused = 1;
		snprintf(c->error, sizeof(c->error),
		    "the bus refused message %llu: %.*s", n, (int)t->len,
		    t->s);
	}
}

/* Handle one whole reply or message. */
static int
client_handle(struct cxbus *c, const struct resp_reply *rr)
{
	const struct resp_token	*t = rr->tok;
	enum pending		 k;
	size_t			 i = 0;

	if (client_push(c, rr))
		return (0);
	if (c->pend_len == 0)
		return (client_fail(c, "%s: unexpected reply from the bus",
		    c->address));
	k = c->pend[c->pend_head];
	c->pend_head = (c->pend_head + 1) % c->pend_cap;
	c->pend_len--;

	switch (k) {
	case PEND_PUBLISH:
		client_published(c, t);
		break;
	case PEND_CALL:
		c->call_reply = client_tree(rr, &i);
		c->call_done = 1;
		break;
	case PEND_AUTH:
		if (t->type == '-')
			return (client_fail(c, "%s: %.*s", c->address,
			    (int)t->len, t->s));
		break;
	case PEND_LIMIT:
		c->max_message = 0;
		if ((t->type == '*' || t->type == '%') && t->n == 2 &&
		    t[2].type == '$')
			c->max_message = strtoll(t[2].s, NULL, 10);
		break;
	case PEND_SUBSCRIBE:
	case PEND_UNSUBSCRIBE:
		/* A confirmation would have been taken above. */
		if (t->type == '-')
			return (client_fail(c, "%s: %.*s", c->address,
			    (int)t->len, t->s));
		if (c->confirms > 0)
			c->confirms--;
		break;
	case PEND_QUIET:
		break;
	case PEND_PING:
		if (t->type == '-')
			return (client_fail(c, "%s: %.*s", c->address,
			    (int)t->len, t->s));
		break;
	}
	return (0);
}

/* Parse and handle everything whole in the input buffer. */
static int
client_process(struct cxbus *c)
{
	const char	*err;
	size_t		 used;
	int		 r;

	while (!c->failed && buf_used(&c->in) > 0) {
		r = resp_parse_reply(buf_head(&c->in), buf_used(&c->in),
		    &c->reply, &used, &err);
		if (r == RESP_MORE)
			break;
		if (r == RESP_ERROR)
			return (client_fail(c, "%s: %s", c->address, err));
		if (client_handle(c, &c->reply) == -1)
			return (-1);
		buf_consume(&c->in, used);
	}
	return (c->failed ? -1 : 0);
}

/* Read once what the socket has; 0 when it had nothing yet. */
static int
client_read(struct cxbus *c)
{
	ssize_t	 n;

	if (c->in_callback)
		return (0);
	n = buf_read(&c->in, c->fd, CX_IO_CHUNK);
	if (n == 0)
		return (client_fail(c, "%s: the bus closed the connection",
		    c->address));
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return (0);
		return (client_fail(c, "%s: %s", c->address,
		    strerror(errno)));
	}
	return (client_process(c));
}

/* Write what the socket takes of the output buffer. */
static int
client_write(struct cxbus *c)
{
	ssize_t	 n;

	while (buf_used(&c->out) > 0) {
		/* send, not write: a closed bus must not raise SIGPIPE. */
		n = send(c->fd, buf_head(&c->out), buf_used(&c->out),
		    MSG_NOSIGNAL);
		if (n > 0)
			buf_consume(&c->out, n);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return (0);
			return (client_fail(c, "%s: %s", c->address,
			    strerror(errno)));
		}
	}
	if (c->out.cap > 4 * CX_IO_CHUNK)
		buf_free(&c->out);
	return (0);
}

/*
 * Do input and output until DONE(c) holds or DEADLINE passes.  Returns 1
 * when done, 0 on time out, -1 on failure.
 */
static int
client_wait(struct cxbus *c, int (*done)(struct cxbus *), long long deadline)
{
	struct pollfd	 pfd;
	int		 n;

	for (;;) {
		if (c->failed)
			return (-1);
		if (done(c))
			return (1);
		if (c->in_callback && buf_used(&c->out) == 0) {
			snprintf(c->error, sizeof(c->error), "cannot wait for "
			    "the bus inside a callback");
			c->reported = 1;
			return (-1);
		}
		pfd.fd = c->fd;
		pfd.events = (c->in_callback ? 0 : POLLIN) |
		    (buf_used(&c->out) > 0 ? POLLOUT : 0);
		n = poll(&pfd, 1, client_left(deadline));
		if (n == -1 && errno != EINTR)
			return (client_fail(c, "poll: %s", strerror(errno)));
		if (n == 0)
			return (0);
		if (n == -1)
			continue;
		if ((pfd.revents & POLLOUT) && client_write(c) == -1)
			return (-1);
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    client_read(c) == -1)
			return (-1);
	}
}

/* Conditions for client_wait. */
static int
client_all_answered(struct cxbus *c)
{
	return (c->pend_len == 0 && buf_used(&c->out) == 0);
}

static int
client_confirmed(struct cxbus *c)
{
	return (c->confirms == 0);
}

static int
client_called(struct cxbus *c)
{
	return (c->call_done);
}

static int
client_out_low(struct cxbus *c)
{
	return (buf_used(&c->out) < CX_IO_CHUNK);
}

static int
client_limit_known(struct cxbus *c)
{
	return (c->max_message >= 0);
}

struct cxbus *
cxbus_open(const char *address, int flags)
{
	struct cxbus	*c;
	struct client_url	 u;
	const char		*env, *argv[3];
	char			 path[PATH_MAX], err[512];
	size_t			 lens[3];
	int			 autostart, is_default, fd, r;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->fd = -1;
	c->max_message = -1;
	buf_init(&c->in);
	buf_init(&c->out);

	env = getenv("CXBUS_NO_AUTOSTART");
	autostart = !(flags & CXBUS_NOAUTOSTART) &&
	    !(env != NULL && *env != '\0' && strcmp(env, "0") != 0);
	if (address == NULL && (env = getenv("CXBUS_URL")) != NULL &&
	    *env != '\0')
		address = env;

	memset(&u, 0, sizeof(u));
	if (address != NULL && client_is_url(address))
		fd = client_open_url(c, address, &u);
	else if (address != NULL)
		fd = client_open_unix(c, address, autostart);
	else if (sockpath_resolve(NULL, path, sizeof(path), &is_default, err,
	    sizeof(err)) == -1)
		fd = client_fail(c, "%s", err);
	else if (is_default && sockpath_check_dir(path, autostart, err,
	    sizeof(err)) == -1) {
		strlcpy(c->address, path, sizeof(c->address));
		fd = client_fail(c, "%s", err);
	} else
		fd = client_open_unix(c, path, autostart);
	if (fd == -1) {
		explicit_bzero(&u, sizeof(u));
		return (c);
	}
	c->fd = fd;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		client_fail(c, "fcntl: %s", strerror(errno));
		explicit_bzero(&u, sizeof(u));
		return (c);
	}

	/*
	 * A password from the URL: AUTH password, or AUTH user password
	 * for an ACL user.  A refusal fails the connection here, before
	 * anything is published.
	 */
	if (*u.password != '\0') {
		argv[0] = "AUTH", lens[0] = 4;
		argv[1] = *u.user ? u.user : u.password;
		lens[1] = strlen(argv[1]);
		argv[2] = u.password, lens[2] = strlen(u.password);
		r = client_send(c, PEND_AUTH, *u.user ? 3 : 2, argv, lens);
		if (r == 0 && client_wait(c, client_all_answered,
		    client_now() + CLIENT_START_WAIT_MS) == 0)
			client_fail(c, "%s: no answer to AUTH in %d ms",
			    c->address, CLIENT_START_WAIT_MS);
		/* The copy in the output buffer is gone once written. */
		if (c->out.data != NULL)
			explicit_bzero(c->out.data, c->out.cap);
	}
	explicit_bzero(&u, sizeof(u));
	return (c);
}

void
cxbus_close(struct cxbus *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	if (c->fd != -1)
		close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	resp_reply_free(&c->reply);
	for (i = 0; i < c->nsubs; i++)
		free(c->subs[i].name);
	free(c->subs);
	free(c->pend);
	cxbus_reply_free(c->call_reply);
	free(c);
}

const char *
cxbus_error(struct cxbus *c)
{
	if (c->failed || c->refused || c->reported)
		return (c->error);
	return (NULL);
}

const char *
cxbus_address(struct cxbus *c)
{
	return (c->address);
}

int
cxbus_fd(struct cxbus *c)
{
	return (c->fd);
}

int
cxbus_events(struct cxbus *c)
{
	return (POLLIN | (buf_used(&c->out) > 0 ? POLLOUT : 0));
}

/*
 * The largest payload the bus takes, asked once: cxbusd and Redis both
 * answer CONFIG GET proto-max-bulk-len.  0 when the bus would not say.
 */
long long
cxbus_max_message(struct cxbus *c)
{
	static const char	*argv[] = { "CONFIG", "GET",
				    "proto-max-bulk-len" };
	static const size_t	 lens[] = { 6, 3, 18 };

	if (c->max_message >= 0 || c->failed)
		return (c->max_message < 0 ? 0 : c->max_message);
	if (!c->limit_asked) {
		c->limit_asked = 1;
		if (client_send(c, PEND_LIMIT, 3, argv, lens) == -1)
			return (0);
	}
	if (client_wait(c, client_limit_known, -1) != 1)
		return (0);
	return (c->max_message);
}

int
cxbus_publish(struct cxbus *c, const char *topic, const void *payload,
    size_t len)
{
	char	 num1[24], num2[24], *s1, *s2;
	size_t	 tlen = strlen(topic), k1, k2, need;
	char	*w;

	if (c->failed)
		return (-1);
	c->reported = 0;

	/*
	 * RESP2, which every Redis server speaks, lets a subscribed
	 * connection do nothing but (un)subscribe and ping.
	 */
	if (c->nsubs > 0) {
		snprintf(c->error, sizeof(c->error), "cannot publish on a "
		    "connection that subscribes: publish on a second one");
		c->reported = 1;
		return (-1);
	}

	/*
	 * Before a large message, learn the limit, so as never to send one
	 * the bus would answer by closing the connection.
	 */
	if (c->max_message < 0 && len > CX_MAX_INLINE && !c->in_callback)
		cxbus_max_message(c);
	if (c->max_message > 0 && (long long)len > c->max_message) {
		snprintf(c->error, sizeof(c->error), "message %llu is over "
		    "the bus's limit of %lld bytes", c->queued + 1,
		    c->max_message);
		c->reported = 1;
		return (-1);
	}

	/* *3 $7 PUBLISH $tlen topic $len payload, in one reservation. */
	s1 = resp_ulltoa(tlen, num1 + sizeof(num1));
	k1 = num1 + sizeof(num1) - s1;
	s2 = resp_ulltoa(len, num2 + sizeof(num2));
	k2 = num2 + sizeof(num2) - s2;
	need = 17 + 1 + k1 + 2 + tlen + 2 + 1 + k2 + 2 + len + 2;
	if (buf_reserve(&c->out, need) == -1)
		return (client_fail(c, "out of memory"));
	w = c->out.data + c->out.len;
	memcpy(w, "*3\r\n$7\r\nPUBLISH\r\n$", 18), w += 18;
	memcpy(w, s1, k1), w += k1;
	memcpy(w, "\r\n", 2), w += 2;
	memcpy(w, topic, tlen), w += tlen;
	memcpy(w, "\r\n$", 3), w += 3;
	memcpy(w, s2, k2), w += k2;
	memcpy(w, "\r\n", 2), w += 2;
	if (len > 0)
		memcpy(w, payload, len), w += len;
	memcpy(w, "\r\n", 2), w += 2;
	c->out.len = w - c->out.data;
	c->queued++;
	if (client_owe(c, PEND_PUBLISH) == -1)
		return (-1);

	/* Enough gathered: write, and read replies while the socket is full. */
	if (buf_used(&c->out) >= CX_IO_CHUNK) {
		if (client_write(c) == -1)
			return (-1);
		if (client_read(c) == -1)
			return (-1);
		if (buf_used(&c->out) >= 4 * CX_IO_CHUNK &&
		    client_wait(c, client_out_low, -1) == -1)
			return (-1);
	}
	return (0);
}

/*
 * Fail once for a message the bus refused since the last report; the
 * connection goes on, and cxbus_error keeps the text until the next
 * call that can fail.
 */
static int
client_report(struct cxbus *c)
{
	if (c->failed)
		return (-1);
	if (!c->refused)
		return (0);
	c->refused = 0;
	c->reported = 1;
	return (-1);
}

int
cxbus_send(struct cxbus *c)
{
	struct pollfd	 pfd = { .fd = c->fd, .events = POLLIN | POLLOUT };

	while (!c->failed && buf_used(&c->out) > 0) {
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return (client_fail(c, "poll: %s", strerror(errno)));
		if ((pfd.revents & POLLOUT) && client_write(c) == -1)
			return (-1);
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    client_read(c) == -1)
			return (-1);
	}
	if (!c->failed && client_read(c) == -1)
		return (-1);
	return (client_report(c));
}

int
cxbus_flush(struct cxbus *c, int timeout_ms)
{
	long long	 deadline = timeout_ms < 0 ? -1 :
			    client_now() + timeout_ms;
	int		 r;

	c->reported = 0;
	r = client_wait(c, client_all_answered, deadline);
	if (r == 0)
		return (client_fail(c, "%s: no answer in %d ms", c->address,
		    timeout_ms));
	if (r == -1)
		return (-1);
	return (client_report(c));
}

unsigned long long
cxbus_published(struct cxbus *c)
{
	return (c->receivers);
}

/* Send a subscribe or unsubscribe command for one name. */
static int
client_subscription(struct cxbus *c, const char *cmd, enum pending k,
    const char *name)
{
	const char	*argv[2] = { cmd, name };
	size_t		 lens[2] = { strlen(cmd), strlen(name) };

	if (client_send(c, k, 2, argv, lens) == -1)
		return (-1);
	c->confirms++;

	/* From a callback, the confirmation is taken later. */
	if (c->in_callback)
		return (client_write(c));
	if (client_wait(c, client_confirmed, -1) != 1)
		return (-1);
	return (0);
}

/* How many subscriptions of this connection are for NAME. */
static size_t
client_holders(struct cxbus *c, const char *name, size_t len, int glob)
{
	size_t	 i, n = 0;

	for (i = 0; i < c->nsubs; i++)
		if (c->subs[i].glob == glob && c->subs[i].len == len &&
		    memcmp(c->subs[i].name, name, len) == 0)
			n++;
	return (n);
}

int
cxbus_subscribe(struct cxbus *c, const char *pattern, int flags,
    cxbus_cb *cb, void *arg)
{
	struct sub	*s;
	size_t		 len = strlen(pattern);
	int		 glob;

	if (c->failed)
		return (-1);
	glob = !(flags & CXBUS_FIXED) && glob_is_pattern(pattern, len);

	/*
	 * Ask cxbusd to say when it had to drop messages for us; a Redis
	 * server answers with an error, which is of no interest.
	 */
	if (!c->notify_asked) {
		static const char	*argv[] = { "CXBUS.NOTIFY" };
		static const size_t	 lens[] = { 12 };

		c->notify_asked = 1;
		if (client_send(c, PEND_QUIET, 1, argv, lens) == -1)
			return (-1);
	}

	s = reallocarray(c->subs, c->nsubs + 1, sizeof(*c->subs));
	if (s == NULL)
		return (client_fail(c, "out of memory"));
	c->subs = s;
	s = &c->subs[c->nsubs];
	if ((s->name = strdup(pattern)) == NULL)
		return (client_fail(c, "out of memory"));
	s->len = len;
	s->glob = glob;
	s->cb = cb;
	s->arg = arg;
	c->nsubs++;

	/* A second callback for the same name needs nothing of the bus. */
	if (client_holders(c, pattern, len, glob) > 1)
		return (0);
	return (client_subscription(c, glob ? "PSUBSCRIBE" : "SUBSCRIBE",
	    PEND_SUBSCRIBE, pattern));
}

int
cxbus_unsubscribe(struct cxbus *c, const char *pattern, int flags)
{
	size_t	 len = strlen(pattern), i;
	int	 glob;

	if (c->failed)
		return (-1);
	glob = !(flags & CXBUS_FIXED) && glob_is_pattern(pattern, len);
	for (i = 0; i < c->nsubs; i++) {
		if (c->subs[i].glob == glob && c->subs[i].len == len &&
		    memcmp(c->subs[i].name, pattern, len) == 0) {
			free(c->subs[i].name);
			c->subs[i] = c->subs[--c->nsubs];
			break;
		}
	}

	/* Others still listen to this name on this connection. */
	if (client_holders(c, pattern, len, glob) > 0)
		return (0);
	return (client_subscription(c, glob ? "PUNSUBSCRIBE" : "UNSUBSCRIBE",
	    PEND_UNSUBSCRIBE, pattern));
}

/* Condition for cxbus_dispatch: a message was handed to a callback. */
static int
client_has_dispatched(struct cxbus *c)
{
	return (c->dispatched > 0);
}

int
cxbus_dispatch(struct cxbus *c, int timeout_ms)
{
	long long	 deadline;
	int		 r;

	if (c->failed)
		return (-1);
	if (c->in_callback) {
		snprintf(c->error, sizeof(c->error), "cannot wait for the bus "
		    "inside a callback");
		c->reported = 1;
		return (-1);
	}
	c->dispatched = 0;
	c->reported = 0;
	if (client_process(c) == -1)
		return (-1);
	if (c->dispatched > 0)
		return (c->dispatched);
	if (buf_used(&c->out) > 0 && client_write(c) == -1)
		return (-1);
	if (timeout_ms == 0) {
		if (client_read(c) == -1)
			return (-1);
		return (c->dispatched);
	}
	deadline = timeout_ms < 0 ? -1 : client_now() + timeout_ms;
	r = client_wait(c, client_has_dispatched, deadline);
	if (r == -1)
		return (-1);
	return (c->dispatched);
}

int
cxbus_ping(struct cxbus *c, int timeout_ms)
{
	static const char	*argv[] = { "PING" };
	static const size_t	 lens[] = { 4 };
	long long		 deadline = timeout_ms < 0 ? -1 :
				    client_now() + timeout_ms;
	int			 r;

	if (client_send(c, PEND_PING, 1, argv, lens) == -1)
		return (-1);
	r = client_wait(c, client_all_answered, deadline);
	if (r == 0)
		client_fail(c, "%s: no answer in %d ms", c->address,
		    timeout_ms);
	return (r == 1 ? 0 : -1);
}

int
cxbus_call(struct cxbus *c, int argc, const char **argv, const size_t *lens,
    struct cxbus_reply **reply)
{
	*reply = NULL;
	cxbus_reply_free(c->call_reply);
	c->call_reply = NULL;
	c->call_done = 0;
	if (client_send(c, PEND_CALL, argc, argv, lens) == -1)
		return (-1);
	if (client_wait(c, client_called, -1) != 1)
		return (-1);
	if (c->call_reply == NULL)
		return (client_fail(c, "out of memory"));
	*reply = c->call_reply;
	c->call_reply = NULL;
	return (0);
}

int
cxbus_lossy(struct cxbus *c)
{
	static const char	*argv[] = { "CXBUS.LOSSY" };
	static const size_t	 lens[] = { 11 };
	struct cxbus_reply	*r;
	int			 rc = 0;

	if (cxbus_call(c, 1, argv, lens, &r) == -1)
		return (-1);
	if (r->type == CXBUS_REPLY_ERROR) {
		snprintf(c->error, sizeof(c->error), "%s: %s", c->address,
		    strncmp(r->str, "ERR unknown command", 19) == 0 ?
		    "not supported by this server" : r->str);
		c->refused = 1;
		rc = -1;
	}
	cxbus_reply_free(r);
	return (rc);
}

unsigned long long
cxbus_dropped(struct cxbus *c)
{
	return (c->dropped);
}
