// SPDX-License-Identifier: GPL-2.0
/*
 * The part of krtp.ko's netlink client that the tests playing krtp.ko
 * (test_restore.c, test_srtp_restore.c) share: a socket that opens and
 * closes, no event socket, dumps never interrupted. Each test holds its
 * own table and wraps the calls that read and change it; the linker's
 * --wrap (see the Makefile) sends krtpd's calls here.
 */
#include <errno.h>
#include <stdbool.h>

#include <krtp/nl.h>

static int fake_token;

int __wrap_krtp_nl_open(struct krtp_nl **nlp);
void __wrap_krtp_nl_close(struct krtp_nl *nl);
int __wrap_krtp_nl_events_open(struct krtp_nl **nlp);
bool __wrap_krtp_nl_dump_interrupted(const struct krtp_nl *nl);

int __wrap_krtp_nl_open(struct krtp_nl **nlp)
{
	*nlp = (struct krtp_nl *)&fake_token;
	return 0;
}

void __wrap_krtp_nl_close(struct krtp_nl *nl)
{
	(void)nl;
}

int __wrap_krtp_nl_events_open(struct krtp_nl **nlp)
{
	(void)nlp;
	return -ENOENT;
}

bool __wrap_krtp_nl_dump_interrupted(const struct krtp_nl *nl)
{
	(void)nl;
	return false;
}
