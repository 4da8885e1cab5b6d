/*
 * command.c: the commands the daemon answers, and how it replies.  Reply
 * shapes and error texts are Redis's, so that Redis clients work as they
 * do against a Redis server.
 */

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cxbusd.h"

#define CMD_SUBOK	0x01	/* allowed on a subscribed RESP2 connection */

/*
 * One command: its name, Redis's arity (N: exactly N words with the
 * name; -N: at least N) and its handler.
 */
struct cmd_entry {
	const char	*name;
	int		 arity;
	int		 flags;
	void		(*exec)(struct peer *, int, char **, size_t *);
};

static void	 cmd_publish(struct peer *, int, char **, size_t *);
static void	 cmd_subscribe(struct peer *, int, char **, size_t *);
static void	 cmd_unsubscribe(struct peer *, int, char **, size_t *);
static void	 cmd_psubscribe(struct peer *, int, char **, size_t *);
static void	 cmd_punsubscribe(struct peer *, int, char **, size_t *);
static void	 cmd_ping(struct peer *, int, char **, size_t *);
static void	 cmd_echo(struct peer *, int, char **, size_t *);
static void	 cmd_hello(struct peer *, int, char **, size_t *);
static void	 cmd_auth(struct peer *, int, char **, size_t *);
static void	 cmd_quit(struct peer *, int, char **, size_t *);
static void	 cmd_reset(struct peer *, int, char **, size_t *);
static void	 cmd_client(struct peer *, int, char **, size_t *);
static void	 cmd_command(struct peer *, int, char **, size_t *);
static void	 cmd_pubsub(struct peer *, int, char **, size_t *);
static void	 cmd_config(struct peer *, int, char **, size_t *);
static void	 cmd_info(struct peer *, int, char **, size_t *);
static void	 cmd_topics(struct peer *, int, char **, size_t *);
static void	 cmd_status(struct peer *, int, char **, size_t *);
static void	 cmd_nolocal(struct peer *, int, char **, size_t *);
static void	 cmd_lossy(struct peer *, int, char **, size_t *);
static void	 cmd_notify(struct peer *, int, char **, size_t *);

/* PUBLISH first: it is by far the most frequent. */
static const struct cmd_entry cmd_table[] = {
	{ "publish", 3, 0, cmd_publish },
	{ "subscribe", -2, CMD_SUBOK, cmd_subscribe },
	{ "unsubscribe", -1, CMD_SUBOK, cmd_unsubscribe },
	{ "psubscribe", -2, CMD_SUBOK, cmd_psubscribe },
	{ "punsubscribe", -1, CMD_SUBOK, cmd_punsubscribe },
	{ "ping", -1, CMD_SUBOK, cmd_ping },
	{ "echo", 2, 0, cmd_echo },
	{ "hello", -1, 0, cmd_hello },
	{ "auth", -2, 0, cmd_auth },
	{ "quit", -1, CMD_SUBOK, cmd_quit },
	{ "reset", 1, CMD_SUBOK, cmd_reset },
	{ "client", -2, 0, cmd_client },
	{ "command", -1, 0, cmd_command },
	{ "pubsub", -2, 0, cmd_pubsub },
	{ "config", -2, 0, cmd_config },
	{ "info", -1, 0, cmd_info },
	{ "cxbus.topics", -1, 0, cmd_topics },
	{ "cxbus.status", 1, 0, cmd_status },
	{ "cxbus.nolocal", 2, 0, cmd_nolocal },
	{ "cxbus.lossy", 1, 0, cmd_lossy },
	{ "cxbus.notify", 1, 0, cmd_notify },
};

/* The Redis version whose pub/sub behaviour this daemon follows. */
#define REDIS_COMPAT_VERSION	"7.0.0"

/* Whether ARG (LEN bytes) is NAME, ignoring case. */
static int
is_word(const char *arg, size_t len, const char *name)
{
	return (strlen(name) == len && strncasecmp(arg, name, len) == 0);
}

