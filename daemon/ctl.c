// SPDX-License-Identifier: GPL-2.0
/*
 * Control socket server. Connections are non-blocking and served by the
 * main loop; a client gets 2 seconds to send its line and at most 64
 * connections are open at once, so a stuck client cannot stall krtpd.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "ctl.h"
#include "log.h"
#include "loop.h"
#include "media.h"
#include "sip/dialog.h"
#include "sip/proxy.h"
#include "sip/registrar.h"
#include "timer.h"

#define CTL_MAX_CLIENTS	64
#define CTL_TIMEOUT_MS	2000

struct ctl_client {
	int fd;
	struct loop_fd *h;
	char in[512];
	size_t inlen;
	char *out;
	size_t outlen, outoff;
	/*
	 * when it connected or its answer last moved: a client that sends no
	 * request, or stops reading, for CTL_TIMEOUT_MS is closed; one that
	 * reads a long answer slowly (krtpctl calls | less) is not. A Unix
	 * socket is writable again only once most of what it holds was read,
	 * so the sweep also looks at what is still queued (SIOCOUTQ).
	 */
	uint64_t progress;
	int queued;
};

static int ctl_fd = -1;
static struct loop_fd *ctl_h;
static char ctl_path[108];
static struct ctl_client *ctl_clients[CTL_MAX_CLIENTS];
static struct tmr ctl_timer = { .idx = -1 };
static int ctl_media = 1;

/* ---- output buffer ---- */

struct ctl_out {
	char *p;
	size_t len, cap;
	int json;
};

static void out_addf(struct ctl_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_addf(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->p ? o->p + o->len : NULL, o->p ? o->cap - o->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (o->p && (size_t)n < o->cap - o->len) {
			o->len += n;
			return;
		}
		{
			size_t cap = (o->cap ? o->cap * 2 : 4096) + n;
			char *p = realloc(o->p, cap);

			if (!p)
				return;
			o->p = p;
			o->cap = cap;
		}
	}
}

/* a JSON string, escaped */
static void out_jstr(struct ctl_out *o, const char *s)
{
	out_addf(o, "\"");
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			out_addf(o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			out_addf(o, "\\u%04x", c);
		else
			out_addf(o, "%c", c);
	}
	out_addf(o, "\"");
}

/* the URI of a From/To header value, for tables */
static void ctl_uri(const char *hdr, char *out, size_t sz)
{
	struct sip_naddr na;

	if (!MSG_ParseNaddr(&na, hdr, strlen(hdr)))
		snprintf(out, sz, "%.*s", (int)na.uri_raw.len, na.uri_raw.s);
	else
		snprintf(out, sz, "%s", hdr);
}

/* ---- calls ---- */

struct ctl_walk {
	struct ctl_out *o;
	int n;
	const char *only;		/* call <ID> */
};

static void ctl_media_json(struct ctl_out *o, const char *call_id)
{
	struct med_call_stats st;

	if (!ctl_media || MED_Stats(call_id, &st)) {
		out_addf(o, "\"media\":null");
		return;
	}
	out_addf(o, "\"media\":{\"mode\":\"%s\",\"kernel\":%s,\"streams\":%d,\"port_a\":%u,"
		 "\"port_b\":%u,\"packets_a_to_b\":%llu,\"packets_b_to_a\":%llu,"
		 "\"bytes_a_to_b\":%llu,\"bytes_b_to_a\":%llu,\"dropped\":%llu,\"lost\":%llu,"
		 "\"jitter_usecs\":%u,\"idle_msecs\":%llu}",
		 st.kernel ? "kernel" : "user", st.kernel ? "true" : "false", st.streams,
		 st.port_a, st.port_b, (unsigned long long)st.packets_a_to_b,
		 (unsigned long long)st.packets_b_to_a, (unsigned long long)st.bytes_a_to_b,
		 (unsigned long long)st.bytes_b_to_a, (unsigned long long)st.dropped,
		 (unsigned long long)st.lost, st.jitter_usecs, (unsigned long long)st.idle_msecs);
}

