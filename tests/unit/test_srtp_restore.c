// SPDX-License-Identifier: GPL-2.0
/*
 * An SDES call bridged by krtpd (srtp = bridge) across kill -9 and a
 * restart, against a krtp.ko played by this program: flow add, get,
 * delete and dump go to a table held here (the linker's --wrap, see the
 * Makefile), and, as krtp.ko does, nothing read back carries a key.
 *
 * The restarted krtpd must get the call's keys back from the store
 * (daemon/media/srtp_state.c): a session refresh from the plain side is
 * offered krtpd's key of before the restart, and its answer with the
 * phone's key of before leaves the flows as they are; a refresh that
 * moves a leg replaces the flows with the same keys from krtp.ko's ROC; a
 * new key from the phone re-keys. A call whose stored keys are not its
 * flows' stays as it was (offers refused). A call's keys go with the call
 * (its media or its dialog), those of a call krtp.ko no longer carries at
 * a restart, and the store file is its owner's only.
 *
 * A browser's WebRTC leg (keyed by DTLS-SRTP, here by hand) to a plain
 * phone: its keys are stored once DTLS gave them, and after a restart
 * with the same dtls_certificate the browser's unchanged re-offer is
 * answered with the same fingerprint and ICE credentials and one
 * candidate (the relay is dual stack: the leg stays where its flows are)
 * and leaves the flows alone; an ICE restart (new credentials, the same
 * fingerprint) gets new credentials of krtpd's, its ::1 candidate back,
 * and keeps the keys, stored and in the flows; a new fingerprint replaces
 * the stored keys. So with a
 * generated certificate, which the store keeps across the restart. When
 * the kept one is lost (here: damaged), a new one is made, the call stays
 * unkeyed (488) and its keys are dropped. A WebRTC callee's keys (krtpd
 * made the offer) come back too: the phone's re-offer, turned into
 * krtpd's offer to the browser, keeps the session.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <krtp/nl.h>
#include "media.h"
#include "media/internal.h"
#include "media/dtls.h"
#include "media/webrtc.h"
#include "sdp_crypto.h"
#include "store.h"

#include "check.h"

#define KEY_A	"d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj"	/* the phone's, 30 bytes */
#define KEY_B	"PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"	/* its next one */

/* krtp.ko, played: flows with their keys, as added */
#define FAKE_MAX	64
static struct krtp_flow fake_flows[FAKE_MAX];
static bool fake_live[FAKE_MAX];
static uint32_t fake_next_id = 1;
static unsigned int fake_adds, fake_dels;
static bool fake_killed;	/* krtpd "killed": its flows stay */
static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;

int __wrap_krtp_nl_flow_add_batch(struct krtp_nl *nl, struct krtp_flow *flows, size_t n,
				  size_t *done)
{
	(void)nl;
	pthread_mutex_lock(&fake_lock);
	for (*done = 0; *done < n; (*done)++) {
		uint32_t id = fake_next_id++;

		if (id >= FAKE_MAX) {
			pthread_mutex_unlock(&fake_lock);
			return -ENOSPC;
		}
		flows[*done].id = id;
		fake_flows[id] = flows[*done];
		fake_live[id] = true;
		fake_adds++;
	}
	pthread_mutex_unlock(&fake_lock);
	return 0;
}

int __wrap_krtp_nl_flow_del_id(struct krtp_nl *nl, uint32_t id)
{
	int err = 0;

	(void)nl;
	pthread_mutex_lock(&fake_lock);
	if (fake_killed)
		;	/* kill -9: nobody deletes anything */
	else if (id >= FAKE_MAX || !fake_live[id])
		err = -ENOENT;
	else {
		fake_live[id] = false;
		fake_dels++;
	}
	pthread_mutex_unlock(&fake_lock);
	return err;
}

/*
 * What krtp.ko tells: everything but the keys, and the source as it
 * validates it now: locked on the port the first packet came from
 */
static void fake_read(uint32_t id, struct krtp_flow *out)
{
	*out = fake_flows[id];
	if (!out->source.family) {
		out->src_mode = KRTP_SRC_MODE_LEARN;
		out->source = out->peer;
	} else {
		out->src_mode = out->source.port ? KRTP_SRC_MODE_EXACT : KRTP_SRC_MODE_ADDR;
	}
	if (!out->source.port)
		out->source.port = 40000;
	out->src_locked = true;
	memset(out->srtp_in.key, 0, sizeof(out->srtp_in.key));
	memset(out->srtp_in.salt, 0, sizeof(out->srtp_in.salt));
	memset(out->srtp_out.key, 0, sizeof(out->srtp_out.key));
	memset(out->srtp_out.salt, 0, sizeof(out->srtp_out.salt));
	out->srtp_in.salt_len = out->srtp_out.salt_len = 0;
}

