// SPDX-License-Identifier: GPL-2.0
/*
 * The a=crypto attribute (RFC 4568 section 9.1 grammar; see sdp_crypto.h
 * for what is supported). Like sdp.c it works on slices of a hostile,
 * unterminated buffer: every read is checked against the slice's end.
 * Keys are copied into the caller's struct and never printed: *why names
 * the problem, never the key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "sdp_crypto.h"

static const struct {
	const char *name;
	enum sdp_srtp_suite suite;
	size_t key_len;
} sdp_suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", SDP_SRTP_AES_CM_128_HMAC_SHA1_80, 30 },
	{ "AES_CM_128_HMAC_SHA1_32", SDP_SRTP_AES_CM_128_HMAC_SHA1_32, 30 },
	{ "AEAD_AES_128_GCM", SDP_SRTP_AEAD_AES_128_GCM, 28 },	/* RFC 7714 section 12 */
};

#define SDP_NSUITES	(sizeof(sdp_suites) / sizeof(sdp_suites[0]))

size_t sdp_srtp_key_len(enum sdp_srtp_suite suite)
{
	for (size_t i = 0; i < SDP_NSUITES; i++)
		if (sdp_suites[i].suite == suite)
			return sdp_suites[i].key_len;
	return 0;
}

const char *sdp_srtp_suite_name(enum sdp_srtp_suite suite)
{
	for (size_t i = 0; i < SDP_NSUITES; i++)
		if (sdp_suites[i].suite == suite)
			return sdp_suites[i].name;
	return "?";
}

static int sdp_b64_val(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Decode base64 (padding optional); -EINVAL on a bad character or length */
static int sdp_b64_decode(const char *p, size_t n, uint8_t *out, size_t outsz, size_t *outlen)
{
	uint32_t acc = 0;
	size_t len = 0, i, bits = 0;

	while (n && p[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		int v = sdp_b64_val(p[i]);

		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (len == outsz)
				return -EINVAL;
			out[len++] = (uint8_t)(acc >> bits);
		}
	}
	/* a lone 6-bit group cannot end a valid encoding */
	if (bits >= 6)
		return -EINVAL;
	*outlen = len;
	return 0;
}

static void sdp_b64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* digits only, at most max_digits, value in *v */
static bool sdp_digits(const char *p, size_t n, size_t max_digits, uint64_t *v)
{
	if (!n || n > max_digits)
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	}
	return true;
}

/* The next space-separated field of [*p, end) */
static bool sdp_field(const char **p, const char *end, const char **f, size_t *n)
{
	while (*p < end && **p == ' ')
		(*p)++;
	if (*p == end)
		return false;
	*f = *p;
	while (*p < end && **p != ' ' && **p != '\t')
		(*p)++;
	*n = (size_t)(*p - *f);
	return true;
}

/* inline:<key||salt>[|<lifetime>][|<mki>:<mki length>] */
static int sdp_crypto_key(const char *p, size_t n, struct sdp_crypto *c, const char **why)
{
	const char *end = p + n, *bar;
	uint8_t key[64];
	size_t klen;
	uint64_t v;

	if (n < 7 || strncmp(p, "inline:", 7)) {
		*why = "key method is not inline";
		return -EOPNOTSUPP;
	}
	if (memchr(p, ';', n)) {
		*why = "more than one key";
		return -EOPNOTSUPP;
	}
	p += 7;
	bar = memchr(p, '|', (size_t)(end - p));
	if (sdp_b64_decode(p, (size_t)((bar ? bar : end) - p), key, sizeof(key), &klen)) {
		*why = "key is not base64";
		return -EINVAL;
	}
	if (klen != c->key_len) {
		*why = "key length does not match the suite";
		return -EINVAL;
	}
	memcpy(c->key, key, klen);
	memset(key, 0, sizeof(key));
	while (bar) {
		const char *f = bar + 1, *colon;
		size_t fn;

		bar = memchr(f, '|', (size_t)(end - f));
		fn = (size_t)((bar ? bar : end) - f);
		colon = memchr(f, ':', fn);
		if (colon) {
			/* MKI: a value and its length in bytes (1-128) */
			if (!sdp_digits(f, (size_t)(colon - f), 20, &v) ||
			    !sdp_digits(colon + 1, (size_t)(f + fn - colon - 1), 3, &v) ||
			    !v || v > 128) {
				*why = "malformed MKI";
				return -EINVAL;
			}
			*why = "MKI is not supported";
			return -EOPNOTSUPP;
		}
		if (fn > 2 && !strncmp(f, "2^", 2)) {
			if (!sdp_digits(f + 2, fn - 2, 2, &v) || v > 63) {
				*why = "malformed lifetime";
				return -EINVAL;
			}
			c->lifetime = 1ULL << v;
		} else if (!sdp_digits(f, fn, 19, &c->lifetime)) {
			*why = "malformed lifetime";
			return -EINVAL;
		}
	}
	return 0;
}

