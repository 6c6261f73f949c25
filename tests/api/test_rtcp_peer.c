// SPDX-License-Identifier: GPL-2.0
/*
 * KRTP_A_FLOW_RTCP_PEER and KRTP_A_FLOW_RTCP_VIA in FLOW_NEW: accepted,
 * read back by GET and dump, and every bad value refused with its errno,
 * extack text and offset, both where FLOW_NEW's fast check would take the
 * nest and where the policy walk does (an SRTP nest sends the whole flow
 * that way).
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

/*
 * The RTCP peer's and RTCP via's ports as a GET reply or dump entry
 * carries them (0: none), and in a dump how many flows had an RTCP via
 */
struct rtcp_ports {
	uint16_t peer, via;
	unsigned int nvia;
};

static int ep_port_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == KRTP_A_EP_PORT && mnl_attr_get_payload_len(attr) == 2)
		*(uint16_t *)data = ntohs(mnl_attr_get_u16(attr));
	return MNL_CB_OK;
}

static int flow_cb(const struct nlattr *attr, void *data)
{
	struct rtcp_ports *p = data;

	if (mnl_attr_get_type(attr) == KRTP_A_FLOW_RTCP_PEER)
		mnl_attr_parse_nested(attr, ep_port_cb, &p->peer);
	if (mnl_attr_get_type(attr) == KRTP_A_FLOW_RTCP_VIA) {
		mnl_attr_parse_nested(attr, ep_port_cb, &p->via);
		p->nvia++;
	}
	return MNL_CB_OK;
}

static int top_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == KRTP_A_FLOW)
		mnl_attr_parse_nested(attr, flow_cb, data);
	return MNL_CB_OK;
}

static void rtcp_port_msg(const struct nlmsghdr *nlh, void *arg)
{
	mnl_attr_parse(nlh, GENL_HDRLEN, top_cb, arg);
}

static int get_rtcp_ports(struct knl *k, uint32_t id, struct rtcp_ports *p, struct knl_ack *a)
{
	char buf[512];
	struct nlmsghdr *nlh = knl_msg(k, buf, KRTP_CMD_FLOW_GET, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, id);
	mnl_attr_nest_end(nlh, nest);
	memset(p, 0, sizeof(*p));
	return knl_xfer_cb(k, nlh, a, rtcp_port_msg, p);
}

static int get_rtcp_port(struct knl *k, uint32_t id, uint16_t *port, struct knl_ack *a)
{
	struct rtcp_ports p;
	int err = get_rtcp_ports(k, id, &p, a);

	*port = p.peer;
	return err;
}

/*
 * A FLOW_NEW refused for one endpoint nest: flow_new_start()'s flow, an
 * SRTP-in nest when srtp (the policy walks the flow instead of the fast
 * check), the RTCP peer 192.0.2.1:5001 first when the nest under test is
 * the RTCP via (with_peer), then the nest: knl_put_ep()'s, or with raw set
 * a nest holding an IPv4 address and the raw attribute (type, u16 or u32
 * value) instead. err and text must come back, and the error points at the
 * nest (a missing port: the nest is the missing attribute's) or, with raw,
 * at the raw attribute.
 */
struct ep_case {
	bool srtp, with_peer;
	uint16_t type;
	const char *addr;
	uint16_t port;
	uint16_t raw;		/* 0: none */
	bool raw_u32;
	int err;
	const char *text;
};

#define EP_REFUSED(...) ep_refused(_metadata, self, &(const struct ep_case){ __VA_ARGS__ })

