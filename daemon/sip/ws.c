// SPDX-License-Identifier: GPL-2.0
/*
 * SIP over WebSocket, server side. The Upgrade request is collected in a
 * buffer of WS_MAX_REQUEST bytes and parsed here; the frames are wslay's
 * (its event API, fed from memory: the recv callback copies from the bytes
 * conn.c read, the send callback hands frames back to conn.c's write
 * queue), so masking (RFC 6455 §5.1: a server fails a connection whose
 * client frames are not masked), fragmentation, ping/pong, the close
 * handshake, UTF-8 of text frames and the message size limit are wslay's.
 *
 * Messages are copied to a queue and taken with WS_Next after WS_Input
 * returns, never delivered from inside wslay: the SIP handler may close
 * the connection (a failed send), which frees this session.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <wslay/wslay.h>

#include "../log.h"
#include "../metrics.h"
#include "ws.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_MAX_HEADERS	64
#define WS_MAX_ORIGINS	16

struct ws_msg {
	struct ws_msg *next;
	size_t len;
	char data[];
};

struct ws_sess {
	wslay_event_context_ptr ctx;
	ws_out_fn out;
	void *arg;
	int open;			/* 101 sent */
	int partial;			/* a data message is half-received */
	const char *why;
	char *req;			/* the Upgrade request until it is complete */
	size_t reqlen;
	const char *in;			/* what WS_Input was given, for the recv callback */
	size_t inlen;
	struct ws_msg *head, *tail;
};

static char ws_origins[WS_MAX_ORIGINS][128];
static unsigned int ws_norigins;
static struct ws_stats ws_stats;

void WS_AcceptKey(const char *key, size_t keylen, char out[29])
{
	struct sha1_ctx h;
	uint8_t d[SHA1_DIGEST_SIZE];

	sha1_init(&h);
	sha1_update(&h, keylen, (const uint8_t *)key);
	sha1_update(&h, sizeof(WS_GUID) - 1, (const uint8_t *)WS_GUID);
	sha1_digest(&h, sizeof(d), d);
	base64_encode_raw(out, sizeof(d), d);
	out[BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = '\0';
}

/* ---- the Upgrade request ---- */

struct ws_req {
	const char *key, *version, *origin;
	size_t keylen, versionlen, originlen;
	int host, upgrade, connection, sip, keys;
};

static const char *ws_trim(const char *s, const char *e, size_t *len)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*len = e - s;
	return s;
}

/* a comma-separated list (RFC 9110 §5.6.1) holds token, case-insensitively */
static int ws_has_token(const char *v, size_t vlen, const char *token)
{
	const char *e = v + vlen;

	while (v < e) {
		const char *c = memchr(v, ',', e - v);
		const char *end = c ? c : e;
		size_t len;
		const char *t = ws_trim(v, end, &len);

		if (len == strlen(token) && !strncasecmp(t, token, len))
			return 1;
		v = c ? c + 1 : e;
	}
	return 0;
}

static int ws_name_is(const char *n, size_t nlen, const char *want)
{
	return nlen == strlen(want) && !strncasecmp(n, want, nlen);
}

/* one header line (without CRLF); -1 when it is malformed */
static int ws_header(struct ws_req *r, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	const char *v;
	size_t i, vlen, nlen;

	if (!colon || colon == line)
		return -1;
	nlen = colon - line;
	for (i = 0; i < nlen; i++)	/* a token: no spaces, no controls (§5.1) */
		if (line[i] <= ' ' || line[i] >= 127)
			return -1;
	v = ws_trim(colon + 1, line + len, &vlen);
	for (i = 0; i < vlen; i++)
		if ((unsigned char)v[i] < ' ' && v[i] != '\t')
			return -1;
	if (ws_name_is(line, nlen, "Host")) {
		r->host = 1;
	} else if (ws_name_is(line, nlen, "Upgrade")) {
		r->upgrade |= ws_has_token(v, vlen, "websocket");
	} else if (ws_name_is(line, nlen, "Connection")) {
		r->connection |= ws_has_token(v, vlen, "upgrade");
	} else if (ws_name_is(line, nlen, "Sec-WebSocket-Protocol")) {
		r->sip |= ws_has_token(v, vlen, "sip");
	} else if (ws_name_is(line, nlen, "Sec-WebSocket-Key")) {
		r->key = v;
		r->keylen = vlen;
		r->keys++;
	} else if (ws_name_is(line, nlen, "Sec-WebSocket-Version")) {
		r->version = v;
		r->versionlen = vlen;
	} else if (ws_name_is(line, nlen, "Origin")) {
		r->origin = v;
		r->originlen = vlen;
	}
	return 0;
}

