/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw libmnl access to the krtp family for the API tests. Unlike
 * daemon/nl.c this builds any message, well-formed or not, and hands back
 * everything the kernel's answer says: the errno, the extack text, the
 * offset of the offending attribute and the missing attribute with its nest.
 */
#ifndef KRTP_TEST_KNL_H
#define KRTP_TEST_KNL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>
#include <linux/krtp.h>

#define KNL_BUF (64 * 1024)

struct knl {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t portid;
	uint32_t seq;
};

/* What the kernel answered to one request */
struct knl_ack {
	int err;		/* 0 or -errno */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	long long offs;		/* NLMSGERR_ATTR_OFFS, -1 if none */
	long long miss_type;	/* NLMSGERR_ATTR_MISS_TYPE, -1 if none */
	long long miss_nest;	/* NLMSGERR_ATTR_MISS_NEST, -1 if none */
	int replies;		/* krtp messages before the ack */
	uint32_t id;		/* KRTP_A_FLOW_ID of the last reply, 0 if none */
	bool dump_intr;		/* a dump message had NLM_F_DUMP_INTR */
};

/* Offset of what is put next into nlh, as the kernel reports offsets */
static inline long long knl_tail_off(const struct nlmsghdr *nlh)
{
	return (const char *)mnl_nlmsg_get_payload_tail(nlh) - (const char *)nlh;
}

static inline struct nlmsghdr *knl_msg_type(struct knl *k, void *buf, uint16_t type, uint8_t cmd,
					    uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++k->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = KRTP_FAMILY_VERSION;
	return nlh;
}

/* A krtp request; NLM_F_ACK is added by knl_xfer() for non-dumps */
static inline struct nlmsghdr *knl_msg(struct knl *k, void *buf, uint8_t cmd, uint16_t flags)
{
	return knl_msg_type(k, buf, k->family, cmd, flags);
}

static inline void knl_parse_tlvs(struct knl_ack *a, const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(attr, nlh, off) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			snprintf(a->msg, sizeof(a->msg), "%.*s",
				 (int)mnl_attr_get_payload_len(attr), mnl_attr_get_str(attr));
			break;
		case NLMSGERR_ATTR_OFFS:
			a->offs = mnl_attr_get_u32(attr);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			a->miss_type = mnl_attr_get_u32(attr);
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			a->miss_nest = mnl_attr_get_u32(attr);
			break;
		}
	}
}

static int knl_id_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == KRTP_A_FLOW_ID && mnl_attr_get_payload_len(attr) == 4)
		*(uint32_t *)data = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int knl_top_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == KRTP_A_FLOW)
		mnl_attr_parse_nested(attr, knl_id_cb, data);
	return MNL_CB_OK;
}

/* The flow id in a krtp message, 0 if none */
static inline uint32_t knl_flow_id(const struct nlmsghdr *nlh)
{
	uint32_t id = 0;

	mnl_attr_parse(nlh, GENL_HDRLEN, knl_top_cb, &id);
	return id;
}

/*
 * Read answers until the one ending request seq: an NLMSG_ERROR or an
 * NLMSG_DONE. cb (may be NULL) sees each krtp message.
 */
static inline int knl_recv(struct knl *k, uint32_t seq, struct knl_ack *a,
			   void (*cb)(const struct nlmsghdr *nlh, void *arg), void *arg)
{
	static char buf[KNL_BUF];

	for (;;) {
		const struct nlmsghdr *m;
		int len = mnl_socket_recvfrom(k->sock, buf, sizeof(buf));

		if (len < 0)
			return a->err = -errno;
		for (m = (void *)buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
				size_t off = sizeof(*e);

				if (!(m->nlmsg_flags & NLM_F_CAPPED))
					off += MNL_ALIGN(e->msg.nlmsg_len - sizeof(struct nlmsghdr));
				a->err = e->error;
				knl_parse_tlvs(a, m, off);
				return a->err;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				int err;

				memcpy(&err, mnl_nlmsg_get_payload(m), sizeof(err));
				a->err = err;
				knl_parse_tlvs(a, m, sizeof(int));
				return a->err;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				a->dump_intr = true;
			a->replies++;
			a->id = knl_flow_id(m);
			if (cb)
				cb(m, arg);
		}
	}
}

static inline void knl_ack_init(struct knl_ack *a)
{
	memset(a, 0, sizeof(*a));
	a->offs = a->miss_type = a->miss_nest = -1;
}

/* Send one request (with NLM_F_ACK unless it is a dump) and read its answer */
static inline int knl_xfer_cb(struct knl *k, struct nlmsghdr *nlh, struct knl_ack *a,
			      void (*cb)(const struct nlmsghdr *nlh, void *arg), void *arg)
{
	knl_ack_init(a);
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(k->sock, nlh, nlh->nlmsg_len) < 0)
		return a->err = -errno;
	return knl_recv(k, nlh->nlmsg_seq, a, cb, arg);
}

static inline int knl_xfer(struct knl *k, struct nlmsghdr *nlh, struct knl_ack *a)
{
	return knl_xfer_cb(k, nlh, a, NULL, NULL);
}

static int knl_family_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID)
		*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static void knl_family_msg(const struct nlmsghdr *nlh, void *arg)
{
	mnl_attr_parse(nlh, GENL_HDRLEN, knl_family_cb, arg);
}