static void ctl_call(struct dlg *d, void *arg)
{
	struct ctl_walk *w = arg;
	struct ctl_out *o = w->o;
	char from[256], to[256], ap[80], bp[80];
	long age = (long)(time(NULL) - d->created);
	struct med_call_stats st;
	int have = ctl_media && !MED_Stats(d->call_id, &st);

	if (w->only && strcmp(w->only, d->call_id))
		return;
	ctl_uri(d->a_from, from, sizeof(from));
	ctl_uri(d->b_to, to, sizeof(to));
	if (!o->json) {
		if (w->only) {
			DLG_PeerStr(&d->a_peer, ap, sizeof(ap));
			DLG_PeerStr(&d->b_peer, bp, sizeof(bp));
			out_addf(o, "call-id:     %s\nfrom:        %s\nto:          %s\n"
				 "state:       established%s\nage:         %lds\n"
				 "caller:      %s via %s, tag %s, cseq %u\n"
				 "callee:      %s via %s, tag %s, cseq %u\n",
				 d->call_id, from, to, d->restored ? " (restored)" : "", age,
				 d->a_contact, ap, d->a_tag, d->a_cseq, d->b_contact, bp, d->b_tag,
				 d->b_cseq);
			if (have)
				out_addf(o, "media:       %s, %d stream(s), relay ports %u (caller) "
					 "%u (callee)\npackets:     %llu caller->callee, %llu "
					 "callee->caller, %llu dropped, %llu lost\n"
					 "idle:        %llums\n", st.kernel ? "kernel" : "user",
					 st.streams, st.port_a, st.port_b,
					 (unsigned long long)st.packets_a_to_b,
					 (unsigned long long)st.packets_b_to_a,
					 (unsigned long long)st.dropped, (unsigned long long)st.lost,
					 (unsigned long long)st.idle_msecs);
			else
				out_addf(o, "media:       none\n");
		} else {
			char ports[32] = "-", pk[48] = "-";

			if (have) {
				snprintf(ports, sizeof(ports), "%u/%u", st.port_a, st.port_b);
				snprintf(pk, sizeof(pk), "%llu/%llu",
					 (unsigned long long)st.packets_a_to_b,
					 (unsigned long long)st.packets_b_to_a);
			}
			out_addf(o, "%-36s %-28s %-28s %-12s %6lds %-11s %-21s %s\n", d->call_id,
				 from, to, "established", age, ports, pk,
				 have ? (st.kernel ? "kernel" : "user") : "-");
		}
		w->n++;
		return;
	}
	out_addf(o, "%s{\"call_id\":", w->n++ && !w->only ? "," : "");
	out_jstr(o, d->call_id);
	out_addf(o, ",\"from\":");
	out_jstr(o, from);
	out_addf(o, ",\"to\":");
	out_jstr(o, to);
	out_addf(o, ",\"state\":\"established\",\"age\":%ld,\"restored\":%s,", age,
		 d->restored ? "true" : "false");
	if (w->only) {
		DLG_PeerStr(&d->a_peer, ap, sizeof(ap));
		DLG_PeerStr(&d->b_peer, bp, sizeof(bp));
		out_addf(o, "\"caller\":{\"contact\":");
		out_jstr(o, d->a_contact);
		out_addf(o, ",\"tag\":");
		out_jstr(o, d->a_tag);
		out_addf(o, ",\"signalling\":");
		out_jstr(o, ap);
		out_addf(o, ",\"route\":");
		out_jstr(o, d->a_route);
		out_addf(o, ",\"cseq\":%u},\"callee\":{\"contact\":", d->a_cseq);
		out_jstr(o, d->b_contact);
		out_addf(o, ",\"tag\":");
		out_jstr(o, d->b_tag);
		out_addf(o, ",\"signalling\":");
		out_jstr(o, bp);
		out_addf(o, ",\"route\":");
		out_jstr(o, d->b_route);
		out_addf(o, ",\"cseq\":%u},", d->b_cseq);
	}
	ctl_media_json(o, d->call_id);
	out_addf(o, "}");
}

static void ctl_pending(const struct prx_pending *p, void *arg)
{
	struct ctl_walk *w = arg;
	struct ctl_out *o = w->o;
	const char *state = p->status >= 180 ? "ringing" : "trying";

	if (w->only && strcmp(w->only, p->call_id))
		return;
	if (!o->json) {
		if (w->only)
			out_addf(o, "call-id:     %s\nfrom:        %s\nto:          %s\n"
				 "state:       %s\nage:         %.0fs\n", p->call_id, p->from, p->to,
				 state, p->age);
		else
			out_addf(o, "%-36s %-28s %-28s %-12s %6.0fs %-11s %-21s %s\n", p->call_id,
				 p->from, p->to, state, p->age, "-", "-", "-");
		w->n++;
		return;
	}
	out_addf(o, "%s{\"call_id\":", w->n++ && !w->only ? "," : "");
	out_jstr(o, p->call_id);
	out_addf(o, ",\"from\":");
	out_jstr(o, p->from);
	out_addf(o, ",\"to\":");
	out_jstr(o, p->to);
	out_addf(o, ",\"state\":\"%s\",\"age\":%.0f,", state, p->age);
	ctl_media_json(o, p->call_id);
	out_addf(o, "}");
}