/*
 * Read a decimal number of LEN bytes; arguments are not NUL-terminated,
 * so strtol would run on into the bytes after them.
 */
static int
parse_number(const char *s, size_t len, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long	 v = 0;
	size_t			 i;

	if (len == 0 || len > 20)
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		if (v > (max - (s[i] - '0')) / 10)
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (0);
}

/* An error reply; FMT starts with the error code ("ERR ..."). */
void
reply_error(struct peer *p, const char *fmt, ...)
{
	char	 line[512];
	va_list	 ap;
	int	 n;

	line[0] = '-';
	va_start(ap, fmt);
	n = vsnprintf(line + 1, sizeof(line) - 3, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 4)
		n = sizeof(line) - 4;
	/* A newline inside would break the protocol. */
	for (int i = 1; i <= n; i++)
		if (line[i] == '\r' || line[i] == '\n')
			line[i] = ' ';
	memcpy(line + 1 + n, "\r\n", 2);
	peer_reply(p, line, n + 3);
}

/* A one-line reply of type TYPE: "+OK" and the like. */
void
reply_line(struct peer *p, char type, const char *text)
{
	char	 line[256];
	int	 n;

	n = snprintf(line, sizeof(line), "%c%s\r\n", type, text);
	peer_reply(p, line, n);
}

/* The header of an aggregate: TYPE and a count. */
static void
reply_header(struct peer *p, char type, long long n)
{
	char	 num[32], *s;
	char	*end = num + sizeof(num);

	*--end = '\n';
	*--end = '\r';
	if (n < 0) {
		s = end - 2;
		s[0] = '-', s[1] = '1';
	} else
		s = resp_ulltoa(n, end);
	*--s = type;
	peer_reply(p, s, num + sizeof(num) - s);
}

/* An integer reply. */
void
reply_int(struct peer *p, long long v)
{
	if (v < 0) {
		char	 line[32];
		int	 n = snprintf(line, sizeof(line), ":%lld\r\n", v);

		peer_reply(p, line, n);
		return;
	}
	reply_header(p, ':', v);
}

/* A bulk string reply. */
void
reply_bulk(struct peer *p, const void *data, size_t len)
{
	reply_header(p, '$', len);
	peer_reply(p, data, len);
	peer_reply(p, "\r\n", 2);
}

/* The header of an array of N elements. */
void
reply_array(struct peer *p, size_t n)
{
	reply_header(p, '*', n);
}

/* The header of a push (RESP3) or of an array (RESP2). */
void
reply_push(struct peer *p, size_t n)
{
	reply_header(p, (p->flags & PEER_RESP3) ? '>' : '*', n);
}

/* The header of a map of N pairs; RESP2 has flat arrays instead. */
void
reply_map(struct peer *p, size_t n)
{
	if (p->flags & PEER_RESP3)
		reply_header(p, '%', n);
	else
		reply_header(p, '*', n * 2);
}

/* A null, in the form the peer's protocol version has. */
void
reply_null(struct peer *p)
{
	if (p->flags & PEER_RESP3)
		peer_reply(p, "_\r\n", 3);
	else
		peer_reply(p, "$-1\r\n", 5);
}

/* A bulk reply of a C string. */
static void
reply_cstr(struct peer *p, const char *s)
{
	reply_bulk(p, s, strlen(s));
}

/* Whether P is in RESP2's subscribed mode. */
static int
peer_subscribed(struct peer *p)
{
	return (p->topics.n + p->patterns.n > 0);
}

/* Redis's error for a command it does not know, its arguments quoted. */
static void
reply_unknown(struct peer *p, int argc, char **argv, size_t *lens)
{
	char	 args[160];
	size_t	 used = 0;
	int	 i, n;

	args[0] = '\0';
	for (i = 1; i < argc && used < 128; i++) {
		n = snprintf(args + used, sizeof(args) - used, "'%.*s' ",
		    (int)(lens[i] < 128 - used ? lens[i] : 128 - used),
		    argv[i]);
		if (n < 0 || (size_t)n >= sizeof(args) - used)
			break;
		used += n;
	}
	reply_error(p, "ERR unknown command '%.*s', with args beginning "
	    "with: %s", (int)(lens[0] < 128 ? lens[0] : 128), argv[0], args);
}