int __wrap_krtp_nl_flow_get_id(struct krtp_nl *nl, uint32_t id, struct krtp_flow *out)
{
	int err = 0;

	(void)nl;
	pthread_mutex_lock(&fake_lock);
	if (id >= FAKE_MAX || !fake_live[id])
		err = -ENOENT;
	else
		fake_read(id, out);
	pthread_mutex_unlock(&fake_lock);
	return err;
}

int __wrap_krtp_nl_flow_dump_label(struct krtp_nl *nl, const void *prefix, size_t len,
				   int (*cb)(const struct krtp_flow *flow, void *arg), void *arg)
{
	struct krtp_flow f;
	int err = 0;

	(void)nl;
	for (uint32_t id = 1; id < FAKE_MAX && !err; id++) {
		pthread_mutex_lock(&fake_lock);
		if (!fake_live[id]) {
			pthread_mutex_unlock(&fake_lock);
			continue;
		}
		fake_read(id, &f);
		pthread_mutex_unlock(&fake_lock);
		if (len && (f.label_len < len || memcmp(f.label, prefix, len)))
			continue;
		err = cb(&f, arg);
	}
	return err;
}

int __wrap_krtp_nl_flow_dump(struct krtp_nl *nl, int (*cb)(const struct krtp_flow *flow, void *arg),
			     void *arg)
{
	return __wrap_krtp_nl_flow_dump_label(nl, NULL, 0, cb, arg);
}

/* the live flow of call id's stream 0 with direction name dir ("ab", "ba"), 0 if none */
static uint32_t fake_find(const char *id, const char *dir)
{
	char want[KRTP_LABEL_MAX_LEN + 1];
	int n = snprintf(want, sizeof(want), "krtpd:%016llx:0:%s",
			 (unsigned long long)med_key_hash(id), dir);

	for (uint32_t id = 1; id < FAKE_MAX; id++)
		if (fake_live[id] && fake_flows[id].label_len == (size_t)n &&
		    !memcmp(fake_flows[id].label, want, (size_t)n))
			return id;
	return 0;
}

static const char *sdp_fmt =
	"v=0\r\n"
	"o=%s 1 %d IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio %u %s 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"%s";

static struct sockaddr_storage sig;
static uint16_t base_port;

/* an SDP of user's, version ver; crypto: a=crypto lines or "" */
static size_t mk_sdp(char *buf, size_t sz, const char *user, int ver, uint16_t port,
		     const char *crypto)
{
	return (size_t)snprintf(buf, sz, sdp_fmt, user, ver, port,
				*crypto ? "RTP/SAVP" : "RTP/AVP", crypto);
}

/* krtpd's a=crypto key in out (base64, 40 characters), "" if none */
static void shown_key(const char *out, char key[48])
{
	const char *k = strstr(out, "inline:");

	key[0] = '\0';
	if (k)
		sscanf(k, "inline:%40[A-Za-z0-9+/=]", key);
}

static void key_bytes(const char *b64, struct sdp_crypto *c)
{
	char line[96];
	const char *why;

	snprintf(line, sizeof(line), "2 AES_CM_128_HMAC_SHA1_80 inline:%s", b64);
	memset(c, 0, sizeof(*c));
	CHECK_EQ(sdp_crypto_parse(line, strlen(line), c, &why), 0);
}

/* the flow's key (in or out) is b64's */
static bool flow_key_is(const struct krtp_srtp *k, const char *b64)
{
	struct sdp_crypto c;

	key_bytes(b64, &c);
	return k->suite == KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80 && k->salt_len == 14 &&
	       !memcmp(k->key, c.key, 16) && !memcmp(k->salt, c.key + 16, 14);
}

static const char *dtls_cert;	/* dtls_certificate, NULL: a generated one */

static int start(void)
{
	struct med_config cfg = { .mode = MED_MODE_KERNEL, .dtls_certificate = dtls_cert };
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.relay4;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&cfg.relay6;

	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* dual stack: WebRTC legs get a second candidate on ::1 */
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = in6addr_loopback;
	cfg.port_min = base_port;
	cfg.port_max = (uint16_t)(base_port + 63);
	return MED_Init(&cfg);
}

/* kill -9 and start again: the flows stay in "krtp.ko", the store stays */
static int restart(void)
{
	fake_killed = true;
	MED_Fini();
	fake_killed = false;
	CHECK_EQ(start(), MED_MODE_KERNEL);
	return MED_Restore();
}

/*
 * alice (leg A, SRTP with key) calls bob (plain) through krtpd under
 * srtp = bridge; krtpd's key toward alice into kkey
 */