static void ep_refused(struct __test_metadata *_metadata, FIXTURE_DATA(krtp) *self,
		       const struct ep_case *c)
{
	struct in_addr a4 = { htonl(0xc0000207) };
	struct nlattr *nest, *ep;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off;

	if (c->srtp)
		flow_put_srtp_in(nlh);
	if (c->with_peer)
		knl_put_ep(nlh, KRTP_A_FLOW_RTCP_PEER, "192.0.2.1", 5001);
	off = knl_tail_off(nlh);
	if (c->raw) {
		ep = mnl_attr_nest_start(nlh, c->type);
		mnl_attr_put(nlh, KRTP_A_EP_IPV4, sizeof(a4), &a4);
		off = knl_tail_off(nlh);
		if (c->raw_u32)
			mnl_attr_put_u32(nlh, c->raw, 1);
		else
			mnl_attr_put_u16(nlh, c->raw, 0);
		mnl_attr_nest_end(nlh, ep);
	} else {
		knl_put_ep(nlh, c->type, c->addr, c->port);
	}
	ASSERT_EQ(c->err, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ(c->text, self->a.msg);
	if (!c->raw && !c->port) {
		EXPECT_EQ(KRTP_A_EP_PORT, self->a.miss_type);
		EXPECT_EQ(off, self->a.miss_nest);
	} else {
		EXPECT_EQ(off, self->a.offs);
	}
}

/* accepted on the fast path and on the policy's; GET and dump give it back */
TEST_F(krtp, accepted_and_read_back)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	struct knl_ack g;
	uint16_t port;
	uint32_t id;

	knl_put_ep(nlh, KRTP_A_FLOW_RTCP_PEER, "192.0.2.1", 5001);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	id = self->a.id;
	ASSERT_EQ(0, get_rtcp_port(&self->k, id, &port, &g));
	EXPECT_EQ(5001, port);

	/* the same with SRTP: the policy's walk, not the fast check */
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4002);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	knl_put_ep(nlh, KRTP_A_FLOW_RTCP_PEER, "192.0.2.7", 6001);
	flow_put_srtp_in(nlh);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	ASSERT_EQ(0, get_rtcp_port(&self->k, self->a.id, &port, &g));
	EXPECT_EQ(6001, port);

	/* a flow without one reports none */
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4004, "192.0.2.1", 5000, &self->a));
	ASSERT_EQ(0, get_rtcp_port(&self->k, self->a.id, &port, &g));
	EXPECT_EQ(0, port);
}

/* the policy checks inside the nest on both paths: a zero port, an unknown attribute */
TEST_F(krtp, port_zero)
{
	for (int srtp = 0; srtp < 2; srtp++)
		EP_REFUSED(.srtp = srtp, .type = KRTP_A_FLOW_RTCP_PEER, .raw = KRTP_A_EP_PORT,
			   .err = -ERANGE, .text = "integer out of range");
}

TEST_F(krtp, unknown_ep_attribute)
{
	EP_REFUSED(.type = KRTP_A_FLOW_RTCP_PEER, .raw = KRTP_A_EP_MAX + 1, .raw_u32 = true,
		   .err = -EINVAL, .text = "Unknown attribute type");
}

/* what spans attributes: krtp.ko's own checks */
TEST_F(krtp, refused)
{
	EP_REFUSED(.type = KRTP_A_FLOW_RTCP_PEER, .addr = "192.0.2.1", .port = 0,
		   .err = -EINVAL, .text = "krtp: rtcp peer endpoint has no port");
	EP_REFUSED(.type = KRTP_A_FLOW_RTCP_PEER, .addr = "fd00::2", .port = 5001,
		   .err = -EAFNOSUPPORT, .text = "krtp: rtcp peer address family differs from peer");
	EP_REFUSED(.type = KRTP_A_FLOW_RTCP_PEER, .addr = "0.0.0.0", .port = 5001,
		   .err = -EINVAL, .text = "krtp: rtcp peer address must not be unspecified");
	EP_REFUSED(.type = KRTP_A_FLOW_RTCP_PEER, .addr = "10.0.0.1", .port = 4000,
		   .err = -EINVAL, .text = "krtp: rtcp peer is the local endpoint itself");
}

/* an rtcp-only flow's peer is the RTCP port already */
TEST_F(krtp, on_rtcp_flow)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off;

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_FLAGS, KRTP_FLOW_F_RTCP);
	off = knl_tail_off(nlh);
	knl_put_ep(nlh, KRTP_A_FLOW_RTCP_PEER, "192.0.2.1", 5001);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: an rtcp flow sends all to its peer: no rtcp peer", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/*
 * KRTP_A_FLOW_RTCP_VIA: the source of what goes to the RTCP peer. Read
 * back by GET and dump on both paths; absent where it was not given.
 */
