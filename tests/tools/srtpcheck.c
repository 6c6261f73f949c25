// SPDX-License-Identifier: GPL-2.0
/*
 * srtpcheck: krtp.ko's SRTP against libsrtp2, the reference implementation.
 *
 *   srtpcheck RELAY_NS CALLER_NS CALLEE_NS SUITE BASE_PORT
 *
 * In the standard topology (tests/lib.sh), for one suite (80, 32 or gcm):
 *
 *   decrypt  libsrtp protects RTP and RTCP in the caller, a flow with
 *            srtp-in on 10.0.1.1:BASE turns it into RTP, the callee
 *            compares it with what was protected, byte for byte;
 *   encrypt  the caller sends RTP and RTCP, a flow with srtp-out on
 *            BASE+2 protects it, libsrtp unprotects it in the callee;
 *   bridge   libsrtp key A in, a flow with srtp-in A and srtp-out B on
 *            BASE+4, libsrtp key B out;
 *
 * each starting at sequence number 65530 so the ROC rolls over, and on
 * the decrypt flow a forged first packet from another port, which must
 * not become the flow's source, and later a replayed and a tampered
 * packet, which must not arrive, followed by a good one, which must. On
 * each flow a second SSRC then joins the first (run_two_sources()). Then
 * two flows share BASE+6 with one key, audio and video (run_bundle()). Flows
 * are made over netlink in the relay namespace; each socket is opened in
 * its namespace.
 *
 * libsrtp2 has AES-GCM only when built with a crypto library (Debian's
 * uses NSS); without it, the reference for AEAD_AES_128_GCM is RFC 7714
 * written here on OpenSSL's AES-CTR (the RFC 3711 KDF) and AES-GCM
 * (gcm_ref_*). The first line of output names the reference used.
 *
 * Prints "CHECK<tab>name<tab>expected<tab>actual" lines for the test script
 * (tests/test-srtp.sh).
 */
#define _GNU_SOURCE
#include "srtpcheck.h"

/*
 * Send NPKT RTP packets from sequence number @first and NRTCP RTCP packets
 * from @tx to @port; each is protected by @sender first if given; the
 * callee (@rx) unprotects with @receiver if given, and must then have the
 * packet that was built. Returns the packets that arrived intact.
 */
static int run_stream_from(int tx, int rx, uint16_t port, uint16_t first, struct ref *sender,
			   struct ref *receiver, const char *what)
{
	uint8_t ref[MAXPKT], buf[MAXPKT], got[MAXPKT];
	int i, len, glen, intact = 0, rtcp_intact = 0;
	char name[128];

	for (i = 0; i < NPKT + NRTCP; i++) {
		bool rtcp = i >= NPKT;

		len = rtcp ? rtcp_packet(ref, i) : rtp_packet(ref, (uint16_t)(first + i));
		memcpy(buf, ref, len);
		if (sender && ref_protect(sender, buf, &len, rtcp))
			die("protect");
		send_to(tx, buf, len, port);
		glen = recv_one(rx, got, sizeof(got));
		if (glen < 0)
			continue;
		if (receiver && ref_unprotect(receiver, got, &glen, rtcp))
			continue;
		if (glen == (rtcp ? 28 : 12 + PAYLOAD) && !memcmp(got, ref, glen)) {
			if (rtcp)
				rtcp_intact++;
			else
				intact++;
		}
	}
	snprintf(name, sizeof(name), "%s: RTP packets arrive intact", what);
	check(name, NPKT, intact);
	snprintf(name, sizeof(name), "%s: RTCP packets arrive intact", what);
	check(name, NRTCP, rtcp_intact);
	return intact;
}

/* from 65530, across the ROC rollover */
static int run_stream(int tx, int rx, uint16_t port, struct ref *sender,
		      struct ref *receiver, const char *what)
{
	char name[128];

	snprintf(name, sizeof(name), "%s, across the rollover", what);
	return run_stream_from(tx, rx, port, 65530, sender, receiver, name);
}

