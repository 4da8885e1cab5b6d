/*
 * test-split.c: records cut from input that arrives through a pipe in
 * pieces of many sizes, down to one byte, as standard input would.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cxbus-int.h"

/* What one run of the splitter gave. */
struct split_test_out {
	struct buf	 data;		/* the records, back to back */
	size_t		*lens;
	size_t		 n;
	size_t		 cap;
	size_t		 most;		/* no more records than input bytes */
	int		 status;	/* SPLIT_END or SPLIT_TOOLONG */
	size_t		 maxcap;	/* the most the buffer allocated */
};

static const size_t split_test_one[] = { 1 };
static const size_t split_test_mixed[] = { 4096, 1, 65536, 1000, 7, 3 };
static const size_t split_test_4k[] = { 4096 };

/* Keep a copy of one record; a splitter that never ends fails here. */
static void
split_test_keep(struct split_test_out *o, const char *rec, size_t len)
{
	if (o->n >= o->most)
		fail_msg("more records than input bytes");
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		o->lens = realloc(o->lens, o->cap * sizeof(*o->lens));
		assert_non_null(o->lens);
	}
	o->lens[o->n++] = len;
	assert_int_equal(buf_add(&o->data, rec, len), 0);
}

/*
 * Take every record the splitter has.  At SPLIT_NEED, everything held
 * must have been scanned already, so no byte is looked at twice.
 */
static int
split_test_drain(struct split *s, struct split_test_out *o)
{
	const char	*rec;
	size_t		 len;
	int		 rc;

	while ((rc = split_next(s, &rec, &len)) == SPLIT_RECORD)
		split_test_keep(o, rec, len);
	if (rc == SPLIT_NEED)
		assert_int_equal(s->skip, buf_used(&s->in));
	return (rc);
}

/* Write all of a piece to a pipe that is empty, so it cannot block. */
static void
split_test_write(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, p, len);
		assert_true(n > 0);
		p += n;
		len -= n;
	}
}

/*
 * Split IN through a pipe, writing it in pieces whose sizes cycle through
 * PIECES, each one read back before the next is written.
 */
static void
split_test_run(const char *in, size_t inlen, const size_t *pieces,
    size_t npieces, int sep, size_t max, struct split_test_out *o)
{
	struct split	 s;
	size_t		 pos = 0, k = 0, piece, got;
	ssize_t		 n;
	int		 fds[2], rc = SPLIT_NEED;

	memset(o, 0, sizeof(*o));
	buf_init(&o->data);
	o->most = inlen;
	assert_int_equal(pipe(fds), 0);
	split_init(&s, sep, max);

	while (pos < inlen && rc != SPLIT_TOOLONG) {
		piece = pieces[k++ % npieces];
		if (piece > inlen - pos)
			piece = inlen - pos;
		split_test_write(fds[1], in + pos, piece);
		pos += piece;

		for (got = 0; got < piece && rc != SPLIT_TOOLONG; got += n) {
			n = split_fill(&s, fds[0]);
			assert_true(n > 0);
			if (s.in.cap > o->maxcap)
				o->maxcap = s.in.cap;
			rc = split_test_drain(&s, o);
		}
	}

	if (rc != SPLIT_TOOLONG) {
		close(fds[1]);
		fds[1] = -1;
		assert_int_equal(split_fill(&s, fds[0]), 0);
		rc = split_test_drain(&s, o);
		assert_true(rc == SPLIT_END || rc == SPLIT_TOOLONG);
	}
	o->status = rc;

	if (fds[1] != -1)
		close(fds[1]);
	close(fds[0]);
	split_free(&s);
}

/* Free what a run kept. */
static void
split_test_free(struct split_test_out *o)
{
	buf_free(&o->data);
	free(o->lens);
}

/*
 * Check a run's records and final status against WANT, the records
 * given as one string with each followed by '|' (they hold no '|').
 */
static void
split_test_expect(struct split_test_out *o, const char *want, size_t wlen,
    int status)
{
	size_t		 i, off = 0, n = 0;
	const char	*bar;

	for (i = 0; i < wlen; i = bar - want + 1) {
		bar = memchr(want + i, '|', wlen - i);
		assert_non_null(bar);
		if (n >= o->n)
			fail_msg("record %zu missing", n);
		if (o->lens[n] != (size_t)(bar - want) - i)
			fail_msg("record %zu has the wrong length", n);
		if (o->lens[n] > 0 &&
		    memcmp(o->data.data + off, want + i, o->lens[n]) != 0)
			fail_msg("record %zu differs", n);
		off += o->lens[n++];
	}
	if (o->n != n)
		fail_msg("%zu records, want %zu", o->n, n);
	assert_int_equal(o->status, status);
}

/* Split IN with every piece size and check the records each time. */
static void
split_test_case(const char *in, size_t inlen, int sep, size_t max,
    const char *want, size_t wlen, int status)
{
	struct split_test_out	 o;

	split_test_run(in, inlen, split_test_one, 1, sep, max, &o);
	split_test_expect(&o, want, wlen, status);
	split_test_free(&o);

	split_test_run(in, inlen, split_test_mixed, 6, sep, max, &o);
	split_test_expect(&o, want, wlen, status);
	split_test_free(&o);
}

