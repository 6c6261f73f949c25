// SPDX-License-Identifier: GPL-2.0
/*
 * The krtp netlink API: SRTP contexts in FLOW_NEW, keys that are never
 * read back, and what is refused. Run as root with krtp.ko loaded; skipped
 * when it is not. Each rejection is checked for its errno, its extack
 * text, and where the kernel reports one, the offset of the offending
 * attribute or the missing attribute and its nest.
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

/* ---- SRTP contexts ---- */

static const uint8_t srtp_key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t srtp_salt[14] = { 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34 };

/*
 * An SRTP_IN nest; a length of -1 leaves the attribute out. The offset of
 * the attribute named by off_of (0: none) lands in *off.
 */
static void put_srtp(struct nlmsghdr *nlh, uint16_t type, uint32_t suite, int key_len,
		     int salt_len, long long window, uint16_t off_of, long long *off)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	uint8_t big[32] = { 0 };

	memcpy(big, srtp_key, sizeof(srtp_key));
	if (off_of == KRTP_A_SRTP_SUITE)
		*off = knl_tail_off(nlh);
	mnl_attr_put_u32(nlh, KRTP_A_SRTP_SUITE, suite);
	if (off_of == KRTP_A_SRTP_MASTER_KEY)
		*off = knl_tail_off(nlh);
	if (key_len >= 0)
		mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_KEY, key_len, big);
	memcpy(big, srtp_salt, sizeof(srtp_salt));
	if (off_of == KRTP_A_SRTP_MASTER_SALT)
		*off = knl_tail_off(nlh);
	if (salt_len >= 0)
		mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_SALT, salt_len, big);
	if (off_of == KRTP_A_SRTP_REPLAY_WINDOW)
		*off = knl_tail_off(nlh);
	if (window >= 0)
		mnl_attr_put_u32(nlh, KRTP_A_SRTP_REPLAY_WINDOW, window);
	mnl_attr_nest_end(nlh, nest);
}

/* what a reply says about its flow's SRTP nests */
struct srtp_seen {
	uint32_t in_suite, out_suite;
	unsigned int rocs;		/* ROC attributes, one a direction */
	unsigned int srtcp_indexes;	/* SRTCP index attributes: OUT only */
	unsigned int other_attrs;	/* anything else: key material */
};

static void srtp_seen_nest(const struct nlattr *nest, uint32_t *suite, struct srtp_seen *s)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == KRTP_A_SRTP_SUITE)
			*suite = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == KRTP_A_SRTP_ROC && !mnl_attr_get_u32(a))
			s->rocs++;
		else if (mnl_attr_get_type(a) == KRTP_A_SRTP_SRTCP_INDEX && !mnl_attr_get_u32(a))
			s->srtcp_indexes++;
		else
			s->other_attrs++;
	}
}

static void srtp_seen_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *top, *a;
	struct srtp_seen *s = arg;

	mnl_attr_for_each(top, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(top) != KRTP_A_FLOW)
			continue;
		mnl_attr_for_each_nested(a, top) {
			if (mnl_attr_get_type(a) == KRTP_A_FLOW_SRTP_IN)
				srtp_seen_nest(a, &s->in_suite, s);
			else if (mnl_attr_get_type(a) == KRTP_A_FLOW_SRTP_OUT)
				srtp_seen_nest(a, &s->out_suite, s);
		}
	}
}

/*
 * keys go in; only the suites come back, in replies and in dumps, with
 * where each context stands: ROC 0 before any packet, SRTCP index 0 (out)
 */
TEST_F(krtp, srtp_keys_write_only)
{
	struct srtp_seen seen = { 0 };
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off;
	uint32_t id;

	put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, 16, 14, 64,
		 0, &off);
	put_srtp(nlh, KRTP_A_FLOW_SRTP_OUT, KRTP_SRTP_SUITE_AEAD_AES_128_GCM, 16, 12, -1, 0, &off);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	id = self->a.id;

	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, id);
	mnl_attr_nest_end(nlh, nest);
	knl_ack_init(&self->a);
	ASSERT_EQ(0, knl_xfer_cb(&self->k, nlh, &self->a, srtp_seen_cb, &seen));
	EXPECT_EQ(KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, seen.in_suite);
	EXPECT_EQ(KRTP_SRTP_SUITE_AEAD_AES_128_GCM, seen.out_suite);
	EXPECT_EQ(2, seen.rocs);
	EXPECT_EQ(1, seen.srtcp_indexes);
	EXPECT_EQ(0, seen.other_attrs);

	memset(&seen, 0, sizeof(seen));
	ASSERT_EQ(0, knl_xfer_cb(&self->k, knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET,
						   NLM_F_DUMP), &self->a, srtp_seen_cb, &seen));
	EXPECT_EQ(KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, seen.in_suite);
	EXPECT_EQ(0, seen.other_attrs);
}

