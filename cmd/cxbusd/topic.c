/*
 * topic.c: topics, patterns, who is subscribed to what, and publishing.
 *
 * Topics are kept in a tree by name; patterns in a list, since a message
 * must be matched against every one of them anyway.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cxbusd.h"

/* Idle topics (no subscriber) kept for `cxbus topics` at the most. */
#define TOPIC_IDLE_MAX		4096

struct topics		 all_topics = RB_INITIALIZER(&all_topics);
struct patterns		 all_patterns =
			    TAILQ_HEAD_INITIALIZER(all_patterns);
unsigned		 npatterns;
static size_t		 ntopics;
static size_t		 nidle;

/*
 * One frame per kind of delivery, kept between publishes: once no queue
 * holds it any longer it is refilled in place instead of allocated anew.
 */
static struct frame	*frame_message, *frame_push;
static struct frame	*frame_pmessage, *frame_ppush;

static void	 topic_maybe_free(struct topic *);

RB_GENERATE(topics, topic, entry, topic_cmp);

/* Order topics by their bytes, shorter first on a common prefix. */
int
topic_cmp(struct topic *a, struct topic *b)
{
	size_t	 n = a->len < b->len ? a->len : b->len;
	int	 c;

	if ((c = memcmp(a->name, b->name, n)) != 0)
		return (c);
	return (a->len < b->len ? -1 : a->len > b->len);
}

/* The topic called NAME, or NULL. */
struct topic *
topic_find(const char *name, size_t len)
{
	struct topic	 key;

	key.name = (char *)name;
	key.len = len;
	return (RB_FIND(topics, &all_topics, &key));
}

/* The topic called NAME, made if new. */
struct topic *
topic_get(const char *name, size_t len)
{
	struct topic	*t;

	if ((t = topic_find(name, len)) != NULL)
		return (t);
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->name = malloc(len + 1)) == NULL)
		fatal("topic_get");
	memcpy(t->name, name, len);
	t->name[len] = '\0';
	t->len = len;
	RB_INSERT(topics, &all_topics, t);
	ntopics++;
	nidle++;
	return (t);
}

/* How many topics the bus knows. */
size_t
topic_count(void)
{
	return (ntopics);
}

/* Forget a topic that has no subscribers and was never published. */
static void
topic_maybe_free(struct topic *t)
{
	if (t->subscribers.n > 0)
		return;
	if (t->messages > 0)
		return;
	RB_REMOVE(topics, &all_topics, t);
	ntopics--;
	nidle--;
	ptrvec_free(&t->subscribers);
	free(t->name);
	free(t);
}

/* Order idle topics by when they were last published, oldest first. */
static int
topic_cmp_age(const void *a, const void *b)
{
	const struct topic	*ta = *(struct topic * const *)a;
	const struct topic	*tb = *(struct topic * const *)b;

	return ((ta->last_published > tb->last_published) -
	    (ta->last_published < tb->last_published));
}

/*
 * Keep the idle topics (published once, nobody subscribed) under a
 * bound, forgetting the ones published longest ago.  This walks and sorts
 * every idle topic, so it runs only when the bound is passed, and then
 * frees a tenth of the room at once.
 */
void
topic_forget_idle(void)
{
	struct topic	**idle, *t;
	size_t		  n = 0, i, drop;

	if (nidle <= TOPIC_IDLE_MAX)
		return;
	if ((idle = reallocarray(NULL, nidle, sizeof(*idle))) == NULL)
		return;
	RB_FOREACH(t, topics, &all_topics)
		if (t->subscribers.n == 0 && n < nidle)
			idle[n++] = t;
	qsort(idle, n, sizeof(*idle), topic_cmp_age);
	drop = n - (TOPIC_IDLE_MAX - TOPIC_IDLE_MAX / 10);
	for (i = 0; i < drop && i < n; i++) {
		idle[i]->messages = 0;
		topic_maybe_free(idle[i]);
	}
	free(idle);
}

