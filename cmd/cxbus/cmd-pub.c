/*
 * cmd-pub.c: cxbus pub, from arguments or standard input to a topic.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Without a limit from the bus, a record may be this long. */
#define PUB_DEFAULT_MAX		(512LL * 1024 * 1024)

/* The topic, for error messages. */
static const char	*pub_topic;

/* Publish the arguments joined by single spaces, as echo does. */
static int
pub_args(struct cxbus *c, int argc, char **argv)
{
	struct buf	 msg;
	int		 i, rc;

	buf_init(&msg);
	for (i = 0; i < argc; i++) {
		if ((i > 0 && buf_add(&msg, " ", 1) == -1) ||
		    buf_add(&msg, argv[i], strlen(argv[i])) == -1) {
			perror("cxbus: pub");
			exit(EXIT_BUS);
		}
	}
	rc = cxbus_publish(c, pub_topic, buf_head(&msg), buf_used(&msg));
	buf_free(&msg);
	return (rc);
}

/* Report a message over the limit after sending what came before it. */
static void
pub_too_long(struct cxbus *c, unsigned long long n, long long max)
{
	if (cxbus_flush(c, -1) == -1)
		cli_bus_error(c, "pub");
	fprintf(stderr, "cxbus: pub: message %llu is over the bus's limit of "
	    "%lld bytes\n", n, max);
	exit(EXIT_BUS);
}

/*
 * Publish each record of standard input.  Whatever one read brought is
 * sent before the next read blocks, so a slow stream (tail -F) goes out
 * line by line while a fast one goes out in large batches.
 */
static int
pub_records(struct cxbus *c, int sep, long long max)
{
	struct split		 sp;
	const char		*rec;
	size_t			 len;
	unsigned long long	 n = 0;
	ssize_t			 got;
	int			 r;

	split_init(&sp, sep, max);
	for (;;) {
		while ((r = split_next(&sp, &rec, &len)) == SPLIT_RECORD) {
			n++;
			if (cxbus_publish(c, pub_topic, rec, len) == -1)
				cli_bus_error(c, "pub");
		}
		if (r == SPLIT_END)
			break;
		if (r == SPLIT_TOOLONG)
			pub_too_long(c, n + 1, max);
		if (cxbus_send(c) == -1)
			cli_bus_error(c, "pub");
		got = split_fill(&sp, STDIN_FILENO);
		if (got == -1) {
			fprintf(stderr, "cxbus: pub: standard input: %s\n",
			    strerror(errno));
			exit(EXIT_BUS);
		}
	}
	split_free(&sp);
	return (0);
}

/* Publish all of standard input as one message. */
static int
pub_whole(struct cxbus *c, long long max)
{
	struct buf	 in;
	ssize_t		 n;
	int		 rc;

	buf_init(&in);
	while ((n = buf_read(&in, STDIN_FILENO, CX_IO_CHUNK)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fprintf(stderr, "cxbus: pub: standard input: %s\n",
			    strerror(errno));
			exit(EXIT_BUS);
		}
		if ((long long)buf_used(&in) > max)
			pub_too_long(c, 1, max);
	}
	rc = cxbus_publish(c, pub_topic, buf_head(&in), buf_used(&in));
	buf_free(&in);
	return (rc);
}

int
cmd_pub(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "null", no_argument, NULL, '0' },
		{ "whole", no_argument, NULL, 2000 },
		{ NULL, 0, NULL, 0 }
	};
	struct cxbus	*c;
	long long	 max;
	int		 ch, rc, sep = '\n', whole = 0;

	/* "+": options end at the topic; a message may begin with "-". */
	while ((ch = getopt_long(argc, argv, "+0" COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (cli_common_option(ch, optarg, argv[optind - 1]))
			continue;
		switch (ch) {
		case '0':
			sep = '\0';
			break;
		case 2000:
			whole = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		cli_usage("pub: no topic given");
	if (whole && argc > 1)
		cli_usage("pub: --whole takes no message arguments");
	pub_topic = argv[0];

	/* Learn the limit first, so that a long record is never sent. */
	c = cli_connect("pub", 1);
	max = cxbus_max_message(c);
	if (cxbus_error(c) != NULL)
		cli_bus_error(c, "pub");
	if (max <= 0)
		max = PUB_DEFAULT_MAX;

	if (argc > 1)
		rc = pub_args(c, argc - 1, argv + 1);
	else if (whole)
		rc = pub_whole(c, max);
	else
		rc = pub_records(c, sep, max);
	if (rc == -1)
		cli_bus_error(c, "pub");

	if (cxbus_flush(c, -1) == -1)
		cli_bus_error(c, "pub");
	cxbus_close(c);
	return (EXIT_OK);
}
