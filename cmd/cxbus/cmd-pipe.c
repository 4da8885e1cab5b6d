/*
 * cmd-pipe.c: cxbus pipe, standard input and output joined to one topic
 * both ways.
 *
 * Two connections: one publishes each input record; the other listens
 * to the topic and, through CXBUS.NOLOCAL, hears everyone but the first.
 * One poll loop serves standard input, both connections and standard
 * output.  Nothing in it waits for the bus: input is read only once the
 * publisher's last batch has left, and replies and messages are taken as
 * they come.  So two pipes that feed each other never wait on each
 * other, which a blocking send could do once both queues in the bus are
 * full.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Output kept while its reader is slow, before the bus must hold it. */
#define PIPE_OUT_MAX		(4 * 1024 * 1024)

/* Without a limit from the bus, a record may be this long. */
#define PIPE_DEFAULT_MAX	(512LL * 1024 * 1024)

/*
 * How much one turn of the loop hands the publisher, in estimated bytes
 * on the wire: well under what makes cxbus_publish wait for the bus.
 * XXX A single record near the bus's limit is larger than that, and its
 * cxbus_publish may wait until the bus has read most of it; meanwhile
 * the pipe neither prints nor takes messages.  Publishing such a record
 * in pieces from the loop would lift it.
 */
#define PIPE_BATCH		CX_IO_CHUNK

/* What a PUBLISH costs on the wire besides topic and payload, at most. */
#define PIPE_OVERHEAD		64

/* How long a pipe whose reader went away still tries to publish. */
#define PIPE_LAST_FLUSH_MS	1000

struct pipe_state {
	const char		*topic;
	struct cxbus		*pub;
	struct cxbus		*sub;
	struct print		 pr;
	struct split		 sp;
	unsigned long long	 records;	/* taken from input */
	int			 held;		/* records wait in sp */
	int			 done;		/* input ended, all taken */
	unsigned long long	 dropped;	/* reported so far */
};

/* The callback: print a message someone published on the topic. */
static void
pipe_message(struct cxbus *c, const struct cxbus_msg *m, void *arg)
{
	struct pipe_state	*st = arg;

	print_message(&st->pr, m);
}

/* Send one command on C and return its reply; a failure ends the command. */
static struct cxbus_reply *
pipe_call(struct cxbus *c, const char *a0, const char *a1)
{
	const char		*argv[2] = { a0, a1 };
	size_t			 lens[2] = { strlen(a0), strlen(a1) };
	struct cxbus_reply	*r;

	if (cxbus_call(c, 2, argv, lens, &r) == -1)
		cli_bus_error(c, "pipe");
	return (r);
}

/*
 * Ask the listening connection not to hear the publishing one.  A server
 * that cannot (Redis knows no CXBUS.NOLOCAL) echoes our messages: say so
 * once and go on.
 */
static void
pipe_nolocal(struct pipe_state *st)
{
	struct cxbus_reply	*r;
	char			 id[32];
	int			 echoed = 0;

	r = pipe_call(st->pub, "CLIENT", "ID");
	if (r->type == CXBUS_REPLY_INTEGER) {
		snprintf(id, sizeof(id), "%lld", r->integer);
		cxbus_reply_free(r);
		r = pipe_call(st->sub, "CXBUS.NOLOCAL", id);
		if (r->type == CXBUS_REPLY_ERROR && !cli_unsupported(r)) {
			fprintf(stderr, "cxbus: pipe: %s: %s\n",
			    cxbus_address(st->sub), r->str);
			exit(EXIT_BUS);
		}
		echoed = r->type == CXBUS_REPLY_ERROR;
	} else
		echoed = 1;
	cxbus_reply_free(r);

	if (echoed)
		fprintf(stderr, "cxbus: pipe: this server cannot leave out our "
		    "own messages; they are echoed\n");
}

/* Report a record over the limit, after sending what came before it. */
static void
pipe_too_long(struct pipe_state *st)
{
	if (cxbus_flush(st->pub, -1) == -1)
		cli_bus_error(st->pub, "pipe");
	fprintf(stderr, "cxbus: pipe: message %llu is over the bus's limit "
	    "of %zu bytes\n", st->records + 1, st->sp.max);
	exit(EXIT_BUS);
}

/*
 * Publish the records waiting in the splitter, up to one batch, and
 * start writing them without waiting for the bus.
 */
static void
pipe_records(struct pipe_state *st)
{
	const char	*rec;
	size_t		 len, tlen = strlen(st->topic), batch = 0;
	int		 r;

	st->held = 0;
	while ((r = split_next(&st->sp, &rec, &len)) == SPLIT_RECORD) {
		st->records++;
		if (cxbus_publish(st->pub, st->topic, rec, len) == -1)
			cli_bus_error(st->pub, "pipe");
		batch += len + tlen + PIPE_OVERHEAD;
		if (batch >= PIPE_BATCH) {
			st->held = 1;
			break;
		}
	}
	if (r == SPLIT_END)
		st->done = 1;
	if (r == SPLIT_TOOLONG)
		pipe_too_long(st);
	if (cxbus_dispatch(st->pub, 0) == -1)
		cli_bus_error(st->pub, "pipe");
}