static void ctl_reg(const char *user, const char *domain, const struct reg_binding *b, void *arg)
{
	struct ctl_walk *w = arg;
	struct ctl_out *o = w->o;
	char src[64], aor[320];
	long long left = b->expires - time(NULL);

	TP_AddrStr(&b->src.addr, src, sizeof(src));
	snprintf(aor, sizeof(aor), "sip:%s@%s", user, domain);
	if (left < 0)
		left = 0;
	if (!o->json) {
		out_addf(o, "%-32s %-44s %8llds %-24s %s\n", aor, b->contact, left, src,
			 TP_ProtoName(b->src.proto));
	} else {
		out_addf(o, "%s{\"aor\":", w->n ? "," : "");
		out_jstr(o, aor);
		out_addf(o, ",\"user\":");
		out_jstr(o, user);
		out_addf(o, ",\"contact\":");
		out_jstr(o, b->contact);
		out_addf(o, ",\"expires\":%lld,\"source\":", left);
		out_jstr(o, src);
		out_addf(o, ",\"transport\":\"%s\"}", TP_ProtoParam(b->src.proto));
	}
	w->n++;
}

/* TP_GetStats as "name value" lines or one JSON object */
static void ctl_transport(struct ctl_out *o)
{
	struct tp_stats s;
	size_t i;

	TP_GetStats(&s);
	{
		const struct {
			const char *name;
			unsigned long v;
		} f[] = {
			{ "rx", s.rx }, { "tx", s.tx }, { "tx_errors", s.tx_errors },
			{ "conns", s.conns }, { "conns_refused", s.conns_refused },
			{ "tcp_open", s.tcp_open }, { "tls_open", s.tls_open },
			{ "ws_open", s.ws_open }, { "wss_open", s.wss_open },
			{ "tls_handshakes", s.tls_handshakes },
			{ "tls_handshake_failures", s.tls_handshake_failures },
			{ "tls_handshake_timeouts", s.tls_handshake_timeouts },
			{ "tls_verify_failures", s.tls_verify_failures },
		};

		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			if (o->json)
				out_addf(o, "%s\"%s\":%lu", i ? "," : "{", f[i].name, f[i].v);
			else
				out_addf(o, "%-24s %lu\n", f[i].name, f[i].v);
		}
	}
	if (o->json)
		out_addf(o, "}\n");
}

int CTL_Command(const char *line, char **out, size_t *outlen)
{
	char fmt[8], cmd[32], arg[300];
	struct ctl_out o = { 0 };
	struct ctl_walk w = { .o = &o };
	int n, end = 0;

	arg[0] = '\0';
	n = sscanf(line, "%7s %31s %299s%n", fmt, cmd, arg, &end);
	if (n < 2 || (strcmp(fmt, "text") && strcmp(fmt, "json"))) {
		out_addf(&o, "ERR bad request: want \"<text|json> <command> [arg]\"\n");
		goto done;
	}
	/* cut short, it would name another call, or none: "no call" would be a lie */
	if (n == 3 && line[end] && !isspace((unsigned char)line[end])) {
		out_addf(&o, "ERR argument longer than %zu bytes\n", sizeof(arg) - 1);
		goto done;
	}
	o.json = !strcmp(fmt, "json");
	out_addf(&o, "OK\n");
	if (!strcmp(cmd, "calls")) {
		if (o.json)
			out_addf(&o, "[");
		else
			out_addf(&o, "%-36s %-28s %-28s %-12s %7s %-11s %-21s %s\n", "CALL-ID",
				 "FROM", "TO", "STATE", "AGE", "PORTS", "PACKETS A>B/B>A",
				 "MEDIA");
		DLG_ForEach(ctl_call, &w);
		PRX_ForEachPending(ctl_pending, &w);
		if (o.json)
			out_addf(&o, "]\n");
	} else if (!strcmp(cmd, "registrations")) {
		if (o.json)
			out_addf(&o, "[");
		else
			out_addf(&o, "%-32s %-44s %9s %-24s %s\n", "AOR", "CONTACT", "EXPIRES",
				 "SOURCE", "TRANSPORT");
		REG_ForEach(ctl_reg, &w);
		if (o.json)
			out_addf(&o, "]\n");
	} else if (!strcmp(cmd, "transport")) {
		ctl_transport(&o);
	} else if (!strcmp(cmd, "call") && n == 3) {
		w.only = arg;
		DLG_ForEach(ctl_call, &w);
		if (!w.n)
			PRX_ForEachPending(ctl_pending, &w);
		if (!w.n) {
			o.len = 0;
			out_addf(&o, "ERR no call with Call-ID %s\n", arg);
		} else if (o.json) {
			out_addf(&o, "\n");
		}
	} else {
		o.len = 0;
		out_addf(&o, "ERR unknown command \"%s\" (calls, registrations, transport, call <ID>)\n",
			 cmd);
	}
done:
	if (!o.p)
		return -ENOMEM;
	*out = o.p;
	*outlen = o.len;
	return 0;
}

