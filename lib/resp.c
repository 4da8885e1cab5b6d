/*
 * resp.c: the Redis serialization protocol.  Writers append replies and
 * commands to a buf; the request parser takes what redis-server takes and
 * refuses what it refuses, in its words; the reply parser reads RESP2 and
 * RESP3 into a flat list of tokens.
 */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cxbus-int.h"

/*
 * Most arguments one command may have.  Redis 7 allows up to INT_MAX;
 * older Redis stopped at this, and nothing on a bus needs more.
 */
#define RESP_MAX_ARGS		(1024 * 1024)

/* Most elements an aggregate reply may announce. */
#define RESP_MAX_ELEMENTS	INT_MAX

/* The longest header: type, sign, 20 digits, CR LF. */
#define RESP_HEAD_MAX		24

/* Pairs of decimal digits, so that numbers are written two at a time. */
static const char resp_digits[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/*
 * The one error whose text depends on the input.  It stays valid until
 * the next parse in the same thread.
 */
static _Thread_local char resp_errbuf[64];

static const char resp_enomem[] = "Out of memory";

/* How many decimal digits V has. */
static int
resp_ndigits(unsigned long long v)
{
	int	 n = 1;

	while (v >= 10000) {
		v /= 10000;
		n += 4;
	}
	if (v >= 1000)
		return (n + 3);
	if (v >= 100)
		return (n + 2);
	if (v >= 10)
		return (n + 1);
	return (n);
}

/* Write V in decimal so that it ends just before END; return its start. */
char *
resp_ulltoa(unsigned long long v, char *end)
{
	char		*p = end;
	unsigned int	 i;

	while (v >= 100) {
		i = (unsigned int)(v % 100) * 2;
		v /= 100;
		*--p = resp_digits[i + 1];
		*--p = resp_digits[i];
	}
	if (v >= 10) {
		i = (unsigned int)v * 2;
		*--p = resp_digits[i + 1];
		*--p = resp_digits[i];
	} else
		*--p = '0' + (char)v;
	return (p);
}

/* Write "<type><v>\r\n" at DST, which has room, and return its end. */
static char *
resp_put_head(char *dst, char type, unsigned long long v)
{
	char	*end;

	*dst++ = type;
	end = dst + resp_ndigits(v);
	resp_ulltoa(v, end);
	end[0] = '\r';
	end[1] = '\n';
	return (end + 2);
}

/* Write one bulk string at DST, which has room, and return its end. */
static char *
resp_put_bulk(char *dst, const void *p, size_t len)
{
	dst = resp_put_head(dst, '$', len);
	if (len > 0)
		memcpy(dst, p, len);
	dst[len] = '\r';
	dst[len + 1] = '\n';
	return (dst + len + 2);
}

/* Append an aggregate header: '*' array, '>' push or '%' map. */
int
resp_add_array(struct buf *b, char type, size_t n)
{
	char	*end;

	if (buf_reserve(b, RESP_HEAD_MAX) == -1)
		return (-1);
	end = resp_put_head(b->data + b->len, type, n);
	b->len = end - b->data;
	return (0);
}

/* Append a bulk string; it may hold any bytes. */
int
resp_add_bulk(struct buf *b, const void *p, size_t len)
{
	char	*end;

	if (len > SIZE_MAX - RESP_HEAD_MAX - 2) {
		errno = ENOMEM;
		return (-1);
	}
	if (buf_reserve(b, RESP_HEAD_MAX + len + 2) == -1)
		return (-1);
	end = resp_put_bulk(b->data + b->len, p, len);
	b->len = end - b->data;
	return (0);
}

/* Append an integer reply. */
int
resp_add_int(struct buf *b, long long v)
{
	unsigned long long	 u;
	char			*dst;

	if (buf_reserve(b, RESP_HEAD_MAX) == -1)
		return (-1);
	dst = b->data + b->len;

	/* Negate as unsigned so that LLONG_MIN survives. */
	if (v < 0) {
		u = 0ULL - (unsigned long long)v;
		*dst++ = ':';
		dst = resp_put_head(dst, '-', u);
	} else
		dst = resp_put_head(dst, ':', (unsigned long long)v);
	b->len = dst - b->data;
	return (0);
}

/*
 * Append a one-line reply such as "+OK" or "-ERR ...".  CR and LF in the
 * text become spaces, as Redis does for errors, so that text quoting a
 * client can never end the line early and forge a reply.
 */
int
resp_add_line(struct buf *b, char type, const char *text)
{
	size_t	 len = strlen(text), i;
	char	*dst;

	if (len > SIZE_MAX - RESP_HEAD_MAX) {
		errno = ENOMEM;
		return (-1);
	}
	if (buf_reserve(b, len + 3) == -1)
		return (-1);
	dst = b->data + b->len;

	dst[0] = type;
	memcpy(dst + 1, text, len);
	for (i = 1; i <= len; i++) {
		if (dst[i] == '\r' || dst[i] == '\n')
			dst[i] = ' ';
	}
	dst[len + 1] = '\r';
	dst[len + 2] = '\n';
	b->len += len + 3;
	return (0);
}

/* Append a command: an array of ARGC bulk strings. */
int
resp_add_command(struct buf *b, int argc, const char **argv,
    const size_t *lens)
{
	size_t	 total = RESP_HEAD_MAX;
	char	*dst;
	int	 i;

	/* Size it all first, so that the buffer grows at most once. */
	for (i = 0; i < argc; i++) {
		if (lens[i] > SIZE_MAX / 2 - total - RESP_HEAD_MAX - 2) {
			errno = ENOMEM;
			return (-1);
		}
		total += RESP_HEAD_MAX + lens[i] + 2;
	}
	if (buf_reserve(b, total) == -1)
		return (-1);

	dst = resp_put_head(b->data + b->len, '*', argc < 0 ? 0 : argc);
	for (i = 0; i < argc; i++)
		dst = resp_put_bulk(dst, argv[i], lens[i]);
	b->len = dst - b->data;
	return (0);
}

/*
 * Read the decimal number in [S, E) with Redis's string2ll rules: no
 * sign but '-', no leading zero, no space, nothing out of range.
 */
static int
resp_strtoll(const char *s, const char *e, long long *v)
{
	unsigned long long	 u;
	size_t			 n = e - s;
	int			 neg = 0, d;

	if (n == 0 || n >= 21)
		return (0);
	if (n == 1 && *s == '0') {
		*v = 0;
		return (1);
	}

	if (*s == '-') {
		neg = 1;
		if (++s == e)
			return (0);
	}
	if (*s < '1' || *s > '9')
		return (0);
	u = *s++ - '0';
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return (0);
		d = *s - '0';
		if (u > (ULLONG_MAX - d) / 10)
			return (0);
		u = u * 10 + d;
	}

	if (neg) {
		if (u > (unsigned long long)LLONG_MAX + 1)
			return (0);
		*v = u == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN :
		    -(long long)u;
	} else {
		if (u > LLONG_MAX)
			return (0);
		*v = (long long)u;
	}
	return (1);
}

