/*
 * cmd-topics.c: cxbus topics, what the bus knows of its topics: a table
 * on a terminal, tab-separated rows on a pipe, JSON lines, or names.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

enum topics_format {
	TOPICS_AUTO,
	TOPICS_NAMES,
	TOPICS_JSON
};

/* One row, taken from the reply. */
struct topic_row {
	const struct cxbus_reply	*name;
	long long			 subscribers;
	long long			 messages;
	long long			 last;
	int				 retained;
};

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

/* Read row I of a CXBUS.TOPICS reply; -1 if it is not of that shape. */
static int
topics_row(const struct cxbus_reply *r, size_t i, struct topic_row *row)
{
	const struct cxbus_reply	*e = r->element[i];

	if (e->type != CXBUS_REPLY_ARRAY || e->elements < 5 ||
	    e->element[0]->type != CXBUS_REPLY_STRING)
		return (-1);
	row->name = e->element[0];
	row->subscribers = e->element[1]->integer;
	row->messages = e->element[2]->integer;
	row->last = e->element[3]->integer;
	row->retained = e->element[4]->integer != 0;
	return (0);
}

/* Print every row in FORMAT; a table when standard output is a tty. */
static void
topics_print(const struct cxbus_reply *r, enum topics_format format)
{
	struct topic_row	 row;
	struct buf		 out;
	char			 when[64];
	int			 tty = isatty(STDOUT_FILENO), width = 5;
	size_t			 i;

	buf_init(&out);
	for (i = 0; i < r->elements; i++)
		if (topics_row(r, i, &row) == 0 && (int)row.name->len > width)
			width = row.name->len > 60 ? 60 : row.name->len;
	if (format == TOPICS_AUTO && tty)
		printf("%-*s %11s %10s %10s %8s\n", width, "TOPIC",
		    "SUBSCRIBERS", "MESSAGES", "LAST", "RETAINED");

	for (i = 0; i < r->elements; i++) {
		if (topics_row(r, i, &row) == -1)
			continue;
		if (format == TOPICS_NAMES) {
			fwrite(row.name->str, 1, row.name->len, stdout);
			putchar('\n');
		} else if (format == TOPICS_JSON) {
			out.off = out.len = 0;
			if (out_json_field(&out, "{\"topic", row.name->str,
			    row.name->len) == -1)
				exit(EXIT_BUS);
			fwrite(buf_head(&out), 1, buf_used(&out), stdout);
			topics_iso(when, sizeof(when), row.last);
			printf(",\"subscribers\":%lld,\"messages\":%lld,"
			    "\"last\":%s%s%s,\"retained\":%s}\n",
			    row.subscribers, row.messages,
			    row.last > 0 ? "\"" : "",
			    row.last > 0 ? when : "null",
			    row.last > 0 ? "\"" : "",
			    row.retained ? "true" : "false");
		} else if (tty) {
			topics_age(when, sizeof(when), row.last);
			printf("%-*s %11lld %10lld %10s %8s\n", width,
			    row.name->str, row.subscribers, row.messages,
			    when, row.retained ? "yes" : "no");
		} else {
			topics_iso(when, sizeof(when), row.last);
			fwrite(row.name->str, 1, row.name->len, stdout);
			printf("\t%lld\t%lld\t%s\t%s\n", row.subscribers,
			    row.messages, when, row.retained ? "yes" : "no");
		}
	}
	buf_free(&out);
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
	struct cxbus_reply	*r;
	const char		*args[2] = { "CXBUS.TOPICS" };
	size_t			 lens[2] = { 12 };
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
	if (cli_unsupported(r)) {
		fprintf(stderr, "cxbus: topics: not supported by this "
		    "server\n");
		rc = EXIT_UNSUPPORTED;
	} else if (r->type == CXBUS_REPLY_ERROR) {
		fprintf(stderr, "cxbus: topics: %s\n", r->str);
		rc = EXIT_BUS;
	} else if (r->type == CXBUS_REPLY_ARRAY)
		topics_print(r, format);
	cxbus_reply_free(r);
	cxbus_close(c);
	if (fflush(stdout) == EOF)
		rc = EXIT_BUS;
	return (rc);
}
