// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the RTP arithmetic (#included by rtcp.c in DEBUG builds):
 * sequence gaps, late and duplicate packets, wrap-around, restart, and the
 * RFC 3550 A.8 jitter on packets with known arrival times.
 */

static void __init krtp_rtp_selftest_pkt(u8 *hdr, u8 pt, u16 seq, u32 ts,
					 u32 ssrc)
{
	hdr[0] = 0x80;
	hdr[1] = pt;
	hdr[2] = seq >> 8;
	hdr[3] = seq;
	hdr[4] = ts >> 24;
	hdr[5] = ts >> 16;
	hdr[6] = ts >> 8;
	hdr[7] = ts;
	hdr[8] = ssrc >> 24;
	hdr[9] = ssrc >> 16;
	hdr[10] = ssrc >> 8;
	hdr[11] = ssrc;
}

struct krtp_rtp_selftest_step {
	u16 seq;
	u32 ts;
	u32 ssrc;
	u64 at_ms;	/* arrival time */
};

bool __init krtp_rtcp_selftest(void)
{
	/* 8000 Hz, 20 ms packets: the timestamp moves 160 a packet */
	static const struct krtp_rtp_selftest_step steps[] __initconst = {
		{ 10, 1600, 7, 200 },
		{ 11, 1760, 7, 220 },
		{ 13, 2080, 7, 260 },	/* 12 lost */
		{ 14, 2240, 7, 290 },	/* 10 ms late: |D| = 80 */
		{ 12, 1920, 7, 291 },	/* 12 late, fills the gap */
		{ 12, 1920, 7, 292 },	/* duplicate */
		{ 14, 2240, 7, 293 },	/* duplicate of the highest */
	};
	u8 hdr[KRTP_RTP_HDR_LEN];
	struct krtp_rtp rtp = {};
	bool ok = true;
	unsigned int i;
	u16 seq;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		krtp_rtp_selftest_pkt(hdr, 0, steps[i].seq, steps[i].ts,
				      steps[i].ssrc);
		krtp_rtp_update(&rtp, hdr, 8000, steps[i].at_ms * NSEC_PER_MSEC);
		if (i == 3 && (rtp.lost != 1 || krtp_rtp_jitter(&rtp) != 5)) {
			pr_err("rtp self-test: after gap lost %llu jitter %u\n",
			       rtp.lost, krtp_rtp_jitter(&rtp));
			ok = false;
		}
	}
	if (rtp.lost != 0 || rtp.reordered != 1 || rtp.duplicates != 2 ||
	    rtp.ssrc != 7 || rtp.pt != 0) {
		pr_err("rtp self-test: lost %llu reordered %llu dup %llu\n",
		       rtp.lost, rtp.reordered, rtp.duplicates);
		ok = false;
	}

	/* wrap-around without loss, then a gap across the wrap */
	memset(&rtp, 0, sizeof(rtp));
	for (seq = 65530; seq != 3; seq++) {
		krtp_rtp_selftest_pkt(hdr, 8, seq, 0, 9);
		krtp_rtp_update(&rtp, hdr, 8000, 0);
	}
	krtp_rtp_selftest_pkt(hdr, 8, 6, 0, 9);		/* 3, 4, 5 lost */
	krtp_rtp_update(&rtp, hdr, 8000, 0);
	if (rtp.lost != 3 || rtp.cycles != KRTP_RTP_SEQ_MOD || rtp.pt != 8 ||
	    rtp.duplicates || rtp.reordered || krtp_rtp_jitter(&rtp)) {
		pr_err("rtp self-test: wrap lost %llu cycles %u\n",
		       rtp.lost, rtp.cycles);
		ok = false;
	}

	/* a far jump is ignored once, then taken as a restart */
	krtp_rtp_selftest_pkt(hdr, 8, 30000, 0, 9);
	krtp_rtp_update(&rtp, hdr, 8000, 0);
	krtp_rtp_selftest_pkt(hdr, 8, 30001, 0, 9);
	krtp_rtp_update(&rtp, hdr, 8000, 0);
	krtp_rtp_selftest_pkt(hdr, 8, 30002, 0, 9);
	krtp_rtp_update(&rtp, hdr, 8000, 0);
	if (rtp.max_seq != 30002 || rtp.lost != 3) {
		pr_err("rtp self-test: restart max_seq %u lost %llu\n",
		       rtp.max_seq, rtp.lost);
		ok = false;
	}

	/*
	 * Another SSRC now and then (RTX) leaves the stream alone; one that
	 * goes on alone for KRTP_RTP_SSRC_SWITCH packets is followed.
	 */
	memset(&rtp, 0, sizeof(rtp));
	for (seq = 100; seq < 110; seq++) {
		krtp_rtp_selftest_pkt(hdr, 0, seq, 0, 7);
		krtp_rtp_update(&rtp, hdr, 8000, 0);
		krtp_rtp_selftest_pkt(hdr, 97, 5000 + seq, 0, 70);
		krtp_rtp_update(&rtp, hdr, 8000, 0);
	}
	if (rtp.ssrc != 7 || rtp.pt != 0 || rtp.max_seq != 109 || rtp.lost) {
		pr_err("rtp self-test: rtx ssrc %u max_seq %u\n", rtp.ssrc,
		       rtp.max_seq);
		ok = false;
	}
	for (seq = 0; seq < KRTP_RTP_SSRC_SWITCH; seq++) {
		krtp_rtp_selftest_pkt(hdr, 8, 40 + seq, 0, 9);
		krtp_rtp_update(&rtp, hdr, 8000, 0);
	}
	if (rtp.ssrc != 9 || rtp.pt != 8 ||
	    rtp.max_seq != 40 + KRTP_RTP_SSRC_SWITCH - 1 || rtp.lost) {
		pr_err("rtp self-test: switch ssrc %u max_seq %u\n", rtp.ssrc,
		       rtp.max_seq);
		ok = false;
	}

	/* jitter in microseconds: 80 units at 8000 Hz are 10 ms */
	rtp.jitter_q4 = 80 << 4;
	if (krtp_rtp_jitter_usecs(&rtp, 8000) != 10000)
		ok = false;

	/* classification */
	hdr[0] = 0x80;
	hdr[1] = 200;	/* SR */
	if (krtp_rtcp_classify(0, hdr, 28) != KRTP_PKT_RTCP ||
	    krtp_rtcp_classify(0, hdr, 12) != KRTP_PKT_RTCP ||
	    krtp_rtcp_classify(KRTP_FLOW_F_RTCP, hdr, 3) != KRTP_PKT_RTCP ||
	    krtp_rtcp_classify(KRTP_FLOW_F_RTCP | KRTP_FLOW_F_STRICT_RTP,
			       hdr, 3) != KRTP_PKT_OTHER)
		ok = false;
	hdr[1] = 0x80 | 8;	/* PCMA with the marker bit */
	if (krtp_rtcp_classify(0, hdr, 12) != KRTP_PKT_RTP ||
	    krtp_rtcp_classify(0, hdr, 11) != KRTP_PKT_OTHER)
		ok = false;
	hdr[0] = 0x40;		/* version 1 */
	if (krtp_rtcp_classify(0, hdr, 172) != KRTP_PKT_OTHER)
		ok = false;

	if (ok)
		pr_info("rtp self-test: pass\n");
	return ok;
}
