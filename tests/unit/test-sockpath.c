/*
 * test-sockpath.c: where the socket is found, and which directories are
 * refused, in private temporary directories under /tmp.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>
#include <cmocka.h>

#include "cxbus-int.h"

struct sockpath_test {
	char	 dir[64];	/* a fresh directory, mode 0700 */
	char	 out[256];
	char	 err[512];
	char	 want[1024];
};

/* Remove one file or directory of the tree; links are not followed. */
static int
sockpath_test_rm(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	if (type == FTW_DP)
		return (rmdir(path));
	return (unlink(path));
}

/* Make a private directory and clear every variable the search reads. */
static int
sockpath_test_setup(void **state)
{
	struct sockpath_test	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (-1);
	strlcpy(t->dir, "/tmp/cxbus-test-sockpath.XXXXXX", sizeof(t->dir));
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return (-1);
	}
	unsetenv("CXBUS_SOCKET");
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("TMPDIR");
	*state = t;
	return (0);
}

/* Remove the directory and everything made in it. */
static int
sockpath_test_teardown(void **state)
{
	struct sockpath_test	*t = *state;
	int			 rc;

	rc = nftw(t->dir, sockpath_test_rm, 16, FTW_DEPTH|FTW_PHYS);
	free(t);
	return (rc);
}

/* Return a path under DIR of exactly LEN bytes, ending in "/s.sock". */
static const char *
sockpath_test_long(char *buf, size_t buflen, const char *dir, size_t len)
{
	size_t	 n;

	n = strlcpy(buf, dir, buflen);
	assert_true(len > n + 8 && len < buflen);
	buf[n++] = '/';
	while (n < len - 7)
		buf[n++] = 'x';
	strlcpy(buf + n, "/s.sock", buflen - n);
	assert_int_equal(strlen(buf), len);
	return (buf);
}

/* Resolve with GIVEN and check the path and whether it is a default. */
static void
sockpath_test_expect(struct sockpath_test *t, const char *given,
    const char *want, int want_default)
{
	int	 is_default = -1;

	if (sockpath_resolve(given, t->out, sizeof(t->out), &is_default,
	    t->err, sizeof(t->err)) != 0)
		fail_msg("resolve failed: %s", t->err);
	assert_string_equal(t->out, want);
	assert_int_equal(is_default, want_default);
}

