// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus text exposition writer (format 0.0.4) and the list of
 * metric sources. Main thread only (see metrics.h).
 *
 * Format, as https://prometheus.io/docs/instrumenting/exposition_formats/
 * gives it: per family "# HELP name text" (backslash and newline escaped),
 * "# TYPE name counter|gauge|histogram", then "name{l="v",...} value" lines
 * where a label value escapes backslash, double quote and newline.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"

#define MET_MAX_SOURCES	32
#define MET_MAX_OUTPUT	(8u << 20)	/* a scrape bigger than this is a bug */

struct met_out {
	char *p;
	size_t len, cap;
	int failed;			/* out of memory or over MET_MAX_OUTPUT */
	char family[128];		/* the name whose HELP/TYPE were written last */
	uint64_t invalid;		/* samples skipped for a bad name */
};

static void (*met_sources[MET_MAX_SOURCES])(struct met_out *o);
static unsigned int met_nsources;

int MET_AddSource(void (*emit)(struct met_out *o))
{
	unsigned int i;

	for (i = 0; i < met_nsources; i++)
		if (met_sources[i] == emit)
			return 0;	/* a module initialised twice (tests) */
	if (met_nsources == MET_MAX_SOURCES)
		return -ENOSPC;
	met_sources[met_nsources++] = emit;
	return 0;
}

static int met_reserve(struct met_out *o, size_t more)
{
	size_t cap;
	char *p;

	if (o->failed)
		return -1;
	if (o->len + more < o->cap)
		return 0;
	cap = o->cap ? o->cap : 16384;
	while (cap <= o->len + more)
		cap *= 2;
	if (cap > MET_MAX_OUTPUT) {
		o->failed = 1;
		return -1;
	}
	p = realloc(o->p, cap);
	if (!p) {
		o->failed = 1;
		return -1;
	}
	o->p = p;
	o->cap = cap;
	return 0;
}

static void met_put(struct met_out *o, const char *s, size_t n)
{
	if (met_reserve(o, n))
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void met_puts(struct met_out *o, const char *s)
{
	met_put(o, s, strlen(s));
}

static void met_printf(struct met_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void met_printf(struct met_out *o, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		met_put(o, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/*
 * Escape s: always backslash and newline; the double quote too in label
 * values. Everything else, UTF-8 included, goes out as it is.
 */
static void met_escaped(struct met_out *o, const char *s, int quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = NULL;

		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && quote)
			esc = "\\\"";
		if (!esc)
			continue;
		met_put(o, run, s - run);
		met_puts(o, esc);
		run = s + 1;
	}
	met_put(o, run, s - run);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; no ':' and no "__" prefix for labels */
static int met_name_ok(const char *s, int label)
{
	const char *p;

	if (!s || !*s || (s[0] >= '0' && s[0] <= '9') || (label && !strncmp(s, "__", 2)))
		return 0;
	for (p = s; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (c == ':' && !label)))
			return 0;
	}
	return p - s < 120;
}

static int met_labels_ok(const char *const *labels)
{
	for (; labels && *labels; labels += 2)
		if (!met_name_ok(labels[0], 1) || !labels[1])
			return 0;
	return 1;
}

/* HELP and TYPE, unless this family's were the last written */
static void met_family(struct met_out *o, const char *name, const char *help, const char *type)
{
	if (!strcmp(o->family, name))
		return;
	snprintf(o->family, sizeof(o->family), "%s", name);
	met_printf(o, "# HELP %s ", name);
	met_escaped(o, help ? help : "", 0);
	met_printf(o, "\n# TYPE %s %s\n", name, type);
}

/* name{labels[,le="..."]} without the value */
static void met_series(struct met_out *o, const char *name, const char *suffix,
		       const char *const *labels, const char *le)
{
	int first = 1;

	met_puts(o, name);
	met_puts(o, suffix);
	if ((!labels || !*labels) && !le)
		return;
	met_puts(o, "{");
	for (; labels && *labels; labels += 2) {
		if (!first)
			met_puts(o, ",");
		first = 0;
		met_puts(o, labels[0]);
		met_puts(o, "=\"");
		met_escaped(o, labels[1], 1);
		met_puts(o, "\"");
	}
	if (le) {
		met_puts(o, first ? "le=\"" : ",le=\"");
		met_puts(o, le);
		met_puts(o, "\"");
	}
	met_puts(o, "}");
}

/* Go's ParseFloat reads these: NaN, +Inf, -Inf, or %.15g */
static void met_double(char *buf, size_t sz, double v)
{
	if (isnan(v))
		snprintf(buf, sz, "NaN");
	else if (isinf(v))
		snprintf(buf, sz, v > 0 ? "+Inf" : "-Inf");
	else
		snprintf(buf, sz, "%.15g", v);
}

static int met_valid(struct met_out *o, const char *name, const char *const *labels)
{
	if (met_name_ok(name, 0) && met_labels_ok(labels))
		return 1;
	if (!o->invalid++)
		LOG_WARN("metrics: invalid metric or label name in \"%s\"", name ? name : "");
	return 0;
}

void MET_Counter(struct met_out *o, const char *name, const char *help,
		 const char *const *labels, uint64_t value)
{
	if (!met_valid(o, name, labels))
		return;
	met_family(o, name, help, "counter");
	met_series(o, name, "", labels, NULL);
	met_printf(o, " %llu\n", (unsigned long long)value);
}

void MET_Gauge(struct met_out *o, const char *name, const char *help,
	       const char *const *labels, double value)
{
	char v[40];

	if (!met_valid(o, name, labels))
		return;
	met_family(o, name, help, "gauge");
	met_series(o, name, "", labels, NULL);
	met_double(v, sizeof(v), value);
	met_printf(o, " %s\n", v);
}

void MET_Histogram(struct met_out *o, const char *name, const char *help,
		   const char *const *labels, const struct met_hist *h)
{
	uint64_t cum = 0;
	unsigned int i;
	char v[40];

	if (!met_valid(o, name, labels) || h->n > MET_HIST_MAX)
		return;
	met_family(o, name, help, "histogram");
	for (i = 0; i <= h->n; i++) {
		cum += h->count[i];
		if (i < h->n)
			met_double(v, sizeof(v), h->le[i]);
		else
			snprintf(v, sizeof(v), "+Inf");
		met_series(o, name, "_bucket", labels, v);
		met_printf(o, " %llu\n", (unsigned long long)cum);
	}
	met_series(o, name, "_sum", labels, NULL);
	met_double(v, sizeof(v), h->sum);
	met_printf(o, " %s\n", v);
	met_series(o, name, "_count", labels, NULL);
	met_printf(o, " %llu\n", (unsigned long long)cum);
}

char *MET_Render(size_t *len)
{
	struct met_out o = { 0 };
	unsigned int i;

	if (met_reserve(&o, 1))
		return NULL;
	o.p[0] = '\0';
	for (i = 0; i < met_nsources; i++)
		met_sources[i](&o);
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	*len = o.len;
	return o.p;
}
