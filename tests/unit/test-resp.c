/*
 * test-resp.c: the RESP writers and parsers.  Each parser fixture is fed
 * cut at every byte (each cut in a buffer of exactly that size, so that
 * a sanitizer sees any read past it) and one byte at a time.  Request
 * fixtures and their errors were checked against redis-server 7.0.15,
 * except the 1M argument limit, which Redis 7 raised to INT_MAX.
 */

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cxbus-int.h"

/* A string fixture with its length, so that it may hold NUL bytes. */
#define S(s)	{ (s), sizeof(s) - 1 }
#define IN(s)	(s), sizeof(s) - 1
#define LEN(s)	(sizeof(s) - 1)

struct str {
	const char	*p;
	size_t		 len;
};

/* A request and the command it is; USED 0 means the whole input. */
struct req_case {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	size_t		 used;
	int		 argc;
	struct str	 argv[6];
};

/* A request that fails: the first DECIDE bytes (0: all) give ERR. */
struct req_fail {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	size_t		 decide;
	const char	*err;
};

/* A reply token as expected; S NULL means the token has no string. */
struct tok {
	char		 type;
	long long	 n;
	const char	*s;
	size_t		 len;
};

#define TS(t, s)	{ (t), 0, (s), sizeof(s) - 1 }
#define TN(t, v)	{ (t), (v), NULL, 0 }

struct reply_case {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	size_t		 used;
	size_t		 ntok;
	struct tok	 tok[20];
};

struct reply_fail {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	size_t		 decide;
	const char	*err;
};

static const struct req_case req_cases[] = {
	{ "publish", IN("*3\r\n$7\r\nPUBLISH\r\n$1\r\nt\r\n$5\r\nhello\r\n"),
	    0, 3, { S("PUBLISH"), S("t"), S("hello") } },
	{ "binary payload",
	    IN("*3\r\n$7\r\nPUBLISH\r\n$3\r\nbin\r\n$7\r\na\0b\r\nc\xff\r\n"),
	    0, 3, { S("PUBLISH"), S("bin"), S("a\0b\r\nc\xff") } },
	{ "empty payload", IN("*3\r\n$7\r\nPUBLISH\r\n$1\r\ne\r\n$0\r\n\r\n"),
	    0, 3, { S("PUBLISH"), S("e"), S("") } },
	{ "empty channel", IN("*2\r\n$9\r\nSUBSCRIBE\r\n$0\r\n\r\n"),
	    0, 2, { S("SUBSCRIBE"), S("") } },
	{ "NUL in channel", IN("*2\r\n$9\r\nSUBSCRIBE\r\n$3\r\nc\0d\r\n"),
	    0, 2, { S("SUBSCRIBE"), S("c\0d") } },
	{ "lowercase", IN("*1\r\n$4\r\nping\r\n"), 0, 1, { S("ping") } },
	{ "*0", IN("*0\r\nPING\r\n"), LEN("*0\r\n"), 0, { { NULL, 0 } } },
	{ "*-1", IN("*-1\r\nPING\r\n"), LEN("*-1\r\n"), 0, { { NULL, 0 } } },
	{ "*-5", IN("*-5\r\n"), 0, 0, { { NULL, 0 } } },
	{ "pipelined",
	    IN("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n"),
	    LEN("*1\r\n$4\r\nPING\r\n"), 1, { S("PING") } },
	{ "byte after CR unread", IN("*1\rX$4\rYPING\r\n"), 0, 1,
	    { S("PING") } },
	{ "bytes after body unread", IN("*1\r\n$4\r\nPINGxx*1\r\n"),
	    LEN("*1\r\n$4\r\nPINGxx"), 1, { S("PING") } },
	{ "empty bulk only", IN("*1\r\n$0\r\n\r\n"), 0, 1, { S("") } },
	{ "inline crlf", IN("PING\r\n"), 0, 1, { S("PING") } },
	{ "inline lf", IN("PING\nPING\n"), LEN("PING\n"), 1, { S("PING") } },
	{ "inline blank", IN("  \r\nPING\r\n"), LEN("  \r\n"), 0,
	    { { NULL, 0 } } },
	{ "inline empty", IN("\n"), 0, 0, { { NULL, 0 } } },
	{ "inline empty crlf", IN("\r\n"), 0, 0, { { NULL, 0 } } },
	{ "inline blanks", IN("SUBSCRIBE a\tb\r c  d\r\n"), 0, 5,
	    { S("SUBSCRIBE"), S("a"), S("b"), S("c"), S("d") } },
	{ "inline hex", IN("ECHO \"a\\x41\\x4g\"\r\n"), 0, 2,
	    { S("ECHO"), S("aAx4g") } },
	{ "inline escapes", IN("ECHO \"\\a\\b\\q\\\"\\r\\n\\t\\\\\"\n"), 0, 2,
	    { S("ECHO"), S("\a\bq\"\r\n\t\\") } },
	{ "inline single", IN("ECHO 'a\\'b' 'a\\nb'\n"), 0, 3,
	    { S("ECHO"), S("a'b"), S("a\\nb") } },
	{ "inline quote in word", IN("ECHO ab\"c d\"\n"), 0, 2,
	    { S("ECHO"), S("abc d") } },
	{ "inline quote then VT", IN("ECHO \"a\"\x0b\n"), 0, 2,
	    { S("ECHO"), S("a") } },
	{ "inline VT in word", IN("ECHO a\x0b" "b\x0c" "c\n"), 0, 2,
	    { S("ECHO"), S("a\vb\fc") } },
	{ "inline CR in quotes", IN("ECHO \"a\rb\"\r\n"), 0, 2,
	    { S("ECHO"), S("a\rb") } },
	{ "inline empty quotes", IN("\"ECHO\" \"\" ''\n"), 0, 3,
	    { S("ECHO"), S(""), S("") } },
	{ "inline hex NUL", IN("PUBLISH t \"\\x00\\xff\"\n"), 0, 3,
	    { S("PUBLISH"), S("t"), S("\0\xff") } },
};