/* ---- the socket ---- */

static void ctl_client_close(struct ctl_client *c)
{
	int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (ctl_clients[i] == c)
			ctl_clients[i] = NULL;
	LOOP_Del(c->h);
	close(c->fd);
	free(c->out);
	free(c);
}

/* a malloc'ed copy of s, its length in *len; NULL without memory */
static char *ctl_strdup_len(const char *s, size_t *len)
{
	char *p = strdup(s);

	*len = p ? strlen(p) : 0;
	return p;
}

static void ctl_client_event(int fd, uint32_t events, void *arg)
{
	struct ctl_client *c = arg;
	char *nl;
	ssize_t n;

	(void)fd;
	if (c->out) {
		if (events & EPOLLOUT) {
			n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN) {
				ctl_client_close(c);
				return;
			}
			if (n > 0) {
				c->outoff += n;
				c->progress = TMR_Now();
			}
			if (c->outoff == c->outlen)
				ctl_client_close(c);
		} else if (events & (EPOLLHUP | EPOLLERR)) {
			ctl_client_close(c);
		}
		return;
	}
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen, 0);
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN)
			ctl_client_close(c);
		return;
	}
	c->inlen += n;
	c->in[c->inlen] = '\0';
	nl = memchr(c->in, '\n', c->inlen);
	if (!nl && c->inlen < sizeof(c->in) - 1)
		return;
	/*
	 * A line too long, or with a NUL in it, is answered with why
	 * rather than closed on: krtpctl would only see the connection go.
	 */
	if (!nl)
		c->out = ctl_strdup_len("ERR request longer than 510 bytes\n", &c->outlen);
	else if (memchr(c->in, '\0', nl - c->in))
		c->out = ctl_strdup_len("ERR bad request: a NUL byte in it\n", &c->outlen);
	else {
		*nl = '\0';
		if (CTL_Command(c->in, &c->out, &c->outlen))
			c->out = NULL;
	}
	if (!c->out) {
		ctl_client_close(c);
		return;
	}
	LOOP_Mod(c->h, EPOLLOUT);
}

static void ctl_accept(int fd, uint32_t events, void *arg)
{
	struct ctl_client *c;
	int cfd, i;

	(void)events;
	(void)arg;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	for (i = 0; i < CTL_MAX_CLIENTS && ctl_clients[i]; i++)
		;
	c = i < CTL_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		close(cfd);
		return;
	}
	c->fd = cfd;
	c->progress = TMR_Now();
	c->queued = INT_MAX;
	c->h = LOOP_Add(cfd, EPOLLIN, ctl_client_event, c);
	if (!c->h) {
		close(cfd);
		free(c);
		return;
	}
	ctl_clients[i] = c;
}

static void ctl_sweep(struct tmr *t)
{
	uint64_t now = TMR_Now();
	struct ctl_client *c;
	int i, q;

	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		c = ctl_clients[i];
		if (!c)
			continue;
		/* the client read some of its answer since the last sweep */
		if (c->out && !ioctl(c->fd, SIOCOUTQ, &q)) {
			if (q < c->queued)
				c->progress = now;
			c->queued = q;
		}
		if (now - c->progress > CTL_TIMEOUT_MS)
			ctl_client_close(c);
	}
	TMR_Start(t, 1000);
}

int CTL_Init(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;

	if (!path || !*path || !strcmp(path, "none"))
		return 0;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		LOG_ERR("control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		/* only a directory we create gets 0700; an existing one is left alone */
		mkdir(dir, 0700);
	}
	strcpy(sa.sun_path, path);
	ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl_fd < 0)
		return -errno;
	unlink(path);
	if (bind(ctl_fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) ||
	    listen(ctl_fd, 16)) {
		LOG_ERR("control socket %s: %m", path);
		close(ctl_fd);
		ctl_fd = -1;
		return -errno;
	}
	snprintf(ctl_path, sizeof(ctl_path), "%s", path);
	ctl_h = LOOP_Add(ctl_fd, EPOLLIN, ctl_accept, NULL);
	TMR_Setup(&ctl_timer, ctl_sweep);
	TMR_Start(&ctl_timer, 1000);
	return 0;
}

void CTL_Fini(void)
{
	int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (ctl_clients[i])
			ctl_client_close(ctl_clients[i]);
	TMR_Stop(&ctl_timer);
	if (ctl_fd >= 0) {
		LOOP_Del(ctl_h);
		close(ctl_fd);
		unlink(ctl_path);
	}
	ctl_fd = -1;
}