/* Redis's error for a bad subcommand of CMD. */
static void
reply_unknown_sub(struct peer *p, const char *cmd, char *arg, size_t len)
{
	reply_error(p, "ERR unknown subcommand '%.*s'. Try %s HELP.",
	    (int)(len < 128 ? len : 128), arg, cmd);
}

/* Find the command, check its arity and context, and run it. */
void
command_run(struct peer *p, struct resp_args *args)
{
	const struct cmd_entry	*ce = NULL;
	size_t			 i;
	int			 argc = args->argc;

	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++) {
		if (is_word(args->argv[0], args->lens[0], cmd_table[i].name)) {
			ce = &cmd_table[i];
			break;
		}
	}
	if (ce == NULL) {
		reply_unknown(p, argc, args->argv, args->lens);
		return;
	}
	if ((ce->arity > 0 && argc != ce->arity) ||
	    (ce->arity < 0 && argc < -ce->arity)) {
		reply_error(p, "ERR wrong number of arguments for '%s' "
		    "command", ce->name);
		return;
	}
	if (!(p->flags & PEER_RESP3) && !(ce->flags & CMD_SUBOK) &&
	    peer_subscribed(p)) {
		reply_error(p, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / "
		    "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
		    "this context", ce->name);
		return;
	}
	ce->exec(p, argc, args->argv, args->lens);
}

/*
 * PUBLISH topic payload: the number of subscriptions it reached.  A
 * payload over the limit is refused here when the protocol's own bulk
 * limit let it through (a small --max-message, or an inline command).
 */
static void
cmd_publish(struct peer *p, int argc, char **argv, size_t *lens)
{
	if (lens[2] > opt.max_message) {
		reply_error(p, "ERR message of %zu bytes is over the limit of "
		    "%zu bytes (cxbusd --max-message)", lens[2],
		    opt.max_message);
		return;
	}
	reply_int(p, topic_publish(p, argv[1], lens[1], argv[2], lens[2]));
}

/* One confirmation of (un)subscribing: kind, name (or null), count. */
static void
reply_subscription(struct peer *p, const char *kind, const char *name,
    size_t len)
{
	reply_push(p, 3);
	reply_cstr(p, kind);
	if (name != NULL)
		reply_bulk(p, name, len);
	else
		reply_null(p);
	reply_int(p, p->topics.n + p->patterns.n);
}

/* SUBSCRIBE topic...: a confirmation for each. */
static void
cmd_subscribe(struct peer *p, int argc, char **argv, size_t *lens)
{
	int	 i;

	for (i = 1; i < argc; i++) {
		topic_subscribe(p, argv[i], lens[i]);
		reply_subscription(p, "subscribe", argv[i], lens[i]);
	}
}

/* UNSUBSCRIBE [topic...]: without names, every topic the peer holds. */
static void
cmd_unsubscribe(struct peer *p, int argc, char **argv, size_t *lens)
{
	struct topic	*t;
	int		 i;

	if (argc == 1) {
		if (p->topics.n == 0)
			reply_subscription(p, "unsubscribe", NULL, 0);
		while (p->topics.n > 0) {
			t = p->topics.v[0];
			reply_push(p, 3);
			reply_cstr(p, "unsubscribe");
			reply_bulk(p, t->name, t->len);
			topic_unsubscribe(p, t);
			reply_int(p, p->topics.n + p->patterns.n);
		}
		return;
	}
	for (i = 1; i < argc; i++) {
		if ((t = topic_find(argv[i], lens[i])) != NULL)
			topic_unsubscribe(p, t);
		reply_subscription(p, "unsubscribe", argv[i], lens[i]);
	}
}

