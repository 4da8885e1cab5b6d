/*
 * install-client.c: a client of the installed libcxbus for install.bats.
 * It prints the header's version and the bus it found, subscribes to the
 * glob "installed/" followed by a star, publishes PAYLOAD on TOPIC on a
 * second connection and prints the message when it comes back.
 *
 *	install-client TOPIC PAYLOAD
 */

#include <stdio.h>
#include <string.h>

#include <cxbus.h>

/* Print one message as "topic payload" and count it. */
static void
client_message(struct cxbus *c, const struct cxbus_msg *m, void *arg)
{
	int	*got = arg;

	printf("%.*s %.*s\n", (int)m->topic_len, m->topic,
	    (int)m->payload_len, m->payload);
	(*got)++;
}

/* The first error of either connection, for the message on failure. */
static const char *
client_error(struct cxbus *a, struct cxbus *b)
{
	if (a == NULL || b == NULL)
		return ("out of memory");
	return (cxbus_error(a) != NULL ? cxbus_error(a) : cxbus_error(b));
}

int
main(int argc, char **argv)
{
	struct cxbus	*sub, *pub;
	int		 got = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: install-client topic payload\n");
		return (2);
	}

	/* The bus at $CXBUS_SOCKET, which the test has started. */
	sub = cxbus_open(NULL, CXBUS_NOAUTOSTART);
	pub = cxbus_open(NULL, CXBUS_NOAUTOSTART);
	if (client_error(sub, pub) != NULL) {
		fprintf(stderr, "install-client: %s\n", client_error(sub, pub));
		return (1);
	}
	printf("%s %s\n", CXBUS_VERSION, cxbus_address(sub));

	if (cxbus_subscribe(sub, "installed/*", 0, client_message,
	    &got) == -1 || cxbus_publish(pub, argv[1], argv[2],
	    strlen(argv[2])) == -1 || cxbus_flush(pub, 5000) == -1) {
		fprintf(stderr, "install-client: %s\n", client_error(sub, pub));
		return (1);
	}
	while (got < 1) {
		if (cxbus_dispatch(sub, 5000) <= 0) {
			fprintf(stderr, "install-client: nothing came back\n");
			return (1);
		}
	}

	cxbus_close(pub);
	cxbus_close(sub);
	return (0);
}