/*
 * A second sender SSRC (RFC 3711 3.2.3: its own ROC, from 0, and replay
 * state), as from a PBX that bridged in another party or a sender of
 * retransmissions: NPKT packets of SSRC2 from sequence number 1000,
 * interleaved with the first stream's from @first (where it stands, ROC
 * 1), then NRTCP RTCP packets of SSRC2, whose SRTCP index starts at 0
 * below the first stream's. Each must arrive as it was built.
 */
#define SSRC2	0x0badcafeU
static void run_two_sources(int tx, int rx, uint16_t port, uint16_t first, struct ref *sender,
			    struct ref *receiver, const char *what)
{
	uint8_t ref[MAXPKT], buf[MAXPKT], got[MAXPKT];
	int i, len, glen, intact[3] = { 0 };
	char name[128];

	if ((sender && !sender->s) || (receiver && !receiver->s)) {
		printf("SKIP\t%s: a second SSRC (needs libsrtp2 with the suite)\n", what);
		return;
	}
	for (i = 0; i < 2 * NPKT + NRTCP; i++) {
		int kind = i < 2 * NPKT ? i & 1 : 2;	/* 0 SSRC2, 1 SSRC, 2 RTCP */

		if (kind == 2)
			len = rtcp_packet_ssrc(ref, i, SSRC2);
		else if (kind == 0)
			len = rtp_packet_ssrc(ref, (uint16_t)(1000 + i / 2), SSRC2);
		else
			len = rtp_packet(ref, (uint16_t)(first + i / 2));
		memcpy(buf, ref, len);
		if (sender && ref_protect(sender, buf, &len, kind == 2))
			die("protect");
		send_to(tx, buf, len, port);
		glen = recv_one(rx, got, sizeof(got));
		if (glen < 0)
			continue;
		if (receiver && ref_unprotect(receiver, got, &glen, kind == 2))
			continue;
		if (glen == (kind == 2 ? 28 : 12 + PAYLOAD) && !memcmp(got, ref, glen))
			intact[kind]++;
	}
	snprintf(name, sizeof(name), "%s: a second SSRC's RTP packets arrive intact", what);
	check(name, NPKT, intact[0]);
	snprintf(name, sizeof(name), "%s: the first SSRC's, interleaved, too", what);
	check(name, NPKT, intact[1]);
	snprintf(name, sizeof(name), "%s: the second SSRC's RTCP packets arrive intact", what);
	check(name, NRTCP, intact[2]);
}

/*
 * BUNDLE (RFC 8843): two flows share local port @port, as krtpd keys every
 * line of a bundle with the one DTLS-SRTP key: audio (PT 0) to the
 * callee's @port+1000, video (PT 96) to @port+1002, each flow decrypting
 * with key @key. One libsrtp session protects both streams, interleaved,
 * and then each stream's RTCP: every packet must arrive intact at its own
 * port (RTP by payload type, RTCP by sender SSRC), none refused.
 */
#define SSRC_VIDEO	0x71de0000U
static uint32_t flow_add_bundle(uint16_t port, uint16_t peer_port, int pt, const uint8_t *key)
{
	static char buf[8192];
	struct nlmsghdr *nlh = knl_msg(&nl, buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	uint8_t set[KRTP_BUNDLE_PT_LEN] = { 0 };
	struct knl_ack a;

	set[pt / 8] = 1U << (pt % 8);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, RELAY4, port);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, CALLEE4, peer_port);
	mnl_attr_put(nlh, KRTP_A_FLOW_BUNDLE_PT, sizeof(set), set);
	put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, key, 0, 0, NULL, 0);
	mnl_attr_nest_end(nlh, nest);
	if (knl_xfer(&nl, nlh, &a)) {
		fprintf(stderr, "srtpcheck: flow-new (bundle): %s (%s)\n", strerror(-a.err), a.msg);
		exit(1);
	}
	return a.id;
}