/* PSUBSCRIBE pattern...: a confirmation for each. */
static void
cmd_psubscribe(struct peer *p, int argc, char **argv, size_t *lens)
{
	int	 i;

	for (i = 1; i < argc; i++) {
		pattern_subscribe(p, argv[i], lens[i]);
		reply_subscription(p, "psubscribe", argv[i], lens[i]);
	}
}

/* PUNSUBSCRIBE [pattern...]: without names, every pattern held. */
static void
cmd_punsubscribe(struct peer *p, int argc, char **argv, size_t *lens)
{
	struct pattern	*pat;
	char		*glob;
	size_t		 len;
	int		 i;

	if (argc == 1) {
		if (p->patterns.n == 0)
			reply_subscription(p, "punsubscribe", NULL, 0);
		while (p->patterns.n > 0) {
			pat = p->patterns.v[0];
			len = pat->len;
			if ((glob = malloc(len + 1)) == NULL)
				fatal("punsubscribe");
			memcpy(glob, pat->glob, len);
			pattern_unsubscribe(p, pat);
			reply_subscription(p, "punsubscribe", glob, len);
			free(glob);
		}
		return;
	}
	for (i = 1; i < argc; i++) {
		if ((pat = pattern_find(argv[i], lens[i])) != NULL)
			pattern_unsubscribe(p, pat);
		reply_subscription(p, "punsubscribe", argv[i], lens[i]);
	}
}

/* PING [message]; a subscribed RESP2 peer gets ["pong", message]. */
static void
cmd_ping(struct peer *p, int argc, char **argv, size_t *lens)
{
	if (argc > 2) {
		reply_error(p, "ERR wrong number of arguments for 'ping' "
		    "command");
		return;
	}
	if (!(p->flags & PEER_RESP3) && peer_subscribed(p)) {
		reply_array(p, 2);
		reply_cstr(p, "pong");
		reply_bulk(p, argc == 2 ? argv[1] : "", argc == 2 ? lens[1] : 0);
	} else if (argc == 2)
		reply_bulk(p, argv[1], lens[1]);
	else
		reply_line(p, '+', "PONG");
}

/* ECHO message. */
static void
cmd_echo(struct peer *p, int argc, char **argv, size_t *lens)
{
	reply_bulk(p, argv[1], lens[1]);
}

/* Whether NAME is a valid client name: printable, no spaces. */
static int
client_name_ok(const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (name[i] < '!' || name[i] > '~')
			return (0);
	return (1);
}

/* Set the connection's name; an empty name clears it. */
static int
client_setname(struct peer *p, const char *name, size_t len)
{
	if (!client_name_ok(name, len)) {
		reply_error(p, "ERR Client names cannot contain spaces, "
		    "newlines or special characters.");
		return (-1);
	}
	free(p->name);
	p->name = NULL;
	if (len > 0 && (p->name = strndup(name, len)) == NULL)
		fatal("client_setname");
	return (0);
}

/*
 * HELLO [protover [AUTH user pass] [SETNAME name]]: switch protocol and
 * describe the server.  There is no password: any AUTH is accepted, as a
 * Redis server without one accepts the default user.
 */
