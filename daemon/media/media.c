// SPDX-License-Identifier: GPL-2.0
/*
 * Media anchoring: calls, their streams, and the flows that carry them
 * (the MED_* interface of daemon/media.h). The SDP side, offers and answers
 * becoming sides of streams, is offer.c; this file owns the calls and works
 * out and installs their flows.
 *
 * A call is found by the 64-bit hash of its key. The hash, not the key, is
 * what the kernel flows carry in their labels ("krtpd:<hash>:<stream>:<dir>"),
 * so a restarted krtpd can re-adopt flows before the SIP core names their
 * calls again; the first MED_* call with the key fills it in.
 *
 * An offer records what the offering leg said, allocates relay ports for new
 * streams and is rewritten to show the other leg the ports facing it. The
 * answer completes both sides of every stream; then the flows each stream
 * needs are worked out from scratch and compared with the installed ones:
 * unchanged flows stay (keeping their learned sources and counters), changed
 * ones are replaced, so a re-INVITE (new address, port, codec, hold, resume)
 * costs only the flows it changes. The counters of replaced flows are kept
 * per direction so MED_Stats covers the whole call.
 *
 * Hold: a flow forwards toward a leg only while that leg's SDP says it
 * receives (sendrecv or recvonly) at a real address (not 0.0.0.0 or ::).
 * RTCP keeps flowing toward a leg on hold, as RFC 3264 section 5.1 asks,
 * except with rtcp-mux, where RTCP shares the RTP flow.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../hash.h"
#include "internal.h"
#include "dtls.h"
#include "webrtc.h"

pthread_mutex_t med_lock = PTHREAD_MUTEX_INITIALIZER;
unsigned int med_ncalls;
struct med_config med_cfg;
bool med_kernel_mode;
struct krtp_stats med_user_retired;

static bool med_up;

bool med_running(void)
{
	return med_up;
}
struct med_call *med_calls[MED_BUCKETS];
static struct krtp_ep med_relay_ep4, med_relay_ep6;
static struct sdp_relay med_relay_txt4, med_relay_txt6;

const char *const med_flow_names[MED_F_MAX] = { "ab", "abc", "ba", "bac" };

uint64_t med_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t med_key_hash(const char *key)
{
	return HASH_Fnv(key, strlen(key));
}

const struct sdp_relay *med_relay_txt(int family)
{
	return family == AF_INET6 ? &med_relay_txt6 : &med_relay_txt4;
}

const struct krtp_ep *med_relay_ep(int family)
{
	return family == AF_INET6 ? &med_relay_ep6 : &med_relay_ep4;
}

struct med_call *med_call_by_hash(uint64_t hash)
{
	struct med_call *c;

	for (c = med_calls[hash % MED_BUCKETS]; c; c = c->next)
		if (c->hash == hash)
			return c;
	return NULL;
}

/* Find the call of key; a re-adopted call learns its key here */
struct med_call *med_call_find(const char *key)
{
	struct med_call *c = med_call_by_hash(med_key_hash(key));

	if (!c)
		return NULL;
	if (!c->key)
		c->key = strdup(key);
	else if (strcmp(c->key, key))
		return NULL;	/* a 64-bit hash collision: treat as unknown */
	return c;
}

struct med_call *med_call_new(uint64_t hash, const char *key)
{
	struct med_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (key) {
		c->key = strdup(key);
		if (!c->key) {
			free(c);
			return NULL;
		}
	}
	c->hash = hash;
	c->next = med_calls[hash % MED_BUCKETS];
	med_calls[hash % MED_BUCKETS] = c;
	med_ncalls++;
	return c;
}

struct med_stream *med_stream_get(struct med_call *c, unsigned int i, bool create)
{
	struct med_stream *st;
	unsigned int j;

	if (i >= MED_MAX_STREAMS)
		return NULL;
	if (c->streams[i] || !create)
		return c->streams[i];
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->call = c;
	st->idx = i;
	for (j = 0; j < MED_F_MAX; j++) {
		st->flow[j].stream = st;
		st->flow[j].idx = (int)j;
	}
	c->streams[i] = st;
	return st;
}

