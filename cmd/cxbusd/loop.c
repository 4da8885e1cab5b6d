/*
 * loop.c: the event loop, a thin layer over epoll.  One callback per
 * descriptor; after each round of events a hook runs so that output
 * gathered during the round goes out in one write per peer.
 */

#include <sys/epoll.h>

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "cxbusd.h"

/* Registered callbacks, indexed by descriptor. */
struct loop_slot {
	loop_cb	*cb;
	void	*arg;
	int	 events;
};

static int		 loop_fd = -1;
static struct loop_slot	*loop_slots;
static size_t		 loop_nslots;
static volatile int	 loop_done;

/* Create the epoll instance. */
void
loop_init(void)
{
	if ((loop_fd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
}

/*
 * Watch FD for EVENTS (EV_READ, EV_WRITE or both) and call CB; 0 events
 * takes the descriptor out of the poll set, which matters: a descriptor
 * that is not to be read must not wake the loop.
 */
void
loop_set(int fd, int events, loop_cb *cb, void *arg)
{
	struct epoll_event	 ev = { 0 };
	struct loop_slot	*slot;
	size_t			 n;
	int			 op;

	if ((size_t)fd >= loop_nslots) {
		n = loop_nslots ? loop_nslots : 64;
		while (n <= (size_t)fd)
			n *= 2;
		slot = reallocarray(loop_slots, n, sizeof(*slot));
		if (slot == NULL)
			fatal("loop_set");
		for (size_t i = loop_nslots; i < n; i++)
			slot[i] = (struct loop_slot){ NULL, NULL, -1 };
		loop_slots = slot;
		loop_nslots = n;
	}
	slot = &loop_slots[fd];
	slot->cb = cb;
	slot->arg = arg;
	if (slot->events == events)
		return;

	ev.data.fd = fd;
	ev.events = ((events & EV_READ) ? EPOLLIN : 0) |
	    ((events & EV_WRITE) ? EPOLLOUT : 0);
	if (slot->events == -1 || slot->events == 0)
		op = events ? EPOLL_CTL_ADD : -1;
	else
		op = events ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
	if (op != -1 && epoll_ctl(loop_fd, op, fd, &ev) == -1)
		fatal("epoll_ctl");
	slot->events = events;
}

/* Forget FD entirely; call before closing it. */
void
loop_del(int fd)
{
	if ((size_t)fd >= loop_nslots || loop_slots[fd].events == -1)
		return;
	if (loop_slots[fd].events != 0)
		epoll_ctl(loop_fd, EPOLL_CTL_DEL, fd, NULL);
	loop_slots[fd] = (struct loop_slot){ NULL, NULL, -1 };
}

/* Make loop_run return after the current round. */
void
loop_stop(void)
{
	loop_done = 1;
}

/* Whether loop_stop was called. */
int
loop_stopped(void)
{
	return (loop_done);
}

/*
 * Run until stopped.  AFTER runs after every round of events; TICK about
 * once a second, for timeouts.
 */
void
loop_run(void (*after)(void), void (*tick)(void))
{
	struct epoll_event	 evs[256];
	struct loop_slot	*slot;
	struct timespec		 now;
	time_t			 last_tick = 0;
	int			 n, i, events;

	while (!loop_done) {
		n = epoll_wait(loop_fd, evs, 256, 1000);
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		for (i = 0; i < n && !loop_done; i++) {
			slot = &loop_slots[evs[i].data.fd];
			if (slot->cb == NULL)
				continue;
			events = 0;
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				events |= EV_READ;
			if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
				events |= EV_WRITE;
			slot->cb(evs[i].data.fd, events, slot->arg);
		}
		after();

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last_tick) {
			last_tick = now.tv_sec;
			tick();
		}
	}
}
