/*
 * cmd-topics.c: cxbus topics, what the bus knows of its topics: a table
 * on a terminal, tab-separated rows on a pipe, JSON lines, or names.
 *
 * cxbusd answers CXBUS.TOPICS with every column.  A Redis server does
 * not know that command; there the rows come from PUBSUB CHANNELS and
 * PUBSUB NUMSUB, which give the channels with direct subscribers and
 * their counts, and the columns Redis does not keep (messages, last
 * publish, retained) are shown as unknown: "-", or null in JSON.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* NUMSUB asks for this many channels at a time. */
#define TOPICS_NUMSUB_BATCH	512

enum topics_format {
	TOPICS_AUTO,
	TOPICS_NAMES,
	TOPICS_JSON
};

/* One row, taken from a reply. */
struct topic_row {
	const char	*name;
	size_t		 len;
	long long	 subscribers;
	long long	 messages;
	long long	 last;
	int		 retained;
	int		 known;		/* messages, last, retained known */
};

/*
 * A topic name as one line of text: a backslash, and bytes that would
 * break a row (tab, newline, other control bytes), become C escapes.
 */
static void
topics_escape(struct buf *b, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 esc[4] = { '\\', 'x' };
	unsigned char		 ch;
	size_t			 i;
	int			 rc = 0;

	b->off = b->len = 0;
	for (i = 0; i < len && rc == 0; i++) {
		ch = s[i];
		if (ch == '\\')
			rc = buf_add(b, "\\\\", 2);
		else if (ch == '\t')
			rc = buf_add(b, "\\t", 2);
		else if (ch == '\n')
			rc = buf_add(b, "\\n", 2);
		else if (ch == '\r')
			rc = buf_add(b, "\\r", 2);
		else if (ch < 0x20 || ch == 0x7f) {
			esc[2] = hex[ch >> 4];
			esc[3] = hex[ch & 0xf];
			rc = buf_add(b, esc, 4);
		} else
			rc = buf_add(b, &s[i], 1);
	}
	if (rc == -1) {
		perror("cxbus: topics");
		exit(EXIT_BUS);
	}
}