static const struct req_fail req_fails[] = {
	{ "count not a number", IN("*x\r\n"), 0,
	    "Protocol error: invalid multibulk length" },
	{ "count empty", IN("*\r\nPING\r\n"), LEN("*\r\n"),
	    "Protocol error: invalid multibulk length" },
	{ "count leading zero", IN("*01\r\n"), 0,
	    "Protocol error: invalid multibulk length" },
	{ "count -0", IN("*-0\r\n"), 0,
	    "Protocol error: invalid multibulk length" },
	{ "count plus", IN("*+1\r\n$4\r\nPING\r\n"), LEN("*+1\r\n"),
	    "Protocol error: invalid multibulk length" },
	{ "count space", IN("* 1\r\n"), 0,
	    "Protocol error: invalid multibulk length" },
	{ "count over 1M", IN("*1048577\r\n"), 0,
	    "Protocol error: invalid multibulk length" },
	{ "count over INT_MAX", IN("*2147483648\r\n"), 0,
	    "Protocol error: invalid multibulk length" },
	{ "count overflow", IN("*99999999999999999999\r\n"), 0,
	    "Protocol error: invalid multibulk length" },
	{ "bulk not a number", IN("*1\r\n$x\r\nPING\r\n"), LEN("*1\r\n$x\r\n"),
	    "Protocol error: invalid bulk length" },
	{ "bulk negative", IN("*1\r\n$-1\r\n"), 0,
	    "Protocol error: invalid bulk length" },
	{ "bulk leading zero", IN("*1\r\n$04\r\nPING\r\n"),
	    LEN("*1\r\n$04\r\n"), "Protocol error: invalid bulk length" },
	{ "bulk empty", IN("*1\r\n$\r\n"), 0,
	    "Protocol error: invalid bulk length" },
	{ "bulk huge", IN("*1\r\n$999999999999\r\n"), 0,
	    "Protocol error: invalid bulk length" },
	{ "bulk over max before body",
	    IN("*3\r\n$7\r\nPUBLISH\r\n$3\r\nbig\r\n$1048577\r\nxxxxxxxx"),
	    LEN("*3\r\n$7\r\nPUBLISH\r\n$3\r\nbig\r\n$1048577\r\n"),
	    "Protocol error: invalid bulk length" },
	{ "expected $", IN("*1\r\nx\r\n"), 0,
	    "Protocol error: expected '$', got 'x'" },
	{ "expected $ got int", IN("*2\r\n$4\r\nECHO\r\n:1\r\n"), 0,
	    "Protocol error: expected '$', got ':'" },
	{ "expected $ got CR", IN("*1\r\n\r\n"), 0,
	    "Protocol error: expected '$', got ' '" },
	{ "expected $ got LF", IN("*1\r\n\n\r\n"), 0,
	    "Protocol error: expected '$', got ' '" },
	{ "expected $ got 0xff", IN("*1\r\n\xff\r\n"), 0,
	    "Protocol error: expected '$', got '\xff'" },
	{ "unclosed double", IN("ECHO \"a\r\n"), 0,
	    "Protocol error: unbalanced quotes in request" },
	{ "double then word", IN("ECHO \"a\"b\n"), 0,
	    "Protocol error: unbalanced quotes in request" },
	{ "unclosed single", IN("ECHO 'a\n"), 0,
	    "Protocol error: unbalanced quotes in request" },
	{ "single then word", IN("ECHO 'a'b c\n"), 0,
	    "Protocol error: unbalanced quotes in request" },
	{ "escaped close", IN("ECHO \"a\\\"\n"), 0,
	    "Protocol error: unbalanced quotes in request" },
	{ "backslash at end", IN("ECHO \"a\\\n"), 0,
	    "Protocol error: unbalanced quotes in request" },
};

/* Requests that stay incomplete whatever their length (up to 64 KiB). */
static const struct req_fail req_waits[] = {
	{ "NUL hides count CR", IN("*1\0\r\n$4\r\nPING\r\n"), 0, NULL },
	{ "NUL hides bulk CR", IN("*1\r\n$5\0\r\nhello\r\n"), 0, NULL },
	{ "NUL hides newline", IN("PING\0\n"), 0, NULL },
	{ "1M arguments", IN("*1048576\r\n$0\r\n\r\n"), 0, NULL },
	{ "body not here", IN("*1\r\n$3\r\nabc\r"), 0, NULL },
};

