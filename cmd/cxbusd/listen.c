/*
 * listen.c: the listening socket.  The daemon holds a lock next to the
 * socket for its whole life, so that a second daemon, or one started by
 * several commands at once, knows at once that the bus is taken.  A socket
 * handed over by systemd is not the daemon's: it takes no lock for it and
 * leaves its file alone.
 */

#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <bsd/unistd.h>

#include "cxbusd.h"

static int	 listen_fd = -1;
static int	 lock_fd = -1;
static char	 listen_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static char	 lock_path[sizeof(listen_path) + 8];
static int	 listen_owned;	/* we made the socket file: remove it */
static ino_t	 listen_ino;	/* ... if it is still that file */
static dev_t	 listen_dev;

/* The first descriptor systemd passes, as sd_listen_fds(3) has it. */
#define SD_LISTEN_FDS_START	3

static void	 listen_accept(int, int, void *);
static int	 listen_alive(const char *);
static void	 listen_name(int);

/*
 * Whether something accepts connections at PATH.  The lock proves that no
 * other daemon started itself there, but a socket systemd listens on has
 * no lock, and removing it would cut systemd's users off.
 */
static int
listen_alive(const char *path)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	int			 fd, alive;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (0);
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));

	/* A full backlog (EAGAIN) is still a listener. */
	alive = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
	    errno == EAGAIN || errno == EINPROGRESS;
	close(fd);
	return (alive);
}

/*
 * Take the lock, clear a stale socket and listen on PATH.  On failure
 * returns -1 with a message in ERR; *RUNNING is set when another daemon
 * holds the bus.
 */
int
listen_open(const char *path, int *running)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct stat		 sb;
	mode_t			 mask;
	int			 fd;

	*running = 0;
	strlcpy(listen_path, path, sizeof(listen_path));
	snprintf(lock_path, sizeof(lock_path), "%s.lock", path);
	lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (lock_fd == -1) {
		log_warn("%s", lock_path);
		return (-1);
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			*running = 1;
		else
			log_warn("%s", lock_path);
		close(lock_fd);
		lock_fd = -1;
		return (-1);
	}

	/*
	 * Holding the lock, a socket file left is a dead daemon's, unless
	 * systemd listens on it.
	 */
	if (listen_alive(path)) {
		*running = 1;
		unlink(lock_path);
		close(lock_fd);
		lock_fd = -1;
		return (-1);
	}
	/* Remove only a socket: a mistyped -S must not destroy a file. */
	if (lstat(path, &sb) == 0 && !S_ISSOCK(sb.st_mode)) {
		log_warnx("%s: exists and is not a socket; leaving it alone",
		    path);
		unlink(lock_path);
		close(lock_fd);
		lock_fd = -1;
		return (-1);
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("%s", path);
		return (-1);
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("socket");
		return (-1);
	}
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	mask = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(mask);
		log_warn("%s", path);
		close(fd);
		return (-1);
	}
	umask(mask);
	listen_owned = 1;
	if (lstat(path, &sb) == 0)
		listen_ino = sb.st_ino, listen_dev = sb.st_dev;
	if (listen(fd, 512) == -1) {
		log_warn("listen");
		close(fd);
		return (-1);
	}
	listen_fd = fd;
	return (0);
}

/*
 * Put the address FD is bound to in listen_path and opt.socket: what
 * systemd was told, whatever -S or the environment say.
 */
static void
listen_name(int fd)
{
	struct sockaddr_un	 sun;
	socklen_t		 len = sizeof(sun);
	size_t			 n;

	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &len) == -1)
		fatal("LISTEN_FDS: getsockname");
	if (sun.sun_family != AF_UNIX)
		fatalx("LISTEN_FDS: descriptor %d is not a Unix socket", fd);
	n = len > offsetof(struct sockaddr_un, sun_path) ?
	    len - offsetof(struct sockaddr_un, sun_path) : 0;
	if (n > sizeof(sun.sun_path))
		n = sizeof(sun.sun_path);

	/* An abstract name starts with a NUL; show it as ss(8) does. */
	if (n == 0)
		strlcpy(listen_path, "(unnamed)", sizeof(listen_path));
	else if (sun.sun_path[0] == '\0')
		snprintf(listen_path, sizeof(listen_path), "@%.*s",
		    (int)(n - 1), sun.sun_path + 1);
	else
		snprintf(listen_path, sizeof(listen_path), "%.*s",
		    (int)strnlen(sun.sun_path, n), sun.sun_path);
	opt.socket = listen_path;
}