/*
 * FLOW_NEW with one SRTP nest (put_srtp's arguments) must fail with err,
 * the extack text (NULL: not checked) and its offset at attribute bad
 */
#define REFUSED(dir, suite, key_len, salt_len, window, bad, err, text) do {		\
	struct nlattr *_nest;								\
	struct nlmsghdr *_nlh = flow_new_start(&self->k, self->buf, &_nest);		\
	long long _off;									\
											\
	put_srtp(_nlh, dir, suite, key_len, salt_len, window, bad, &_off);		\
	ASSERT_EQ(err, flow_new_end(&self->k, _nlh, _nest, &self->a));			\
	if (text)									\
		EXPECT_STREQ((const char *)(text), self->a.msg);			\
	EXPECT_EQ(_off, self->a.offs);							\
} while (0)

#define CM80 KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80
#define GCM KRTP_SRTP_SUITE_AEAD_AES_128_GCM

TEST_F(krtp, srtp_key_wrong_len)
{
	REFUSED(KRTP_A_FLOW_SRTP_IN, CM80, 15, 14, -1, KRTP_A_SRTP_MASTER_KEY, -ERANGE,
		"binary attribute size out of range");
	REFUSED(KRTP_A_FLOW_SRTP_OUT, CM80, 32, 14, -1, KRTP_A_SRTP_MASTER_KEY, -ERANGE, NULL);
}

TEST_F(krtp, srtp_salt_wrong_len)
{
	/* within 12..14 the policy passes it; the suite decides */
	REFUSED(KRTP_A_FLOW_SRTP_IN, CM80, 16, 12, -1, KRTP_A_SRTP_MASTER_SALT, -EINVAL,
		"krtp: srtp in master salt is 12 bytes, the suite needs 14");
	REFUSED(KRTP_A_FLOW_SRTP_OUT, GCM, 16, 14, -1, KRTP_A_SRTP_MASTER_SALT, -EINVAL,
		"krtp: srtp out master salt is 14 bytes, the suite needs 12");
	REFUSED(KRTP_A_FLOW_SRTP_IN, GCM, 16, 11, -1, KRTP_A_SRTP_MASTER_SALT, -ERANGE,
		"binary attribute size out of range");
}

TEST_F(krtp, srtp_unknown_suite)
{
	REFUSED(KRTP_A_FLOW_SRTP_IN, 4, 16, 14, -1, KRTP_A_SRTP_SUITE, -ERANGE,
		"integer out of range");
	REFUSED(KRTP_A_FLOW_SRTP_IN, 0, 16, 14, -1, KRTP_A_SRTP_SUITE, -ERANGE, NULL);
}

TEST_F(krtp, srtp_window_out_of_range)
{
	static const long long bad[] = { 0, 1, KRTP_SRTP_REPLAY_WINDOW_MIN - 1,
					 KRTP_SRTP_REPLAY_WINDOW_MAX + 1, 0xffffffffLL };

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		REFUSED(KRTP_A_FLOW_SRTP_IN, CM80, 16, 14, bad[i], KRTP_A_SRTP_REPLAY_WINDOW,
			-ERANGE, "integer out of range");
}

TEST_F(krtp, srtp_missing_key)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off;

	put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, -1, 14, -1,
		 0, &off);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: srtp in has no master key", self->a.msg);
	EXPECT_EQ(KRTP_A_SRTP_MASTER_KEY, self->a.miss_type);

	nlh = flow_new_start(&self->k, self->buf, &nest);
	put_srtp(nlh, KRTP_A_FLOW_SRTP_OUT, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, 16, -1, -1,
		 0, &off);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: srtp out has no master salt", self->a.msg);
	EXPECT_EQ(KRTP_A_SRTP_MASTER_SALT, self->a.miss_type);
}

/*
 * KRTP_A_SRTP_STREAM: the streams of a replaced flow, each with its ROC.
 * n streams of SSRC 0x100 + ssrc[i] and ROC 7 + i in an SRTP_IN nest;
 * no_roc leaves the last one's ROC out. *off: the last stream's offset.
 */
