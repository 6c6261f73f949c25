// SPDX-License-Identifier: GPL-2.0
/*
 * What media learns back from krtp.ko: the calls a previous krtpd left in
 * the kernel (MED_Restore) and which calls have gone quiet (the idle scan).
 *
 * Flows belong to the kernel, not to krtpd, so after `kill -9 krtpd` they
 * keep forwarding. Their labels, "krtpd:<16 hex hash>:<stream>:<ab|abc|ba|bac>",
 * are enough to rebuild each call: the LOCAL of a flow is one of its relay
 * ports, the VIA the port facing the other leg, and the PEER the leg's
 * address; an RTCP_PEER (and its RTCP_VIA) is the RTCP port of a leg that
 * does not mux, fed from one that does. Ports are bound again so nothing
 * else takes them.
 *
 * The namespace's flow table is shared: other programs' flows, and those
 * of another krtpd on other relay addresses, may be in it by the million.
 * Both the restart dump and the idle scan ask krtp.ko for "krtpd:" labels
 * only, and a flow is adopted only if its ports are this krtpd's: its
 * relay address and port range.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "webrtc.h"

bool med_label_parse(const uint8_t *label, size_t len, uint64_t *hash, unsigned int *idx, int *fi)
{
	char text[KRTP_LABEL_MAX_LEN + 1], dir[4], tail;
	unsigned long long h;
	int i;

	if (len < sizeof(MED_LABEL_PREFIX) - 1 || len > KRTP_LABEL_MAX_LEN ||
	    memcmp(label, MED_LABEL_PREFIX, sizeof(MED_LABEL_PREFIX) - 1))
		return false;
	memcpy(text, label, len);
	text[len] = '\0';
	if (strlen(text) != len)
		return false;
	if (sscanf(text, MED_LABEL_PREFIX "%16llx:%u:%3[a-c]%c", &h, idx, dir, &tail) != 3)
		return false;
	if (*idx >= MED_MAX_STREAMS)
		return false;
	for (i = 0; i < MED_F_MAX; i++) {
		if (!strcmp(dir, med_flow_names[i])) {
			*hash = h;
			*fi = i;
			return true;
		}
	}
	return false;
}

/* Put one kernel flow back into its call's stream */
static void med_restore_flow(struct med_stream *st, int fi, const struct krtp_flow *kf)
{
	bool from_a = fi < MED_F_BA_RTP, rtcp = fi == MED_F_AB_RTCP || fi == MED_F_BA_RTCP;
	struct med_side *from = &st->side[from_a ? 0 : 1], *to = &st->side[from_a ? 1 : 0];
	/*
	 * Relay ports come in pairs, RTP on the even one. An RTCP flow leaves
	 * from the odd port, or from the even one when its peer muxes (a
	 * phone's RTCP to a WebRTC leg): the pair is the even port either way.
	 */
	uint16_t in = (uint16_t)(kf->local.port & ~1u);
	uint16_t out = (uint16_t)((kf->via.port ? kf->via.port : kf->local.port) & ~1u);
	struct med_flow *f = &st->flow[fi];

	f->kf = *kf;
	memset(&f->kf.stats, 0, sizeof(f->kf.stats));
	/*
	 * The source krtpd asked for, not the one the flow learned since: a
	 * flow from a leg behind NAT (no source given) reports the address
	 * and port it locked on, one given an address only the port it took.
	 */
	if (kf->src_mode == KRTP_SRC_MODE_LEARN)
		memset(&f->kf.source, 0, sizeof(f->kf.source));
	else if (kf->src_mode == KRTP_SRC_MODE_ADDR)
		f->kf.source.port = 0;
	f->installed = true;
	if (kf->srtp_in.suite || kf->srtp_out.suite)
		st->call->unkeyed = true;
	if (from_a) {
		st->pa = in;
		st->pb = out;
	} else {
		st->pb = in;
		st->pa = out;
	}
	to->known = true;
	if (rtcp) {
		st->rtp = true;
		to->rtcp_port = kf->peer.port;
		to->rtcp_addr = kf->peer;
		to->rtcp_addr.port = 0;
		if (!to->rtp.family)
			to->rtp = kf->peer;
	} else {
		to->rtp = kf->peer;
		to->clock_rate = kf->clock_rate;
		to->dir = SDP_DIR_SENDRECV;
		/* RTCP split off to a leg that does not mux: its own RTCP port */
		if (kf->rtcp_peer.family) {
			st->rtp = true;
			to->rtcp_port = kf->rtcp_peer.port;
			to->rtcp_addr = kf->rtcp_peer;
			to->rtcp_addr.port = 0;
		}
	}
	from->known = true;
	from->nat = !f->kf.source.family;
	from->clock_rate = kf->clock_rate;
	/* from a bundled line's WebRTC leg: the port is its lead's, shared (bundle.c) */
	if (kf->bundle) {
		st->bundle = true;
		memcpy(st->bundle_pt, kf->bundle_pt, sizeof(st->bundle_pt));
	}
}

