/*
 * cxbusd: the cxbus daemon.  One per user and socket, single-threaded:
 * it accepts local clients of the same user, speaks the pub/sub subset of
 * the Redis protocol, and hands every published message to the
 * subscribers of its topic.
 */

#include <sys/signalfd.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "cxbusd.h"

struct options	 opt = {
	.max_message = CX_MAX_MESSAGE,
	.queue_limit = 8 * 1024 * 1024,
	.stall_timeout = 10,
};
struct stats	 stats;

static void	 usage(void) __attribute__((noreturn));
static void	 daemon_signal(int, int, void *);
static void	 daemon_detach(void);
static void	 daemon_after(void);
static void	 daemon_tick(void);

/* Print the usage line and exit 2. */
static void
usage(void)
{
	fprintf(stderr, "usage: cxbusd [-fv] [-S socket] [--max-message bytes] "
	    "[--queue-limit bytes]\n"
	    "              [--stall-timeout seconds]\n");
	exit(2);
}

/* A number option in [MIN, MAX], or a usage error naming the option. */
static long long
number_arg(const char *name, const char *arg, long long min, long long max)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(arg, min, max, &errstr);
	if (errstr != NULL) {
		fprintf(stderr, "cxbusd: --%s %s: %s (from %lld to %lld)\n",
		    name, arg, errstr, min, max);
		exit(2);
	}
	return (n);
}

/* SIGTERM and SIGINT arrive here through a signalfd: stop the loop. */
static void
daemon_signal(int fd, int events, void *arg)
{
	struct signalfd_siginfo	 si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		log_info("signal %u: exiting", si.ssi_signo);
		loop_stop();
	}
}

/*
 * Go to the background once the socket listens: the parent exits 0 only
 * then, so whoever started us can connect as soon as it returns.
 */
static void
daemon_detach(void)
{
	int	 fd;

	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir");
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		fatal("/dev/null");
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	log_init(0, opt.verbose);
}

/*
 * Make a relative socket path absolute: the daemon leaves its working
 * directory when it detaches, and must still find the socket to remove
 * it at exit.
 */
static void
daemon_absolute(char *path, size_t len)
{
	char	 cwd[PATH_MAX], full[PATH_MAX + 1], err[PATH_MAX + 128];

	if (path[0] == '/')
		return;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("getcwd");
	if ((size_t)snprintf(full, sizeof(full), "%s/%s", cwd, path) >=
	    len || sockpath_fits(full, err, sizeof(err)) == -1)
		fatalx("%s/%s: socket path too long once made absolute", cwd,
		    path);
	strlcpy(path, full, len);
}

/* After each round of events: write what gathered, free the closed. */
static void
daemon_after(void)
{
	peer_flush_all();
	peer_reap();
}

/* Once a second. */
static void
daemon_tick(void)
{
	peer_tick();
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "max-message", required_argument, NULL, 'm' },
		{ "queue-limit", required_argument, NULL, 'q' },
		{ "socket", required_argument, NULL, 'S' },
		{ "stall-timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const char help[] =
	    "The cxbus daemon: a publish/subscribe bus on a Unix socket.\n"
	    "  -f, --foreground         stay in the foreground, log to "
	    "stderr\n"
	    "  -S, --socket PATH        listen on PATH (default: see "
	    "cxbusd(1))\n"
	    "      --max-message BYTES  largest payload (default 1048576)\n"
	    "      --queue-limit BYTES  a subscriber's high-water mark "
	    "(default 8388608)\n"
	    "      --stall-timeout SECS how long a full subscriber may hold "
	    "publishers\n"
	    "                           back (default 10)\n"
	    "  -v, --verbose            log each connection and command\n"
	    "  -h, --help               this help\n"
	    "      --version            print the version\n";
	char		 path[PATH_MAX], err[PATH_MAX + 128];
	const char	*given = NULL;
	sigset_t	 sigs;
	int		 ch, sfd, is_default, running, adopted;

	if (stdfds_open() == -1) {
		perror("cxbusd: /dev/null");
		exit(1);
	}

	while ((ch = getopt_long(argc, argv, "fhS:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			opt.foreground = 1;
			break;
		case 'h':
			printf("usage: cxbusd [-fv] [-S socket] "
			    "[--max-message bytes] [--queue-limit bytes]\n"
			    "              [--stall-timeout seconds]\n%s",
			    help);
			exit(0);
		case 'm':
			opt.max_message = number_arg("max-message", optarg,
			    1, 512LL * 1024 * 1024);
			break;
		case 'q':
			opt.queue_limit = number_arg("queue-limit", optarg,
			    64 * 1024, 1LL << 40);
			break;
		case 'S':
			given = optarg;
			break;
		case 't':
			opt.stall_timeout = number_arg("stall-timeout",
			    optarg, 1, 86400);
			break;
		case 'v':
			opt.verbose = 1;
			break;
		case 'V':
			printf("cxbusd %s\n", CXBUS_VERSION);
			exit(0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init(1, opt.verbose);

	/*
	 * Topic names and other words may be longer than a small message
	 * limit; PUBLISH checks the payload itself.
	 */
	opt.bulk_limit = opt.max_message < CX_MAX_INLINE ? CX_MAX_INLINE :
	    opt.max_message;
	opt.input_limit = 2 * opt.bulk_limit + CX_MAX_INLINE;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	/*
	 * A socket systemd hands over is where the bus is, whatever -S and
	 * the environment say; systemd made its directory.  The daemon stays
	 * in the foreground for systemd to follow, -f or not.
	 */
	adopted = listen_adopt();
	if (adopted && given != NULL)
		log_warnx("-S %s ignored: listening on the socket systemd "
		    "passed, %s", given, opt.socket);
	if (!adopted) {
		/* Where: the same rules as every cxbus command. */
		if (sockpath_resolve(given, path, sizeof(path), &is_default,
		    err, sizeof(err)) == -1)
			fatalx("%s", err);
		if (is_default && sockpath_check_dir(path, 1, err,
		    sizeof(err)) == -1)
			fatalx("%s", err);
		daemon_absolute(path, sizeof(path));
		opt.socket = path;

		if (listen_open(path, &running) == -1) {
			if (running) {
				log_warnx("%s: already running", path);
				exit(CX_EXIT_RUNNING);
			}
			exit(1);
		}
		if (!opt.foreground)
			daemon_detach();
	}

	loop_init();
	sigdelset(&sigs, SIGHUP);
	if ((sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	loop_set(sfd, EV_READ, daemon_signal, NULL);
	listen_start(1);
	stats.started = time(NULL);
	log_info("listening on %s", opt.socket);

	loop_run(daemon_after, daemon_tick);

	while (!TAILQ_EMPTY(&all_peers))
		peer_close(TAILQ_FIRST(&all_peers));
	peer_reap();
	listen_close();
	return (0);
}