/* The pattern GLOB, or NULL. */
struct pattern *
pattern_find(const char *glob, size_t len)
{
	struct pattern	*pat;

	TAILQ_FOREACH(pat, &all_patterns, entry)
		if (pat->len == len && memcmp(pat->glob, glob, len) == 0)
			return (pat);
	return (NULL);
}

/* The pattern GLOB, made if new. */
struct pattern *
pattern_get(const char *glob, size_t len)
{
	struct pattern	*pat;

	if ((pat = pattern_find(glob, len)) != NULL)
		return (pat);
	if ((pat = calloc(1, sizeof(*pat))) == NULL ||
	    (pat->glob = malloc(len + 1)) == NULL)
		fatal("pattern_get");
	memcpy(pat->glob, glob, len);
	pat->glob[len] = '\0';
	pat->len = len;
	TAILQ_INSERT_TAIL(&all_patterns, pat, entry);
	npatterns++;
	return (pat);
}

/* Free a pattern nobody holds. */
void
pattern_drop(struct pattern *pat)
{
	if (pat->subscribers.n > 0)
		return;
	TAILQ_REMOVE(&all_patterns, pat, entry);
	npatterns--;
	ptrvec_free(&pat->subscribers);
	free(pat->glob);
	free(pat);
}

/*
 * Subscribe P to the topic NAME; returns 0 when it already was.
 * XXX Each check walks the peer's own list, so a client with thousands
 * of topics pays for each new one; a per-peer tree would lift that.
 */
int
topic_subscribe(struct peer *p, const char *name, size_t len)
{
	struct topic	*t = topic_get(name, len);

	if (ptrvec_has(&p->topics, t))
		return (0);
	if (t->subscribers.n == 0)
		nidle--;
	ptrvec_add(&p->topics, t);
	ptrvec_add(&t->subscribers, p);
	return (1);
}

/* Unsubscribe P from T; returns 0 when it was not subscribed. */
int
topic_unsubscribe(struct peer *p, struct topic *t)
{
	if (!ptrvec_remove(&p->topics, t))
		return (0);
	ptrvec_remove(&t->subscribers, p);
	if (t->subscribers.n == 0) {
		nidle++;
		topic_maybe_free(t);
	}
	return (1);
}

/* Subscribe P to the pattern GLOB; returns 0 when it already was. */
int
pattern_subscribe(struct peer *p, const char *glob, size_t len)
{
	struct pattern	*pat = pattern_get(glob, len);

	if (ptrvec_has(&p->patterns, pat))
		return (0);
	ptrvec_add(&p->patterns, pat);
	ptrvec_add(&pat->subscribers, p);
	return (1);
}

/* Unsubscribe P from PAT; returns 0 when it was not subscribed. */
int
pattern_unsubscribe(struct peer *p, struct pattern *pat)
{
	if (!ptrvec_remove(&p->patterns, pat))
		return (0);
	ptrvec_remove(&pat->subscribers, p);
	pattern_drop(pat);
	return (1);
}

/* Drop every subscription of a closing peer. */
void
topic_drop_peer(struct peer *p)
{
	while (p->topics.n > 0)
		topic_unsubscribe(p, p->topics.v[p->topics.n - 1]);
	while (p->patterns.n > 0)
		pattern_unsubscribe(p, p->patterns.v[p->patterns.n - 1]);
}

/*
 * Fill the reusable frame *FP with a message of N parts (bulk strings)
 * after a header of type TYPE ('*' or '>').  Returns the frame, or NULL
 * when memory ran out.
 */
static struct frame *
topic_frame(struct frame **fp, char type, int n, const char **parts,
    const size_t *lens)
{
	struct frame	*f = *fp;
	char		 num[24], *s;
	size_t		 need = 4, k;
	int		 i;

	for (i = 0; i < n; i++)
		need += lens[i] + 24;
	if (f != NULL && (f->refs > 1 || f->cap < need)) {
		frame_unref(f);
		f = NULL;
	}
	if (f == NULL && (f = frame_new(need < 256 ? 256 : need)) == NULL) {
		*fp = NULL;
		return (NULL);
	}
	*fp = f;

	f->len = 0;
	f->data[f->len++] = type;
	f->data[f->len++] = '0' + n;
	f->data[f->len++] = '\r';
	f->data[f->len++] = '\n';
	for (i = 0; i < n; i++) {
		s = resp_ulltoa(lens[i], num + sizeof(num));
		k = num + sizeof(num) - s;
		f->data[f->len++] = '$';
		memcpy(f->data + f->len, s, k);
		f->len += k;
		f->data[f->len++] = '\r';
		f->data[f->len++] = '\n';
		memcpy(f->data + f->len, parts[i], lens[i]);
		f->len += lens[i];
		f->data[f->len++] = '\r';
		f->data[f->len++] = '\n';
	}
	return (f);
}