/*
 * A leg behind NAT whose flow out accepts its NAT's address only (address
 * mode, as media.c makes it): until the leg's first packet pointed the
 * flows toward it at where it sends from, the RTP flow toward it still
 * sends to its SDP's address, which is not its NAT's. Then it is behind
 * NAT and learns as before the restart. One that had sent already is restored as a leg at
 * the address it was learned at, which is where its media goes and comes
 * from either way.
 */
static void med_restore_nat(struct med_side *sd, const struct med_flow *out)
{
	const struct krtp_ep *src = &out->kf.source;

	if (sd->nat || !out->installed || src->family != sd->rtp.family ||
	    out->kf.src_mode != KRTP_SRC_MODE_ADDR || med_ep_addr_eq(src, &sd->rtp))
		return;
	sd->nat = true;
	sd->sig = *src;
}

/*
 * After all flows: fill in what the flows do not say, bind the ports. A
 * port that cannot be bound (outside port_min..port_max now, or taken) is
 * counted in *failed; the flows stay adopted: they are in the kernel and
 * forward either way.
 */
static void med_restore_stream(struct med_stream *st, unsigned int *failed)
{
	int leg, err;

	if (!st->pa || !st->pb)
		return;
	st->mux = !st->rtp;
	for (leg = 0; leg < 2; leg++) {
		struct med_side *sd = &st->side[leg];
		const struct med_flow *toward = &st->flow[leg ? MED_F_AB_RTP : MED_F_BA_RTP];
		const struct med_flow *rtcp = &st->flow[leg ? MED_F_AB_RTCP : MED_F_BA_RTCP];
		/*
		 * An RTCP flow toward a leg that muxes (a WebRTC leg, fed by a
		 * phone that does not) leaves from the even port and goes to
		 * the leg's one port, RTP and RTCP alike.
		 */
		bool muxes = rtcp->installed &&
			     !((rtcp->kf.via.port ? rtcp->kf.via.port : rtcp->kf.local.port) & 1);

		if (!sd->known)
			continue;
		if (!toward->installed) {
			/* no RTP toward this leg: it was on hold; its address is in its RTCP flow */
			sd->dir = SDP_DIR_SENDONLY;
			if (rtcp->installed) {
				sd->rtp = rtcp->kf.peer;
				sd->rtp.port = (uint16_t)(rtcp->kf.peer.port - !muxes);
			}
		}
		if (!sd->rtcp_port)
			sd->rtcp_port = (uint16_t)(sd->rtp.port + 1);
		sd->mux = st->mux || muxes;
		if (toward->installed)
			med_restore_nat(sd, &st->flow[leg ? MED_F_BA_RTP : MED_F_AB_RTP]);
	}
	/*
	 * Where each flow's sender sends from, as med_call_program puts it: an
	 * offer that leaves the sender where it was leaves its flows alone.
	 */
	for (int fi = 0; fi < MED_F_MAX; fi++)
		if (st->flow[fi].installed)
			med_flow_sender(st, fi, &st->flow[fi].sender);
	for (leg = 0; leg < 2; leg++) {
		uint16_t port = leg ? st->pb : st->pa;
		const struct med_port *p = med_port_get(port);

		/* a bundle's port: bound once, by the call's first stream on it */
		if (p && p->fd >= 0 && p->owner && p->owner->call == st->call)
			continue;
		err = med_ports_claim_pair(med_stream_fam(st, leg), st, port);
		if (err && !(*failed)++)
			med_log("media: cannot bind relay port %u again: %s", port, strerror(-err));
	}
}

