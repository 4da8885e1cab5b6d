/*
 * cxbus: the command that publishes and subscribes on the user's bus.
 * This file reads the common options, picks the subcommand and holds
 * what every subcommand shares: connecting and reporting errors.
 */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/stdlib.h>

#include "cli.h"

struct common	 common;

static const struct cmd_entry cmd_table[] = {
	{ "pub", "pub [-0] [--whole] topic [message ...]",
	    "Publish the message, or each line of standard input.\n"
	    "  -0, --null          input records end with NUL, not newline\n"
	    "      --whole         all of standard input is one message\n",
	    cmd_pub },
	{ "sub", "sub [-0Fv] [--json] [--lossy] [--no-reconnect] [-n count] "
	    "[-W seconds] pattern ...",
	    "Print each message on the topics and glob patterns given.\n"
	    "  -0, --null          end each message with NUL, not newline\n"
	    "  -F, --fixed         every argument is an exact topic\n"
	    "      --json          one JSON object per message\n"
	    "      --lossy         let the bus drop what we are too slow for\n"
	    "  -n, --count N       exit after N messages\n"
	    "      --no-reconnect  exit 1 when the bus goes away\n"
	    "  -v, --verbose       print the topic before each message\n"
	    "  -W, --timeout SECS  exit 3 when SECS pass first\n",
	    cmd_sub },
	{ "pipe", "pipe [-0v] [--echo] [--json] topic",
	    "Publish each line of standard input on topic, and print what\n"
	    "everyone else publishes there.\n"
	    "  -0, --null          records end with NUL, in and out\n"
	    "      --echo          print our own messages too\n"
	    "      --json          one JSON object per message\n"
	    "  -v, --verbose       print the topic before each message\n",
	    cmd_pipe },
	{ "topics", "topics [-1] [--json] [pattern]",
	    "List the topics the bus knows, or those matching pattern.\n"
	    "  -1, --names         names only, one per line\n"
	    "      --json          one JSON object per topic\n",
	    cmd_topics },
	{ "status", "status",
	    "Show the daemon's figures.\n",
	    cmd_status },
	{ "ping", "ping [-W seconds]",
	    "Check that the bus answers; never starts one.\n"
	    "  -W, --timeout SECS  exit 3 without an answer in SECS "
	    "(default 5)\n",
	    cmd_ping },
};

/* Options every command takes, for --help. */
static const char common_help[] =
    "Common options:\n"
    "  -S, --socket PATH   the bus's socket (default: see cxbus(1))\n"
    "      --url URL       a Redis server instead of the local bus:\n"
    "                      redis://[[USER]:PASSWORD@]HOST[:PORT] or\n"
    "                      unix://[[USER]:PASSWORD@]/PATH\n"
    "      --no-autostart  never start cxbusd\n"
    "  -h, --help          this help\n"
    "      --version       print the version\n";
#define NCOMMANDS	(sizeof(cmd_table) / sizeof(cmd_table[0]))

static const struct cmd_entry	*current;

/* The usage of every command, for -h and mistakes. */
static void
usage_all(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: cxbus [-S socket] [--url url] [--no-autostart] "
	    "command [args]\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "       cxbus %s\n", cmd_table[i].usage);
}

/*
 * A usage error: say what was wrong (if WHAT is given) and show the
 * command's synopsis, then exit 2.
 */
void
cli_usage(const char *what)
{
	if (what != NULL)
		fprintf(stderr, "cxbus: %s\n", what);
	if (current != NULL)
		fprintf(stderr, "usage: cxbus %s\n", current->usage);
	else
		fprintf(stderr, "usage: cxbus [-S socket] [--url url] "
		    "[--no-autostart] pub|sub|pipe|topics|status|ping ...\n");
	exit(EXIT_USAGE);
}

/*
 * Handle an option every command takes; returns 0 when CH is not one.
 * Exits for -h and --version.
 */