static void
cmd_hello(struct peer *p, int argc, char **argv, size_t *lens)
{
	unsigned long long	 ver = (p->flags & PEER_RESP3) ? 3 : 2;
	int			 i;

	if (argc >= 2) {
		if (parse_number(argv[1], lens[1], INT32_MAX, &ver) == -1 ||
		    ver < 1) {
			reply_error(p, "ERR Protocol version is not an integer "
			    "or out of range");
			return;
		}
		if (ver != 2 && ver != 3) {
			reply_error(p, "NOPROTO unsupported protocol version");
			return;
		}
	}
	for (i = 2; i < argc; i++) {
		if (is_word(argv[i], lens[i], "auth") && i + 2 < argc)
			i += 2;
		else if (is_word(argv[i], lens[i], "setname") &&
		    i + 1 < argc) {
			if (client_setname(p, argv[i + 1], lens[i + 1]) == -1)
				return;
			i++;
		} else {
			reply_error(p, "ERR Syntax error in HELLO option "
			    "'%.*s'", (int)lens[i], argv[i]);
			return;
		}
	}

	if (ver == 3)
		p->flags |= PEER_RESP3;
	else
		p->flags &= ~PEER_RESP3;
	reply_map(p, 7);
	reply_cstr(p, "server");
	reply_cstr(p, "cxbus");
	reply_cstr(p, "version");
	reply_cstr(p, REDIS_COMPAT_VERSION);
	reply_cstr(p, "proto");
	reply_int(p, ver);
	reply_cstr(p, "id");
	reply_int(p, p->id);
	reply_cstr(p, "mode");
	reply_cstr(p, "standalone");
	reply_cstr(p, "role");
	reply_cstr(p, "master");
	reply_cstr(p, "modules");
	reply_array(p, 0);
}

/* AUTH [user] password, answered as a Redis server with no password. */
static void
cmd_auth(struct peer *p, int argc, char **argv, size_t *lens)
{
	if (argc > 3) {
		reply_error(p, "ERR syntax error");
		return;
	}
	if (argc == 2) {
		reply_error(p, "ERR AUTH <password> called without any "
		    "password configured for the default user. Are you sure "
		    "your configuration is correct?");
		return;
	}
	if (!is_word(argv[1], lens[1], "default")) {
		reply_error(p, "WRONGPASS invalid username-password pair or "
		    "user is disabled.");
		return;
	}
	reply_line(p, '+', "OK");
}

/* QUIT: answer, then close once the answer is written. */
static void
cmd_quit(struct peer *p, int argc, char **argv, size_t *lens)
{
	reply_line(p, '+', "OK");
	p->flags |= PEER_CLOSING;
}

/* RESET: back to a fresh connection's state. */
static void
cmd_reset(struct peer *p, int argc, char **argv, size_t *lens)
{
	topic_drop_peer(p);
	p->flags &= ~PEER_RESP3;
	free(p->name);
	p->name = NULL;
	reply_line(p, '+', "RESET");
}

/* CLIENT ID | GETNAME | SETNAME name | SETINFO attr value. */
static void
cmd_client(struct peer *p, int argc, char **argv, size_t *lens)
{
	const char	*sub = NULL;

	if (is_word(argv[1], lens[1], "id"))
		sub = argc == 2 ? "" : "id";
	else if (is_word(argv[1], lens[1], "getname"))
		sub = argc == 2 ? "" : "getname";
	else if (is_word(argv[1], lens[1], "setname"))
		sub = argc == 3 ? "" : "setname";
	else if (is_word(argv[1], lens[1], "setinfo"))
		sub = argc == 4 ? "" : "setinfo";
	if (sub == NULL) {
		reply_unknown_sub(p, "CLIENT", argv[1], lens[1]);
		return;
	}
	if (*sub != '\0') {
		reply_error(p, "ERR wrong number of arguments for 'client|%s' "
		    "command", sub);
		return;
	}

	if (is_word(argv[1], lens[1], "id"))
		reply_int(p, p->id);
	else if (is_word(argv[1], lens[1], "getname")) {
		if (p->name == NULL)
			reply_null(p);
		else
			reply_cstr(p, p->name);
	} else if (is_word(argv[1], lens[1], "setname")) {
		if (client_setname(p, argv[2], lens[2]) == 0)
			reply_line(p, '+', "OK");
	} else
		reply_line(p, '+', "OK");
}

/*
 * COMMAND [COUNT | DOCS | INFO ...]: clients ask this at start; an empty
 * table tells them nothing is special, which is true here.
 */
