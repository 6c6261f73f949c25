// SPDX-License-Identifier: GPL-2.0
/*
 * A krtp flow on the wire and in text: endpoints, flows, SRTP contexts and
 * counters as netlink attributes (include/uapi/linux/krtp.h), and endpoints
 * as "ADDR:PORT" / "[ADDR6]:PORT". Part of the netlink client shared by
 * krtpd and krtpctl (nl.c has the sockets and requests).
 *
 * Parsing is lenient the other way round from the kernel: attributes a
 * newer kernel adds are skipped, and a counter it leaves out reads 0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "nl_internal.h"

int nl_tb_cb(const struct nlattr *attr, void *data)
{
	const struct nl_tb *t = data;
	unsigned int type = mnl_attr_get_type(attr);

	/* newer kernels may add attributes: skip what we do not know */
	if (type > 0 && type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

int nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned int max)
{
	struct nl_tb t = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	return mnl_attr_parse_nested(nest, nl_tb_cb, &t) < 0 ? -EPROTO : 0;
}

bool nl_has(const struct nlattr *attr, size_t len)
{
	return attr && mnl_attr_get_payload_len(attr) == len;
}

/*
 * mnl_attr_put() and mnl_attr_nest_start()/_end(), inline, for the
 * attributes of a flow: a FLOW_NEW request has about fifteen a flow, and
 * the library's out-of-line calls were a tenth of a batched install. The
 * same bytes: nlmsg_len stays aligned, padding is zeroed, nests carry
 * NLA_F_NESTED.
 */
static inline struct nlattr *nl_attr_reserve(struct nlmsghdr *nlh, uint16_t type, size_t len)
{
	struct nlattr *attr = (struct nlattr *)((char *)nlh + nlh->nlmsg_len);

	attr->nla_type = type;
	attr->nla_len = MNL_ATTR_HDRLEN + len;
	nlh->nlmsg_len += MNL_ALIGN(attr->nla_len);
	return attr;
}

static inline void nl_attr_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data)
{
	char *payload = (char *)nl_attr_reserve(nlh, type, len) + MNL_ATTR_HDRLEN;

	memcpy(payload, data, len);
	memset(payload + len, 0, MNL_ALIGN(len) - len);
}

static inline struct nlattr *nl_nest_start(struct nlmsghdr *nlh, uint16_t type)
{
	return nl_attr_reserve(nlh, NLA_F_NESTED | type, 0);
}

static inline void nl_nest_end(struct nlmsghdr *nlh, struct nlattr *nest)
{
	nest->nla_len = (char *)nlh + nlh->nlmsg_len - (char *)nest;
}

void nl_put_ep(struct nlmsghdr *nlh, uint16_t type, const struct krtp_ep *ep)
{
	struct nlattr *nest = nl_nest_start(nlh, type);

	if (ep->family == AF_INET)
		nl_attr_put(nlh, KRTP_A_EP_IPV4, sizeof(ep->addr.v4), &ep->addr.v4);
	else if (ep->family == AF_INET6)
		nl_attr_put(nlh, KRTP_A_EP_IPV6, sizeof(ep->addr.v6), &ep->addr.v6);
	if (ep->port) {
		uint16_t port = htons(ep->port);

		nl_attr_put(nlh, KRTP_A_EP_PORT, sizeof(port), &port);
	}
	nl_nest_end(nlh, nest);
}