static const struct reply_case reply_cases[] = {
	{ "simple", IN("+PONG\r\n"), 0, 1, { TS('+', "PONG") } },
	{ "error",
	    IN("-ERR unknown command 'FROBZ', with args beginning with: "
	    "'a' \r\n"), 0, 1,
	    { TS('-', "ERR unknown command 'FROBZ', with args beginning "
	    "with: 'a' ") } },
	{ "integer", IN(":12345\r\n"), 0, 1, { TN(':', 12345) } },
	{ "integer min", IN(":-9223372036854775808\r\n"), 0, 1,
	    { TN(':', LLONG_MIN) } },
	{ "bulk", IN("$11\r\nHello World\r\n"), 0, 1,
	    { TS('$', "Hello World") } },
	{ "bulk binary", IN("$7\r\na\0b\r\nc\xff\r\n"), 0, 1,
	    { TS('$', "a\0b\r\nc\xff") } },
	{ "bulk empty", IN("$0\r\n\r\n"), 0, 1, { TS('$', "") } },
	{ "null bulk", IN("$-1\r\n"), 0, 1, { TN('_', 0) } },
	{ "null array", IN("*-1\r\n"), 0, 1, { TN('_', 0) } },
	{ "null", IN("_\r\n"), 0, 1, { TN('_', 0) } },
	{ "double", IN(",3.141\r\n"), 0, 1, { TS('+', "3.141") } },
	{ "bignum", IN("(1234567999999999999999999999999999999\r\n"), 0, 1,
	    { TS('+', "1234567999999999999999999999999999999") } },
	{ "true", IN("#t\r\n"), 0, 1, { TN(':', 1) } },
	{ "false", IN("#f\r\n"), 0, 1, { TN(':', 0) } },
	{ "verbatim", IN("=29\r\ntxt:This is a verbatim\nstring\r\n"), 0, 1,
	    { TS('$', "This is a verbatim\nstring") } },
	{ "blob error", IN("!21\r\nSYNTAX invalid syntax\r\n"), 0, 1,
	    { TS('-', "SYNTAX invalid syntax") } },
	{ "array", IN("*3\r\n:0\r\n:1\r\n:2\r\n"), 0, 4,
	    { TN('*', 3), TN(':', 0), TN(':', 1), TN(':', 2) } },
	{ "set", IN("~3\r\n:0\r\n:1\r\n:2\r\n"), 0, 4,
	    { TN('~', 3), TN(':', 0), TN(':', 1), TN(':', 2) } },
	{ "map", IN("%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"), 0, 7,
	    { TN('%', 6), TN(':', 0), TN(':', 0), TN(':', 1), TN(':', 1),
	    TN(':', 2), TN(':', 0) } },
	{ "empty array", IN("*0\r\n"), 0, 1, { TN('*', 0) } },
	{ "attribute",
	    IN("|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
	    "$39\r\nSome real reply following the attribute\r\n"), 0, 1,
	    { TS('$', "Some real reply following the attribute") } },
	{ "attribute inside", IN("*2\r\n|1\r\n+k\r\n|1\r\n+a\r\n+b\r\n+v\r\n"
	    ":1\r\n|0\r\n:2\r\n"), 0, 3,
	    { TN('*', 2), TN(':', 1), TN(':', 2) } },
	{ "push then reply",
	    IN(">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"
	    "$40\r\nSome real reply following the push reply\r\n"),
	    LEN(">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"), 3,
	    { TN('>', 2), TS('$', "server-cpu-usage"), TN(':', 42) } },
	{ "resp3 unsubscribe", IN(">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"),
	    0, 4, { TN('>', 3), TS('$', "unsubscribe"), TN('_', 0),
	    TN(':', 0) } },
	{ "resp2 unsubscribe",
	    IN("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"), 0, 4,
	    { TN('*', 3), TS('$', "unsubscribe"), TN('_', 0), TN(':', 0) } },
	{ "pmessage",
	    IN("*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$2\r\nn1\r\n$1\r\nz\r\n"),
	    0, 5, { TN('*', 4), TS('$', "pmessage"), TS('$', "n*"),
	    TS('$', "n1"), TS('$', "z") } },
	{ "hello 3",
	    IN("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"
	    "$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:22\r\n"
	    "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
	    "$7\r\nmodules\r\n*0\r\n"), 0, 15,
	    { TN('%', 14), TS('$', "server"), TS('$', "redis"),
	    TS('$', "version"), TS('$', "7.0.15"), TS('$', "proto"),
	    TN(':', 3), TS('$', "id"), TN(':', 22), TS('$', "mode"),
	    TS('$', "standalone"), TS('$', "role"), TS('$', "master"),
	    TS('$', "modules"), TN('*', 0) } },
	{ "nested nulls", IN("*2\r\n*-1\r\n*1\r\n_\r\n:7\r\n"),
	    LEN("*2\r\n*-1\r\n*1\r\n_\r\n"), 4,
	    { TN('*', 2), TN('_', 0), TN('*', 1), TN('_', 0) } },
};

static const struct reply_fail reply_fails[] = {
	{ "unknown type", IN("?x\r\n"), 0,
	    "Protocol error: invalid reply type" },
	{ "nested unknown type", IN("*2\r\n:1\r\n?\r\n"), 0,
	    "Protocol error: invalid reply type" },
	{ "bad integer", IN(":12a\r\n"), 0, "Protocol error: invalid integer" },
	{ "bad boolean", IN("#x\r\n"), 0, "Protocol error: invalid boolean" },
	{ "bad null", IN("_x\r\n"), 0, "Protocol error: invalid null" },
	{ "bad bulk length", IN("$-2\r\n"), 0,
	    "Protocol error: invalid bulk length" },
	{ "no CRLF after bulk", IN("$3\r\nabcXY"), 0,
	    "Protocol error: expected CRLF after bulk string" },
	{ "lone CR", IN("+a\rb\r\n"), LEN("+a\rb"),
	    "Protocol error: expected CRLF" },
	{ "null map", IN("%-1\r\n"), 0,
	    "Protocol error: invalid multibulk length" },
	{ "huge array", IN("*2147483648\r\n"), 0,
	    "Protocol error: invalid multibulk length" },
	{ "short verbatim", IN("=3\r\ntxt\r\n"), 0,
	    "Protocol error: bad verbatim string" },
	{ "verbatim no colon", IN("=5\r\ntxt-a\r\n"), 0,
	    "Protocol error: bad verbatim string" },
};

/* A copy of the first K bytes of IN in a buffer of exactly K bytes. */
static char *
dup_cut(const char *in, size_t k)
{
	char	*p;

	p = malloc(k > 0 ? k : 1);
	assert_non_null(p);
	memcpy(p, in, k);
	return (p);
}

