// SPDX-License-Identifier: GPL-2.0
/*
 * krtpd main loop. A handle removed while its events are still in the
 * current epoll batch is only marked dead and freed after the batch, so a
 * callback may close any connection, its own included.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "rcu.h"
#include "timer.h"

struct loop_fd {
	int fd;
	int dead;
	loop_fn fn;
	void *arg;
	struct loop_fd *next_dead;
};

static int loop_epfd = -1;
static int loop_quit;
static struct loop_fd *loop_dead;

int LOOP_Init(void)
{
	loop_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop_epfd < 0)
		return -errno;
	loop_quit = 0;
	return 0;
}

static void loop_reap(void)
{
	while (loop_dead) {
		struct loop_fd *h = loop_dead;

		loop_dead = h->next_dead;
		free(h);
	}
}

void LOOP_Fini(void)
{
	loop_reap();
	if (loop_epfd >= 0)
		close(loop_epfd);
	loop_epfd = -1;
}

struct loop_fd *LOOP_Add(int fd, uint32_t events, loop_fn fn, void *arg)
{
	struct epoll_event ev = { .events = events };
	struct loop_fd *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->fd = fd;
	h->fn = fn;
	h->arg = arg;
	ev.data.ptr = h;
	if (epoll_ctl(loop_epfd, EPOLL_CTL_ADD, fd, &ev)) {
		free(h);
		return NULL;
	}
	return h;
}

int LOOP_Mod(struct loop_fd *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	return epoll_ctl(loop_epfd, EPOLL_CTL_MOD, h->fd, &ev) ? -errno : 0;
}

void LOOP_Del(struct loop_fd *h)
{
	if (!h || h->dead)
		return;
	epoll_ctl(loop_epfd, EPOLL_CTL_DEL, h->fd, NULL);
	h->dead = 1;
	h->next_dead = loop_dead;
	loop_dead = h;
}

void LOOP_Quit(void)
{
	loop_quit = 1;
}

int LOOP_Run(void)
{
	struct epoll_event ev[64];

	while (!loop_quit) {
		int n, i;

		n = epoll_wait(loop_epfd, ev, 64, TMR_NextTimeout());
		if (n < 0) {
			if (errno == EINTR)
				continue;
			LOG_ERR("epoll_wait: %m");
			return -errno;
		}
		/* the SIP tables are only touched between here and RCU_ReadUnlock */
		RCU_ReadLock();
		for (i = 0; i < n; i++) {
			struct loop_fd *h = ev[i].data.ptr;

			if (!h->dead)
				h->fn(h->fd, ev[i].events, h->arg);
		}
		loop_reap();
		TMR_Run();
		RCU_ReadUnlock();
		loop_reap();
	}
	loop_quit = 0;	/* LOOP_Run() may be called again */
	return 0;
}
