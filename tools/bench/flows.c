// SPDX-License-Identifier: GPL-2.0
/*
 * flows: install many krtp flows through the batch netlink API and time it.
 *
 *   flows add COUNT [FIRST] [krtpd|krtpd-other]
 *                               add flows number FIRST .. FIRST+COUNT-1;
 *                               krtpd: laid out and labelled as krtpd's
 *                               calls, so that a krtpd started in the
 *                               namespace re-adopts them (below);
 *                               krtpd-other: another krtpd's, which it
 *                               must leave alone
 *   flows one LOCAL PEER VIA [in SPEC] [out SPEC] [bundle PTS]
 *                               add the one flow the benchmark sends on;
 *                               in/out: its SRTP contexts, SPEC SUITE:HEX as
 *                               gen --srtp (aes80, aes32, gcm; key and salt);
 *                               bundle: its payload types, "0-95", on a
 *                               port it may share (KRTP_A_FLOW_BUNDLE_PT)
 *   flows show LOCAL            print that flow's counters
 *   flows count                 print the flows the namespace has
 *   flows dump                  read every flow back, as a restarted krtpd
 *                               does to re-adopt them, and time it
 *   flows flush                 delete every flow of the namespace, timed
 *
 * Flow i is keyed on 10.0.3.(1 + i % 64) port 10000 + 2 * (i / 64): 64
 * local addresses and the even (RTP) ports above 10000, so up to 1,500,000
 * flows spread over addresses and ports and fill the hash table the way a
 * busy relay does (gen --table sends to the same keys). Each flow sends to
 * 10.0.2.2 port 20000 + 2 * (i % 20000) via 10.0.2.1 on the same port as
 * its key, and carries a label the size of a SIP Call-ID, as krtpd's flows
 * do. With "krtpd" they are a krtpd's calls (daemon/media/restore.c):
 * flows 2k and 2k+1 are the two directions, "ab" and "ba", of stream 0 of
 * call k, "krtpd:<16 hex digits of k>:0:ab" (rtcp-mux: no RTCP flows), on
 * the relay address 10.0.4.1: "ab" arrives on port 10000 + 4k and leaves
 * from 10002 + 4k, "ba" the other way. A krtpd with relay_address 10.0.4.1
 * and ports 10000 up re-adopts (FIRST+COUNT)/2 - FIRST/2 calls. With
 * "krtpd-other" the flows have the usual keys (another krtpd's relay
 * addresses) and the labels of calls 2^32 + k.
 *
 * "add" prints one line: added=N elapsed_ns=N busy_ns=N flows_per_s=N. The
 * time covers building the messages, the sendmsg() calls and the kernel's
 * answers: everything a daemon waits for. busy_ns is that minus the time the
 * CPUs were idle (tick-sched idle_sleeptime, as in gen.c): when it is much
 * less than elapsed_ns, the install waits (RCU, workqueues) rather than works.
 * The flows go in FLOWS_CHUNK at a time (each chunk one
 * krtp_nl_flow_add_batch() call), so a million of them do not need a
 * million struct krtp_flow in memory at once.
 *
 * "dump" prints flows=N packets=N bytes=N elapsed_ns=N busy_ns=N: the
 * flows krtp_nl_flow_dump() returned, the sums of their counters, and its
 * time. "flush" prints elapsed_ns=N busy_ns=N.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <krtp/nl.h>

#define FLOWS_ADDRS	64
#define FLOWS_MAX	1500000
#define FLOWS_CHUNK	65536

/* lay the flows out as krtpd's calls; as another krtpd's */
static bool flows_krtpd, flows_krtpd_other;
#define FLOWS_KRTPD_MAX	27000	/* ports 10000 + 4k .. 10003 + 4k stay below 65536 */

static uint64_t flows_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Idle time of all CPUs in ns from /proc/timer_list, 0 if it has none */
static uint64_t flows_idle_ns(void)
{
	char line[512];
	uint64_t sum = 0;
	FILE *f;

	f = fopen("/proc/timer_list", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, " .idle_sleeptime : %llu nsecs", &v) == 1)
			sum += v;
	}
	fclose(f);
	return sum;
}

