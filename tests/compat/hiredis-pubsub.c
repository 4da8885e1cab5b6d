/*
 * hiredis-pubsub.c: a hiredis client on the bus, the way C programs use
 * Redis pub/sub: one connection subscribes asynchronously (hiredis's
 * async API, driven by a poll loop of our own instead of an event
 * library), another publishes synchronously.
 *
 * usage: hiredis-pubsub SOCKET COUNT
 *
 * The subscriber takes the channel "hp.chan" and the pattern "hp.*"; the
 * publisher sends COUNT binary messages (NUL, CR, LF, 0xff inside) and
 * an empty one, each of which reaches the subscriber twice, as a message
 * and as a pmessage.  Every reply is checked; each message received is
 * printed as "KIND PATTERN CHANNEL HEX", so that the output against
 * cxbusd can be compared with the output against redis-server.  Exit 0
 * when every check passed, 1 otherwise.
 *
 * Build: cc -o hiredis-pubsub hiredis-pubsub.c -lhiredis
 */

#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#define HP_CHANNEL	"hp.chan"
#define HP_PATTERN	"hp.*"
#define HP_WAIT_MS	5000

/* What the poll loop should watch, as hiredis asks for it. */
struct hp_events {
	int	 reading;
	int	 writing;
};

static int	 hp_failed;
static int	 hp_confirmed;	/* subscribe confirmations */
static int	 hp_unconfirmed;	/* unsubscribe confirmations */
static int	 hp_received;
static int	 hp_disconnected;

/* Note a failed check and say which. */
static void
hp_fail(const char *what)
{
	fprintf(stderr, "hiredis-pubsub: %s\n", what);
	hp_failed = 1;
}

/*
 * The adapter: hiredis calls these to say when to watch the socket for
 * reading and for writing.  This one watches for reading.
 */
static void
hp_add_read(void *data)
{
	((struct hp_events *)data)->reading = 1;
}

/* Stop watching for reading. */
static void
hp_del_read(void *data)
{
	((struct hp_events *)data)->reading = 0;
}

/* Watch for writing: hiredis has a request to send. */
static void
hp_add_write(void *data)
{
	((struct hp_events *)data)->writing = 1;
}

/* Stop watching for writing. */
static void
hp_del_write(void *data)
{
	((struct hp_events *)data)->writing = 0;
}

/* The connection is going away: watch nothing. */
static void
hp_cleanup(void *data)
{
	struct hp_events	*ev = data;

	ev->reading = ev->writing = 0;
}

/* Milliseconds on the monotonic clock. */
static long long
hp_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
}

/*
 * Run the async connection until *COUNTER reaches GOAL, or the time is
 * up; -1 then.
 */
static int
hp_run(redisAsyncContext *ac, struct hp_events *ev, int *counter, int goal)
{
	struct pollfd	 pfd;
	long long	 end = hp_now() + HP_WAIT_MS;
	int		 n;

	while (*counter < goal && !hp_disconnected) {
		if (hp_now() >= end)
			return (-1);
		pfd.fd = ac->c.fd;
		pfd.events = (ev->reading ? POLLIN : 0) |
		    (ev->writing ? POLLOUT : 0);
		n = poll(&pfd, 1, (int)(end - hp_now()));
		if (n == -1 && errno != EINTR)
			return (-1);
		if (n <= 0)
			continue;
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
			redisAsyncHandleRead(ac);
		if (!hp_disconnected && (pfd.revents & POLLOUT))
			redisAsyncHandleWrite(ac);
	}
	return (*counter >= goal ? 0 : -1);
}

/* Print bytes as hexadecimal ("-" for none). */
static void
hp_hex(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0)
		fputs("-", stdout);
	for (i = 0; i < len; i++)
		printf("%02x", (unsigned char)s[i]);
}

/* Whether element I of R is the string S. */
static int
hp_is(const redisReply *r, size_t i, const char *s)
{
	return (i < r->elements && r->element[i]->type == REDIS_REPLY_STRING &&
	    r->element[i]->len == strlen(s) &&
	    memcmp(r->element[i]->str, s, r->element[i]->len) == 0);
}

