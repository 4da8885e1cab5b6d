/*
 * command.c: the commands the daemon answers, and how it replies.  Reply
 * shapes and error texts are Redis's, so that Redis clients work as they
 * do against a Redis server.
 */

#include <sys/resource.h>
#include <sys/utsname.h>

#include <ctype.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <bsd/string.h>

#include "cxbusd.h"

#define CMD_SUBOK	0x01	/* allowed on a subscribed RESP2 connection */

/* Flags of a documented argument. */
#define ARG_OPTIONAL	0x01
#define ARG_MULTIPLE	0x02

/*
 * One argument as COMMAND DOCS describes it: redis-cli builds its help
 * and its typing hints from these.  A block or a oneof has members.
 */
struct cmd_arg {
	const char		*name;
	const char		*type;
	const char		*token;
	int			 flags;
	const struct cmd_arg	*args;
};
#define ARG_END		{ .name = NULL }

/*
 * One command or subcommand: its name, Redis's arity (N: exactly N words
 * with the name; -N: at least N), its handler or, for a container such as
 * CLIENT, its subcommands, and what COMMAND INFO and COMMAND DOCS say of
 * it.  Flags and ACL categories are space-separated words.
 */
struct cmd_entry {
	const char		*name;
	int			 arity;
	int			 flags;
	void			(*exec)(struct peer *, int, char **,
				    size_t *);
	const struct cmd_entry	*subs;
	const char		*summary;
	const char		*since;
	const char		*group;
	const char		*info_flags;
	const char		*acl;
	const struct cmd_arg	*args;
};
#define CMD_END		{ .name = NULL }

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
static void	 cmd_select(struct peer *, int, char **, size_t *);
static void	 cmd_client_id(struct peer *, int, char **, size_t *);
static void	 cmd_client_getname(struct peer *, int, char **, size_t *);
static void	 cmd_client_setname(struct peer *, int, char **, size_t *);
static void	 cmd_client_setinfo(struct peer *, int, char **, size_t *);
static void	 cmd_command(struct peer *, int, char **, size_t *);
static void	 cmd_command_count(struct peer *, int, char **, size_t *);
static void	 cmd_command_docs(struct peer *, int, char **, size_t *);
static void	 cmd_command_info(struct peer *, int, char **, size_t *);
static void	 cmd_command_list(struct peer *, int, char **, size_t *);
static void	 cmd_pubsub_channels(struct peer *, int, char **, size_t *);
static void	 cmd_pubsub_numsub(struct peer *, int, char **, size_t *);
static void	 cmd_pubsub_numpat(struct peer *, int, char **, size_t *);
static void	 cmd_config_get(struct peer *, int, char **, size_t *);
static void	 cmd_config_set(struct peer *, int, char **, size_t *);
static void	 cmd_help(struct peer *, int, char **, size_t *);
static void	 cmd_info(struct peer *, int, char **, size_t *);
static void	 cmd_topics(struct peer *, int, char **, size_t *);
static void	 cmd_status(struct peer *, int, char **, size_t *);
static void	 cmd_nolocal(struct peer *, int, char **, size_t *);
static void	 cmd_lossy(struct peer *, int, char **, size_t *);
static void	 cmd_notify(struct peer *, int, char **, size_t *);

static const struct cmd_arg args_channels[] = {
	{ "channel", "string", NULL, ARG_MULTIPLE, NULL },
	ARG_END
};
static const struct cmd_arg args_opt_channels[] = {
	{ "channel", "string", NULL, ARG_OPTIONAL | ARG_MULTIPLE, NULL },
	ARG_END
};
static const struct cmd_arg args_patterns[] = {
	{ "pattern", "pattern", NULL, ARG_MULTIPLE, NULL },
	ARG_END
};
static const struct cmd_arg args_opt_patterns[] = {
	{ "pattern", "pattern", NULL, ARG_OPTIONAL | ARG_MULTIPLE, NULL },
	ARG_END
};
static const struct cmd_arg args_opt_pattern[] = {
	{ "pattern", "pattern", NULL, ARG_OPTIONAL, NULL },
	ARG_END
};
static const struct cmd_arg args_publish[] = {
	{ "channel", "string", NULL, 0, NULL },
	{ "message", "string", NULL, 0, NULL },
	ARG_END
};
static const struct cmd_arg args_message[] = {
	{ "message", "string", NULL, 0, NULL },
	ARG_END
};
static const struct cmd_arg args_opt_message[] = {
	{ "message", "string", NULL, ARG_OPTIONAL, NULL },
	ARG_END
};
static const struct cmd_arg args_user_pass[] = {
	{ "username", "string", NULL, 0, NULL },
	{ "password", "string", NULL, 0, NULL },
	ARG_END
};
static const struct cmd_arg args_hello_block[] = {
	{ "protover", "integer", NULL, 0, NULL },
	{ "username_password", "block", "AUTH", ARG_OPTIONAL, args_user_pass },
	{ "clientname", "string", "SETNAME", ARG_OPTIONAL, NULL },
	ARG_END
};
static const struct cmd_arg args_hello[] = {
	{ "arguments", "block", NULL, ARG_OPTIONAL, args_hello_block },
	ARG_END
};
static const struct cmd_arg args_auth[] = {
	{ "username", "string", NULL, ARG_OPTIONAL, NULL },
	{ "password", "string", NULL, 0, NULL },
	ARG_END
};
static const struct cmd_arg args_select[] = {
	{ "index", "integer", NULL, 0, NULL },
	ARG_END
};
static const struct cmd_arg args_setname[] = {
	{ "connection-name", "string", NULL, 0, NULL },
	ARG_END
};
static const struct cmd_arg args_setinfo_attr[] = {
	{ "libname", "string", "LIB-NAME", 0, NULL },
	{ "libver", "string", "LIB-VER", 0, NULL },
	ARG_END
};
static const struct cmd_arg args_setinfo[] = {
	{ "attr", "oneof", NULL, 0, args_setinfo_attr },
	ARG_END
};
static const struct cmd_arg args_command_names[] = {
	{ "command-name", "string", NULL, ARG_OPTIONAL | ARG_MULTIPLE, NULL },
	ARG_END
};
static const struct cmd_arg args_filter[] = {
	{ "module-name", "string", "MODULE", 0, NULL },
	{ "category", "string", "ACLCAT", 0, NULL },
	{ "pattern", "pattern", "PATTERN", 0, NULL },
	ARG_END
};
static const struct cmd_arg args_command_list[] = {
	{ "filterby", "oneof", "FILTERBY", ARG_OPTIONAL, args_filter },
	ARG_END
};
static const struct cmd_arg args_config_get[] = {
	{ "parameter", "string", NULL, ARG_MULTIPLE, NULL },
	ARG_END
};
static const struct cmd_arg args_config_pair[] = {
	{ "parameter", "string", NULL, 0, NULL },
	{ "value", "string", NULL, 0, NULL },
	ARG_END
};
static const struct cmd_arg args_config_set[] = {
	{ "data", "block", NULL, ARG_MULTIPLE, args_config_pair },
	ARG_END
};
static const struct cmd_arg args_info[] = {
	{ "section", "string", NULL, ARG_OPTIONAL | ARG_MULTIPLE, NULL },
	ARG_END
};
static const struct cmd_arg args_nolocal[] = {
	{ "client-id", "integer", NULL, 0, NULL },
	ARG_END
};

