/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the configuration: what config.c (defaults, the file, the command
 * line) and config_set.c (one key = value into struct cnf) share, and
 * nothing else. Main thread, startup only.
 */
#ifndef KRTPD_CONFIG_INTERNAL_H
#define KRTPD_CONFIG_INTERNAL_H

#include "config.h"

extern struct cnf cnf;
extern int cnf_listen_cli;	/* -l given: the file's listen lines are ignored */
extern int cnf_exempt_set;	/* limit_exempt given: the default list is gone */
extern int cnf_nplain;		/* UDP/TCP entries in cnf.listen (the rest are TLS, WS, WSS) */

/*
 * One setting from the file (from_file) or from -o and the flags: 0, or -1
 * after telling stderr what is wrong with it
 */
int cnf_set(const char *key, const char *v, int from_file);
/* one -l or listen entry, "[udp:|tcp:|tls:|ws:|wss:]addr[:port]" */
int cnf_add_listen(const char *s);
/* one -D or domain entry */
int cnf_add_domain(const char *s);
/* -m or media = auto | kernel | user */
int cnf_media(const char *v);

#endif /* KRTPD_CONFIG_INTERNAL_H */
