/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krtpd metrics: GET /metrics on metrics_listen (default off) answers in
 * the Prometheus text exposition format, version 0.0.4.
 *
 * Adding a module's metrics. A module registers one emit function, once,
 * from its init, and writes its samples from its own counters there:
 *
 *	static void foo_emit(struct met_out *o)
 *	{
 *		MET_Counter(o, "krtpd_foo_drops_total", "Packets foo dropped.",
 *			    MET_LABELS("reason", "short"), foo_stats.short_drops);
 *		MET_Counter(o, "krtpd_foo_drops_total", "Packets foo dropped.",
 *			    MET_LABELS("reason", "bad"), foo_stats.bad_drops);
 *		MET_Gauge(o, "krtpd_foo_open", "Foo objects open.", NULL, foo_open);
 *	}
 *	...
 *	MET_AddSource(foo_emit);	(in FOO_Init, before or after MET_Init)
 *
 * Rules:
 *  - Names are krtpd_<module>_<what>[_<unit>]; counters end in _total and
 *    only grow; units are base units (_seconds, _bytes). Label values are
 *    escaped here, so any string may be passed; keep their number bounded
 *    (no per-user or per-call labels unless capped).
 *  - All samples of one name must be written one after another: HELP and
 *    TYPE lines are written when the name differs from the previous sample.
 *  - Threading: the HTTP server runs inside the main loop (libmicrohttpd
 *    without threads of its own, its epoll fd in loop.c's set), so emit
 *    functions run on the main thread, between two epoll batches, like any
 *    other loop callback. They may read the module's plain static counters;
 *    hot paths keep incrementing those without atomics or locks. Nothing
 *    runs when nobody scrapes. An emit function must not block: its time is
 *    time the SIP loop does not serve requests.
 *  - Sources are only added at startup and never removed; MET_AddSource
 *    after MET_Init is fine, from the main thread only.
 */
#ifndef KRTPD_METRICS_H
#define KRTPD_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct met_out;

/* NULL-terminated label list: name, value, name, value, ... */
#define MET_LABELS(...)	((const char *const[]){ __VA_ARGS__, NULL })

void MET_Counter(struct met_out *o, const char *name, const char *help,
		 const char *const *labels, uint64_t value);
void MET_Gauge(struct met_out *o, const char *name, const char *help,
	       const char *const *labels, double value);

/*
 * A histogram with fixed bucket bounds, filled on the main thread with
 * MET_Observe (a few compares and two adds: fine on hot paths). Define one
 * with MET_HISTOGRAM(name, 0.001, 0.01, 0.1).
 */
#define MET_HIST_MAX	16
struct met_hist {
	unsigned int n;			/* bounds in use */
	double le[MET_HIST_MAX];	/* upper bounds, ascending */
	uint64_t count[MET_HIST_MAX + 1];	/* per bucket, not cumulative; [n] = above all */
	double sum;
};
#define MET_HISTOGRAM(var, ...)						\
	struct met_hist var = {						\
		.n = sizeof((double[]){ __VA_ARGS__ }) / sizeof(double),	\
		.le = { __VA_ARGS__ },					\
	}

static inline void MET_Observe(struct met_hist *h, double v)
{
	unsigned int i = 0;

	while (i < h->n && v > h->le[i])
		i++;
	h->count[i]++;
	h->sum += v;
}

void MET_Histogram(struct met_out *o, const char *name, const char *help,
		   const char *const *labels, const struct met_hist *h);

/* Register a module's emit function (see the top of this file); adding one twice is a no-op. 0 or -ENOSPC. */
int MET_AddSource(void (*emit)(struct met_out *o));

/*
 * The exposition writer on its own (the HTTP server and tests use it):
 * MET_Render() runs every source into a new buffer. *len gets its length;
 * the caller frees it. NULL when out of memory or over the size cap.
 */
char *MET_Render(size_t *len);

/* krtpd's process-wide metrics (metrics_core.c); MET_Init calls it. */
void MET_CoreInit(void);

/* Start serving on addr; 0 or -errno (logged). MET_Fini stops it. */
int MET_Init(const struct sockaddr_storage *addr);
void MET_Fini(void);
/* Requests answered, by result (own counters, also exported). */
struct met_stats {
	uint64_t scrapes, not_found, bad_method;
};
void MET_GetStats(struct met_stats *s);

#endif /* KRTPD_METRICS_H */
