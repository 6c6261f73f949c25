// SPDX-License-Identifier: GPL-2.0
/*
 * SDP parser and rewriter (see sdp.h for what is rewritten and why).
 *
 * Everything here works on (pointer, length) slices of the caller's buffer:
 * the body comes straight out of a SIP message, is not NUL-terminated and
 * may be hostile, so every read is checked against the slice's end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sdp.h"

#define SDP_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

bool SDP_NextLine(const char *buf, size_t len, size_t *pos, struct sdp_str *line)
{
	const char *nl;
	size_t start = *pos, end;

	if (start >= len)
		return false;
	nl = memchr(buf + start, '\n', len - start);
	end = nl ? (size_t)(nl - buf) : len;
	*pos = nl ? end + 1 : len;
	if (end > start && buf[end - 1] == '\r')
		end--;
	line->p = buf + start;
	line->n = end - start;
	return true;
}

/* Split off the next space-separated token of s; false if none is left */
static bool sdp_token(struct sdp_str *s, struct sdp_str *tok)
{
	size_t i = 0;

	while (i < s->n && s->p[i] == ' ')
		i++;
	if (i == s->n)
		return false;
	tok->p = s->p + i;
	while (i < s->n && s->p[i] != ' ')
		i++;
	tok->n = (size_t)(s->p + i - tok->p);
	s->p += i;
	s->n -= i;
	return true;
}

static bool sdp_str_eq(const struct sdp_str *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->n == n && !memcmp(s->p, lit, n);
}

static bool sdp_str_prefix(const struct sdp_str *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->n >= n && !strncasecmp(s->p, lit, n);
}

