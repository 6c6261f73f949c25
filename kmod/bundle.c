// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: flows that share a local endpoint (BUNDLE, RFC 8843). A browser
 * sends its audio and video, and their RTCP, STUN and DTLS, to one port;
 * each media line is relayed to its own peer (a phone's audio and video
 * ports). Each is a flow of its own, with a payload type set
 * (KRTP_A_FLOW_BUNDLE_PT): its own source, SRTP contexts and counters, as
 * if it had the port to itself.
 *
 * The packet path finds one of them, the head, in the rhashtable (it is
 * the only one hashed) and picks the flow here: RTP by payload type, RTCP
 * by sender SSRC, the rest stays with the head.
 *
 * Locking: joining and leaving happen under the table lock (table.c), which
 * also serialises @count and the head's replacement. The packet path reads
 * the slots under RCU only: a flow is published in its slot with
 * rcu_assign_pointer() once it is complete, and a flow that left its slot
 * is freed after a grace period (krtp_flow_release()), as is the bundle
 * after its last flow left. A reader may so pick a flow that is leaving,
 * just as it may find a leaving flow in the rhashtable.
 */

#include <linux/slab.h>
#include <linux/udp.h>

#include "bundle.h"
#include "compat.h"
#include "table.h"

/* sub-packets of a compound RTCP packet looked at for a reported SSRC */
#define KRTP_BUNDLE_RTCP_WALK	4

/* the payload type of a flow's set; @ext->bundle_pt is immutable */
static bool krtp_bundle_has_pt(const struct krtp_flow *flow, unsigned int pt)
{
	return flow->ext->bundle_pt[pt / 8] & (1U << (pt % 8));
}

/*
 * The flow of the bundle whose media line carries, the other way, the
 * stream of @ssrc: a flow's reverse is the one that arrives on its via
 * (a relay's port facing the other side) and leaves from the bundle's
 * port. Under rcu_read_lock; reads the reverse flow's analysis as the
 * sender SSRC test does, without its lock.
 */
static struct krtp_flow *krtp_bundle_by_reverse(struct krtp_table *table,
						const struct krtp_bundle *b,
						u32 ssrc)
{
	struct krtp_flow *flow, *rev;
	int i;

	for (i = 0; i < KRTP_BUNDLE_MAX; i++) {
		flow = rcu_dereference(b->flows[i]);
		if (!flow || !flow->via.family)
			continue;
		rev = krtp_table_lookup_rcu(table, &flow->via);
		if (rev && READ_ONCE(rev->rtp.started) &&
		    READ_ONCE(rev->rtp.ssrc) == ssrc)
			return flow;
	}
	return NULL;
}

/*
 * Plain RTCP whose sender no flow of the bundle knows: a receiver's report
 * or feedback, sent from an SSRC that sends nothing on that line (a phone
 * or browser that only receives video: libwebrtc's SSRC 1). What it
 * reports on names the line: the first report block's SSRC (SR, RR), the media
 * source (RTPFB, PSFB) or a FIR's entry (RFC 5104), in the first few
 * sub-packets of the compound packet that has one.
 */