/* Each source wins over the ones after it. */
static void
sockpath_test_precedence(void **state)
{
	struct sockpath_test	*t = *state;

	setenv("CXBUS_SOCKET", "/env/bus.sock", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	setenv("TMPDIR", "/var/tmp", 1);
	sockpath_test_expect(t, "/given/s", "/given/s", 0);
	sockpath_test_expect(t, "relative.sock", "relative.sock", 0);
	sockpath_test_expect(t, NULL, "/env/bus.sock", 0);
	sockpath_test_expect(t, "", "/env/bus.sock", 0);

	unsetenv("CXBUS_SOCKET");
	sockpath_test_expect(t, NULL, "/run/user/7/cxbus/bus.sock", 1);

	unsetenv("XDG_RUNTIME_DIR");
	snprintf(t->want, sizeof(t->want), "/var/tmp/cxbus-%lu/bus.sock",
	    (unsigned long)getuid());
	sockpath_test_expect(t, NULL, t->want, 1);

	unsetenv("TMPDIR");
	snprintf(t->want, sizeof(t->want), "/tmp/cxbus-%lu/bus.sock",
	    (unsigned long)getuid());
	sockpath_test_expect(t, NULL, t->want, 1);
}

/* An empty variable counts as unset. */
static void
sockpath_test_empty(void **state)
{
	struct sockpath_test	*t = *state;

	setenv("CXBUS_SOCKET", "", 1);
	setenv("XDG_RUNTIME_DIR", "", 1);
	setenv("TMPDIR", "/var/tmp", 1);
	snprintf(t->want, sizeof(t->want), "/var/tmp/cxbus-%lu/bus.sock",
	    (unsigned long)getuid());
	sockpath_test_expect(t, "", t->want, 1);

	setenv("TMPDIR", "", 1);
	snprintf(t->want, sizeof(t->want), "/tmp/cxbus-%lu/bus.sock",
	    (unsigned long)getuid());
	sockpath_test_expect(t, NULL, t->want, 1);

	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	sockpath_test_expect(t, NULL, "/run/user/7/cxbus/bus.sock", 1);
}

/* Trailing slashes of a directory variable do not double in the path. */
static void
sockpath_test_slashes(void **state)
{
	struct sockpath_test	*t = *state;

	setenv("TMPDIR", "/var/tmp//", 1);
	snprintf(t->want, sizeof(t->want), "/var/tmp/cxbus-%lu/bus.sock",
	    (unsigned long)getuid());
	sockpath_test_expect(t, NULL, t->want, 1);

	setenv("TMPDIR", "/", 1);
	snprintf(t->want, sizeof(t->want), "/cxbus-%lu/bus.sock",
	    (unsigned long)getuid());
	sockpath_test_expect(t, NULL, t->want, 1);

	setenv("XDG_RUNTIME_DIR", "/run/user/7/", 1);
	sockpath_test_expect(t, NULL, "/run/user/7/cxbus/bus.sock", 1);

	/* An explicit path is taken exactly as given. */
	sockpath_test_expect(t, "/a//b/", "/a//b/", 0);
}

/* Resolve and check that it fails with the length message for PATH. */
static void
sockpath_test_toolong(struct sockpath_test *t, const char *given,
    const char *path)
{
	int	 is_default;

	memset(t->out, 'Z', sizeof(t->out));
	assert_int_equal(sockpath_resolve(given, t->out, sizeof(t->out),
	    &is_default, t->err, sizeof(t->err)), -1);
	snprintf(t->want, sizeof(t->want), "%s: socket path too long "
	    "(%zu bytes, limit 107)", path, strlen(path));
	assert_string_equal(t->err, t->want);
}

/* 107 bytes fit in sun_path, 108 do not, from every source. */
static void
sockpath_test_length(void **state)
{
	struct sockpath_test	*t = *state;
	char			 path[200], dir[200], want[300];
	size_t			 n;

	sockpath_test_long(path, sizeof(path), "/x", 107);
	sockpath_test_expect(t, path, path, 0);
	assert_int_equal(sockpath_fits(path, t->err, sizeof(t->err)), 0);

	sockpath_test_long(path, sizeof(path), "/x", 108);
	sockpath_test_toolong(t, path, path);
	assert_int_equal(sockpath_fits(path, t->err, sizeof(t->err)), -1);
	assert_string_equal(t->err, t->want);

	setenv("CXBUS_SOCKET", path, 1);
	sockpath_test_toolong(t, NULL, path);
	sockpath_test_long(path, sizeof(path), "/x", 107);
	setenv("CXBUS_SOCKET", path, 1);
	sockpath_test_expect(t, NULL, path, 0);
	unsetenv("CXBUS_SOCKET");

	/* "/cxbus/bus.sock" is 15 bytes: a 92-byte directory fits. */
	memset(dir, 'd', sizeof(dir));
	dir[0] = '/';
	dir[92] = '\0';
	setenv("XDG_RUNTIME_DIR", dir, 1);
	snprintf(want, sizeof(want), "%s/cxbus/bus.sock", dir);
	sockpath_test_expect(t, NULL, want, 1);
	dir[92] = 'd';
	dir[93] = '\0';
	setenv("XDG_RUNTIME_DIR", dir, 1);
	snprintf(want, sizeof(want), "%s/cxbus/bus.sock", dir);
	sockpath_test_toolong(t, NULL, want);
	unsetenv("XDG_RUNTIME_DIR");

	/* TMPDIR, with the uid's width in the suffix. */
	n = snprintf(want, sizeof(want), "/cxbus-%lu/bus.sock",
	    (unsigned long)getuid());
	memset(dir, 't', sizeof(dir));
	dir[0] = '/';
	dir[107 - n] = '\0';
	setenv("TMPDIR", dir, 1);
	snprintf(want, sizeof(want), "%s/cxbus-%lu/bus.sock", dir,
	    (unsigned long)getuid());
	sockpath_test_expect(t, NULL, want, 1);
	dir[107 - n] = 't';
	dir[108 - n] = '\0';
	setenv("TMPDIR", dir, 1);
	snprintf(want, sizeof(want), "%s/cxbus-%lu/bus.sock", dir,
	    (unsigned long)getuid());
	sockpath_test_toolong(t, NULL, want);
}

/* A path that fits sun_path but not the caller's buffer is refused too. */
static void
sockpath_test_outlen(void **state)
{
	struct sockpath_test	*t = *state;
	char			 small[8];
	int			 is_default;

	assert_int_equal(sockpath_resolve("/a/b.sock", small, sizeof(small),
	    &is_default, t->err, sizeof(t->err)), -1);
	assert_string_equal(t->err,
	    "/a/b.sock: socket path too long (9 bytes, limit 7)");
	assert_int_equal(sockpath_resolve("/a/b.so", small, sizeof(small),
	    &is_default, t->err, sizeof(t->err)), 0);
	assert_string_equal(small, "/a/b.so");
}

/* Check DIR's socket and expect failure with message DIR": "REASON. */
static void
sockpath_test_refused(struct sockpath_test *t, const char *dir,
    int create, const char *reason)
{
	char	 sock[PATH_MAX];

	snprintf(sock, sizeof(sock), "%s/bus.sock", dir);
	assert_int_equal(sockpath_check_dir(sock, create, t->err,
	    sizeof(t->err)), -1);
	snprintf(t->want, sizeof(t->want), "%s: %s", dir, reason);
	assert_string_equal(t->err, t->want);
}

/* A private directory passes; one open to group or others does not. */
static void
sockpath_test_mode(void **state)
{
	struct sockpath_test	*t = *state;
	char			 sock[PATH_MAX];
	struct stat		 sb;

	snprintf(sock, sizeof(sock), "%s/bus.sock", t->dir);
	assert_int_equal(sockpath_check_dir(sock, 0, t->err,
	    sizeof(t->err)), 0);
	assert_int_equal(sockpath_check_dir(sock, 1, t->err,
	    sizeof(t->err)), 0);

	assert_int_equal(chmod(t->dir, 0777), 0);
	sockpath_test_refused(t, t->dir, 1,
	    "refusing: mode 0777 lets group or others in");
	assert_int_equal(chmod(t->dir, 0710), 0);
	sockpath_test_refused(t, t->dir, 0,
	    "refusing: mode 0710 lets group or others in");
	assert_int_equal(chmod(t->dir, 01701), 0);
	sockpath_test_refused(t, t->dir, 0,
	    "refusing: mode 1701 lets group or others in");

	/* The check never changes the mode of a directory it found. */
	assert_int_equal(stat(t->dir, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 01701);
	assert_int_equal(chmod(t->dir, 0700), 0);

	/* "DIR//bus.sock" checks DIR. */
	snprintf(sock, sizeof(sock), "%s//bus.sock", t->dir);
	assert_int_equal(sockpath_check_dir(sock, 0, t->err,
	    sizeof(t->err)), 0);
}

/* A link to a good directory is refused, and nothing is made through one. */
static void
sockpath_test_symlink(void **state)
{
	struct sockpath_test	*t = *state;
	char			 good[PATH_MAX], link[PATH_MAX];
	char			 gone[PATH_MAX], link2[PATH_MAX];
	struct stat		 sb;

	snprintf(good, sizeof(good), "%s/good", t->dir);
	snprintf(link, sizeof(link), "%s/link", t->dir);
	assert_int_equal(mkdir(good, 0700), 0);
	assert_int_equal(symlink(good, link), 0);
	sockpath_test_refused(t, link, 0, "refusing: is a symbolic link");
	sockpath_test_refused(t, link, 1, "refusing: is a symbolic link");

	snprintf(gone, sizeof(gone), "%s/gone", t->dir);
	snprintf(link2, sizeof(link2), "%s/dangling", t->dir);
	assert_int_equal(symlink(gone, link2), 0);
	sockpath_test_refused(t, link2, 1, "refusing: is a symbolic link");
	assert_int_equal(lstat(gone, &sb), -1);
	assert_int_equal(errno, ENOENT);
}

/* A directory of another user is refused, even a private one. */
static void
sockpath_test_owner(void **state)
{
	struct sockpath_test	*t = *state;
	char			 other[PATH_MAX], reason[128];

	if (geteuid() != 0) {
		fprintf(stderr, "skipped: chown to another uid needs root\n");
		skip();
	}
	snprintf(other, sizeof(other), "%s/other", t->dir);
	assert_int_equal(mkdir(other, 0700), 0);
	assert_int_equal(chown(other, 65534, 65534), 0);
	snprintf(reason, sizeof(reason), "refusing: owned by uid 65534, "
	    "not by you (uid %lu)", (unsigned long)geteuid());
	sockpath_test_refused(t, other, 0, reason);
	sockpath_test_refused(t, other, 1, reason);
}

/* A file where the directory should be is refused. */
static void
sockpath_test_notdir(void **state)
{
	struct sockpath_test	*t = *state;
	char			 file[PATH_MAX];
	FILE			*f;

	snprintf(file, sizeof(file), "%s/file", t->dir);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	assert_int_equal(chmod(file, 0600), 0);
	sockpath_test_refused(t, file, 1, "refusing: not a directory");
}

/* Create DIR with umask MASK and check it ends up mode 0700. */
static void
sockpath_test_create_under(struct sockpath_test *t, const char *name,
    mode_t mask)
{
	char		 dir[256], sock[PATH_MAX];
	struct stat	 sb;
	mode_t		 old;

	snprintf(dir, sizeof(dir), "%s/%s", t->dir, name);
	snprintf(sock, sizeof(sock), "%s/bus.sock", dir);
	old = umask(mask);
	assert_int_equal(sockpath_check_dir(sock, 1, t->err,
	    sizeof(t->err)), 0);
	umask(old);
	assert_int_equal(lstat(dir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0700);
	assert_int_equal(sb.st_uid, geteuid());

	/* Once there, it passes the check again unchanged. */
	assert_int_equal(sockpath_check_dir(sock, 0, t->err,
	    sizeof(t->err)), 0);
}

/* A missing directory is an error without CREATE and made 0700 with it. */
static void
sockpath_test_missing(void **state)
{
	struct sockpath_test	*t = *state;
	char			 dir[PATH_MAX];
	struct stat		 sb;

	snprintf(dir, sizeof(dir), "%s/missing", t->dir);
	sockpath_test_refused(t, dir, 0, "No such file or directory");
	assert_int_equal(lstat(dir, &sb), -1);

	sockpath_test_create_under(t, "umask0", 0);
	sockpath_test_create_under(t, "umask022", 022);
	sockpath_test_create_under(t, "umask277", 0277);

	/* Parents are not made. */
	snprintf(dir, sizeof(dir), "%s/no/such", t->dir);
	sockpath_test_refused(t, dir, 1,
	    "cannot create: No such file or directory");
}

/* A bare socket name is checked against the current directory. */
static void
sockpath_test_cwd(void **state)
{
	struct sockpath_test	*t = *state;
	char			 old[PATH_MAX];

	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(t->dir), 0);
	assert_int_equal(sockpath_check_dir("bus.sock", 0, t->err,
	    sizeof(t->err)), 0);
	assert_int_equal(chmod(t->dir, 0755), 0);
	assert_int_equal(sockpath_check_dir("bus.sock", 0, t->err,
	    sizeof(t->err)), -1);
	assert_string_equal(t->err,
	    ".: refusing: mode 0755 lets group or others in");
	assert_int_equal(chdir(old), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sockpath_test_precedence,
		    sockpath_test_setup, sockpath_test_teardown),
		cmocka_unit_test_setup_teardown(sockpath_test_empty,
		    sockpath_test_setup, sockpath_test_teardown),
		cmocka_unit_test_setup_teardown(sockpath_test_slashes,
		    sockpath_test_setup, sockpath_test_teardown),
		cmocka_unit_test_setup_teardown(sockpath_test_length,
		    sockpath_test_setup, sockpath_test_teardown),
		cmocka_unit_test_setup_teardown(sockpath_test_outlen,
		    sockpath_test_setup, sockpath_test_teardown),
		cmocka_unit_test_setup_teardown(sockpath_test_mode,
		    sockpath_test_setup, sockpath_test_teardown),
		cmocka_unit_test_setup_teardown(sockpath_test_symlink,
		    sockpath_test_setup, sockpath_test_teardown),
		cmocka_unit_test_setup_teardown(sockpath_test_owner,
		    sockpath_test_setup, sockpath_test_teardown),
		cmocka_unit_test_setup_teardown(sockpath_test_notdir,
		    sockpath_test_setup, sockpath_test_teardown),
		cmocka_unit_test_setup_teardown(sockpath_test_missing,
		    sockpath_test_setup, sockpath_test_teardown),
		cmocka_unit_test_setup_teardown(sockpath_test_cwd,
		    sockpath_test_setup, sockpath_test_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