static void call(const char *id, uint16_t ap, uint16_t bp, const char *key, char kkey[48])
{
	char in[1024], out[2048], crypto[128];
	size_t n, olen = 0;
	struct sto_dialog d = { .call_id = id };

	snprintf(crypto, sizeof(crypto), "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n", key);
	n = mk_sdp(in, sizeof(in), "alice", 1, ap, crypto);
	CHECK_EQ(MED_OfferSrtp(id, MED_LEG_A, MED_SRTP_BRIDGE, (struct sockaddr *)&sig, in, n, out,
			       sizeof(out), &olen), 0);
	n = mk_sdp(in, sizeof(in), "bob", 1, bp, "");
	CHECK_EQ(MED_Answer(id, MED_LEG_B, (struct sockaddr *)&sig, in, n, out, sizeof(out), &olen),
		 0);
	out[olen] = '\0';
	shown_key(out, kkey);
	CHECK_EQ(strlen(kkey), 40);
	CHECK_EQ(STO_DialogPut(&d), 0);
}

static int rows, row_dtls;
static struct sdp_crypto row_peer;

static void count_row(const struct sto_srtp *k, void *arg)
{
	if (strcmp(k->call_id, (const char *)arg))
		return;
	rows++;
	row_dtls = k->dtls;
	memset(&row_peer, 0, sizeof(row_peer));
	if (k->peer_len <= sizeof(row_peer.key))
		memcpy(row_peer.key, k->peer, k->peer_len);
	row_peer.key_len = k->peer_len;
}

static int stored(const char *id)
{
	rows = 0;
	CHECK(STO_SrtpLoad(count_row, (void *)id) >= 0);
	return rows;
}

static void test_refresh_after_restart(void)
{
	char in[1024], out[2048], kkey[48], again[48], crypto[128];
	unsigned int adds, dels;
	struct sdp_crypto ka, kb;
	struct med_call *c;
	uint32_t ab, ab2;
	size_t n, olen = 0;

	key_bytes(KEY_A, &ka);
	key_bytes(KEY_B, &kb);
	CHECK_EQ(start(), MED_MODE_KERNEL);
	call("s1", 20000, 21000, KEY_A, kkey);
	CHECK_EQ(stored("s1"), 1);
	CHECK(row_peer.key_len == 30 && !memcmp(row_peer.key, ka.key, 30));
	ab = fake_find("s1", "ab");
	CHECK(ab != 0);
	if (!ab)
		return;
	CHECK(flow_key_is(&fake_flows[ab].srtp_in, KEY_A));
	/* alice's stream crossed sequence 65535 three times before the restart */
	fake_flows[ab].srtp_in.roc = 3;

	CHECK_EQ(restart(), 1);
	pthread_mutex_lock(&med_lock);
	c = med_call_find("s1");
	CHECK(c != NULL);
	if (c) {
		CHECK(!c->unkeyed);
		CHECK_EQ(c->srtp, MED_SRTP_BRIDGE);
		CHECK(c->streams[0] && c->streams[0]->srtp[0].on && !c->streams[0]->srtp[1].on);
		CHECK(c->streams[0] && !memcmp(c->streams[0]->srtp[0].peer.key, ka.key, 30));
	}
	pthread_mutex_unlock(&med_lock);

	/* bob's session refresh, plain: alice is offered krtpd's key of before */
	adds = fake_adds;
	dels = fake_dels;
	n = mk_sdp(in, sizeof(in), "bob", 2, 21000, "");
	CHECK_EQ(MED_OfferSrtp("s1", MED_LEG_B, MED_SRTP_BRIDGE, (struct sockaddr *)&sig, in, n,
			       out, sizeof(out), &olen), 0);
	out[olen] = '\0';
	CHECK(strstr(out, " RTP/SAVP ") != NULL);
	CHECK(strstr(out, "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:") != NULL);
	shown_key(out, again);
	CHECK_EQ(strcmp(again, kkey), 0);
	/* alice answers with her key of before: nothing in krtp.ko changes */
	snprintf(crypto, sizeof(crypto), "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n", KEY_A);
	n = mk_sdp(in, sizeof(in), "alice", 2, 20000, crypto);
	CHECK_EQ(MED_Answer("s1", MED_LEG_A, (struct sockaddr *)&sig, in, n, out, sizeof(out),
			    &olen), 0);
	CHECK_EQ(fake_adds, adds);
	CHECK_EQ(fake_dels, dels);

	/* bob moves: the flows toward him are new, alice's key goes on from ROC 3 */
	n = mk_sdp(in, sizeof(in), "bob", 3, 21100, "");
	CHECK_EQ(MED_OfferSrtp("s1", MED_LEG_B, MED_SRTP_BRIDGE, (struct sockaddr *)&sig, in, n,
			       out, sizeof(out), &olen), 0);
	n = mk_sdp(in, sizeof(in), "alice", 3, 20000, crypto);
	CHECK_EQ(MED_Answer("s1", MED_LEG_A, (struct sockaddr *)&sig, in, n, out, sizeof(out),
			    &olen), 0);
	ab2 = fake_find("s1", "ab");
	CHECK(ab2 != 0 && ab2 != ab);
	if (ab2) {
		CHECK_EQ(fake_flows[ab2].peer.port, 21100);
		CHECK(flow_key_is(&fake_flows[ab2].srtp_in, KEY_A));
		CHECK_EQ(fake_flows[ab2].srtp_in.roc, 3);
	}

	/* alice re-keys: her new key decrypts, krtpd has a new one toward her */
	snprintf(crypto, sizeof(crypto), "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n", KEY_B);
	n = mk_sdp(in, sizeof(in), "alice", 4, 20000, crypto);
	CHECK_EQ(MED_OfferSrtp("s1", MED_LEG_A, MED_SRTP_BRIDGE, (struct sockaddr *)&sig, in, n,
			       out, sizeof(out), &olen), 0);
	n = mk_sdp(in, sizeof(in), "bob", 4, 21100, "");
	CHECK_EQ(MED_Answer("s1", MED_LEG_B, (struct sockaddr *)&sig, in, n, out, sizeof(out),
			    &olen), 0);
	out[olen] = '\0';
	shown_key(out, again);
	CHECK(strlen(again) == 40 && strcmp(again, kkey));
	ab2 = fake_find("s1", "ab");
	CHECK(ab2 && flow_key_is(&fake_flows[ab2].srtp_in, KEY_B));
	CHECK(ab2 && fake_flows[ab2].srtp_in.roc == 0);
	CHECK_EQ(stored("s1"), 1);
	CHECK(row_peer.key_len == 30 && !memcmp(row_peer.key, kb.key, 30));

	/* and again after a second restart: the new keys are the ones kept */
	{
		/* keys of a call krtp.ko no longer carries (it ended while krtpd was down) */
		struct sto_srtp gone = { .call_id = "gone", .suite = SDP_SRTP_AES_CM_128_HMAC_SHA1_80,
					 .peer = ka.key, .peer_len = 30, .own = kb.key,
					 .own_len = 30 };

		CHECK_EQ(STO_SrtpPut(&gone), 0);
		CHECK_EQ(stored("gone"), 1);
	}
	CHECK_EQ(restart(), 1);
	CHECK_EQ(stored("gone"), 0);
	pthread_mutex_lock(&med_lock);
	c = med_call_find("s1");
	CHECK(c && !c->unkeyed && c->streams[0] &&
	      !memcmp(c->streams[0]->srtp[0].peer.key, kb.key, 30));
	pthread_mutex_unlock(&med_lock);

	/* the BYE: the call's media goes, its keys with it, before the dialog */
	CHECK_EQ(stored("s1"), 1);
	MED_Delete("s1");
	CHECK_EQ(stored("s1"), 0);
	CHECK_EQ(STO_DialogDel("s1"), 0);
	MED_Fini();
}

