/*
 * fuzz-resp.c: a libFuzzer target for the RESP parsers.  Every input is
 * read twice: as a stream of requests, the way cxbusd reads a client, and
 * as a stream of replies, the way libcxbus reads the bus.  Besides what
 * the sanitizers catch, each result is checked against what the callers
 * rely on: a whole frame is never longer than the input, every argument
 * and string points inside the frame it came from, a token list is one
 * complete value, and no shorter cut of a frame already parses whole.
 *
 * Build and run with tests/fuzz/run.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxbus-int.h"

/* Frames parsed from one input at most: a few thousand keep it fast. */
#define FUZZ_MAX_FRAMES		4096

/* The two bulk limits: the daemon's default and a small --max-message. */
static const size_t fuzz_limits[] = { CX_MAX_MESSAGE, 16 };

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Stop with a message: libFuzzer keeps the input that did this. */
static void __attribute__((noreturn))
fuzz_fail(const char *what, size_t at)
{
	fprintf(stderr, "fuzz-resp: %s (frame at byte %zu)\n", what, at);
	abort();
}

/* A copy of LEN bytes in a buffer of exactly that size, for ASan. */
static char *
fuzz_dup(const uint8_t *data, size_t len)
{
	char	*p;

	if ((p = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(p, data, len);
	return (p);
}

/*
 * Check that a shorter cut of the frame of USED bytes at DATA does not
 * already parse as a whole command: the parser must wait for the rest.
 * The cut is parsed in a fresh copy, since inline commands are unescaped
 * in place.
 */
static void
fuzz_request_cut(const uint8_t *data, size_t used, size_t cut,
    size_t limit, struct resp_args *args, size_t at)
{
	const char	*err;
	size_t		 u;
	char		*p;

	p = fuzz_dup(data, cut);
	if (resp_parse_request(p, cut, limit, args, &u, &err) == RESP_OK)
		fuzz_fail("a cut of a request parsed whole", at);
	free(p);
}

/* Parse DATA as requests, one after another, as cxbusd does. */
static void
fuzz_requests(const uint8_t *data, size_t len, size_t limit)
{
	struct resp_args	 args = { 0 }, cut = { 0 };
	const char		*err;
	size_t			 off = 0, used, n = 0;
	char			*p, *frame;
	int			 i, r;

	p = fuzz_dup(data, len);
	while (off < len && n++ < FUZZ_MAX_FRAMES) {
		frame = p + off;
		used = 0;
		r = resp_parse_request(frame, len - off, limit, &args, &used,
		    &err);
		if (r == RESP_ERROR) {
			if (err == NULL || *err == '\0')
				fuzz_fail("an error without a reason", off);
			break;
		}
		if (r != RESP_OK)
			break;
		if (used == 0 || used > len - off)
			fuzz_fail("a frame of a bad length", off);
		if (args.argc < 0)
			fuzz_fail("a negative argument count", off);
		for (i = 0; i < args.argc; i++) {
			if (args.argv[i] < frame ||
			    args.lens[i] > used ||
			    args.argv[i] + args.lens[i] > frame + used)
				fuzz_fail("an argument outside its frame",
				    off);
		}
		if (used > 1) {
			fuzz_request_cut(data + off, used, used - 1, limit,
			    &cut, off);
			fuzz_request_cut(data + off, used, used / 2, limit,
			    &cut, off);
		}
		off += used;
	}
	resp_args_free(&args);
	resp_args_free(&cut);
	free(p);
}

/* Check one parsed reply of USED bytes at FRAME. */
static void
fuzz_reply_check(const struct resp_reply *reply, const char *frame,
    size_t used, size_t at)
{
	const struct resp_token	*t;
	size_t			 i;

	if (reply->ntok == 0)
		fuzz_fail("a reply with no token", at);
	if (resp_skip(reply, 0) != reply->ntok)
		fuzz_fail("a reply that is not one whole value", at);
	for (i = 0; i < reply->ntok; i++) {
		t = &reply->tok[i];
		if (t->type == '|')
			fuzz_fail("an attribute left in a reply", at);
		if (t->s == NULL)
			continue;
		if (t->s < frame || t->len > used ||
		    t->s + t->len > frame + used)
			fuzz_fail("a string outside its frame", at);
		if (resp_skip(reply, i) > reply->ntok)
			fuzz_fail("a value past the end of the reply", at);
	}
}

/* Parse DATA as replies, one after another, as libcxbus does. */
static void
fuzz_replies(const uint8_t *data, size_t len)
{
	struct resp_reply	 reply = { 0 };
	const char		*err;
	size_t			 off = 0, used, n = 0, u;
	char			*p, *cut;
	int			 r;

	p = fuzz_dup(data, len);
	while (off < len && n++ < FUZZ_MAX_FRAMES) {
		used = 0;
		r = resp_parse_reply(p + off, len - off, &reply, &used, &err);
		if (r == RESP_ERROR) {
			if (err == NULL || *err == '\0')
				fuzz_fail("an error without a reason", off);
			break;
		}
		if (r != RESP_OK)
			break;
		if (used == 0 || used > len - off)
			fuzz_fail("a reply of a bad length", off);
		fuzz_reply_check(&reply, p + off, used, off);

		/* One byte short, the same reply must still be waited for. */
		cut = fuzz_dup(data + off, used - 1);
		if (resp_parse_reply(cut, used - 1, &reply, &u, &err) ==
		    RESP_OK)
			fuzz_fail("a cut of a reply parsed whole", off);
		free(cut);
		off += used;
	}
	resp_reply_free(&reply);
	free(p);
}

/* libFuzzer's entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	size_t	 i;

	for (i = 0; i < sizeof(fuzz_limits) / sizeof(fuzz_limits[0]); i++)
		fuzz_requests(data, len, fuzz_limits[i]);
	fuzz_replies(data, len);
	return (0);
}
