/* hello.c: subscribe to a topic, publish on it, print what comes back. */
#include <stdio.h>
#include <cxbus.h>

static void
on_message(struct cxbus *c, const struct cxbus_msg *m, void *arg)
{
	int	*got = arg;

	printf("%.*s: %.*s\n", (int)m->topic_len, m->topic,
	    (int)m->payload_len, m->payload);
	(*got)++;
}

int
main(void)
{
	struct cxbus	*sub = cxbus_open(NULL, 0), *pub = cxbus_open(NULL, 0);
	const char	*err;
	int		 got = 0;

	if (cxbus_error(sub) == NULL && cxbus_error(pub) == NULL &&
	    cxbus_subscribe(sub, "greetings/*", 0, on_message, &got) == 0 &&
	    cxbus_publish(pub, "greetings/en", "hello", 5) == 0 &&
	    cxbus_publish(pub, "greetings/fr", "bonjour", 7) == 0 &&
	    cxbus_flush(pub, 1000) == 0)
		while (got < 2 && cxbus_dispatch(sub, 1000) > 0)
			;
	if (got < 2) {
		err = cxbus_error(sub) ? cxbus_error(sub) : cxbus_error(pub);
		fprintf(stderr, "hello: %s\n", err ? err : "timed out");
	}
	cxbus_close(pub);
	cxbus_close(sub);
	return got == 2 ? 0 : 1;
}