/*
 * What Redis does with a header line it cannot find the end of: wait for
 * more, unless what is buffered from S on is already too long.
 */
static int
resp_header_lost(const char *s, const char *end)
{
	if ((size_t)(end - s) > CX_MAX_INLINE)
		return (RESP_ERROR);
	return (RESP_MORE);
}

/*
 * Find the CR ending the header line at S.  RESP_OK sets *CRP once one
 * byte follows it: Redis then skips that byte without looking at it.
 * Redis looks with strchr, so a NUL before the CR hides it; a line with
 * a NUL is bad anyway, so callers check for that only on failure.
 */
static int
resp_header(char *s, const char *end, char **crp)
{
	char	*cr;

	cr = memchr(s, '\r', end - s);
	if (cr != NULL && cr + 1 < end) {
		*crp = cr;
		return (RESP_OK);
	}
	if (cr != NULL && memchr(s, '\0', cr - s) == NULL)
		return (RESP_MORE);
	return (resp_header_lost(s, end));
}

/* The header at S is not a '$' line: say what it starts with instead. */
static int
resp_expected_dollar(char c, const char **err)
{
	static const char	 prefix[] =
	    "Protocol error: expected '$', got '";
	size_t			 n = sizeof(prefix) - 1;

	memcpy(resp_errbuf, prefix, n);

	/* Redis turns CR and LF in error text into spaces. */
	resp_errbuf[n] = (c == '\r' || c == '\n') ? ' ' : c;
	resp_errbuf[n + 1] = '\'';
	resp_errbuf[n + 2] = '\0';
	*err = resp_errbuf;
	return (RESP_ERROR);
}