/* the key is 16 bytes in base64 (RFC 6455 §4.1 item 7) */
static int ws_key_ok(const char *k, size_t len)
{
	struct base64_decode_ctx b;
	uint8_t raw[BASE64_DECODE_LENGTH(24)];
	size_t n = sizeof(raw);

	if (len != 24)
		return 0;
	base64_decode_init(&b);
	return base64_decode_update(&b, &n, raw, len, k) && base64_decode_final(&b) &&
	       n == 16;
}

static int ws_origin_ok(const char *o, size_t len)
{
	unsigned int i;

	if (!ws_norigins || !o)
		return 1;	/* no list, or not a browser (only browsers send Origin) */
	for (i = 0; i < ws_norigins; i++)
		if (strlen(ws_origins[i]) == len && !strncasecmp(ws_origins[i], o, len))
			return 1;
	return 0;
}

/* the status to answer: 101, or why not */
static int ws_check(const char *req, size_t len, struct ws_req *r, const char **why)
{
	const char *p = req, *e = req + len, *eol;
	int n = 0;

	memset(r, 0, sizeof(*r));
	/* GET SP request-target SP HTTP/1.1 CRLF (RFC 6455 §4.1 items 1-2) */
	eol = memmem(p, e - p, "\r\n", 2);
	if (!eol || eol - p < 14 || memcmp(p, "GET ", 4)) {
		*why = "not a GET";
		return 400;
	}
	if (memcmp(eol - 9, " HTTP/1.1", 9) || memchr(p + 4, ' ', eol - 9 - (p + 4)) ||
	    eol - 9 == p + 4) {
		*why = "bad request line";
		return 400;
	}
	for (p = eol + 2; p < e; p = eol + 2) {
		eol = memmem(p, e - p, "\r\n", 2);
		if (!eol) {
			*why = "bad header line";
			return 400;
		}
		if (eol == p)
			break;		/* the empty line: end of the headers */
		if (++n > WS_MAX_HEADERS || ws_header(r, p, eol - p)) {
			*why = n > WS_MAX_HEADERS ? "too many headers" : "bad header line";
			return 400;
		}
	}
	if (!r->host || !r->upgrade || !r->connection) {
		*why = "not a WebSocket upgrade";
		return 400;
	}
	if (r->versionlen != 2 || memcmp(r->version, "13", 2)) {
		*why = "not WebSocket version 13";
		return 426;
	}
	if (r->keys != 1 || !ws_key_ok(r->key, r->keylen)) {
		*why = "bad Sec-WebSocket-Key";
		return 400;
	}
	if (!r->sip) {
		*why = "no sip subprotocol";
		return 400;
	}
	if (!ws_origin_ok(r->origin, r->originlen)) {
		*why = "Origin not allowed";
		return 403;
	}
	return 101;
}

static const char *ws_reason(int status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 403: return "Forbidden";
	case 426: return "Upgrade Required";
	case 431: return "Request Header Fields Too Large";
	default: return "Bad Request";
	}
}

/* the answer to a refused handshake */
static size_t ws_refusal(int status, char *resp, size_t respsz)
{
	int n = snprintf(resp, respsz, "HTTP/1.1 %d %s\r\nConnection: close\r\n%s"
			 "Content-Length: 0\r\n\r\n", status, ws_reason(status),
			 status == 426 ? "Sec-WebSocket-Version: 13\r\n" : "");

	return n < 0 ? 0 : (size_t)n < respsz ? (size_t)n : respsz - 1;
}