static int streams_add(FIXTURE_DATA(krtp) *self, const uint32_t *ssrc, int n, bool no_roc,
		       long long *off)
{
	struct nlattr *nest, *srtp, *st;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);

	srtp = mnl_attr_nest_start(nlh, KRTP_A_FLOW_SRTP_IN);
	mnl_attr_put_u32(nlh, KRTP_A_SRTP_SUITE, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80);
	mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_KEY, sizeof(srtp_key), srtp_key);
	mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_SALT, sizeof(srtp_salt), srtp_salt);
	for (int i = 0; i < n; i++) {
		*off = knl_tail_off(nlh);
		st = mnl_attr_nest_start(nlh, KRTP_A_SRTP_STREAM);
		mnl_attr_put_u32(nlh, KRTP_A_SRTP_STREAM_SSRC, 0x100 + ssrc[i]);
		if (!no_roc || i < n - 1)
			mnl_attr_put_u32(nlh, KRTP_A_SRTP_STREAM_ROC, 7 + i);
		mnl_attr_nest_end(nlh, st);
	}
	mnl_attr_nest_end(nlh, srtp);
	return flow_new_end(&self->k, nlh, nest, &self->a);
}

/* the STREAM nests of a reply: SSRC and ROC of each */
struct streams_seen {
	uint32_t ssrc[8], roc[8];
	int n;
};

static int streams_stream_cb(const struct nlattr *attr, void *data)
{
	struct streams_seen *s = data;

	if (mnl_attr_get_type(attr) == KRTP_A_SRTP_STREAM_SSRC)
		s->ssrc[s->n] = mnl_attr_get_u32(attr);
	if (mnl_attr_get_type(attr) == KRTP_A_SRTP_STREAM_ROC)
		s->roc[s->n] = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int streams_srtp_cb(const struct nlattr *attr, void *data)
{
	struct streams_seen *s = data;

	if (mnl_attr_get_type(attr) == KRTP_A_SRTP_STREAM && s->n < 8) {
		mnl_attr_parse_nested(attr, streams_stream_cb, s);
		s->n++;
	}
	return MNL_CB_OK;
}

static int streams_flow_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == KRTP_A_FLOW_SRTP_IN)
		mnl_attr_parse_nested(attr, streams_srtp_cb, data);
	return MNL_CB_OK;
}

static int streams_top_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == KRTP_A_FLOW)
		mnl_attr_parse_nested(attr, streams_flow_cb, data);
	return MNL_CB_OK;
}

static void streams_msg(const struct nlmsghdr *nlh, void *arg)
{
	mnl_attr_parse(nlh, GENL_HDRLEN, streams_top_cb, arg);
}

TEST_F(krtp, srtp_streams)
{
	static const uint32_t two[] = { 1, 2 }, five[] = { 1, 2, 3, 4, 5 }, twice[] = { 1, 1 };
	struct streams_seen seen = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct knl_ack g;
	long long off;

	/* accepted, and reported before any packet: where each stream will go on */
	ASSERT_EQ(0, streams_add(self, two, 2, false, &off));
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, self->a.id);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, knl_xfer_cb(&self->k, nlh, &g, streams_msg, &seen));
	ASSERT_EQ(2, seen.n);
	EXPECT_EQ(0x101, seen.ssrc[0]);
	EXPECT_EQ(7, seen.roc[0]);
	EXPECT_EQ(0x102, seen.ssrc[1]);
	EXPECT_EQ(8, seen.roc[1]);
	ASSERT_EQ(0, knl_flush(&self->k));

	EXPECT_EQ(-E2BIG, streams_add(self, five, 5, false, &off));
	EXPECT_STREQ("krtp: more srtp streams than a context follows", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
	EXPECT_EQ(-EINVAL, streams_add(self, twice, 2, false, &off));
	EXPECT_STREQ("krtp: srtp stream ssrc given twice", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
	EXPECT_EQ(-EINVAL, streams_add(self, two, 2, true, &off));
	EXPECT_STREQ("krtp: srtp in stream needs an ssrc and a roc", self->a.msg);
	EXPECT_EQ(KRTP_A_SRTP_STREAM_ROC, self->a.miss_type);
	EXPECT_EQ(off, self->a.miss_nest);
}

TEST_HARNESS_MAIN