static struct krtp_flow *krtp_bundle_rtcp_about(struct krtp_table *table,
						const struct krtp_bundle *b,
						const struct sk_buff *skb,
						unsigned int off)
{
	unsigned int n, at, words;
	struct krtp_flow *flow;
	u8 hbuf[4], sbuf[4];
	const u8 *h, *p;
	u32 ssrc;

	for (n = 0; n < KRTP_BUNDLE_RTCP_WALK && off + 8 <= skb->len; n++) {
		h = skb_header_pointer(skb, off, sizeof(hbuf), hbuf);
		if (!h || (h[0] >> 6) != 2)
			return NULL;
		words = (unsigned int)h[2] << 8 | h[3];
		switch (h[1]) {
		case 200:	/* SR: the first report block, after the sender info */
			at = h[0] & 0x1f ? 28 : 0;
			break;
		case 201:	/* RR */
			at = h[0] & 0x1f ? 8 : 0;
			break;
		case 205:	/* RTPFB: the media source */
			at = 8;
			break;
		case 206:	/* PSFB: the media source; a FIR's is 0, its entry's */
			at = (h[0] & 0x1f) == 4 ? 12 : 8;
			break;
		default:
			at = 0;
		}
		if (at && at + 4 <= 4 * (words + 1) &&
		    off + at + sizeof(sbuf) <= skb->len) {
			p = skb_header_pointer(skb, off + at, sizeof(sbuf),
					       sbuf);
			if (!p)
				return NULL;
			ssrc = (u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
			flow = krtp_bundle_by_reverse(table, b, ssrc);
			if (flow)
				return flow;
		}
		off += 4 * (words + 1);
	}
	return NULL;
}

/**
 * krtp_bundle_select - the flow of a bundle a packet is for
 * @table: the table of the namespace, where the flows' reverses are
 * @head: the flow the packet's local endpoint found (KRTP_FLOW_F_BUNDLE)
 * @skb: the packet; its UDP header is in the linear part
 * @thoff: offset of the UDP header from the network header
 *
 * Called from the packet path under rcu_read_lock. RTP goes to the flow
 * whose payload type set holds the packet's type. RTCP goes to the flow
 * whose RTP analysis follows its sender SSRC (what the same sender's RTP
 * on that media line carries), else, if it is plain, to the flow whose
 * reverse carries the stream it reports on, else to @head, as do STUN, DTLS and anything else.
 *
 * Return: the flow, or NULL for RTP of a payload type no flow carries.
 */
struct krtp_flow *krtp_bundle_select(struct krtp_table *table,
				     struct krtp_flow *head,
				     const struct sk_buff *skb,
				     unsigned int thoff)
{
	const struct krtp_bundle *b = head->ext->bundle;
	unsigned int plen, off = thoff + sizeof(struct udphdr);
	struct krtp_flow *flow;
	u8 buf[KRTP_RTCP_HDR_LEN];
	const u8 *hdr;
	u32 ssrc;
	int i;

	if (skb->len < off + KRTP_RTCP_HDR_LEN)
		return head;
	plen = skb->len - off;
	hdr = skb_header_pointer(skb, off, sizeof(buf), buf);
	if (!hdr)
		return head;
	switch (krtp_rtcp_classify(head->flags, hdr, plen)) {
	case KRTP_PKT_RTP:
		for (i = 0; i < KRTP_BUNDLE_MAX; i++) {
			flow = rcu_dereference(b->flows[i]);
			if (flow && krtp_bundle_has_pt(flow, hdr[1] & 0x7f))
				return flow;
		}
		return NULL;
	case KRTP_PKT_RTCP:
		ssrc = (u32)hdr[4] << 24 | hdr[5] << 16 | hdr[6] << 8 | hdr[7];
		for (i = 0; i < KRTP_BUNDLE_MAX; i++) {
			flow = rcu_dereference(b->flows[i]);
			/*
			 * Read without the flow's rtp_lock: a stale SSRC
			 * sends one RTCP packet to the head, no more.
			 */
			if (flow && READ_ONCE(flow->rtp.started) &&
			    READ_ONCE(flow->rtp.ssrc) == ssrc)
				return flow;
		}
		/* SRTCP: all but the first 8 bytes are ciphertext here */
		if (head->srtp && READ_ONCE(head->srtp->in))
			return head;
		flow = krtp_bundle_rtcp_about(table, b, skb, off);
		return flow ? flow : head;
	default:
		return head;
	}
}

/**
 * krtp_bundle_new - make a flow the first of a new bundle
 * @flow: a KRTP_FLOW_F_BUNDLE flow, not yet published, whose local
 *	  endpoint no flow has
 *
 * Return: 0 or -ENOMEM.
 */
int krtp_bundle_new(struct krtp_flow *flow)
{
	struct krtp_bundle *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return -ENOMEM;
	/* published with the flow, by the rhashtable insert */
	RCU_INIT_POINTER(b->flows[0], flow);
	b->count = 1;
	flow->ext->bundle = b;
	return 0;
}

/**
 * krtp_bundle_join - publish a flow in the bundle of its local endpoint
 * @head: the flow the rhashtable holds for that endpoint
 * @flow: a flow with the same endpoint, not yet published
 * @extack: says why not
 *
 * Under the table lock. Once this returns 0 the packet path may pick the
 * flow.
 *
 * Return: 0; -EEXIST when @head or @flow is not a bundle's, or a payload
 * type is already another flow's; -EINVAL when their flags differ; -E2BIG
 * when the bundle has KRTP_BUNDLE_MAX flows.
 */
int krtp_bundle_join(struct krtp_flow *head, struct krtp_flow *flow,
		     struct netlink_ext_ack *extack)
{
	struct krtp_flow *other;
	struct krtp_bundle *b;
	int i, j, slot = -1;

	/* extack formats 80 bytes: the endpoint is the attribute's */
	if (!(head->flags & KRTP_FLOW_F_BUNDLE)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "flow %u has the local endpoint, without a bundle",
				       head->id);
		return -EEXIST;
	}
	if ((head->flags ^ flow->flags) & __KRTP_FLOW_F_ALL) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "flags differ from those of the bundle of flow %u",
				       head->id);
		return -EINVAL;
	}
	b = head->ext->bundle;
	for (i = 0; i < KRTP_BUNDLE_MAX; i++) {
		other = rcu_dereference_protected(b->flows[i], true);
		if (!other) {
			if (slot < 0)
				slot = i;
			continue;
		}
		for (j = 0; j < KRTP_BUNDLE_PT_LEN; j++) {
			u8 both = other->ext->bundle_pt[j] &
				  flow->ext->bundle_pt[j];

			if (both) {
				NL_SET_ERR_MSG_FMT_MOD(extack,
						       "payload type %d is already in flow %u of the bundle",
						       j * 8 + (int)__ffs(both),
						       other->id);
				return -EEXIST;
			}
		}
	}
	if (slot < 0) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "the bundle has %d flows, the most it may",
				       KRTP_BUNDLE_MAX);
		return -E2BIG;
	}
	flow->ext->bundle = b;
	b->count++;
	/* last: the flow is complete, and from here the packet path picks it */
	rcu_assign_pointer(b->flows[slot], flow);
	return 0;
}