/* Words shared by many entries below. */
#define CONN_FLAGS	"noscript loading stale fast no_auth allow_busy"
#define CONN_ACL	"@fast @connection"
#define SUB_FLAGS	"pubsub noscript loading stale"

static const struct cmd_entry client_subs[] = {
	{ .name = "getname", .arity = 2, .exec = cmd_client_getname,
	    .summary = "Return the name of the connection",
	    .since = "2.6.9", .group = "connection",
	    .info_flags = "noscript loading stale",
	    .acl = "@slow @connection" },
	{ .name = "help", .arity = 2, .exec = cmd_help,
	    .summary = "List the CLIENT subcommands",
	    .since = "5.0.0", .group = "connection",
	    .info_flags = "loading stale", .acl = "@slow @connection" },
	{ .name = "id", .arity = 2, .exec = cmd_client_id,
	    .summary = "Return the ID of the connection",
	    .since = "5.0.0", .group = "connection",
	    .info_flags = "noscript loading stale",
	    .acl = "@slow @connection" },
	{ .name = "setinfo", .arity = 4, .exec = cmd_client_setinfo,
	    .summary = "Record the name or version of the client library",
	    .since = "7.2.0", .group = "connection",
	    .info_flags = "noscript loading stale",
	    .acl = "@slow @connection", .args = args_setinfo },
	{ .name = "setname", .arity = 3, .exec = cmd_client_setname,
	    .summary = "Name the connection (an empty name clears it)",
	    .since = "2.6.9", .group = "connection",
	    .info_flags = "noscript loading stale",
	    .acl = "@slow @connection", .args = args_setname },
	CMD_END
};

static const struct cmd_entry command_subs[] = {
	{ .name = "count", .arity = 2, .exec = cmd_command_count,
	    .summary = "Return how many commands the server has",
	    .since = "2.8.13", .group = "server",
	    .info_flags = "loading stale", .acl = "@slow @connection" },
	{ .name = "docs", .arity = -2, .exec = cmd_command_docs,
	    .summary = "Describe commands and their arguments",
	    .since = "7.0.0", .group = "server",
	    .info_flags = "loading stale", .acl = "@slow @connection",
	    .args = args_command_names },
	{ .name = "help", .arity = 2, .exec = cmd_help,
	    .summary = "List the COMMAND subcommands",
	    .since = "5.0.0", .group = "server",
	    .info_flags = "loading stale", .acl = "@slow @connection" },
	{ .name = "info", .arity = -2, .exec = cmd_command_info,
	    .summary = "Return the arity, flags and categories of commands",
	    .since = "2.8.13", .group = "server",
	    .info_flags = "loading stale", .acl = "@slow @connection",
	    .args = args_command_names },
	{ .name = "list", .arity = -2, .exec = cmd_command_list,
	    .summary = "Return the names of the commands",
	    .since = "7.0.0", .group = "server",
	    .info_flags = "loading stale", .acl = "@slow @connection",
	    .args = args_command_list },
	CMD_END
};

static const struct cmd_entry config_subs[] = {
	{ .name = "get", .arity = -3, .exec = cmd_config_get,
	    .summary = "Return the parameters matching glob patterns; "
	    "only proto-max-bulk-len, the message limit, is known",
	    .since = "2.0.0", .group = "server",
	    .info_flags = "admin noscript loading stale",
	    .acl = "@admin @slow @dangerous", .args = args_config_get },
	{ .name = "help", .arity = 2, .exec = cmd_help,
	    .summary = "List the CONFIG subcommands",
	    .since = "5.0.0", .group = "server",
	    .info_flags = "loading stale", .acl = "@slow" },
	{ .name = "set", .arity = -4, .exec = cmd_config_set,
	    .summary = "Refused: parameters are set on the cxbusd "
	    "command line",
	    .since = "2.0.0", .group = "server",
	    .info_flags = "admin noscript loading stale",
	    .acl = "@admin @slow @dangerous", .args = args_config_set },
	CMD_END
};

static const struct cmd_entry pubsub_subs[] = {
	{ .name = "channels", .arity = -2, .exec = cmd_pubsub_channels,
	    .summary = "List the channels that have subscribers",
	    .since = "2.8.0", .group = "pubsub",
	    .info_flags = "pubsub loading stale", .acl = "@pubsub @slow",
	    .args = args_opt_pattern },
	{ .name = "help", .arity = 2, .exec = cmd_help,
	    .summary = "List the PUBSUB subcommands",
	    .since = "6.2.0", .group = "pubsub",
	    .info_flags = "loading stale", .acl = "@slow" },
	{ .name = "numpat", .arity = 2, .exec = cmd_pubsub_numpat,
	    .summary = "Count the distinct patterns subscribed to",
	    .since = "2.8.0", .group = "pubsub",
	    .info_flags = "pubsub loading stale", .acl = "@pubsub @slow" },
	{ .name = "numsub", .arity = -2, .exec = cmd_pubsub_numsub,
	    .summary = "Count the direct subscribers of channels",
	    .since = "2.8.0", .group = "pubsub",
	    .info_flags = "pubsub loading stale", .acl = "@pubsub @slow",
	    .args = args_opt_channels },
	CMD_END
};

