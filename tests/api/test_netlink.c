// SPDX-License-Identifier: GPL-2.0
/*
 * The krtp generic netlink API: good requests, dumps, and what the
 * policies refuse (run as root with krtp.ko loaded; skipped when it is
 * not). What the handlers refuse, batches, SRTP contexts and limits are in
 * the other test_netlink_*.c. Each rejection is checked for
 * its errno, its extack text, and where the kernel reports one, the offset
 * of the offending attribute or the missing attribute and its nest, as
 * tools/testing/selftests/net/netlink-dumps.c does.
 *
 * Texts the kernel's policy code writes (lib/nlattr.c) are matched exactly;
 * texts krtp.ko writes carry the "krtp: " prefix of NL_SET_ERR_MSG_MOD.
 */
#define _GNU_SOURCE	/* unshare() */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "flows.h"

/* ---- good requests ---- */

TEST_F(krtp, new_get_del)
{
	struct knl_ack g;
	uint32_t id;

	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	/* FLOW_NEW replies with the flow: its id comes before the ack */
	ASSERT_EQ(1, self->a.replies);
	ASSERT_NE(0, self->a.id);
	id = self->a.id;

	ASSERT_EQ(0, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_GET, id, &g));
	ASSERT_EQ(1, g.replies);
	ASSERT_EQ(id, g.id);

	ASSERT_EQ(0, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_DEL, id, &g));
	ASSERT_EQ(-ENOENT, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_GET, id, &g));

	/* ids are never reused */
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	ASSERT_LT(id, self->a.id);
}

TEST_F(krtp, get_by_local)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t id;

	ASSERT_EQ(0, knl_flow_add(&self->k, "fd00::1", 4000, "fd00::2", 5000, &self->a));
	id = self->a.id;
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	ASSERT_NE(id, self->a.id);

	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "fd00::1", 4000);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, knl_xfer(&self->k, nlh, &self->a));
	ASSERT_EQ(1, self->a.replies);
	ASSERT_EQ(id, self->a.id);

	/* same address, other port: no such flow */
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "fd00::1", 4001);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-ENOENT, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("krtp: no flow for [fd00::1]:4001", self->a.msg);

	/* delete by local */
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_DEL, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "fd00::1", 4000);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, knl_xfer(&self->k, nlh, &self->a));
	ASSERT_EQ(-ENOENT, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_GET, id, &self->a));
}

TEST_F(krtp, label_max_len)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	char label[KRTP_LABEL_MAX_LEN];

	memset(label, 'x', sizeof(label));
	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, sizeof(label), label);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	ASSERT_NE(0, self->a.id);
}

TEST_F(krtp, stats_get)
{
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	ASSERT_EQ(0, knl_simple(&self->k, KRTP_CMD_STATS_GET, &self->a));
	ASSERT_EQ(1, self->a.replies);
}

TEST_F(krtp, flush)
{
	struct dump_count d = { 0 };

	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4002, "192.0.2.1", 5002, &self->a));
	ASSERT_EQ(0, knl_flow_add(&self->k, "fd00::1", 4000, "fd00::2", 5000, &self->a));
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	ASSERT_EQ(3, d.n);
	ASSERT_EQ(0, knl_flush(&self->k));
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	ASSERT_EQ(0, d.n);
}

/* 10,000 flows in batches, then one dump: every flow exactly once */
TEST_F(krtp, dump_many)
{
	const unsigned int n = 10000;
	struct dump_count d = { 0 };
	int first_err;
	long added;

	added = knl_flow_add_many(&self->k, n, &first_err);
	ASSERT_EQ(0, first_err);
	ASSERT_EQ(n, added);

	d.seen_len = 16u << 20;
	d.seen = calloc(1, d.seen_len);
	ASSERT_TRUE(d.seen != NULL);
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	EXPECT_FALSE(self->a.dump_intr);
	EXPECT_FALSE(d.dup);
	EXPECT_EQ(n, d.n);

	/* and again, the same */
	memset(d.seen, 0, d.seen_len);
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	EXPECT_FALSE(d.dup);
	EXPECT_EQ(n, d.n);
	free(d.seen);
}

/*
 * A dump that a change interrupts says so: parts built after a flow was
 * added carry NLM_F_DUMP_INTR (the kernel builds the next part of a dump
 * as the reader takes the previous one, so adding a flow after the first
 * read lands between two parts).
 */
