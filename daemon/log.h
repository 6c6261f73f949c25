/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krtpd logging: levels, stderr or syslog. LOG_DEBUG lines compile out
 * unless krtpd is built with KRTPD_DEBUG (the default build keeps them so
 * that -d works; `make KRTPD_DEBUG=0` drops them).
 */
#ifndef KRTPD_LOG_H
#define KRTPD_LOG_H

#include <stdarg.h>

enum log_level {
	LOGL_ERR = 0,
	LOGL_WARN,
	LOGL_INFO,
	LOGL_DEBUG,
};

void LOG_Init(void);
void LOG_Fini(void);
/* Switch to syslog (ident "krtpd") or back to stderr. */
void LOG_SetSyslog(int on);
void LOG_SetLevel(enum log_level level);
enum log_level LOG_GetLevel(void);
/* Parse "error", "warning", "info", "debug"; returns -1 for anything else. */
int LOG_ParseLevel(const char *s);

void LOG_Message(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define LOG_ERR(...)	LOG_Message(LOGL_ERR, __VA_ARGS__)
#define LOG_WARN(...)	LOG_Message(LOGL_WARN, __VA_ARGS__)
#define LOG_INFO(...)	LOG_Message(LOGL_INFO, __VA_ARGS__)

#ifndef KRTPD_DEBUG
#define KRTPD_DEBUG 1
#endif

#if KRTPD_DEBUG
#define LOG_DEBUG(...)							\
	do {								\
		if (LOG_GetLevel() >= LOGL_DEBUG)			\
			LOG_Message(LOGL_DEBUG, __VA_ARGS__);		\
	} while (0)
#else
/* compiled out, but the arguments are still type-checked */
#define LOG_DEBUG(...)							\
	do {								\
		if (0)							\
			LOG_Message(LOGL_DEBUG, __VA_ARGS__);		\
	} while (0)
#endif

/*
 * A message from the network that could not be trusted: counted, and logged at
 * most once a second so that a flood cannot fill the disk.
 */
void LOG_Drop(const char *what, const char *from);
unsigned long LOG_DropCount(void);

#endif /* KRTPD_LOG_H */