/* An SRTP context: suite, master key and salt (about 60 bytes) */
static void nl_put_srtp(struct nlmsghdr *nlh, uint16_t type, const struct krtp_srtp *c)
{
	struct nlattr *nest;

	if (!c->suite)
		return;
	nest = mnl_attr_nest_start(nlh, type);
	mnl_attr_put_u32(nlh, KRTP_A_SRTP_SUITE, c->suite);
	mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_KEY, sizeof(c->key), c->key);
	mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_SALT, c->salt_len, c->salt);
	if (c->roc)
		mnl_attr_put_u32(nlh, KRTP_A_SRTP_ROC, c->roc);
	if (c->srtcp_index && type == KRTP_A_FLOW_SRTP_OUT)
		mnl_attr_put_u32(nlh, KRTP_A_SRTP_SRTCP_INDEX, c->srtcp_index);
	for (unsigned int i = 0; i < c->nstreams && i < KRTP_SRTP_SSRC_MAX; i++) {
		struct nlattr *s = mnl_attr_nest_start(nlh, KRTP_A_SRTP_STREAM);

		mnl_attr_put_u32(nlh, KRTP_A_SRTP_STREAM_SSRC, c->streams[i].ssrc);
		mnl_attr_put_u32(nlh, KRTP_A_SRTP_STREAM_ROC, c->streams[i].roc);
		mnl_attr_nest_end(nlh, s);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* A FLOW_NEW request's attributes; at most NL_FLOW_MSG_MAX bytes in all */
void nl_put_flow(struct nlmsghdr *nlh, const struct krtp_flow *f)
{
	struct nlattr *nest = nl_nest_start(nlh, KRTP_A_FLOW);

	nl_put_ep(nlh, KRTP_A_FLOW_LOCAL, &f->local);
	nl_put_ep(nlh, KRTP_A_FLOW_PEER, &f->peer);
	if (f->via.family)
		nl_put_ep(nlh, KRTP_A_FLOW_VIA, &f->via);
	if (f->source.family)
		nl_put_ep(nlh, KRTP_A_FLOW_SOURCE, &f->source);
	if (f->rtcp_peer.family)
		nl_put_ep(nlh, KRTP_A_FLOW_RTCP_PEER, &f->rtcp_peer);
	if (f->rtcp_via.family)
		nl_put_ep(nlh, KRTP_A_FLOW_RTCP_VIA, &f->rtcp_via);
	if (f->flags)
		nl_attr_put(nlh, KRTP_A_FLOW_FLAGS, sizeof(f->flags), &f->flags);
	if (f->bundle)
		nl_attr_put(nlh, KRTP_A_FLOW_BUNDLE_PT, sizeof(f->bundle_pt), f->bundle_pt);
	if (f->label_len)
		nl_attr_put(nlh, KRTP_A_FLOW_LABEL, f->label_len, f->label);
	if (f->idle_timeout)
		nl_attr_put(nlh, KRTP_A_FLOW_IDLE_TIMEOUT, sizeof(f->idle_timeout),
			    &f->idle_timeout);
	if (f->idle_delete)
		nl_attr_reserve(nlh, KRTP_A_FLOW_IDLE_DELETE, 0);	/* a flag */
	if (f->clock_rate)
		nl_attr_put(nlh, KRTP_A_FLOW_CLOCK_RATE, sizeof(f->clock_rate), &f->clock_rate);
	nl_put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, &f->srtp_in);
	nl_put_srtp(nlh, KRTP_A_FLOW_SRTP_OUT, &f->srtp_out);
	nl_nest_end(nlh, nest);
}

static int nl_parse_ep(const struct nlattr *nest, struct krtp_ep *ep)
{
	const struct nlattr *tb[KRTP_A_EP_MAX + 1];

	memset(ep, 0, sizeof(*ep));
	if (nl_parse_nested(nest, tb, KRTP_A_EP_MAX))
		return -EPROTO;
	if (nl_has(tb[KRTP_A_EP_IPV4], sizeof(ep->addr.v4))) {
		ep->family = AF_INET;
		memcpy(&ep->addr.v4, mnl_attr_get_payload(tb[KRTP_A_EP_IPV4]), sizeof(ep->addr.v4));
	} else if (nl_has(tb[KRTP_A_EP_IPV6], sizeof(ep->addr.v6))) {
		ep->family = AF_INET6;
		memcpy(&ep->addr.v6, mnl_attr_get_payload(tb[KRTP_A_EP_IPV6]), sizeof(ep->addr.v6));
	}
	if (nl_has(tb[KRTP_A_EP_PORT], sizeof(uint16_t)))
		ep->port = ntohs(mnl_attr_get_u16(tb[KRTP_A_EP_PORT]));
	return 0;
}