TEST_F(krtp, dump_interrupted)
{
	static char rbuf[KNL_BUF];
	struct nlmsghdr *nlh;
	struct knl other;
	bool intr = false, done = false, first = true;
	unsigned int parts = 0;
	int first_err;

	ASSERT_EQ(2000, knl_flow_add_many(&self->k, 2000, &first_err));
	ASSERT_EQ(0, knl_open(&other));

	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
	ASSERT_LT(0, mnl_socket_sendto(self->k.sock, nlh, nlh->nlmsg_len));
	while (!done) {
		int len = mnl_socket_recvfrom(self->k.sock, rbuf, sizeof(rbuf));
		const struct nlmsghdr *m;

		ASSERT_LT(0, len);
		parts++;
		for (m = (void *)rbuf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR)
				done = true;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
		}
		if (first) {
			ASSERT_EQ(0, knl_flow_add(&other, "10.99.0.1", 4000, "192.0.2.1", 5000,
						  &self->a));
			first = false;
		}
	}
	knl_close(&other);
	ASSERT_LT(3, parts);
	ASSERT_TRUE(intr);

	/* and the next dump is whole again */
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
	ASSERT_EQ(0, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_FALSE(self->a.dump_intr);
	EXPECT_EQ(2001, self->a.replies);
}

/* Add local:port -> 192.0.2.1:5000 labelled label */
static int flow_add_label(struct knl *k, const char *local, uint16_t port, const char *label,
			  struct knl_ack *a)
{
	char buf[1024];
	struct nlmsghdr *nlh = knl_msg(k, buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, local, port);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, strlen(label), label);
	mnl_attr_nest_end(nlh, nest);
	return knl_xfer(k, nlh, a);
}

/* A FLOW_GET dump with a label prefix (len bytes of prefix) */
static int dump_label(struct knl *k, const void *prefix, size_t len, struct dump_count *d,
		      struct knl_ack *a)
{
	char buf[8192];
	struct nlmsghdr *nlh = knl_msg(k, buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, len, prefix);
	mnl_attr_nest_end(nlh, nest);
	d->n = 0;
	d->max_id = 0;
	d->dup = false;
	return knl_xfer_cb(k, nlh, a, dump_count_cb, d);
}

/*
 * A dump asks for the flows whose label starts with a prefix: a daemon
 * reads its own flows out of a table it shares. 10,000 unlabelled flows
 * between them make the kernel walk past many flows that do not match,
 * letting go of the table between stretches of the walk.
 */
TEST_F(krtp, dump_label_prefix)
{
	char full[KRTP_LABEL_MAX_LEN + 1];
	struct dump_count d = { 0 };
	int first_err;

	ASSERT_EQ(0, flow_add_label(&self->k, "10.0.0.1", 4000, "krtpd:0000000000000001:0:ab",
				    &self->a));
	ASSERT_EQ(0, flow_add_label(&self->k, "10.0.0.1", 4002, "other:krtpd:", &self->a));
	ASSERT_EQ(10000, knl_flow_add_many(&self->k, 10000, &first_err));
	ASSERT_EQ(0, flow_add_label(&self->k, "10.0.0.1", 4004, "krtp", &self->a));
	ASSERT_EQ(0, flow_add_label(&self->k, "10.0.0.1", 4006, "krtpd:0000000000000001:0:ba",
				    &self->a));
	memset(full, 'k', KRTP_LABEL_MAX_LEN);
	full[KRTP_LABEL_MAX_LEN] = '\0';
	ASSERT_EQ(0, flow_add_label(&self->k, "10.0.0.1", 4008, full, &self->a));

	d.seen_len = 16u << 20;
	d.seen = calloc(1, d.seen_len);
	ASSERT_TRUE(d.seen != NULL);
	ASSERT_EQ(0, dump_label(&self->k, "krtpd:", 6, &d, &self->a));
	EXPECT_EQ(2, d.n);
	EXPECT_FALSE(d.dup);
	/* a prefix as long as the label matches; "krtp" only the flows it begins */
	ASSERT_EQ(0, dump_label(&self->k, full, KRTP_LABEL_MAX_LEN, &d, &self->a));
	EXPECT_EQ(1, d.n);
	ASSERT_EQ(0, dump_label(&self->k, "krtp", 4, &d, &self->a));
	EXPECT_EQ(3, d.n);
	ASSERT_EQ(0, dump_label(&self->k, "none", 4, &d, &self->a));
	EXPECT_EQ(0, d.n);
	/* without a prefix: all of them */
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	EXPECT_EQ(10005, d.n);
	free(d.seen);
}