/**
 * krtp_bundle_leave - take a flow out of its bundle
 * @flow: a flow of a bundle, in the table
 *
 * Under the table lock. The bundle is freed after a grace period when
 * @flow was its last flow; @flow still points to it, for the readers that
 * found @flow before.
 *
 * Return: the oldest flow left in the bundle (the one to hash if @flow was
 * the head), or NULL if none is.
 */
struct krtp_flow *krtp_bundle_leave(struct krtp_flow *flow)
{
	struct krtp_bundle *b = flow->ext->bundle;
	struct krtp_flow *other, *oldest = NULL;
	int i;

	for (i = 0; i < KRTP_BUNDLE_MAX; i++) {
		other = rcu_dereference_protected(b->flows[i], true);
		if (other == flow)
			RCU_INIT_POINTER(b->flows[i], NULL);
		else if (other && (!oldest || other->id < oldest->id))
			oldest = other;
	}
	if (!--b->count)
		kfree_rcu(b, rcu);
	return oldest;
}

/**
 * krtp_bundle_free - let go of a flow's bundle when no reader is left
 * @flow: a flow of a bundle being freed with all the others of its table
 *	  (krtp_table_flush(), krtp_table_destroy()), not taken out of it
 *
 * The bundle goes with its last flow.
 */
void krtp_bundle_free(struct krtp_flow *flow)
{
	struct krtp_bundle *b = flow->ext->bundle;

	if (!--b->count)
		kfree(b);
}

/**
 * krtp_bundle_count - how many flows share a flow's local endpoint
 * @flow: a flow in the table (table lock held)
 *
 * Return: the flows of its bundle, 1 for a flow without one.
 */
unsigned int krtp_bundle_count(const struct krtp_flow *flow)
{
	if (!(flow->flags & KRTP_FLOW_F_BUNDLE))
		return 1;
	return flow->ext->bundle->count;
}
