/*
 * cxbusd.h: the daemon's types and one block of prototypes per file.
 */

#ifndef CXBUSD_H
#define CXBUSD_H

#include <sys/types.h>
#include <sys/uio.h>

#include <bsd/sys/queue.h>
#include <bsd/sys/tree.h>

#include <stdarg.h>
#include <stdint.h>

#include "cxbus.h"
#include "cxbus-int.h"

/* Settings from the command line. */
struct options {
	const char	*socket;
	size_t		 max_message;
	size_t		 bulk_limit;	/* longest string a frame may hold */
	size_t		 input_limit;	/* longest unfinished command */
	size_t		 queue_limit;	/* a subscriber's high-water mark */
	int		 stall_timeout;	/* seconds */
	int		 foreground;
	int		 verbose;
};
extern struct options	 opt;

/* Counters for CXBUS.STATUS. */
struct stats {
	uint64_t	 messages_in;
	uint64_t	 messages_out;
	uint64_t	 messages_dropped;
	uint64_t	 clients_total;
	time_t		 started;
};
extern struct stats	 stats;

/*
 * A frame shared by every queue that holds it: a published message is
 * built once and referenced by each subscriber it goes to.  A frame with
 * one reference and spare room also serves as a peer's private output
 * chunk, into which replies and small messages are copied.
 */
struct frame {
	unsigned	 refs;
	size_t		 len;
	size_t		 cap;
	char		 data[];
};

/* One entry of a peer's output queue. */
struct outent {
	struct frame	*frame;
	size_t		 off;
};

struct topic;
struct pattern;

/* A subscription list: what a peer holds, or who holds a topic. */
struct ptrvec {
	void		**v;
	size_t		  n;
	size_t		  cap;
};

#define PEER_CLOSING	0x01	/* close once the output is written */
#define PEER_RESP3	0x02	/* speaks RESP3 after HELLO 3 */
#define PEER_PAUSED	0x04	/* not read: a subscriber it feeds is full */
#define PEER_FLUSH	0x08	/* on the flush list */
#define PEER_STALLED	0x10	/* took nothing for too long: drop for it */
#define PEER_DEAD	0x20	/* closed, waiting to be freed */
#define PEER_RESUMED	0x40	/* unpaused: run what it had sent */
#define PEER_LOSSY	0x80	/* drops rather than hold publishers back */
#define PEER_NOTIFY	0x100	/* is told of its drops on cxbus.dropped */

/* One client connection. */
struct peer {
	int			 fd;
	int			 flags;
	uint64_t		 id;
	uid_t			 uid;
	pid_t			 pid;
	char			*name;

	struct buf		 in;
	struct resp_args	 args;

	struct outent		*q;	/* a ring of queued output */
	size_t			 qhead;
	size_t			 qlen;
	size_t			 qcap;
	size_t			 outbytes;
	int			 want_write;
	time_t			 last_progress;
	uint64_t		 dropped;
	uint64_t		 unreported;	/* dropped, not yet told */
	uint64_t		 nolocal;	/* a client not to hear */

	struct ptrvec		 topics;	/* struct topic * */
	struct ptrvec		 patterns;	/* struct pattern * */
	struct ptrvec		 waiters;	/* peers paused on us */
	struct peer		*blocked_on;

	TAILQ_ENTRY(peer)	 entry;
	TAILQ_ENTRY(peer)	 flush_entry;
};
TAILQ_HEAD(peers, peer);
extern struct peers	 all_peers;
extern unsigned		 npeers;

/* A topic the bus knows of. */
struct topic {
	char		*name;
	size_t		 len;
	struct ptrvec	 subscribers;	/* struct peer * */
	uint64_t	 messages;
	time_t		 last_published;
	RB_ENTRY(topic)	 entry;
};
RB_HEAD(topics, topic);
RB_PROTOTYPE(topics, topic, entry, topic_cmp);
extern struct topics	 all_topics;

/* A glob pattern with the peers subscribed to it. */
struct pattern {
	char			*glob;
	size_t			 len;
	struct ptrvec		 subscribers;
	TAILQ_ENTRY(pattern)	 entry;
};
TAILQ_HEAD(patterns, pattern);
extern struct patterns	 all_patterns;
extern unsigned		 npatterns;

/* log.c */
void		 log_init(int, int);
void		 log_warn(const char *, ...)
		     __attribute__((format(printf, 1, 2)));
void		 log_warnx(const char *, ...)
		     __attribute__((format(printf, 1, 2)));
void		 log_info(const char *, ...)
		     __attribute__((format(printf, 1, 2)));
void		 log_debug(const char *, ...)
		     __attribute__((format(printf, 1, 2)));
void		 fatal(const char *, ...)
		     __attribute__((noreturn, format(printf, 1, 2)));
void		 fatalx(const char *, ...)
		     __attribute__((noreturn, format(printf, 1, 2)));
const char	*log_escape(const char *, size_t);

/* loop.c */
#define EV_READ		0x01
#define EV_WRITE	0x02
typedef void	 loop_cb(int, int, void *);
void		 loop_init(void);
void		 loop_set(int, int, loop_cb *, void *);
void		 loop_del(int);
void		 loop_run(void (*)(void), void (*)(void));
void		 loop_stop(void);
int		 loop_stopped(void);

/* listen.c */
int		 listen_open(const char *, int *);
int		 listen_adopt(void);
void		 listen_start(int);
void		 listen_pause(int);
void		 listen_close(void);

/* peer.c */
void		 peer_accept(int, uid_t, pid_t);
void		 peer_close(struct peer *);
void		 peer_reply(struct peer *, const void *, size_t);
void		 peer_send_frame(struct peer *, struct frame *, int);
void		 peer_flush_all(void);
void		 peer_reap(void);
void		 peer_resume_waiters(struct peer *);
void		 peer_pause(struct peer *, struct peer *);
void		 peer_tick(void);
int		 peer_full(struct peer *);
struct frame	*frame_new(size_t);
void		 frame_unref(struct frame *);
void		 ptrvec_add(struct ptrvec *, void *);
int		 ptrvec_remove(struct ptrvec *, void *);
int		 ptrvec_has(struct ptrvec *, void *);
void		 ptrvec_free(struct ptrvec *);

/* command.c */
void		 command_run(struct peer *, struct resp_args *);
void		 reply_error(struct peer *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
void		 reply_line(struct peer *, char, const char *);
void		 reply_int(struct peer *, long long);
void		 reply_bulk(struct peer *, const void *, size_t);
void		 reply_array(struct peer *, size_t);
void		 reply_push(struct peer *, size_t);
void		 reply_map(struct peer *, size_t);
void		 reply_null(struct peer *);

/* topic.c */
int		 topic_cmp(struct topic *, struct topic *);
struct topic	*topic_find(const char *, size_t);
struct topic	*topic_get(const char *, size_t);
void		 topic_forget_idle(void);
struct pattern	*pattern_find(const char *, size_t);
struct pattern	*pattern_get(const char *, size_t);
void		 pattern_drop(struct pattern *);
int		 topic_subscribe(struct peer *, const char *, size_t);
int		 topic_unsubscribe(struct peer *, struct topic *);
int		 pattern_subscribe(struct peer *, const char *, size_t);
int		 pattern_unsubscribe(struct peer *, struct pattern *);
void		 topic_drop_peer(struct peer *);
long long	 topic_publish(struct peer *, const char *, size_t,
		     const char *, size_t);
size_t		 topic_count(void);

#endif /* CXBUSD_H */
