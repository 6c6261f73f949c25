/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the krtp netlink API tests share: the fixture (a network namespace
 * of its own, so each test starts with no flows), a FLOW_NEW of one flow
 * 10.0.0.1:4000 -> 192.0.2.1:5000 to add attributes to, and a dump that
 * counts flows and checks each id comes once. Each test_*.c is a program
 * of its own, so these are static in each.
 */
#ifndef KRTP_TEST_API_FLOWS_H
#define KRTP_TEST_API_FLOWS_H

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness.h"
#include "knl.h"

FIXTURE(krtp) {
	struct knl k;
	char buf[8192];
	struct knl_ack a;
};

FIXTURE_SETUP(krtp)
{
	int err;

	/* every test has a namespace of its own, so it starts with no flows */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	err = knl_open(&self->k);
	if (err == -ENOENT)
		SKIP(return, "krtp.ko is not loaded");
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, knl_flush(&self->k));
}

FIXTURE_TEARDOWN(krtp)
{
	if (self->k.sock)
		knl_flush(&self->k);
	knl_close(&self->k);
}

/* Start FLOW_NEW 10.0.0.1:4000 -> 192.0.2.1:5000 inside an open FLOW nest */
static inline struct nlmsghdr *flow_new_start(struct knl *k, char *buf, struct nlattr **nest)
{
	struct nlmsghdr *nlh = knl_msg(k, buf, KRTP_CMD_FLOW_NEW, 0);

	*nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	return nlh;
}

/*
 * An SRTP-in nest (AES_CM_128_HMAC_SHA1_80, a fixed key): FLOW_NEW then
 * leaves the flow to the policy walk, not its fast check
 */
static inline void flow_put_srtp_in(struct nlmsghdr *nlh)
{
	static const uint8_t key[KRTP_SRTP_MASTER_KEY_LEN] = { 1 };
	static const uint8_t salt[KRTP_SRTP_MASTER_SALT_LEN] = { 2 };
	struct nlattr *n = mnl_attr_nest_start(nlh, KRTP_A_FLOW_SRTP_IN);

	mnl_attr_put_u32(nlh, KRTP_A_SRTP_SUITE, KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80);
	mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_KEY, sizeof(key), key);
	mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_SALT, sizeof(salt), salt);
	mnl_attr_nest_end(nlh, n);
}

static inline int flow_new_end(struct knl *k, struct nlmsghdr *nlh, struct nlattr *nest,
				   struct knl_ack *a)
{
	mnl_attr_nest_end(nlh, nest);
	return knl_xfer(k, nlh, a);
}

/* Number of flows in a dump, and whether each id was unique */
struct dump_count {
	unsigned int n;
	uint32_t max_id;
	bool dup;
	unsigned char *seen;	/* by id, up to seen_len */
	size_t seen_len;
};

static inline void dump_count_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_count *d = arg;
	uint32_t id = knl_flow_id(nlh);

	d->n++;
	if (id > d->max_id)
		d->max_id = id;
	if (d->seen && id < d->seen_len) {
		d->dup |= d->seen[id];
		d->seen[id] = 1;
	}
}

static inline int dump(struct knl *k, struct dump_count *d, struct knl_ack *a)
{
	char buf[8192];

	d->n = 0;
	d->max_id = 0;
	d->dup = false;
	return knl_xfer_cb(k, knl_msg(k, buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP), a, dump_count_cb, d);
}

#endif