int sdp_crypto_parse(const char *p, size_t n, struct sdp_crypto *c, const char **why)
{
	const char *end = p + n, *f;
	size_t fn, i;
	uint64_t v;
	int err;

	memset(c, 0, sizeof(*c));
	if (!sdp_field(&p, end, &f, &fn) || !sdp_digits(f, fn, 9, &v)) {
		*why = "malformed tag";
		return -EINVAL;
	}
	c->tag = (uint32_t)v;
	if (!sdp_field(&p, end, &f, &fn)) {
		*why = "no crypto suite";
		return -EINVAL;
	}
	for (i = 0; i < SDP_NSUITES; i++)
		if (strlen(sdp_suites[i].name) == fn && !memcmp(f, sdp_suites[i].name, fn))
			break;
	if (i == SDP_NSUITES) {
		*why = "crypto suite not supported";
		return -EOPNOTSUPP;
	}
	c->suite = sdp_suites[i].suite;
	c->key_len = sdp_suites[i].key_len;
	if (!sdp_field(&p, end, &f, &fn)) {
		*why = "no key";
		return -EINVAL;
	}
	err = sdp_crypto_key(f, fn, c, why);
	if (err)
		goto fail;
	while (sdp_field(&p, end, &f, &fn)) {
		if ((fn > 4 && !strncmp(f, "WSH=", 4)) || (fn == 5 && !strncmp(f, "KDR=0", 5)))
			continue;
		*why = "session parameter not supported";
		err = -EOPNOTSUPP;
		goto fail;
	}
	return 0;
fail:
	memset(c->key, 0, sizeof(c->key));
	return err;
}

int sdp_crypto_choose(const char *buf, const struct sdp *s, unsigned int i,
		      bool (*usable)(enum sdp_srtp_suite suite), struct sdp_crypto *c,
		      const char **why)
{
	const struct sdp_media *m = &s->media[i];
	const char *first_why = NULL;
	unsigned int k;

	if (!m->ncrypto) {
		*why = "no a=crypto";
		return -ENOENT;
	}
	for (k = 0; k < m->ncrypto; k++) {
		if (!sdp_crypto_parse(buf + m->crypto[k].off, m->crypto[k].len, c, why)) {
			if (!usable || usable(c->suite))
				return 0;
			*why = "crypto suite not available here";
			memset(c->key, 0, sizeof(c->key));
		}
		if (!first_why)
			first_why = *why;
	}
	*why = first_why;
	return -EOPNOTSUPP;
}

int sdp_crypto_find(const char *buf, const struct sdp *s, unsigned int i, uint32_t tag,
		    struct sdp_crypto *c, const char **why)
{
	const struct sdp_media *m = &s->media[i];
	unsigned int k;
	int err;

	*why = "no a=crypto with the offered tag";
	for (k = 0; k < m->ncrypto; k++) {
		err = sdp_crypto_parse(buf + m->crypto[k].off, m->crypto[k].len, c, why);
		if (c->tag == tag)
			return err;
	}
	return -ENOENT;
}

int sdp_crypto_format(const struct sdp_crypto *c, char *out, size_t outsz)
{
	char b64[(SDP_SRTP_KEY_MAX + 2) / 3 * 4 + 1];
	int n;

	if (c->key_len > SDP_SRTP_KEY_MAX || c->key_len != sdp_srtp_key_len(c->suite))
		return -EINVAL;
	sdp_b64_encode(c->key, c->key_len, b64);
	n = snprintf(out, outsz, "a=crypto:%u %s inline:%s", c->tag, sdp_srtp_suite_name(c->suite),
		     b64);
	memset(b64, 0, sizeof(b64));
	if (n < 0 || (size_t)n >= outsz)
		return -EMSGSIZE;
	return 0;
}

int sdp_crypto_new_key(struct sdp_crypto *c)
{
	size_t len = sdp_srtp_key_len(c->suite);

	if (!len)
		return -EINVAL;
	/* 30 bytes: getrandom() never returns short below 256 bytes once seeded */
	if (getrandom(c->key, len, 0) != (ssize_t)len)
		return -errno;
	c->key_len = len;
	c->lifetime = 0;
	return 0;
}
