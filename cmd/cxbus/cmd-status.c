/*
 * cmd-status.c: cxbus status, the daemon's figures, and cxbus ping, a
 * round trip that starts nothing.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* Print a CXBUS.STATUS map (name, value, ...) as "name: value" lines. */
static void
status_print(const struct cxbus_reply *r)
{
	const struct cxbus_reply	*k, *v;
	size_t				 i;

	for (i = 0; i + 1 < r->elements; i += 2) {
		k = r->element[i];
		v = r->element[i + 1];
		if (k->type != CXBUS_REPLY_STRING)
			continue;
		if (v->type == CXBUS_REPLY_INTEGER)
			printf("%s: %lld\n", k->str, v->integer);
		else if (v->type == CXBUS_REPLY_STRING)
			printf("%s: %s\n", k->str, v->str);
	}
}

int
cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const char	*args[] = { "CXBUS.STATUS" };
	static const size_t	 lens[] = { 12 };
	struct cxbus		*c;
	struct cxbus_reply	*r;
	int			 ch, rc = EXIT_OK;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1)
		cli_common_option(ch, optarg, argv[optind - 1]);
	if (optind != argc)
		cli_usage("status: takes no arguments");

	c = cli_connect("status", 1);
	if (cxbus_call(c, 1, args, lens, &r) == -1)
		cli_bus_error(c, "status");
	if (cli_unsupported(r)) {
		fprintf(stderr, "cxbus: status: not supported by this "
		    "server\n");
		rc = EXIT_UNSUPPORTED;
	} else if (r->type != CXBUS_REPLY_ARRAY) {
		fprintf(stderr, "cxbus: status: %s\n",
		    r->str != NULL ? r->str : "unexpected reply");
		rc = EXIT_BUS;
	} else
		status_print(r);
	cxbus_reply_free(r);
	cxbus_close(c);
	return (rc);
}

int
cmd_ping(int argc, char **argv)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "timeout", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 }
	};
	struct cxbus	*c;
	struct timespec	 t0, t1;
	double		 timeout = 5;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "W:" COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (cli_common_option(ch, optarg, argv[optind - 1]))
			continue;
		if (ch == 'W')
			timeout = cli_seconds("ping", "-W", optarg);
	}
	if (optind != argc)
		cli_usage("ping: takes no arguments");

	c = cli_connect("ping", 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (cxbus_ping(c, (int)(timeout * 1000)) == -1) {
		fprintf(stderr, "cxbus: ping: %s\n", cxbus_error(c));
		rc = strstr(cxbus_error(c), "no answer") != NULL ?
		    EXIT_TIMEOUT : EXIT_BUS;
		cxbus_close(c);
		return (rc);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("PONG from %s in %.3f ms\n", cxbus_address(c),
	    (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	cxbus_close(c);
	return (EXIT_OK);
}
