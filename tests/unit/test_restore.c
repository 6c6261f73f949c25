// SPDX-License-Identifier: GPL-2.0
/*
 * Re-adoption at scale, against a krtp.ko played by this program: the
 * netlink client's open, dump and delete are replaced (the linker's --wrap,
 * see the Makefile) by a table held here, as krtp.ko would return it:
 *
 *   FOREIGN flows with other programs' labels     never reach krtpd: the
 *                                                 dump asks for "krtpd:" only
 *   OWN flows, krtpd labels, on 127.0.0.1 in      re-adopted: OWN / 2 calls
 *   krtpd's port range (two a call, rtcp-mux)
 *   OTHER flows, krtpd labels, on 127.0.0.2 or    left alone: another krtpd's
 *   on 127.0.0.1 outside the range
 *
 * and the CPU time MED_Restore takes for 10 times as many calls is
 * compared: re-adoption must stay linear in krtpd's own flows.
 * The relay ports are bound for real on 127.0.0.1.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <sys/resource.h>

#include <krtp/nl.h>
#include "media.h"

#include "check.h"

static unsigned long fake_own, fake_other, fake_foreign;
static uint16_t fake_base;
static unsigned long fake_dumped;	/* flows the last dump handed to krtpd */
static int fake_token;
static pthread_t fake_main;	/* MED_Restore's thread; the media thread scans too */
static char fake_prefix[KRTP_LABEL_MAX_LEN + 1];

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

int __wrap_krtp_nl_flow_del_id(struct krtp_nl *nl, uint32_t id)
{
	(void)nl;
	(void)id;
	return 0;
}

bool __wrap_krtp_nl_dump_interrupted(const struct krtp_nl *nl)
{
	(void)nl;
	return false;
}

static void fake_ep(struct krtp_ep *ep, const char *addr, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = AF_INET;
	inet_pton(AF_INET, addr, &ep->addr.v4);
	ep->port = port;
}

/*
 * Flow i of the table: the first fake_foreign other programs', then
 * fake_own krtpd's, then fake_other another krtpd's (call hashes of their
 * own). A call k of krtpd's has ports base + 4k facing A, base + 4k + 2
 * facing B; flow "ab" arrives on the first, "ba" on the second.
 */
static void fake_flow(unsigned long i, struct krtp_flow *f)
{
	unsigned long k;

	memset(f, 0, sizeof(*f));
	f->id = (uint32_t)(i + 1);
	fake_ep(&f->peer, "127.0.0.9", (uint16_t)(20000 + 2 * (i % 20000)));
	if (i < fake_foreign) {
		fake_ep(&f->local, "10.0.3.1", (uint16_t)(1024 + i % 60000));
		f->label_len = (size_t)snprintf((char *)f->label, sizeof(f->label),
						"bench-%08lx@relay.invalid", i);
		return;
	}
	i -= fake_foreign;
	k = i / 2;
	if (i < fake_own) {
		uint16_t pa = (uint16_t)(fake_base + 4 * k), pb = (uint16_t)(pa + 2);

		fake_ep(&f->local, "127.0.0.1", i & 1 ? pb : pa);
		fake_ep(&f->via, "127.0.0.1", i & 1 ? pa : pb);
	} else {
		/* half on another address, half on ours but below the range */
		fake_ep(&f->local, k & 1 ? "127.0.0.2" : "127.0.0.1", (uint16_t)(1000 + 2 * (i & 1)));
		fake_ep(&f->via, k & 1 ? "127.0.0.2" : "127.0.0.1", (uint16_t)(1002 - 2 * (i & 1)));
	}
	f->label_len = (size_t)snprintf((char *)f->label, sizeof(f->label), "krtpd:%016lx:0:%s",
					k + (i < fake_own ? 0 : 0x100000000ul), i & 1 ? "ba" : "ab");
}

/* krtp.ko's dump, label prefix and all */
int __wrap_krtp_nl_flow_dump_label(struct krtp_nl *nl, const void *prefix, size_t len,
				   int (*cb)(const struct krtp_flow *flow, void *arg), void *arg)
{
	unsigned long i, n = fake_foreign + fake_own + fake_other;
	struct krtp_flow f;
	int err;

	(void)nl;
	if (pthread_equal(pthread_self(), fake_main)) {
		fake_dumped = 0;
		snprintf(fake_prefix, sizeof(fake_prefix), "%.*s", (int)len,
			 prefix ? (const char *)prefix : "");
	}
	for (i = 0; i < n; i++) {
		fake_flow(i, &f);
		if (len && (f.label_len < len || memcmp(f.label, prefix, len)))
			continue;
		if (pthread_equal(pthread_self(), fake_main))
			fake_dumped++;
		err = cb(&f, arg);
		if (err)
			return err;
	}
	return 0;
}

int __wrap_krtp_nl_flow_dump(struct krtp_nl *nl, int (*cb)(const struct krtp_flow *flow, void *arg),
			     void *arg)
{
	return __wrap_krtp_nl_flow_dump_label(nl, NULL, 0, cb, arg);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t cpu_us(const struct rusage *r)
{
	return (uint64_t)(r->ru_utime.tv_sec + r->ru_stime.tv_sec) * 1000000 +
	       (uint64_t)(r->ru_utime.tv_usec + r->ru_stime.tv_usec);
}

/*
 * One restart on a table with own krtpd flows; returns the CPU µs
 * MED_Restore took (the host is shared: wall time is printed, not compared)
 */
static uint64_t restore(unsigned long own, unsigned long other, unsigned long foreign)
{
	struct med_config cfg = { .mode = MED_MODE_KERNEL };
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.relay4;
	struct rusage r0, r1;
	uint64_t t0, t1;
	int calls;

	fake_own = own;
	fake_other = other;
	fake_foreign = foreign;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cfg.port_min = fake_base;
	cfg.port_max = (uint16_t)(fake_base + 2 * own - 1);
	CHECK_EQ(MED_Init(&cfg), MED_MODE_KERNEL);
	getrusage(RUSAGE_SELF, &r0);
	t0 = now_us();
	calls = MED_Restore();
	t1 = now_us();
	getrusage(RUSAGE_SELF, &r1);
	CHECK_EQ(calls, own / 2);
	CHECK_STR(fake_prefix, "krtpd:");
	CHECK_EQ(fake_dumped, own + other);
	MED_Fini();
	printf("# %lu own flows (%lu calls), %lu of another krtpd, %lu foreign: %llu ms (CPU %llu ms), %llu flows/s\n",
	       own, own / 2, other, foreign, (unsigned long long)(t1 - t0) / 1000,
	       (unsigned long long)(cpu_us(&r1) - cpu_us(&r0)) / 1000,
	       (unsigned long long)(own * 1000000ull / (t1 - t0 ? t1 - t0 : 1)));
	return cpu_us(&r1) - cpu_us(&r0);
}

int main(void)
{
	struct rlimit rl;
	uint64_t small, big;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fake_main = pthread_self();
	/* every re-adopted port is bound: 2 for each own flow */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	srand((unsigned int)(time(NULL) ^ getpid()));
	fake_base = (uint16_t)(30000 + (rand() % 40) * 4);

	/* another krtpd's flows, on another address or outside the range, stay */
	restore(200, 100, 1000);
	/* linear: 10 times the calls may not take 30 times as long */
	small = restore(800, 0, 0);
	big = restore(8000, 0, 100000);
	printf("# 10x the calls: %.1fx the CPU time\n", (double)big / (double)(small ? small : 1));
	CHECK(big < 25 * small + 50000);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