/* Copy a u64 counter; a counter the kernel left out reads 0 */
static uint64_t nl_u64(const struct nlattr *attr)
{
	return nl_has(attr, sizeof(uint64_t)) ? mnl_attr_get_u64(attr) : 0;
}

static uint32_t nl_u32(const struct nlattr *attr)
{
	return nl_has(attr, sizeof(uint32_t)) ? mnl_attr_get_u32(attr) : 0;
}

int nl_parse_stats(const struct nlattr *nest, struct krtp_stats *st)
{
	const struct nlattr *tb[KRTP_A_STATS_MAX + 1];

	memset(st, 0, sizeof(*st));
	if (nl_parse_nested(nest, tb, KRTP_A_STATS_MAX))
		return -EPROTO;
	st->packets = nl_u64(tb[KRTP_A_STATS_PACKETS]);
	st->bytes = nl_u64(tb[KRTP_A_STATS_BYTES]);
	st->rtcp_packets = nl_u64(tb[KRTP_A_STATS_RTCP_PACKETS]);
	st->rtcp_bytes = nl_u64(tb[KRTP_A_STATS_RTCP_BYTES]);
	st->drop_wrong_source = nl_u64(tb[KRTP_A_STATS_DROP_WRONG_SOURCE]);
	st->drop_no_route = nl_u64(tb[KRTP_A_STATS_DROP_NO_ROUTE]);
	st->drop_not_rtp = nl_u64(tb[KRTP_A_STATS_DROP_NOT_RTP]);
	st->drop_other = nl_u64(tb[KRTP_A_STATS_DROP_OTHER]);
	st->packets_total = nl_u64(tb[KRTP_A_STATS_PACKETS_TOTAL]);
	st->srtp_auth_fail = nl_u64(tb[KRTP_A_STATS_SRTP_AUTH_FAIL]);
	st->srtp_replay = nl_u64(tb[KRTP_A_STATS_SRTP_REPLAY]);
	st->passed = nl_u64(tb[KRTP_A_STATS_PASSED]);
	st->idle_msecs = nl_u64(tb[KRTP_A_STATS_IDLE_MSECS]);
	st->rtp_lost = nl_u64(tb[KRTP_A_STATS_RTP_LOST]);
	st->rtp_duplicates = nl_u64(tb[KRTP_A_STATS_RTP_DUPLICATES]);
	st->rtp_reordered = nl_u64(tb[KRTP_A_STATS_RTP_REORDERED]);
	st->rtp_ssrc = nl_u32(tb[KRTP_A_STATS_RTP_SSRC]);
	st->rtp_jitter = nl_u32(tb[KRTP_A_STATS_RTP_JITTER]);
	st->rtp_jitter_usecs = nl_u32(tb[KRTP_A_STATS_RTP_JITTER_USECS]);
	if (nl_has(tb[KRTP_A_STATS_RTP_PT], sizeof(uint8_t)))
		st->rtp_pt = mnl_attr_get_u8(tb[KRTP_A_STATS_RTP_PT]);
	st->has_rtp = tb[KRTP_A_STATS_RTP_SSRC] || tb[KRTP_A_STATS_RTP_PT] ||
		      tb[KRTP_A_STATS_RTP_JITTER];
	st->flows = nl_u32(tb[KRTP_A_STATS_FLOWS]);
	return 0;
}

/* What replies and dumps say of an SRTP context: suite, ROC, SRTCP index, streams */
static void nl_parse_srtp(const struct nlattr *nest, struct krtp_srtp *c)
{
	const struct nlattr *tb[KRTP_A_SRTP_MAX + 1], *stb[KRTP_A_SRTP_STREAM_MAX + 1];
	const struct nlattr *a;

	memset(c, 0, sizeof(*c));
	if (!nest || nl_parse_nested(nest, tb, KRTP_A_SRTP_MAX))
		return;
	c->suite = nl_u32(tb[KRTP_A_SRTP_SUITE]);
	c->roc = nl_u32(tb[KRTP_A_SRTP_ROC]);
	c->srtcp_index = nl_u32(tb[KRTP_A_SRTP_SRTCP_INDEX]);
	/* several STREAM nests: the table above kept the last only */
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != KRTP_A_SRTP_STREAM || c->nstreams == KRTP_SRTP_SSRC_MAX ||
		    nl_parse_nested(a, stb, KRTP_A_SRTP_STREAM_MAX) ||
		    !nl_has(stb[KRTP_A_SRTP_STREAM_SSRC], sizeof(uint32_t)) ||
		    !nl_has(stb[KRTP_A_SRTP_STREAM_ROC], sizeof(uint32_t)))
			continue;
		c->streams[c->nstreams].ssrc = mnl_attr_get_u32(stb[KRTP_A_SRTP_STREAM_SSRC]);
		c->streams[c->nstreams++].roc = mnl_attr_get_u32(stb[KRTP_A_SRTP_STREAM_ROC]);
	}
}