int WS_Handshake(const char *req, size_t len, char *resp, size_t respsz, size_t *resplen,
		 const char **why)
{
	struct ws_req r;
	char accept[29];
	int status = ws_check(req, len, &r, why), n;

	switch (status) {
	case 101:
		break;
	case 403:
		ws_stats.refused_origin++;
		*resplen = ws_refusal(status, resp, respsz);
		return status;
	case 426:
		ws_stats.refused_version++;
		*resplen = ws_refusal(status, resp, respsz);
		return status;
	default:
		ws_stats.refused_bad++;
		*resplen = ws_refusal(status, resp, respsz);
		return status;
	}
	*why = "ok";
	WS_AcceptKey(r.key, r.keylen, accept);
	/* RFC 7118 §4: the subprotocol is "sip" */
	n = snprintf(resp, respsz, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
		     "Sec-WebSocket-Protocol: sip\r\n\r\n", accept);
	if (n < 0 || (size_t)n >= respsz)
		return 500;
	*resplen = n;
	ws_stats.handshakes++;
	return 101;
}

/* ---- frames, with wslay ---- */

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
			  void *arg)
{
	struct ws_sess *w = arg;

	(void)flags;
	if (!w->inlen) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (len > w->inlen)
		len = w->inlen;
	memcpy(buf, w->in, len);
	w->in += len;
	w->inlen -= len;
	return len;
}

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
			  int flags, void *arg)
{
	struct ws_sess *w = arg;

	(void)flags;
	if (w->out(w->arg, data, len)) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return len;
}

static void ws_frame_start_cb(wslay_event_context_ptr ctx,
			      const struct wslay_event_on_frame_recv_start_arg *a, void *arg)
{
	struct ws_sess *w = arg;

	(void)ctx;
	if (!(a->opcode & 0x8))		/* text, binary or continuation */
		w->partial = 1;
}

static void ws_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *a,
		      void *arg)
{
	struct ws_sess *w = arg;
	struct ws_msg *m;

	(void)ctx;
	if (a->opcode == WSLAY_CONNECTION_CLOSE) {
		ws_stats.closes++;
		return;
	}
	if (a->opcode != WSLAY_TEXT_FRAME && a->opcode != WSLAY_BINARY_FRAME)
		return;		/* a pong */
	w->partial = 0;
	/* RFC 7118 §5: one message, one SIP message; an empty one is nothing */
	if (!a->msg_length)
		return;
	m = malloc(sizeof(*m) + a->msg_length);
	if (!m)
		return;
	m->next = NULL;
	m->len = a->msg_length;
	memcpy(m->data, a->msg, a->msg_length);
	if (w->tail)
		w->tail->next = m;
	else
		w->head = m;
	w->tail = m;
	ws_stats.rx++;
}

struct ws_sess *WS_New(size_t max_message, ws_out_fn out, void *arg)
{
	static const struct wslay_event_callbacks cb = {
		.recv_callback = ws_recv_cb,
		.send_callback = ws_send_cb,
		.on_frame_recv_start_callback = ws_frame_start_cb,
		.on_msg_recv_callback = ws_msg_cb,
	};
	struct ws_sess *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->req = malloc(WS_MAX_REQUEST);
	if (!w->req || wslay_event_context_server_init(&w->ctx, &cb, w)) {
		free(w->req);
		free(w);
		return NULL;
	}
	wslay_event_config_set_max_recv_msg_length(w->ctx, max_message);
	w->out = out;
	w->arg = arg;
	w->why = "open";
	return w;
}

void WS_Free(struct ws_sess *w)
{
	struct ws_msg *m, *next;

	if (!w)
		return;
	for (m = w->head; m; m = next) {
		next = m->next;
		free(m);
	}
	wslay_event_context_free(w->ctx);
	free(w->req);
	free(w);
}