/* Make room for at least WANT arguments. */
static int
resp_args_grow(struct resp_args *args, int want)
{
	char	**argv;
	size_t	 *lens;
	int	  cap;

	if (want <= args->cap)
		return (0);
	cap = args->cap > 0 ? args->cap : 8;
	while (cap < want)
		cap = cap > INT_MAX / 2 ? want : cap * 2;

	if ((argv = reallocarray(args->argv, cap, sizeof(*argv))) == NULL)
		return (-1);
	args->argv = argv;
	if ((lens = reallocarray(args->lens, cap, sizeof(*lens))) == NULL)
		return (-1);
	args->lens = lens;
	args->cap = cap;
	return (0);
}

/* Free the argument arrays. */
void
resp_args_free(struct resp_args *args)
{
	free(args->argv);
	free(args->lens);
	memset(args, 0, sizeof(*args));
}

/*
 * Parse "*N\r\n" and N bulk strings, as Redis's processMultibulkBuffer.
 * Like Redis, the two bytes after a CR and after a bulk's body are
 * skipped unread.
 */
static int
resp_parse_multibulk(char *p, size_t len, size_t maxbulk,
    struct resp_args *args, size_t *used, const char **err)
{
	const char	*end = p + len;
	char		*s, *cr;
	long long	 argc, n;
	int		 i, r;

	/* The count line. */
	r = resp_header(p, end, &cr);
	if (r == RESP_OK && (!resp_strtoll(p + 1, cr, &argc) ||
	    argc > RESP_MAX_ARGS)) {
		if (memchr(p, '\0', cr - p) == NULL) {
			*err = "Protocol error: invalid multibulk length";
			return (RESP_ERROR);
		}
		r = resp_header_lost(p, end);
	}
	if (r == RESP_ERROR)
		*err = "Protocol error: too big mbulk count string";
	if (r != RESP_OK)
		return (r);
	s = cr + 2;

	/* An empty or null multibulk is a command with no arguments. */
	if (argc <= 0) {
		*used = s - p;
		return (RESP_OK);
	}

	for (i = 0; i < argc; i++) {
		/* The "$L" line: a bad length fails before the body comes. */
		r = resp_header(s, end, &cr);
		if (r == RESP_OK && (*s != '$' ||
		    !resp_strtoll(s + 1, cr, &n) || n < 0 ||
		    (unsigned long long)n > maxbulk)) {
			if (memchr(s, '\0', cr - s) != NULL)
				r = resp_header_lost(s, end);
			else if (*s != '$')
				return (resp_expected_dollar(*s, err));
			else {
				*err = "Protocol error: invalid bulk length";
				return (RESP_ERROR);
			}
		}
		if (r == RESP_ERROR)
			*err = "Protocol error: too big bulk count string";
		if (r != RESP_OK)
			return (r);
		s = cr + 2;

		/* The body and the two bytes after it. */
		if ((size_t)(end - s) < 2 ||
		    (size_t)(end - s) - 2 < (unsigned long long)n)
			return (RESP_MORE);
		if (i >= args->cap && resp_args_grow(args, i + 1) == -1) {
			*err = resp_enomem;
			return (RESP_ERROR);
		}
		args->argv[i] = s;
		args->lens[i] = n;
		s += n + 2;
	}

