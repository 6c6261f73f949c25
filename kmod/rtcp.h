/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_RTCP_H
#define _KRTP_RTCP_H

#include <linux/types.h>
#include <uapi/linux/krtp.h>

#define KRTP_RTP_HDR_LEN	12	/* fixed RTP header, RFC 3550 5.1 */
#define KRTP_RTCP_HDR_LEN	8	/* RTCP header and sender SSRC */

/* what a UDP payload on a flow is */
enum krtp_pkt_kind {
	KRTP_PKT_OTHER,		/* neither: forwarded unless strict, not analysed */
	KRTP_PKT_RTP,		/* RTP version 2, analysed */
	KRTP_PKT_RTCP,		/* RTCP version 2, or anything on an RTCP flow */
};

/*
 * RTP analysis state of one flow (RFC 3550 A.1 and A.8), of one stream
 * (SSRC) at a time. The owner serialises updates (a per-flow spinlock);
 * see krtp_rtp_update().
 */
struct krtp_rtp {
	bool started;		/* a packet was seen; ssrc and pt are valid */
	bool transit_valid;	/* transit holds the previous packet's */
	u8 pt;
	u8 other_count;		/* packets in a row of @other_ssrc */
	u32 ssrc;		/* the stream analysed */
	u16 max_seq;		/* highest sequence number seen */
	u32 cycles;		/* sequence wraps, shifted by 16 */
	u32 bad_seq;		/* A.1: the sequence number a restart needs */
	u32 other_ssrc;		/* another SSRC heard since the last of @ssrc */
	u64 window;		/* bit n: max_seq - n was received */
	u64 lost;
	u64 duplicates;
	u64 reordered;
	u32 transit;		/* arrival - timestamp of the previous packet */
	u64 jitter_q4;		/* A.8 jitter in timestamp units, times 16 */
};

/**
 * krtp_rtcp_is_stun_dtls - RFC 7983 demultiplexing by the first byte
 * @hdr: the start of the UDP payload
 * @len: UDP payload length
 *
 * Return: true for STUN (0-3) and DTLS (20-63), which never look like RTP
 * or RTCP version 2 (128-191).
 */
static inline bool krtp_rtcp_is_stun_dtls(const u8 *hdr, unsigned int len)
{
	return len && (hdr[0] <= 3 || (hdr[0] >= 20 && hdr[0] <= 63));
}

enum krtp_pkt_kind krtp_rtcp_classify(u32 flow_flags, const u8 *hdr,
				      unsigned int len);
void krtp_rtp_update(struct krtp_rtp *rtp, const u8 *hdr, u32 clock_rate,
		     u64 now_ns);
u32 krtp_rtp_jitter(const struct krtp_rtp *rtp);
u32 krtp_rtp_jitter_usecs(const struct krtp_rtp *rtp, u32 clock_rate);
bool krtp_rtcp_selftest(void);

#endif /* _KRTP_RTCP_H */
