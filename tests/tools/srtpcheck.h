/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What srtpcheck.c is built from: namespaces and sockets, the libsrtp2
 * reference (or RFC 7714 on OpenSSL where libsrtp2 has no GCM), flows over
 * netlink and their counters, the packets. Static functions: one program
 * includes it.
 */
#ifndef KRTP_TEST_SRTPCHECK_H
#define KRTP_TEST_SRTPCHECK_H

#include <fcntl.h>
#include <openssl/evp.h>
#include <sched.h>
#include <srtp2/srtp.h>
#include <sys/time.h>

#include "../api/knl.h"

#define CALLER4		"10.0.1.2"
#define RELAY4		"10.0.1.1"
#define CALLEE4		"10.0.2.2"
#define NPKT		20	/* RTP packets per flow, 65530 .. 13 */
#define NRTCP		3
#define PAYLOAD		160
#define SSRC		0x5ec0ffeeU

static const char *relay_ns, *caller_ns, *callee_ns;
static int suite;	/* enum krtp_srtp_suite */

static void check(const char *name, long long expected, long long actual)
{
	printf("CHECK\t%s\t%lld\t%lld\n", name, expected, actual);
	fflush(stdout);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* run the next socket() in namespace @ns */
static void enter_ns(const char *ns)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	fd = open(path, O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		die(path);
	close(fd);
}

static int udp_socket(const char *ns, const char *addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 2 };
	int fd;

	enter_ns(ns);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_to(int fd, const void *buf, int len, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, RELAY4, &sin.sin_addr);
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin)) != len)
		die("sendto");
}

/* ---- keys and libsrtp ---- */

static void make_key(uint8_t *key, uint8_t seed)
{
	int i;

	for (i = 0; i < 30; i++)
		key[i] = seed * 31 + i * 7;
}

static int salt_len(void)
{
	return suite == KRTP_SRTP_SUITE_AEAD_AES_128_GCM ? 12 : 14;
}

/* a libsrtp session for our one SSRC; NULL if libsrtp lacks the suite */
static srtp_t ref_session(const uint8_t *key, bool outbound)
{
	srtp_policy_t pol;
	srtp_t s;

	memset(&pol, 0, sizeof(pol));
	switch (suite) {
	case KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		break;
	case KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		break;
	default:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
		break;
	}
	/* SRTCP keeps the 80-bit tag with the 32-bit SRTP one */
	if (suite == KRTP_SRTP_SUITE_AEAD_AES_128_GCM)
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
	else
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	pol.key = (unsigned char *)key;
	pol.window_size = 128;
	if (srtp_create(&s, &pol) != srtp_err_status_ok)
		return NULL;
	return s;
}

/* ---- RFC 7714 on OpenSSL, for a libsrtp2 built without AES-GCM ---- */

struct gcm_ref {
	uint8_t key[2][16], salt[2][12];	/* [0] SRTP, [1] SRTCP */
	uint32_t roc, srtcp_index;
	int last_seq;				/* -1: none yet */
};

static void aes_ctr(const uint8_t *key, const uint8_t *iv, uint8_t *out, int len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t zero[32] = { 0 };
	int n;

	EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv);
	EVP_EncryptUpdate(c, out, &n, zero, len);
	EVP_CIPHER_CTX_free(c);
}

/* RFC 3711 4.3.1, kdr 0, the 12-byte salt padded with zeros */
static void gcm_ref_init(struct gcm_ref *g, const uint8_t *master)
{
	int i, label;

	memset(g, 0, sizeof(*g));
	g->last_seq = -1;
	for (i = 0; i < 2; i++) {
		for (label = 0; label < 3; label += 2) {
			uint8_t iv[16] = { 0 }, out[16];

			memcpy(iv, master + 16, 12);
			iv[7] ^= 3 * i + label;
			aes_ctr(master, iv, out, 16);
			memcpy(label ? g->salt[i] : g->key[i], out, label ? 12 : 16);
		}
	}
}

