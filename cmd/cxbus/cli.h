/*
 * cli.h: the cxbus command's shared declarations.
 */

#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <stddef.h>

#include "cxbus.h"
#include "cxbus-int.h"

/* Exit statuses, one table for every subcommand (see cxbus(1)). */
#define EXIT_OK			0
#define EXIT_BUS		1	/* no bus, or it refused */
#define EXIT_USAGE		2
#define EXIT_TIMEOUT		3	/* -W ran out first */
#define EXIT_NOBODY		4	/* nobody listening */
#define EXIT_UNSUPPORTED	5	/* a cxbus feature on another server */

/* Options every subcommand takes. */
struct common {
	const char	*socket;
	const char	*url;
	int		 no_autostart;
};
extern struct common	 common;

/* Long options every subcommand takes; getopt codes start at 1000. */
#define COMMON_LONGOPTS							\
	{ "help", no_argument, NULL, 'h' },				\
	{ "no-autostart", no_argument, NULL, 1000 },			\
	{ "socket", required_argument, NULL, 'S' },			\
	{ "url", required_argument, NULL, 1001 },			\
	{ "version", no_argument, NULL, 1002 }
#define COMMON_SHORTOPTS	"hS:"

/* One subcommand, as tmux has its cmd_entry. */
struct cmd_entry {
	const char	*name;
	const char	*usage;
	const char	*help;	/* one line per option, for --help */
	int		(*exec)(int, char **);
};

/* main.c */
void		 cli_usage(const char *) __attribute__((noreturn));
int		 cli_common_option(int, const char *, const char *);
struct cxbus	*cli_connect(const char *, int);
void		 cli_bus_error(struct cxbus *, const char *)
		     __attribute__((noreturn));
int		 cli_unsupported(const struct cxbus_reply *);
double		 cli_seconds(const char *, const char *, const char *);
long long	 cli_count(const char *, const char *, const char *);

/* cmd-*.c */
int		 cmd_pub(int, char **);
int		 cmd_sub(int, char **);
int		 cmd_topics(int, char **);
int		 cmd_status(int, char **);
int		 cmd_ping(int, char **);
int		 cmd_pipe(int, char **);
extern const char	*cmd_pub_usage, *cmd_sub_usage, *cmd_topics_usage,
			*cmd_status_usage, *cmd_ping_usage;

/* output.c */
int		 out_utf8_valid(const char *, size_t);
int		 out_json_string(struct buf *, const char *, size_t);
int		 out_base64(struct buf *, const char *, size_t);
int		 out_json_field(struct buf *, const char *, const char *,
		     size_t);
int		 out_write(int, struct buf *);

/* print.c: a message as sub and pipe print it. */
enum print_format {
	PRINT_PAYLOAD,		/* the payload */
	PRINT_VERBOSE,		/* topic, space, payload */
	PRINT_JSON		/* one JSON object */
};

struct print {
	const char		*cmd;	/* for error messages */
	enum print_format	 format;
	char			 end;	/* '\n' or '\0' */
	struct buf		 out;
};

void		 print_init(struct print *, const char *, enum print_format,
		     char);
void		 print_free(struct print *);
void		 print_message(struct print *, const struct cxbus_msg *);
void		 print_flush(struct print *);
void		 print_write_some(struct print *);

#endif /* CLI_H */
