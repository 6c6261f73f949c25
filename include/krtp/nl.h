/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krtp netlink client, shared by krtpd and krtpctl (implemented in daemon/nl.c).
 *
 * Library code: it never prints. Every call returns 0 or a negative errno;
 * when the kernel rejected a request, krtp_nl_errmsg() gives its extack text.
 * Ports in this API are in host byte order; the wire format is network order.
 */
#ifndef KRTP_NL_H
#define KRTP_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/krtp.h>

struct krtp_nl;

/* An address and UDP port. family 0 means "not given". */
struct krtp_ep {
	int family;			/* AF_INET, AF_INET6 or 0 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	uint16_t port;			/* host order; 0 = not given */
};

struct krtp_stats {
	uint64_t packets, bytes;
	uint64_t rtcp_packets, rtcp_bytes;
	uint64_t drop_wrong_source, drop_no_route, drop_not_rtp, drop_other;
	uint64_t packets_total;
	uint64_t srtp_auth_fail, srtp_replay;
	uint64_t passed;		/* STUN/DTLS left to the socket */
	uint64_t idle_msecs;
	uint64_t rtp_lost, rtp_duplicates, rtp_reordered;
	uint32_t rtp_ssrc, rtp_jitter, rtp_jitter_usecs;
	uint8_t rtp_pt;
	bool has_rtp;			/* ssrc/pt/jitter were reported */
	uint32_t flows;			/* namespace stats only */
};

/*
 * An SRTP context of a flow (KRTP_A_FLOW_SRTP_IN / _OUT); suite 0: none.
 * The key and salt are write-only: get, dump and events fill in the suite,
 * the ROC, each RTP stream's ROC and (out) the SRTCP index where the
 * context stands; a flow that replaces it with the same keys is added with
 * those.
 */
struct krtp_srtp {
	uint32_t suite;			/* enum krtp_srtp_suite */
	uint8_t key[KRTP_SRTP_MASTER_KEY_LEN];
	uint8_t salt[KRTP_SRTP_MASTER_SALT_LEN];
	size_t salt_len;		/* KRTP_SRTP_MASTER_SALT_LEN, or _GCM_ for GCM */
	uint32_t roc;			/* rollover counter; add: of the first packet */
	uint32_t srtcp_index;		/* out: next SRTCP index */
	/* the RTP streams followed; add: where each goes on (KRTP_A_SRTP_STREAM) */
	struct krtp_srtp_stream {
		uint32_t ssrc;
		uint32_t roc;
	} streams[KRTP_SRTP_SSRC_MAX];
	unsigned int nstreams;
};

struct krtp_flow {
	uint32_t id;			/* set by the kernel */
	struct krtp_ep local;		/* required */
	struct krtp_ep peer;		/* required */
	struct krtp_ep via;		/* optional egress source */
	struct krtp_ep source;		/* optional expected source; port 0 = learn */
	struct krtp_ep rtcp_peer;	/* optional: where RTCP goes instead of peer */
	struct krtp_ep rtcp_via;	/* optional: its source, default via */
	bool bundle;			/* bundle_pt given: may share local */
	uint8_t bundle_pt[KRTP_BUNDLE_PT_LEN];	/* payload types, a bitmap */
	uint32_t flags;			/* KRTP_FLOW_F_* */
	uint32_t idle_timeout;		/* seconds, 0 = never */
	bool idle_delete;
	uint32_t clock_rate;		/* 0 = kernel default */
	struct krtp_srtp srtp_in;	/* decrypt what arrives */
	struct krtp_srtp srtp_out;	/* encrypt what leaves */
	uint8_t label[KRTP_LABEL_MAX_LEN];
	size_t label_len;
	/* read-only, filled in by get/dump/events */
	uint8_t src_mode;		/* enum krtp_src_mode */
	bool src_locked;
	uint32_t del_reason;		/* enum krtp_del_reason, in FLOW_DEL_NTF */
	struct krtp_stats stats;
};