/* write what wslay queued; -errno when the connection is done */
static int ws_pump(struct ws_sess *w)
{
	if (wslay_event_send(w->ctx)) {
		w->why = "write failed";
		return -EIO;
	}
	if (wslay_event_get_read_enabled(w->ctx))
		return 0;
	if (wslay_event_get_close_received(w->ctx)) {
		w->why = "closed by the peer";
		return -ECONNRESET;
	}
	ws_stats.protocol_errors++;
	switch (wslay_event_get_status_code_sent(w->ctx)) {
	case WSLAY_CODE_MESSAGE_TOO_BIG:
		w->why = "message too large";
		break;
	case WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA:
		w->why = "text frame not UTF-8";
		break;
	default:
		w->why = "WebSocket protocol error (unmasked or bad frame)";
		break;
	}
	return -EPROTO;
}

static int ws_frames(struct ws_sess *w, const char *buf, size_t len)
{
	int r;

	w->in = buf;
	w->inlen = len;
	r = wslay_event_recv(w->ctx);
	w->in = NULL;
	w->inlen = 0;
	/*
	 * A control frame over 125 bytes or fragmented (RFC 6455 §5.5):
	 * wslay stops reading and queues a close, as for other bad frames,
	 * but then fails instead of returning 0. ws_pump sends that close
	 * (§7.1.7) and counts the error like the others, rather than the
	 * connection being dropped without a word.
	 */
	if (r && (wslay_event_get_read_enabled(w->ctx) || wslay_event_get_close_sent(w->ctx))) {
		w->why = "WebSocket read failed";
		return -EIO;
	}
	return ws_pump(w);
}

/* the Upgrade request, then whatever came after it */
static int ws_request(struct ws_sess *w, const char *buf, size_t len)
{
	size_t room = WS_MAX_REQUEST - w->reqlen, take = len < room ? len : room;
	size_t from = w->reqlen > 3 ? w->reqlen - 3 : 0, end, rlen;
	const char *crlf;
	char resp[512];
	int status;

	memcpy(w->req + w->reqlen, buf, take);
	w->reqlen += take;
	crlf = memmem(w->req + from, w->reqlen - from, "\r\n\r\n", 4);
	if (!crlf) {
		if (w->reqlen < WS_MAX_REQUEST)
			return 0;
		ws_stats.refused_too_large++;
		w->why = "Upgrade request too large";
		rlen = ws_refusal(431, resp, sizeof(resp));
		w->out(w->arg, resp, rlen);
		return -EMSGSIZE;
	}
	end = crlf + 4 - w->req;
	status = WS_Handshake(w->req, end, resp, sizeof(resp), &rlen, &w->why);
	if (w->out(w->arg, resp, rlen)) {
		w->why = "write failed";
		return -EIO;
	}
	if (status != 101)
		return -EPROTO;
	w->open = 1;
	w->why = "open";
	/* frames sent before the 101 arrived: from the request buffer, then buf */
	{
		size_t extra = w->reqlen - end, used = take;
		int r = 0;

		if (extra)
			r = ws_frames(w, w->req + end, extra);
		free(w->req);
		w->req = NULL;
		w->reqlen = 0;
		if (!r && used < len)
			r = ws_frames(w, buf + used, len - used);
		return r;
	}
}

int WS_Input(struct ws_sess *w, const char *buf, size_t len)
{
	if (!w->open)
		return ws_request(w, buf, len);
	return ws_frames(w, buf, len);
}

size_t WS_Next(struct ws_sess *w, char *out, size_t outsz)
{
	struct ws_msg *m = w->head;
	size_t len;

	if (!m)
		return 0;
	w->head = m->next;
	if (!w->head)
		w->tail = NULL;
	len = m->len < outsz ? m->len : outsz;
	memcpy(out, m->data, len);
	free(m);
	return len;
}

int WS_Send(struct ws_sess *w, const char *buf, size_t len)
{
	struct wslay_event_msg m = {
		.opcode = WSLAY_TEXT_FRAME,
		.msg = (const uint8_t *)buf,
		.msg_length = len,
	};
	size_t i;

	if (!w->open)
		return -ENOTCONN;
	/* a text frame must be UTF-8; one that is not plain ASCII goes as binary */
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] >= 0x80) {
			m.opcode = WSLAY_BINARY_FRAME;
			break;
		}
	if (wslay_event_queue_msg(w->ctx, &m))
		return -EPIPE;		/* closing: no more messages */
	ws_stats.tx++;
	return ws_pump(w) == -EIO ? -EIO : 0;
}

