// SPDX-License-Identifier: GPL-2.0
/*
 * krtpctl: programs and inspects krtp.ko over generic netlink and asks krtpd
 * about its calls over its control socket.
 *
 * One table of subcommands with a line of help each, as wireguard-tools'
 * wg.c has. Options that apply everywhere (--json, --socket, --color) may
 * appear anywhere among the arguments and are taken out before the
 * subcommand sees them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "krtpctl.h"
#include "print.h"

#ifndef KRTP_VERSION
#define KRTP_VERSION "unknown"
#endif

struct ctl_opts opts = { .json = false, .socket = KRTPD_SOCKET_DEFAULT };
const char *prog = "krtpctl";

static int help_main(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
} subcommands[] = {
	{ "flow", flow_main, "Add, delete, show and list kernel flows (krtpctl flow help)" },
	{ "flush", flush_main, "Delete every flow of this network namespace" },
	{ "stats", stats_main, "Show this namespace's totals" },
	{ "monitor", monitor_main, "Print flow events until interrupted" },
	{ "calls", calls_main, "List krtpd's calls" },
	{ "registrations", registrations_main, "List krtpd's registrations" },
	{ "transport", transport_main, "Show krtpd's SIP transport counters (TCP, TLS, WS)" },
	{ "show", show_main, "Show one of krtpd's calls: show call ID" },
	{ "help", help_main, "Show this help" },
};

static void show_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [--json] [--socket PATH] [--color[=auto|always|never]] <cmd> [<args>]\n\n",
		prog);
	fprintf(f, "Available subcommands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-14s %s\n", subcommands[i].name, subcommands[i].description);
	fprintf(f, "\nThe flow subcommands:\n"
		"  flow add LOCAL to PEER [from SRC[:PORT]] [via VIA:PORT] [rtcp-to RTCP_PEER]\n"
		"           [rtcp-via RTCP_VIA:PORT] [bundle PTS] [label TEXT]\n"
		"           [idle SECONDS] [idle-delete] [rtcp] [strict] [pass-stun-dtls]\n"
		"           [clock-rate HZ]\n"
		"  flow del LOCAL | id N\n"
		"  flow show LOCAL | id N\n"
		"  flow list [label PREFIX]\n"
		"  flow add-batch FILE|-\n"
		"Addresses are 10.0.0.1:4000 or [fd00::1]:4000. See krtpctl(8).\n");
}

static int help_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	show_usage(stdout);
	return 0;
}

static void vreport(const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	/* iproute2 style: one sentence, one period */
	fprintf(stderr, "Error: %s%s\n", buf, n && buf[n - 1] == '.' ? "" : ".");
}

int usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	if (usage)
		fprintf(stderr, "Usage: %s %s\n", prog, usage);
	return 2;
}

int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return 1;
}

int nl_fail(const struct krtp_nl *nl, int err)
{
	const char *msg = krtp_nl_errmsg(nl);

	if (*msg)
		return fail("%s", msg);
	return fail("%s", strerror(-err));
}

int nl_connect(struct krtp_nl **nl)
{
	int err = krtp_nl_open(nl);

	if (err == -ENOENT)
		return fail("krtp.ko is not loaded");
	if (err)
		return fail("cannot open the krtp netlink family: %s", strerror(-err));
	return 0;
}

/* Take the global options out of argv, wherever they are; returns the new argc */
static int take_options(int argc, char **argv, int *color)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json") || !strcmp(a, "-j")) {
			opts.json = true;
		} else if (!strcmp(a, "--socket") || !strcmp(a, "-s")) {
			if (i + 1 >= argc)
				exit(usage_error(NULL, "%s needs a path", a));
			opts.socket = argv[++i];
		} else if (!strncmp(a, "--socket=", 9)) {
			opts.socket = a + 9;
		} else if (!strcmp(a, "--color") || !strcmp(a, "--color=always")) {
			*color = 1;
		} else if (!strcmp(a, "--color=never") || !strcmp(a, "--no-color")) {
			*color = 0;
		} else if (!strcmp(a, "--color=auto")) {
			*color = -1;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	return n;
}

int main(int argc, char **argv)
{
	int color = -1;	/* auto */
	size_t i;

	argc = take_options(argc - 1, argv + 1, &color);
	argv++;
	if (color < 0)
		color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	print_init(opts.json, color);

	if (argc == 0 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		show_usage(argc ? stdout : stderr);
		return argc ? 0 : 2;
	}
	if (!strcmp(argv[0], "--version") || !strcmp(argv[0], "-V")) {
		printf("krtpctl %s\n", KRTP_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (!strcmp(argv[0], subcommands[i].name))
			return subcommands[i].fn(argc, argv);
	}
	fail("unknown subcommand \"%s\"", argv[0]);
	show_usage(stderr);
	return 2;
}