/* Open a request socket (NETLINK_EXT_ACK, NETLINK_CAP_ACK). -ENOENT: family not registered (module not loaded). */
int krtp_nl_open(struct krtp_nl **nlp);
void krtp_nl_close(struct krtp_nl *nl);
/* The extack message of the last rejected request, or "" */
const char *krtp_nl_errmsg(const struct krtp_nl *nl);

/* Add one flow; on success flow->id is set */
int krtp_nl_flow_add(struct krtp_nl *nl, struct krtp_flow *flow);
/*
 * Add n flows in as few sendmsg() calls as fit the socket buffer. Sets each
 * flow's id. Returns 0 when all were added, else the first error; *done says
 * how many of the first flows were added before it.
 * On an error exactly the first *done flows exist: flows after the failing
 * one that the kernel added in the same sendmsg() are deleted again, and
 * their id is 0.
 */
int krtp_nl_flow_add_batch(struct krtp_nl *nl, struct krtp_flow *flows, size_t n, size_t *done);
int krtp_nl_flow_del_id(struct krtp_nl *nl, uint32_t id);
int krtp_nl_flow_del_local(struct krtp_nl *nl, const struct krtp_ep *local);
int krtp_nl_flow_get_id(struct krtp_nl *nl, uint32_t id, struct krtp_flow *out);
int krtp_nl_flow_get_local(struct krtp_nl *nl, const struct krtp_ep *local, struct krtp_flow *out);
/*
 * Dump all flows of the namespace, handing each to cb as it arrives (the
 * flow is valid during the call only); stops early and returns cb's value if
 * cb returns non-zero. Flows added or deleted while it runs may or may not
 * be reported; every other flow is, exactly once (flows go in id order).
 */
int krtp_nl_flow_dump(struct krtp_nl *nl, int (*cb)(const struct krtp_flow *flow, void *arg), void *arg);
/*
 * The same for the flows whose label starts with prefix (1 to
 * KRTP_LABEL_MAX_LEN bytes) only: krtp.ko skips the others, so a daemon
 * reads its own flows without copying a whole shared table.
 */
int krtp_nl_flow_dump_label(struct krtp_nl *nl, const void *prefix, size_t len,
			    int (*cb)(const struct krtp_flow *flow, void *arg), void *arg);
/* The last dump saw the table change under it (NLM_F_DUMP_INTR) */
bool krtp_nl_dump_interrupted(const struct krtp_nl *nl);
int krtp_nl_flush(struct krtp_nl *nl);
int krtp_nl_stats_get(struct krtp_nl *nl, struct krtp_stats *out);

/* Event socket, subscribed to KRTP_MCGRP_FLOWS */
int krtp_nl_events_open(struct krtp_nl **nlp);
int krtp_nl_fd(const struct krtp_nl *nl);
/* Read what is pending (non-blocking) and call cb for each event (cmd = KRTP_CMD_*_NTF) */
int krtp_nl_events_read(struct krtp_nl *nl, void (*cb)(int cmd, const struct krtp_flow *flow, void *arg), void *arg);

/* Helpers for parsing and printing "1.2.3.4:5", "[::1]:5", "1.2.3.4" (port 0) */
int krtp_ep_parse(const char *s, struct krtp_ep *ep, bool port_required);
/* Writes "addr:port" or "[addr6]:port" (no port when 0); returns buf */
char *krtp_ep_str(const struct krtp_ep *ep, char *buf, size_t len);
#define KRTP_EP_STRLEN (INET6_ADDRSTRLEN + 10)
/*
 * Payload type sets (KRTP_A_FLOW_BUNDLE_PT) as text: "0,8,96-99". Parsing
 * fails on an empty set, a type over 127, or anything else; the string is
 * written in that form, ranges folded.
 */
int krtp_pt_set_parse(const char *s, uint8_t set[KRTP_BUNDLE_PT_LEN]);
char *krtp_pt_set_str(const uint8_t set[KRTP_BUNDLE_PT_LEN], char *buf, size_t len);
/* whether payload type pt (0-127) is in the set */
bool krtp_pt_set_has(const uint8_t set[KRTP_BUNDLE_PT_LEN], unsigned int pt);
#define KRTP_PT_SET_STRLEN 400

#endif /* KRTP_NL_H */
