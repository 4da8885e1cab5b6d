/*
 * autostart.c: start cxbusd for a socket, the way tmux starts its server
 * on first use.  The daemon detaches only once its socket listens, so
 * when the process we ran exits, the bus is there.  Several commands that
 * start at once each run a daemon; the lock the daemon takes lets exactly
 * one of them through and the others exit at once.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bsd/string.h>
#include <bsd/unistd.h>

#include "cxbus-int.h"

/* Seconds a daemon may take to listen or fail. */
#define AUTOSTART_WAIT	5

/*
 * The daemon to run: $CXBUS_DAEMON, else cxbusd beside the running
 * program, else plain "cxbusd" for a search of PATH.
 */
static void
autostart_find(char *out, size_t len)
{
	const char	*env = getenv("CXBUS_DAEMON");
	char		 self[PATH_MAX], *slash;
	ssize_t		 n;

	if (env != NULL && *env != '\0') {
		strlcpy(out, env, len);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			slash[1] = '\0';
			n = snprintf(out, len, "%scxbusd", self);
			if ((size_t)n < len && access(out, X_OK) == 0)
				return;
		}
	}
	strlcpy(out, "cxbusd", len);
}

/*
 * Run the daemon for PATH and wait for it to listen or fail.  Its error
 * output is kept and, on failure, returned in ERR as one line.
 */
int
autostart_daemon(const char *path, char *err, size_t errlen)
{
	char		 daemon[PATH_MAX], text[512];
	size_t		 got = 0;
	ssize_t		 n = -1;
	struct pollfd	 pfd;
	time_t		 deadline;
	pid_t		 pid, r;
	int		 pipefd[2], status, devnull;

	autostart_find(daemon, sizeof(daemon));
	if (pipe2(pipefd, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return (-1);
	}

	switch (pid = fork()) {
	case -1:
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return (-1);
	case 0:
		/* Keep the daemon off our standard input and output. */
		if ((devnull = open("/dev/null", O_RDWR)) != -1) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		dup2(pipefd[1], STDERR_FILENO);

		/* The daemon outlives us: it must not hold our pipes. */
		closefrom(STDERR_FILENO + 1);
		execlp(daemon, daemon, "-S", path, (char *)NULL);
		dprintf(STDERR_FILENO, "%s: %s\n", daemon, strerror(errno));
		_exit(127);
	}

	/*
	 * Its error output closes when it has detached or died.  One that
	 * does neither in time is left to itself: it may yet listen.
	 */
	close(pipefd[1]);
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	deadline = time(NULL) + AUTOSTART_WAIT;
	for (;;) {
		if (poll(&pfd, 1, 1000) == 0) {
			if (time(NULL) >= deadline)
				break;
			continue;
		}
		n = read(pipefd[0], text + got, sizeof(text) - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
		if (got == sizeof(text) - 1) {
			n = 0;	/* enough to report; wait for its end */
			break;
		}
	}
	close(pipefd[0]);
	text[got] = '\0';

	/* One that closed its error output may still run in front. */
	while (n == 0 && (r = waitpid(pid, &status, WNOHANG)) != pid) {
		if ((r == -1 && errno != EINTR) || time(NULL) >= deadline)
			n = -1;
		else
			usleep(10 * 1000);
	}
	if (n != 0) {
		snprintf(err, errlen, "%s did not start within %d s", daemon,
		    AUTOSTART_WAIT);
		return (-1);
	}

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == CX_EXIT_RUNNING)
		return (1);
	text[strcspn(text, "\n")] = '\0';
	snprintf(err, errlen, "%s", got > 0 ? text : "cxbusd failed");
	return (-1);
}