/*
 * Hand the message in PARTS to each peer of SUBS, but those that asked
 * not to hear FROM: RESP2 peers get an array in *FP, RESP3 peers a push
 * in *PUSHP, each built once and only if someone needs it.  Counts the
 * deliveries in *RECEIVERS and returns the first peer left over its
 * high-water mark, or NULL.
 */
static struct peer *
topic_deliver(struct peer *from, struct ptrvec *subs, struct frame **fp,
    struct frame **pushp, int n, const char **parts, const size_t *lens,
    long long *receivers)
{
	struct frame	*f = NULL, *push = NULL;
	struct peer	*s, *full = NULL;
	size_t		 i;

	for (i = 0; i < subs->n; i++) {
		s = subs->v[i];
		if (s->nolocal != 0 && from != NULL && s->nolocal == from->id)
			continue;
		(*receivers)++;
		if (s->flags & PEER_RESP3) {
			if (push == NULL &&
			    (push = topic_frame(pushp, '>', n, parts, lens)) ==
			    NULL)
				fatal("topic_deliver");
			peer_send_frame(s, push, subs->n == 1);
		} else {
			if (f == NULL &&
			    (f = topic_frame(fp, '*', n, parts, lens)) == NULL)
				fatal("topic_deliver");
			peer_send_frame(s, f, subs->n == 1);
		}
		if (full == NULL && peer_full(s))
			full = s;
	}
	return (full);
}

/*
 * Publish PAYLOAD on NAME for FROM.  Returns how many subscriptions it
 * went to, as Redis counts them: a peer holding the topic and a matching
 * pattern gets it twice.  When a receiver is over its high-water mark,
 * FROM is paused after this message.
 *
 * XXX Every publish tests the topic against every pattern, so its cost
 * grows with the number of distinct patterns; an index of the patterns'
 * literal prefixes would lift that.
 */
long long
topic_publish(struct peer *from, const char *name, size_t len,
    const char *payload, size_t plen)
{
	static const char	 message[] = "message", pmessage[] = "pmessage";
	struct topic		*t = topic_find(name, len);
	struct pattern		*pat;
	struct peer		*full = NULL, *s;
	const char		*parts[4];
	size_t			 lens[4];
	long long		 receivers = 0;

	stats.messages_in++;
	if (t == NULL)
		t = topic_get(name, len);
	t->messages++;
	t->last_published = time(NULL);

	if (t->subscribers.n > 0) {
		parts[0] = message, lens[0] = sizeof(message) - 1;
		parts[1] = name, lens[1] = len;
		parts[2] = payload, lens[2] = plen;
		s = topic_deliver(from, &t->subscribers, &frame_message,
		    &frame_push, 3, parts, lens, &receivers);
		if (full == NULL)
			full = s;
	}

	TAILQ_FOREACH(pat, &all_patterns, entry) {
		if (!glob_match(pat->glob, pat->len, name, len))
			continue;
		parts[0] = pmessage, lens[0] = sizeof(pmessage) - 1;
		parts[1] = pat->glob, lens[1] = pat->len;
		parts[2] = name, lens[2] = len;
		parts[3] = payload, lens[3] = plen;
		s = topic_deliver(from, &pat->subscribers, &frame_pmessage,
		    &frame_ppush, 4, parts, lens, &receivers);
		if (full == NULL)
			full = s;
	}

	if (full != NULL && from != NULL)
		peer_pause(from, full);
	return (receivers);
}
