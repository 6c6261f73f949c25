// SPDX-License-Identifier: GPL-2.0
/*
 * krtp netlink client (include/krtp/nl.h), shared by krtpd and krtpctl.
 *
 * One struct krtp_nl is one generic netlink socket: a request socket from
 * krtp_nl_open() or an event socket from krtp_nl_events_open(). Requests are
 * synchronous: send, then read until the ack, the error or NLMSG_DONE that
 * carries the request's sequence number; anything else (late answers to an
 * abandoned request) is skipped.
 *
 * The kernel handles every message of one sendmsg() before the call returns
 * and queues each answer on our socket without blocking, dropping what does
 * not fit the receive buffer. A batch is therefore bounded by what the
 * receive buffer can hold, not only by the send buffer.
 *
 * Library code: nothing here prints. Errors are negative errnos; the text of
 * the kernel's extack (or of a local check) is kept for krtp_nl_errmsg().
 */
#define _GNU_SOURCE	/* recvmmsg() */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

#include "nl_internal.h"

#define NL_SLOT_LEN	(32 * 1024)	/* one datagram: a dump skb is at most 32 KiB */
#define NL_RBUF_LEN	(256 * 1024)
/* the answers to a FLOW_NEW request: a reply (<= 48 bytes a flow), an error */
#define NL_BATCH_SLOT_LEN	(32 * 1024)
#define NL_BATCH_SLOTS		(NL_RBUF_LEN / NL_BATCH_SLOT_LEN)
#define NL_BATCH_LEN	(16 * 1024)	/* bytes of one FLOW_NEW request */
#define NL_BATCH_FLOWS	256		/* flows in one FLOW_NEW request */
#define NL_SOCKBUF	(16 * 1024 * 1024)
/* largest FLOW_NEW request: 4 IPv6 endpoints, a full label, every option, 2 SRTP keys */
#define NL_FLOW_MSG_MAX	512
#define NL_TIMEOUT_MS	10000

struct krtp_nl {
	struct mnl_socket *sock;
	uint16_t family;	/* generic netlink id of "krtp" */
	uint32_t mcgrp;		/* id of the "flows" group, 0 if none */
	uint32_t portid;
	uint32_t seq;
	bool dump_intr;		/* NLM_F_DUMP_INTR seen in the current dump */
	char errmsg[256];
	char *rbuf;		/* NL_RBUF_LEN */
};

/* Called for each answer of the family; returns 0, a negative errno, or > 0 to stop */
typedef int (*nl_msg_cb)(struct krtp_nl *nl, const struct nlmsghdr *nlh, void *arg);

static void nl_set_errmsg(struct krtp_nl *nl, const char *msg)
{
	snprintf(nl->errmsg, sizeof(nl->errmsg), "%s", msg);
}

/*
 * Keep the extack message of an error or NLMSG_DONE. The attributes follow
 * the payload at @off; the kernel sets NLM_F_ACK_TLVS when there are any.
 */
static void nl_parse_extack(struct krtp_nl *nl, const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG ||
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			continue;
		nl_set_errmsg(nl, mnl_attr_get_str(attr));
	}
}

/* The errno of an NLMSG_ERROR (0 for an ack), with its extack kept */
static int nl_parse_error(struct krtp_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EPROTO;
	if (e->error >= 0)
		return 0;
	/* without NETLINK_CAP_ACK (or with an old kernel) the request follows */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= sizeof(struct nlmsghdr))
		off += MNL_ALIGN(e->msg.nlmsg_len - sizeof(struct nlmsghdr));
	nl_parse_extack(nl, nlh, off);
	return e->error;
}

/* The error of an NLMSG_DONE: a dump can fail after it started */
static int nl_parse_done(struct krtp_nl *nl, const struct nlmsghdr *nlh)
{
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
		return 0;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return 0;
	nl_parse_extack(nl, nlh, sizeof(int));
	return err;
}

/* Start a request of @type in @buf; the caller adds attributes */
static struct nlmsghdr *nl_msg(struct krtp_nl *nl, void *buf, uint16_t type, uint8_t cmd,
			       uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = KRTP_FAMILY_VERSION;
	return nlh;
}

/* Wait up to NL_TIMEOUT_MS for something to read */
static int nl_wait(struct krtp_nl *nl)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->sock), .events = POLLIN };
	int ret;

	do {
		ret = poll(&pfd, 1, NL_TIMEOUT_MS);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	return ret == 0 ? -ETIMEDOUT : 0;
}

