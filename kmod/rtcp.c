// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: RTP/RTCP recognition and per-flow RTP analysis.
 *
 * Classification looks at the first two bytes only: version 2 and a second
 * byte of 192..223 is RTCP (RFC 5761 4: with rtcp-mux, RTP payload types
 * 64..95 with the marker bit would collide, so those are RTCP). Anything
 * else of version 2 and at least 12 bytes is RTP.
 *
 * The analysis follows RFC 3550 appendix A.1 (extended highest sequence
 * number, restart after two sequential packets far off) and A.8 (jitter in
 * timestamp units, fixed point times 16). Loss is counted from sequence
 * gaps and given back when a late packet fills one; a 64-packet window
 * behind the highest sequence number tells duplicates from late packets.
 */

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <linux/time64.h>
#include <uapi/linux/krtp.h>

#include "rtcp.h"

#define KRTP_RTP_SEQ_MOD	BIT(16)
#define KRTP_RTP_MAX_DROPOUT	3000	/* RFC 3550 A.1 */
#define KRTP_RTP_MAX_MISORDER	100	/* RFC 3550 A.1 */

/**
 * krtp_rtcp_classify - tell RTP from RTCP from anything else
 * @flow_flags: KRTP_FLOW_F_* of the flow
 * @hdr: the first min(@len, KRTP_RTP_HDR_LEN) bytes of the UDP payload
 * @len: UDP payload length
 *
 * Return: what the payload is.
 */
enum krtp_pkt_kind krtp_rtcp_classify(u32 flow_flags, const u8 *hdr,
				      unsigned int len)
{
	bool v2 = len >= 2 && (hdr[0] >> 6) == 2;

	if (flow_flags & KRTP_FLOW_F_RTCP) {
		/* the RTCP port of a non-muxed pair: all of it counts as RTCP;
		 * with STRICT_RTP it must still look like RTCP, and with
		 * PASS_STUN_DTLS STUN and DTLS are other (for the socket)
		 */
		if (v2 && len >= KRTP_RTCP_HDR_LEN)
			return KRTP_PKT_RTCP;
		if (flow_flags & KRTP_FLOW_F_STRICT_RTP)
			return KRTP_PKT_OTHER;
		if ((flow_flags & KRTP_FLOW_F_PASS_STUN_DTLS) &&
		    krtp_rtcp_is_stun_dtls(hdr, len))
			return KRTP_PKT_OTHER;
		return KRTP_PKT_RTCP;
	}
	if (!v2)
		return KRTP_PKT_OTHER;
	if (len >= KRTP_RTCP_HDR_LEN && hdr[1] >= 192 && hdr[1] <= 223)
		return KRTP_PKT_RTCP;
	if (len >= KRTP_RTP_HDR_LEN)
		return KRTP_PKT_RTP;
	return KRTP_PKT_OTHER;
}

/* header fields are big endian and the header may be unaligned */
static u16 krtp_rtp_get16(const u8 *p)
{
	return p[0] << 8 | p[1];
}

