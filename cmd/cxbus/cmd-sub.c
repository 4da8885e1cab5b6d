/*
 * cmd-sub.c: cxbus sub, from topics and patterns to standard output.
 *
 * Output gathers in a buffer only while messages of one read from the bus
 * are being formatted, and is written before the command waits again: a
 * pipe reader sees each message at once, and a fast stream still leaves
 * in large writes.
 */

#include <sys/time.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct sub_state {
	struct print		 pr;
	long long		 count;		/* 0: no limit */
	long long		 seen;
	char			**patterns;
	int			 npatterns;
	int			 flags;		/* for cxbus_subscribe */
	int			 reconnect;
	int			 lossy;
	unsigned long long	 dropped;	/* reported so far */
};

/* The callback: print one message, unless the count is reached. */
static void
sub_message(struct cxbus *c, const struct cxbus_msg *m, void *arg)
{
	struct sub_state	*st = arg;

	if (st->count > 0 && st->seen >= st->count)
		return;
	st->seen++;
	print_message(&st->pr, m);
}

/* Milliseconds until DEADLINE (in seconds on the monotonic clock). */
static int
sub_left(double deadline)
{
	struct timespec	 ts;
	double		 left;

	if (deadline < 0)
		return (-1);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	left = deadline - (ts.tv_sec + ts.tv_nsec / 1e9);
	return (left <= 0 ? 0 : (int)ceil(left * 1000));
}

/* The time of -W ran out while the bus had not answered yet. */
static void
sub_expired(int sig)
{
	_exit(EXIT_TIMEOUT);
}

/* Arm a timer for SECONDS (a negative number disarms it). */
static void
sub_alarm(double seconds)
{
	struct itimerval	 it = { 0 };

	if (seconds >= 0) {
		signal(SIGALRM, sub_expired);
		it.it_value.tv_sec = (time_t)seconds;
		it.it_value.tv_usec = (seconds - (time_t)seconds) * 1e6;
		if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
			it.it_value.tv_usec = 1;
	}
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Subscribe to every pattern; exits if the bus refuses. */
static void
sub_subscribe(struct cxbus *c, struct sub_state *st)
{
	int	 i;

	if (st->lossy && cxbus_lossy(c) == -1) {
		if (strstr(cxbus_error(c), "not supported") == NULL)
			cli_bus_error(c, "sub");
		fprintf(stderr, "cxbus: sub: --lossy: %s\n", cxbus_error(c));
		exit(EXIT_UNSUPPORTED);
	}

	for (i = 0; i < st->npatterns; i++)
		if (cxbus_subscribe(c, st->patterns[i], st->flags,
		    sub_message, st) == -1)
			cli_bus_error(c, "sub");
}

/*
 * The connection is lost: connect again and subscribe again, waiting a
 * little longer after each try, up to a second, until DEADLINE.  No
 * daemon is started: whoever stopped the bus may mean it to stay
 * stopped, and one that restarts is found when it listens again.
 */
static struct cxbus *
sub_reconnect(struct cxbus *c, struct sub_state *st, double deadline)
{
	const char	*address = common.url ? common.url : common.socket;
	int		 delay = 50;

	fprintf(stderr, "cxbus: sub: %s; reconnecting, messages may be "
	    "missed\n", cxbus_error(c));
	cxbus_close(c);
	st->dropped = 0;
	for (;;) {
		if (deadline >= 0 && sub_left(deadline) < delay)
			return (NULL);
		poll(NULL, 0, delay);
		delay = delay * 2 > 1000 ? 1000 : delay * 2;
		if ((c = cxbus_open(address, CXBUS_NOAUTOSTART)) == NULL)
			continue;
		if (cxbus_error(c) == NULL)
			break;
		cxbus_close(c);
	}
	sub_subscribe(c, st);
	fprintf(stderr, "cxbus: sub: reconnected to %s\n", cxbus_address(c));
	return (c);
}

/* Warn when the bus reports messages it had to drop for us. */
static void
sub_warn_drops(struct cxbus *c, struct sub_state *st)
{
	unsigned long long	 n = cxbus_dropped(c);

	if (n == st->dropped)
		return;
	print_flush(&st->pr);
	fprintf(stderr, "cxbus: sub: the bus dropped %llu messages that "
	    "this subscriber was too slow to take\n", n - st->dropped);
	st->dropped = n;
}

/*
 * Wait for messages and print them until the count is reached, the time
 * runs out, or the reader of our output goes away.  Standard output is
 * polled too, for no events: a pipe whose reader closed reports an error
 * even while no message comes to be written.
 */
static int
sub_loop(struct cxbus *c, struct sub_state *st, double deadline)
{
	int	 rc;

	struct pollfd	 pfd[2];
	int		 n;

	for (;;) {
		print_flush(&st->pr);
		if (st->count > 0 && st->seen >= st->count) {
			rc = EXIT_OK;
			break;
		}

		pfd[0].fd = cxbus_fd(c);
		pfd[0].events = cxbus_events(c);
		pfd[1].fd = STDOUT_FILENO;
		pfd[1].events = 0;
		n = poll(pfd, 2, sub_left(deadline));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("cxbus: sub: poll");
			return (EXIT_BUS);
		}
		if (n == 0) {
			rc = EXIT_TIMEOUT;
			break;
		}
		if (pfd[1].revents & (POLLERR | POLLHUP)) {
			rc = EXIT_OK;
			break;
		}
		if (pfd[0].revents == 0)
			continue;
		if (cxbus_dispatch(c, 0) != -1) {
			sub_warn_drops(c, st);
			continue;
		}
		if (!st->reconnect)
			cli_bus_error(c, "sub");
		print_flush(&st->pr);
		if ((c = sub_reconnect(c, st, deadline)) == NULL)
			return (EXIT_TIMEOUT);
	}
	cxbus_close(c);
	return (rc);
}

