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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "cxbus-int.h"

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
			if ((size_t)snprintf(out, len, "%scxbusd", self) < len &&
			    access(out, X_OK) == 0)
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
	char	 daemon[PATH_MAX], text[512];
	size_t	 got = 0;
	ssize_t	 n;
	pid_t	 pid;
	int	 pipefd[2], status, devnull;

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
		execlp(daemon, daemon, "-S", path, (char *)NULL);
		dprintf(STDERR_FILENO, "%s: %s\n", daemon, strerror(errno));
		_exit(127);
	}

	close(pipefd[1]);
	while (got < sizeof(text) - 1 &&
	    (n = read(pipefd[0], text + got, sizeof(text) - 1 - got)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += n;
	}
	close(pipefd[0]);
	text[got] = '\0';
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == CX_EXIT_RUNNING)
		return (1);
	text[strcspn(text, "\n")] = '\0';
	snprintf(err, errlen, "%s", got > 0 ? text : "cxbusd failed");
	return (-1);
}
