/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krtpd timers: a binary min-heap of deadlines in milliseconds of a
 * monotonic clock. Owners embed struct tmr in their objects, so arming and
 * cancelling never allocate. Main thread only.
 *
 * The clock is a function pointer so unit tests can drive every RFC 3261
 * timer with a fake clock (TMR_SetClock).
 */
#ifndef KRTPD_TIMER_H
#define KRTPD_TIMER_H

#include <stdint.h>

struct tmr {
	uint64_t when;			/* absolute deadline, ms */
	void (*fn)(struct tmr *t);	/* called once when the deadline passes */
	int idx;			/* position in the heap, -1 when not armed */
};

int TMR_Init(void);
void TMR_Fini(void);

uint64_t TMR_Now(void);
void TMR_SetClock(uint64_t (*clock)(void));

static inline void TMR_Setup(struct tmr *t, void (*fn)(struct tmr *t))
{
	t->fn = fn;
	t->idx = -1;
	t->when = 0;
}

static inline int TMR_Armed(const struct tmr *t)
{
	return t->idx >= 0;
}

/* (Re-)arm t to fire delay_ms from now. Returns 0 or -ENOMEM. */
int TMR_Start(struct tmr *t, uint64_t delay_ms);
/* Disarm t; no-op when it is not armed. */
void TMR_Stop(struct tmr *t);
/* Fire every timer due at TMR_Now(); a callback may arm or stop any timer. */
void TMR_Run(void);
/* Milliseconds until the next deadline, or -1 when nothing is armed. */
int TMR_NextTimeout(void);
/* Number of armed timers (tests, statistics). */
unsigned int TMR_Count(void);

#endif /* KRTPD_TIMER_H */