static void flows_fill(struct krtp_flow *f, unsigned long i)
{
	uint16_t port = 10000 + 2 * (i / FLOWS_ADDRS);

	memset(f, 0, sizeof(*f));
	f->local.family = AF_INET;
	f->local.addr.v4.s_addr = htonl(0x0a000301 + i % FLOWS_ADDRS);	/* 10.0.3.1-64 */
	f->local.port = port;
	f->peer.family = AF_INET;
	f->peer.addr.v4.s_addr = htonl(0x0a000202);			/* 10.0.2.2 */
	f->peer.port = 20000 + 2 * (i % 20000);
	f->via.family = AF_INET;
	f->via.addr.v4.s_addr = htonl(0x0a000201);			/* 10.0.2.1 */
	f->via.port = port;
	if (flows_krtpd) {
		uint16_t pa = 10000 + 4 * (i / 2), pb = pa + 2;

		f->local.addr.v4.s_addr = htonl(0x0a000401);			/* 10.0.4.1 */
		f->local.port = i & 1 ? pb : pa;
		f->via.addr.v4.s_addr = htonl(0x0a000401);
		f->via.port = i & 1 ? pa : pb;
	}
	if (flows_krtpd || flows_krtpd_other)
		f->label_len = snprintf((char *)f->label, sizeof(f->label),
					"krtpd:%016llx:0:%s",
					(unsigned long long)(i / 2) + (flows_krtpd_other ? 1ull << 32 : 0),
					i & 1 ? "ba" : "ab");
	else
		f->label_len = snprintf((char *)f->label, sizeof(f->label),
					"bench-%08lx@relay.invalid", i);
}

static int flows_add(struct krtp_nl *nl, unsigned long count, unsigned long first)
{
	unsigned long i, done = 0, chunk = count < FLOWS_CHUNK ? count : FLOWS_CHUNK;
	uint64_t elapsed = 0, idle = 0;
	struct krtp_flow *flows;
	int err = 0;

	flows = calloc(chunk ? chunk : 1, sizeof(*flows));
	if (!flows) {
		fprintf(stderr, "flows: out of memory\n");
		return 1;
	}
	while (done < count) {
		uint64_t t0, t1, idle0, idle1;
		unsigned long n = count - done < chunk ? count - done : chunk;
		size_t added = 0;

		for (i = 0; i < n; i++)
			flows_fill(&flows[i], first + done + i);
		idle0 = flows_idle_ns();
		t0 = flows_now_ns();
		err = krtp_nl_flow_add_batch(nl, flows, n, &added);
		t1 = flows_now_ns();
		idle1 = flows_idle_ns();
		elapsed += t1 - t0;
		idle += idle1 - idle0;
		done += added;
		if (err)
			break;
	}
	free(flows);
	if (err) {
		fprintf(stderr, "flows: added %lu of %lu: %s (%s)\n", done, count,
			krtp_nl_errmsg(nl), strerror(-err));
		return 1;
	}
	printf("added=%lu elapsed_ns=%" PRIu64 " busy_ns=%" PRIu64 " flows_per_s=%.0f\n",
	       count, elapsed, elapsed - idle,
	       (double)count * 1e9 / (double)(elapsed ? elapsed : 1));
	return 0;
}

struct flows_sum {
	unsigned long flows;
	uint64_t packets, bytes;
};

static int flows_dump_one(const struct krtp_flow *f, void *arg)
{
	struct flows_sum *sum = arg;

	sum->flows++;
	sum->packets += f->stats.packets;
	sum->bytes += f->stats.bytes;
	return 0;
}