/*
 * Send one request and read its answers until the ack, error or
 * NLMSG_DONE. A doit request is sent with NLM_F_ACK so that it always ends
 * with an NLMSG_ERROR, whether or not the command replies.
 */
static int nl_talk(struct krtp_nl *nl, struct nlmsghdr *nlh, nl_msg_cb cb, void *arg)
{
	uint32_t seq = nlh->nlmsg_seq;
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;
	int stop = 0;

	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;
	nl->errmsg[0] = '\0';
	nl->dump_intr = false;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		const struct nlmsghdr *m;
		int len, err;

		err = nl_wait(nl);
		if (err)
			return err;
		len = mnl_socket_recvfrom(nl->sock, nl->rbuf, NL_SLOT_LEN);
		if (len < 0)
			return errno == ENOSPC ? -EMSGSIZE : -errno;

		for (m = (const struct nlmsghdr *)nl->rbuf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != nl->portid)
				continue;	/* a late answer to an older request */
			if (m->nlmsg_type == NLMSG_ERROR) {
				err = nl_parse_error(nl, m);
				return err ? err : stop;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				err = nl_parse_done(nl, m);
				return err ? err : stop;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				nl->dump_intr = true;
			/* after cb stopped, still read to the end of the answer */
			if (!stop && cb) {
				err = cb(nl, m, arg);
				if (err < 0)
					stop = err;
				else if (err > 0)
					stop = err;
			}
		}
	}
}

/* Checks what the kernel could not see; the kernel checks everything else */
static int nl_flow_check(struct krtp_nl *nl, const struct krtp_flow *f)
{
	if (f->label_len > KRTP_LABEL_MAX_LEN) {
		nl_set_errmsg(nl, "label longer than 64 bytes");
		return -EINVAL;
	}
	return 0;
}

/* ---- sockets ---- */

/* Ask for big socket buffers; as root the limits do not apply */
static void nl_set_bufs(struct krtp_nl *nl)
{
	int fd = mnl_socket_get_fd(nl->sock);
	int val = NL_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &val, sizeof(val)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &val, sizeof(val));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &val, sizeof(val)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &val, sizeof(val));
}

static int nl_family_cb(struct krtp_nl *nl, const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { NULL };
	struct nl_tb t = { tb, CTRL_ATTR_MAX };
	const struct nlattr *grp;

	(void)arg;
	if (mnl_attr_parse(nlh, GENL_HDRLEN, nl_tb_cb, &t) < 0 ||
	    !nl_has(tb[CTRL_ATTR_FAMILY_ID], sizeof(uint16_t)))
		return -EPROTO;
	nl->family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1];

		if (nl_parse_nested(grp, g, CTRL_ATTR_MCAST_GRP_MAX) ||
		    !g[CTRL_ATTR_MCAST_GRP_NAME] || !nl_has(g[CTRL_ATTR_MCAST_GRP_ID], 4) ||
		    mnl_attr_validate(g[CTRL_ATTR_MCAST_GRP_NAME], MNL_TYPE_NUL_STRING) < 0)
			continue;
		if (!strcmp(mnl_attr_get_str(g[CTRL_ATTR_MCAST_GRP_NAME]), KRTP_MCGRP_FLOWS))
			nl->mcgrp = mnl_attr_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

/* Find the family's id and its "flows" group. -ENOENT: not registered */
static int nl_resolve(struct krtp_nl *nl)
{
	struct nlmsghdr *nlh;
	char buf[256];
	int err;

	nlh = nl_msg(nl, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, KRTP_FAMILY_NAME);
	err = nl_talk(nl, nlh, nl_family_cb, NULL);
	if (!err && !nl->family)
		err = -EPROTO;
	return err;
}

static int nl_open(struct krtp_nl **nlp)
{
	struct krtp_nl *nl;
	int one = 1;
	int err;

	*nlp = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->rbuf = malloc(NL_RBUF_LEN);
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->rbuf || !nl->sock) {
		err = nl->rbuf ? -errno : -ENOMEM;
		goto err_free;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto err_free;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* as iproute2: the kernel's message text, and no copy of our request */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_set_bufs(nl);

	err = nl_resolve(nl);
	if (err)
		goto err_free;
	*nlp = nl;
	return 0;

err_free:
	krtp_nl_close(nl);
	return err;
}