#define CASE(in, sep, max, want, status) \
	split_test_case(in, sizeof(in) - 1, sep, max, want, \
	    sizeof(want) - 1, status)

/* Lines: '\r' kept, empty lines, a last line without '\n'. */
static void
split_test_lines(void **state)
{
	CASE("a\nb\n", '\n', 100, "a|b|", SPLIT_END);
	CASE("a\r\nb\r\n\r\n", '\n', 100, "a\r|b\r|\r|", SPLIT_END);
	CASE("a\n\nb\n", '\n', 100, "a||b|", SPLIT_END);
	CASE("\n", '\n', 100, "|", SPLIT_END);
	CASE("\n\n", '\n', 100, "||", SPLIT_END);
	CASE("a\nb", '\n', 100, "a|b|", SPLIT_END);
	CASE("abc", '\n', 100, "abc|", SPLIT_END);
	CASE("x\r", '\n', 100, "x\r|", SPLIT_END);
	CASE("", '\n', 100, "", SPLIT_END);
	CASE("a\0b\n\0\n", '\n', 100, "a\0b|\0|", SPLIT_END);
}

/* NUL-separated records. */
static void
split_test_nul(void **state)
{
	CASE("a\0b\0", '\0', 100, "a|b|", SPLIT_END);
	CASE("a\0\0b", '\0', 100, "a||b|", SPLIT_END);
	CASE("one\ntwo\0three\n", '\0', 100, "one\ntwo|three\n|", SPLIT_END);
	CASE("\0", '\0', 100, "|", SPLIT_END);
	CASE("", '\0', 100, "", SPLIT_END);
}

/* The limit: exactly MAX bytes pass, one more is refused. */
static void
split_test_max(void **state)
{
	CASE("0123456789\n", '\n', 10, "0123456789|", SPLIT_END);
	CASE("0123456789", '\n', 10, "0123456789|", SPLIT_END);
	CASE("0123456789a\n", '\n', 10, "", SPLIT_TOOLONG);
	CASE("0123456789a", '\n', 10, "", SPLIT_TOOLONG);
	CASE("ok\n0123456789a\nafter\n", '\n', 10, "ok|", SPLIT_TOOLONG);
	CASE("ok\n\n0123456789\n", '\n', 10, "ok||0123456789|", SPLIT_END);
	CASE("\n\n", '\n', 0, "||", SPLIT_END);
	CASE("\na", '\n', 0, "|", SPLIT_TOOLONG);
	CASE("0123456789a\0", '\0', 10, "", SPLIT_TOOLONG);
}

/* A record over the limit is refused before its end or eof arrives. */
static void
split_test_early(void **state)
{
	struct split	 s;
	const char	*rec;
	size_t		 len;
	int		 fds[2];

	assert_int_equal(pipe(fds), 0);
	split_init(&s, '\n', 10);
	split_test_write(fds[1], "ok\n0123456789", 13);
	assert_int_equal(split_fill(&s, fds[0]), 13);
	assert_int_equal(split_next(&s, &rec, &len), SPLIT_RECORD);
	assert_int_equal(len, 2);
	assert_memory_equal(rec, "ok", 2);
	assert_int_equal(split_next(&s, &rec, &len), SPLIT_NEED);

	split_test_write(fds[1], "a", 1);
	assert_int_equal(split_fill(&s, fds[0]), 1);
	assert_int_equal(split_next(&s, &rec, &len), SPLIT_TOOLONG);
	assert_int_equal(split_next(&s, &rec, &len), SPLIT_TOOLONG);
	assert_int_equal(s.eof, 0);

	close(fds[0]);
	close(fds[1]);
	split_free(&s);
}

/* Make LEN bytes of C. */
static char *
split_test_fill(size_t len, int c)
{
	char	*p;

	p = malloc(len ? len : 1);
	assert_non_null(p);
	memset(p, c, len);
	return (p);
}

/* Lines far longer than a pipe or a read come out whole. */
static void
split_test_long(void **state)
{
	struct split_test_out	 o;
	size_t			 len = 200000 + 1 + 150000;
	char			*in;

	in = split_test_fill(len, 'x');
	in[200000] = '\n';
	memset(in + 200001, 'y', 150000);

	split_test_run(in, len, split_test_mixed, 6, '\n', CX_MAX_MESSAGE,
	    &o);
	assert_int_equal(o.status, SPLIT_END);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.lens[0], 200000);
	assert_int_equal(o.lens[1], 150000);
	assert_memory_equal(o.data.data, in, 200000);
	assert_memory_equal(o.data.data + 200000, in + 200001, 150000);
	assert_true(o.maxcap <= CX_MAX_MESSAGE + CX_IO_CHUNK);
	split_test_free(&o);
	free(in);
}