/* The next cut to try: all of them, except in the middle of big input. */
static size_t
next_cut(size_t k, size_t n)
{
	if (n <= 4096 || k < 300 || k + 300 >= n)
		return (k + 1);
	return (k + 997 < n - 300 ? k + 997 : n - 300);
}

/* Fail unless ARGS holds C's arguments, inside [BASE, BASE + USED). */
static void
check_args(const struct req_case *c, size_t k, const struct resp_args *args,
    const char *base, size_t used)
{
	int	 i;

	if (args->argc != c->argc)
		fail_msg("%s: cut %zu: argc %d, want %d", c->name, k,
		    args->argc, c->argc);
	for (i = 0; i < c->argc; i++) {
		if (args->lens[i] != c->argv[i].len ||
		    memcmp(args->argv[i], c->argv[i].p, c->argv[i].len) != 0)
			fail_msg("%s: cut %zu: argument %d differs (len %zu)",
			    c->name, k, i, args->lens[i]);
		if (args->argv[i] < base ||
		    args->argv[i] + args->lens[i] > base + used)
			fail_msg("%s: argument %d outside the frame", c->name,
			    i);
	}
}

/* Every cut of a good request: incomplete until USED, then the command. */
static void
test_request_cuts(void **state)
{
	struct resp_args	 args = { 0 };
	const struct req_case	*c;
	const char		*err = NULL;
	size_t			 i, k, used, want;
	char			*p;
	int			 rc;

	for (i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++) {
		c = &req_cases[i];
		want = c->used != 0 ? c->used : c->inlen;
		for (k = 0; k <= c->inlen; k = next_cut(k, c->inlen)) {
			p = dup_cut(c->in, k);
			used = 12345;
			rc = resp_parse_request(p, k, CX_MAX_MESSAGE, &args,
			    &used, &err);
			if (k < want && rc != RESP_MORE)
				fail_msg("%s: cut %zu: rc %d, want MORE",
				    c->name, k, rc);
			if (k >= want) {
				if (rc != RESP_OK)
					fail_msg("%s: cut %zu: rc %d (%s)",
					    c->name, k, rc,
					    rc == RESP_ERROR ? err : "");
				if (used != want)
					fail_msg("%s: cut %zu: used %zu, "
					    "want %zu", c->name, k, used, want);
				check_args(c, k, &args, p, used);
			}
			free(p);
		}
	}
	resp_args_free(&args);
}

/* Good requests fed one byte at a time into a buffer that moves. */
static void
test_request_bytewise(void **state)
{
	struct resp_args	 args = { 0 };
	const struct req_case	*c;
	struct buf		 b;
	const char		*err;
	size_t			 i, k, used, want;
	int			 rc;

	for (i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++) {
		c = &req_cases[i];
		want = c->used != 0 ? c->used : c->inlen;
		buf_init(&b);

		/* Something consumed in front, so that data moves. */
		assert_int_equal(buf_add(&b, "junk", 4), 0);
		buf_consume(&b, 4);
		for (k = 0; k < c->inlen; k++) {
			assert_int_equal(buf_add(&b, c->in + k, 1), 0);
			rc = resp_parse_request(buf_head(&b), buf_used(&b),
			    CX_MAX_MESSAGE, &args, &used, &err);
			if (rc == RESP_MORE)
				continue;
			if (rc != RESP_OK || k + 1 != want)
				fail_msg("%s: byte %zu: rc %d", c->name, k, rc);
			check_args(c, k, &args, buf_head(&b), used);
			break;
		}
		if (k == c->inlen)
			fail_msg("%s: never complete", c->name);
		buf_free(&b);
	}
	resp_args_free(&args);
}

/* Check that every cut of IN gives MORE before DECIDE and ERR from it. */
static void
check_request_fail(const char *name, const char *in, size_t inlen,
    size_t decide, size_t maxbulk, const char *want)
{
	struct resp_args	 args = { 0 };
	const char		*err;
	size_t			 k, used;
	char			*p;
	int			 rc;

	if (decide == 0)
		decide = inlen;
	for (k = 0; k <= inlen; k = next_cut(k, inlen)) {
		p = dup_cut(in, k);
		err = NULL;
		rc = resp_parse_request(p, k, maxbulk, &args, &used, &err);
		if (k < decide && rc != RESP_MORE)
			fail_msg("%s: cut %zu: rc %d, want MORE", name, k, rc);
		if (k >= decide && want == NULL && rc != RESP_MORE)
			fail_msg("%s: cut %zu: rc %d, want MORE", name, k, rc);
		if (k >= decide && want != NULL && (rc != RESP_ERROR ||
		    err == NULL || strcmp(err, want) != 0))
			fail_msg("%s: cut %zu: rc %d err \"%s\", want \"%s\"",
			    name, k, rc, err != NULL ? err : "", want);
		free(p);
	}
	resp_args_free(&args);
}

/* Each protocol error, at the byte it becomes certain and after. */
static void
test_request_errors(void **state)
{
	const struct req_fail	*f;
	size_t			 i;

	for (i = 0; i < sizeof(req_fails) / sizeof(req_fails[0]); i++) {
		f = &req_fails[i];
		check_request_fail(f->name, f->in, f->inlen, f->decide,
		    CX_MAX_MESSAGE, f->err);
	}
}

/* Requests that are never complete, however they are cut. */
static void
test_request_waits(void **state)
{
	const struct req_fail	*f;
	size_t			 i;

	for (i = 0; i < sizeof(req_waits) / sizeof(req_waits[0]); i++) {
		f = &req_waits[i];
		check_request_fail(f->name, f->in, f->inlen, 0,
		    CX_MAX_MESSAGE, NULL);
	}
}

