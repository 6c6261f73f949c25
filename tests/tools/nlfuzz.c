// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: hostile requests to the krtp netlink family, bounded in count and
 * time, from several processes at once.
 *
 *   nlfuzz [-n COUNT] [-t SECONDS] [-s SEED] [-w WORKERS] [-p PORTS]
 *
 * Each worker (default 3, each its own socket) builds well-formed requests
 * of every command krtp.ko takes: FLOW_NEW batches of one to four flows
 * with every flow attribute (both families, VIA, SOURCE, RTCP_PEER and
 * RTCP_VIA, flags, labels, idle timeouts, SRTP in and out with each
 * suite), FLOW_DEL and FLOW_GET by id or by endpoint, dumps with and
 * without a label filter, STATS_GET and now and then FLOW_FLUSH. Nine in ten are then mutated: bits
 * flipped, 16-bit fields (attribute lengths and types among them) set to
 * edge values, the message cut short or grown with random bytes, a piece
 * repeated, the command byte changed. The netlink header stays right (its
 * length is the message's), so every request must be answered: an ack, an
 * error, or a dump's end.
 *
 * Flows are local on 10.0.1.1 / fd00:1::1 ports 20000 up (-p PORTS, default
 * 64), so packets sent there meanwhile hit flows as they come and go.
 *
 * Prints one line: requests=N answered=N ok=N refused=N unanswered=N
 * flows_added=N dumped=N, summed over the workers (flows_added counts the
 * flows in FLOW_NEW replies; dumped the flows dumps returned). Exit status
 * 0 when every request was answered, 1 otherwise, 2 on a setup error.
 */
#include <getopt.h>
#include <signal.h>
#include <time.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "../api/knl.h"

struct totals {
	unsigned long requests, answered, ok, refused, unanswered, added, dumped;
};

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	/* xorshift64*: a seed gives the same run again */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ULL;
}

static unsigned int below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static unsigned int nports = 64;
/* ids of flows this worker made, for DEL and GET by id */
static uint32_t ids[256];

static void put_ep(struct nlmsghdr *nlh, uint16_t type, bool v6, uint8_t host, uint16_t port)
{
	char a[64];

	if (v6)
		snprintf(a, sizeof(a), "fd00:%u::%u", host >> 4, host & 15);
	else
		snprintf(a, sizeof(a), "10.0.%u.%u", host >> 4, host & 15);
	knl_put_ep(nlh, type, below(16) ? a : NULL, below(16) ? port : 0);
}

static void put_local(struct nlmsghdr *nlh, bool v6)
{
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, v6 ? "fd00:1::1" : "10.0.1.1",
		   (uint16_t)(20000 + below(nports)));
}

static void put_srtp(struct nlmsghdr *nlh, uint16_t type)
{
	static const uint32_t suites[] = {
		KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32,
		KRTP_SRTP_SUITE_AEAD_AES_128_GCM,
	};
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	uint8_t key[32];
	uint32_t suite = suites[below(3)];

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)rnd();
	mnl_attr_put_u32(nlh, KRTP_A_SRTP_SUITE, suite);
	mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_KEY, KRTP_SRTP_MASTER_KEY_LEN, key);
	mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_SALT, suite == KRTP_SRTP_SUITE_AEAD_AES_128_GCM ?
		     KRTP_SRTP_GCM_MASTER_SALT_LEN : KRTP_SRTP_MASTER_SALT_LEN, key + 16);
	if (!below(3))
		mnl_attr_put_u32(nlh, KRTP_A_SRTP_REPLAY_WINDOW, 64u << below(6));
	if (!below(3))
		mnl_attr_put_u32(nlh, KRTP_A_SRTP_ROC, (uint32_t)rnd());
	if (!below(3))
		mnl_attr_put_u32(nlh, KRTP_A_SRTP_SRTCP_INDEX, (uint32_t)rnd() & 0x7fffffff);
	mnl_attr_nest_end(nlh, nest);
}