static void
cmd_command(struct peer *p, int argc, char **argv, size_t *lens)
{
	if (argc >= 2 && is_word(argv[1], lens[1], "count"))
		reply_int(p, sizeof(cmd_table) / sizeof(cmd_table[0]));
	else if (argc == 1 || is_word(argv[1], lens[1], "docs") ||
	    is_word(argv[1], lens[1], "info") ||
	    is_word(argv[1], lens[1], "list"))
		reply_array(p, 0);
	else
		reply_unknown_sub(p, "COMMAND", argv[1], lens[1]);
}

/* PUBSUB CHANNELS [pattern] | NUMSUB [topic...] | NUMPAT. */
static void
cmd_pubsub(struct peer *p, int argc, char **argv, size_t *lens)
{
	struct topic	*t;
	size_t		 n = 0;
	int		 i;

	if (is_word(argv[1], lens[1], "channels")) {
		if (argc > 3) {
			reply_error(p, "ERR wrong number of arguments for "
			    "'pubsub|channels' command");
			return;
		}
		RB_FOREACH(t, topics, &all_topics)
			if (t->subscribers.n > 0 && (argc == 2 ||
			    glob_match(argv[2], lens[2], t->name, t->len)))
				n++;
		reply_array(p, n);
		RB_FOREACH(t, topics, &all_topics)
			if (t->subscribers.n > 0 && (argc == 2 ||
			    glob_match(argv[2], lens[2], t->name, t->len)))
				reply_bulk(p, t->name, t->len);
	} else if (is_word(argv[1], lens[1], "numsub")) {
		reply_array(p, (argc - 2) * 2);
		for (i = 2; i < argc; i++) {
			t = topic_find(argv[i], lens[i]);
			reply_bulk(p, argv[i], lens[i]);
			reply_int(p, t != NULL ? t->subscribers.n : 0);
		}
	} else if (is_word(argv[1], lens[1], "numpat")) {
		if (argc != 2) {
			reply_error(p, "ERR wrong number of arguments for "
			    "'pubsub|numpat' command");
			return;
		}
		reply_int(p, npatterns);
	} else
		reply_unknown_sub(p, "PUBSUB", argv[1], lens[1]);
}

/*
 * CONFIG GET parameter: only proto-max-bulk-len, the largest message,
 * which clients read to check a message before they send it.
 */
static void
cmd_config(struct peer *p, int argc, char **argv, size_t *lens)
{
	char	 num[32];

	if (!is_word(argv[1], lens[1], "get")) {
		reply_unknown_sub(p, "CONFIG", argv[1], lens[1]);
		return;
	}
	if (argc != 3) {
		reply_error(p, "ERR wrong number of arguments for 'config|get' "
		    "command");
		return;
	}
	if (!glob_match(argv[2], lens[2], "proto-max-bulk-len", 18)) {
		reply_map(p, 0);
		return;
	}
	snprintf(num, sizeof(num), "%zu", opt.max_message);
	reply_map(p, 1);
	reply_cstr(p, "proto-max-bulk-len");
	reply_cstr(p, num);
}

/* INFO [section]: what client libraries look for before they start. */
static void
cmd_info(struct peer *p, int argc, char **argv, size_t *lens)
{
	char	 text[1024];
	int	 n;

	n = snprintf(text, sizeof(text),
	    "# Server\r\n"
	    "redis_version:%s\r\n"
	    "cxbus_version:%s\r\n"
	    "redis_mode:standalone\r\n"
	    "process_id:%ld\r\n"
	    "uptime_in_seconds:%lld\r\n"
	    "\r\n"
	    "# Clients\r\n"
	    "connected_clients:%u\r\n"
	    "\r\n"
	    "# Stats\r\n"
	    "total_connections_received:%llu\r\n"
	    "pubsub_channels:%zu\r\n"
	    "pubsub_patterns:%u\r\n",
	    REDIS_COMPAT_VERSION, CXBUS_VERSION, (long)getpid(),
	    (long long)(time(NULL) - stats.started), npeers,
	    (unsigned long long)stats.clients_total, topic_count(),
	    npatterns);
	if (p->flags & PEER_RESP3) {
		reply_header(p, '=', n + 4);
		peer_reply(p, "txt:", 4);
		peer_reply(p, text, n);
		peer_reply(p, "\r\n", 2);
	} else
		reply_bulk(p, text, n);
}