int WS_Ping(struct ws_sess *w)
{
	struct wslay_event_msg m = { .opcode = WSLAY_PING };

	if (!w->open || wslay_event_queue_msg(w->ctx, &m))
		return -ENOTCONN;
	ws_stats.pings++;
	return ws_pump(w) == -EIO ? -EIO : 0;
}

int WS_IsOpen(const struct ws_sess *w)
{
	return w->open;
}

int WS_Partial(const struct ws_sess *w)
{
	return w->open ? w->partial : w->reqlen > 0;
}

const char *WS_Why(const struct ws_sess *w)
{
	return w->why;
}

void WS_CountTimeout(void)
{
	ws_stats.handshake_timeouts++;
}

void WS_GetStats(struct ws_stats *s)
{
	*s = ws_stats;
}

static void ws_emit(struct met_out *o)
{
	static const char fail_help[] =
		"WebSocket Upgrade requests refused, by reason (answered 400, 426, 403, 431).";

	MET_Counter(o, "krtpd_ws_handshakes_total", "WebSocket handshakes accepted (101).",
		    NULL, ws_stats.handshakes);
	MET_Counter(o, "krtpd_ws_handshake_failures_total", fail_help,
		    MET_LABELS("reason", "bad_request"), ws_stats.refused_bad);
	MET_Counter(o, "krtpd_ws_handshake_failures_total", fail_help,
		    MET_LABELS("reason", "version"), ws_stats.refused_version);
	MET_Counter(o, "krtpd_ws_handshake_failures_total", fail_help,
		    MET_LABELS("reason", "origin"), ws_stats.refused_origin);
	MET_Counter(o, "krtpd_ws_handshake_failures_total", fail_help,
		    MET_LABELS("reason", "too_large"), ws_stats.refused_too_large);
	MET_Counter(o, "krtpd_ws_handshake_failures_total", fail_help,
		    MET_LABELS("reason", "timeout"), ws_stats.handshake_timeouts);
	MET_Counter(o, "krtpd_ws_messages_received_total",
		    "SIP messages received in WebSocket messages (WS and WSS).", NULL, ws_stats.rx);
	MET_Counter(o, "krtpd_ws_messages_sent_total",
		    "SIP messages sent as WebSocket messages (WS and WSS).", NULL, ws_stats.tx);
	MET_Counter(o, "krtpd_ws_protocol_errors_total",
		    "WebSocket connections failed by krtpd: unmasked or bad frames, too large, bad UTF-8.",
		    NULL, ws_stats.protocol_errors);
	MET_Counter(o, "krtpd_ws_closes_total", "Close frames received from clients (answered).",
		    NULL, ws_stats.closes);
	MET_Counter(o, "krtpd_ws_pings_total", "Pings sent to idle WebSocket clients.", NULL,
		    ws_stats.pings);
}

int WS_Init(const struct ws_config *cfg)
{
	char buf[2048], *save = NULL, *tok;

	memset(&ws_stats, 0, sizeof(ws_stats));
	ws_norigins = 0;
	snprintf(buf, sizeof(buf), "%s", cfg && cfg->origins ? cfg->origins : "");
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (ws_norigins == WS_MAX_ORIGINS || strlen(tok) >= sizeof(ws_origins[0])) {
			LOG_ERR("ws_origins: at most %d origins of at most %zu characters",
				WS_MAX_ORIGINS, sizeof(ws_origins[0]) - 1);
			return -EINVAL;
		}
		snprintf(ws_origins[ws_norigins++], sizeof(ws_origins[0]), "%s", tok);
	}
	MET_AddSource(ws_emit);
	return 0;
}

void WS_Fini(void)
{
	ws_norigins = 0;
}