/*
 * The subscriber's callback: hiredis calls it for each confirmation
 * and each message of the subscription it was given with.
 */
static void
hp_on_reply(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;
	size_t		 i;

	if (r == NULL)
		return;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 3) {
		hp_fail("subscriber: a reply that is not a pub/sub array");
		return;
	}
	if (hp_is(r, 0, "subscribe") || hp_is(r, 0, "psubscribe")) {
		hp_confirmed++;
		if (r->element[2]->type != REDIS_REPLY_INTEGER ||
		    r->element[2]->integer != hp_confirmed)
			hp_fail("subscriber: wrong subscription count");
		return;
	}
	if (hp_is(r, 0, "unsubscribe") || hp_is(r, 0, "punsubscribe")) {
		hp_unconfirmed++;
		if (r->element[2]->type != REDIS_REPLY_INTEGER ||
		    r->element[2]->integer != 2 - hp_unconfirmed)
			hp_fail("subscriber: wrong count after unsubscribe");
		return;
	}
	if (!(hp_is(r, 0, "message") && r->elements == 3) &&
	    !(hp_is(r, 0, "pmessage") && r->elements == 4)) {
		hp_fail("subscriber: unknown kind of reply");
		return;
	}
	for (i = 1; i < r->elements; i++)
		if (r->element[i]->type != REDIS_REPLY_STRING)
			hp_fail("subscriber: a message part is not a string");
	hp_received++;
	printf("%s %s", r->element[0]->str, r->elements == 4 ?
	    r->element[1]->str : "-");
	i = r->elements == 4 ? 2 : 1;
	printf(" %.*s ", (int)r->element[i]->len, r->element[i]->str);
	hp_hex(r->element[i + 1]->str, r->element[i + 1]->len);
	putchar('\n');
}

/* Connected, or not, as hiredis reports it. */
static void
hp_on_connect(const redisAsyncContext *ac, int status)
{
	if (status != REDIS_OK)
		hp_fail("subscriber: could not connect");
}

/* Disconnected: on purpose at the end, or a failure before it. */
static void
hp_on_disconnect(const redisAsyncContext *ac, int status)
{
	hp_disconnected = 1;
	if (status != REDIS_OK)
		hp_fail("subscriber: the connection was lost");
}

/* Send a command on the synchronous connection and check an integer. */
static void
hp_expect_int(redisContext *c, long long want, const char *what,
    const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (r == NULL) {
		hp_fail(c->errstr);
		exit(1);
	}
	if (r->type != REDIS_REPLY_INTEGER || r->integer != want) {
		fprintf(stderr, "hiredis-pubsub: %s: want %lld, got type %d "
		    "value %lld %s\n", what, want, r->type, r->integer,
		    r->str != NULL ? r->str : "");
		hp_failed = 1;
	}
	freeReplyObject(r);
}

/* The synchronous checks that come before and after publishing. */
static void
hp_sync_checks(redisContext *c)
{
	redisReply	*r;
	const char	 bin[] = { 'a', '\0', '\r', '\n', (char)0xff };

	r = redisCommand(c, "PING");
	if (r == NULL || r->type != REDIS_REPLY_STATUS ||
	    strcmp(r->str, "PONG") != 0)
		hp_fail("PING did not answer PONG");
	freeReplyObject(r);

	r = redisCommand(c, "ECHO %b", bin, sizeof(bin));
	if (r == NULL || r->type != REDIS_REPLY_STRING ||
	    r->len != sizeof(bin) || memcmp(r->str, bin, sizeof(bin)) != 0)
		hp_fail("ECHO of binary bytes came back changed");
	freeReplyObject(r);

	r = redisCommand(c, "NOSUCHCOMMAND x");
	if (r == NULL || r->type != REDIS_REPLY_ERROR ||
	    strncmp(r->str, "ERR unknown command", 19) != 0)
		hp_fail("an unknown command is not an error reply");
	freeReplyObject(r);

	r = redisCommand(c, "PUBSUB NUMSUB %s", HP_CHANNEL);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[1]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->integer != 1)
		hp_fail("PUBSUB NUMSUB does not count the subscriber");
	freeReplyObject(r);
}