/* A bulk length is checked against the caller's maximum, inclusive. */
static void
test_request_maxbulk(void **state)
{
	static const char	 in[] = "*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n";
	struct resp_args	 args = { 0 };
	const char		*err;
	size_t			 used;
	char			*p;

	p = dup_cut(in, LEN(in));
	assert_int_equal(resp_parse_request(p, LEN(in), 5, &args, &used,
	    &err), RESP_OK);
	assert_int_equal(used, LEN(in));
	assert_int_equal(resp_parse_request(p, LEN(in), 4, &args, &used,
	    &err), RESP_ERROR);
	assert_string_equal(err, "Protocol error: invalid bulk length");
	free(p);
	resp_args_free(&args);

	/* Over the maximum fails with only the header there. */
	check_request_fail("maxbulk header", IN("*1\r\n$6\r\n"), 0, 5,
	    "Protocol error: invalid bulk length");
	check_request_fail("maxbulk 512M wait", IN("*1\r\n$536870912\r\n"), 0,
	    512 * 1024 * 1024, NULL);
}

/* Fill a buffer of N bytes: PREFIX, then FILL up to N. */
static char *
make_big(const char *prefix, size_t plen, char fill, size_t n)
{
	char	*p;

	p = malloc(n);
	assert_non_null(p);
	memset(p, fill, n);
	memcpy(p, prefix, plen);
	return (p);
}

/* Header lines with no end fail once longer than CX_MAX_INLINE. */
static void
test_request_too_big(void **state)
{
	struct resp_args	 args = { 0 };
	const char		*err;
	size_t			 n = CX_MAX_INLINE, used;
	char			*p;

	p = make_big("P", 1, 'P', n + 1);
	check_request_fail("inline", p, n + 1, n + 1, 0,
	    "Protocol error: too big inline request");
	check_request_fail("inline at limit", p, n, 0, 0, NULL);
	free(p);

	p = make_big("*", 1, '1', n + 1);
	check_request_fail("mbulk count", p, n + 1, n + 1, 0,
	    "Protocol error: too big mbulk count string");
	free(p);

	/* A NUL hides the CR, as strchr does in Redis. */
	p = make_big("*1\0\r\n", 5, '1', n + 1);
	check_request_fail("mbulk count NUL", p, n + 1, n + 1, 0,
	    "Protocol error: too big mbulk count string");
	free(p);

	/* Only what follows the bulk's own header line counts. */
	p = make_big("*1\r\n", 4, 'x', n + 5);
	check_request_fail("bulk count", p, n + 5, n + 5, 0,
	    "Protocol error: too big bulk count string");
	check_request_fail("bulk count at limit", p, n + 4, 0, 0, NULL);
	free(p);

	/* A CR as the last byte: Redis waits for the byte after it. */
	p = make_big("*1", 2, '1', n + 2);
	p[n + 1] = '\r';
	assert_int_equal(resp_parse_request(p, n + 2, 0, &args, &used, &err),
	    RESP_MORE);
	p[n + 1] = '1';
	assert_int_equal(resp_parse_request(p, n + 2, 0, &args, &used, &err),
	    RESP_ERROR);
	assert_string_equal(err, "Protocol error: too big mbulk count string");

	/* But not when a NUL hides that CR. */
	p[2] = '\0';
	p[n + 1] = '\r';
	assert_int_equal(resp_parse_request(p, n + 2, 0, &args, &used, &err),
	    RESP_ERROR);
	assert_string_equal(err, "Protocol error: too big mbulk count string");
	free(p);
	resp_args_free(&args);
}

/* Frames one after another in one buffer, fed one byte at a time. */
static void
test_request_pipeline(void **state)
{
	static const char	 in[] =
	    "*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n"
	    "*2\r\n$11\r\nUNSUBSCRIBE\r\n$1\r\na\r\n"
	    "*0\r\n"
	    "*3\r\n$7\r\nPUBLISH\r\n$1\r\na\r\n$1\r\nx\r\n"
	    "*-1\r\n"
	    "ping\r\n"
	    "\r\n"
	    "*1\r\n$4\r\nPING\r\n"
	    "ECHO \"x y\"\n";
	static const char	*want[] = {
	    "SUBSCRIBE a", "UNSUBSCRIBE a", "", "PUBLISH a x", "", "ping",
	    "", "PING", "ECHO x y"
	};
	struct resp_args	 args = { 0 };
	struct buf		 b;
	char			 got[64];
	const char		*err;
	size_t			 k, used, nframe = 0, gl;
	int			 rc, i;

	buf_init(&b);
	for (k = 0; k < LEN(in); k++) {
		assert_int_equal(buf_add(&b, in + k, 1), 0);
		while ((rc = resp_parse_request(buf_head(&b), buf_used(&b),
		    CX_MAX_MESSAGE, &args, &used, &err)) == RESP_OK) {
			gl = 0;
			for (i = 0; i < args.argc; i++) {
				if (i > 0)
					got[gl++] = ' ';
				memcpy(got + gl, args.argv[i], args.lens[i]);
				gl += args.lens[i];
			}
			got[gl] = '\0';
			assert_true(nframe < sizeof(want) / sizeof(want[0]));
			assert_string_equal(got, want[nframe]);
			nframe++;
			buf_consume(&b, used);
		}
		assert_int_equal(rc, RESP_MORE);
	}
	assert_int_equal(nframe, sizeof(want) / sizeof(want[0]));
	assert_int_equal(buf_used(&b), 0);
	buf_free(&b);
	resp_args_free(&args);
}