/* AES-GCM of @len bytes at @p with @aad; tag after the text when sealing */
static int gcm(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, int aadlen,
	       uint8_t *p, int len, bool seal)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, ok;

	EVP_CipherInit_ex(c, EVP_aes_128_gcm(), NULL, key, iv, seal);
	EVP_CipherUpdate(c, NULL, &n, aad, aadlen);
	if (seal) {
		EVP_CipherUpdate(c, p, &n, p, len);
		ok = EVP_CipherFinal_ex(c, p + len, &n) &&
		     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, p + len);
	} else {
		EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, p + len);
		EVP_CipherUpdate(c, p, &n, p, len);
		ok = EVP_CipherFinal_ex(c, p + len, &n);
	}
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static void gcm_iv(uint8_t *iv, const uint8_t *salt, const uint8_t *ssrc, uint64_t index)
{
	int i;

	iv[0] = iv[1] = 0;
	memcpy(iv + 2, ssrc, 4);
	for (i = 0; i < 6; i++)
		iv[6 + i] = index >> (40 - 8 * i);
	for (i = 0; i < 12; i++)
		iv[i] ^= salt[i];
}

/* packets come in order here: a wrap is a sequence number far below the last */
static uint64_t gcm_ref_index(struct gcm_ref *g, uint16_t seq)
{
	if (g->last_seq >= 0 && seq < g->last_seq && g->last_seq - seq > 32768)
		g->roc++;
	g->last_seq = seq;
	return (uint64_t)g->roc << 16 | seq;
}

static int gcm_ref_rtp(struct gcm_ref *g, uint8_t *p, int *len, bool seal)
{
	uint8_t iv[12];
	int body = seal ? *len - 12 : *len - 12 - 16;

	if (body < 0)
		return -1;
	gcm_iv(iv, g->salt[0], p + 8, gcm_ref_index(g, p[2] << 8 | p[3]));
	if (gcm(g->key[0], iv, p, 12, p + 12, body, seal))
		return -1;
	*len = 12 + body + (seal ? 16 : 0);
	return 0;
}

static int gcm_ref_rtcp(struct gcm_ref *g, uint8_t *p, int *len, bool seal)
{
	uint8_t iv[12], aad[12];
	uint32_t word;
	int body;

	if (seal) {
		word = 0x80000000U | g->srtcp_index++;
		body = *len - 8;
	} else {
		if (*len < 8 + 16 + 4)
			return -1;
		word = (uint32_t)p[*len - 4] << 24 | p[*len - 3] << 16 | p[*len - 2] << 8 |
		       p[*len - 1];
		body = *len - 8 - 16 - 4;
		if (!(word & 0x80000000U))
			return -1;
	}
	memcpy(aad, p, 8);
	aad[8] = word >> 24;
	aad[9] = word >> 16;
	aad[10] = word >> 8;
	aad[11] = word;
	gcm_iv(iv, g->salt[1], p + 4, word & 0x7fffffff);
	if (gcm(g->key[1], iv, aad, 12, p + 8, body, seal))
		return -1;
	if (seal)
		memcpy(p + 8 + body + 16, aad + 8, 4);
	*len = 8 + body + (seal ? 16 + 4 : 0);
	return 0;
}

/* ---- the reference: libsrtp, or the above ---- */

struct ref {
	srtp_t s;		/* libsrtp, or NULL */
	struct gcm_ref g;
};

static struct ref *ref_new(const uint8_t *key, bool outbound)
{
	struct ref *r = calloc(1, sizeof(*r));

	r->s = ref_session(key, outbound);
	if (!r->s)
		gcm_ref_init(&r->g, key);
	return r;
}

static void ref_free(struct ref *r)
{
	if (r->s)
		srtp_dealloc(r->s);
	free(r);
}

static int ref_protect(struct ref *r, uint8_t *p, int *len, bool rtcp)
{
	if (r->s)
		return (rtcp ? srtp_protect_rtcp(r->s, p, len) :
			       srtp_protect(r->s, p, len)) == srtp_err_status_ok ? 0 : -1;
	return rtcp ? gcm_ref_rtcp(&r->g, p, len, true) : gcm_ref_rtp(&r->g, p, len, true);
}