struct med_restore {
	size_t flows;		/* krtpd's, by their label */
	size_t foreign;		/* krtpd's label, but not on our relay address and ports */
	int ncalls;
};

/* Is ep one of this krtpd's relay ports (its relay address, its range)? */
static bool med_restore_own_ep(const struct krtp_ep *ep)
{
	const struct krtp_ep *relay = med_relay_ep(ep->family);
	struct krtp_ep want = *relay;

	if (!relay->family || ep->port < med_cfg.port_min || ep->port > med_cfg.port_max)
		return false;
	want.port = ep->port;
	return med_ep_eq(ep, &want);
}

/*
 * One flow of the dump, as it arrives: nothing is kept but what the calls
 * keep, so re-adopting a million flows needs no second copy of them. Calls
 * are completed (ports bound) once the dump is over, when all their flows
 * are in.
 */
static int med_restore_flow_cb(const struct krtp_flow *kf, void *arg)
{
	struct med_restore *r = arg;
	struct med_stream *st;
	struct med_call *c;
	unsigned int idx;
	uint64_t hash;
	int fi;

	if (!med_label_parse(kf->label, kf->label_len, &hash, &idx, &fi))
		return 0;	/* not krtpd's */
	/* another krtpd's, on other relay addresses or ports: not ours to take */
	if (!med_restore_own_ep(&kf->local) || (kf->via.family && !med_restore_own_ep(&kf->via)) ||
	    (kf->rtcp_via.family && !med_restore_own_ep(&kf->rtcp_via))) {
		r->foreign++;
		return 0;
	}
	r->flows++;
	c = med_call_by_hash(hash);
	if (c && !c->restoring)
		return 0;	/* already known to this krtpd: not ours to adopt */
	if (!c) {
		c = med_call_new(hash, NULL);
		if (!c)
			return -ENOMEM;
		c->family = kf->local.family;
		/* a flow arrives in its sender's family, leaves in the other leg's */
		c->fam[fi >= MED_F_BA_RTP] = kf->local.family;
		c->fam[fi < MED_F_BA_RTP] = kf->via.family ? kf->via.family : kf->local.family;
		c->programmed_ms = med_now_ms();
		c->restoring = true;
		r->ncalls++;
	}
	/*
	 * A second flow for the same slot (a flow replaced and the old one
	 * not yet deleted when krtpd died): the first, the older, stays.
	 */
	st = med_stream_get(c, idx, true);
	if (!st || st->flow[fi].installed)
		return 0;
	/*
	 * A stream's families are its first flow's (both set, so fam[0] is
	 * 0 until then): a WebRTC leg ICE moved to the relay's other family
	 * (webrtc.c) may differ from the call's; a flow of the stream that
	 * disagrees is not of it.
	 */
	if (!st->fam[0]) {
		st->fam[fi >= MED_F_BA_RTP] = kf->local.family;
		st->fam[fi < MED_F_BA_RTP] = kf->via.family ? kf->via.family : kf->local.family;
	}
	if (kf->local.family != med_stream_fam(st, fi >= MED_F_BA_RTP))
		return 0;
	med_restore_flow(st, fi, kf);
	if (c->nstreams <= idx)
		c->nstreams = idx + 1;
	return 0;
}

/*
 * Re-adopt the calls a previous krtpd left in krtp.ko. Runs at start-up,
 * before SIP is served: nothing of this krtpd changes flows meanwhile. What
 * else may (an operator, the kernel's idle deletion) is harmless: a flow
 * deleted during the dump may be adopted, and its call then finds it gone
 * (deleting it is a no-op, the idle scan stops seeing it); a flow added
 * during the dump may be missed, and is no call of ours, since no krtpd
 * was running to add it. See krtp_nl_flow_dump() for why the dump is
 * not restarted when the table changes under it.
 */