/* A decimal number of at most 10 digits, no sign, no trailing bytes */
static int sdp_parse_uint(const struct sdp_str *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s->n == 0 || s->n > 10)
		return -EINVAL;
	for (i = 0; i < s->n; i++) {
		if (s->p[i] < '0' || s->p[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s->p[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* "IN IP4 192.0.2.1" (a TTL or count after '/' is ignored); an FQDN is -EINVAL */
static int sdp_parse_conn(struct sdp_str *s, struct sdp_addr *a)
{
	struct sdp_str nettype, addrtype, addr;
	char text[INET6_ADDRSTRLEN];
	const char *slash;
	size_t n;

	if (!sdp_token(s, &nettype) || !sdp_token(s, &addrtype) || !sdp_token(s, &addr))
		return -EINVAL;
	if (!sdp_str_eq(&nettype, "IN"))
		return -EINVAL;
	if (sdp_str_eq(&addrtype, "IP4"))
		a->family = AF_INET;
	else if (sdp_str_eq(&addrtype, "IP6"))
		a->family = AF_INET6;
	else
		return -EINVAL;
	slash = memchr(addr.p, '/', addr.n);
	n = slash ? (size_t)(slash - addr.p) : addr.n;
	if (n == 0 || n >= sizeof(text))
		return -EINVAL;
	memcpy(text, addr.p, n);
	text[n] = '\0';
	if (inet_pton(a->family, text, a->family == AF_INET ? (void *)&a->v4 : (void *)&a->v6) != 1)
		return -EINVAL;
	return 0;
}

/* RFC 3551 static payload types with a fixed clock rate */
static uint32_t sdp_static_clock_rate(int pt)
{
	if (pt >= 0 && pt <= 23 && pt != 1 && pt != 2 && pt != 19 && pt != 20 && pt != 21) {
		switch (pt) {
		case 6:
			return 16000;
		case 10:
		case 11:
			return 44100;
		case 14:
			return 90000;
		case 16:
			return 11025;
		case 17:
			return 22050;
		default:
			return 8000;
		}
	}
	if (pt >= 25 && pt <= 34)
		return 90000;
	return 0;
}

/* m=<media> <port>[/<count>] <proto> <fmt> ... */
static int sdp_parse_m(const char *buf, struct sdp_str v, struct sdp_media *m)
{
	struct sdp_str type, port, proto, fmt, num;
	const char *slash;
	uint32_t val;

	memset(m, 0, sizeof(*m));
	m->first_pt = -1;
	if (!sdp_token(&v, &type) || !sdp_token(&v, &port) || !sdp_token(&v, &proto) ||
	    !sdp_token(&v, &fmt))
		return -EINVAL;
	snprintf(m->type, sizeof(m->type), "%.*s", (int)(type.n < 15 ? type.n : 15), type.p);
	slash = memchr(port.p, '/', port.n);
	num.p = port.p;
	num.n = slash ? (size_t)(slash - port.p) : port.n;
	if (sdp_parse_uint(&num, 65535, &val))
		return -EINVAL;
	m->port = (uint16_t)val;
	m->port_off = (size_t)(num.p - buf);
	m->port_len = num.n;
	/* RTP/AVP, UDP/TLS/RTP/SAVPF, udptl, UDP/BFCP...; TCP-based ones are passed through */
	m->rtp = sdp_str_prefix(&proto, "RTP/") || sdp_str_prefix(&proto, "UDP/TLS/RTP/");
	m->proto_off = (size_t)(proto.p - buf);
	m->proto_len = proto.n;
	m->savp = sdp_str_eq(&proto, "RTP/SAVP") || sdp_str_eq(&proto, "RTP/SAVPF");
	m->dtls = sdp_str_prefix(&proto, "UDP/TLS/RTP/SAVP");
	m->avpf = m->rtp && proto.p[proto.n - 1] == 'F';
	m->udp = m->rtp || sdp_str_prefix(&proto, "udp");
	if (!sdp_parse_uint(&fmt, 127, &val)) {
		m->first_pt = (int)val;
		m->clock_rate = sdp_static_clock_rate(m->first_pt);
	}
	if (!m->clock_rate && !strcmp(m->type, "video"))
		m->clock_rate = 90000;
	return 0;
}

static enum sdp_dir sdp_parse_dir(const struct sdp_str *a)
{
	if (sdp_str_eq(a, "sendrecv"))
		return SDP_DIR_SENDRECV;
	if (sdp_str_eq(a, "sendonly"))
		return SDP_DIR_SENDONLY;
	if (sdp_str_eq(a, "recvonly"))
		return SDP_DIR_RECVONLY;
	if (sdp_str_eq(a, "inactive"))
		return SDP_DIR_INACTIVE;
	return SDP_DIR_UNSET;
}

/* a=rtcp:<port> [IN IP4 <addr>] */
static int sdp_parse_rtcp(struct sdp_str v, struct sdp_media *m)
{
	struct sdp_str port;
	uint32_t val;

	if (!sdp_token(&v, &port) || sdp_parse_uint(&port, 65535, &val) || !val)
		return -EINVAL;
	m->rtcp_port = (uint16_t)val;
	while (v.n && *v.p == ' ') {
		v.p++;
		v.n--;
	}
	if (v.n) {
		if (sdp_parse_conn(&v, &m->rtcp_addr))
			return -EINVAL;
		m->has_rtcp_addr = true;
	}
	return 0;
}

/* a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>] */
static void sdp_parse_rtpmap(struct sdp_str v, struct sdp_media *m)
{
	struct sdp_str pt, enc, rate;
	const char *slash, *end;
	uint32_t val;

	if (!sdp_token(&v, &pt) || !sdp_token(&v, &enc))
		return;
	if (sdp_parse_uint(&pt, 127, &val) || (int)val != m->first_pt)
		return;
	slash = memchr(enc.p, '/', enc.n);
	if (!slash)
		return;
	rate.p = slash + 1;
	end = memchr(rate.p, '/', (size_t)(enc.p + enc.n - rate.p));
	rate.n = (size_t)((end ? end : enc.p + enc.n) - rate.p);
	if (!sdp_parse_uint(&rate, 10000000, &val) && val)
		m->clock_rate = val;
}

/* a=<attribute> inside a media section */
static int sdp_parse_media_attr(const char *buf, struct sdp_str a, struct sdp_media *m)
{
	const char *colon = memchr(a.p, ':', a.n);
	struct sdp_str name = { a.p, colon ? (size_t)(colon - a.p) : a.n };
	struct sdp_str value = { colon ? colon + 1 : a.p + a.n, colon ? a.n - name.n - 1 : 0 };
	enum sdp_dir dir = sdp_parse_dir(&name);

	if (sdp_str_eq(&name, "rtcp"))
		return sdp_parse_rtcp(value, m);
	if (sdp_str_eq(&name, "rtcp-mux"))
		m->rtcp_mux = true;
	else if (sdp_str_eq(&name, "rtpmap"))
		sdp_parse_rtpmap(value, m);
	else if (sdp_str_eq(&name, "crypto") && m->ncrypto < SDP_MAX_CRYPTO) {
		/* kept as a slice; sdp_crypto.c reads it when media needs the key */
		m->crypto[m->ncrypto].off = (size_t)(value.p - buf);
		m->crypto[m->ncrypto++].len = value.n;
	}
	else if (dir != SDP_DIR_UNSET)
		m->dir = dir;
	return 0;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
static int sdp_parse_o(const char *buf, struct sdp_str v, struct sdp *s)
{
	struct sdp_str tok;
	size_t i;

	for (i = 0; i < 3; i++)
		if (!sdp_token(&v, &tok))
			return -EINVAL;
	/* versions are 64-bit in practice; only check that it is all digits */
	for (i = 0; i < tok.n; i++)
		if (tok.p[i] < '0' || tok.p[i] > '9')
			return -EINVAL;
	if (tok.n == 0)
		return -EINVAL;
	s->version_off = (size_t)(tok.p - buf);
	s->version_len = tok.n;
	return 0;
}

int sdp_parse(const char *buf, size_t len, struct sdp *s)
{
	struct sdp_media *m = NULL;
	struct sdp_str line, v;
	bool first = true, have_o = false;
	size_t pos = 0;
	int err;

	memset(s, 0, sizeof(*s));
	if (!buf || memchr(buf, '\0', len))
		return -EINVAL;
	while (SDP_NextLine(buf, len, &pos, &line)) {
		if (line.n == 0) {
			/* tolerate empty lines at the end, as some stacks send them */
			while (pos < len && (buf[pos] == '\r' || buf[pos] == '\n'))
				pos++;
			if (pos >= len)
				break;
			return -EINVAL;
		}
		if (line.n < 2 || line.p[1] != '=')
			return -EINVAL;
		v.p = line.p + 2;
		v.n = line.n - 2;
		if (first) {
			if (!sdp_str_eq(&line, "v=0"))
				return -EINVAL;
			first = false;
			continue;
		}
		switch (line.p[0]) {
		case 'o':
			if (m || have_o)
				return -EINVAL;
			err = sdp_parse_o(buf, v, s);
			if (err)
				return err;
			have_o = true;
			break;
		case 'c':
			if (m) {
				if (m->has_conn || sdp_parse_conn(&v, &m->conn))
					return -EINVAL;
				m->has_conn = true;
			} else {
				if (s->has_conn || sdp_parse_conn(&v, &s->conn))
					return -EINVAL;
				s->has_conn = true;
			}
			break;
		case 'm':
			if (s->nmedia == SDP_MAX_MEDIA)
				return -EINVAL;
			m = &s->media[s->nmedia++];
			if (sdp_parse_m(buf, v, m))
				return -EINVAL;
			break;
		case 'a':
			if (m) {
				if (sdp_parse_media_attr(buf, v, m))
					return -EINVAL;
			} else {
				enum sdp_dir dir = sdp_parse_dir(&v);

				if (dir != SDP_DIR_UNSET)
					s->dir = dir;
			}
			break;
		default:
			/* every other type is carried through untouched */
			break;
		}
	}
	if (first || !have_o)
		return -EINVAL;
	/* every anchorable stream must have an address to send to */
	for (unsigned int i = 0; i < s->nmedia; i++)
		if (s->media[i].udp && s->media[i].port && !sdp_media_addr(s, i)->family)
			return -EINVAL;
	return 0;
}

const struct sdp_addr *sdp_media_addr(const struct sdp *s, unsigned int i)
{
	return s->media[i].has_conn ? &s->media[i].conn : &s->conn;
}

enum sdp_dir sdp_media_dir(const struct sdp *s, unsigned int i)
{
	if (s->media[i].dir != SDP_DIR_UNSET)
		return s->media[i].dir;
	if (s->dir != SDP_DIR_UNSET)
		return s->dir;
	return SDP_DIR_SENDRECV;
}

uint16_t sdp_media_rtcp_port(const struct sdp *s, unsigned int i)
{
	const struct sdp_media *m = &s->media[i];

	if (m->rtcp_port)
		return m->rtcp_port;
	return m->port == 65535 ? 0 : (uint16_t)(m->port + 1);
}

bool sdp_addr_is_any(const struct sdp_addr *a)
{
	if (a->family == AF_INET)
		return a->v4.s_addr == htonl(INADDR_ANY);
	if (a->family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->v6);
	return false;
}

/* output under construction; overflow is sticky */
struct sdp_out {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void sdp_put(struct sdp_out *o, const char *p, size_t n)
{
	if (o->overflow || n > o->cap - o->len) {
		o->overflow = true;
		return;
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

static void sdp_puts(struct sdp_out *o, const char *s)
{
	sdp_put(o, s, strlen(s));
}

static void sdp_put_port(struct sdp_out *o, uint16_t port)
{
	char num[8];

	snprintf(num, sizeof(num), "%u", port);
	sdp_puts(o, num);
}

/* the decimal string v plus one, of any length ("99" -> "100") */
static void sdp_put_incremented(struct sdp_out *o, const char *v, size_t n)
{
	char tmp[64];
	size_t i;

	if (n >= sizeof(tmp)) {
		/* absurdly long: leave it, it is still a valid version */
		sdp_put(o, v, n);
		return;
	}
	memcpy(tmp, v, n);
	for (i = n; i > 0; i--) {
		if (tmp[i - 1] != '9') {
			tmp[i - 1]++;
			sdp_put(o, tmp, n);
			return;
		}
		tmp[i - 1] = '0';
	}
	sdp_puts(o, "1");
	sdp_put(o, tmp, n);
}

static bool sdp_is_ice_attr(const struct sdp_str *line)
{
	static const char *const ice[] = {
		"a=candidate:", "a=remote-candidates:", "a=end-of-candidates",
		"a=ice-ufrag:", "a=ice-pwd:", "a=ice-options:", "a=ice-lite",
		"a=ice-mismatch", "a=ice-pacing:",
	};
	size_t i;

	for (i = 0; i < SDP_ARRAY_SIZE(ice); i++) {
		size_t n = strlen(ice[i]);

		if (line->n >= n && !memcmp(line->p, ice[i], n))
			return true;
	}
	return false;
}

/* Offset in an o= line of its "IN IP4 " or "IN IP6 " part; 0 if it has none */
static size_t sdp_origin_addr(const char *lp, size_t n)
{
	size_t i = 2;
	int field;

	/* after <username> <sess-id> <sess-version> */
	for (field = 0; field < 3; field++) {
		while (i < n && lp[i] != ' ')
			i++;
		while (i < n && lp[i] == ' ')
			i++;
	}
	if (i + 7 > n || memcmp(lp + i, "IN IP", 5) || (lp[i + 5] != '4' && lp[i + 5] != '6') ||
	    lp[i + 6] != ' ')
		return 0;
	return i;
}

int sdp_rewrite(const char *buf, size_t len, const struct sdp *s,
		const struct sdp_relay *relay, const struct sdp_anchor *anchors,
		char *out, size_t outsz, size_t *outlen)
{
	struct sdp_out o = { .p = out, .cap = outsz };
	const char *ip = relay->family == AF_INET6 ? "IP6 " : "IP4 ";
	const struct sdp_anchor *an = NULL;
	bool any_anchored = false, pending = false, sess_relay = false;
	size_t pos = 0, eol = 0;
	struct sdp_str line;
	int idx = -1;
	unsigned int i;

	for (i = 0; i < s->nmedia; i++) {
		any_anchored |= anchors[i].anchored;
		sess_relay |= anchors[i].anchored && anchors[i].conn_relay;
	}

	while (SDP_NextLine(buf, len, &pos, &line)) {
		const char *lp = line.p;
		size_t off = (size_t)(lp - buf);

		/* a section ends at the next m= line or a blank line: its added line goes last */
		if (pending && (line.n == 0 || (line.n >= 2 && lp[0] == 'm' && lp[1] == '='))) {
			sdp_puts(&o, an->crypto);
			sdp_put(&o, buf + off - eol, eol);
			pending = false;
		}
		if (line.n >= 2 && lp[0] == 'm' && lp[1] == '=') {
			idx++;
			an = idx < (int)s->nmedia ? &anchors[idx] : NULL;
			pending = an && an->anchored && an->crypto;
		}
		/* the line's own terminator is kept: "\r\n", "\n" or none */
		eol = pos - off - line.n;

		if (line.n >= 2 && lp[0] == 'o' && lp[1] == '=') {
			/*
			 * The origin's address goes in the relay's family when that
			 * differs (a leg of the other family): some phones (baresip)
			 * take the first "IN IP4/IP6" of an offer as its family.
			 */
			size_t at = sdp_origin_addr(lp, line.n);
			bool swap = any_anchored && at && lp[at + 5] != ip[2];
			size_t head = swap ? off + at : off + line.n + eol;

			if (s->version_len && off < s->version_off &&
			    s->version_off + s->version_len <= head) {
				sdp_put(&o, lp, s->version_off - off);
				sdp_put_incremented(&o, buf + s->version_off, s->version_len);
				sdp_put(&o, buf + s->version_off + s->version_len,
					head - s->version_off - s->version_len);
			} else {
				sdp_put(&o, lp, head - off);
			}
			if (swap) {
				sdp_puts(&o, "IN ");
				sdp_puts(&o, ip);
				sdp_puts(&o, relay->addr);
				sdp_put(&o, lp + line.n, eol);
			}
			continue;
		}
		if (line.n >= 2 && lp[0] == 'c' && lp[1] == '=' && (idx < 0 || (an && an->anchored))) {
			const struct sdp_addr *a = idx < 0 ? &s->conn : &s->media[idx].conn;

			if (!sdp_addr_is_any(a) || (idx >= 0 ? an->conn_relay : sess_relay)) {
				sdp_puts(&o, "c=IN ");
				sdp_puts(&o, ip);
				sdp_puts(&o, relay->addr);
				sdp_put(&o, lp + line.n, eol);
				continue;
			}
		}
		if (line.n >= 2 && lp[0] == 'm' && lp[1] == '=' && an && an->anchored) {
			const struct sdp_media *m = &s->media[idx];
			size_t rest = m->port_off + m->port_len;

			sdp_put(&o, lp, m->port_off - off);
			sdp_put_port(&o, an->rtp_port);
			if (an->proto) {
				sdp_put(&o, buf + rest, m->proto_off - rest);
				sdp_puts(&o, an->proto);
				rest = m->proto_off + m->proto_len;
			}
			sdp_put(&o, buf + rest, off + line.n + eol - rest);
			continue;
		}
		if (line.n >= 9 && !memcmp(lp, "a=crypto:", 9) && an && an->anchored &&
		    an->drop_crypto)
			continue;
		if (line.n >= 7 && !memcmp(lp, "a=rtcp:", 7) && an && an->anchored) {
			const struct sdp_media *m = &s->media[idx];

			sdp_puts(&o, "a=rtcp:");
			/* "a=rtcp:<rtp port>" announced RTCP on the RTP port: keep that meaning */
			sdp_put_port(&o, m->rtcp_port == m->port ? an->rtp_port : an->rtcp_port);
			if (m->has_rtcp_addr) {
				sdp_puts(&o, " IN ");
				sdp_puts(&o, ip);
				sdp_puts(&o, relay->addr);
			}
			sdp_put(&o, lp + line.n, eol);
			continue;
		}
		if (sdp_is_ice_attr(&line) && ((idx < 0 && any_anchored) || (an && an->anchored)))
			continue;
		sdp_put(&o, lp, line.n + eol);
	}
	if (pending) {
		bool lf = eol && buf[len - 1] == '\n';

		/* the last line had no end (or a lone CR): end it */
		if (!o.overflow && o.len && o.p[o.len - 1] != '\n')
			sdp_puts(&o, o.p[o.len - 1] == '\r' ? "\n" : "\r\n");
		sdp_puts(&o, an->crypto);
		sdp_put(&o, lf ? buf + len - eol : "\r\n", lf ? eol : 2);
	}
	if (o.overflow)
		return -EMSGSIZE;
	*outlen = o.len;
	return 0;
}