static void wrong_suite(const struct sto_srtp *k, void *arg)
{
	struct sto_srtp w = *k;

	(void)arg;
	if (strcmp(k->call_id, "s2"))
		return;
	w.suite = SDP_SRTP_AES_CM_128_HMAC_SHA1_32;
	CHECK_EQ(STO_SrtpPut(&w), 0);
}

static void test_mismatch(void)
{
	char in[1024], out[2048], kkey[48];
	struct med_call *c;
	size_t n, olen = 0;

	CHECK_EQ(start(), MED_MODE_KERNEL);
	call("s2", 20200, 21200, KEY_A, kkey);
	/* a store that does not say what krtp.ko does */
	CHECK(STO_SrtpLoad(wrong_suite, NULL) >= 1);
	CHECK_EQ(restart(), 1);
	pthread_mutex_lock(&med_lock);
	c = med_call_find("s2");
	CHECK(c && c->unkeyed && c->streams[0] && !c->streams[0]->srtp[0].on);
	pthread_mutex_unlock(&med_lock);
	n = mk_sdp(in, sizeof(in), "bob", 2, 21200, "");
	CHECK_EQ(MED_OfferSrtp("s2", MED_LEG_B, MED_SRTP_BRIDGE, (struct sockaddr *)&sig, in, n,
			       out, sizeof(out), &olen), -ENOKEY);
	/* keys that key nothing are not kept */
	CHECK_EQ(stored("s2"), 0);
	/* the dialog alone takes a call's keys too */
	call("s3", 20400, 21400, KEY_B, kkey);
	CHECK_EQ(stored("s3"), 1);
	CHECK_EQ(STO_DialogDel("s3"), 0);
	CHECK_EQ(stored("s3"), 0);
	CHECK_EQ(STO_DialogDel("s2"), 0);
	MED_Fini();
}