int krtp_nl_open(struct krtp_nl **nlp)
{
	return nl_open(nlp);
}

int krtp_nl_events_open(struct krtp_nl **nlp)
{
	struct krtp_nl *nl;
	int err;

	err = nl_open(&nl);
	if (err)
		return err;
	if (!nl->mcgrp) {
		krtp_nl_close(nl);
		return -ENOENT;
	}
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &nl->mcgrp,
				  sizeof(nl->mcgrp)) < 0) {
		err = -errno;
		krtp_nl_close(nl);
		return err;
	}
	*nlp = nl;
	return 0;
}

void krtp_nl_close(struct krtp_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->rbuf);
	free(nl);
}

const char *krtp_nl_errmsg(const struct krtp_nl *nl)
{
	return nl ? nl->errmsg : "";
}

int krtp_nl_fd(const struct krtp_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

/* ---- adding flows ---- */

/*
 * One FLOW_NEW request carries many flows, one KRTP_A_FLOW nest each. The
 * kernel adds them in order until one is refused, replies with the id of
 * each flow added, in order, and then sends the refusal as the error.
 */
struct nl_batch {
	struct krtp_flow *flows;
	size_t n;		/* flows in the request */
	size_t got;		/* ids received: flows[0..got) exist */
	uint32_t seq;
	bool done;		/* every id, or the error, is in */
	int err;
};

/* Take the ids of a FLOW_NEW reply, in the order of the request */
static int nl_batch_reply(struct krtp_nl *nl, struct nl_batch *b, const struct nlmsghdr *m)
{
	const struct nlattr *attr, *a;

	mnl_attr_for_each(attr, m, sizeof(struct genlmsghdr)) {
		uint32_t id = 0;

		if (mnl_attr_get_type(attr) != KRTP_A_FLOW)
			continue;
		mnl_attr_for_each_nested(a, attr) {
			if (mnl_attr_get_type(a) == KRTP_A_FLOW_ID && nl_has(a, sizeof(uint32_t)))
				id = mnl_attr_get_u32(a);
		}
		if (!id || b->got == b->n) {
			nl_set_errmsg(nl, "kernel reply does not match the request");
			return -EPROTO;
		}
		b->flows[b->got++].id = id;
	}
	return 0;
}

static void nl_batch_answer(struct krtp_nl *nl, struct nl_batch *b, const struct nlmsghdr *m)
{
	int err;

	if (m->nlmsg_pid != nl->portid || m->nlmsg_seq != b->seq)
		return;		/* not ours, or late from an older request */
	if (m->nlmsg_type == NLMSG_ERROR) {
		err = nl_parse_error(nl, m);
		if (!err)
			return;	/* an ack: we did not ask for one */
	} else if (m->nlmsg_type >= NLMSG_MIN_TYPE) {
		err = nl_batch_reply(nl, b, m);
		if (!err && b->got < b->n)
			return;	/* a refusal follows */
	} else {
		return;
	}
	b->err = err;
	b->done = true;
}

/* Read the answers to one request: a reply, an error, or both. */
static int nl_batch_recv(struct krtp_nl *nl, struct nl_batch *b)
{
	struct mmsghdr msgs[NL_BATCH_SLOTS];
	struct iovec iov[NL_BATCH_SLOTS];
	int i, n, err;

	for (i = 0; i < NL_BATCH_SLOTS; i++) {
		iov[i].iov_base = nl->rbuf + i * NL_BATCH_SLOT_LEN;
		iov[i].iov_len = NL_BATCH_SLOT_LEN;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (!b->done) {
		err = nl_wait(nl);
		if (err)
			return err;
		n = recvmmsg(krtp_nl_fd(nl), msgs, NL_BATCH_SLOTS, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			/* ENOBUFS: the reply was dropped, which flows exist is unknown */
			return -errno;
		}
		for (i = 0; i < n; i++) {
			const struct nlmsghdr *m = (const void *)iov[i].iov_base;
			int len = msgs[i].msg_len;

			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				return -EMSGSIZE;
			for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len))
				nl_batch_answer(nl, b, m);
		}
	}
	return 0;
}

/* Delete the flows of a request whose answer was lost, as far as ids are known */
static void nl_batch_undo(struct krtp_nl *nl, struct nl_batch *b)
{
	char saved[sizeof(nl->errmsg)];
	size_t i;

	memcpy(saved, nl->errmsg, sizeof(saved));
	for (i = 0; i < b->n; i++) {
		if (b->flows[i].id)
			krtp_nl_flow_del_id(nl, b->flows[i].id);
		b->flows[i].id = 0;
	}
	memcpy(nl->errmsg, saved, sizeof(saved));
}