/*
 * A record of exactly the 1 MiB limit passes, one byte more does not,
 * and the buffer never grows past the limit plus one read.
 */
static void
split_test_bound(void **state)
{
	struct split_test_out	 o;
	size_t			 len = CX_MAX_MESSAGE + 2;
	char			*in;

	in = split_test_fill(len, 'm');
	in[CX_MAX_MESSAGE] = '\n';
	split_test_run(in, CX_MAX_MESSAGE + 1, split_test_4k, 1, '\n',
	    CX_MAX_MESSAGE, &o);
	assert_int_equal(o.status, SPLIT_END);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.lens[0], CX_MAX_MESSAGE);
	assert_true(o.maxcap <= CX_MAX_MESSAGE + CX_IO_CHUNK);
	split_test_free(&o);

	in[CX_MAX_MESSAGE] = 'm';
	in[CX_MAX_MESSAGE + 1] = '\n';
	split_test_run(in, len, split_test_4k, 1, '\n', CX_MAX_MESSAGE, &o);
	assert_int_equal(o.status, SPLIT_TOOLONG);
	assert_int_equal(o.n, 0);
	assert_true(o.maxcap <= CX_MAX_MESSAGE + CX_IO_CHUNK);
	split_test_free(&o);

	/* With a small limit, a long line stops early and costs little. */
	split_test_run(in, len, split_test_4k, 1, '\n', 1000, &o);
	assert_int_equal(o.status, SPLIT_TOOLONG);
	assert_true(o.maxcap <= 1000 + CX_IO_CHUNK);
	split_test_free(&o);
	free(in);
}

/* Find the log directory: $CXBUS_TEST_DATA, else ../shared/data/loghub. */
static int
split_test_datadir(char *dir, size_t len)
{
	const char	*env;
	char		 exe[1024], *slash;
	struct stat	 sb;
	ssize_t		 n;

	if ((env = getenv("CXBUS_TEST_DATA")) != NULL && *env != '\0') {
		snprintf(dir, len, "%s", env);
		return (stat(dir, &sb) == 0 ? 0 : -1);
	}

	/* From the top of the repository, where the tests are run. */
	snprintf(dir, len, "../shared/data/loghub");
	if (stat(dir, &sb) == 0)
		return (0);

	/* From anywhere else: the binary is in tests/unit of the tree. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return (-1);
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	snprintf(dir, len, "%s/../../../shared/data/loghub", exe);
	return (stat(dir, &sb) == 0 ? 0 : -1);
}

/* Read a whole file into new memory. */
static char *
split_test_slurp(const char *path, size_t *len)
{
	struct buf	 b;
	FILE		*f;
	char		 tmp[65536];
	size_t		 n;

	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	buf_init(&b);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		assert_int_equal(buf_add(&b, tmp, n), 0);
	assert_int_equal(ferror(f), 0);
	fclose(f);
	*len = b.len;
	return (b.data);
}

/*
 * Real logs, some with CRLF and some without a final newline: the
 * records joined with '\n', and a '\n' after the last, give back the
 * file plus the newline it may have lacked.
 */
static void
split_test_loghub(void **state)
{
	static const char	*names[] = { "Apache_2k.log", "HDFS_2k.log",
	    "Spark_2k.log", "Windows_2k.log", "Zookeeper_2k.log" };
	struct split_test_out	 o;
	char			 dir[PATH_MAX], path[PATH_MAX + 64];
	char			*in, *joined;
	size_t			 i, j, len, off, lines;
	int			 lacked;

	if (split_test_datadir(dir, sizeof(dir)) == -1) {
		fprintf(stderr, "skipped: no log data at %s (set "
		    "CXBUS_TEST_DATA to the loghub directory)\n", dir);
		skip();
	}

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		in = split_test_slurp(path, &len);
		assert_true(len > 0);
		lacked = in[len - 1] != '\n';
		lines = lacked;
		for (j = 0; j < len; j++)
			lines += in[j] == '\n';

		split_test_run(in, len, split_test_mixed, 6, '\n',
		    CX_MAX_MESSAGE, &o);
		assert_int_equal(o.status, SPLIT_END);
		assert_int_equal(o.n, lines);

		joined = malloc(o.data.len + o.n);
		assert_non_null(joined);
		for (j = 0, off = 0; j < o.n; j++) {
			memcpy(joined + off + j, o.data.data + off, o.lens[j]);
			off += o.lens[j];
			joined[off + j] = '\n';
		}
		if (lacked) {
			in = realloc(in, len + 1);
			assert_non_null(in);
			in[len++] = '\n';
		}
		if (o.data.len + o.n != len || memcmp(joined, in, len) != 0)
			fail_msg("%s: records do not give the file back",
			    names[i]);
		free(joined);
		split_test_free(&o);
		free(in);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_test_lines),
		cmocka_unit_test(split_test_nul),
		cmocka_unit_test(split_test_max),
		cmocka_unit_test(split_test_early),
		cmocka_unit_test(split_test_long),
		cmocka_unit_test(split_test_bound),
		cmocka_unit_test(split_test_loghub),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