static int ref_unprotect(struct ref *r, uint8_t *p, int *len, bool rtcp)
{
	if (r->s)
		return (rtcp ? srtp_unprotect_rtcp(r->s, p, len) :
			       srtp_unprotect(r->s, p, len)) == srtp_err_status_ok ? 0 : -1;
	return rtcp ? gcm_ref_rtcp(&r->g, p, len, false) : gcm_ref_rtp(&r->g, p, len, false);
}

/* ---- flows over netlink ---- */

static struct knl nl;

/* where a flow's SRTP contexts stand, as the kernel reports it; -1: absent */
/* where a flow's contexts stand; streams[0] in, [1] out: SSRC and ROC each */
struct srtp_state {
	long long in_roc, out_roc, out_srtcp_index;
	uint32_t streams[2][KRTP_SRTP_SSRC_MAX][2];
	int nstreams[2];
};

static void put_srtp(struct nlmsghdr *nlh, uint16_t type, const uint8_t *key,
		     long long roc, long long srtcp_index, const uint32_t (*streams)[2],
		     int nstreams)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_u32(nlh, KRTP_A_SRTP_SUITE, suite);
	mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_KEY, 16, key);
	mnl_attr_put(nlh, KRTP_A_SRTP_MASTER_SALT, salt_len(), key + 16);
	if (roc > 0)
		mnl_attr_put_u32(nlh, KRTP_A_SRTP_ROC, roc);
	if (srtcp_index > 0)
		mnl_attr_put_u32(nlh, KRTP_A_SRTP_SRTCP_INDEX, srtcp_index);
	for (int i = 0; i < nstreams; i++) {
		struct nlattr *s = mnl_attr_nest_start(nlh, KRTP_A_SRTP_STREAM);

		mnl_attr_put_u32(nlh, KRTP_A_SRTP_STREAM_SSRC, streams[i][0]);
		mnl_attr_put_u32(nlh, KRTP_A_SRTP_STREAM_ROC, streams[i][1]);
		mnl_attr_nest_end(nlh, s);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* a flow from BASE+N to the callee; with @from, going on where it stands */
static uint32_t flow_add_from(uint16_t port, const uint8_t *in_key, const uint8_t *out_key,
			      const struct srtp_state *from)
{
	static char buf[8192];
	struct nlmsghdr *nlh = knl_msg(&nl, buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	struct knl_ack a;

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, RELAY4, port);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, CALLEE4, port + 1000);
	if (in_key)
		put_srtp(nlh, KRTP_A_FLOW_SRTP_IN, in_key, from ? from->in_roc : 0, 0,
			 from ? from->streams[0] : NULL, from ? from->nstreams[0] : 0);
	if (out_key)
		put_srtp(nlh, KRTP_A_FLOW_SRTP_OUT, out_key, from ? from->out_roc : 0,
			 from ? from->out_srtcp_index : 0, from ? from->streams[1] : NULL,
			 from ? from->nstreams[1] : 0);
	mnl_attr_nest_end(nlh, nest);
	if (knl_xfer(&nl, nlh, &a)) {
		fprintf(stderr, "srtpcheck: flow-new: %s (%s)\n", strerror(-a.err), a.msg);
		exit(1);
	}
	return a.id;
}

static uint32_t flow_add(uint16_t port, const uint8_t *in_key, const uint8_t *out_key)
{
	return flow_add_from(port, in_key, out_key, NULL);
}

/* the counters of a flow that the test asserts, and its SRTP state */
struct flow_stats {
	long long packets, rtcp_packets, auth_fail, replay, other;
	struct srtp_state srtp;
};

static void flow_srtp_parse(const struct nlattr *nest, long long *roc, long long *srtcp_index,
			    uint32_t (*streams)[2], int *nstreams)
{
	const struct nlattr *a, *b;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == KRTP_A_SRTP_ROC)
			*roc = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == KRTP_A_SRTP_SRTCP_INDEX && srtcp_index)
			*srtcp_index = mnl_attr_get_u32(a);
		if (mnl_attr_get_type(a) != KRTP_A_SRTP_STREAM || *nstreams == KRTP_SRTP_SSRC_MAX)
			continue;
		mnl_attr_for_each_nested(b, a)
			streams[*nstreams][mnl_attr_get_type(b) == KRTP_A_SRTP_STREAM_ROC] =
				mnl_attr_get_u32(b);
		(*nstreams)++;
	}
}