int krtp_nl_flow_add_batch(struct krtp_nl *nl, struct krtp_flow *flows, size_t n, size_t *done)
{
	size_t i = 0, dummy;
	char *buf;
	int err = 0;

	if (!done)
		done = &dummy;
	*done = 0;
	nl->errmsg[0] = '\0';
	if (!n)
		return 0;
	buf = malloc(NL_BATCH_LEN);
	if (!buf)
		return -ENOMEM;

	while (i < n) {
		struct nl_batch b = { .flows = flows + i };
		struct nlmsghdr *nlh = nl_msg(nl, buf, nl->family, KRTP_CMD_FLOW_NEW, 0);
		int check = 0;

		b.seq = nlh->nlmsg_seq;
		while (i + b.n < n && b.n < NL_BATCH_FLOWS &&
		       NL_BATCH_LEN - nlh->nlmsg_len >= NL_FLOW_MSG_MAX) {
			struct krtp_flow *f = &flows[i + b.n];

			check = nl_flow_check(nl, f);
			if (check)
				break;
			f->id = 0;
			nl_put_flow(nlh, f);
			b.n++;
		}
		if (b.n) {
			if (mnl_socket_sendto(nl->sock, buf, nlh->nlmsg_len) < 0) {
				err = -errno;
				break;
			}
			err = nl_batch_recv(nl, &b);
			if (err) {
				/* a transport error (ENOBUFS): none of this request counts */
				nl_batch_undo(nl, &b);
				break;
			}
			i += b.got;
			if (b.err) {
				err = b.err;
				break;
			}
		}
		if (check) {
			err = check;	/* a local check failed at flows[i] */
			break;
		}
	}
	*done = i;
	free(buf);
	return err;
}

int krtp_nl_flow_add(struct krtp_nl *nl, struct krtp_flow *flow)
{
	return krtp_nl_flow_add_batch(nl, flow, 1, NULL);
}

/* ---- one flow by id or local endpoint ---- */