static void put_flow(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	bool v6 = below(3) == 0, pv6 = below(4) ? v6 : !v6;
	char label[KRTP_LABEL_MAX_LEN];

	put_local(nlh, v6);
	put_ep(nlh, KRTP_A_FLOW_PEER, pv6, (uint8_t)(0x22 + below(2)), (uint16_t)(30000 + below(64)));
	if (!below(3))
		put_ep(nlh, KRTP_A_FLOW_VIA, pv6, 0x21, (uint16_t)(20000 + below(nports)));
	if (!below(4))
		put_ep(nlh, KRTP_A_FLOW_SOURCE, v6, 0x12, (uint16_t)(6000 + below(4)));
	if (!below(4)) {
		put_ep(nlh, KRTP_A_FLOW_RTCP_PEER, pv6, 0x22, (uint16_t)(30001 + 2 * below(32)));
		if (below(2))
			put_ep(nlh, KRTP_A_FLOW_RTCP_VIA, pv6, 0x21, (uint16_t)(20001 + 2 * below(32)));
	}
	if (!below(2))
		mnl_attr_put_u32(nlh, KRTP_A_FLOW_FLAGS, below(8));
	if (!below(2)) {
		size_t n = 1 + below(sizeof(label));

		for (size_t i = 0; i < n; i++)
			label[i] = (char)(below(3) ? 'a' + below(26) : rnd());
		mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, n, label);
	}
	if (!below(4))
		mnl_attr_put_u32(nlh, KRTP_A_FLOW_IDLE_TIMEOUT, below(5));
	if (!below(6))
		mnl_attr_put(nlh, KRTP_A_FLOW_IDLE_DELETE, 0, NULL);
	if (!below(4))
		mnl_attr_put_u32(nlh, KRTP_A_FLOW_CLOCK_RATE, below(2) ? 48000 : (uint32_t)rnd());
	if (!below(4))
		put_srtp(nlh, KRTP_A_FLOW_SRTP_IN);
	if (!below(4))
		put_srtp(nlh, KRTP_A_FLOW_SRTP_OUT);
	mnl_attr_nest_end(nlh, nest);
}

/* a flow named by id (one this worker made, or any) or by endpoint */
static void put_which(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	if (below(2)) {
		uint32_t id = ids[below(256)];

		mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, id && below(8) ? id : (uint32_t)rnd());
	} else {
		put_local(nlh, !below(3));
	}
	mnl_attr_nest_end(nlh, nest);
}

static struct nlmsghdr *build(struct knl *k, char *buf)
{
	unsigned int what = below(100);
	struct nlmsghdr *nlh;

	if (what < 50) {
		unsigned int n = 1 + (below(3) ? 0 : below(4));

		nlh = knl_msg(k, buf, KRTP_CMD_FLOW_NEW, 0);
		for (unsigned int i = 0; i < n; i++)
			put_flow(nlh);
	} else if (what < 70) {
		nlh = knl_msg(k, buf, KRTP_CMD_FLOW_DEL, 0);
		put_which(nlh);
	} else if (what < 82) {
		nlh = knl_msg(k, buf, KRTP_CMD_FLOW_GET, 0);
		put_which(nlh);
	} else if (what < 94) {
		nlh = knl_msg(k, buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
		if (below(2)) {
			struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

			mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, 1 + below(3), "abc");
			mnl_attr_nest_end(nlh, nest);
		}
	} else if (what < 99) {
		nlh = knl_msg(k, buf, KRTP_CMD_STATS_GET, 0);
	} else {
		nlh = knl_msg(k, buf, KRTP_CMD_FLOW_FLUSH, 0);
	}
	return nlh;
}

/* change the request past the netlink header; its length stays the truth */
static void mutate(struct nlmsghdr *nlh)
{
	static const uint16_t edges[] = { 0, 1, 3, 4, 5, 8, 0x7fff, 0x8000, 0x8001, 0xfffe, 0xffff };
	unsigned char *p = (unsigned char *)nlh;
	size_t len = nlh->nlmsg_len, lo = NLMSG_HDRLEN;

	for (unsigned int m = 1 + below(3); m--;) {
		size_t at = len > lo ? lo + below((unsigned int)(len - lo)) : lo;

		switch (below(7)) {
		case 0:	/* flip bits */
			if (at < len)
				p[at] ^= (unsigned char)(1u << below(8));
			break;
		case 1:	/* an aligned 16-bit field (nla_len, nla_type) to an edge value */
			at &= ~(size_t)3;
			at += 2 * below(2);
			if (at >= lo && at + 2 <= len) {
				uint16_t v = edges[below(sizeof(edges) / sizeof(edges[0]))];

				if (!below(4))
					v = (uint16_t)(len - at + 4 * below(3) - 4);
				memcpy(p + at, &v, 2);
			}
			break;
		case 2:	/* cut short */
			len = lo + GENL_HDRLEN + below((unsigned int)(len - lo - GENL_HDRLEN + 1));
			break;
		case 3:	/* random bytes at the end */
			for (unsigned int n = 1 + below(64); n-- && len < KNL_BUF / 2;)
				p[len++] = (unsigned char)rnd();
			break;
		case 4:	/* a piece of the message again at its end */
			if (len > lo + GENL_HDRLEN) {
				size_t from = lo + GENL_HDRLEN + below((unsigned int)(len - lo - GENL_HDRLEN));
				size_t n = 1 + below((unsigned int)(len - from));

				if (len + n < KNL_BUF / 2) {
					memmove(p + len, p + from, n);
					len += n;
				}
			}
			break;
		case 5:	/* another command */
			((struct genlmsghdr *)(p + lo))->cmd = (uint8_t)below(12);
			break;
		case 6:	/* a random byte */
			if (at < len)
				p[at] = (unsigned char)rnd();
			break;
		}
	}
	nlh->nlmsg_len = (uint32_t)len;
}

