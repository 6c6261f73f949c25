// SPDX-License-Identifier: GPL-2.0
/*
 * Programming krtp.ko: the only media file that talks netlink, through the
 * client in include/krtp/nl.h. One request socket, used with med_lock held,
 * so requests from the SIP core's calls never interleave on it; and one for
 * the media thread's idle scan alone, which it uses without med_lock, so a
 * scan's kernel round trip never holds up call setup.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static struct krtp_nl *med_nl;		/* med_lock */
static struct krtp_nl *med_scan_nl;	/* the media thread's, no lock */
/* krtp.ko refused a label prefix in a dump (an older module): dump all */
static bool med_kernel_dump_all;

/* Returns 0, or -ENOENT when the krtp family is not registered (module not loaded) */
int med_kernel_open(void)
{
	int err = krtp_nl_open(&med_nl);

	if (err)
		return err;
	err = krtp_nl_open(&med_scan_nl);
	if (err) {
		krtp_nl_close(med_nl);
		med_nl = NULL;
	}
	med_kernel_dump_all = false;
	return err;
}

/* After the media thread stopped: it owns med_scan_nl until then */
void med_kernel_close(void)
{
	if (med_nl)
		krtp_nl_close(med_nl);
	if (med_scan_nl)
		krtp_nl_close(med_scan_nl);
	med_nl = med_scan_nl = NULL;
}

static bool med_kernel_is_srtp(const struct med_flow *f)
{
	return f->kf.srtp_in.suite || f->kf.srtp_out.suite;
}

/*
 * The first batch with SRTP flows failed: a krtp.ko without SRTP refuses
 * the attributes (EINVAL, with extack) or the request (EOPNOTSUPP). From
 * now on SRTP goes through the relay; these SRTP flows go there now and
 * the rest to the kernel again.
 */
static int med_kernel_srtp_fallback(struct med_flow **flows, size_t n, int err)
{
	struct med_flow **rest = calloc(n, sizeof(*rest));
	size_t i, k = 0;

	if (!rest)
		return -ENOMEM;
	med_kernel_srtp = -1;
	LOG_WARN("media: krtp.ko takes no SRTP flows (%s%s%s): the userspace relay does SRTP",
		 strerror(-err), *krtp_nl_errmsg(med_nl) ? ": " : "", krtp_nl_errmsg(med_nl));
	for (i = 0; i < n; i++) {
		if (med_kernel_is_srtp(flows[i])) {
			flows[i]->user = true;
			med_relay_install(flows[i]);
		} else {
			rest[k++] = flows[i];
		}
	}
	err = med_kernel_add(rest, k);
	free(rest);
	if (err)
		for (i = 0; i < n; i++)
			if (flows[i]->user) {
				med_relay_remove(flows[i]);
				flows[i]->user = false;
			}
	return err;
}

/*
 * The flows of one bundle (a local endpoint they share) next to each other,
 * in the order they came: krtp.ko publishes such a run at once, so that a
 * browser's video never finds its audio's flow alone on the port and is
 * dropped as of no line (the audio's flow comes first in a call's batch,
 * and the video's after the audio's other direction).
 */
void med_kernel_bundles_together(struct med_flow **flows, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		size_t at = i + 1;

		if (!flows[i]->kf.bundle)
			continue;
		for (size_t j = at; j < n; j++) {
			struct med_flow *f = flows[j];

			if (!f->kf.bundle || !med_ep_eq(&f->kf.local, &flows[i]->kf.local))
				continue;
			memmove(&flows[at + 1], &flows[at], (j - at) * sizeof(*flows));
			flows[at++] = f;
		}
		i = at - 1;
	}
}

/*
 * Install n flows in one batch. On failure the flows the batch did add are
 * deleted again, so a stream is never left half programmed. Until krtp.ko
 * has shown whether it does SRTP, a failed batch with SRTP flows is tried
 * once more without them (med_kernel_srtp_fallback).
 */