static void run_bundle(uint16_t port, const uint8_t *key)
{
	uint8_t ref[MAXPKT], buf[MAXPKT], got[MAXPKT];
	int i, len, glen, intact[4] = { 0 };	/* audio RTP, video RTP, audio RTCP, video RTCP */
	struct flow_stats sa, sv;
	uint32_t audio, video;
	struct ref *snd;
	int tx, rx[2];

	snd = ref_new(key, true);
	if (!snd->s) {
		printf("SKIP\tbundle: one key on two flows (needs libsrtp2 with the suite)\n");
		ref_free(snd);
		return;
	}
	audio = flow_add_bundle(port, port + 1000, 0, key);
	video = flow_add_bundle(port, port + 1002, 96, key);
	tx = udp_socket(caller_ns, CALLER4, port + 10000);
	rx[0] = udp_socket(callee_ns, CALLEE4, port + 1000);
	rx[1] = udp_socket(callee_ns, CALLEE4, port + 1002);
	for (i = 0; i < 2 * NPKT + 2 * NRTCP; i++) {
		int kind = i < 2 * NPKT ? i & 1 : 2 + (i & 1);
		bool video_pkt = kind & 1;

		if (kind >= 2) {
			len = rtcp_packet_ssrc(ref, i, video_pkt ? SSRC_VIDEO : SSRC);
		} else {
			len = rtp_packet_ssrc(ref, (uint16_t)((video_pkt ? 7000 : 100) + i / 2),
					      video_pkt ? SSRC_VIDEO : SSRC);
			ref[1] = video_pkt ? 96 : 0;
		}
		memcpy(buf, ref, len);
		if (ref_protect(snd, buf, &len, kind >= 2))
			die("protect");
		send_to(tx, buf, len, port);
		glen = recv_one(rx[video_pkt], got, sizeof(got));
		if (glen == (kind >= 2 ? 28 : 12 + PAYLOAD) && !memcmp(got, ref, glen))
			intact[kind]++;
	}
	check("bundle: audio RTP arrives intact at the audio port", NPKT, intact[0]);
	check("bundle: video RTP arrives intact at the video port", NPKT, intact[1]);
	check("bundle: audio RTCP (its SSRC) at the audio port", NRTCP, intact[2]);
	check("bundle: video RTCP (its SSRC) at the video port", NRTCP, intact[3]);
	sa = flow_stats(audio);
	sv = flow_stats(video);
	check("bundle: audio flow packets", NPKT, sa.packets);
	check("bundle: video flow packets", NPKT, sv.packets);
	check("bundle: audio flow rtcp_packets", NRTCP, sa.rtcp_packets);
	check("bundle: video flow rtcp_packets", NRTCP, sv.rtcp_packets);
	check("bundle: srtp_auth_fail on either flow", 0, sa.auth_fail + sv.auth_fail);
	check("bundle: srtp_replay on either flow", 0, sa.replay + sv.replay);
	ref_free(snd);
	close(tx);
	close(rx[0]);
	close(rx[1]);
}