struct cb_state {
	struct totals *t;
	bool new;
};

static void count_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct cb_state *s = arg;
	uint32_t id = knl_flow_id(nlh);

	if (s->new) {
		s->t->added++;
		if (id)
			ids[below(256)] = id;
	} else {
		s->t->dumped++;
	}
}

static int worker(unsigned long count, double seconds, uint64_t seed, int out)
{
	static char buf[KNL_BUF];
	struct timeval tv = { .tv_sec = 10 };
	struct totals t = { 0 };
	struct timespec t0, now;
	struct knl k;
	int err;

	rnd_state = seed ? seed : 1;
	err = knl_open(&k);
	if (err) {
		fprintf(stderr, "nlfuzz: krtp family: %s\n", strerror(-err));
		return 2;
	}
	/* an answer that never comes is a finding, not a hang */
	setsockopt(mnl_socket_get_fd(k.sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < count; i++) {
		struct nlmsghdr *nlh;
		struct cb_state s = { .t = &t };
		struct knl_ack a;

		if (!(i & 63)) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - t0.tv_sec + (now.tv_nsec - t0.tv_nsec) / 1e9 > seconds)
				break;
		}
		memset(buf, 0, 4096);
		nlh = build(&k, buf);
		if (below(10))
			mutate(nlh);
		s.new = ((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd == KRTP_CMD_FLOW_NEW &&
			!(nlh->nlmsg_flags & NLM_F_DUMP);
		t.requests++;
		err = knl_xfer_cb(&k, nlh, &a, count_cb, &s);
		if (err == -EAGAIN || err == -EWOULDBLOCK) {
			t.unanswered++;
			fprintf(stderr, "nlfuzz: request %lu (seq %u) not answered within 10 s\n",
				i, nlh->nlmsg_seq);
			/* the socket may now hold a late answer: start a new one */
			knl_close(&k);
			if (knl_open(&k))
				return 2;
			setsockopt(mnl_socket_get_fd(k.sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			continue;
		}
		t.answered++;
		if (err)
			t.refused++;
		else
			t.ok++;
	}
	knl_close(&k);
	if (write(out, &t, sizeof(t)) != sizeof(t))
		return 2;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long count = 20000;
	double seconds = 60;
	uint64_t seed = 1;
	unsigned int workers = 3;
	struct totals sum = { 0 };
	int fds[2], c, rc = 0;

	while ((c = getopt(argc, argv, "n:t:s:w:p:")) != -1) {
		switch (c) {
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 't': seconds = atof(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'w': workers = (unsigned int)atoi(optarg); break;
		case 'p': nports = (unsigned int)atoi(optarg); break;
		default:
			fprintf(stderr, "usage: nlfuzz [-n COUNT] [-t SECONDS] [-s SEED] [-w WORKERS] [-p PORTS]\n");
			return 2;
		}
	}
	if (!workers || !nports || nports > 1000 || pipe(fds))
		return 2;
	for (unsigned int w = 0; w < workers; w++) {
		pid_t pid = fork();

		if (pid < 0)
			return 2;
		if (!pid) {
			close(fds[0]);
			_exit(worker((count + workers - 1 - w) / workers, seconds,
				     seed * 1000003 + w, fds[1]));
		}
	}
	close(fds[1]);
	for (unsigned int w = 0; w < workers; w++) {
		struct totals t;
		int st;

		if (read(fds[0], &t, sizeof(t)) == sizeof(t)) {
			sum.requests += t.requests;
			sum.answered += t.answered;
			sum.ok += t.ok;
			sum.refused += t.refused;
			sum.unanswered += t.unanswered;
			sum.added += t.added;
			sum.dumped += t.dumped;
		}
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			rc = 2;
	}
	printf("requests=%lu answered=%lu ok=%lu refused=%lu unanswered=%lu flows_added=%lu dumped=%lu\n",
	       sum.requests, sum.answered, sum.ok, sum.refused, sum.unanswered, sum.added, sum.dumped);
	if (rc)
		return rc;
	return sum.unanswered ? 1 : 0;
}