/* Open a socket with extended acks and find the family. -ENOENT: not loaded */
static inline int knl_open(struct knl *k)
{
	char buf[8192];
	struct nlmsghdr *nlh;
	struct knl_ack a;
	int one = 1, big = 16 << 20;

	memset(k, 0, sizeof(*k));
	k->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!k->sock)
		return -errno;
	if (mnl_socket_bind(k->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	k->portid = mnl_socket_get_portid(k->sock);
	mnl_socket_setsockopt(k->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(k->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(k->sock), SOL_SOCKET, SO_RCVBUFFORCE, &big,
		       sizeof(big)) < 0)
		setsockopt(mnl_socket_get_fd(k->sock), SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (setsockopt(mnl_socket_get_fd(k->sock), SOL_SOCKET, SO_SNDBUFFORCE, &big,
		       sizeof(big)) < 0)
		setsockopt(mnl_socket_get_fd(k->sock), SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));

	nlh = knl_msg_type(k, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, KRTP_FAMILY_NAME);
	knl_xfer_cb(k, nlh, &a, knl_family_msg, &k->family);
	if (a.err)
		return a.err;
	return k->family ? 0 : -EPROTO;
}

static inline void knl_close(struct knl *k)
{
	if (k->sock)
		mnl_socket_close(k->sock);
	k->sock = NULL;
}

/* ---- building flows ---- */

/* An endpoint nest; addr NULL leaves the address out, port 0 leaves the port out */
static inline void knl_put_ep(struct nlmsghdr *nlh, uint16_t type, const char *addr, uint16_t port)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	struct in6_addr a6;
	struct in_addr a4;

	if (addr && inet_pton(AF_INET, addr, &a4) == 1)
		mnl_attr_put(nlh, KRTP_A_EP_IPV4, sizeof(a4), &a4);
	else if (addr && inet_pton(AF_INET6, addr, &a6) == 1)
		mnl_attr_put(nlh, KRTP_A_EP_IPV6, sizeof(a6), &a6);
	if (port)
		mnl_attr_put_u16(nlh, KRTP_A_EP_PORT, htons(port));
	mnl_attr_nest_end(nlh, nest);
}

/* FLOW_NEW local -> peer with nothing else; the flow id lands in a->id */
static inline int knl_flow_add(struct knl *k, const char *local, uint16_t lport, const char *peer,
			       uint16_t pport, struct knl_ack *a)
{
	char buf[8192];
	struct nlmsghdr *nlh = knl_msg(k, buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, local, lport);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, peer, pport);
	mnl_attr_nest_end(nlh, nest);
	return knl_xfer(k, nlh, a);
}

static inline int knl_simple(struct knl *k, uint8_t cmd, struct knl_ack *a)
{
	char buf[8192];

	return knl_xfer(k, knl_msg(k, buf, cmd, 0), a);
}

static inline int knl_flush(struct knl *k)
{
	struct knl_ack a;

	return knl_simple(k, KRTP_CMD_FLOW_FLUSH, &a);
}

/* FLOW_DEL or FLOW_GET by id */
static inline int knl_flow_by_id(struct knl *k, uint8_t cmd, uint32_t id, struct knl_ack *a)
{
	char buf[8192];
	struct nlmsghdr *nlh = knl_msg(k, buf, cmd, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, id);
	mnl_attr_nest_end(nlh, nest);
	return knl_xfer(k, nlh, a);
}

/*
 * Add n flows 10.(100+i/62500).x.y:port -> 192.0.2.1:5000 (distinct locals),
 * packed per sendmsg() without NLM_F_ACK: each request gets either its reply
 * or an error. Returns the number added, or -errno on a transport error;
 * *first_err gets the first errno the kernel answered (0 if none).
 */
static inline long knl_flow_add_many(struct knl *k, unsigned int n, int *first_err)
{
	const unsigned int per_send = 512;
	char *buf = malloc(per_send * 256);
	unsigned int i = 0;
	long added = 0;

	*first_err = 0;
	if (!buf)
		return -ENOMEM;
	while (i < n) {
		uint32_t seq0 = k->seq + 1;
		unsigned int j, cnt = 0, answered = 0;
		size_t off = 0;

		for (j = 0; j < per_send && i < n; j++, i++, cnt++) {
			struct nlmsghdr *nlh = knl_msg(k, buf + off, KRTP_CMD_FLOW_NEW, 0);
			struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
			char local[32];

			snprintf(local, sizeof(local), "10.%u.%u.%u", 100 + i / 65000,
				 (i % 65000) / 250, i % 250 + 1);
			knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, local, 4000);
			knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
			mnl_attr_nest_end(nlh, nest);
			off += nlh->nlmsg_len;
		}
		if (mnl_socket_sendto(k->sock, buf, off) < 0) {
			free(buf);
			return -errno;
		}
		while (answered < cnt) {
			static char rbuf[KNL_BUF];
			const struct nlmsghdr *m;
			int len = mnl_socket_recvfrom(k->sock, rbuf, sizeof(rbuf));

			if (len < 0) {
				free(buf);
				return -errno;
			}
			for (m = (void *)rbuf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
				if (m->nlmsg_seq - seq0 >= cnt)
					continue;
				answered++;
				if (m->nlmsg_type == NLMSG_ERROR) {
					const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

					if (e->error && !*first_err)
						*first_err = e->error;
					if (!e->error)
						answered--;	/* an ack: not asked for */
				} else if (m->nlmsg_type >= NLMSG_MIN_TYPE && knl_flow_id(m)) {
					added++;
				}
			}
		}
	}
	free(buf);
	return added;
}

#endif /* KRTP_TEST_KNL_H */