static u32 krtp_rtp_get32(const u8 *p)
{
	return (u32)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void krtp_rtp_seq_init(struct krtp_rtp *rtp, u16 seq)
{
	rtp->max_seq = seq;
	rtp->cycles = 0;
	rtp->window = 1;
	rtp->bad_seq = KRTP_RTP_SEQ_MOD + 1;	/* matches no sequence number */
}

/* RFC 3550 A.1 update_seq(); returns false for duplicates and packets it ignores */
static bool krtp_rtp_seq_update(struct krtp_rtp *rtp, u16 seq)
{
	u16 udelta = seq - rtp->max_seq;
	u16 back;

	if (udelta == 0) {
		rtp->duplicates++;
		return false;
	}
	if (udelta < KRTP_RTP_MAX_DROPOUT) {
		/* in order, with a gap of udelta - 1 */
		if (seq < rtp->max_seq)
			rtp->cycles += KRTP_RTP_SEQ_MOD;
		rtp->lost += udelta - 1;
		rtp->window = udelta >= 64 ? 1 : (rtp->window << udelta) | 1;
		rtp->max_seq = seq;
		return true;
	}
	if (udelta <= KRTP_RTP_SEQ_MOD - KRTP_RTP_MAX_MISORDER) {
		/*
		 * A very large jump. Two sequential packets there mean the
		 * sender restarted without telling us: resync. Otherwise
		 * ignore it (it is not counted as lost or late).
		 */
		if (seq == rtp->bad_seq) {
			krtp_rtp_seq_init(rtp, seq);
			return true;
		}
		rtp->bad_seq = (seq + 1) & (KRTP_RTP_SEQ_MOD - 1);
		return false;
	}
	/* late: up to MAX_MISORDER behind the highest sequence number */
	back = rtp->max_seq - seq;
	if (back < 64) {
		if (rtp->window & (1ULL << back)) {
			rtp->duplicates++;
			return false;
		}
		rtp->window |= 1ULL << back;
	}
	rtp->reordered++;
	/* it fills a gap counted as lost */
	if (rtp->lost)
		rtp->lost--;
	return true;
}

/* RFC 3550 A.8, with the arrival time converted to timestamp units */
static void krtp_rtp_jitter_update(struct krtp_rtp *rtp, u32 ts, u32 clock_rate,
				   u64 now_ns)
{
	u32 arrival = (u32)mul_u64_u32_div(now_ns, clock_rate, NSEC_PER_SEC);
	u32 transit = arrival - ts;

	if (rtp->transit_valid) {
		s32 diff = (s32)(transit - rtp->transit);
		u32 d = diff < 0 ? -(u32)diff : (u32)diff;

		u64 j = rtp->jitter_q4;

		/* J += (|D| - J) / 16, J kept times 16 */
		rtp->jitter_q4 = j + d - ((j + 8) >> 4);
	}
	rtp->transit = transit;
	rtp->transit_valid = true;
}

/**
 * krtp_rtp_update - account one RTP packet
 * @rtp: the flow's analysis state; the caller serialises updates
 * @hdr: the packet's first KRTP_RTP_HDR_LEN bytes
 * @clock_rate: the flow's RTP clock rate in Hz
 * @now_ns: arrival time in nanoseconds (any monotonic origin)
 */
void krtp_rtp_update(struct krtp_rtp *rtp, const u8 *hdr, u32 clock_rate,
		     u64 now_ns)
{
	u16 seq = krtp_rtp_get16(hdr + 2);
	u32 ts = krtp_rtp_get32(hdr + 4);
	u32 ssrc = krtp_rtp_get32(hdr + 8);

	if (rtp->started && ssrc != rtp->ssrc) {
		/* another source: followed once it is the only one heard */
		if (ssrc != rtp->other_ssrc) {
			rtp->other_ssrc = ssrc;
			rtp->other_count = 0;
		}
		if (++rtp->other_count < KRTP_RTP_SSRC_SWITCH)
			return;
		rtp->started = false;
	}
	rtp->other_count = 0;
	if (!rtp->started) {
		/* a new source: start its sequence and transit over */
		rtp->started = true;
		rtp->ssrc = ssrc;
		rtp->transit_valid = false;
		krtp_rtp_seq_init(rtp, seq);
	} else if (!krtp_rtp_seq_update(rtp, seq)) {
		return;
	}
	rtp->pt = hdr[1] & 0x7f;
	krtp_rtp_jitter_update(rtp, ts, clock_rate, now_ns);
}

/**
 * krtp_rtp_jitter - the interarrival jitter
 * @rtp: analysis state
 *
 * Return: jitter in timestamp units.
 */
u32 krtp_rtp_jitter(const struct krtp_rtp *rtp)
{
	return min_t(u64, rtp->jitter_q4 >> 4, U32_MAX);
}

/**
 * krtp_rtp_jitter_usecs - the interarrival jitter in microseconds
 * @rtp: analysis state
 * @clock_rate: the flow's clock rate in Hz
 *
 * Return: jitter in microseconds.
 */
u32 krtp_rtp_jitter_usecs(const struct krtp_rtp *rtp, u32 clock_rate)
{
	return min_t(u64, div_u64((u64)krtp_rtp_jitter(rtp) * USEC_PER_SEC,
				  clock_rate), U32_MAX);
}

#ifdef DEBUG
#include "selftest/rtp.c"
#endif
