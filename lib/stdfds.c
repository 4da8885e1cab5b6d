/*
 * stdfds.c: keep descriptors 0, 1 and 2 open.  A program started with
 * one of them closed would otherwise get its bus connection under that
 * number, and write messages or log lines into the socket, or read
 * standard input from it.
 */

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "cxbus-int.h"

/* Open /dev/null on each of 0, 1 and 2 that is closed; -1 on failure. */
int
stdfds_open(void)
{
	int	 fd;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open("/dev/null", fd == STDIN_FILENO ? O_RDONLY :
		    O_WRONLY) != fd)
			return (-1);
	}
	return (0);
}