#define WR_FP "C7:07:22:B2:F6:FA:05:14:B2:46:B1:3C:A8:42:75:E3:" \
	      "3D:D5:EA:60:62:72:8F:92:A4:62:F2:D1:4A:60:4D:C3"

/* a browser's offer (aiortc's), version ver, ICE credentials ufrag and pwd */
static size_t wr_offer(char *buf, size_t sz, int ver, const char *ufrag, const char *pwd)
{
	return (size_t)snprintf(buf, sz,
		"v=0\r\no=- 4005508014 %d IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
		"a=group:BUNDLE 0\r\n"
		"m=audio 47088 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\na=sendrecv\r\n"
		"a=mid:0\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n"
		"a=candidate:f957a233 1 udp 2130706431 127.0.0.1 47088 typ host\r\n"
		"a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
		"a=fingerprint:sha-256 " WR_FP "\r\na=setup:actpass\r\n", ver, ufrag, pwd);
}

/* the value of the first line starting with what in sdp, up to its end */
static void sdp_line(const char *sdp, const char *what, char *out, size_t sz)
{
	const char *l = strstr(sdp, what);
	size_t n = l ? strcspn(l, "\r\n") : 0;

	if (n >= sz)
		n = sz - 1;
	memcpy(out, l ? l : "", n);
	out[n] = '\0';
}

/* DTLS "finished" on the call's WebRTC leg (0 A, 1 B), nominated at 127.0.0.1:47088 */
static void wr_keyed_leg(const char *id, int leg, const char *peer, const char *own)
{
	struct sockaddr_in *a;
	struct med_webrtc *w;
	struct med_call *c;

	pthread_mutex_lock(&med_lock);
	c = med_call_find(id);
	w = c && c->streams[0] ? c->streams[0]->webrtc[leg] : NULL;
	CHECK(w != NULL);
	if (w) {
		a = (struct sockaddr_in *)&w->addr;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(47088);
		w->nominated = true;
		key_bytes(peer, &w->peer);
		key_bytes(own, &w->own);
		med_webrtc_keys_taken(w);
	}
	pthread_mutex_unlock(&med_lock);
	/* what the main thread does when the media thread asks it to */
	MED_StoreKeys();
}

static void wr_keyed(const char *id, const char *peer, const char *own)
{
	wr_keyed_leg(id, 0, peer, own);
}

/* the browser's unchanged re-offer after the restart, the phone's answer */
static int wr_reoffer(const char *id, int ver, char *out, size_t outsz)
{
	char in[1024];
	size_t n, olen = 0;
	int err;

	n = wr_offer(in, sizeof(in), ver, "ymEa", "0IidtAvso31TqAJxJRNtq1");
	err = MED_OfferSrtp(id, MED_LEG_A, MED_SRTP_PASSTHROUGH, (struct sockaddr *)&sig, in, n,
			    out, outsz, &olen);
	if (err)
		return err;
	n = mk_sdp(in, sizeof(in), "bob", ver, 21600, "");
	err = MED_Answer(id, MED_LEG_B, (struct sockaddr *)&sig, in, n, out, outsz - 1, &olen);
	out[err ? 0 : olen] = '\0';
	return err;
}

/*
 * A browser (WebRTC, keyed by DTLS-SRTP) calls a plain phone; krtpd is
 * killed and restarted. With the same certificate (configured, or
 * generated and kept in the store) the keys come back and the unchanged
 * re-offer is answered with the fingerprint of before, the flows
 * untouched; with another one (@lose: the kept one is damaged before the
 * restart) the call stays unkeyed and the re-offer gets 488 (-ENOKEY).
 */
