/*
 * glob.c: match a topic against a subscription pattern with the rules of
 * Redis's PSUBSCRIBE, so that a pattern means the same here as on a real
 * Redis server.  Both sides are byte strings with lengths, never
 * NUL-terminated.
 *
 * The rules: '*' matches any run of bytes, '/' and '.' included; '?'
 * exactly one byte; '[...]' one byte from a class of bytes and ranges,
 * '[^...]' one byte not in it; '\' takes the next byte literally, inside
 * a class too.  What Redis does with odd patterns is kept as it is:
 *
 * - a reversed range such as [c-a] means [a-c];
 * - a class that is never closed ends with the pattern, so "a[b-" is
 *   'a' followed by one of 'b' or '-';
 * - "[]" is a class with nothing in it and matches no byte, "[^]" any
 *   byte; a range may end in ']', so "[a-]" does not close there;
 * - a '\' that ends the pattern (or a class) stands for itself;
 * - an empty string matches only the empty pattern: not even "*".
 */

#include <stddef.h>

#include "cxbus-int.h"

/*
 * Steps the matcher may take on one pattern and one string before it
 * gives up; see glob_match for what that costs.
 */
#define GLOB_MAX_STEPS	(1UL << 24)

static size_t	 glob_token(const char *, size_t, unsigned char, int *);
static size_t	 glob_class(const char *, size_t, unsigned char, int *);
static int	 glob_tail(const char *, size_t, const char *, size_t);

/*
 * Match one byte C against the class at P (just after its '['), PLEN
 * bytes of pattern left.  Return how many pattern bytes the class takes,
 * its closing ']' included.
 */
static size_t
glob_class(const char *p, size_t plen, unsigned char c, int *match)
{
	unsigned char	 lo, hi, t;
	size_t		 i = 0;
	int		 negate = 0, in = 0;

	if (plen > 0 && p[0] == '^') {
		negate = 1;
		i++;
	}

	for (;;) {
		/* An unclosed class simply ends where the pattern does. */
		if (i == plen)
			break;

		if (p[i] == '\\' && plen - i >= 2) {
			if ((unsigned char)p[i + 1] == c)
				in = 1;
			i += 2;
			continue;
		}
		if (p[i] == ']') {
			i++;
			break;
		}

		/* Range ends are taken raw: "[a-]" runs from 'a' to ']'. */
		if (plen - i >= 3 && p[i + 1] == '-') {
			lo = p[i];
			hi = p[i + 2];
			if (lo > hi) {
				t = lo;
				lo = hi;
				hi = t;
			}
			if (c >= lo && c <= hi)
				in = 1;
			i += 3;
			continue;
		}

		if ((unsigned char)p[i] == c)
			in = 1;
		i++;
	}

	*match = negate ? !in : in;
	return (1 + i);
}

/*
 * Match one byte C against the pattern token at P, which is not '*'.
 * Every such token matches exactly one byte.  Return the token's length
 * in the pattern.
 */
static size_t
glob_token(const char *p, size_t plen, unsigned char c, int *match)
{
	switch (p[0]) {
	case '?':
		*match = 1;
		return (1);
	case '[':
		return (glob_class(p + 1, plen - 1, c, match));
	case '\\':
		/* A lone '\' at the end is a literal backslash. */
		if (plen >= 2) {
			*match = (unsigned char)p[1] == c;
			return (2);
		}
		break;
	}
	*match = (unsigned char)p[0] == c;
	return (1);
}

/*
 * Match the last part of a pattern, the one after its last '*', against
 * the end of the string.  That part has no '*', so it takes exactly as
 * many bytes as it has tokens, and the '*' before it takes the rest:
 * there is only one place to try.
 */
static int
glob_tail(const char *p, size_t plen, const char *s, size_t slen)
{
	size_t	 i, n = 0;
	int	 match;

	for (i = 0; i < plen; i += glob_token(p + i, plen - i, 0, &match))
		n++;
	if (n > slen)
		return (0);

	s += slen - n;
	for (i = 0; i < plen; s++) {
		i += glob_token(p + i, plen - i, *s, &match);
		if (!match)
			return (0);
	}
	return (1);
}

/*
 * Return 1 if string S matches pattern P.
 *
 * The matcher walks both from the left.  At a '*' it first lets the star
 * take nothing; when a later byte fails it goes back to the most recent
 * star only and lets that one take one byte more.  Earlier stars never
 * need to be retried: every other token takes exactly one byte, so if
 * what follows the latest star cannot be placed anywhere after here,
 * giving an earlier star more bytes cannot help.  This is what keeps a
 * pattern like "*a*a*a*a*b" from taking exponential time, with no
 * recursion and so no limit on the number of stars.  The part after the
 * last star is tried at the end of the string only (glob_tail).
 *
 * What is left is at worst the length of the string times the length of
 * a run of pattern between two stars, as for any simple matcher: each
 * restart begins one byte further on.  As a backstop against a topic and
 * a pattern both many KiB long and built to hit that case, the walk
 * stops after GLOB_MAX_STEPS pattern bytes (some tens of milliseconds)
 * and reports no match.  That is the cap's cost: such a pair never
 * matches, even when it should.  A pattern and a topic of 4 KiB or less
 * each cannot reach it, since the walk is at most their lengths
 * multiplied.  Redis caps the same danger differently: it gives up after
 * 1000 nested stars, so there a pattern with more stars never matches.
 */
int
glob_match(const char *p, size_t plen, const char *s, size_t slen)
{
	size_t		 pi = 0, si = 0, star = 0, star_si = 0, steps = 0, n;
	size_t		 i, t;
	int		 have_star = 0, match;

	if (slen == 0)
		return (plen == 0);

	while (si < slen) {
		if (pi < plen && p[pi] == '*') {
			while (pi < plen && p[pi] == '*')
				pi++;
			if (pi == plen)
				return (1);

			/* No star after this one: only the end can match. */
			for (i = pi; i < plen; i += t) {
				if (p[i] == '*')
					break;
				t = glob_token(p + i, plen - i, 0, &match);
			}
			if (i == plen)
				return (glob_tail(p + pi, plen - pi, s + si,
				    slen - si));

			have_star = 1;
			star = pi;
			star_si = si;
			continue;
		}

		if (pi < plen) {
			n = glob_token(p + pi, plen - pi, s[si], &match);
			steps += n;
			if (match) {
				pi += n;
				si++;
				continue;
			}
		}

		/* A mismatch: the latest star takes one more byte. */
		if (!have_star || steps > GLOB_MAX_STEPS)
			return (0);
		pi = star;
		si = ++star_si;
	}

	/* The string is used up; stars left over can match nothing. */
	while (pi < plen && p[pi] == '*')
		pi++;
	return (pi == plen);
}

/* Return 1 if P has a byte that makes it a pattern rather than a name. */
int
glob_is_pattern(const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (p[i] == '*' || p[i] == '?' || p[i] == '[')
			return (1);
	}
	return (0);
}