static long long sysfs_read(const char *name)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/krtp/%s", name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	uint8_t key_a[30], key_b[30], buf[MAXPKT], saved[MAXPKT], got[MAXPKT];
	long long auth0, replay0;
	int tx, rx, evil, len, slen, glen;
	struct flow_stats st;
	struct ref *snd, *rcv;
	uint16_t base;
	uint32_t id;

	if (argc != 6) {
		fprintf(stderr, "usage: srtpcheck RELAY_NS CALLER_NS CALLEE_NS 80|32|gcm BASE_PORT\n");
		return 2;
	}
	relay_ns = argv[1];
	caller_ns = argv[2];
	callee_ns = argv[3];
	if (!strcmp(argv[4], "80"))
		suite = KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	else if (!strcmp(argv[4], "32"))
		suite = KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32;
	else
		suite = KRTP_SRTP_SUITE_AEAD_AES_128_GCM;
	base = atoi(argv[5]);

	srtp_init();
	make_key(key_a, 1 + suite);
	make_key(key_b, 11 + suite);
	if (salt_len() == 12) {
		/* libsrtp's GCM key is 16 + 12 bytes */
		memset(key_a + 28, 0, 2);
		memset(key_b + 28, 0, 2);
	}
	snd = ref_new(key_a, true);
	printf("# reference: %s\n", snd->s ? "libsrtp2" : "RFC 7714 on OpenSSL (this libsrtp2 has no GCM)");
	ref_free(snd);

	enter_ns(relay_ns);
	if (knl_open(&nl))
		die("krtp netlink");
	auth0 = sysfs_read("srtp_auth_fail");
	replay0 = sysfs_read("srtp_replay");

	/* decrypt: SRTP (key A) in, RTP out */
	id = flow_add(base, key_a, NULL);
	tx = udp_socket(caller_ns, CALLER4, base + 10000);
	rx = udp_socket(callee_ns, CALLEE4, base + 1000);
	/* a forgery from another port first: it must not become the source */
	evil = udp_socket(caller_ns, CALLER4, base + 20000);
	rcv = ref_new(key_b, true);
	len = rtp_packet(buf, 65529);
	ref_protect(rcv, buf, &len, false);
	send_to(evil, buf, len, base);
	ref_free(rcv);
	close(evil);
	snd = ref_new(key_a, true);
	run_stream(tx, rx, base, snd, NULL, "decrypt");

	/* a replay of the last RTP packet, then a tampered new one, then a good one */
	len = rtp_packet(saved, (uint16_t)(65530 + NPKT));
	ref_protect(snd, saved, &len, false);
	slen = len;
	send_to(tx, saved, slen, base);
	check("decrypt: a fresh packet arrives", 1, recv_one(rx, got, sizeof(got)) == 12 + PAYLOAD);
	send_to(tx, saved, slen, base);			/* replayed */
	len = rtp_packet(buf, (uint16_t)(65530 + NPKT + 1));
	ref_protect(snd, buf, &len, false);
	buf[20] ^= 0x01;				/* tampered */
	send_to(tx, buf, len, base);
	len = rtp_packet(buf, (uint16_t)(65530 + NPKT + 2));
	ref_protect(snd, buf, &len, false);
	send_to(tx, buf, len, base);			/* good */
	len = recv_one(rx, got, sizeof(got));
	check("decrypt: after a replay and a forgery the next good packet is what arrives", 1,
	      len == 12 + PAYLOAD && got[3] == (uint8_t)(65530 + NPKT + 2));
	st = flow_stats(id);
	check("decrypt: flow srtp_auth_fail (the forgery, the tampered packet)", 2,
	      st.auth_fail);
	check("decrypt: flow srtp_replay", 1, st.replay);
	check("decrypt: flow packets (RTP forwarded)", NPKT + 2, st.packets);
	check("decrypt: flow rtcp_packets", NRTCP, st.rtcp_packets);
	check("decrypt: flow drop_other", 0, st.other);
	run_two_sources(tx, rx, base, (uint16_t)(65530 + NPKT + 3), snd, NULL, "decrypt");
	ref_free(snd);
	close(tx);
	close(rx);

	/* encrypt: RTP in, SRTP (key B) out */
	id = flow_add(base + 2, NULL, key_b);
	tx = udp_socket(caller_ns, CALLER4, base + 10002);
	rx = udp_socket(callee_ns, CALLEE4, base + 1002);
	rcv = ref_new(key_b, false);
	run_stream(tx, rx, base + 2, NULL, rcv, "encrypt");
	st = flow_stats(id);
	check("encrypt: flow packets", NPKT, st.packets);
	check("encrypt: flow srtp_auth_fail", 0, st.auth_fail);
	run_two_sources(tx, rx, base + 2, (uint16_t)(65530 + NPKT), NULL, rcv, "encrypt");
	ref_free(rcv);
	close(tx);
	close(rx);

	/* bridge: SRTP key A in, SRTP key B out */
	id = flow_add(base + 4, key_a, key_b);
	tx = udp_socket(caller_ns, CALLER4, base + 10004);
	rx = udp_socket(callee_ns, CALLEE4, base + 1004);
	snd = ref_new(key_a, true);
	rcv = ref_new(key_b, false);
	run_stream(tx, rx, base + 4, snd, rcv, "bridge");
	st = flow_stats(id);
	check("bridge: flow packets", NPKT, st.packets);
	/* past seq 65535 both contexts are in ROC 1; 3 SRTCP packets went out */
	check("bridge: reported in roc", 1, st.srtp.in_roc);
	check("bridge: reported out roc", 1, st.srtp.out_roc);
	check("bridge: reported out srtcp index", NRTCP, st.srtp.out_srtcp_index);

	/*
	 * Replaced (a re-INVITE with the same keys): the new flow starts from
	 * the reported ROC and SRTCP index, and the same libsrtp sessions go
	 * on. From ROC 0 the kernel would refuse the sender's packets and the
	 * receiver the kernel's; from SRTCP index 0, libsrtp would call the
	 * new SRTCP packets replays.
	 */
	if (knl_flow_by_id(&nl, KRTP_CMD_FLOW_DEL, id, &(struct knl_ack){ 0 }))
		die("flow-del");
	id = flow_add_from(base + 4, key_a, key_b, &st.srtp);
	run_stream_from(tx, rx, base + 4, (uint16_t)(65530 + NPKT), snd, rcv,
			"bridge re-created with the reported roc and srtcp index");
	st = flow_stats(id);
	check("bridge re-created: flow packets", NPKT, st.packets);
	check("bridge re-created: flow srtp_auth_fail", 0, st.auth_fail);
	check("bridge re-created: reported out srtcp index", 2 * NRTCP,
	      st.srtp.out_srtcp_index);
	run_two_sources(tx, rx, base + 4, (uint16_t)(65530 + 2 * NPKT), snd, rcv,
			"bridge re-created");
	st = flow_stats(id);
	check("bridge re-created: flow srtp_auth_fail after a second SSRC", 0, st.auth_fail);
	check("bridge re-created: flow srtp_replay after a second SSRC", 0, st.replay);

	/*
	 * Replaced again when the stream last heard is the second SSRC (ROC
	 * 0) and the first is in ROC 1: a dump's one ROC is the second's,
	 * but each stream it lists goes on in its own ROC. From ROC 0 the
	 * first SSRC would be refused by the flow, and by libsrtp after it.
	 */
	len = rtp_packet_ssrc(buf, 1000 + NPKT, SSRC2);
	if (ref_protect(snd, buf, &len, false))
		die("protect");
	send_to(tx, buf, len, base + 4);
	glen = recv_one(rx, got, sizeof(got));
	if (glen > 0)
		ref_unprotect(rcv, got, &glen, false);
	st = flow_stats(id);
	check("bridge: reported in roc, that of the second SSRC heard last", 0, st.srtp.in_roc);
	check("bridge: both streams reported, in", 2, st.srtp.nstreams[0]);
	check("bridge: both streams reported, out", 2, st.srtp.nstreams[1]);
	if (knl_flow_by_id(&nl, KRTP_CMD_FLOW_DEL, id, &(struct knl_ack){ 0 }))
		die("flow-del");
	id = flow_add_from(base + 4, key_a, key_b, &st.srtp);
	run_stream_from(tx, rx, base + 4, (uint16_t)(65530 + 3 * NPKT), snd, rcv,
			"bridge re-created with each stream's roc");
	st = flow_stats(id);
	check("bridge re-created with streams: flow srtp_auth_fail", 0, st.auth_fail);
	ref_free(snd);
	ref_free(rcv);
	close(tx);
	close(rx);

	run_bundle(base + 6, key_a);

	/* module-wide: exactly this run's refusals */
	check("sysfs srtp_auth_fail grew by 2", auth0 + 2, sysfs_read("srtp_auth_fail"));
	check("sysfs srtp_replay grew by 1", replay0 + 1, sysfs_read("srtp_replay"));
	knl_close(&nl);
	return 0;
}
