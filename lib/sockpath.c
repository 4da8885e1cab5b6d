/*
 * sockpath.c: find the path of the bus's socket, and check that the
 * directory holding a default socket is safe to use: a real directory,
 * ours, and closed to everybody else.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "cxbus-int.h"

/* The longest path a sockaddr_un takes, its NUL not counted. */
#define SOCKPATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

static const char	*sockpath_env(const char *);
static size_t		 sockpath_trim(const char *);
static char		*sockpath_dir(const char *);
static int		 sockpath_create(const char *, char *, size_t);

/* Return an environment variable's value, or NULL if unset or empty. */
static const char *
sockpath_env(const char *name)
{
	const char	*value;

	value = getenv(name);
	if (value == NULL || *value == '\0')
		return (NULL);
	return (value);
}

/*
 * Return the length of directory name D without its trailing slashes, so
 * that "/tmp/" and "/tmp" give the same socket path ("/" gives none: the
 * socket path adds its own).
 */
static size_t
sockpath_trim(const char *d)
{
	size_t	 len = strlen(d);

	while (len > 0 && d[len - 1] == '/')
		len--;
	return (len);
}

/* Check that PATH fits in a sockaddr_un; never truncate it. */
int
sockpath_fits(const char *path, char *err, size_t errlen)
{
	size_t	 len = strlen(path);

	if (len <= SOCKPATH_MAX)
		return (0);
	snprintf(err, errlen, "%s: socket path too long (%zu bytes, "
	    "limit %zu)", path, len, SOCKPATH_MAX);
	return (-1);
}

/*
 * Find the socket path: GIVEN (from -S), $CXBUS_SOCKET,
 * $XDG_RUNTIME_DIR/cxbus/bus.sock, ${TMPDIR:-/tmp}/cxbus-UID/bus.sock,
 * first match wins.  *IS_DEFAULT tells whether the path is one of the last
 * two, whose directory cxbus creates and checks.
 */
int
sockpath_resolve(const char *given, char *out, size_t outlen,
    int *is_default, char *err, size_t errlen)
{
	const char	*dir;
	char		*path;
	int		 n;

	*is_default = 0;
	if (given != NULL && *given != '\0')
		n = asprintf(&path, "%s", given);
	else if ((dir = sockpath_env("CXBUS_SOCKET")) != NULL)
		n = asprintf(&path, "%s", dir);
	else if ((dir = sockpath_env("XDG_RUNTIME_DIR")) != NULL) {
		*is_default = 1;
		n = asprintf(&path, "%.*s/cxbus/bus.sock",
		    (int)sockpath_trim(dir), dir);
	} else {
		if ((dir = sockpath_env("TMPDIR")) == NULL)
			dir = "/tmp";
		*is_default = 1;
		n = asprintf(&path, "%.*s/cxbus-%lu/bus.sock",
		    (int)sockpath_trim(dir), dir, (unsigned long)getuid());
	}
	if (n == -1) {
		snprintf(err, errlen, "socket path: %s", strerror(errno));
		return (-1);
	}

	if (sockpath_fits(path, err, errlen) == -1) {
		free(path);
		return (-1);
	}
	if (strlcpy(out, path, outlen) >= outlen) {
		snprintf(err, errlen, "%s: socket path too long (%zu bytes, "
		    "limit %zu)", path, strlen(path), outlen - 1);
		free(path);
		return (-1);
	}
	free(path);
	return (0);
}

/*
 * Return the directory part of socket path PATH in new memory: "." for a
 * bare name, "/" for a name in the root.
 */
static char *
sockpath_dir(const char *path)
{
	const char	*slash;
	size_t		 len;

	if ((slash = strrchr(path, '/')) == NULL)
		return (strdup("."));

	len = slash - path;
	while (len > 0 && path[len - 1] == '/')
		len--;
	if (len == 0)
		return (strdup("/"));
	return (strndup(path, len));
}

/*
 * Create directory DIR mode 0700.  mkdir(2) can only take bits away
 * through the umask, so a umask such as 0277 would leave us a directory
 * we cannot use; then the mode is set again, through a descriptor opened
 * without following links, and only on the directory just made.  Return
 * 0 when DIR exists afterwards (another process may have made it first:
 * the checks that follow judge it), -1 with ERR set otherwise.
 */
static int
sockpath_create(const char *dir, char *err, size_t errlen)
{
	struct stat	 sb;
	int		 fd;

	if (mkdir(dir, 0700) == -1) {
		if (errno == EEXIST)
			return (0);
		snprintf(err, errlen, "%s: cannot create: %s", dir,
		    strerror(errno));
		return (-1);
	}

	fd = open(dir, O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) == 0 && sb.st_uid == geteuid() &&
	    (sb.st_mode & 07777) != 0700 && fchmod(fd, 0700) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

/*
 * Check the directory that holds socket path SOCKPATH: it must be a
 * directory and not a link to one, owned by the effective user, and give
 * no access to group or others.  With CREATE, make it first if it is
 * missing.  Only the directory itself is checked, not its parents.
 */
int
sockpath_check_dir(const char *sockpath, int create, char *err,
    size_t errlen)
{
	struct stat	 sb;
	char		*dir;
	int		 rc = -1;

	if ((dir = sockpath_dir(sockpath)) == NULL) {
		snprintf(err, errlen, "%s: %s", sockpath, strerror(errno));
		return (-1);
	}

	if (lstat(dir, &sb) == -1) {
		if (errno != ENOENT || !create) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			goto out;
		}
		if (sockpath_create(dir, err, errlen) == -1)
			goto out;
		if (lstat(dir, &sb) == -1) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			goto out;
		}
	}

	if (S_ISLNK(sb.st_mode))
		snprintf(err, errlen, "%s: refusing: is a symbolic link", dir);
	else if (!S_ISDIR(sb.st_mode))
		snprintf(err, errlen, "%s: refusing: not a directory", dir);
	else if (sb.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: refusing: owned by uid %lu, not by "
		    "you (uid %lu)", dir, (unsigned long)sb.st_uid,
		    (unsigned long)geteuid());
	} else if ((sb.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: refusing: mode %04o lets group or "
		    "others in", dir, (unsigned int)(sb.st_mode & 07777));
	} else
		rc = 0;

out:
	free(dir);
	return (rc);
}
