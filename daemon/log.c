// SPDX-License-Identifier: GPL-2.0
/*
 * krtpd logging. Everything runs in the main thread except the media thread's
 * on_inactive callback, which only queues work, so log state needs no lock;
 * the one line written per call is a single fprintf, which stdio locks.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

/* syslog.h's priorities, captured before log.h reuses their names for macros */
static const int log_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
#undef LOG_ERR
#undef LOG_INFO
#undef LOG_DEBUG

#include "log.h"

static enum log_level log_level = LOGL_INFO;
static int log_syslog;
static unsigned long log_drops;
static time_t log_drop_last;

static const char *const log_names[] = {
	[LOGL_ERR] = "error",
	[LOGL_WARN] = "warning",
	[LOGL_INFO] = "info",
	[LOGL_DEBUG] = "debug",
};

void LOG_Init(void)
{
	log_syslog = 0;
}

void LOG_Fini(void)
{
	if (log_syslog)
		closelog();
	log_syslog = 0;
}

void LOG_SetSyslog(int on)
{
	if (on && !log_syslog)
		openlog("krtpd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && log_syslog)
		closelog();
	log_syslog = on;
}

void LOG_SetLevel(enum log_level level)
{
	log_level = level;
}

enum log_level LOG_GetLevel(void)
{
	return log_level;
}

int LOG_ParseLevel(const char *s)
{
	unsigned int i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (!strcasecmp(s, log_names[i]))
			return i;
	if (!strcasecmp(s, "err"))
		return LOGL_ERR;
	if (!strcasecmp(s, "warn"))
		return LOGL_WARN;
	return -1;
}

void LOG_Message(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		syslog(log_prio[level], "%s", line);
	} else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld krtpd %s: %s\n", tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000, log_names[level], line);
	}
}

void LOG_Drop(const char *what, const char *from)
{
	time_t now = time(NULL);

	log_drops++;
	if (now == log_drop_last)
		return;
	log_drop_last = now;
	LOG_WARN("dropped message from %s: %s (%lu dropped so far)", from, what, log_drops);
}

unsigned long LOG_DropCount(void)
{
	return log_drops;
}