/* the whole table through krtp_nl_flow_dump(), as krtpd's re-adoption reads it */
static int flows_dump(struct krtp_nl *nl)
{
	struct flows_sum sum = { 0 };
	uint64_t t0, t1, idle0, idle1;
	int err;

	idle0 = flows_idle_ns();
	t0 = flows_now_ns();
	err = krtp_nl_flow_dump(nl, flows_dump_one, &sum);
	t1 = flows_now_ns();
	idle1 = flows_idle_ns();
	if (err) {
		fprintf(stderr, "flows: dump: %s (%s)\n", krtp_nl_errmsg(nl), strerror(-err));
		return 1;
	}
	printf("flows=%lu packets=%" PRIu64 " bytes=%" PRIu64 " elapsed_ns=%" PRIu64
	       " busy_ns=%" PRIu64 "\n", sum.flows, sum.packets, sum.bytes, t1 - t0,
	       (t1 - t0) - (idle1 - idle0));
	return 0;
}

static int flows_flush(struct krtp_nl *nl)
{
	uint64_t t0, t1, idle0, idle1;
	int err;

	idle0 = flows_idle_ns();
	t0 = flows_now_ns();
	err = krtp_nl_flush(nl);
	t1 = flows_now_ns();
	idle1 = flows_idle_ns();
	if (err) {
		fprintf(stderr, "flows: flush: %s (%s)\n", krtp_nl_errmsg(nl), strerror(-err));
		return 1;
	}
	printf("elapsed_ns=%" PRIu64 " busy_ns=%" PRIu64 "\n", t1 - t0, (t1 - t0) - (idle1 - idle0));
	return 0;
}

static int flows_count(struct krtp_nl *nl)
{
	struct krtp_stats st;
	int err;

	err = krtp_nl_stats_get(nl, &st);
	if (err) {
		fprintf(stderr, "flows: stats: %s (%s)\n", krtp_nl_errmsg(nl), strerror(-err));
		return 1;
	}
	printf("flows=%u\n", st.flows);
	return 0;
}

/* SUITE:HEX, as gen --srtp takes it */
static int flows_srtp(const char *spec, struct krtp_srtp *c)
{
	const char *hex = strchr(spec, ':');
	size_t i;

	if (!hex)
		return -EINVAL;
	if (!strncmp(spec, "aes80:", 6))
		c->suite = KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	else if (!strncmp(spec, "aes32:", 6))
		c->suite = KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32;
	else if (!strncmp(spec, "gcm:", 4))
		c->suite = KRTP_SRTP_SUITE_AEAD_AES_128_GCM;
	else
		return -EINVAL;
	c->salt_len = c->suite == KRTP_SRTP_SUITE_AEAD_AES_128_GCM ?
		      KRTP_SRTP_GCM_MASTER_SALT_LEN : KRTP_SRTP_MASTER_SALT_LEN;
	hex++;
	if (strlen(hex) != 2 * (sizeof(c->key) + c->salt_len))
		return -EINVAL;
	for (i = 0; i < sizeof(c->key) + c->salt_len; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		if (i < sizeof(c->key))
			c->key[i] = b;
		else
			c->salt[i - sizeof(c->key)] = b;
	}
	return 0;
}

static int flows_one(struct krtp_nl *nl, int argc, char **argv)
{
	struct krtp_flow f = { 0 };
	int err, i;

	if (krtp_ep_parse(argv[0], &f.local, true) || krtp_ep_parse(argv[1], &f.peer, true) ||
	    krtp_ep_parse(argv[2], &f.via, true)) {
		fprintf(stderr, "flows: bad endpoint\n");
		return 2;
	}
	for (i = 3; i + 1 < argc; i += 2) {
		struct krtp_srtp *c = !strcmp(argv[i], "in") ? &f.srtp_in :
				      !strcmp(argv[i], "out") ? &f.srtp_out : NULL;

		if (!strcmp(argv[i], "bundle")) {
			if (krtp_pt_set_parse(argv[i + 1], f.bundle_pt)) {
				fprintf(stderr, "flows: bad payload types %s\n", argv[i + 1]);
				return 2;
			}
			f.bundle = true;
			continue;
		}

		if (!c || flows_srtp(argv[i + 1], c)) {
			fprintf(stderr, "flows: bad SRTP context %s %s\n", argv[i], argv[i + 1]);
			return 2;
		}
	}
	err = krtp_nl_flow_add(nl, &f);
	if (err) {
		fprintf(stderr, "flows: %s (%s)\n", krtp_nl_errmsg(nl), strerror(-err));
		return 1;
	}
	printf("id=%u\n", f.id);
	return 0;
}