/* ---- missing attributes ---- */

TEST_F(krtp, new_missing_flow)
{
	ASSERT_EQ(-EINVAL, knl_simple(&self->k, KRTP_CMD_FLOW_NEW, &self->a));
	EXPECT_STREQ("krtp: missing flow attributes", self->a.msg);
	EXPECT_EQ(KRTP_A_FLOW, self->a.miss_type);
	EXPECT_EQ(-1, self->a.miss_nest);
}

TEST_F(krtp, new_missing_local)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	long long nest_off = knl_tail_off(nlh);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: missing local endpoint", self->a.msg);
	EXPECT_EQ(KRTP_A_FLOW_LOCAL, self->a.miss_type);
	EXPECT_EQ(nest_off, self->a.miss_nest);
}

TEST_F(krtp, new_missing_peer)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	long long nest_off = knl_tail_off(nlh);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: missing peer endpoint", self->a.msg);
	EXPECT_EQ(KRTP_A_FLOW_PEER, self->a.miss_type);
	EXPECT_EQ(nest_off, self->a.miss_nest);
}

TEST_F(krtp, ep_missing_port)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long ep_off = knl_tail_off(nlh);

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 0);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: local endpoint has no port", self->a.msg);
	EXPECT_EQ(KRTP_A_EP_PORT, self->a.miss_type);
	EXPECT_EQ(ep_off, self->a.miss_nest);
}

TEST_F(krtp, ep_missing_addr)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long ep_off;

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	ep_off = knl_tail_off(nlh);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, NULL, 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: peer endpoint has no address", self->a.msg);
	EXPECT_EQ(KRTP_A_EP_IPV4, self->a.miss_type);
	EXPECT_EQ(ep_off, self->a.miss_nest);
}

TEST_F(krtp, del_missing_key)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_DEL, 0);
	long long nest_off = knl_tail_off(nlh);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-EINVAL, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("krtp: missing flow id or local endpoint", self->a.msg);
	EXPECT_EQ(KRTP_A_FLOW_ID, self->a.miss_type);
	EXPECT_EQ(nest_off, self->a.miss_nest);
}

/*
 * A dump is asked for by label prefix, never by id or local endpoint. The
 * refusal ends the dump: NLMSG_DONE carries the errno and the message
 * (the kernel puts no offset there).
 */
TEST_F(krtp, dump_by_id)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, self->a.id);
	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, 6, "krtpd:");
	mnl_attr_nest_end(nlh, nest);
	knl_ack_init(&self->a);
	ASSERT_EQ(-EINVAL, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("krtp: a dump selects flows by label prefix only", self->a.msg);
	EXPECT_EQ(0, self->a.replies);
}