static void test_webrtc(const char *id, const char *cert, bool lose)
{
	bool same = !lose;
	char in[1024], out[4096], fp[128], ufrag[64], fp2[128], ufrag2[64];
	struct sto_dialog d = { .call_id = id };
	struct sdp_crypto ka, kb;
	unsigned int adds, dels;
	uint32_t ab = 0, ba = 0;
	struct med_call *c;
	size_t n, olen = 0;

	dtls_cert = cert;
	key_bytes(KEY_A, &ka);
	key_bytes(KEY_B, &kb);
	CHECK_EQ(start(), MED_MODE_KERNEL);
	n = wr_offer(in, sizeof(in), 1, "ymEa", "0IidtAvso31TqAJxJRNtq1");
	CHECK_EQ(MED_OfferSrtp(id, MED_LEG_A, MED_SRTP_PASSTHROUGH, (struct sockaddr *)&sig, in, n,
			       out, sizeof(out), &olen), 0);
	n = mk_sdp(in, sizeof(in), "bob", 1, 21600, "");
	CHECK_EQ(MED_Answer(id, MED_LEG_B, (struct sockaddr *)&sig, in, n, out, sizeof(out) - 1,
			    &olen), 0);
	out[olen] = '\0';
	sdp_line(out, "a=fingerprint:", fp, sizeof(fp));
	sdp_line(out, "a=ice-ufrag:", ufrag, sizeof(ufrag));
	CHECK(strlen(fp) > 20 && strlen(ufrag) > 12);
	CHECK_EQ(STO_DialogPut(&d), 0);
	/* answered, not keyed yet: nothing stored */
	CHECK_EQ(stored(id), 0);
	wr_keyed(id, KEY_A, KEY_B);
	CHECK_EQ(stored(id), 1);
	CHECK_EQ(row_dtls, 1);
	CHECK(row_peer.key_len == 30 && !memcmp(row_peer.key, ka.key, 30));
	ab = fake_find(id, "ab");
	ba = fake_find(id, "ba");
	CHECK(ab && ba);
	CHECK(ab && flow_key_is(&fake_flows[ab].srtp_in, KEY_A));
	CHECK(ba && flow_key_is(&fake_flows[ba].srtp_out, KEY_B));

	if (lose)
		CHECK_EQ(STO_DtlsCertPut("damaged", "damaged"), 0);
	CHECK_EQ(restart(), 1);
	pthread_mutex_lock(&med_lock);
	c = med_call_find(id);
	CHECK(c && c->streams[0] && c->streams[0]->webrtc[0]);
	if (c && c->streams[0] && c->streams[0]->webrtc[0]) {
		const struct med_webrtc *w = c->streams[0]->webrtc[0];

		CHECK_EQ(c->unkeyed, !same);
		CHECK_EQ(w->keyed, same);
		CHECK_EQ(c->streams[0]->srtp[0].on, same);
		CHECK(!same || !memcmp(w->peer.key, ka.key, 30));
		CHECK(!same || !memcmp(c->streams[0]->srtp[0].own.key, kb.key, 30));
		/* a new certificate was made in place of the damaged one */
		CHECK(c->dtls_cert && !strcmp(c->dtls_cert->fp, fp + strlen("a=fingerprint:")) == same);
	}
	pthread_mutex_unlock(&med_lock);
	adds = fake_adds;
	dels = fake_dels;
	if (!same) {
		/* keys that can key nothing are not kept */
		CHECK_EQ(stored(id), 0);
		CHECK_EQ(wr_reoffer(id, 2, out, sizeof(out)), -ENOKEY);
	} else {
		CHECK_EQ(stored(id), 1);
		CHECK_EQ(wr_reoffer(id, 2, out, sizeof(out)), 0);
		/* the same fingerprint and ICE credentials as before: the browser goes on */
		sdp_line(out, "a=fingerprint:", fp2, sizeof(fp2));
		sdp_line(out, "a=ice-ufrag:", ufrag2, sizeof(ufrag2));
		CHECK_STR(fp2, fp);
		CHECK_STR(ufrag2, ufrag);
		CHECK(strstr(out, "a=setup:passive") != NULL);
		/* re-adopted, it stays on the port its flows are on: one candidate */
		CHECK(strstr(out, "a=candidate:1 ") && !strstr(out, "a=candidate:2 "));
		/* and nothing in krtp.ko changed */
		CHECK_EQ(fake_adds, adds);
		CHECK_EQ(fake_dels, dels);
		CHECK(fake_live[ab] && fake_live[ba]);

		/*
		 * an ICE restart (new credentials, the same fingerprint): the
		 * browser keeps its DTLS transport, so the keys and flows stay,
		 * and krtpd answers with new credentials of its own
		 */
		n = wr_offer(in, sizeof(in), 3, "nEwU", "AnotherPasswordOf22chr");
		CHECK_EQ(MED_OfferSrtp(id, MED_LEG_A, MED_SRTP_PASSTHROUGH,
				       (struct sockaddr *)&sig, in, n, out, sizeof(out), &olen), 0);
		n = mk_sdp(in, sizeof(in), "bob", 3, 21600, "");
		olen = 0;
		CHECK_EQ(MED_Answer(id, MED_LEG_B, (struct sockaddr *)&sig, in, n, out,
				    sizeof(out) - 1, &olen), 0);
		out[olen] = '\0';
		sdp_line(out, "a=fingerprint:", fp2, sizeof(fp2));
		sdp_line(out, "a=ice-ufrag:", ufrag2, sizeof(ufrag2));
		CHECK_STR(fp2, fp);
		CHECK(ufrag2[0] && strcmp(ufrag2, ufrag) != 0);
		/* the browser may be on the other family now: the ::1 candidate is back */
		CHECK(strstr(out, "a=candidate:2 1 udp 2130706175 ::1 ") != NULL);
		CHECK_EQ(stored(id), 1);
		CHECK(row_peer.key_len == 30 && !memcmp(row_peer.key, ka.key, 30));
		CHECK_EQ(fake_adds, adds);
		CHECK_EQ(fake_dels, dels);
		CHECK(fake_live[ab] && fake_live[ba]);
		/* and the leg follows the browser's new candidates when they are nominated */
		pthread_mutex_lock(&med_lock);
		c = med_call_find(id);
		CHECK(c && c->streams[0] && c->streams[0]->webrtc[0] &&
		      !c->streams[0]->webrtc[0]->restored && c->streams[0]->webrtc[0]->keyed);
		pthread_mutex_unlock(&med_lock);

		/* another fingerprint: a new DTLS session, its keys go, DTLS's new ones are stored */
		n = wr_offer(in, sizeof(in), 4, "nEwU", "AnotherPasswordOf22chr");
		{
			char *f = strstr(in, "a=fingerprint:sha-256 ");

			if (f) {
				f += strlen("a=fingerprint:sha-256 ");
				*f = *f == 'A' ? 'B' : 'A';
			}
		}
		CHECK_EQ(MED_OfferSrtp(id, MED_LEG_A, MED_SRTP_PASSTHROUGH,
				       (struct sockaddr *)&sig, in, n, out, sizeof(out), &olen), 0);
		n = mk_sdp(in, sizeof(in), "bob", 4, 21600, "");
		CHECK_EQ(MED_Answer(id, MED_LEG_B, (struct sockaddr *)&sig, in, n, out,
				    sizeof(out) - 1, &olen), 0);
		CHECK_EQ(stored(id), 0);
		CHECK(!fake_live[ab] && !fake_live[ba]);
		wr_keyed(id, KEY_B, KEY_A);
		CHECK_EQ(stored(id), 1);
		CHECK(row_peer.key_len == 30 && !memcmp(row_peer.key, kb.key, 30));
	}
	/* the BYE: its keys go with its media */
	MED_Delete(id);
	CHECK_EQ(stored(id), 0);
	CHECK_EQ(STO_DialogDel(id), 0);
	MED_Fini();
	dtls_cert = NULL;
}