/* Inline arguments are unescaped where they lie in the input. */
static void
test_request_inline_in_place(void **state)
{
	static const char	 in[] = "ECHO \"a\\x42c\" 'd'\r\n";
	struct resp_args	 args = { 0 };
	const char		*err;
	size_t			 used;
	char			*p;

	p = dup_cut(in, LEN(in));
	assert_int_equal(resp_parse_request(p, LEN(in), 0, &args, &used,
	    &err), RESP_OK);
	assert_int_equal(used, LEN(in));
	assert_int_equal(args.argc, 3);
	assert_ptr_equal(args.argv[0], p);
	/* Arguments are packed: the second starts where the space was. */
	assert_ptr_equal(args.argv[1], p + 4);
	assert_int_equal(args.lens[1], 3);
	assert_memory_equal(p + 4, "aBc", 3);
	assert_ptr_equal(args.argv[2], p + 7);
	assert_memory_equal(args.argv[2], "d", 1);
	free(p);
	resp_args_free(&args);
}

/* Many arguments make the argument arrays grow, in both forms. */
static void
test_request_many_args(void **state)
{
	struct resp_args	 args = { 0 };
	struct buf		 b;
	const char		*argv[300], *err;
	size_t			 lens[300], used;
	char			 name[300][8];
	int			 i;

	buf_init(&b);
	for (i = 0; i < 300; i++) {
		lens[i] = snprintf(name[i], sizeof(name[i]), "c%d", i);
		argv[i] = name[i];
	}
	assert_int_equal(resp_add_command(&b, 300, argv, lens), 0);
	assert_int_equal(resp_parse_request(buf_head(&b), buf_used(&b),
	    CX_MAX_MESSAGE, &args, &used, &err), RESP_OK);
	assert_int_equal(used, buf_used(&b));
	assert_int_equal(args.argc, 300);
	assert_true(args.cap >= 300);
	for (i = 0; i < 300; i++) {
		assert_int_equal(args.lens[i], lens[i]);
		assert_memory_equal(args.argv[i], name[i], lens[i]);
	}
	buf_free(&b);

	/* The same as one inline line, arguments separated by spaces. */
	buf_init(&b);
	for (i = 0; i < 300; i++) {
		assert_int_equal(buf_add(&b, name[i], lens[i]), 0);
		assert_int_equal(buf_add(&b, i < 299 ? " " : "\n", 1), 0);
	}
	assert_int_equal(resp_parse_request(buf_head(&b), buf_used(&b),
	    CX_MAX_MESSAGE, &args, &used, &err), RESP_OK);
	assert_int_equal(args.argc, 300);
	for (i = 0; i < 300; i++)
		assert_memory_equal(args.argv[i], name[i], lens[i]);
	buf_free(&b);
	resp_args_free(&args);
	assert_null(args.argv);
	assert_int_equal(args.cap, 0);
}

/* Fail unless REPLY holds C's tokens. */
static void
check_tokens(const struct reply_case *c, size_t k,
    const struct resp_reply *reply)
{
	const struct resp_token	*t;
	const struct tok	*w;
	size_t			 i;

	if (reply->ntok != c->ntok)
		fail_msg("%s: cut %zu: %zu tokens, want %zu", c->name, k,
		    reply->ntok, c->ntok);
	for (i = 0; i < c->ntok; i++) {
		t = &reply->tok[i];
		w = &c->tok[i];
		if (t->type != w->type || t->n != w->n)
			fail_msg("%s: token %zu: '%c' %lld, want '%c' %lld",
			    c->name, i, t->type, t->n, w->type, w->n);
		if (w->s == NULL && t->s != NULL)
			fail_msg("%s: token %zu has a string", c->name, i);
		if (w->s != NULL && (t->s == NULL || t->len != w->len ||
		    memcmp(t->s, w->s, w->len) != 0))
			fail_msg("%s: token %zu: string differs", c->name, i);
	}
}

/* Every cut of a good reply: incomplete until USED, then the tokens. */
static void
test_reply_cuts(void **state)
{
	struct resp_reply	 reply = { 0 };
	const struct reply_case	*c;
	const char		*err = NULL;
	size_t			 i, k, used, want;
	char			*p;
	int			 rc;

	for (i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		c = &reply_cases[i];
		want = c->used != 0 ? c->used : c->inlen;
		for (k = 0; k <= c->inlen; k++) {
			p = dup_cut(c->in, k);
			rc = resp_parse_reply(p, k, &reply, &used, &err);
			if (k < want && rc != RESP_MORE)
				fail_msg("%s: cut %zu: rc %d, want MORE",
				    c->name, k, rc);
			if (k >= want) {
				if (rc != RESP_OK)
					fail_msg("%s: cut %zu: rc %d (%s)",
					    c->name, k, rc,
					    rc == RESP_ERROR ? err : "");
				if (used != want)
					fail_msg("%s: cut %zu: used %zu, "
					    "want %zu", c->name, k, used, want);
				check_tokens(c, k, &reply);
			}
			free(p);
		}
	}
	resp_reply_free(&reply);
}

/* Replies one after another, fed one byte at a time. */
static void
test_reply_bytewise(void **state)
{
	struct resp_reply	 reply = { 0 };
	const struct reply_case	*c;
	struct buf		 b;
	const char		*err;
	size_t			 i, k, used, nreply = 0;
	int			 rc;

	/* All the fixtures end to end: each is one reply, or two. */
	buf_init(&b);
	for (i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		c = &reply_cases[i];
		for (k = 0; k < c->inlen; k++) {
			assert_int_equal(buf_add(&b, c->in + k, 1), 0);
			rc = resp_parse_reply(buf_head(&b), buf_used(&b),
			    &reply, &used, &err);
			if (rc == RESP_MORE)
				continue;
			if (rc != RESP_OK)
				fail_msg("%s: byte %zu: %s", c->name, k, err);
			if (c->used == 0 || used == c->used) {
				if (c->used == 0 && k + 1 != c->inlen)
					fail_msg("%s: early at %zu", c->name,
					    k);
				check_tokens(c, k, &reply);
			}
			nreply++;
			buf_consume(&b, used);
		}
		assert_int_equal(buf_used(&b), 0);
	}
	assert_int_equal(nreply, sizeof(reply_cases) /
	    sizeof(reply_cases[0]) + 2);
	buf_free(&b);
	resp_reply_free(&reply);
}