/* Parse the top-level attributes of a krtp message (after the genl header) */
int nl_parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	struct nl_tb t = { tb, KRTP_A_MAX };

	memset(tb, 0, (KRTP_A_MAX + 1) * sizeof(*tb));
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return -EPROTO;
	return mnl_attr_parse(nlh, GENL_HDRLEN, nl_tb_cb, &t) < 0 ? -EPROTO : 0;
}

int nl_parse_flow(const struct nlmsghdr *nlh, struct krtp_flow *f)
{
	const struct nlattr *top[KRTP_A_MAX + 1];
	const struct nlattr *tb[KRTP_A_FLOW_MAX + 1];
	int err;

	memset(f, 0, sizeof(*f));
	err = nl_parse_top(nlh, top);
	if (err)
		return err;
	if (!top[KRTP_A_FLOW] || nl_parse_nested(top[KRTP_A_FLOW], tb, KRTP_A_FLOW_MAX))
		return -EPROTO;

	f->id = nl_u32(tb[KRTP_A_FLOW_ID]);
	if ((tb[KRTP_A_FLOW_LOCAL] && nl_parse_ep(tb[KRTP_A_FLOW_LOCAL], &f->local)) ||
	    (tb[KRTP_A_FLOW_PEER] && nl_parse_ep(tb[KRTP_A_FLOW_PEER], &f->peer)) ||
	    (tb[KRTP_A_FLOW_VIA] && nl_parse_ep(tb[KRTP_A_FLOW_VIA], &f->via)) ||
	    (tb[KRTP_A_FLOW_SOURCE] && nl_parse_ep(tb[KRTP_A_FLOW_SOURCE], &f->source)) ||
	    (tb[KRTP_A_FLOW_RTCP_PEER] && nl_parse_ep(tb[KRTP_A_FLOW_RTCP_PEER], &f->rtcp_peer)) ||
	    (tb[KRTP_A_FLOW_RTCP_VIA] && nl_parse_ep(tb[KRTP_A_FLOW_RTCP_VIA], &f->rtcp_via)) ||
	    (tb[KRTP_A_FLOW_STATS] && nl_parse_stats(tb[KRTP_A_FLOW_STATS], &f->stats)))
		return -EPROTO;
	if (nl_has(tb[KRTP_A_FLOW_SRC_MODE], sizeof(uint8_t)))
		f->src_mode = mnl_attr_get_u8(tb[KRTP_A_FLOW_SRC_MODE]);
	f->src_locked = tb[KRTP_A_FLOW_SRC_LOCKED];
	f->flags = nl_u32(tb[KRTP_A_FLOW_FLAGS]);
	f->idle_timeout = nl_u32(tb[KRTP_A_FLOW_IDLE_TIMEOUT]);
	f->idle_delete = tb[KRTP_A_FLOW_IDLE_DELETE];
	f->clock_rate = nl_u32(tb[KRTP_A_FLOW_CLOCK_RATE]);
	f->del_reason = nl_u32(tb[KRTP_A_FLOW_DEL_REASON]);
	nl_parse_srtp(tb[KRTP_A_FLOW_SRTP_IN], &f->srtp_in);
	nl_parse_srtp(tb[KRTP_A_FLOW_SRTP_OUT], &f->srtp_out);
	if (nl_has(tb[KRTP_A_FLOW_BUNDLE_PT], sizeof(f->bundle_pt))) {
		f->bundle = true;
		memcpy(f->bundle_pt, mnl_attr_get_payload(tb[KRTP_A_FLOW_BUNDLE_PT]),
		       sizeof(f->bundle_pt));
	}
	if (tb[KRTP_A_FLOW_LABEL]) {
		f->label_len = mnl_attr_get_payload_len(tb[KRTP_A_FLOW_LABEL]);
		if (f->label_len > KRTP_LABEL_MAX_LEN)
			f->label_len = KRTP_LABEL_MAX_LEN;
		memcpy(f->label, mnl_attr_get_payload(tb[KRTP_A_FLOW_LABEL]), f->label_len);
	}
	return 0;
}

