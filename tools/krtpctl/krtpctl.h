/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krtpctl: subcommands and what they share. Each subcommand returns the exit
 * status: 0, 1 for a failure (kernel or krtpd said no), 2 for a usage error.
 */
#ifndef KRTPCTL_H
#define KRTPCTL_H

#include <stdbool.h>

#include <krtp/nl.h>

#define KRTPD_SOCKET_DEFAULT "/run/krtpd/krtpd.sock"

struct ctl_opts {
	bool json;
	const char *socket;	/* krtpd's control socket */
};

extern struct ctl_opts opts;
extern const char *prog;

/* "Error: <message>." on stderr; returns 2 (usage) */
int usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "Error: <message>." on stderr; returns 1 */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The kernel's extack message (or strerror) of a failed request; returns 1 */
int nl_fail(const struct krtp_nl *nl, int err);
/* Open the request socket, or print why not; returns 0 or 1 */
int nl_connect(struct krtp_nl **nl);

/* flow.c */
int flow_main(int argc, char **argv);
int flush_main(int argc, char **argv);
int stats_main(int argc, char **argv);
int monitor_main(int argc, char **argv);

/* ctl.c: krtpd's control socket */
int calls_main(int argc, char **argv);
int registrations_main(int argc, char **argv);
int transport_main(int argc, char **argv);
int show_main(int argc, char **argv);

#endif /* KRTPCTL_H */