/* Each reply error, at the byte it becomes certain and after. */
static void
test_reply_errors(void **state)
{
	struct resp_reply	 reply = { 0 };
	const struct reply_fail	*f;
	const char		*err;
	size_t			 i, k, used, decide;
	char			*p;
	int			 rc;

	for (i = 0; i < sizeof(reply_fails) / sizeof(reply_fails[0]); i++) {
		f = &reply_fails[i];
		decide = f->decide != 0 ? f->decide : f->inlen;
		for (k = 0; k <= f->inlen; k++) {
			p = dup_cut(f->in, k);
			err = NULL;
			rc = resp_parse_reply(p, k, &reply, &used, &err);
			if (k < decide && rc != RESP_MORE)
				fail_msg("%s: cut %zu: rc %d, want MORE",
				    f->name, k, rc);
			if (k >= decide && (rc != RESP_ERROR ||
			    strcmp(err, f->err) != 0))
				fail_msg("%s: cut %zu: rc %d err \"%s\"",
				    f->name, k, rc, err != NULL ? err : "");
			free(p);
		}
	}
	resp_reply_free(&reply);
}

/* resp_skip steps over a token and everything nested in it. */
static void
test_reply_skip(void **state)
{
	static const char	 in[] =
	    "*3\r\n*2\r\n:1\r\n*1\r\n+a\r\n%1\r\n+k\r\n*0\r\n:9\r\n";
	static const size_t	 skip[] = { 9, 5, 3, 5, 5, 8, 7, 8, 9 };
	static const char	 types[] = "**:*+%+*:";
	struct resp_reply	 reply = { 0 };
	const char		*err;
	size_t			 used, i;

	assert_int_equal(resp_parse_reply(in, LEN(in), &reply, &used, &err),
	    RESP_OK);
	assert_int_equal(used, LEN(in));
	assert_int_equal(reply.ntok, 9);
	for (i = 0; i < 9; i++) {
		assert_int_equal(reply.tok[i].type, types[i]);
		assert_int_equal(resp_skip(&reply, i), skip[i]);
	}
	assert_int_equal(reply.tok[5].n, 2);
	assert_int_equal(resp_skip(&reply, 9), 9);
	resp_reply_free(&reply);
	assert_null(reply.tok);
}

/* Deep nesting is walked without recursion. */
static void
test_reply_deep(void **state)
{
	struct resp_reply	 reply = { 0 };
	struct buf		 b;
	const char		*err;
	size_t			 used;
	int			 i, depth = 100000;

	buf_init(&b);
	for (i = 0; i < depth; i++)
		assert_int_equal(resp_add_array(&b, '*', 1), 0);
	assert_int_equal(resp_parse_reply(buf_head(&b), buf_used(&b), &reply,
	    &used, &err), RESP_MORE);
	assert_int_equal(resp_add_int(&b, 5), 0);
	assert_int_equal(resp_parse_reply(buf_head(&b), buf_used(&b), &reply,
	    &used, &err), RESP_OK);
	assert_int_equal(used, buf_used(&b));
	assert_int_equal(reply.ntok, depth + 1);
	assert_int_equal(resp_skip(&reply, 0), depth + 1);
	assert_int_equal(resp_skip(&reply, depth - 1), depth + 1);
	assert_int_equal(reply.tok[depth].n, 5);
	buf_free(&b);
	resp_reply_free(&reply);
}

/* Fail unless B holds exactly WANT. */
static void
check_buf(struct buf *b, const char *want, size_t len)
{
	if (buf_used(b) != len || memcmp(buf_head(b), want, len) != 0)
		fail_msg("buffer holds %zu bytes \"%.*s\", want \"%.*s\"",
		    buf_used(b), (int)buf_used(b), buf_head(b), (int)len,
		    want);
	buf_free(b);
}

/* resp_ulltoa writes only the digits, right-aligned before END. */
static void
test_ulltoa(void **state)
{
	char			 tmp[32], want[32];
	char			*p, *end = tmp + 30;
	unsigned long long	 v, pow;
	int			 d, delta;

	memset(tmp, '#', sizeof(tmp));
	p = resp_ulltoa(0, end);
	assert_ptr_equal(p, end - 1);
	assert_memory_equal(p, "0", 1);
	assert_int_equal(p[-1], '#');
	assert_int_equal(end[0], '#');

	p = resp_ulltoa(18446744073709551615ULL, end);
	assert_ptr_equal(p, end - 20);
	assert_memory_equal(p, "18446744073709551615", 20);
	assert_int_equal(p[-1], '#');
	assert_int_equal(end[0], '#');

	/* Around every power of ten, against printf. */
	for (d = 0, pow = 1; d < 20; d++, pow *= 10) {
		for (delta = -1; delta <= 1; delta++) {
			v = pow + delta;
			snprintf(want, sizeof(want), "%llu", v);
			p = resp_ulltoa(v, end);
			assert_int_equal(end - p, strlen(want));
			assert_memory_equal(p, want, strlen(want));
		}
	}
}