static void flow_stats_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *top, *a, *s;
	struct flow_stats *st = arg;

	mnl_attr_for_each(top, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(top) != KRTP_A_FLOW)
			continue;
		mnl_attr_for_each_nested(a, top) {
			if (mnl_attr_get_type(a) == KRTP_A_FLOW_SRTP_IN)
				flow_srtp_parse(a, &st->srtp.in_roc, NULL, st->srtp.streams[0],
						&st->srtp.nstreams[0]);
			else if (mnl_attr_get_type(a) == KRTP_A_FLOW_SRTP_OUT)
				flow_srtp_parse(a, &st->srtp.out_roc, &st->srtp.out_srtcp_index,
						st->srtp.streams[1], &st->srtp.nstreams[1]);
			if (mnl_attr_get_type(a) != KRTP_A_FLOW_STATS)
				continue;
			mnl_attr_for_each_nested(s, a) {
				switch (mnl_attr_get_type(s)) {
				case KRTP_A_STATS_PACKETS:
					st->packets = mnl_attr_get_u64(s);
					break;
				case KRTP_A_STATS_RTCP_PACKETS:
					st->rtcp_packets = mnl_attr_get_u64(s);
					break;
				case KRTP_A_STATS_SRTP_AUTH_FAIL:
					st->auth_fail = mnl_attr_get_u64(s);
					break;
				case KRTP_A_STATS_SRTP_REPLAY:
					st->replay = mnl_attr_get_u64(s);
					break;
				case KRTP_A_STATS_DROP_OTHER:
					st->other = mnl_attr_get_u64(s);
					break;
				}
			}
		}
	}
}

static struct flow_stats flow_stats(uint32_t id)
{
	static char buf[8192];
	struct nlmsghdr *nlh = knl_msg(&nl, buf, KRTP_CMD_FLOW_GET, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	struct flow_stats st = { -1, -1, -1, -1, -1, { -1, -1, -1, { { { 0 } } }, { 0 } } };
	struct knl_ack a;

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, id);
	mnl_attr_nest_end(nlh, nest);
	knl_xfer_cb(&nl, nlh, &a, flow_stats_cb, &st);
	return st;
}

/* ---- packets ---- */

static int rtp_packet_ssrc(uint8_t *p, uint16_t seq, uint32_t ssrc)
{
	memset(p, 0, 12);
	p[0] = 0x80;
	p[1] = 0;
	p[2] = seq >> 8;
	p[3] = seq;
	p[4] = seq >> 8;	/* timestamp: anything that moves */
	p[7] = seq;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)(ssrc);
	memset(p + 12, seq * 13, PAYLOAD);
	return 12 + PAYLOAD;
}

static int rtp_packet(uint8_t *p, uint16_t seq)
{
	return rtp_packet_ssrc(p, seq, SSRC);
}

static int rtcp_packet_ssrc(uint8_t *p, int n, uint32_t ssrc)
{
	/* a sender report: header, SSRC, 20 bytes of sender info */
	memset(p, 0, 28);
	p[0] = 0x80;
	p[1] = 200;
	p[3] = 6;
	p[4] = (uint8_t)(ssrc >> 24);
	p[5] = (uint8_t)(ssrc >> 16);
	p[6] = (uint8_t)(ssrc >> 8);
	p[7] = (uint8_t)(ssrc);
	memset(p + 8, 0x40 + n, 20);
	return 28;
}

static int rtcp_packet(uint8_t *p, int n)
{
	return rtcp_packet_ssrc(p, n, SSRC);
}

/* receive one datagram: its length, or -1 after the timeout */
static int recv_one(int fd, uint8_t *buf, int size)
{
	return recv(fd, buf, size, 0);
}

#define MAXPKT	(12 + PAYLOAD + SRTP_MAX_TRAILER_LEN + 64)

#endif /* KRTP_TEST_SRTPCHECK_H */
