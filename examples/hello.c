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
	int		 got = 0;

	if (cxbus_error(sub) || cxbus_error(pub)) {
		fprintf(stderr, "hello: %s\n",
		    cxbus_error(sub) ? cxbus_error(sub) : cxbus_error(pub));
		return 1;
	}
	if (cxbus_subscribe(sub, "greetings/*", 0, on_message, &got) == -1 ||
	    cxbus_publish(pub, "greetings/en", "hello", 5) == -1 ||
	    cxbus_publish(pub, "greetings/fr", "bonjour", 7) == -1 ||
	    cxbus_flush(pub, 1000) == -1)
		return 1;
	while (got < 2)
		if (cxbus_dispatch(sub, 1000) <= 0)
			return 1;
	cxbus_close(pub);
	cxbus_close(sub);
	return 0;
}