static int flows_show(struct krtp_nl *nl, const char *local)
{
	struct krtp_flow f;
	struct krtp_ep ep;
	int err;

	if (krtp_ep_parse(local, &ep, true)) {
		fprintf(stderr, "flows: bad endpoint %s\n", local);
		return 2;
	}
	err = krtp_nl_flow_get_local(nl, &ep, &f);
	if (err) {
		fprintf(stderr, "flows: %s (%s)\n", krtp_nl_errmsg(nl), strerror(-err));
		return 1;
	}
	printf("id=%u packets=%" PRIu64 " bytes=%" PRIu64 " drop_wrong_source=%" PRIu64
	       " drop_no_route=%" PRIu64 " drop_other=%" PRIu64 " rtp_lost=%" PRIu64
	       " rtp_duplicates=%" PRIu64 " rtp_reordered=%" PRIu64 " srtp_auth_fail=%" PRIu64
	       " srtp_replay=%" PRIu64 "\n", f.id,
	       f.stats.packets, f.stats.bytes, f.stats.drop_wrong_source, f.stats.drop_no_route,
	       f.stats.drop_other, f.stats.rtp_lost, f.stats.rtp_duplicates, f.stats.rtp_reordered,
	       f.stats.srtp_auth_fail, f.stats.srtp_replay);
	return 0;
}

static unsigned long flows_arg(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > FLOWS_MAX) {
		fprintf(stderr, "flows: bad number %s (at most %d)\n", s, FLOWS_MAX);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct krtp_nl *nl;
	int err, rc;

	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "add") && argc > 3 && !strcmp(argv[argc - 1], "krtpd")) {
		flows_krtpd = true;
		argc--;
	} else if (!strcmp(cmd, "add") && argc > 3 && !strcmp(argv[argc - 1], "krtpd-other")) {
		flows_krtpd_other = true;
		argc--;
	}
	if (!((!strcmp(cmd, "add") && (argc == 3 || argc == 4)) ||
	      (!strcmp(cmd, "one") && argc >= 5 && argc <= 11 && argc % 2) ||
	      (!strcmp(cmd, "show") && argc == 3) ||
	      (!strcmp(cmd, "count") && argc == 2) || (!strcmp(cmd, "dump") && argc == 2) ||
	      (!strcmp(cmd, "flush") && argc == 2))) {
		fprintf(stderr, "usage: flows add COUNT [FIRST] [krtpd|krtpd-other] |"
			" one LOCAL PEER VIA [in SPEC] [out SPEC] [bundle PTS] |"
			" show LOCAL |"
			" count | dump | flush\n");
		return 2;
	}
	err = krtp_nl_open(&nl);
	if (err) {
		fprintf(stderr, "flows: %s\n", err == -ENOENT ? "krtp.ko is not loaded" : strerror(-err));
		return 1;
	}
	if (!strcmp(cmd, "add")) {
		unsigned long count = flows_arg(argv[2]);
		unsigned long first = argc == 4 ? flows_arg(argv[3]) : 0;

		if (count + first > FLOWS_MAX) {
			fprintf(stderr, "flows: flows past number %d would reuse ports\n", FLOWS_MAX);
			rc = 2;
		} else if (flows_krtpd && count + first > FLOWS_KRTPD_MAX) {
			fprintf(stderr, "flows: krtpd flows past number %d would need ports past 65535\n",
				FLOWS_KRTPD_MAX);
			rc = 2;
		} else {
			rc = flows_add(nl, count, first);
		}
	} else if (!strcmp(cmd, "one")) {
		rc = flows_one(nl, argc - 2, argv + 2);
	} else if (!strcmp(cmd, "show")) {
		rc = flows_show(nl, argv[2]);
	} else if (!strcmp(cmd, "flush")) {
		rc = flows_flush(nl);
	} else if (!strcmp(cmd, "dump")) {
		rc = flows_dump(nl);
	} else {
		rc = flows_count(nl);
	}
	krtp_nl_close(nl);
	return rc;
}