/* and a get of one flow takes no label prefix */
TEST_F(krtp, get_by_label)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off = knl_tail_off(nlh);

	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, 6, "krtpd:");
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-EINVAL, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("krtp: a label prefix selects flows in a dump only", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* ---- what the policies refuse (texts from lib/nlattr.c) ---- */

TEST_F(krtp, label_too_long)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	char label[KRTP_LABEL_MAX_LEN + 1];
	long long off = knl_tail_off(nlh);

	memset(label, 'x', sizeof(label));
	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, sizeof(label), label);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("Attribute failed policy validation", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* an empty prefix would match everything: ask for no prefix instead */
TEST_F(krtp, dump_label_empty)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off = knl_tail_off(nlh);

	mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, 0, "");
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-ERANGE, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("binary attribute size out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, ipv4_wrong_len)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	struct nlattr *ep = mnl_attr_nest_start(nlh, KRTP_A_FLOW_LOCAL);
	const uint8_t three[3] = { 10, 0, 0 };
	long long off = knl_tail_off(nlh);

	mnl_attr_put(nlh, KRTP_A_EP_IPV4, sizeof(three), three);
	mnl_attr_put_u16(nlh, KRTP_A_EP_PORT, htons(4000));
	mnl_attr_nest_end(nlh, ep);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("binary attribute size out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, port_wrong_len)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	struct nlattr *ep = mnl_attr_nest_start(nlh, KRTP_A_FLOW_LOCAL);
	struct in_addr a4 = { htonl(0x0a000001) };
	long long off;

	mnl_attr_put(nlh, KRTP_A_EP_IPV4, sizeof(a4), &a4);
	off = knl_tail_off(nlh);
	mnl_attr_put_u32(nlh, KRTP_A_EP_PORT, htonl(4000));
	mnl_attr_nest_end(nlh, ep);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("invalid attribute length", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, port_zero)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	struct nlattr *ep = mnl_attr_nest_start(nlh, KRTP_A_FLOW_LOCAL);
	struct in_addr a4 = { htonl(0x0a000001) };
	long long off;

	mnl_attr_put(nlh, KRTP_A_EP_IPV4, sizeof(a4), &a4);
	off = knl_tail_off(nlh);
	mnl_attr_put_u16(nlh, KRTP_A_EP_PORT, 0);
	mnl_attr_nest_end(nlh, ep);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("integer out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, clock_rate_out_of_range)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_CLOCK_RATE, 0);
	ASSERT_EQ(-ERANGE, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("integer out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, unknown_flag_bits)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_FLAGS, KRTP_FLOW_F_RTCP | (1U << 7));
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("reserved bit set", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* what a FLOW_GET reply says of a flow's flags and its passed counter */
struct flow_flags {
	uint32_t flags;
	bool has_passed;
	uint64_t passed;
};

static int flow_flags_stats_cb(const struct nlattr *attr, void *data)
{
	struct flow_flags *f = data;

	if (mnl_attr_get_type(attr) == KRTP_A_STATS_PASSED &&
	    mnl_attr_get_payload_len(attr) == 8) {
		f->has_passed = true;
		f->passed = mnl_attr_get_u64(attr);
	}
	return MNL_CB_OK;
}

static int flow_flags_flow_cb(const struct nlattr *attr, void *data)
{
	struct flow_flags *f = data;

	if (mnl_attr_get_type(attr) == KRTP_A_FLOW_FLAGS && mnl_attr_get_payload_len(attr) == 4)
		f->flags = mnl_attr_get_u32(attr);
	else if (mnl_attr_get_type(attr) == KRTP_A_FLOW_STATS)
		mnl_attr_parse_nested(attr, flow_flags_stats_cb, data);
	return MNL_CB_OK;
}

static int flow_flags_top_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == KRTP_A_FLOW)
		mnl_attr_parse_nested(attr, flow_flags_flow_cb, data);
	return MNL_CB_OK;
}

static void flow_flags_msg(const struct nlmsghdr *nlh, void *arg)
{
	mnl_attr_parse(nlh, GENL_HDRLEN, flow_flags_top_cb, arg);
}

/* a WebRTC flow: STUN/DTLS to the socket; it reads back, passed counted from 0 */
TEST_F(krtp, pass_stun_dtls_flag)
{
	struct flow_flags f = { 0 };
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	const uint32_t flags = KRTP_FLOW_F_PASS_STUN_DTLS | KRTP_FLOW_F_STRICT_RTP;
	uint32_t id;

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_FLAGS, flags);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	id = self->a.id;
	ASSERT_NE(0, id);

	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, id);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, knl_xfer_cb(&self->k, nlh, &self->a, flow_flags_msg, &f));
	EXPECT_EQ(flags, f.flags);
	EXPECT_TRUE(f.has_passed);
	EXPECT_EQ(0, f.passed);
}

/* the bit after the last flag is still refused, with the policy's message */
TEST_F(krtp, flag_bit_after_pass_stun_dtls)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_FLAGS, KRTP_FLOW_F_PASS_STUN_DTLS << 1);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("reserved bit set", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, unknown_attribute)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_MAX + 1, 1);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("Unknown attribute type", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* read-only attributes are not accepted in a request */
TEST_F(krtp, readonly_attribute)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, 12345);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("Unsupported attribute", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* an endpoint nest without NLA_F_NESTED */
TEST_F(krtp, nest_flag_missing)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off = knl_tail_off(nlh);
	struct nlattr *ep;

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	ep = (struct nlattr *)((char *)nlh + off);
	ep->nla_type &= ~NLA_F_NESTED;
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("NLA_F_NESTED is missing", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, id_zero)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_DEL, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, 0);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-ERANGE, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("integer out of range", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_HARNESS_MAIN