TEST_F(krtp, rtcp_via_read_back)
{
	struct rtcp_ports p, d;
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	struct knl_ack g;

	knl_put_ep(nlh, KRTP_A_FLOW_RTCP_PEER, "192.0.2.1", 5001);
	knl_put_ep(nlh, KRTP_A_FLOW_RTCP_VIA, "10.0.0.1", 4001);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	ASSERT_EQ(0, get_rtcp_ports(&self->k, self->a.id, &p, &g));
	EXPECT_EQ(5001, p.peer);
	EXPECT_EQ(4001, p.via);

	/* the policy's walk */
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4002);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	knl_put_ep(nlh, KRTP_A_FLOW_VIA, "10.0.0.2", 4010);
	knl_put_ep(nlh, KRTP_A_FLOW_RTCP_PEER, "192.0.2.7", 6001);
	knl_put_ep(nlh, KRTP_A_FLOW_RTCP_VIA, "10.0.0.2", 4011);
	flow_put_srtp_in(nlh);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	ASSERT_EQ(0, get_rtcp_ports(&self->k, self->a.id, &p, &g));
	EXPECT_EQ(6001, p.peer);
	EXPECT_EQ(4011, p.via);

	/* an RTCP peer without one: RTCP leaves from via, and none is reported */
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4004);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	knl_put_ep(nlh, KRTP_A_FLOW_RTCP_PEER, "192.0.2.1", 5001);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	ASSERT_EQ(0, get_rtcp_ports(&self->k, self->a.id, &p, &g));
	EXPECT_EQ(5001, p.peer);
	EXPECT_EQ(0, p.via);
	EXPECT_EQ(0, p.nvia);

	/* a dump carries it for the two flows that have one */
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
	memset(&d, 0, sizeof(d));
	ASSERT_EQ(0, knl_xfer_cb(&self->k, nlh, &g, rtcp_port_msg, &d));
	EXPECT_EQ(2, d.nvia);
}

/* the policy checks inside the nest on both paths; krtp.ko's own checks */
TEST_F(krtp, rtcp_via_refused)
{
	static const char *const not_unicast[] = { "0.0.0.0", "224.0.0.1", "255.255.255.255" };

	for (int srtp = 0; srtp < 2; srtp++) {
		EP_REFUSED(.srtp = srtp, .with_peer = true, .type = KRTP_A_FLOW_RTCP_VIA,
			   .raw = KRTP_A_EP_PORT, .err = -ERANGE, .text = "integer out of range");
		EP_REFUSED(.srtp = srtp, .type = KRTP_A_FLOW_RTCP_VIA, .addr = "10.0.0.1",
			   .port = 4001, .err = -EINVAL, .text = "krtp: rtcp via without an rtcp peer");
	}
	EP_REFUSED(.with_peer = true, .type = KRTP_A_FLOW_RTCP_VIA, .raw = KRTP_A_EP_MAX + 1,
		   .raw_u32 = true, .err = -EINVAL, .text = "Unknown attribute type");
	EP_REFUSED(.with_peer = true, .type = KRTP_A_FLOW_RTCP_VIA, .addr = "10.0.0.1",
		   .port = 0, .err = -EINVAL, .text = "krtp: rtcp via endpoint has no port");
	EP_REFUSED(.with_peer = true, .type = KRTP_A_FLOW_RTCP_VIA, .addr = "fd00::1",
		   .port = 4001, .err = -EAFNOSUPPORT,
		   .text = "krtp: rtcp via address family differs from peer");
	for (unsigned int i = 0; i < sizeof(not_unicast) / sizeof(not_unicast[0]); i++)
		EP_REFUSED(.with_peer = true, .type = KRTP_A_FLOW_RTCP_VIA, .addr = not_unicast[i],
			   .port = 4001, .err = -EINVAL,
			   .text = "krtp: rtcp via address must be a unicast address");
}

TEST_HARNESS_MAIN
