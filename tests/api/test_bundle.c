// SPDX-License-Identifier: GPL-2.0
/*
 * KRTP_A_FLOW_BUNDLE_PT: flows sharing a local endpoint. Accepted on the
 * fast check and on the policy's walk (an SRTP nest sends the flow that
 * way), read back by GET and dump; every refusal with its errno, extack
 * text and offset; DEL and GET by a shared endpoint refused, by id not;
 * the endpoint free again once its last flow is gone.
 * Run as root with krtp.ko loaded; skipped when it is not.
 */
#define _GNU_SOURCE	/* unshare() */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "flows.h"

/* a payload type set of types lo..hi */
static void pt_set(uint8_t set[KRTP_BUNDLE_PT_LEN], unsigned int lo, unsigned int hi)
{
	memset(set, 0, KRTP_BUNDLE_PT_LEN);
	for (unsigned int pt = lo; pt <= hi; pt++)
		set[pt / 8] |= 1U << (pt % 8);
}

/*
 * FLOW_NEW of flow_new_start()'s flow (local 10.0.0.1:4000) with the
 * payload types lo..hi (len bytes of the set: not 16 to test the policy),
 * flags if any, and an SRTP-in nest when srtp. *off gets the set's offset.
 */
static int bundle_add(FIXTURE_DATA(krtp) *self, unsigned int lo, unsigned int hi, size_t len,
		      uint32_t flags, bool srtp, long long *off)
{
	uint8_t set[KRTP_BUNDLE_PT_LEN + 1];
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);

	memset(set, 0, sizeof(set));
	pt_set(set, lo, hi);
	if (flags)
		mnl_attr_put_u32(nlh, KRTP_A_FLOW_FLAGS, flags);
	if (srtp)
		flow_put_srtp_in(nlh);
	if (off)
		*off = knl_tail_off(nlh);
	mnl_attr_put(nlh, KRTP_A_FLOW_BUNDLE_PT, len, set);
	return flow_new_end(&self->k, nlh, nest, &self->a);
}

/* the set a GET reply or dump entry carries */
struct bundle_read {
	uint8_t set[KRTP_BUNDLE_PT_LEN];
	unsigned int n;		/* messages that had one */
	uint32_t flags;
};

static int flow_cb(const struct nlattr *attr, void *data)
{
	struct bundle_read *r = data;

	if (mnl_attr_get_type(attr) == KRTP_A_FLOW_BUNDLE_PT &&
	    mnl_attr_get_payload_len(attr) == KRTP_BUNDLE_PT_LEN) {
		memcpy(r->set, mnl_attr_get_payload(attr), KRTP_BUNDLE_PT_LEN);
		r->n++;
	}
	if (mnl_attr_get_type(attr) == KRTP_A_FLOW_FLAGS)
		r->flags = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int top_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == KRTP_A_FLOW)
		mnl_attr_parse_nested(attr, flow_cb, data);
	return MNL_CB_OK;
}

static void bundle_msg(const struct nlmsghdr *nlh, void *arg)
{
	mnl_attr_parse(nlh, GENL_HDRLEN, top_cb, arg);
}

static int get_bundle(FIXTURE_DATA(krtp) *self, uint32_t id, struct bundle_read *r)
{
	struct knl_ack g;
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, id);
	mnl_attr_nest_end(nlh, nest);
	memset(r, 0, sizeof(*r));
	return knl_xfer_cb(&self->k, nlh, &g, bundle_msg, r);
}

/* FLOW_DEL or FLOW_GET naming 10.0.0.1:4000 */
static int by_local(FIXTURE_DATA(krtp) *self, uint8_t cmd)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, cmd, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	mnl_attr_nest_end(nlh, nest);
	return knl_xfer(&self->k, nlh, &self->a);
}