int
cli_common_option(int ch, const char *arg, const char *badopt)
{
	switch (ch) {
	case 'h':
		if (current != NULL)
			printf("usage: cxbus %s\n%s", current->usage,
			    current->help);
		else
			usage_all(stdout);
		printf("%s", common_help);
		exit(EXIT_OK);
	case 'S':
		common.socket = arg;
		return (1);
	case 1000:
		common.no_autostart = 1;
		return (1);
	case 1001:
		common.url = arg;
		return (1);
	case 1002:
		printf("cxbus %s\n", CXBUS_VERSION);
		exit(EXIT_OK);
	case '?':
		cli_usage(NULL);
	}
	return (0);
}

/* Connect as the common options say; on failure, report and exit 1. */
struct cxbus *
cli_connect(const char *what, int autostart)
{
	struct cxbus	*c;
	const char	*address = common.url ? common.url : common.socket;
	int		 flags = 0;

	if (common.no_autostart || !autostart)
		flags |= CXBUS_NOAUTOSTART;
	if ((c = cxbus_open(address, flags)) == NULL) {
		fprintf(stderr, "cxbus: %s: %s\n", what, strerror(errno));
		exit(EXIT_BUS);
	}
	if (cxbus_error(c) != NULL)
		cli_bus_error(c, what);
	return (c);
}

/* Report the connection's error and exit 1. */
void
cli_bus_error(struct cxbus *c, const char *what)
{
	fprintf(stderr, "cxbus: %s: %s\n", what, cxbus_error(c));
	exit(EXIT_BUS);
}

/* Whether a reply says the server does not know a cxbus command. */
int
cli_unsupported(const struct cxbus_reply *r)
{
	return (r->type == CXBUS_REPLY_ERROR &&
	    strncmp(r->str, "ERR unknown command", 19) == 0);
}

/* A duration in seconds (fractions allowed) for option OPT. */
double
cli_seconds(const char *cmd, const char *opt, const char *arg)
{
	char	 msg[256], *end;
	double	 v;

	errno = 0;
	v = strtod(arg, &end);
	if (*arg == '\0' || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < 0 || v > 1e7) {
		snprintf(msg, sizeof(msg), "%s: %s %s: not a number of "
		    "seconds", cmd, opt, arg);
		cli_usage(msg);
	}
	return (v);
}

/* A count of at least 1 for option OPT. */
long long
cli_count(const char *cmd, const char *opt, const char *arg)
{
	const char	*errstr;
	char		 msg[256];
	long long	 n;

	n = strtonum(arg, 1, LLONG_MAX, &errstr);
	if (errstr != NULL) {
		snprintf(msg, sizeof(msg), "%s: %s %s: %s", cmd, opt, arg,
		    errstr);
		cli_usage(msg);
	}
	return (n);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char	 name[64];
	char		 msg[256];
	size_t		 i;
	int		 ch;

	signal(SIGPIPE, SIG_IGN);
	if (stdfds_open() == -1) {
		perror("cxbus: /dev/null");
		exit(EXIT_BUS);
	}

	/* getopt's complaints read "cxbus: ...", like every other error. */
	argv[0] = "cxbus";

	/* Common options may come before the command, too. */
	while ((ch = getopt_long(argc, argv, "+" COMMON_SHORTOPTS, longopts,
	    NULL)) != -1)
		cli_common_option(ch, optarg, argv[optind - 1]);
	argc -= optind;
	argv += optind;
	if (argc == 0)
		cli_usage("no command given");

	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[0], cmd_table[i].name) == 0) {
			current = &cmd_table[i];
			optind = 0;	/* start afresh: options may follow */
			/* getopt names argv[0] in its messages. */
			snprintf(name, sizeof(name), "cxbus: %s", argv[0]);
			argv[0] = name;
			return (current->exec(argc, argv));
		}
	}
	snprintf(msg, sizeof(msg), "%s: unknown command", argv[0]);
	cli_usage(msg);
}