int MED_Restore(void)
{
	struct med_restore r = { 0 };
	uint64_t t0 = med_now_ms();
	unsigned int failed = 0;
	size_t i;
	int err;

	if (!med_kernel_mode)
		return 0;	/* userspace flows die with the process */
	pthread_mutex_lock(&med_lock);
	err = med_kernel_dump(med_restore_flow_cb, &r);
	if (err)
		med_log("media: cannot list kernel flows: %s", strerror(-err));
	/* even after an error, the calls begun are completed: their flows exist */
	for (i = 0; i < MED_BUCKETS; i++) {
		struct med_call *c;

		for (c = med_calls[i]; c; c = c->next) {
			if (!c->restoring)
				continue;
			for (unsigned int s = 0; s < c->nstreams; s++)
				if (c->streams[s])
					med_restore_stream(c->streams[s], &failed);
		}
	}
	/* their WebRTC legs, from the store: consent checks are answered again */
	if (r.ncalls) {
		med_webrtc_restore();
		/* and their SDES keys: offers are answered as before the restart */
		med_srtp_restore();
	}
	for (i = 0; i < MED_BUCKETS; i++)
		for (struct med_call *c = med_calls[i]; c; c = c->next)
			c->restoring = false;
	pthread_mutex_unlock(&med_lock);
	if (r.foreign)
		LOG_INFO("media: left %zu flow(s) with krtpd labels alone: not on this krtpd's relay addresses and ports %u-%u",
			 r.foreign, med_cfg.port_min, med_cfg.port_max);
	if (failed)
		med_log("media: %u relay port pair(s) of re-adopted calls could not be bound again",
			failed);
	if (r.ncalls)
		LOG_INFO("media: re-adopted %d call(s), %zu flows, from krtp.ko in %llu ms%s",
			 r.ncalls, r.flows, (unsigned long long)(med_now_ms() - t0),
			 med_kernel_dump_interrupted() ? " (flows changed during the dump)" : "");
	return err ? err : r.ncalls;
}

/*
 * What the idle scan keeps of one of krtpd's flows, read without med_lock
 * and applied with it (med_scan_apply): a flow of a call is known by its
 * id, so a record of a flow replaced or deleted meanwhile matches nothing.
 */
struct med_scan_rec {
	uint64_t hash;
	uint32_t id;
	uint32_t idle_msecs;
	struct krtp_ep source;		/* family 0: not locked */
	uint8_t idx, fi;
};

/* the media thread's alone, grown as needed and kept from scan to scan */
static struct med_scan_rec *med_scan_recs;
static size_t med_scan_n, med_scan_cap;

static int med_scan_flow(const struct krtp_flow *flow, void *arg)
{
	struct med_scan_rec *rec;
	unsigned int idx;
	uint64_t hash;
	int fi;

	(void)arg;
	if (!med_label_parse(flow->label, flow->label_len, &hash, &idx, &fi))
		return 0;
	if (med_scan_n == med_scan_cap) {
		size_t cap = med_scan_cap ? 2 * med_scan_cap : 1024;
		struct med_scan_rec *recs = realloc(med_scan_recs, cap * sizeof(*recs));

		if (!recs)
			return -ENOMEM;
		med_scan_recs = recs;
		med_scan_cap = cap;
	}
	rec = &med_scan_recs[med_scan_n++];
	memset(rec, 0, sizeof(*rec));
	rec->hash = hash;
	rec->id = flow->id;
	rec->idle_msecs = flow->stats.idle_msecs;
	rec->idx = (uint8_t)idx;
	rec->fi = (uint8_t)fi;
	if (flow->src_locked && flow->source.port)
		rec->source = flow->source;
	return 0;
}