static struct nlmsghdr *nl_flow_key_msg(struct krtp_nl *nl, void *buf, uint8_t cmd, uint32_t id,
					const struct krtp_ep *local)
{
	struct nlmsghdr *nlh = nl_msg(nl, buf, nl->family, cmd, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	if (local)
		nl_put_ep(nlh, KRTP_A_FLOW_LOCAL, local);
	else
		mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, id);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

int krtp_nl_flow_del_id(struct krtp_nl *nl, uint32_t id)
{
	char buf[NL_FLOW_MSG_MAX];

	return nl_talk(nl, nl_flow_key_msg(nl, buf, KRTP_CMD_FLOW_DEL, id, NULL), NULL, NULL);
}

int krtp_nl_flow_del_local(struct krtp_nl *nl, const struct krtp_ep *local)
{
	char buf[NL_FLOW_MSG_MAX];

	return nl_talk(nl, nl_flow_key_msg(nl, buf, KRTP_CMD_FLOW_DEL, 0, local), NULL, NULL);
}

struct nl_get {
	struct krtp_flow *out;
	bool got;
};

static int nl_get_cb(struct krtp_nl *nl, const struct nlmsghdr *nlh, void *arg)
{
	struct nl_get *g = arg;
	int err;

	(void)nl;
	err = nl_parse_flow(nlh, g->out);
	if (!err)
		g->got = true;
	return err;
}

static int nl_get(struct krtp_nl *nl, uint32_t id, const struct krtp_ep *local,
		  struct krtp_flow *out)
{
	struct nl_get g = { out, false };
	char buf[NL_FLOW_MSG_MAX];
	int err;

	err = nl_talk(nl, nl_flow_key_msg(nl, buf, KRTP_CMD_FLOW_GET, id, local), nl_get_cb, &g);
	if (!err && !g.got)
		err = -EPROTO;
	return err;
}

int krtp_nl_flow_get_id(struct krtp_nl *nl, uint32_t id, struct krtp_flow *out)
{
	return nl_get(nl, id, NULL, out);
}

int krtp_nl_flow_get_local(struct krtp_nl *nl, const struct krtp_ep *local, struct krtp_flow *out)
{
	return nl_get(nl, 0, local, out);
}

/* ---- dump, flush, stats ---- */

struct nl_dump {
	int (*cb)(const struct krtp_flow *flow, void *arg);
	void *arg;
	struct krtp_flow flow;	/* one at a time: a million need not fit in memory */
};

static int nl_dump_cb(struct krtp_nl *nl, const struct nlmsghdr *nlh, void *arg)
{
	struct nl_dump *d = arg;

	(void)nl;
	if (nl_parse_flow(nlh, &d->flow))
		return -EPROTO;
	return d->cb(&d->flow, d->arg);
}

/*
 * Each flow goes to cb as its message is read, so a dump of a million flows
 * holds one. The kernel sends flows in id order and resumes each part of
 * the dump after the last id it sent; ids only increase. A dump the table
 * changed under (NLM_F_DUMP_INTR) is therefore still whole in the way that
 * matters: every flow that existed from its start to its end is reported
 * exactly once; a flow added meanwhile may be missing and one deleted
 * meanwhile may be reported, just as if the change had come right after or
 * right before. Starting over would only move the race, at the price of
 * another full dump each time, which at a million flows may never finish
 * while anything changes. krtp_nl_dump_interrupted() says whether it
 * happened, for a caller that needs a snapshot.
 */
int krtp_nl_flow_dump(struct krtp_nl *nl, int (*cb)(const struct krtp_flow *flow, void *arg),
		      void *arg)
{
	return krtp_nl_flow_dump_label(nl, NULL, 0, cb, arg);
}

int krtp_nl_flow_dump_label(struct krtp_nl *nl, const void *prefix, size_t len,
			    int (*cb)(const struct krtp_flow *flow, void *arg), void *arg)
{
	struct nl_dump d = { .cb = cb, .arg = arg };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	if (prefix && (!len || len > KRTP_LABEL_MAX_LEN)) {
		nl_set_errmsg(nl, "label prefix of 1 to 64 bytes");
		return -EINVAL;
	}
	nlh = nl_msg(nl, buf, nl->family, KRTP_CMD_FLOW_GET, NLM_F_DUMP);
	if (prefix) {
		nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
		mnl_attr_put(nlh, KRTP_A_FLOW_LABEL, len, prefix);
		mnl_attr_nest_end(nlh, nest);
	}
	return nl_talk(nl, nlh, nl_dump_cb, &d);
}

bool krtp_nl_dump_interrupted(const struct krtp_nl *nl)
{
	return nl->dump_intr;
}

int krtp_nl_flush(struct krtp_nl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return nl_talk(nl, nl_msg(nl, buf, nl->family, KRTP_CMD_FLOW_FLUSH, 0), NULL, NULL);
}

static int nl_stats_cb(struct krtp_nl *nl, const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *top[KRTP_A_MAX + 1];

	(void)nl;
	if (nl_parse_top(nlh, top) || !top[KRTP_A_STATS])
		return -EPROTO;
	return nl_parse_stats(top[KRTP_A_STATS], arg) ?: 1;
}

int krtp_nl_stats_get(struct krtp_nl *nl, struct krtp_stats *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int err;

	memset(out, 0, sizeof(*out));
	err = nl_talk(nl, nl_msg(nl, buf, nl->family, KRTP_CMD_STATS_GET, 0), nl_stats_cb, out);
	if (err == 0)
		return -EPROTO;	/* acked, but no reply carried the counters */
	return err < 0 ? err : 0;
}

/* ---- events ---- */

int krtp_nl_events_read(struct krtp_nl *nl,
			void (*cb)(int cmd, const struct krtp_flow *flow, void *arg), void *arg)
{
	for (;;) {
		const struct nlmsghdr *m;
		int len;

		len = recv(krtp_nl_fd(nl), nl->rbuf, NL_SLOT_LEN, MSG_DONTWAIT | MSG_TRUNC);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			/* ENOBUFS: events were lost; the socket still works */
			return -errno;
		}
		if (len > NL_SLOT_LEN)
			continue;	/* truncated: cannot be one of ours */
		for (m = (const void *)nl->rbuf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			const struct genlmsghdr *genl = mnl_nlmsg_get_payload(m);
			struct krtp_flow flow;

			if (m->nlmsg_type != nl->family ||
			    mnl_nlmsg_get_payload_len(m) < GENL_HDRLEN)
				continue;
			if (nl_parse_flow(m, &flow))
				continue;
			cb(genl->cmd, &flow, arg);
		}
	}
}