/*
 * A plain phone calls a WebRTC callee (krtpd's own offer); krtpd is killed
 * and restarted. The callee's keys come back with the certificate: the
 * phone's unchanged re-offer becomes an offer to the browser with krtpd's
 * fingerprint and ICE credentials of before, the browser's unchanged
 * answer (setup:active, krtpd stays the DTLS server) keeps the session,
 * and nothing in krtp.ko changes. An answer that flips the DTLS role is a
 * new association: the old keys go.
 */
static void test_webrtc_callee(const char *id, const char *cert)
{
	static const char answer[] =
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
		"m=audio 47088 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\na=sendrecv\r\n"
		"a=mid:0\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n"
		"a=ice-ufrag:cAll\r\na=ice-pwd:0IidtAvso31TqAJxJRNtq2\r\n"
		"a=fingerprint:sha-256 " WR_FP "\r\na=setup:%s\r\n";
	char in[1024], out[4096], ans[1024], fp[128], ufrag[64], fp2[128], ufrag2[64];
	struct sto_dialog d = { .call_id = id };
	struct sdp_crypto ka, kb;
	unsigned int adds, dels;
	struct med_call *c;
	uint32_t ab, ba;
	size_t n, olen = 0;
	int an;

	dtls_cert = cert;
	key_bytes(KEY_A, &ka);
	key_bytes(KEY_B, &kb);
	CHECK_EQ(start(), MED_MODE_KERNEL);
	n = mk_sdp(in, sizeof(in), "alice", 1, 20800, "");
	CHECK_EQ(MED_OfferWebrtc(id, MED_LEG_A, MED_SRTP_PASSTHROUGH, 0, true,
				 (struct sockaddr *)&sig, in, n, out, sizeof(out) - 1, &olen), 0);
	out[olen] = '\0';
	sdp_line(out, "a=fingerprint:", fp, sizeof(fp));
	sdp_line(out, "a=ice-ufrag:", ufrag, sizeof(ufrag));
	CHECK(strlen(fp) > 20 && strlen(ufrag) > 12);
	an = snprintf(ans, sizeof(ans), answer, "active");
	CHECK_EQ(MED_Answer(id, MED_LEG_B, (struct sockaddr *)&sig, ans, (size_t)an, out,
			    sizeof(out), &olen), 0);
	CHECK_EQ(STO_DialogPut(&d), 0);
	wr_keyed_leg(id, 1, KEY_A, KEY_B);
	CHECK_EQ(stored(id), 1);
	ab = fake_find(id, "ab");
	ba = fake_find(id, "ba");
	CHECK(ab && ba);

	CHECK_EQ(restart(), 1);
	pthread_mutex_lock(&med_lock);
	c = med_call_find(id);
	CHECK(c && c->streams[0] && c->streams[0]->webrtc[1]);
	if (c && c->streams[0] && c->streams[0]->webrtc[1]) {
		const struct med_webrtc *w = c->streams[0]->webrtc[1];

		CHECK(!c->unkeyed && w->offerer && w->keyed && w->server);
		CHECK(!memcmp(w->peer.key, ka.key, 30));
		CHECK(!memcmp(c->streams[0]->srtp[1].own.key, kb.key, 30));
	}
	pthread_mutex_unlock(&med_lock);
	CHECK_EQ(stored(id), 1);
	adds = fake_adds;
	dels = fake_dels;

	/* the phone refreshes: the browser is offered what it was before */
	n = mk_sdp(in, sizeof(in), "alice", 2, 20800, "");
	CHECK_EQ(MED_OfferWebrtc(id, MED_LEG_A, MED_SRTP_PASSTHROUGH, 0, true,
				 (struct sockaddr *)&sig, in, n, out, sizeof(out) - 1, &olen), 0);
	out[olen] = '\0';
	sdp_line(out, "a=fingerprint:", fp2, sizeof(fp2));
	sdp_line(out, "a=ice-ufrag:", ufrag2, sizeof(ufrag2));
	CHECK_STR(fp2, fp);
	CHECK_STR(ufrag2, ufrag);
	CHECK(strstr(out, "a=setup:actpass") != NULL);
	CHECK_EQ(MED_Answer(id, MED_LEG_B, (struct sockaddr *)&sig, ans, (size_t)an, out,
			    sizeof(out), &olen), 0);
	CHECK_EQ(fake_adds, adds);
	CHECK_EQ(fake_dels, dels);
	CHECK(fake_live[ab] && fake_live[ba]);
	CHECK_EQ(stored(id), 1);

	/* the browser turns DTLS client to server: a new association, the old keys go */
	n = mk_sdp(in, sizeof(in), "alice", 3, 20800, "");
	CHECK_EQ(MED_OfferWebrtc(id, MED_LEG_A, MED_SRTP_PASSTHROUGH, 0, true,
				 (struct sockaddr *)&sig, in, n, out, sizeof(out), &olen), 0);
	an = snprintf(ans, sizeof(ans), answer, "passive");
	CHECK_EQ(MED_Answer(id, MED_LEG_B, (struct sockaddr *)&sig, ans, (size_t)an, out,
			    sizeof(out), &olen), 0);
	CHECK_EQ(stored(id), 0);
	CHECK(!fake_live[ab] && !fake_live[ba]);
	MED_Delete(id);
	CHECK_EQ(STO_DialogDel(id), 0);
	MED_Fini();
	dtls_cert = NULL;
}