void med_stats_add(struct krtp_stats *d, const struct krtp_stats *s)
{
	d->packets += s->packets;
	d->bytes += s->bytes;
	d->rtcp_packets += s->rtcp_packets;
	d->rtcp_bytes += s->rtcp_bytes;
	d->drop_wrong_source += s->drop_wrong_source;
	d->drop_no_route += s->drop_no_route;
	d->drop_not_rtp += s->drop_not_rtp;
	d->drop_other += s->drop_other;
	d->packets_total += s->packets_total;
	d->srtp_auth_fail += s->srtp_auth_fail;
	d->srtp_replay += s->srtp_replay;
	d->rtp_lost += s->rtp_lost;
	d->rtp_duplicates += s->rtp_duplicates;
	d->rtp_reordered += s->rtp_reordered;
	if (s->rtp_jitter_usecs > d->rtp_jitter_usecs)
		d->rtp_jitter_usecs = s->rtp_jitter_usecs;
}

/* The counters of an installed flow, from the kernel or the relay */
int med_flow_stats(const struct med_flow *f, struct krtp_stats *st)
{
	if (!f->user)
		return med_kernel_stats(f, st);
	*st = f->u.st;
	return 0;
}

/* Take an installed flow down; keep its counters in the stream when asked */
void med_flow_remove(struct med_flow *f, bool keep_stats)
{
	struct krtp_stats st;

	if (!f->installed)
		return;
	/* userspace relay: what the flow carried stays in the module-wide counters */
	if (f->user)
		med_stats_add(&med_user_retired, &f->u.st);
	if (keep_stats && !med_flow_stats(f, &st))
		med_stats_add(&f->stream->acc[f->idx >= MED_F_BA_RTP], &st);
	if (f->user)
		med_relay_remove(f);
	else
		med_kernel_del(f);
	f->installed = false;
	f->user = false;
}

void med_stream_release(struct med_stream *st)
{
	unsigned int i;

	for (i = 0; i < MED_F_MAX; i++)
		med_flow_remove(&st->flow[i], false);
	if (st->pa)
		med_ports_free_pair(st, st->pa);
	if (st->pb)
		med_ports_free_pair(st, st->pb);
	st->pa = st->pb = 0;
	med_webrtc_release(st);
	med_srtp_release(st);
	memset(st->side, 0, sizeof(st->side));
	memset(st->acc, 0, sizeof(st->acc));
	st->mux = st->rtp = false;
}

void med_call_destroy(struct med_call *c)
{
	struct med_call **pp = &med_calls[c->hash % MED_BUCKETS];
	unsigned int i;

	for (i = 0; i < MED_MAX_STREAMS; i++) {
		if (!c->streams[i])
			continue;
		med_stream_release(c->streams[i]);
		explicit_bzero(c->streams[i], sizeof(*c->streams[i]));
		free(c->streams[i]);
	}
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	med_ncalls--;
	/* its sessions, freed above, held their own references to the context */
	med_dtls_cert_put(c->dtls_cert);
	free(c->key);
	explicit_bzero(c, sizeof(*c));	/* the offer may hold keys */
	free(c);
}
static bool med_side_addr_any(const struct med_side *sd)
{
	struct sdp_addr a = { .family = sd->rtp.family };

	memcpy(&a.v6, &sd->rtp.addr, sd->rtp.family == AF_INET6 ? 16 : 4);
	return sdp_addr_is_any(&a);
}

/* Does the leg take packets on this stream (RTCP: whenever it has an address)? */
static bool med_side_receives(const struct med_side *sd, bool rtcp)
{
	if (!sd->known || !sd->rtp.port || med_side_addr_any(sd))
		return false;
	if (rtcp)
		return true;
	return sd->dir == SDP_DIR_SENDRECV || sd->dir == SDP_DIR_RECVONLY;
}

/*
 * Does leg `leg` of st send and take RTCP on its RTP port? A WebRTC leg
 * always does (RFC 8842); a plain leg facing one does if its own SDP said
 * a=rtcp-mux; else both legs agreed on it or neither did.
 */
static bool med_leg_mux(const struct med_stream *st, int leg)
{
	if (st->webrtc[leg])
		return true;
	if (st->webrtc[1 - leg])
		return st->side[leg].mux;
	return st->mux;
}