int med_kernel_add(struct med_flow **flows, size_t n)
{
	struct krtp_flow *batch;
	size_t i, done = 0;
	int err;

	if (!n)
		return 0;
	med_kernel_bundles_together(flows, n);
	batch = calloc(n, sizeof(*batch));
	if (!batch)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		batch[i] = flows[i]->kf;
	err = krtp_nl_flow_add_batch(med_nl, batch, n, &done);
	for (i = 0; i < n && !med_kernel_srtp; i++) {
		if (!med_kernel_is_srtp(flows[i]))
			continue;
		if (!err) {
			med_kernel_srtp = 1;
			LOG_INFO("media: krtp.ko carries SRTP flows");
		} else if (err == -EINVAL || err == -EOPNOTSUPP) {
			for (i = 0; i < done && i < n; i++)
				krtp_nl_flow_del_id(med_nl, batch[i].id);
			explicit_bzero(batch, n * sizeof(*batch));
			free(batch);
			return med_kernel_srtp_fallback(flows, n, err);
		}
	}
	if (err) {
		char local[KRTP_EP_STRLEN];

		med_log("media: cannot add kernel flow on %s: %s (%s)",
			krtp_ep_str(&batch[done < n ? done : 0].local, local, sizeof(local)),
			krtp_nl_errmsg(med_nl), strerror(-err));
		for (i = 0; i < done && i < n; i++)
			krtp_nl_flow_del_id(med_nl, batch[i].id);
		explicit_bzero(batch, n * sizeof(*batch));
		free(batch);
		return err;
	}
	for (i = 0; i < n; i++)
		flows[i]->kf.id = batch[i].id;
	explicit_bzero(batch, n * sizeof(*batch));	/* keys */
	free(batch);
	return 0;
}

void med_kernel_del(struct med_flow *f)
{
	int err = krtp_nl_flow_del_id(med_nl, f->kf.id);

	/* -ENOENT: already gone (flushed by an operator, or idle-deleted) */
	if (err && err != -ENOENT)
		med_log("media: cannot delete kernel flow %u: %s", f->kf.id, strerror(-err));
}

int med_kernel_stats(const struct med_flow *f, struct krtp_stats *st)
{
	struct krtp_flow out;
	int err;

	err = krtp_nl_flow_get_id(med_nl, f->kf.id, &out);
	if (err)
		return err;
	*st = out.stats;
	return 0;
}

/*
 * Where a kernel flow's SRTP contexts stand: the ROC into in->roc and
 * out->roc, each RTP stream's into ->streams, the next SRTCP index into
 * out->srtcp_index; nothing else.
 */
int med_kernel_srtp_state(const struct med_flow *f, struct krtp_srtp *in, struct krtp_srtp *out)
{
	struct krtp_flow kf;
	int err;

	err = krtp_nl_flow_get_id(med_nl, f->kf.id, &kf);
	if (err)
		return err;
	in->roc = kf.srtp_in.roc;
	out->roc = kf.srtp_out.roc;
	out->srtcp_index = kf.srtp_out.srtcp_index;
	med_srtp_streams_copy(in, &kf.srtp_in);
	med_srtp_streams_copy(out, &kf.srtp_out);
	return 0;
}

/*
 * krtpd's flows only: krtp.ko skips every flow whose label does not start
 * with "krtpd:", so in a namespace shared with other programs' flows, a
 * million of them, the dump costs what krtpd's own flows cost. A module
 * too old for the prefix refuses it (EINVAL, before any flow): then the
 * whole table is read, and the callers skip what is not theirs by label.
 */
static int med_kernel_dump_on(struct krtp_nl *nl,
			      int (*cb)(const struct krtp_flow *flow, void *arg), void *arg)
{
	int err;

	if (!__atomic_load_n(&med_kernel_dump_all, __ATOMIC_RELAXED)) {
		err = krtp_nl_flow_dump_label(nl, MED_LABEL_PREFIX, sizeof(MED_LABEL_PREFIX) - 1,
					      cb, arg);
		if (err != -EINVAL)
			return err;
		LOG_WARN("media: krtp.ko dumps no label prefix (%s): reading all its flows",
			 krtp_nl_errmsg(nl));
		__atomic_store_n(&med_kernel_dump_all, true, __ATOMIC_RELAXED);
	}
	return krtp_nl_flow_dump(nl, cb, arg);
}

int med_kernel_dump(int (*cb)(const struct krtp_flow *flow, void *arg), void *arg)
{
	return med_kernel_dump_on(med_nl, cb, arg);
}

int med_kernel_scan(int (*cb)(const struct krtp_flow *flow, void *arg), void *arg)
{
	return med_kernel_dump_on(med_scan_nl, cb, arg);
}

bool med_kernel_dump_interrupted(void)
{
	return krtp_nl_dump_interrupted(med_nl);
}