/* the state file holds keys: its owner's only, and its WAL too */
static void test_file_mode(void)
{
	char dir[] = "/tmp/krtpd-srtp-XXXXXX", path[64], wal[72];
	struct stat sb;
	mode_t old = umask(022);

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/state.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	STO_Fini();
	CHECK_EQ(STO_Init(path), 0);
	CHECK(!stat(path, &sb) && (sb.st_mode & 0777) == 0600);
	CHECK(!stat(wal, &sb) && (sb.st_mode & 0777) == 0600);
	STO_Fini();
	umask(old);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	srand((unsigned int)getpid());
	base_port = (uint16_t)(32000 + (rand() % 100) * 64);
	((struct sockaddr_in *)&sig)->sin_family = AF_INET;
	((struct sockaddr_in *)&sig)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (STO_Init(":memory:")) {
		printf("FAIL STO_Init\n0 passed, 1 failed\n");
		return 1;
	}
	test_refresh_after_restart();
	test_mismatch();
	{
		char dir[] = "/tmp/krtpd-wrcert-XXXXXX", cmd[512], cert[64];

		CHECK(mkdtemp(dir) != NULL);
		snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
		snprintf(cmd, sizeof(cmd),
			 "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
			 "-nodes -keyout cert.pem -out cert.pem -subj /CN=test -days 2 2>/dev/null",
			 dir);
		CHECK_EQ(system(cmd), 0);
		test_webrtc("w1", cert, false);
		test_webrtc("w2", NULL, false);
		test_webrtc("w4", NULL, true);
		test_webrtc_callee("w3", cert);
		unlink(cert);
		rmdir(dir);
	}
	test_file_mode();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
