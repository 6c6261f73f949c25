/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krtpd main loop: epoll over file descriptors plus the timer heap. Main
 * thread only; other threads hand work over with LOOP_Wake-style eventfds
 * that they register here.
 */
#ifndef KRTPD_LOOP_H
#define KRTPD_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct loop_fd;
typedef void (*loop_fn)(int fd, uint32_t events, void *arg);

int LOOP_Init(void);
void LOOP_Fini(void);
/* Watch fd for events (EPOLLIN...); returns a handle or NULL. */
struct loop_fd *LOOP_Add(int fd, uint32_t events, loop_fn fn, void *arg);
int LOOP_Mod(struct loop_fd *h, uint32_t events);
/* Stop watching; safe from inside a callback (freed after the batch). Does not close fd. */
void LOOP_Del(struct loop_fd *h);
/* Run until LOOP_Quit(); returns 0. */
int LOOP_Run(void);
void LOOP_Quit(void);

#endif /* KRTPD_LOOP_H */