/* The last publish time as ISO 8601 UTC, or "-" for never. */
static void
topics_iso(char *out, size_t len, long long t)
{
	time_t		 when = t;
	struct tm	 tm;

	if (t <= 0) {
		snprintf(out, len, "-");
		return;
	}
	gmtime_r(&when, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The last publish time as an age, for people: "3s ago". */
static void
topics_age(char *out, size_t len, long long t)
{
	long long	 d = time(NULL) - t;

	if (t <= 0)
		snprintf(out, len, "-");
	else if (d < 60)
		snprintf(out, len, "%llds ago", d < 0 ? 0 : d);
	else if (d < 3600)
		snprintf(out, len, "%lldm ago", d / 60);
	else if (d < 86400)
		snprintf(out, len, "%lldh ago", d / 3600);
	else
		snprintf(out, len, "%lldd ago", d / 86400);
}

/* Read element E of a CXBUS.TOPICS reply; -1 if it is not of that shape. */
static int
topics_row(const struct cxbus_reply *e, struct topic_row *row)
{
	if (e->type != CXBUS_REPLY_ARRAY || e->elements < 5 ||
	    e->element[0]->type != CXBUS_REPLY_STRING)
		return (-1);
	row->name = e->element[0]->str;
	row->len = e->element[0]->len;
	row->subscribers = e->element[1]->integer;
	row->messages = e->element[2]->integer;
	row->last = e->element[3]->integer;
	row->retained = e->element[4]->integer != 0;
	row->known = 1;
	return (0);
}

/* Print the rows in FORMAT; a table when standard output is a tty. */
static void
topics_print(const struct topic_row *rows, size_t n,
    enum topics_format format)
{
	const struct topic_row	*row;
	struct buf		 out, name;
	char			 when[64], num[32];
	int			 tty = isatty(STDOUT_FILENO), width = 5;
	size_t			 i;

	buf_init(&out);
	buf_init(&name);
	for (i = 0; i < n; i++)
		if ((int)rows[i].len > width)
			width = rows[i].len > 60 ? 60 : rows[i].len;
	if (format == TOPICS_AUTO && tty)
		printf("%-*s %11s %10s %10s %8s\n", width, "TOPIC",
		    "SUBSCRIBERS", "MESSAGES", "LAST", "RETAINED");

	for (i = 0; i < n; i++) {
		row = &rows[i];
		snprintf(num, sizeof(num), "%lld", row->messages);
		topics_escape(&name, row->name, row->len);
		if (format == TOPICS_NAMES) {
			fwrite(buf_head(&name), 1, buf_used(&name), stdout);
			putchar('\n');
		} else if (format == TOPICS_JSON) {
			out.off = out.len = 0;
			if (out_json_field(&out, "{\"topic", row->name,
			    row->len) == -1)
				exit(EXIT_BUS);
			fwrite(buf_head(&out), 1, buf_used(&out), stdout);
			topics_iso(when, sizeof(when), row->last);
			printf(",\"subscribers\":%lld,\"messages\":%s,"
			    "\"last\":%s%s%s,\"retained\":%s}\n",
			    row->subscribers, row->known ? num : "null",
			    row->last > 0 ? "\"" : "",
			    row->last > 0 ? when : "null",
			    row->last > 0 ? "\"" : "",
			    !row->known ? "null" :
			    row->retained ? "true" : "false");
		} else if (tty) {
			topics_age(when, sizeof(when), row->last);
			printf("%-*.*s %11lld %10s %10s %8s\n", width,
			    (int)buf_used(&name), buf_head(&name),
			    row->subscribers,
			    row->known ? num : "-", when, !row->known ? "-" :
			    row->retained ? "yes" : "no");
		} else {
			topics_iso(when, sizeof(when), row->last);
			fwrite(buf_head(&name), 1, buf_used(&name), stdout);
			printf("\t%lld\t%s\t%s\t%s\n", row->subscribers,
			    row->known ? num : "-", when, !row->known ? "-" :
			    row->retained ? "yes" : "no");
		}
	}
	buf_free(&out);
	buf_free(&name);
}

/* Order rows by name, bytewise, as cxbusd lists its topics. */
static int
topics_cmp(const void *a, const void *b)
{
	const struct topic_row	*ra = a, *rb = b;
	size_t			 n = ra->len < rb->len ? ra->len : rb->len;
	int			 c;

	if ((c = memcmp(ra->name, rb->name, n)) != 0)
		return (c);
	return (ra->len < rb->len ? -1 : ra->len > rb->len);
}

/*
 * Fill ROWS from PUBSUB CHANNELS [pattern] and PUBSUB NUMSUB, for a
 * server without CXBUS.TOPICS.  CHANNELS is the reply kept for the
 * names.  Returns the number of rows; exits on failure.
 */
static size_t
topics_from_pubsub(struct cxbus *c, const char *pattern,
    struct cxbus_reply **channels, struct topic_row **rowsp)
{
	const char		*args[TOPICS_NUMSUB_BATCH + 2];
	size_t			 lens[TOPICS_NUMSUB_BATCH + 2];
	struct cxbus_reply	*r, *nr;
	struct topic_row	*rows;
	size_t			 n = 0, i, k, base;

	args[0] = "PUBSUB", lens[0] = 6;
	args[1] = "CHANNELS", lens[1] = 8;
	if (pattern != NULL)
		args[2] = pattern, lens[2] = strlen(pattern);
	if (cxbus_call(c, pattern != NULL ? 3 : 2, args, lens, &r) == -1)
		cli_bus_error(c, "topics");
	if (r->type != CXBUS_REPLY_ARRAY) {
		fprintf(stderr, "cxbus: topics: PUBSUB CHANNELS: %s\n",
		    r->type == CXBUS_REPLY_ERROR ? r->str : "bad reply");
		exit(EXIT_BUS);
	}
	*channels = r;
	if ((rows = calloc(r->elements + 1, sizeof(*rows))) == NULL) {
		perror("cxbus: topics");
		exit(EXIT_BUS);
	}
	for (i = 0; i < r->elements; i++) {
		if (r->element[i]->type != CXBUS_REPLY_STRING)
			continue;
		rows[n].name = r->element[i]->str;
		rows[n].len = r->element[i]->len;
		n++;
	}
	qsort(rows, n, sizeof(*rows), topics_cmp);

	/* Counts in batches, so that no command grows without bound. */
	args[1] = "NUMSUB", lens[1] = 6;
	for (base = 0; base < n; base += k) {
		k = n - base < TOPICS_NUMSUB_BATCH ? n - base :
		    TOPICS_NUMSUB_BATCH;
		for (i = 0; i < k; i++) {
			args[2 + i] = rows[base + i].name;
			lens[2 + i] = rows[base + i].len;
		}
		if (cxbus_call(c, 2 + k, args, lens, &nr) == -1)
			cli_bus_error(c, "topics");
		if (nr->type != CXBUS_REPLY_ARRAY || nr->elements != 2 * k) {
			fprintf(stderr, "cxbus: topics: PUBSUB NUMSUB: %s\n",
			    nr->type == CXBUS_REPLY_ERROR ? nr->str :
			    "bad reply");
			exit(EXIT_BUS);
		}
		for (i = 0; i < k; i++)
			rows[base + i].subscribers =
			    nr->element[2 * i + 1]->integer;
		cxbus_reply_free(nr);
	}
	*rowsp = rows;
	return (n);
}

int
cmd_topics(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "json", no_argument, NULL, 2000 },
		{ "names", no_argument, NULL, '1' },
		{ NULL, 0, NULL, 0 }
	};
	enum topics_format	 format = TOPICS_AUTO;
	struct cxbus		*c;
	struct cxbus_reply	*r, *channels = NULL;
	struct topic_row	*rows = NULL;
	const char		*args[2] = { "CXBUS.TOPICS" };
	size_t			 lens[2] = { 12 }, n = 0, i;
	int			 ch, rc = EXIT_OK;

	while ((ch = getopt_long(argc, argv, "1" COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (cli_common_option(ch, optarg, argv[optind - 1]))
			continue;
		if (ch == '1')
			format = TOPICS_NAMES;
		else if (ch == 2000)
			format = TOPICS_JSON;
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		cli_usage("topics: at most one pattern");
	if (argc == 1) {
		args[1] = argv[0];
		lens[1] = strlen(argv[0]);
	}

	c = cli_connect("topics", 1);
	if (cxbus_call(c, 1 + argc, args, lens, &r) == -1)
		cli_bus_error(c, "topics");
	if (cli_unsupported(r))
		n = topics_from_pubsub(c, argc == 1 ? argv[0] : NULL,
		    &channels, &rows);
	else if (r->type == CXBUS_REPLY_ERROR) {
		fprintf(stderr, "cxbus: topics: %s\n", r->str);
		rc = EXIT_BUS;
	} else if (r->type == CXBUS_REPLY_ARRAY) {
		if ((rows = calloc(r->elements + 1, sizeof(*rows))) == NULL) {
			perror("cxbus: topics");
			exit(EXIT_BUS);
		}
		for (i = 0; i < r->elements; i++)
			if (topics_row(r->element[i], &rows[n]) == 0)
				n++;
	}
	if (rc == EXIT_OK)
		topics_print(rows, n, format);
	free(rows);
	cxbus_reply_free(channels);
	cxbus_reply_free(r);
	cxbus_close(c);
	if (fflush(stdout) == EOF)
		rc = EXIT_BUS;
	return (rc);
}
