/*
 * print.c: how sub and pipe print a message: its payload, the topic and
 * the payload, or a JSON object, each ended by a newline or a NUL.
 *
 * Messages gather in a buffer while one read from the bus is dispatched,
 * and the caller writes them with print_flush before it waits again, so
 * that a reader sees each message at once and a fast stream still leaves
 * in large writes.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Start printing in FORMAT, ending each message with END. */
void
print_init(struct print *pr, const char *cmd, enum print_format format,
    char end)
{
	pr->cmd = cmd;
	pr->format = format;
	pr->end = end;
	buf_init(&pr->out);
}

/* Free what is gathered, printed or not. */
void
print_free(struct print *pr)
{
	buf_free(&pr->out);
}

/* Running out of memory ends the command. */
static void
print_nomem(struct print *pr)
{
	fprintf(stderr, "cxbus: %s: %s\n", pr->cmd, strerror(ENOMEM));
	exit(EXIT_BUS);
}

/* Add bytes to the output. */
static void
print_add(struct print *pr, const void *data, size_t len)
{
	if (buf_add(&pr->out, data, len) == -1)
		print_nomem(pr);
}

/* Add one message as a JSON object, with the time it is printed. */
static void
print_json(struct print *pr, const struct cxbus_msg *m)
{
	struct timespec	 ts;
	char		 when[64];
	int		 n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (out_json_field(&pr->out, "{\"topic", m->topic, m->topic_len) ==
	    -1 || out_json_field(&pr->out, ",\"payload", m->payload,
	    m->payload_len) == -1 || (m->pattern != NULL &&
	    out_json_field(&pr->out, ",\"pattern", m->pattern,
	    m->pattern_len) == -1))
		print_nomem(pr);
	n = snprintf(when, sizeof(when), ",\"time\":%lld.%03ld}",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000000);
	print_add(pr, when, n);
}

/* Add one message in the chosen format. */
void
print_message(struct print *pr, const struct cxbus_msg *m)
{
	switch (pr->format) {
	case PRINT_VERBOSE:
		print_add(pr, m->topic, m->topic_len);
		print_add(pr, " ", 1);
		/* FALLTHROUGH */
	case PRINT_PAYLOAD:
		print_add(pr, m->payload, m->payload_len);
		break;
	case PRINT_JSON:
		print_json(pr, m);
		break;
	}
	print_add(pr, &pr->end, 1);
}

/*
 * Write what gathered to standard output.  When the reader has gone, end
 * quietly with 0, as a filter whose output is closed should.
 */
void
print_flush(struct print *pr)
{
	if (out_write(STDOUT_FILENO, &pr->out) == -1) {
		if (errno == EPIPE)
			exit(EXIT_OK);
		fprintf(stderr, "cxbus: %s: standard output: %s\n", pr->cmd,
		    strerror(errno));
		exit(EXIT_BUS);
	}
}

/*
 * Write at most PIPE_BUF bytes, once, for a caller whose poll said the
 * output has room: a pipe with room takes that much without blocking, so
 * the caller can go on serving its input meanwhile.
 */
void
print_write_some(struct print *pr)
{
	size_t	 n = buf_used(&pr->out) < PIPE_BUF ? buf_used(&pr->out) :
		    PIPE_BUF;
	ssize_t	 w;

	if (n == 0)
		return;
	w = write(STDOUT_FILENO, buf_head(&pr->out), n);
	if (w > 0) {
		buf_consume(&pr->out, w);
		return;
	}
	if (w == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (w == -1 && errno == EPIPE)
		exit(EXIT_OK);
	fprintf(stderr, "cxbus: %s: standard output: %s\n", pr->cmd,
	    strerror(errno));
	exit(EXIT_BUS);
}