static void med_scan_apply(const struct med_scan_rec *rec)
{
	struct med_call *c = med_call_by_hash(rec->hash);
	struct med_flow *f;

	if (!c || !c->streams[rec->idx])
		return;
	f = &c->streams[rec->idx]->flow[rec->fi];
	if (!f->installed || f->user || f->kf.id != rec->id)
		return;
	/* the kernel learned where a NAT'd leg sends from */
	if (rec->source.family)
		med_learned(f, &rec->source);
	if (!c->scan_seen || rec->idle_msecs < c->scan_idle_ms)
		c->scan_idle_ms = rec->idle_msecs;
	c->scan_seen = true;
}

/* After the media thread stopped */
void med_scan_fini(void)
{
	free(med_scan_recs);
	med_scan_recs = NULL;
	med_scan_n = med_scan_cap = 0;
}

static bool med_call_has_flows(const struct med_call *c)
{
	for (unsigned int s = 0; s < c->nstreams; s++)
		for (int fi = 0; fi < MED_F_MAX; fi++)
			if (c->streams[s] && c->streams[s]->flow[fi].installed)
				return true;
	return false;
}

/* ms since the last packet on any of the call's flows, or since they were programmed */
static uint64_t med_call_idle(const struct med_call *c, uint64_t now)
{
	uint64_t last = c->programmed_ms, idle;

	/* the relay's flows (all of them in user mode, SRTP ones in kernel mode) */
	for (unsigned int s = 0; s < c->nstreams; s++)
		for (int fi = 0; fi < MED_F_MAX; fi++) {
			const struct med_flow *f;

			if (!c->streams[s])
				break;
			f = &c->streams[s]->flow[fi];
			if (f->installed && f->user && f->u.last_rx_ms > last)
				last = f->u.last_rx_ms;
		}
	idle = now - last;
	/* krtp.ko's, from the last scan */
	if (med_kernel_mode && c->scan_seen && c->scan_idle_ms < idle)
		idle = c->scan_idle_ms;
	return idle;
}

/*
 * Called by the media thread once a second, WITHOUT med_lock: in kernel
 * mode it first reads krtpd's flows (idle times, sources learned behind
 * NAT) through the thread's own netlink socket, and only then takes
 * med_lock to apply what it read, so call setup never waits on a dump.
 * Returns the keys (strdup'ed, for the caller to pass to on_inactive and
 * free) of calls that carried no packet in either direction for
 * inactivity_timeout seconds; each call is reported once until its flows
 * change again. A re-adopted call the SIP core never named is deleted
 * here: nobody else could.
 */
size_t med_check_inactive(char **keys, size_t max)
{
	uint64_t now, limit = (uint64_t)med_cfg.inactivity_timeout * 1000;
	unsigned int ncalls;
	size_t n = 0, i;

	pthread_mutex_lock(&med_lock);
	ncalls = med_ncalls;
	pthread_mutex_unlock(&med_lock);
	if (!ncalls)
		return 0;
	if (med_kernel_mode) {
		med_scan_n = 0;
		if (med_kernel_scan(med_scan_flow, NULL))
			return 0;
	}
	pthread_mutex_lock(&med_lock);
	now = med_now_ms();
	if (med_kernel_mode) {
		for (i = 0; i < MED_BUCKETS; i++)
			for (struct med_call *c = med_calls[i]; c; c = c->next)
				c->scan_seen = false;
		for (i = 0; i < med_scan_n; i++)
			med_scan_apply(&med_scan_recs[i]);
		for (i = 0; i < MED_BUCKETS; i++)
			for (struct med_call *c = med_calls[i]; c; c = c->next)
				if (c->reprogram)
					med_call_program(c);
	}
	for (i = 0; limit && i < MED_BUCKETS && n < max; i++) {
		struct med_call *c = med_calls[i], *next;

		for (; c && n < max; c = next) {
			next = c->next;
			if (c->inactive_reported || !med_call_has_flows(c) ||
			    med_call_idle(c, now) < limit)
				continue;
			c->inactive_reported = true;
			if (!c->key) {
				med_log("media: re-adopted call %016llx idle, deleting its flows",
					(unsigned long long)c->hash);
				med_call_destroy(c);
				continue;
			}
			keys[n] = strdup(c->key);
			if (keys[n])
				n++;
		}
	}
	pthread_mutex_unlock(&med_lock);
	return n;
}