TEST_F(krtp, shared_and_read_back)
{
	struct bundle_read r, d;
	uint8_t want[KRTP_BUNDLE_PT_LEN];
	uint32_t audio, video;
	struct knl_ack g;

	ASSERT_EQ(0, bundle_add(self, 0, 8, KRTP_BUNDLE_PT_LEN, KRTP_FLOW_F_STRICT_RTP, false, NULL));
	audio = self->a.id;
	/* the policy's walk */
	ASSERT_EQ(0, bundle_add(self, 96, 127, KRTP_BUNDLE_PT_LEN, KRTP_FLOW_F_STRICT_RTP, true, NULL));
	video = self->a.id;
	EXPECT_NE(audio, video);

	ASSERT_EQ(0, get_bundle(self, audio, &r));
	pt_set(want, 0, 8);
	EXPECT_EQ(0, memcmp(want, r.set, sizeof(want)));
	/* the internal flag never shows */
	EXPECT_EQ(KRTP_FLOW_F_STRICT_RTP, r.flags);
	ASSERT_EQ(0, get_bundle(self, video, &r));
	pt_set(want, 96, 127);
	EXPECT_EQ(0, memcmp(want, r.set, sizeof(want)));

	/* a dump carries both; a plain flow has none */
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4002, "192.0.2.1", 5000, &g));
	memset(&d, 0, sizeof(d));
	ASSERT_EQ(0, knl_xfer_cb(&self->k, knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP),
				 &g, bundle_msg, &d));
	EXPECT_EQ(2, d.n);

	/* a shared endpoint is named by id */
	EXPECT_EQ(-ENOTUNIQ, by_local(self, KRTP_CMD_FLOW_GET));
	EXPECT_STREQ("krtp: 2 flows share the endpoint (a bundle): name one by id", self->a.msg);
	EXPECT_EQ(-ENOTUNIQ, by_local(self, KRTP_CMD_FLOW_DEL));
	EXPECT_EQ(0, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_GET, video, &g));

	/* the first goes: the other is the endpoint's, by address too */
	ASSERT_EQ(0, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_DEL, audio, &g));
	ASSERT_EQ(0, by_local(self, KRTP_CMD_FLOW_GET));
	EXPECT_EQ(video, self->a.id);
	/* its types are free again */
	ASSERT_EQ(0, bundle_add(self, 0, 8, KRTP_BUNDLE_PT_LEN, KRTP_FLOW_F_STRICT_RTP, false, NULL));
	audio = self->a.id;
	ASSERT_EQ(0, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_DEL, video, &g));
	ASSERT_EQ(0, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_DEL, audio, &g));
	/* and the endpoint, for a plain flow */
	EXPECT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &g));
}

TEST_F(krtp, refused)
{
	long long off;

	for (int srtp = 0; srtp < 2; srtp++) {
		/* the policy: 16 bytes exactly */
		EXPECT_EQ(-ERANGE, bundle_add(self, 0, 0, KRTP_BUNDLE_PT_LEN - 1, 0, srtp, &off));
		EXPECT_STREQ("binary attribute size out of range", self->a.msg);
		EXPECT_EQ(off, self->a.offs);
		EXPECT_EQ(-ERANGE, bundle_add(self, 0, 0, KRTP_BUNDLE_PT_LEN + 1, 0, srtp, &off));
		EXPECT_EQ(off, self->a.offs);
		/* krtp.ko's own */
		EXPECT_EQ(-EINVAL, bundle_add(self, 1, 0, KRTP_BUNDLE_PT_LEN, 0, srtp, &off));
		EXPECT_STREQ("krtp: bundle payload type set is empty", self->a.msg);
		EXPECT_EQ(off, self->a.offs);
		EXPECT_EQ(-EINVAL, bundle_add(self, 0, 0, KRTP_BUNDLE_PT_LEN, KRTP_FLOW_F_RTCP, srtp,
					      &off));
		EXPECT_STREQ("krtp: a bundle payload type set is not for an rtcp flow", self->a.msg);
		EXPECT_EQ(off, self->a.offs);
	}

	ASSERT_EQ(0, bundle_add(self, 96, 99, KRTP_BUNDLE_PT_LEN, 0, false, NULL));
	uint32_t first = self->a.id;
	char text[128];

	EXPECT_EQ(-EEXIST, bundle_add(self, 99, 100, KRTP_BUNDLE_PT_LEN, 0, false, &off));
	snprintf(text, sizeof(text), "krtp: payload type 99 is already in flow %u of the bundle", first);
	EXPECT_STREQ(text, self->a.msg);
	EXPECT_EQ(off, self->a.offs);
	EXPECT_EQ(-EINVAL, bundle_add(self, 100, 100, KRTP_BUNDLE_PT_LEN, KRTP_FLOW_F_STRICT_RTP,
				      false, &off));
	snprintf(text, sizeof(text), "krtp: flags differ from those of the bundle of flow %u", first);
	EXPECT_STREQ(text, self->a.msg);
	/* a plain flow on a bundle's endpoint */
	struct knl_ack g;

	EXPECT_EQ(-EEXIST, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &g));
	EXPECT_STREQ("krtp: a flow for 10.0.0.1:4000 exists", g.msg);

	/* sixteen at most */
	for (unsigned int pt = 0; pt < KRTP_BUNDLE_MAX - 1; pt++)
		ASSERT_EQ(0, bundle_add(self, pt, pt, KRTP_BUNDLE_PT_LEN, 0, false, NULL));
	EXPECT_EQ(-E2BIG, bundle_add(self, 120, 120, KRTP_BUNDLE_PT_LEN, 0, false, &off));
	EXPECT_STREQ("krtp: the bundle has 16 flows, the most it may", self->a.msg);
	EXPECT_EQ(off, self->a.offs);

	/* a bundle on a plain flow's endpoint */
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4002, "192.0.2.1", 5000, &g));
	struct nlattr *nest;
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	uint8_t set[KRTP_BUNDLE_PT_LEN];

	pt_set(set, 0, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4002);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	mnl_attr_put(nlh, KRTP_A_FLOW_BUNDLE_PT, sizeof(set), set);
	EXPECT_EQ(-EEXIST, flow_new_end(&self->k, nlh, nest, &self->a));
	snprintf(text, sizeof(text), "krtp: flow %u has the local endpoint, without a bundle", g.id);
	EXPECT_STREQ(text, self->a.msg);
}