void med_flow_sender(const struct med_stream *st, int fi, struct krtp_ep *sender)
{
	const struct med_side *from = &st->side[fi < MED_F_BA_RTP ? 0 : 1];
	bool rtcp = fi == MED_F_AB_RTCP || fi == MED_F_BA_RTCP;

	*sender = rtcp && from->rtcp_addr.family ? from->rtcp_addr : from->rtp;
	sender->port = rtcp ? from->rtcp_port : from->rtp.port;
}

/* The flow fi of stream st should be; false if it should not exist */
static bool med_flow_wanted(const struct med_stream *st, int fi, struct krtp_flow *kf,
			    struct krtp_ep *sender)
{
	const struct med_call *c = st->call;
	bool rtcp = fi == MED_F_AB_RTCP || fi == MED_F_BA_RTCP;
	bool from_a = fi < MED_F_BA_RTP;
	const struct med_side *from = &st->side[from_a ? 0 : 1];
	const struct med_side *to = &st->side[from_a ? 1 : 0];
	uint16_t in = from_a ? st->pa : st->pb, out = from_a ? st->pb : st->pa;
	int n;

	if (!st->pa || !st->pb || !from->known || !to->known)
		return false;
	/* a WebRTC leg forwards nothing, either way, before ICE and DTLS are done */
	if (!med_webrtc_ready(st))
		return false;
	/* RTCP flows carry what arrives on the RTCP port of a leg that does not mux */
	if (rtcp && (!st->rtp || med_leg_mux(st, !from_a)))
		return false;
	if (!med_side_receives(to, rtcp))
		return false;
	memset(kf, 0, sizeof(*kf));
	/* each leg is faced in its own family: a cross-family flow if they differ */
	kf->local = *med_relay_ep(med_stream_fam(st, !from_a));
	kf->local.port = (uint16_t)(in + rtcp);
	kf->via = *med_relay_ep(med_stream_fam(st, from_a));
	/* toward a leg that muxes, RTCP leaves from the RTP port it knows */
	kf->via.port = (uint16_t)(out + (rtcp && !med_leg_mux(st, from_a)));
	kf->peer = to->rtp;
	if (rtcp && to->rtcp_addr.family)
		kf->peer = to->rtcp_addr;
	if (rtcp)
		kf->peer.port = to->rtcp_port;
	if (to->nat && to->learned[rtcp].family == kf->peer.family)
		kf->peer = to->learned[rtcp];
	/*
	 * From a leg that muxes to one that does not (a browser calling a
	 * plain phone): what arrives muxed is split, RTCP to the RTCP port,
	 * from krtpd's RTCP port facing that leg: the one the phone sends its
	 * RTCP to and, with symmetric RTCP (RFC 4961), expects it from.
	 */
	if (!rtcp && st->rtp && med_leg_mux(st, !from_a) && !med_leg_mux(st, from_a)) {
		kf->rtcp_peer = to->rtcp_addr.family == kf->peer.family ? to->rtcp_addr : to->rtp;
		kf->rtcp_peer.port = to->rtcp_port;
		if (to->nat && to->learned[1].family == kf->rtcp_peer.family)
			kf->rtcp_peer = to->learned[1];
		kf->rtcp_via = kf->via;
		kf->rtcp_via.port = (uint16_t)(out + 1);
	}
	/*
	 * RTP Bleed: accept the signalled address only. A sender behind NAT
	 * does not know its address and is learned from its first packet;
	 * with nat_source_signalling, one with a private address in its SDP
	 * only from the address its signalling came from (its NAT's, when it
	 * talks to krtpd directly), the port learned (krtp.ko's address
	 * mode): a stranger's packets then neither reach the other leg nor
	 * take the media toward this one.
	 */
	if (!from->nat && !med_side_addr_any(from)) {
		kf->source = rtcp && from->rtcp_addr.family ? from->rtcp_addr : from->rtp;
		kf->source.port = 0;
	} else if (from->nat && from->sig.family && med_cfg.nat_source_signalling) {
		kf->source = from->sig;
	}
	kf->flags = rtcp ? KRTP_FLOW_F_RTCP : 0;
	/* from a WebRTC leg, STUN (consent, RFC 7675) and DTLS still reach krtpd's socket */
	if (st->webrtc[from_a ? 0 : 1])
		kf->flags |= KRTP_FLOW_F_PASS_STUN_DTLS;
	/* from the WebRTC leg of a bundled line: a shared port, the line's payload types */
	if (st->bundle && st->webrtc[from_a ? 0 : 1]) {
		kf->bundle = true;
		memcpy(kf->bundle_pt, st->bundle_pt, sizeof(kf->bundle_pt));
	}
	kf->clock_rate = from->clock_rate;
	med_srtp_flow_keys(st, fi, kf);
	med_flow_sender(st, fi, sender);
	n = snprintf((char *)kf->label, sizeof(kf->label), MED_LABEL_PREFIX "%016llx:%u:%s",
		     (unsigned long long)c->hash, st->idx, med_flow_names[fi]);
	kf->label_len = (size_t)n;
	return true;
}