int
cmd_sub(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "count", required_argument, NULL, 'n' },
		{ "fixed", no_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 2000 },
		{ "lossy", no_argument, NULL, 2002 },
		{ "no-reconnect", no_argument, NULL, 2001 },
		{ "null", no_argument, NULL, '0' },
		{ "timeout", required_argument, NULL, 'W' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct sub_state	 st = { .reconnect = 1 };
	struct cxbus		*c;
	struct timespec		 ts;
	enum print_format	 format = PRINT_PAYLOAD;
	double			 timeout = -1, deadline = -1;
	char			 end = '\n';
	int			 ch, rc;

	while ((ch = getopt_long(argc, argv, "0Fn:vW:" COMMON_SHORTOPTS,
	    longopts, NULL)) != -1) {
		if (cli_common_option(ch, optarg, argv[optind - 1]))
			continue;
		switch (ch) {
		case '0':
			end = '\0';
			break;
		case 'F':
			st.flags |= CXBUS_FIXED;
			break;
		case 'n':
			st.count = cli_count("sub", "-n", optarg);
			break;
		case 'v':
			format = PRINT_VERBOSE;
			break;
		case 'W':
			timeout = cli_seconds("sub", "-W", optarg);
			break;
		case 2000:
			format = PRINT_JSON;
			break;
		case 2001:
			st.reconnect = 0;
			break;
		case 2002:
			st.lossy = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		cli_usage("sub: no topic or pattern given");

	if (timeout >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		deadline = ts.tv_sec + ts.tv_nsec / 1e9 + timeout;
	}
	print_init(&st.pr, "sub", format, end);
	st.patterns = argv;
	st.npatterns = argc;
	/*
	 * Connecting and subscribing wait for the bus; -W bounds that wait
	 * too, with a timer, since those calls take no time limit.
	 */
	sub_alarm(timeout);
	c = cli_connect("sub", 1);
	sub_subscribe(c, &st);
	sub_alarm(-1);

	rc = sub_loop(c, &st, deadline);
	print_flush(&st.pr);
	print_free(&st.pr);
	return (rc);
}
