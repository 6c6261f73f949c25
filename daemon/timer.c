// SPDX-License-Identifier: GPL-2.0
/*
 * krtpd timers: binary min-heap, main thread only (no locking).
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "timer.h"

static struct tmr **tmr_heap;
static unsigned int tmr_n, tmr_cap;

static uint64_t tmr_clock_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t (*tmr_clock)(void) = tmr_clock_mono;

int TMR_Init(void)
{
	tmr_n = 0;
	return 0;
}

void TMR_Fini(void)
{
	unsigned int i;

	for (i = 0; i < tmr_n; i++)
		tmr_heap[i]->idx = -1;
	free(tmr_heap);
	tmr_heap = NULL;
	tmr_n = tmr_cap = 0;
}

uint64_t TMR_Now(void)
{
	return tmr_clock();
}

void TMR_SetClock(uint64_t (*clock)(void))
{
	tmr_clock = clock ? clock : tmr_clock_mono;
}

static void tmr_place(struct tmr *t, unsigned int i)
{
	tmr_heap[i] = t;
	t->idx = i;
}

static void tmr_up(unsigned int i)
{
	struct tmr *t = tmr_heap[i];

	while (i > 0) {
		unsigned int p = (i - 1) / 2;

		if (tmr_heap[p]->when <= t->when)
			break;
		tmr_place(tmr_heap[p], i);
		i = p;
	}
	tmr_place(t, i);
}

static void tmr_down(unsigned int i)
{
	struct tmr *t = tmr_heap[i];

	for (;;) {
		unsigned int c = 2 * i + 1;

		if (c >= tmr_n)
			break;
		if (c + 1 < tmr_n && tmr_heap[c + 1]->when < tmr_heap[c]->when)
			c++;
		if (t->when <= tmr_heap[c]->when)
			break;
		tmr_place(tmr_heap[c], i);
		i = c;
	}
	tmr_place(t, i);
}

void TMR_Stop(struct tmr *t)
{
	unsigned int i = t->idx;
	struct tmr *last;

	if (t->idx < 0)
		return;
	t->idx = -1;
	last = tmr_heap[--tmr_n];
	if (i == tmr_n)
		return;
	tmr_place(last, i);
	tmr_up(i);
	tmr_down(last->idx);
}

int TMR_Start(struct tmr *t, uint64_t delay_ms)
{
	TMR_Stop(t);
	if (tmr_n == tmr_cap) {
		unsigned int cap = tmr_cap ? tmr_cap * 2 : 256;
		struct tmr **h = realloc(tmr_heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		tmr_heap = h;
		tmr_cap = cap;
	}
	t->when = tmr_clock() + delay_ms;
	tmr_place(t, tmr_n++);
	tmr_up(t->idx);
	return 0;
}

void TMR_Run(void)
{
	uint64_t now = tmr_clock();

	while (tmr_n && tmr_heap[0]->when <= now) {
		struct tmr *t = tmr_heap[0];

		TMR_Stop(t);
		t->fn(t);
	}
}

int TMR_NextTimeout(void)
{
	uint64_t now;

	if (!tmr_n)
		return -1;
	now = tmr_clock();
	if (tmr_heap[0]->when <= now)
		return 0;
	if (tmr_heap[0]->when - now > 60000)
		return 60000;
	return tmr_heap[0]->when - now;
}

unsigned int TMR_Count(void)
{
	return tmr_n;
}