/* one more flow nest, 10.0.0.1:port, a bundle's of types lo..hi if lo <= hi */
static void put_flow(struct nlmsghdr *nlh, uint16_t port, unsigned int lo, unsigned int hi,
		     long long *off)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	uint8_t set[KRTP_BUNDLE_PT_LEN];

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", port);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	if (off)
		*off = knl_tail_off(nlh);
	if (lo <= hi) {
		pt_set(set, lo, hi);
		mnl_attr_put(nlh, KRTP_A_FLOW_BUNDLE_PT, sizeof(set), set);
	}
	mnl_attr_nest_end(nlh, nest);
}

/*
 * A bundle's flows in one request, as krtpd installs a browser's audio and
 * video (krtp.ko publishes them together), with a plain flow after them;
 * then a request whose third flow of a bundle is refused: the two before
 * it stay, in one bundle, and the refusal points into the third nest.
 */
TEST_F(krtp, one_request)
{
	struct dump_count d = { 0 };
	struct knl_ack g;
	long long off;
	char text[128];
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);

	put_flow(nlh, 4010, 0, 8, NULL);
	put_flow(nlh, 4010, 96, 127, NULL);
	put_flow(nlh, 4012, 1, 0, NULL);
	ASSERT_EQ(0, knl_xfer(&self->k, nlh, &self->a));
	ASSERT_EQ(0, dump(&self->k, &d, &g));
	EXPECT_EQ(3, d.n);

	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	put_flow(nlh, 4014, 0, 8, NULL);
	put_flow(nlh, 4014, 96, 127, NULL);
	put_flow(nlh, 4014, 8, 9, &off);
	put_flow(nlh, 4016, 1, 0, NULL);
	EXPECT_EQ(-EEXIST, knl_xfer(&self->k, nlh, &self->a));
	snprintf(text, sizeof(text), "krtp: payload type 8 is already in flow %u of the bundle",
		 self->a.id - 1);
	EXPECT_STREQ(text, self->a.msg);
	EXPECT_EQ(off, self->a.offs);
	ASSERT_EQ(0, dump(&self->k, &d, &g));
	EXPECT_EQ(5, d.n);

	/* both bundles were published: a flow of a type of theirs is refused */
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	put_flow(nlh, 4010, 100, 100, NULL);
	EXPECT_EQ(-EEXIST, knl_xfer(&self->k, nlh, &self->a));
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	put_flow(nlh, 4014, 9, 9, NULL);
	EXPECT_EQ(0, knl_xfer(&self->k, nlh, &self->a));
	ASSERT_EQ(0, dump(&self->k, &d, &g));
	EXPECT_EQ(6, d.n);
}

TEST_HARNESS_MAIN