/* PUBLISH first: it is by far the most frequent. */
static const struct cmd_entry cmd_table[] = {
	{ .name = "publish", .arity = 3, .exec = cmd_publish,
	    .summary = "Send a message to the subscribers of a channel",
	    .since = "2.0.0", .group = "pubsub",
	    .info_flags = "pubsub loading stale fast", .acl = "@pubsub @fast",
	    .args = args_publish },
	{ .name = "subscribe", .arity = -2, .flags = CMD_SUBOK,
	    .exec = cmd_subscribe,
	    .summary = "Receive the messages sent to channels",
	    .since = "2.0.0", .group = "pubsub",
	    .info_flags = SUB_FLAGS, .acl = "@pubsub @slow",
	    .args = args_channels },
	{ .name = "unsubscribe", .arity = -1, .flags = CMD_SUBOK,
	    .exec = cmd_unsubscribe,
	    .summary = "Stop receiving from channels, or from all of them",
	    .since = "2.0.0", .group = "pubsub",
	    .info_flags = SUB_FLAGS, .acl = "@pubsub @slow",
	    .args = args_opt_channels },
	{ .name = "psubscribe", .arity = -2, .flags = CMD_SUBOK,
	    .exec = cmd_psubscribe,
	    .summary = "Receive the messages of channels matching "
	    "glob patterns",
	    .since = "2.0.0", .group = "pubsub",
	    .info_flags = SUB_FLAGS, .acl = "@pubsub @slow",
	    .args = args_patterns },
	{ .name = "punsubscribe", .arity = -1, .flags = CMD_SUBOK,
	    .exec = cmd_punsubscribe,
	    .summary = "Drop pattern subscriptions, or all of them",
	    .since = "2.0.0", .group = "pubsub",
	    .info_flags = SUB_FLAGS, .acl = "@pubsub @slow",
	    .args = args_opt_patterns },
	{ .name = "ping", .arity = -1, .flags = CMD_SUBOK, .exec = cmd_ping,
	    .summary = "Check that the server answers",
	    .since = "1.0.0", .group = "connection",
	    .info_flags = "fast", .acl = CONN_ACL,
	    .args = args_opt_message },
	{ .name = "echo", .arity = 2, .exec = cmd_echo,
	    .summary = "Answer with the given string",
	    .since = "1.0.0", .group = "connection",
	    .info_flags = "fast", .acl = CONN_ACL, .args = args_message },
	{ .name = "hello", .arity = -1, .exec = cmd_hello,
	    .summary = "Choose the protocol, authenticate, name the "
	    "connection",
	    .since = "6.0.0", .group = "connection",
	    .info_flags = CONN_FLAGS, .acl = CONN_ACL, .args = args_hello },
	{ .name = "auth", .arity = -2, .exec = cmd_auth,
	    .summary = "Authenticate; cxbusd has no password, only the "
	    "socket's owner gets in",
	    .since = "1.0.0", .group = "connection",
	    .info_flags = CONN_FLAGS, .acl = CONN_ACL, .args = args_auth },
	{ .name = "quit", .arity = -1, .flags = CMD_SUBOK, .exec = cmd_quit,
	    .summary = "Close the connection once the answer is sent",
	    .since = "1.0.0", .group = "connection",
	    .info_flags = CONN_FLAGS, .acl = CONN_ACL },
	{ .name = "reset", .arity = 1, .flags = CMD_SUBOK, .exec = cmd_reset,
	    .summary = "Return the connection to its first state",
	    .since = "6.2.0", .group = "connection",
	    .info_flags = CONN_FLAGS, .acl = CONN_ACL },
	{ .name = "select", .arity = 2, .exec = cmd_select,
	    .summary = "Choose a database; channels belong to none, so "
	    "nothing changes",
	    .since = "1.0.0", .group = "connection",
	    .info_flags = "loading stale fast", .acl = "@keyspace @fast",
	    .args = args_select },
	{ .name = "client", .arity = -2, .subs = client_subs,
	    .summary = "Inspect and name the connection",
	    .since = "2.4.0", .group = "connection",
	    .info_flags = "", .acl = "@slow" },
	{ .name = "command", .arity = -1, .exec = cmd_command,
	    .subs = command_subs,
	    .summary = "Describe the commands the server answers",
	    .since = "2.8.13", .group = "server",
	    .info_flags = "loading stale", .acl = "@slow @connection" },
	{ .name = "pubsub", .arity = -2, .subs = pubsub_subs,
	    .summary = "Inspect channels and patterns",
	    .since = "2.8.0", .group = "pubsub",
	    .info_flags = "", .acl = "@slow" },
	{ .name = "config", .arity = -2, .subs = config_subs,
	    .summary = "Read the server's parameters",
	    .since = "2.0.0", .group = "server",
	    .info_flags = "", .acl = "@slow" },
	{ .name = "info", .arity = -1, .exec = cmd_info,
	    .summary = "Report the server's state, by section",
	    .since = "1.0.0", .group = "server",
	    .info_flags = "loading stale", .acl = "@slow @dangerous",
	    .args = args_info },
	{ .name = "cxbus.topics", .arity = -1, .exec = cmd_topics,
	    .summary = "List topics with subscribers, messages, last "
	    "publish time and retained flag",
	    .since = "0.1.0", .group = "cxbus",
	    .info_flags = "loading stale", .acl = "@pubsub @slow",
	    .args = args_opt_pattern },
	{ .name = "cxbus.status", .arity = 1, .exec = cmd_status,
	    .summary = "Report the daemon's figures",
	    .since = "0.1.0", .group = "cxbus",
	    .info_flags = "loading stale", .acl = "@slow" },
	{ .name = "cxbus.nolocal", .arity = 2, .exec = cmd_nolocal,
	    .summary = "Deliver nothing to this connection that the given "
	    "client publishes (0: all again)",
	    .since = "0.1.0", .group = "cxbus",
	    .info_flags = "loading stale fast", .acl = "@pubsub @fast",
	    .args = args_nolocal },
	{ .name = "cxbus.lossy", .arity = 1, .exec = cmd_lossy,
	    .summary = "Drop what does not fit in this connection's queue "
	    "rather than hold publishers back",
	    .since = "0.1.0", .group = "cxbus",
	    .info_flags = "loading stale fast", .acl = "@pubsub @fast" },
	{ .name = "cxbus.notify", .arity = 1, .exec = cmd_notify,
	    .summary = "Tell this connection on cxbus.dropped how many "
	    "messages it lost",
	    .since = "0.1.0", .group = "cxbus",
	    .info_flags = "loading stale fast", .acl = "@pubsub @fast" },
	CMD_END
};