/* Read standard input once and publish what it brought. */
static void
pipe_read(struct pipe_state *st)
{
	if (split_fill(&st->sp, STDIN_FILENO) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		fprintf(stderr, "cxbus: pipe: standard input: %s\n",
		    strerror(errno));
		exit(EXIT_BUS);
	}
	pipe_records(st);
}

/* Take what the bus sent the listener; warn when it dropped some. */
static void
pipe_listen(struct pipe_state *st)
{
	unsigned long long	 n;

	if (cxbus_dispatch(st->sub, 0) == -1)
		cli_bus_error(st->sub, "pipe");
	n = cxbus_dropped(st->sub);
	if (n == st->dropped)
		return;
	print_flush(&st->pr);
	fprintf(stderr, "cxbus: pipe: the bus dropped %llu messages that "
	    "this pipe was too slow to take\n", n - st->dropped);
	st->dropped = n;
}

/*
 * Run until input ends or the reader of our output goes away.  Input is
 * polled only while the publisher has nothing left to write.  Output is
 * written only as its reader makes room, a page at a time, so that two
 * pipes feeding each other never both block in write; past
 * PIPE_OUT_MAX of it, the listener is not read, and the bus holds the
 * rest.  Standard output is polled even with nothing to write: a pipe
 * whose reader closed reports an error.  Returns 1 when the output was
 * closed.
 */
static int
pipe_loop(struct pipe_state *st)
{
	struct pollfd	 pfd[4];
	int		 busy;

	for (;;) {
		if (st->done) {
			print_flush(&st->pr);
			return (0);
		}
		if (cxbus_error(st->pub) != NULL)
			cli_bus_error(st->pub, "pipe");
		busy = cxbus_events(st->pub) & POLLOUT;
		if (st->held && !busy) {
			pipe_records(st);
			continue;
		}

		pfd[0].fd = busy || st->held ? -1 : STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = cxbus_fd(st->pub);
		pfd[1].events = cxbus_events(st->pub);
		pfd[2].fd = buf_used(&st->pr.out) >= PIPE_OUT_MAX ? -1 :
		    cxbus_fd(st->sub);
		pfd[2].events = cxbus_events(st->sub);
		pfd[3].fd = STDOUT_FILENO;
		pfd[3].events = buf_used(&st->pr.out) > 0 ? POLLOUT : 0;
		if (poll(pfd, 4, -1) == -1) {
			if (errno == EINTR)
				continue;
			perror("cxbus: pipe: poll");
			exit(EXIT_BUS);
		}

		if (pfd[1].revents != 0 && cxbus_dispatch(st->pub, 0) == -1)
			cli_bus_error(st->pub, "pipe");
		if (pfd[2].revents != 0)
			pipe_listen(st);
		if (pfd[0].revents != 0)
			pipe_read(st);
		if (pfd[3].revents & (POLLERR | POLLHUP))
			return (1);
		if (pfd[3].revents & POLLOUT)
			print_write_some(&st->pr);
	}
}

int
cmd_pipe(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "echo", no_argument, NULL, 2000 },
		{ "json", no_argument, NULL, 2001 },
		{ "null", no_argument, NULL, '0' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct pipe_state	 st = { 0 };
	enum print_format	 format = PRINT_PAYLOAD;
	long long		 max;
	int			 ch, echo = 0, sep = '\n', closed;

	while ((ch = getopt_long(argc, argv, "0v" COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (cli_common_option(ch, optarg, argv[optind - 1]))
			continue;
		switch (ch) {
		case '0':
			sep = '\0';
			break;
		case 'v':
			format = PRINT_VERBOSE;
			break;
		case 2000:
			echo = 1;
			break;
		case 2001:
			format = PRINT_JSON;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		cli_usage("pipe: no topic given");
	if (argc > 1)
		cli_usage("pipe: one topic only");
	st.topic = argv[0];

	/* Learn the limit first, so that a long record is never sent. */
	st.pub = cli_connect("pipe", 1);
	max = cxbus_max_message(st.pub);
	if (cxbus_error(st.pub) != NULL)
		cli_bus_error(st.pub, "pipe");
	if (max <= 0)
		max = PIPE_DEFAULT_MAX;

	st.sub = cli_connect("pipe", 1);
	if (!echo)
		pipe_nolocal(&st);
	print_init(&st.pr, "pipe", format, sep);
	if (cxbus_subscribe(st.sub, st.topic, CXBUS_FIXED, pipe_message,
	    &st) == -1)
		cli_bus_error(st.sub, "pipe");
	split_init(&st.sp, sep, max);

	/*
	 * Whatever was read is published before the command ends; a pipe
	 * nobody reads any more tries only for a while.
	 * XXX This wait no longer takes what the listener is sent.  Two
	 * pipes that end their input at once, each with publishes held back
	 * by the other's full queue, wait for the daemon's stall timeout.
	 * Waiting inside the loop would lift it, but the library cannot
	 * yet tell without blocking whether every publish was answered.
	 */
	closed = pipe_loop(&st);
	if (cxbus_flush(st.pub, closed ? PIPE_LAST_FLUSH_MS : -1) == -1 &&
	    !closed)
		cli_bus_error(st.pub, "pipe");

	split_free(&st.sp);
	print_free(&st.pr);
	cxbus_close(st.sub);
	cxbus_close(st.pub);
	return (EXIT_OK);
}
