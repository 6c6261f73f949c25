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
 *
 * Then a table of one call's flows, as krtpd made them, and the state
 * rebuilt from it: a browser (rtcp-mux) on hold with a phone that does not
 * mux, whose RTCP port is its own (a=rtcp); a leg behind NAT, before and
 * after its first packet; a call whose streams face a browser in different
 * families (its audio moved to the relay's IPv6 address by ICE); a call
 * whose browser bundles audio and video on one port (both streams' flows
 * from it share the audio's port, bound once, by the audio).
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
#include "media/internal.h"

#include "check.h"

static unsigned long fake_own, fake_other, fake_foreign;
static uint16_t fake_base;
static unsigned long fake_dumped;	/* flows the last dump handed to krtpd */
static pthread_t fake_main;	/* MED_Restore's thread; the media thread scans too */
static char fake_prefix[KRTP_LABEL_MAX_LEN + 1];
static const struct krtp_flow *fake_table;	/* if set, the dump gives these */
static unsigned long fake_table_n;

int __wrap_krtp_nl_flow_del_id(struct krtp_nl *nl, uint32_t id)
{
	(void)nl;
	(void)id;
	return 0;
}

static void fake_ep(struct krtp_ep *ep, const char *addr, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = AF_INET;
	inet_pton(AF_INET, addr, &ep->addr.v4);
	ep->port = port;
}

static void fake_ep6(struct krtp_ep *ep, const char *addr, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = AF_INET6;
	inet_pton(AF_INET6, addr, &ep->addr.v6);
	ep->port = port;
}

/* can a UDP socket bind port on loopback (krtpd does not hold it)? */
static bool udp_free(int family, uint16_t port)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(family, SOCK_DGRAM, 0);
	bool ok = fd >= 0 && !(family == AF_INET6 ? bind(fd, (struct sockaddr *)&s6, sizeof(s6)) :
						   bind(fd, (struct sockaddr *)&s4, sizeof(s4)));

	if (fd >= 0)
		close(fd);
	return ok;
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
	for (i = 0; i < (fake_table ? fake_table_n : n); i++) {
		if (fake_table)
			f = fake_table[i];
		else
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

/*
 * Re-adopt the one call of the n flows of t, on relay ports lo..hi of
 * 127.0.0.1 and ::1, and return it if it has nstreams streams (NULL,
 * counted as failed, if not), with med_lock held until restore_one_end()
 */
static struct med_call *restore_call(struct krtp_flow *t, size_t n, uint16_t lo, uint16_t hi,
				     uint64_t hash, unsigned int nstreams)
{
	struct med_config cfg = { .mode = MED_MODE_KERNEL };
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.relay4;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&cfg.relay6;
	struct med_call *c;
	unsigned int i;

	fake_table = t;
	fake_table_n = n;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = in6addr_loopback;
	cfg.port_min = lo;
	cfg.port_max = hi;
	CHECK_EQ(MED_Init(&cfg), MED_MODE_KERNEL);
	CHECK_EQ(MED_Restore(), 1);
	pthread_mutex_lock(&med_lock);
	c = med_call_by_hash(hash);
	for (i = 0; c && i < nstreams; i++)
		if (!c->streams[i])
			c = NULL;
	CHECK(c && c->nstreams == nstreams);
	return c && c->nstreams == nstreams ? c : NULL;
}

/* the same for a call of one stream: that stream */
static struct med_stream *restore_one(struct krtp_flow *t, size_t n, uint16_t pa, uint16_t pb,
				      uint64_t hash)
{
	struct med_call *c = restore_call(t, n, pa, (uint16_t)(pb + 1), hash, 1);

	return c ? c->streams[0] : NULL;
}

static void restore_one_end(void)
{
	pthread_mutex_unlock(&med_lock);
	MED_Fini();
	fake_table = NULL;
	fake_table_n = 0;
}

/*
 * A browser B (rtcp-mux, 127.0.0.8:21000) and a phone A without it
 * (127.0.0.9:20000, a=rtcp 20011); B put on hold (no RTP toward it). The
 * flows: B->A RTP (RTCP split to A's RTCP port, from krtpd's RTCP port
 * facing A) and A's RTCP to B, which leaves from the RTP port facing B
 * since B muxes. Re-adopted, each leg must have its own ports back.
 */
static void restore_hold(void)
{
	uint16_t pa = (uint16_t)(fake_base + 400), pb = (uint16_t)(pa + 2);
	const uint64_t hash = 0x4242;
	struct krtp_flow t[2];
	struct med_stream *st;

	memset(t, 0, sizeof(t));
	fake_ep(&t[0].local, "127.0.0.1", pb);
	fake_ep(&t[0].via, "127.0.0.1", pa);
	fake_ep(&t[0].peer, "127.0.0.9", 20000);
	fake_ep(&t[0].rtcp_peer, "127.0.0.9", 20011);
	fake_ep(&t[0].rtcp_via, "127.0.0.1", (uint16_t)(pa + 1));
	t[0].clock_rate = 8000;
	t[0].label_len = (size_t)snprintf((char *)t[0].label, sizeof(t[0].label),
					  "krtpd:%016llx:0:ba", (unsigned long long)hash);
	fake_ep(&t[1].local, "127.0.0.1", (uint16_t)(pa + 1));
	fake_ep(&t[1].via, "127.0.0.1", pb);
	fake_ep(&t[1].peer, "127.0.0.8", 21000);
	t[1].flags = KRTP_FLOW_F_RTCP;
	t[1].clock_rate = 8000;
	t[1].label_len = (size_t)snprintf((char *)t[1].label, sizeof(t[1].label),
					  "krtpd:%016llx:0:abc", (unsigned long long)hash);
	st = restore_one(t, 2, pa, pb, hash);
	if (st) {
		CHECK_EQ(st->pa, pa);
		CHECK_EQ(st->pb, pb);
		/* the muxing leg on hold: RTP and RTCP on the port its RTCP flow sends to */
		CHECK_EQ(st->side[1].rtp.port, 21000);
		CHECK_EQ(st->side[1].rtcp_port, 21000);
		CHECK(st->side[1].mux);
		/* the phone: its RTCP port from the split, not RTP + 1 */
		CHECK_EQ(st->side[0].rtp.port, 20000);
		CHECK_EQ(st->side[0].rtcp_port, 20011);
		CHECK(!st->side[0].mux);
		CHECK(st->rtp);
		/* the RTCP source is kept as the kernel has it */
		CHECK_EQ(st->flow[MED_F_BA_RTP].kf.rtcp_via.port, pa + 1);
	}
	restore_one_end();
}

/*
 * A leg A behind NAT (SDP 10.9.8.7:4000, SIP from 127.0.0.5): its flow out
 * takes 127.0.0.5 only (address mode). Re-adopted before its first packet
 * (the flow toward it still goes to the SDP's address), it is behind NAT
 * again, and learns; after it (the flow toward it goes to 127.0.0.5:40000),
 * it is a leg at that address. The phone B (127.0.0.9) is neither.
 */
static void restore_nat(bool learned)
{
	uint16_t pa = (uint16_t)(fake_base + 408), pb = (uint16_t)(pa + 2);
	const uint64_t hash = 0x4343;
	struct krtp_flow t[2];
	struct med_stream *st;

	memset(t, 0, sizeof(t));
	fake_ep(&t[0].local, "127.0.0.1", pa);
	fake_ep(&t[0].via, "127.0.0.1", pb);
	fake_ep(&t[0].peer, "127.0.0.9", 20000);
	fake_ep(&t[0].source, "127.0.0.5", 40000);
	t[0].src_mode = KRTP_SRC_MODE_ADDR;
	t[0].src_locked = true;
	t[0].label_len = (size_t)snprintf((char *)t[0].label, sizeof(t[0].label),
					  "krtpd:%016llx:0:ab", (unsigned long long)hash);
	fake_ep(&t[1].local, "127.0.0.1", pb);
	fake_ep(&t[1].via, "127.0.0.1", pa);
	if (learned)
		fake_ep(&t[1].peer, "127.0.0.5", 40000);
	else
		fake_ep(&t[1].peer, "10.9.8.7", 4000);
	fake_ep(&t[1].source, "127.0.0.9", 0);
	t[1].src_mode = KRTP_SRC_MODE_ADDR;
	t[1].label_len = (size_t)snprintf((char *)t[1].label, sizeof(t[1].label),
					  "krtpd:%016llx:0:ba", (unsigned long long)hash);
	for (int i = 0; i < 2; i++)
		t[i].clock_rate = 8000;
	st = restore_one(t, 2, pa, pb, hash);
	if (st) {
		CHECK_EQ(st->side[0].nat, !learned);
		CHECK_EQ(st->side[0].sig.family, learned ? 0 : AF_INET);
		CHECK_EQ(st->side[0].sig.addr.v4.s_addr, learned ? 0 : htonl(0x7f000005));
		CHECK_EQ(st->side[0].sig.port, 0);
		CHECK(!st->side[1].nat);
		/* the flow from A kept as krtpd asked for it: 127.0.0.5, any port */
		CHECK_EQ(st->flow[MED_F_AB_RTP].kf.source.port, 0);
	}
	restore_one_end();
}

/*
 * A browser A whose audio ICE took to the relay's IPv6 address (::1, its
 * second candidate) while its video stayed on IPv4, with a phone B on
 * IPv4: on A's side the call's two streams are in different families. The
 * dump gives the video first. Re-adopted, each stream keeps its own: the
 * flows of both, and each port bound again in its family.
 */
static void restore_dual(void)
{
	uint16_t a0 = (uint16_t)(fake_base + 416), b0 = (uint16_t)(a0 + 2);
	uint16_t a1 = (uint16_t)(a0 + 4), b1 = (uint16_t)(a0 + 6);
	const uint64_t hash = 0x4444;
	struct krtp_flow t[4];
	struct med_call *c;

	memset(t, 0, sizeof(t));
	/* the video, stream 1, all IPv4 */
	fake_ep(&t[0].local, "127.0.0.1", a1);
	fake_ep(&t[0].via, "127.0.0.1", b1);
	fake_ep(&t[0].peer, "127.0.0.9", 20002);
	fake_ep(&t[1].local, "127.0.0.1", b1);
	fake_ep(&t[1].via, "127.0.0.1", a1);
	fake_ep(&t[1].peer, "127.0.0.8", 21002);
	/* the audio, stream 0: A on ::1 */
	fake_ep6(&t[2].local, "::1", a0);
	fake_ep(&t[2].via, "127.0.0.1", b0);
	fake_ep(&t[2].peer, "127.0.0.9", 20000);
	fake_ep(&t[3].local, "127.0.0.1", b0);
	fake_ep6(&t[3].via, "::1", a0);
	fake_ep6(&t[3].peer, "::1", 21000);
	for (int i = 0; i < 4; i++) {
		t[i].clock_rate = 8000;
		t[i].label_len = (size_t)snprintf((char *)t[i].label, sizeof(t[i].label),
						  "krtpd:%016llx:%d:%s", (unsigned long long)hash,
						  i < 2, i & 1 ? "ba" : "ab");
	}
	c = restore_call(t, 4, a0, (uint16_t)(b1 + 1), hash, 2);
	if (c) {
		struct med_stream *au = c->streams[0], *vi = c->streams[1];

		CHECK(au->flow[MED_F_AB_RTP].installed && au->flow[MED_F_BA_RTP].installed);
		CHECK(vi->flow[MED_F_AB_RTP].installed && vi->flow[MED_F_BA_RTP].installed);
		CHECK_EQ(med_stream_fam(au, 0), AF_INET6);
		CHECK_EQ(med_stream_fam(au, 1), AF_INET);
		CHECK_EQ(med_stream_fam(vi, 0), AF_INET);
		CHECK_EQ(au->pa, a0);
		CHECK_EQ(au->side[0].rtp.family, AF_INET6);
		CHECK_EQ(au->side[0].rtp.port, 21000);
	}
	/* each port is krtpd's again, in its family */
	CHECK(!udp_free(AF_INET6, a0));
	CHECK(!udp_free(AF_INET, b0));
	CHECK(!udp_free(AF_INET, a1));
	restore_one_end();
}

/*
 * BUNDLE: the browser (127.0.0.8:21000) sends audio and video to a0; each
 * line has its own port facing the phone (b0, b1). Re-adopted, the video's
 * side facing the browser is the audio's port, bound once, by the audio,
 * and both streams carry their payload types again.
 */
static void restore_bundle(void)
{
	uint16_t a0 = (uint16_t)(fake_base + 424), b0 = (uint16_t)(a0 + 2), b1 = (uint16_t)(a0 + 4);
	const uint64_t hash = 0x5555;
	struct krtp_flow t[4];
	struct med_call *c;

	memset(t, 0, sizeof(t));
	for (int i = 0; i < 4; i++) {
		bool video = i >= 2, ab = !(i & 1);

		fake_ep(&t[i].local, "127.0.0.1", ab ? a0 : video ? b1 : b0);
		fake_ep(&t[i].via, "127.0.0.1", ab ? (video ? b1 : b0) : a0);
		if (ab)
			fake_ep(&t[i].peer, "127.0.0.9", video ? 20002 : 20000);
		else
			fake_ep(&t[i].peer, "127.0.0.8", 21000);
		if (ab) {
			t[i].bundle = true;
			t[i].bundle_pt[video ? 12 : 0] = 1;	/* 96 and 0 */
		}
		t[i].clock_rate = video ? 90000 : 8000;
		t[i].label_len = (size_t)snprintf((char *)t[i].label, sizeof(t[i].label),
						  "krtpd:%016llx:%d:%s", (unsigned long long)hash,
						  video, ab ? "ab" : "ba");
	}
	c = restore_call(t, 4, a0, (uint16_t)(b1 + 1), hash, 2);
	if (c) {
		struct med_stream *au = c->streams[0], *vi = c->streams[1];

		CHECK(au->flow[MED_F_AB_RTP].installed && vi->flow[MED_F_AB_RTP].installed);
		CHECK_EQ(au->pa, a0);
		CHECK_EQ(vi->pa, a0);
		CHECK_EQ(au->pb, b0);
		CHECK_EQ(vi->pb, b1);
		CHECK(med_port_get(a0)->fd >= 0 && med_port_get(a0)->owner == au);
		CHECK(med_port_get(b1)->fd >= 0 && med_port_get(b1)->owner == vi);
		CHECK(au->bundle && au->bundle_pt[0] == 1);
		CHECK(vi->bundle && vi->bundle_pt[12] == 1);
		CHECK_EQ(vi->side[0].rtp.port, 21000);
	}
	CHECK(!udp_free(AF_INET, a0));
	CHECK(!udp_free(AF_INET, b1));
	restore_one_end();
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
	restore_hold();
	restore_nat(false);
	restore_nat(true);
	restore_dual();
	restore_bundle();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