/* ---- endpoint text ---- */

static int nl_parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

int krtp_ep_parse(const char *s, struct krtp_ep *ep, bool port_required)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	const char *first, *last;
	size_t hlen;

	memset(ep, 0, sizeof(*ep));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		hlen = end - s - 1;
		s++;
		port = end[1] ? end + 2 : NULL;
		ep->family = AF_INET6;
	} else {
		first = strchr(s, ':');
		last = strrchr(s, ':');
		if (first && first == last) {
			/* one colon: IPv4 and a port */
			hlen = first - s;
			port = first + 1;
			ep->family = AF_INET;
		} else {
			/* none (IPv4) or several (a bare IPv6 address, no port) */
			hlen = strlen(s);
			ep->family = first ? AF_INET6 : AF_INET;
		}
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(ep->family, host, &ep->addr) != 1)
		return -EINVAL;
	if (port && nl_parse_port(port, &ep->port))
		return -EINVAL;
	if (port_required && !ep->port)
		return -EINVAL;
	return 0;
}

char *krtp_ep_str(const struct krtp_ep *ep, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!ep->family || !inet_ntop(ep->family, &ep->addr, host, sizeof(host)))
		return buf;
	if (!ep->port)
		snprintf(buf, len, "%s", host);
	else if (ep->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, ep->port);
	else
		snprintf(buf, len, "%s:%u", host, ep->port);
	return buf;
}

/* ---- payload type sets ---- */

static int nl_parse_pt(const char **s, unsigned int *pt)
{
	unsigned int v = 0;
	int digits = 0;

	for (; **s >= '0' && **s <= '9'; (*s)++) {
		v = v * 10 + (unsigned int)(**s - '0');
		if (++digits > 3)
			return -EINVAL;
	}
	if (!digits || v > 127)
		return -EINVAL;
	*pt = v;
	return 0;
}

int krtp_pt_set_parse(const char *s, uint8_t set[KRTP_BUNDLE_PT_LEN])
{
	unsigned int lo, hi, pt;

	memset(set, 0, KRTP_BUNDLE_PT_LEN);
	for (;;) {
		if (nl_parse_pt(&s, &lo))
			return -EINVAL;
		hi = lo;
		if (*s == '-') {
			s++;
			if (nl_parse_pt(&s, &hi) || hi < lo)
				return -EINVAL;
		}
		for (pt = lo; pt <= hi; pt++)
			set[pt / 8] |= (uint8_t)(1U << (pt % 8));
		if (!*s)
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

bool krtp_pt_set_has(const uint8_t set[KRTP_BUNDLE_PT_LEN], unsigned int pt)
{
	return pt < 128 && (set[pt / 8] >> (pt % 8)) & 1;
}

char *krtp_pt_set_str(const uint8_t set[KRTP_BUNDLE_PT_LEN], char *buf, size_t len)
{
	unsigned int pt, end;
	size_t off = 0;
	int n;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (pt = 0; pt < 128; pt = end + 1) {
		end = pt;
		if (!krtp_pt_set_has(set, pt))
			continue;
		while (krtp_pt_set_has(set, end + 1))
			end++;
		if (end == pt)
			n = snprintf(buf + off, len - off, "%s%u", off ? "," : "", pt);
		else
			n = snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "", pt, end);
		if (n < 0 || (size_t)n >= len - off) {
			buf[off] = '\0';	/* whole types only */
			break;
		}
		off += (size_t)n;
	}
	return buf;
}
