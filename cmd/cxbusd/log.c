/*
 * log.c: the daemon's log, on stderr in the foreground and in syslog once
 * detached.  Lines are passed through strvis so that nothing a client
 * sends can forge a log line.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define LIBBSD_OPENBSD_VIS
#include <bsd/string.h>
#include <bsd/vis.h>

#include "cxbusd.h"

static int	 log_to_stderr = 1;
static int	 log_verbose;

static void	 log_vwrite(int, const char *, const char *, va_list);

/* Choose where lines go and whether debug lines are kept. */
void
log_init(int to_stderr, int verbose)
{
	log_to_stderr = to_stderr;
	log_verbose = verbose;
	if (!to_stderr)
		openlog("cxbusd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Write one line at PRIORITY, with SUFFIX (an errno text) if not NULL. */
static void
log_vwrite(int priority, const char *suffix, const char *fmt, va_list ap)
{
	char	 line[1024], safe[sizeof(line) * 4 + 1];

	vsnprintf(line, sizeof(line), fmt, ap);
	strvisx(safe, line, strlen(line), VIS_SAFE | VIS_OCTAL);

	if (!log_to_stderr) {
		if (suffix != NULL)
			syslog(priority, "%s: %s", safe, suffix);
		else
			syslog(priority, "%s", safe);
		return;
	}
	/* No time stamps: journald adds its own. */
	if (suffix != NULL)
		fprintf(stderr, "cxbusd: %s: %s\n", safe, suffix);
	else
		fprintf(stderr, "cxbusd: %s\n", safe);
}

/* A warning with the text of errno appended; errno is kept. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

/* A warning without errno. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

/* Start, stop, and other things an operator wants to see. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

/* Each connection and command, only with -v. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

/* Log with errno and exit. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log and exit. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * A short printable form of client bytes for a debug line.  Returns a
 * static buffer: use it before the next call.
 */
const char *
log_escape(const char *s, size_t len)
{
	static char	 out[256];
	size_t		 n = len > 60 ? 60 : len;

	strvisx(out, s, n, VIS_SAFE | VIS_OCTAL | VIS_CSTYLE);
	if (n < len)
		strlcat(out, "...", sizeof(out));
	return (out);
}