/* The exact bytes of each writer. */
static void
test_writers(void **state)
{
	struct buf	 b;

	buf_init(&b);
	assert_int_equal(resp_add_bulk(&b, "a\r\nb", 4), 0);
	check_buf(&b, IN("$4\r\na\r\nb\r\n"));

	assert_int_equal(resp_add_bulk(&b, NULL, 0), 0);
	check_buf(&b, IN("$0\r\n\r\n"));

	assert_int_equal(resp_add_bulk(&b, "a\0b", 3), 0);
	check_buf(&b, IN("$3\r\na\0b\r\n"));

	assert_int_equal(resp_add_int(&b, LLONG_MIN), 0);
	check_buf(&b, IN(":-9223372036854775808\r\n"));

	assert_int_equal(resp_add_int(&b, LLONG_MAX), 0);
	check_buf(&b, IN(":9223372036854775807\r\n"));

	assert_int_equal(resp_add_int(&b, 0), 0);
	assert_int_equal(resp_add_int(&b, -1), 0);
	assert_int_equal(resp_add_int(&b, 10), 0);
	check_buf(&b, IN(":0\r\n:-1\r\n:10\r\n"));

	assert_int_equal(resp_add_array(&b, '*', 3), 0);
	assert_int_equal(resp_add_array(&b, '>', 0), 0);
	assert_int_equal(resp_add_array(&b, '%', 12), 0);
	check_buf(&b, IN("*3\r\n>0\r\n%12\r\n"));

	assert_int_equal(resp_add_array(&b, '*', SIZE_MAX), 0);
	check_buf(&b, IN("*18446744073709551615\r\n"));

	assert_int_equal(resp_add_line(&b, '+', "OK"), 0);
	assert_int_equal(resp_add_line(&b, '+', ""), 0);
	check_buf(&b, IN("+OK\r\n+\r\n"));

	/* CR and LF cannot end an error line early. */
	assert_int_equal(resp_add_line(&b, '-', "ERR a\r\n+OK\nb"), 0);
	check_buf(&b, IN("-ERR a  +OK b\r\n"));
}

/* Commands are arrays of bulk strings, byte for byte. */
static void
test_add_command(void **state)
{
	static const char	*argv[] = { "PUBLISH", "bin", "a\0b\r\nc\xff" };
	static const size_t	 lens[] = { 7, 3, 7 };
	struct buf		 b;

	buf_init(&b);
	assert_int_equal(resp_add_command(&b, 3, argv, lens), 0);
	check_buf(&b,
	    IN("*3\r\n$7\r\nPUBLISH\r\n$3\r\nbin\r\n$7\r\na\0b\r\nc\xff\r\n"));

	assert_int_equal(resp_add_command(&b, 0, argv, lens), 0);
	check_buf(&b, IN("*0\r\n"));
}

/* Writers append after unread data, including after a consume. */
static void
test_writers_append(void **state)
{
	struct buf	 b;
	char		 big[100000];

	buf_init(&b);
	assert_int_equal(buf_add(&b, "xyz", 3), 0);
	buf_consume(&b, 1);
	assert_int_equal(resp_add_int(&b, 5), 0);
	assert_int_equal(resp_add_line(&b, '+', "OK"), 0);
	check_buf(&b, IN("yz:5\r\n+OK\r\n"));

	/* A bulk larger than the buffer grows it once. */
	memset(big, 'q', sizeof(big));
	assert_int_equal(buf_add(&b, "x", 1), 0);
	assert_int_equal(resp_add_bulk(&b, big, sizeof(big)), 0);
	assert_int_equal(buf_used(&b), 1 + 9 + sizeof(big) + 2);
	assert_memory_equal(buf_head(&b), "x$100000\r\nqq", 12);
	assert_memory_equal(buf_head(&b) + buf_used(&b) - 3, "q\r\n", 3);
	buf_free(&b);
}

/* What resp_add_command writes, resp_parse_request reads back. */
static void
test_roundtrip(void **state)
{
	struct resp_args	 args = { 0 };
	struct buf		 b;
	const char		*argv[5], *err;
	size_t			 lens[5], used, off;
	char			 data[5][300];
	unsigned int		 seed = 12345;
	int			 round, argc, i;
	size_t			 j;

	for (round = 0; round < 300; round++) {
		buf_init(&b);
		argc = 1 + round % 5;
		for (i = 0; i < argc; i++) {
			seed = seed * 1103515245 + 12345;
			lens[i] = (seed >> 8) % 300;
			for (j = 0; j < lens[i]; j++) {
				seed = seed * 1103515245 + 12345;
				data[i][j] = (char)(seed >> 16);
			}
			argv[i] = data[i];
		}
		assert_int_equal(resp_add_command(&b, argc, argv, lens), 0);
		off = buf_used(&b);
		assert_int_equal(resp_add_command(&b, argc, argv, lens), 0);

		assert_int_equal(resp_parse_request(buf_head(&b),
		    buf_used(&b), CX_MAX_MESSAGE, &args, &used, &err),
		    RESP_OK);
		assert_int_equal(used, off);
		assert_int_equal(args.argc, argc);
		for (i = 0; i < argc; i++) {
			assert_int_equal(args.lens[i], lens[i]);
			assert_memory_equal(args.argv[i], data[i], lens[i]);
		}
		buf_free(&b);
	}
	resp_args_free(&args);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_request_cuts),
		cmocka_unit_test(test_request_bytewise),
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_request_waits),
		cmocka_unit_test(test_request_maxbulk),
		cmocka_unit_test(test_request_too_big),
		cmocka_unit_test(test_request_pipeline),
		cmocka_unit_test(test_request_inline_in_place),
		cmocka_unit_test(test_request_many_args),
		cmocka_unit_test(test_reply_cuts),
		cmocka_unit_test(test_reply_bytewise),
		cmocka_unit_test(test_reply_errors),
		cmocka_unit_test(test_reply_skip),
		cmocka_unit_test(test_reply_deep),
		cmocka_unit_test(test_ulltoa),
		cmocka_unit_test(test_writers),
		cmocka_unit_test(test_add_command),
		cmocka_unit_test(test_writers_append),
		cmocka_unit_test(test_roundtrip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