	args->argc = argc;
	*used = s - p;
	return (RESP_OK);
}

/* Whether C is a space to isspace(3) in the C locale. */
static int
resp_isspace(char c)
{
	return (c == ' ' || (c >= '\t' && c <= '\r'));
}

/* The value of hex digit C, or -1; URLs in client.c use it too. */
int
resp_hex(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Undo the escape after the backslash at R inside double quotes, as
 * sdssplitargs; *C gets the byte and the return is how much was read.
 */
static int
resp_unescape(const char *r, const char *end, char *c)
{
	int	 hi, lo;

	if (end - r >= 4 && r[1] == 'x' && (hi = resp_hex(r[2])) != -1 &&
	    (lo = resp_hex(r[3])) != -1) {
		*c = (char)(hi * 16 + lo);
		return (4);
	}
	switch (r[1]) {
	case 'n':
		*c = '\n';
		break;
	case 'r':
		*c = '\r';
		break;
	case 't':
		*c = '\t';
		break;
	case 'b':
		*c = '\b';
		break;
	case 'a':
		*c = '\a';
		break;
	default:
		*c = r[1];
		break;
	}
	return (2);
}

/*
 * Copy one argument from *RP to *WP, undoing quotes and escapes as
 * sdssplitargs does; WP never passes RP, so this works in place.
 * Returns -1 for an unclosed quote or a quote closed inside a word.
 */
static int
resp_token(char **rp, const char *end, char **wp)
{
	char	*r = *rp, *w = *wp, c, q = 0;

	for (;;) {
		if (q == 0) {
			/*
			 * Outside quotes only these end a word: VT and FF
			 * separate words but not inside one, as in Redis.
			 */
			if (r == end)
				break;
			if (*r == ' ' || *r == '\n' || *r == '\r' ||
			    *r == '\t') {
				r++;
				break;
			}
			if (*r == '"' || *r == '\'')
				q = *r;
			else
				*w++ = *r;
			r++;
			continue;
		}

		if (r == end)
			return (-1);
		if (*r == q) {
			/* A closing quote must end the word. */
			if (++r != end && !resp_isspace(*r))
				return (-1);
			break;
		}
		if (*r == '\\' && end - r >= 2 && q == '"') {
			r += resp_unescape(r, end, &c);
			*w++ = c;
		} else if (*r == '\\' && end - r >= 2 && r[1] == '\'' &&
		    q == '\'') {
			*w++ = '\'';
			r += 2;
		} else
			*w++ = *r++;
	}

	*rp = r;
	*wp = w;
	return (0);
}

/* Split the inline command in [P, END) into arguments, in place. */
static int
resp_split(char *p, const char *end, struct resp_args *args,
    const char **err)
{
	char	*r = p, *w = p, *start;
	int	 argc = 0;

	for (;;) {
		while (r < end && resp_isspace(*r))
			r++;
		if (r == end)
			break;

		start = w;
		if (resp_token(&r, end, &w) == -1) {
			*err = "Protocol error: unbalanced quotes in request";
			return (RESP_ERROR);
		}
		if (argc == INT_MAX || resp_args_grow(args, argc + 1) == -1) {
			*err = resp_enomem;
			return (RESP_ERROR);
		}
		args->argv[argc] = start;
		args->lens[argc] = w - start;
		argc++;
	}

	args->argc = argc;
	return (RESP_OK);
}

/* Parse one line of text as a command, as Redis's processInlineBuffer. */
static int
resp_parse_inline(char *p, size_t len, struct resp_args *args,
    size_t *used, const char **err)
{
	char	*nl, *end;
	int	 r;

	/* Redis looks for the newline with strchr, so a NUL hides it. */
	nl = memchr(p, '\n', len);
	if (memchr(p, '\0', nl != NULL ? (size_t)(nl - p) : len) != NULL)
		nl = NULL;
	if (nl == NULL) {
		if (len > CX_MAX_INLINE) {
			*err = "Protocol error: too big inline request";
			return (RESP_ERROR);
		}
		return (RESP_MORE);
	}

	/* Drop the CR of a CR LF, as Redis does, so quotes end before it. */
	end = nl;
	if (end > p && end[-1] == '\r')
		end--;
	if ((r = resp_split(p, end, args, err)) != RESP_OK) {
		args->argc = 0;
		return (r);
	}
	*used = nl + 1 - p;
	return (RESP_OK);
}

/*
 * Parse one command from P.  Inline commands are unescaped in place.
 * Arguments point into P and stay valid while P does.
 */
int
resp_parse_request(char *p, size_t len, size_t maxbulk,
    struct resp_args *args, size_t *used, const char **err)
{
	args->argc = 0;
	if (len == 0)
		return (RESP_MORE);
	if (*p == '*')
		return (resp_parse_multibulk(p, len, maxbulk, args, used, err));
	return (resp_parse_inline(p, len, args, used, err));
}

/* Whether a token of TYPE has children. */
static int
resp_is_aggregate(char type)
{
	return (type == '*' || type == '>' || type == '%' || type == '~');
}

/*
 * Walk tokens from I until NEED values are complete and return the index
 * after them.  An attribute ('|') is not a value: its children are extra.
 */
static size_t
resp_walk(const struct resp_token *tok, size_t ntok, size_t i,
    unsigned long long need)
{
	for (; need > 0 && i < ntok; i++) {
		if (tok[i].type == '|') {
			need += tok[i].n;
			continue;
		}
		need--;
		if (resp_is_aggregate(tok[i].type))
			need += tok[i].n;
	}
	return (i);
}

/* The index just past token I and all its descendants. */
size_t
resp_skip(const struct resp_reply *reply, size_t i)
{
	return (resp_walk(reply->tok, reply->ntok, i, 1));
}

/* Append an empty token; NULL when memory runs out. */
static struct resp_token *
resp_reply_push(struct resp_reply *reply)
{
	struct resp_token	*tok;
	size_t			 cap;

	if (reply->ntok == reply->cap) {
		cap = reply->cap > 0 ? reply->cap * 2 : 16;
		tok = reallocarray(reply->tok, cap, sizeof(*tok));
		if (tok == NULL)
			return (NULL);
		reply->tok = tok;
		reply->cap = cap;
	}
	tok = &reply->tok[reply->ntok++];
	memset(tok, 0, sizeof(*tok));
	return (tok);
}

/* Remove attributes and everything in them from the token list. */
static void
resp_reply_drop_attributes(struct resp_reply *reply)
{
	size_t	 r = 0, w = 0;

	while (r < reply->ntok) {
		if (reply->tok[r].type == '|') {
			r = resp_walk(reply->tok, reply->ntok, r + 1,
			    reply->tok[r].n);
			continue;
		}
		reply->tok[w++] = reply->tok[r++];
	}
	reply->ntok = w;
}

/* Read a bulk-like body of V bytes at *SP into T. */
static int
resp_reply_body(const char **sp, const char *end, long long v,
    struct resp_token *t, const char **err)
{
	const char	*s = *sp;

	if ((size_t)(end - s) < 2 || (size_t)(end - s) - 2 <
	    (unsigned long long)v)
		return (RESP_MORE);
	if (s[v] != '\r' || s[v + 1] != '\n') {
		*err = "Protocol error: expected CRLF after bulk string";
		return (RESP_ERROR);
	}
	t->s = s;
	t->len = v;
	*sp = s + v + 2;
	return (RESP_OK);
}

/*
 * Read one value's header, and its body for strings, at *SP into T.
 * Aggregates only announce their children, which come as further values.
 */
static int
resp_reply_one(const char **sp, const char *end, struct resp_token *t,
    const char **err)
{
	const char	*s = *sp, *line, *cr;
	long long	 v;
	char		 type;
	int		 r;

	if (s == end)
		return (RESP_MORE);
	type = *s;
	line = s + 1;
	cr = memchr(line, '\r', end - line);
	if (cr == NULL || cr + 1 == end)
		return (RESP_MORE);
	if (cr[1] != '\n') {
		*err = "Protocol error: expected CRLF";
		return (RESP_ERROR);
	}
	s = cr + 2;

	t->type = type;
	switch (type) {
	case '+':
	case '-':
	case ',':
	case '(':
		/* Doubles and big numbers are kept as their text. */
		if (type != '-')
			t->type = '+';
		t->s = line;
		t->len = cr - line;
		break;
	case ':':
		if (!resp_strtoll(line, cr, &t->n)) {
			*err = "Protocol error: invalid integer";
			return (RESP_ERROR);
		}
		break;
	case '#':
		if (cr - line != 1 || (*line != 't' && *line != 'f')) {
			*err = "Protocol error: invalid boolean";
			return (RESP_ERROR);
		}
		t->type = ':';
		t->n = *line == 't';
		break;
	case '_':
		if (cr != line) {
			*err = "Protocol error: invalid null";
			return (RESP_ERROR);
		}
		break;
	case '$':
	case '!':
	case '=':
		if (!resp_strtoll(line, cr, &v) || v < -1 ||
		    (v == -1 && type != '$')) {
			*err = "Protocol error: invalid bulk length";
			return (RESP_ERROR);
		}
		if (v == -1) {
			t->type = '_';
			break;
		}
		if ((r = resp_reply_body(&s, end, v, t, err)) != RESP_OK)
			return (r);
		t->type = type == '!' ? '-' : '$';

		/* A verbatim string starts with its format, as "txt:". */
		if (type == '=') {
			if (t->len < 4 || t->s[3] != ':') {
				*err = "Protocol error: bad verbatim string";
				return (RESP_ERROR);
			}
			t->s += 4;
			t->len -= 4;
		}
		break;
	case '*':
	case '>':
	case '~':
	case '%':
	case '|':
		if (!resp_strtoll(line, cr, &v) || v < -1 ||
		    v > RESP_MAX_ELEMENTS || (v == -1 && type != '*')) {
			*err = "Protocol error: invalid multibulk length";
			return (RESP_ERROR);
		}
		if (v == -1) {
			t->type = '_';
			break;
		}
		t->n = (type == '%' || type == '|') ? v * 2 : v;
		break;
	default:
		*err = "Protocol error: invalid reply type";
		return (RESP_ERROR);
	}

	*sp = s;
	return (RESP_OK);
}

/* Free a reply's tokens. */
void
resp_reply_free(struct resp_reply *reply)
{
	free(reply->tok);
	memset(reply, 0, sizeof(*reply));
}

/*
 * Parse one reply from P into REPLY's tokens, which point into P.
 * Attributes are read and dropped: the value after them is the reply.
 */
int
resp_parse_reply(const char *p, size_t len, struct resp_reply *reply,
    size_t *used, const char **err)
{
	const char		*s = p, *end = p + len;
	struct resp_token	 t, *slot;
	unsigned long long	 need = 1;
	int			 r, attributes = 0;

	reply->ntok = 0;
	while (need > 0) {
		memset(&t, 0, sizeof(t));
		if ((r = resp_reply_one(&s, end, &t, err)) != RESP_OK) {
			reply->ntok = 0;
			return (r);
		}
		if ((slot = resp_reply_push(reply)) == NULL) {
			reply->ntok = 0;
			*err = resp_enomem;
			return (RESP_ERROR);
		}
		*slot = t;

		if (t.type == '|') {
			attributes = 1;
			need += t.n;
		} else {
			need--;
			if (resp_is_aggregate(t.type))
				need += t.n;
		}
	}

	if (attributes)
		resp_reply_drop_attributes(reply);
	*used = s - p;
	return (RESP_OK);
}