static bool med_kf_same(const struct krtp_flow *a, const struct krtp_flow *b)
{
	return med_ep_eq(&a->local, &b->local) && med_ep_eq(&a->peer, &b->peer) &&
	       med_ep_eq(&a->via, &b->via) && med_ep_eq(&a->source, &b->source) &&
	       med_ep_eq(&a->rtcp_peer, &b->rtcp_peer) && med_ep_eq(&a->rtcp_via, &b->rtcp_via) &&
	       a->flags == b->flags && a->clock_rate == b->clock_rate && a->bundle == b->bundle &&
	       !memcmp(a->bundle_pt, b->bundle_pt, sizeof(a->bundle_pt)) &&
	       med_srtp_same_key(&a->srtp_in, &b->srtp_in) &&
	       med_srtp_same_key(&a->srtp_out, &b->srtp_out);
}

/*
 * Bring the call's installed flows to what its streams need: remove stale
 * ones, then add the missing ones in one batch.
 */
int med_call_program(struct med_call *c)
{
	struct med_flow *add[MED_MAX_STREAMS * MED_F_MAX];
	struct krtp_flow want;
	struct krtp_ep sender;
	size_t n = 0, nk, i;
	unsigned int s;
	int fi, err = 0;

	if (c->unkeyed)
		return 0;	/* keys only krtp.ko has: its flows stay as they are */
	for (s = 0; s < c->nstreams; s++) {
		struct med_stream *st = c->streams[s];

		for (fi = 0; st && fi < MED_F_MAX; fi++) {
			struct med_flow *f = &st->flow[fi];
			bool on = med_flow_wanted(st, fi, &want, &sender);
			/* SRTP that krtp.ko cannot do goes through the relay */
			bool user = !med_kernel_mode || (med_srtp_flow(st, fi) && med_kernel_srtp < 0);

			if (f->installed && (!on || !med_kf_same(&f->kf, &want) || f->user != user ||
					     !med_ep_eq(&f->sender, &sender))) {
				/* the same keys go on from the old flow's ROC */
				if (on)
					med_srtp_carry(f, &want);
				med_flow_remove(f, true);
			}
			if (on && !f->installed) {
				f->kf = want;
				f->sender = sender;
				f->user = user;
				add[n++] = f;
			}
		}
	}
	/* the relay's flows now, krtp.ko's in one batch (kernel ones first in add[]) */
	for (i = 0, nk = 0; i < n; i++) {
		struct med_flow *f = add[i];

		if (f->user) {
			med_relay_install(f);
			f->installed = true;
			continue;
		}
		add[i] = add[nk];
		add[nk++] = f;
	}
	err = med_kernel_add(add, nk);
	if (!err)
		for (i = 0; i < nk; i++)
			add[i]->installed = true;
	c->programmed_ms = med_now_ms();
	c->inactive_reported = false;
	c->reprogram = false;
	return err;
}

void med_learned(struct med_flow *f, const struct krtp_ep *src)
{
	struct med_stream *st = f->stream;
	struct med_side *from = &st->side[f->idx < MED_F_BA_RTP ? 0 : 1];
	int rtcp = f->idx == MED_F_AB_RTCP || f->idx == MED_F_BA_RTCP;

	if (!from->nat || med_ep_eq(&from->learned[rtcp], src))
		return;
	from->learned[rtcp] = *src;
	/* with rtcp-mux, RTCP comes from the RTP source too */
	if (!rtcp && (st->mux || !st->rtp))
		from->learned[1] = *src;
	st->call->reprogram = true;
}


void MED_Delete(const char *call_key)
{
	struct med_call *c;

	if (!call_key)
		return;
	pthread_mutex_lock(&med_lock);
	c = med_up ? med_call_find(call_key) : NULL;
	if (c) {
		med_srtp_forget(c);
		med_call_destroy(c);
	}
	pthread_mutex_unlock(&med_lock);
}