/*
 * CXBUS.TOPICS [pattern]: for each topic, an array of name, subscribers,
 * messages published, last publish time (Unix seconds, 0 for never),
 * and whether it has a retained value.
 */
static void
cmd_topics(struct peer *p, int argc, char **argv, size_t *lens)
{
	struct topic	*t;
	size_t		 n = 0;

	if (argc > 2) {
		reply_error(p, "ERR wrong number of arguments for "
		    "'cxbus.topics' command");
		return;
	}
	RB_FOREACH(t, topics, &all_topics)
		if (argc == 1 || glob_match(argv[1], lens[1], t->name, t->len))
			n++;
	reply_array(p, n);
	RB_FOREACH(t, topics, &all_topics) {
		if (argc == 2 && !glob_match(argv[1], lens[1], t->name, t->len))
			continue;
		reply_array(p, 5);
		reply_bulk(p, t->name, t->len);
		reply_int(p, t->subscribers.n);
		reply_int(p, t->messages);
		reply_int(p, t->messages > 0 ? t->last_published : 0);
		reply_int(p, 0);
	}
}

/* One name and number of CXBUS.STATUS. */
static void
reply_stat(struct peer *p, const char *name, long long value)
{
	reply_cstr(p, name);
	reply_int(p, value);
}

/* CXBUS.STATUS: the daemon's figures as a map. */
static void
cmd_status(struct peer *p, int argc, char **argv, size_t *lens)
{
	struct peer	*q;
	long long	 subs = 0, queued = 0;

	TAILQ_FOREACH(q, &all_peers, entry) {
		subs += q->topics.n + q->patterns.n;
		queued += q->outbytes;
	}
	reply_map(p, 13);
	reply_stat(p, "pid", getpid());
	reply_cstr(p, "version");
	reply_cstr(p, CXBUS_VERSION);
	reply_stat(p, "uptime", time(NULL) - stats.started);
	reply_cstr(p, "socket");
	reply_cstr(p, opt.socket);
	reply_stat(p, "clients", npeers);
	reply_stat(p, "subscriptions", subs);
	reply_stat(p, "patterns", npatterns);
	reply_stat(p, "topics", topic_count());
	reply_stat(p, "messages_in", stats.messages_in);
	reply_stat(p, "messages_out", stats.messages_out);
	reply_stat(p, "messages_dropped", stats.messages_dropped);
	reply_stat(p, "queued_bytes", queued);
	reply_stat(p, "memory", mallinfo2().uordblks);
}

/*
 * CXBUS.NOLOCAL id: deliver nothing to this connection that client ID
 * publishes (0: everything again).  `cxbus pipe` publishes on one
 * connection and listens on another, and must not hear itself.
 */
static void
cmd_nolocal(struct peer *p, int argc, char **argv, size_t *lens)
{
	unsigned long long	 id;

	if (parse_number(argv[1], lens[1], UINT64_MAX, &id) == -1) {
		reply_error(p, "ERR value is not an integer or out of range");
		return;
	}
	p->nolocal = id;
	reply_line(p, '+', "OK");
}

/*
 * CXBUS.LOSSY: this connection never holds publishers back; what does
 * not fit in its queue is dropped and counted.
 */
static void
cmd_lossy(struct peer *p, int argc, char **argv, size_t *lens)
{
	p->flags |= PEER_LOSSY;
	reply_line(p, '+', "OK");
}

/*
 * CXBUS.NOTIFY: after losing messages, this connection is told how many,
 * as a message on the topic cxbus.dropped once its queue has room.
 */
static void
cmd_notify(struct peer *p, int argc, char **argv, size_t *lens)
{
	p->flags |= PEER_NOTIFY;
	reply_line(p, '+', "OK");
}