/* Lines of each container's HELP, after its first line. */
static const char *const help_client[] = {
	"GETNAME", "    Return the name of the connection.",
	"ID", "    Return the ID of the connection.",
	"SETINFO <option> <value>",
	"    Record the client library's name (LIB-NAME) or version "
	"(LIB-VER).",
	"SETNAME <name>",
	"    Name the connection; an empty name clears it.",
	"HELP", "    Print this help.",
	NULL
};
static const char *const help_command[] = {
	"(no subcommand)", "    Describe every command.",
	"COUNT", "    Return how many commands the server has.",
	"DOCS [<command-name> ...]",
	"    Describe the arguments of the commands, or of all.",
	"INFO [<command-name> ...]",
	"    Describe the arity, flags and categories of the commands, "
	"or of all.",
	"LIST [FILTERBY (MODULE <name>|ACLCAT <category>|PATTERN <glob>)]",
	"    Return the names of the commands, or of those that match.",
	"HELP", "    Print this help.",
	NULL
};
static const char *const help_config[] = {
	"GET <pattern> [<pattern> ...]",
	"    Return the parameters matching the glob patterns; only",
	"    proto-max-bulk-len (the largest message) is known.",
	"SET <parameter> <value> [<parameter> <value> ...]",
	"    Refused: cxbusd takes its settings on its command line.",
	"HELP", "    Print this help.",
	NULL
};
static const char *const help_pubsub[] = {
	"CHANNELS [<pattern>]",
	"    Return the channels with subscribers matching <pattern> "
	"(default: '*').",
	"NUMPAT", "    Return the number of distinct patterns subscribed to.",
	"NUMSUB [<channel> ...]",
	"    Return the number of direct subscribers of each channel.",
	"HELP", "    Print this help.",
	NULL
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

/*
 * Read a signed number as Redis does: digits with an optional minus, no
 * plus sign, no leading zero, nothing around them.
 */
static int
parse_signed(const char *s, size_t len, long long *out)
{
	unsigned long long	 v;
	int			 neg = 0;

	if (len == 1 && s[0] == '0') {
		*out = 0;
		return (0);
	}
	if (len > 0 && s[0] == '-') {
		neg = 1;
		s++;
		len--;
	}
	if (len == 0 || s[0] < '1' || s[0] > '9')
		return (-1);
	if (parse_number(s, len, (unsigned long long)LLONG_MAX + neg,
	    &v) == -1)
		return (-1);
	*out = neg ? -(long long)(v - 1) - 1 : (long long)v;
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

/* Redis's error for a bad subcommand of CMD, named in capitals. */
static void
reply_unknown_sub(struct peer *p, const char *cmd, char *arg, size_t len)
{
	char	 upper[32];
	size_t	 i;

	for (i = 0; cmd[i] != '\0' && i < sizeof(upper) - 1; i++)
		upper[i] = toupper((unsigned char)cmd[i]);
	upper[i] = '\0';
	reply_error(p, "ERR unknown subcommand '%.*s'. Try %s HELP.",
	    (int)(len < 128 ? len : 128), arg, upper);
}

/* The entry of TABLE named NAME (LEN bytes), or NULL. */
static const struct cmd_entry *
cmd_find(const struct cmd_entry *table, const char *name, size_t len)
{
	/* A first letter that differs ends most comparisons at once. */
	for (; table->name != NULL; table++)
		if (len > 0 && (name[0] | 0x20) == table->name[0] &&
		    is_word(name, len, table->name))
			return (table);
	return (NULL);
}

/* A command's name as Redis writes it in errors: "pubsub|numpat". */
static void
cmd_fullname(char *out, size_t len, const struct cmd_entry *top,
    const struct cmd_entry *sub)
{
	if (sub != NULL)
		snprintf(out, len, "%s|%s", top->name, sub->name);
	else
		snprintf(out, len, "%s", top->name);
}

/*
 * Find the command, and its subcommand for a container, check arity and
 * context, and run it.  The order of the checks is Redis's, so that the
 * same mistake gets the same error.
 */
void
command_run(struct peer *p, struct resp_args *args)
{
	const struct cmd_entry	*ce, *top, *sub = NULL;
	char			 full[64];
	int			 argc = args->argc;

	if ((ce = cmd_find(cmd_table, args->argv[0], args->lens[0])) == NULL) {
		reply_unknown(p, argc, args->argv, args->lens);
		return;
	}
	top = ce;
	if (ce->subs != NULL && argc >= 2) {
		sub = cmd_find(ce->subs, args->argv[1], args->lens[1]);
		if (sub == NULL) {
			reply_unknown_sub(p, ce->name, args->argv[1],
			    args->lens[1]);
			return;
		}
		ce = sub;
	}

	if ((ce->arity > 0 && argc != ce->arity) ||
	    (ce->arity < 0 && argc < -ce->arity)) {
		cmd_fullname(full, sizeof(full), top, sub);
		reply_error(p, "ERR wrong number of arguments for '%s' "
		    "command", full);
		return;
	}
	if (!(p->flags & PEER_RESP3) && !(ce->flags & CMD_SUBOK) &&
	    peer_subscribed(p)) {
		cmd_fullname(full, sizeof(full), top, sub);
		reply_error(p, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / "
		    "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
		    "this context", full);
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
		if (argc == 2)
			reply_bulk(p, argv[1], lens[1]);
		else
			reply_bulk(p, "", 0);
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

/*
 * Set the connection's name; an empty name clears it.  A bad name is
 * answered with Redis's error and -1.
 */
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

/* Whether USER may log in: only "default", which has no password here. */
static int
auth_user_ok(const char *user, size_t len)
{
	return (len == 7 && memcmp(user, "default", 7) == 0);
}

/*
 * HELLO [protover [AUTH user pass] [SETNAME name]]: switch protocol and
 * describe the server.  There is no password: AUTH is answered as a
 * Redis server whose default user has none answers it, any password for
 * "default" and no other user.  Options take effect in order, and the
 * first bad one stops the rest, as in Redis 7.0.
 */
static void
cmd_hello(struct peer *p, int argc, char **argv, size_t *lens)
{
	long long	 ver = 0;
	int		 i;

	if (argc >= 2) {
		if (parse_signed(argv[1], lens[1], &ver) == -1) {
			reply_error(p, "ERR Protocol version is not an integer "
			    "or out of range");
			return;
		}
		if (ver < 2 || ver > 3) {
			reply_error(p, "NOPROTO unsupported protocol version");
			return;
		}
	}
	for (i = 2; i < argc; i++) {
		if (is_word(argv[i], lens[i], "auth") && i + 2 < argc) {
			if (!auth_user_ok(argv[i + 1], lens[i + 1])) {
				reply_error(p, "WRONGPASS invalid "
				    "username-password pair or user is "
				    "disabled.");
				return;
			}
			i += 2;
		} else if (is_word(argv[i], lens[i], "setname") &&
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
	else if (ver == 2)
		p->flags &= ~PEER_RESP3;
	reply_map(p, 7);
	reply_cstr(p, "server");
	reply_cstr(p, "cxbus");
	reply_cstr(p, "version");
	reply_cstr(p, REDIS_COMPAT_VERSION);
	reply_cstr(p, "proto");
	reply_int(p, (p->flags & PEER_RESP3) ? 3 : 2);
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
	if (!auth_user_ok(argv[1], lens[1])) {
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
	p->flags &= ~(PEER_RESP3 | PEER_LOSSY | PEER_NOTIFY);
	p->nolocal = 0;
	free(p->name);
	p->name = NULL;
	reply_line(p, '+', "RESET");
}

/*
 * SELECT index: accepted for Redis's 16 databases.  Channels belong to
 * no database in Redis either, so a client configured with a database
 * publishes and subscribes as it would there.
 */
static void
cmd_select(struct peer *p, int argc, char **argv, size_t *lens)
{
	long long	 db;

	if (parse_signed(argv[1], lens[1], &db) == -1) {
		reply_error(p, "ERR value is not an integer or out of range");
		return;
	}
	if (db < 0 || db >= 16) {
		reply_error(p, "ERR DB index is out of range");
		return;
	}
	reply_line(p, '+', "OK");
}

/* CLIENT ID. */
static void
cmd_client_id(struct peer *p, int argc, char **argv, size_t *lens)
{
	reply_int(p, p->id);
}

/* CLIENT GETNAME: the name, or null. */
static void
cmd_client_getname(struct peer *p, int argc, char **argv, size_t *lens)
{
	if (p->name == NULL)
		reply_null(p);
	else
		reply_cstr(p, p->name);
}

/* CLIENT SETNAME name. */
static void
cmd_client_setname(struct peer *p, int argc, char **argv, size_t *lens)
{
	if (client_setname(p, argv[2], lens[2]) == 0)
		reply_line(p, '+', "OK");
}

/*
 * CLIENT SETINFO LIB-NAME|LIB-VER value: client libraries send it after
 * connecting (Redis 7.2 and later).  It is checked as Redis checks it
 * and otherwise not kept: nothing here would show it.
 */
static void
cmd_client_setinfo(struct peer *p, int argc, char **argv, size_t *lens)
{
	int	 n = lens[2] < 128 ? lens[2] : 128;

	if (!is_word(argv[2], lens[2], "lib-name") &&
	    !is_word(argv[2], lens[2], "lib-ver")) {
		reply_error(p, "ERR Unrecognized option '%.*s'", n, argv[2]);
		return;
	}
	if (!client_name_ok(argv[3], lens[3])) {
		reply_error(p, "ERR %.*s cannot contain spaces, newlines or "
		    "special characters.", n, argv[2]);
		return;
	}
	reply_line(p, '+', "OK");
}

/* The number of entries of TABLE. */
static size_t
cmd_count(const struct cmd_entry *table)
{
	size_t	 n = 0;

	while (table[n].name != NULL)
		n++;
	return (n);
}

/*
 * The command or subcommand named NAME (LEN bytes, "client|id" for a
 * subcommand), its full name written to FULL; NULL if there is none.
 */
static const struct cmd_entry *
cmd_lookup(const char *name, size_t len, char *full, size_t fulllen)
{
	const struct cmd_entry	*ce;
	const char		*bar;

	if ((bar = memchr(name, '|', len)) == NULL) {
		if ((ce = cmd_find(cmd_table, name, len)) != NULL)
			strlcpy(full, ce->name, fulllen);
		return (ce);
	}
	ce = cmd_find(cmd_table, name, bar - name);
	if (ce == NULL || ce->subs == NULL)
		return (NULL);
	snprintf(full, fulllen, "%s|", ce->name);
	if ((ce = cmd_find(ce->subs, bar + 1, len - (bar - name) - 1)) ==
	    NULL)
		return (NULL);
	strlcat(full, ce->name, fulllen);
	return (ce);
}

/* The header of a set of N elements; RESP2 has arrays instead. */
static void
reply_set(struct peer *p, size_t n)
{
	reply_header(p, (p->flags & PEER_RESP3) ? '~' : '*', n);
}

/* The words of the space-separated list S, as a set of simple strings. */
static void
reply_words(struct peer *p, const char *s)
{
	char		 word[64];
	const char	*w;
	size_t		 n = 0, len;

	for (w = s; *(w += strspn(w, " ")) != '\0'; w += strcspn(w, " "))
		n++;
	reply_set(p, n);
	for (w = s; *(w += strspn(w, " ")) != '\0'; w += len) {
		len = strcspn(w, " ");
		snprintf(word, sizeof(word), "%.*s", (int)len, w);
		reply_line(p, '+', word);
	}
}

/*
 * COMMAND INFO's ten fields for one command: name, arity, flags, first,
 * last and step of its keys (none here), ACL categories, tips, key
 * specifications and subcommands.
 */
static void
reply_command_info(struct peer *p, const struct cmd_entry *ce,
    const char *full)
{
	const struct cmd_entry	*sub;
	char			 subfull[64];

	reply_array(p, 10);
	reply_cstr(p, full);
	reply_int(p, ce->arity);
	reply_words(p, ce->info_flags);
	reply_int(p, 0);
	reply_int(p, 0);
	reply_int(p, 0);
	reply_words(p, ce->acl);
	reply_set(p, 0);
	reply_set(p, 0);
	if (ce->subs == NULL) {
		reply_set(p, 0);
		return;
	}
	reply_array(p, cmd_count(ce->subs));
	for (sub = ce->subs; sub->name != NULL; sub++) {
		snprintf(subfull, sizeof(subfull), "%s|%s", ce->name,
		    sub->name);
		reply_command_info(p, sub, subfull);
	}
}

/* The arguments of a command for COMMAND DOCS, as maps. */
static void
reply_args(struct peer *p, const struct cmd_arg *args)
{
	const struct cmd_arg	*a;
	size_t			 n = 0;
	int			 nflags;

	for (a = args; a->name != NULL; a++)
		n++;
	reply_array(p, n);
	for (a = args; a->name != NULL; a++) {
		nflags = ((a->flags & ARG_OPTIONAL) != 0) +
		    ((a->flags & ARG_MULTIPLE) != 0);
		reply_map(p, 2 + (a->token != NULL) + (nflags > 0) +
		    (a->args != NULL));
		reply_cstr(p, "name");
		reply_cstr(p, a->name);
		reply_cstr(p, "type");
		reply_cstr(p, a->type);
		if (a->token != NULL) {
			reply_cstr(p, "token");
			reply_cstr(p, a->token);
		}
		if (nflags > 0) {
			reply_cstr(p, "flags");
			reply_set(p, nflags);
			if (a->flags & ARG_OPTIONAL)
				reply_line(p, '+', "optional");
			if (a->flags & ARG_MULTIPLE)
				reply_line(p, '+', "multiple");
		}
		if (a->args != NULL) {
			reply_cstr(p, "arguments");
			reply_args(p, a->args);
		}
	}
}

/* One command's COMMAND DOCS map: what redis-cli shows as its help. */
static void
reply_command_doc(struct peer *p, const struct cmd_entry *ce)
{
	const struct cmd_entry	*sub;
	char			 subfull[64];

	reply_map(p, 3 + (ce->args != NULL) + (ce->subs != NULL));
	reply_cstr(p, "summary");
	reply_cstr(p, ce->summary);
	reply_cstr(p, "since");
	reply_cstr(p, ce->since);
	reply_cstr(p, "group");
	reply_cstr(p, ce->group);
	if (ce->args != NULL) {
		reply_cstr(p, "arguments");
		reply_args(p, ce->args);
	}
	if (ce->subs == NULL)
		return;
	reply_cstr(p, "subcommands");
	reply_map(p, cmd_count(ce->subs));
	for (sub = ce->subs; sub->name != NULL; sub++) {
		snprintf(subfull, sizeof(subfull), "%s|%s", ce->name,
		    sub->name);
		reply_cstr(p, subfull);
		reply_command_doc(p, sub);
	}
}

/* COMMAND: COMMAND INFO of every command. */
static void
cmd_command(struct peer *p, int argc, char **argv, size_t *lens)
{
	const struct cmd_entry	*ce;

	reply_array(p, cmd_count(cmd_table));
	for (ce = cmd_table; ce->name != NULL; ce++)
		reply_command_info(p, ce, ce->name);
}

/* COMMAND COUNT: the commands, not counting subcommands. */
static void
cmd_command_count(struct peer *p, int argc, char **argv, size_t *lens)
{
	reply_int(p, cmd_count(cmd_table));
}

/* COMMAND INFO [name...]: a null for each name that is no command. */
static void
cmd_command_info(struct peer *p, int argc, char **argv, size_t *lens)
{
	const struct cmd_entry	*ce;
	char			 full[64];
	int			 i;

	if (argc == 2) {
		cmd_command(p, argc, argv, lens);
		return;
	}
	reply_array(p, argc - 2);
	for (i = 2; i < argc; i++) {
		ce = cmd_lookup(argv[i], lens[i], full, sizeof(full));
		if (ce == NULL)
			reply_null(p);
		else
			reply_command_info(p, ce, full);
	}
}

/*
 * COMMAND DOCS [name...]: a map from name to documentation, of every
 * command or of those named; names that are no command are left out.
 */
static void
cmd_command_docs(struct peer *p, int argc, char **argv, size_t *lens)
{
	const struct cmd_entry	*ce;
	char			 full[64];
	size_t			 n = 0;
	int			 i;

	if (argc == 2) {
		reply_map(p, cmd_count(cmd_table));
		for (ce = cmd_table; ce->name != NULL; ce++) {
			reply_cstr(p, ce->name);
			reply_command_doc(p, ce);
		}
		return;
	}
	for (i = 2; i < argc; i++)
		if (cmd_lookup(argv[i], lens[i], full, sizeof(full)) != NULL)
			n++;
	reply_map(p, n);
	for (i = 2; i < argc; i++) {
		ce = cmd_lookup(argv[i], lens[i], full, sizeof(full));
		if (ce == NULL)
			continue;
		reply_cstr(p, full);
		reply_command_doc(p, ce);
	}
}

/*
 * Whether the command CE named FULL passes COMMAND LIST's filter: KIND
 * 0 for none, 'a' for an ACL category, 'p' for a glob (ARG, LEN bytes,
 * already in lower case), 'm' for a module, of which there are none.
 */
static int
command_list_match(const struct cmd_entry *ce, const char *full, int kind,
    const char *arg, size_t len)
{
	const char	*w;
	size_t		 wlen;

	switch (kind) {
	case 0:
		return (1);
	case 'p':
		return (glob_match(arg, len, full, strlen(full)));
	case 'a':
		for (w = ce->acl; *(w += strspn(w, " ")) != '\0'; w += wlen) {
			wlen = strcspn(w, " ");
			if (wlen == len + 1 &&
			    strncasecmp(w + 1, arg, len) == 0)
				return (1);
		}
		return (0);
	}
	return (0);
}

/*
 * Reply the names of the commands and subcommands that pass the filter,
 * or only count them when COUNT is not NULL.
 */
static void
command_list_walk(struct peer *p, int kind, const char *arg, size_t len,
    size_t *count)
{
	const struct cmd_entry	*ce, *sub;
	char			 full[64];

	for (ce = cmd_table; ce->name != NULL; ce++) {
		if (command_list_match(ce, ce->name, kind, arg, len)) {
			if (count != NULL)
				(*count)++;
			else
				reply_cstr(p, ce->name);
		}
		for (sub = ce->subs; sub != NULL && sub->name != NULL; sub++) {
			snprintf(full, sizeof(full), "%s|%s", ce->name,
			    sub->name);
			if (!command_list_match(sub, full, kind, arg, len))
				continue;
			if (count != NULL)
				(*count)++;
			else
				reply_cstr(p, full);
		}
	}
}

/* COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN glob]. */
static void
cmd_command_list(struct peer *p, int argc, char **argv, size_t *lens)
{
	char	 arg[128];
	size_t	 n = 0, len = 0, i;
	int	 kind = 0;

	if (argc == 5 && is_word(argv[2], lens[2], "filterby")) {
		if (is_word(argv[3], lens[3], "module"))
			kind = 'm';
		else if (is_word(argv[3], lens[3], "aclcat"))
			kind = 'a';
		else if (is_word(argv[3], lens[3], "pattern"))
			kind = 'p';
		len = lens[4] < sizeof(arg) ? lens[4] : sizeof(arg);
		for (i = 0; i < len; i++)
			arg[i] = tolower((unsigned char)argv[4][i]);
	}
	if (argc != 2 && kind == 0) {
		reply_error(p, "ERR syntax error");
		return;
	}
	command_list_walk(p, kind, arg, len, &n);
	reply_array(p, n);
	command_list_walk(p, kind, arg, len, NULL);
}

/* Each container's HELP: its name and the lines after the first. */
static const struct {
	const char		*name;
	const char *const	*lines;
} help_texts[] = {
	{ "client", help_client },
	{ "command", help_command },
	{ "config", help_config },
	{ "pubsub", help_pubsub },
};

/* CLIENT HELP, COMMAND HELP, CONFIG HELP, PUBSUB HELP. */
static void
cmd_help(struct peer *p, int argc, char **argv, size_t *lens)
{
	const char *const	*lines = NULL;
	char			 first[128], upper[16];
	size_t			 i, n = 0;

	for (i = 0; i < sizeof(help_texts) / sizeof(help_texts[0]); i++)
		if (is_word(argv[0], lens[0], help_texts[i].name))
			lines = help_texts[i].lines;
	if (lines == NULL)
		return;
	for (i = 0; i < lens[0] && i < sizeof(upper) - 1; i++)
		upper[i] = toupper((unsigned char)argv[0][i]);
	upper[i] = '\0';
	while (lines[n] != NULL)
		n++;
	snprintf(first, sizeof(first), "%s <subcommand> [<arg> [value] "
	    "[opt] ...]. Subcommands are:", upper);
	reply_array(p, n + 1);
	reply_line(p, '+', first);
	for (i = 0; i < n; i++)
		reply_line(p, '+', lines[i]);
}

/* PUBSUB CHANNELS [pattern]: channels with direct subscribers. */
static void
cmd_pubsub_channels(struct peer *p, int argc, char **argv, size_t *lens)
{
	struct topic	*t;
	size_t		 n = 0;

	if (argc > 3) {
		reply_error(p, "ERR unknown subcommand or wrong number of "
		    "arguments for '%.*s'. Try PUBSUB HELP.",
		    (int)(lens[1] < 128 ? lens[1] : 128), argv[1]);
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
}

/* PUBSUB NUMSUB [channel...]: each name and its direct subscribers. */
static void
cmd_pubsub_numsub(struct peer *p, int argc, char **argv, size_t *lens)
{
	struct topic	*t;
	int		 i;

	reply_array(p, (argc - 2) * 2);
	for (i = 2; i < argc; i++) {
		t = topic_find(argv[i], lens[i]);
		reply_bulk(p, argv[i], lens[i]);
		reply_int(p, t != NULL ? t->subscribers.n : 0);
	}
}

/* PUBSUB NUMPAT: distinct patterns, as Redis counts them since 6.2. */
static void
cmd_pubsub_numpat(struct peer *p, int argc, char **argv, size_t *lens)
{
	reply_int(p, npatterns);
}

/*
 * CONFIG GET pattern...: only proto-max-bulk-len, the largest message,
 * which clients read to check a message before they send it.
 */
static void
cmd_config_get(struct peer *p, int argc, char **argv, size_t *lens)
{
	char	 num[32];
	int	 i, hit = 0;

	for (i = 2; i < argc; i++)
		if (glob_match(argv[i], lens[i], "proto-max-bulk-len", 18))
			hit = 1;
	reply_map(p, hit);
	if (!hit)
		return;
	snprintf(num, sizeof(num), "%zu", opt.max_message);
	reply_cstr(p, "proto-max-bulk-len");
	reply_cstr(p, num);
}

/*
 * CONFIG SET parameter value...: refused in Redis's words; the one
 * parameter there is comes from the daemon's command line.
 */
static void
cmd_config_set(struct peer *p, int argc, char **argv, size_t *lens)
{
	int	 n = lens[2] < 128 ? lens[2] : 128;

	if (argc % 2 != 0) {
		reply_error(p, "ERR syntax error");
		return;
	}
	if (is_word(argv[2], lens[2], "proto-max-bulk-len"))
		reply_error(p, "ERR CONFIG SET failed (possibly related to "
		    "argument '%.*s') - set by cxbusd --max-message", n,
		    argv[2]);
	else
		reply_error(p, "ERR Unknown option or number of arguments for "
		    "CONFIG SET - '%.*s'", n, argv[2]);
}

/* Add one printf-formatted line to B. */
static void
info_line(struct buf *b, const char *fmt, ...)
{
	char	 line[512];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 3)
		n = sizeof(line) - 3;
	memcpy(line + n, "\r\n", 2);
	if (buf_add(b, line, n + 2) == -1)
		fatal("info");
}

/* INFO server: names and values that clients read to know the server. */
static void
info_server(struct buf *b)
{
	struct utsname	 u;
	long long	 up = time(NULL) - stats.started;

	if (uname(&u) == -1)
		memset(&u, 0, sizeof(u));
	info_line(b, "redis_version:%s", REDIS_COMPAT_VERSION);
	info_line(b, "cxbus_version:%s", CXBUS_VERSION);
	info_line(b, "redis_mode:standalone");
	info_line(b, "os:%s %s %s", u.sysname, u.release, u.machine);
	info_line(b, "arch_bits:%zu", sizeof(long) * 8);
	info_line(b, "multiplexing_api:epoll");
	info_line(b, "process_id:%ld", (long)getpid());
	info_line(b, "tcp_port:0");
	info_line(b, "uptime_in_seconds:%lld", up);
	info_line(b, "uptime_in_days:%lld", up / 86400);
}

/* INFO clients. */
static void
info_clients(struct buf *b)
{
	info_line(b, "connected_clients:%u", npeers);
}

/*
 * Bytes the daemon has allocated: small blocks from the heap and large
 * ones (buffers of big messages) mapped on their own.
 */
static size_t
memory_in_use(void)
{
	struct mallinfo2	 mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
}

/* INFO memory: what the daemon has allocated, also as Redis shows it. */
static void
info_memory(struct buf *b)
{
	static const char	 units[] = "KMGTP";
	double			 v;
	size_t			 used = memory_in_use();
	int			 u = -1;

	info_line(b, "used_memory:%zu", used);
	for (v = used; v >= 1024 && u < 4; u++)
		v /= 1024;
	if (u < 0)
		info_line(b, "used_memory_human:%zuB", used);
	else
		info_line(b, "used_memory_human:%.2f%c", v, units[u]);
}

/* INFO persistence: never loading, which some clients wait for. */
static void
info_persistence(struct buf *b)
{
	info_line(b, "loading:0");
	info_line(b, "async_loading:0");
}

/* INFO stats. */
static void
info_stats(struct buf *b)
{
	struct topic	*t;
	size_t		 channels = 0;

	RB_FOREACH(t, topics, &all_topics)
		if (t->subscribers.n > 0)
			channels++;
	info_line(b, "total_connections_received:%llu",
	    (unsigned long long)stats.clients_total);
	info_line(b, "pubsub_channels:%zu", channels);
	info_line(b, "pubsub_patterns:%u", npatterns);
}

/* INFO replication: a lone master. */
static void
info_replication(struct buf *b)
{
	info_line(b, "role:master");
	info_line(b, "connected_slaves:0");
}

/* INFO cpu. */
static void
info_cpu(struct buf *b)
{
	struct rusage	 ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		memset(&ru, 0, sizeof(ru));
	info_line(b, "used_cpu_sys:%ld.%06ld", (long)ru.ru_stime.tv_sec,
	    (long)ru.ru_stime.tv_usec);
	info_line(b, "used_cpu_user:%ld.%06ld", (long)ru.ru_utime.tv_sec,
	    (long)ru.ru_utime.tv_usec);
}

/* INFO cluster: not a cluster, which clients check before they start. */
static void
info_cluster(struct buf *b)
{
	info_line(b, "cluster_enabled:0");
}

/* INFO keyspace: there are no keys. */
static void
info_keyspace(struct buf *b)
{
}

/* INFO's sections in Redis's order; all of them are in the default set. */
static const struct {
	const char	*name;
	const char	*title;
	void		(*add)(struct buf *);
} info_sections[] = {
	{ "server", "Server", info_server },
	{ "clients", "Clients", info_clients },
	{ "memory", "Memory", info_memory },
	{ "persistence", "Persistence", info_persistence },
	{ "stats", "Stats", info_stats },
	{ "replication", "Replication", info_replication },
	{ "cpu", "CPU", info_cpu },
	{ "cluster", "Cluster", info_cluster },
	{ "keyspace", "Keyspace", info_keyspace },
};
#define INFO_NSECTIONS	(sizeof(info_sections) / sizeof(info_sections[0]))

/*
 * INFO [section...]: the sections asked for ("default", "all" and
 * "everything" name them all), in Redis's order and format; a section
 * this server does not have is left out, as Redis leaves it out.
 */
static void
cmd_info(struct peer *p, int argc, char **argv, size_t *lens)
{
	struct buf	 b;
	size_t		 i;
	int		 j, want[INFO_NSECTIONS] = { 0 }, shown = 0;

	for (i = 0; i < INFO_NSECTIONS; i++)
		want[i] = argc == 1;
	for (j = 1; j < argc; j++) {
		for (i = 0; i < INFO_NSECTIONS; i++)
			if (is_word(argv[j], lens[j], info_sections[i].name) ||
			    is_word(argv[j], lens[j], "default") ||
			    is_word(argv[j], lens[j], "all") ||
			    is_word(argv[j], lens[j], "everything"))
				want[i] = 1;
	}

	buf_init(&b);
	for (i = 0; i < INFO_NSECTIONS; i++) {
		if (!want[i])
			continue;
		if (shown++ > 0)
			info_line(&b, "%s", "");
		info_line(&b, "# %s", info_sections[i].title);
		info_sections[i].add(&b);
	}
	if (p->flags & PEER_RESP3) {
		reply_header(p, '=', buf_used(&b) + 4);
		peer_reply(p, "txt:", 4);
		peer_reply(p, buf_head(&b), buf_used(&b));
		peer_reply(p, "\r\n", 2);
	} else
		reply_bulk(p, buf_head(&b), buf_used(&b));
	buf_free(&b);
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
	reply_stat(p, "memory", memory_in_use());
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
 * as ["cxbus.dropped", count] once its queue has room.
 */
static void
cmd_notify(struct peer *p, int argc, char **argv, size_t *lens)
{
	p->flags |= PEER_NOTIFY;
	reply_line(p, '+', "OK");
}
