/*
 * cxbus-int.h: code shared by the library, cxbus and cxbusd, and not part
 * of the public API.  One block of prototypes per source file.
 */

#ifndef CXBUS_INT_H
#define CXBUS_INT_H

#include <sys/types.h>

#include <stddef.h>

/* Symbols the shared library exports; everything else stays inside. */
#define CXBUS_API	__attribute__((visibility("default")))

/* One read or write moves up to this much; larger batches gain little. */
#define CX_IO_CHUNK		(256 * 1024)

/* Default largest payload the daemon takes: 1 MiB. */
#define CX_MAX_MESSAGE		(1024 * 1024)

/* An inline command (a line of text, not RESP) is at most this long. */
#define CX_MAX_INLINE		(64 * 1024)

/* buf.c: a growable byte buffer; data[off..len) is what is unread. */
struct buf {
	char	*data;
	size_t	 off;
	size_t	 len;
	size_t	 cap;
};

#define buf_used(b)	((b)->len - (b)->off)
#define buf_head(b)	((b)->data + (b)->off)

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
int	 buf_reserve(struct buf *, size_t);
int	 buf_add(struct buf *, const void *, size_t);
void	 buf_consume(struct buf *, size_t);
ssize_t	 buf_read(struct buf *, int, size_t);
ssize_t	 buf_write(struct buf *, int);

/*
 * resp.c: the Redis serialization protocol.  Writers append to a buf and
 * return -1 only when memory runs out.  Parsers return RESP_OK with *used
 * set to the bytes of one whole frame, RESP_MORE when the frame is not
 * complete yet, or RESP_ERROR with *err naming the fault in Redis's words.
 */
#define RESP_OK		1
#define RESP_MORE	0
#define RESP_ERROR	(-1)

/* A command's arguments: pointers into the parsed buffer. */
struct resp_args {
	int		  argc;
	int		  cap;
	char		**argv;
	size_t		 *lens;
};

/*
 * A reply as a flat list of tokens in prefix order: an aggregate's token
 * (type *, >, %, ~) has n children after it (a map counts 2 per pair).
 * Strings point into the parsed buffer.  A null is type '_' whatever
 * form it came in.
 */
struct resp_token {
	char		 type;
	long long	 n;
	const char	*s;
	size_t		 len;
};

struct resp_reply {
	struct resp_token	*tok;
	size_t			 ntok;
	size_t			 cap;
};

int	 resp_add_array(struct buf *, char, size_t);
int	 resp_add_bulk(struct buf *, const void *, size_t);
int	 resp_add_int(struct buf *, long long);
int	 resp_add_line(struct buf *, char, const char *);
int	 resp_add_command(struct buf *, int, const char **, const size_t *);
char	*resp_ulltoa(unsigned long long, char *);
int	 resp_hex(char);

void	 resp_args_free(struct resp_args *);
int	 resp_parse_request(char *, size_t, size_t, struct resp_args *,
	     size_t *, const char **);

void	 resp_reply_free(struct resp_reply *);
int	 resp_parse_reply(const char *, size_t, struct resp_reply *,
	     size_t *, const char **);
size_t	 resp_skip(const struct resp_reply *, size_t);

/* glob.c: Redis's glob rules; '*' also crosses '/'. */
int	 glob_match(const char *, size_t, const char *, size_t);
int	 glob_is_pattern(const char *, size_t);

/*
 * sockpath.c: where the bus's socket is.  Errors are written to ERR as one
 * line that names the path and the reason.
 */
int	 sockpath_resolve(const char *, char *, size_t, int *, char *,
	     size_t);
int	 sockpath_check_dir(const char *, int, char *, size_t);
int	 sockpath_fits(const char *, char *, size_t);

/* split.c: cut standard input into records at a separator byte. */
struct split {
	struct buf	 in;
	int		 sep;
	int		 eof;
	size_t		 max;	/* longest record taken; longer is an error */
	size_t		 skip;	/* bytes of the current record scanned */
};

#define SPLIT_RECORD	1
#define SPLIT_NEED	0
#define SPLIT_END	(-1)
#define SPLIT_TOOLONG	(-2)

void	 split_init(struct split *, int, size_t);
void	 split_free(struct split *);
ssize_t	 split_fill(struct split *, int);
int	 split_next(struct split *, const char **, size_t *);

/*
 * autostart.c: start cxbusd for a socket path and wait until it listens.
 * Returns 0 when it listens, 1 when another daemon holds the socket's
 * lock (it may still be starting), -1 when it failed.
 */
int	 autostart_daemon(const char *, char *, size_t);

/* stdfds.c: open /dev/null on whichever of 0, 1 and 2 is closed. */
int	 stdfds_open(void);

/* cxbusd's exit status when another daemon holds the socket. */
#define CX_EXIT_RUNNING		3

#endif /* CXBUS_INT_H */