int
main(int argc, char **argv)
{
	struct hp_events	 ev = { 0 };
	redisAsyncContext	*ac;
	redisContext		*c;
	char			 payload[64];
	int			 count, i, len;

	if (argc != 3 || (count = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: hiredis-pubsub socket count\n");
		return (2);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The subscriber, asynchronous. */
	if ((ac = redisAsyncConnectUnix(argv[1])) == NULL || ac->err) {
		fprintf(stderr, "hiredis-pubsub: subscriber: %s\n",
		    ac != NULL ? ac->errstr : "out of memory");
		return (1);
	}
	ac->ev.data = &ev;
	ac->ev.addRead = hp_add_read;
	ac->ev.delRead = hp_del_read;
	ac->ev.addWrite = hp_add_write;
	ac->ev.delWrite = hp_del_write;
	ac->ev.cleanup = hp_cleanup;
	redisAsyncSetConnectCallback(ac, hp_on_connect);
	redisAsyncSetDisconnectCallback(ac, hp_on_disconnect);
	redisAsyncCommand(ac, hp_on_reply, NULL, "SUBSCRIBE %s", HP_CHANNEL);
	redisAsyncCommand(ac, hp_on_reply, NULL, "PSUBSCRIBE %s", HP_PATTERN);
	if (hp_run(ac, &ev, &hp_confirmed, 2) == -1) {
		hp_fail("subscriber: no confirmation of both subscriptions");
		return (1);
	}

	/* The publisher, synchronous. */
	if ((c = redisConnectUnix(argv[1])) == NULL || c->err) {
		fprintf(stderr, "hiredis-pubsub: publisher: %s\n",
		    c != NULL ? c->errstr : "out of memory");
		return (1);
	}
	hp_sync_checks(c);
	for (i = 0; i < count; i++) {
		len = snprintf(payload, sizeof(payload), "m%d", i);
		payload[len++] = '\0';
		payload[len++] = '\r';
		payload[len++] = '\n';
		payload[len++] = (char)0xff;
		hp_expect_int(c, 2, "PUBLISH to a channel and a pattern",
		    "PUBLISH %s %b", HP_CHANNEL, payload, (size_t)len);
	}
	hp_expect_int(c, 2, "PUBLISH of an empty message", "PUBLISH %s %b",
	    HP_CHANNEL, "", (size_t)0);
	hp_expect_int(c, 1, "PUBLISH to the pattern alone", "PUBLISH %s %s",
	    "hp.other", "p");
	hp_expect_int(c, 0, "PUBLISH to nobody", "PUBLISH %s %s", "nobody",
	    "x");

	if (hp_run(ac, &ev, &hp_received, 2 * count + 3) == -1)
		hp_fail("subscriber: not every message arrived in time");

	/* Unsubscribe; the connection leaves pub/sub mode. */
	redisAsyncCommand(ac, hp_on_reply, NULL, "UNSUBSCRIBE %s", HP_CHANNEL);
	redisAsyncCommand(ac, hp_on_reply, NULL, "PUNSUBSCRIBE %s",
	    HP_PATTERN);
	if (hp_run(ac, &ev, &hp_unconfirmed, 2) == -1)
		hp_fail("subscriber: no confirmation of unsubscribing");
	hp_expect_int(c, 0, "PUBLISH after unsubscribing", "PUBLISH %s %s",
	    HP_CHANNEL, "late");
	redisFree(c);
	redisAsyncDisconnect(ac);

	if (!hp_failed)
		fprintf(stderr, "hiredis-pubsub: ok, %d messages\n",
		    hp_received);
	return (hp_failed ? 1 : 0);
}