/*
 * Take a socket handed over by systemd (LISTEN_FDS, LISTEN_PID): the first
 * one, which must be a listening Unix stream socket, and set opt.socket
 * to its address.  Returns 1 when one was taken, 0 when none was offered
 * to this process.
 */
int
listen_adopt(void)
{
	const char	*fds = getenv("LISTEN_FDS");
	const char	*pid = getenv("LISTEN_PID");
	const char	*errstr;
	long long	 n, owner;
	socklen_t	 len;
	int		 fd, type, accepting;

	if (fds == NULL || pid == NULL)
		return (0);
	owner = strtonum(pid, 1, LLONG_MAX, &errstr);
	if (errstr != NULL || owner != (long long)getpid())
		return (0);
	n = strtonum(fds, 1, INT_MAX - SD_LISTEN_FDS_START, &errstr);
	if (errstr != NULL)
		fatalx("LISTEN_FDS=%s: %s", fds, errstr);
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");

	fd = SD_LISTEN_FDS_START;
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		fatal("LISTEN_FDS: descriptor %d", fd);
	len = sizeof(accepting);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == -1)
		fatal("LISTEN_FDS: descriptor %d", fd);
	if (type != SOCK_STREAM || !accepting)
		fatalx("LISTEN_FDS: descriptor %d is not a listening stream "
		    "socket", fd);
	listen_name(fd);

	/* One bus, one socket: the others would only fill up unheard. */
	if (n > 1) {
		log_warnx("LISTEN_FDS: %lld sockets, using the first", n);
		close_range(fd + 1, fd + n - 1, 0);
	}

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		fatal("LISTEN_FDS: descriptor %d", fd);
	listen_fd = fd;
	listen_owned = 0;
	return (1);
}

/* Begin accepting (or, with 0, stop: when descriptors run out). */
void
listen_start(int on)
{
	loop_set(listen_fd, on ? EV_READ : 0, listen_accept, NULL);
}

/*
 * Accept what is waiting.  Peers of another user are refused: the socket
 * mode already keeps them out, this holds even if someone loosens it.
 */
static void
listen_accept(int fd, int events, void *arg)
{
	uid_t	 uid;
	gid_t	 gid;
	int	 client, i;

	for (i = 0; i < 64; i++) {
		client = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (client == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				listen_pause(1);
				return;
			}
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept");
			return;
		}
		if (getpeereid(client, &uid, &gid) == -1) {
			log_warn("getpeereid");
			close(client);
			continue;
		}
		if (uid != 0 && uid != geteuid()) {
			log_warnx("refused a client of uid %ld",
			    (long)uid);
			close(client);
			continue;
		}
		peer_accept(client, uid, 0);
	}
}

/*
 * Out of descriptors: stop accepting, or with 0 start again.  Warned once
 * each way so that the log shows when and for how long.
 */
void
listen_pause(int paused)
{
	static int	 is_paused;

	if (paused == is_paused || listen_fd == -1)
		return;
	is_paused = paused;
	if (paused)
		log_warnx("out of file descriptors: not accepting");
	else
		log_warnx("file descriptors free again: accepting");
	listen_start(!paused);
}

/* Close the socket and remove its file and the lock. */
void
listen_close(void)
{
	struct stat	 sb, lsb;

	if (listen_fd != -1) {
		loop_del(listen_fd);
		close(listen_fd);
		listen_fd = -1;
	}
	/*
	 * Remove only what is still ours: a cleaner may have removed our
	 * files and another daemon put its own there meanwhile.
	 */
	if (listen_owned && lstat(listen_path, &sb) == 0 &&
	    sb.st_ino == listen_ino && sb.st_dev == listen_dev)
		unlink(listen_path);
	if (lock_fd != -1) {
		if (fstat(lock_fd, &lsb) == 0 && lstat(lock_path, &sb) == 0 &&
		    sb.st_ino == lsb.st_ino && sb.st_dev == lsb.st_dev)
			unlink(lock_path);
		close(lock_fd);
		lock_fd = -1;
	}
}