int MED_Has(const char *call_key)
{
	int r;

	pthread_mutex_lock(&med_lock);
	r = med_up && med_call_find(call_key) != NULL;
	pthread_mutex_unlock(&med_lock);
	return r;
}

/* The relay's address of one family, as an endpoint and as SDP text */
static int med_relay_addr(const struct sockaddr_storage *ss, int family, struct krtp_ep *ep,
			  struct sdp_relay *txt)
{
	memset(ep, 0, sizeof(*ep));
	memset(txt, 0, sizeof(*txt));
	if (ss->ss_family == 0)
		return 0;
	if (ss->ss_family != family)
		return -EINVAL;
	med_sa_to_ep((const struct sockaddr *)ss, ep);
	ep->port = 0;
	if (ep->family != family)
		return -EINVAL;	/* a v4-mapped address given as the IPv6 relay */
	txt->family = family;
	if (!inet_ntop(family, &ep->addr, txt->addr, sizeof(txt->addr)))
		return -EINVAL;
	/* the relay address is written into SDP: it must be a real one */
	if (family == AF_INET ? !ep->addr.v4.s_addr : IN6_IS_ADDR_UNSPECIFIED(&ep->addr.v6))
		return -EINVAL;
	return 0;
}

int MED_Init(const struct med_config *cfg)
{
	int err, epfd;

	if (med_up)
		return -EALREADY;
	if (!cfg || (!cfg->relay4.ss_family && !cfg->relay6.ss_family))
		return -EINVAL;
	err = med_relay_addr(&cfg->relay4, AF_INET, &med_relay_ep4, &med_relay_txt4);
	if (!err)
		err = med_relay_addr(&cfg->relay6, AF_INET6, &med_relay_ep6, &med_relay_txt6);
	/* the operator's DTLS certificate: one that does not load stops krtpd here */
	if (!err)
		err = med_dtls_init(cfg->dtls_certificate, cfg->dtls_private_key);
	if (err)
		return err;
	med_cfg = *cfg;
	med_kernel_mode = false;
	if (cfg->mode != MED_MODE_USER) {
		err = med_kernel_open();
		if (!err) {
			med_kernel_mode = true;
		} else if (cfg->mode == MED_MODE_KERNEL) {
			LOG_ERR("media: krtp.ko is not usable (%s) and media = kernel", strerror(-err));
			return err;
		}
		/* media = auto: say so loudly, the userspace relay costs far more CPU */
		if (err)
			LOG_WARN("media: krtp.ko is not loaded (%s): relaying media in userspace; load krtp.ko and restart krtpd",
				 strerror(-err));
	}
	epfd = med_thread_init();
	if (epfd < 0) {
		err = epfd;
		goto err_kernel;
	}
	err = med_ports_init(cfg, epfd);
	if (err)
		goto err_relay;
	if (med_kernel_mode) {
		err = med_events_open(epfd, MED_EVENTS_TAG);
		/* not fatal: the once-a-second scan learns the same, later */
		if (err)
			LOG_WARN("media: no krtp flow events (%s)", strerror(-err));
	}
	med_up = true;
	err = med_thread_start();
	if (err)
		goto err_ports;
	LOG_INFO("media: %s relay on ports %u-%u", med_kernel_mode ? "kernel" : "userspace",
		 cfg->port_min, cfg->port_max);
	return med_kernel_mode ? MED_MODE_KERNEL : MED_MODE_USER;

err_ports:
	med_up = false;
	med_events_close();
	med_ports_fini();
err_relay:
	med_thread_fini();
err_kernel:
	med_kernel_close();
	return err;
}

void MED_Fini(void)
{
	unsigned int i;

	if (!med_up)
		return;
	/* 1. no more relaying or idle callbacks, 2. flows and ports go, 3. sockets close */
	med_thread_stop();
	med_scan_fini();
	pthread_mutex_lock(&med_lock);
	for (i = 0; i < MED_BUCKETS; i++)
		while (med_calls[i])
			med_call_destroy(med_calls[i]);
	med_ports_fini();
	med_events_close();
	med_kernel_close();
	med_dtls_fini();
	med_up = false;
	pthread_mutex_unlock(&med_lock);
	med_thread_fini();
}
