// SPDX-License-Identifier: GPL-2.0
/*
 * The media thread: one epoll set over every bound relay port and krtp.ko's
 * event socket, and a look for idle calls once a second. It is on the
 * owner's side of media: the data paths it drives (relay.c for a port with
 * packets, events.c for the event socket) report what they saw, a source
 * learned or a flow gone, and this file applies that to the calls (media.c,
 * restore.c). They never call into the calls themselves.
 *
 * Locking: every event is handled with med_lock held; the idle callback
 * runs without it, since it may well call MED_Delete. The idle scan takes
 * med_lock only once it has read the kernel's flows (restore.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "internal.h"
#include "webrtc.h"

#define MED_STOP_TAG	UINT64_MAX

static int med_epfd = -1, med_stopfd = -1;
static pthread_t med_thread;
static bool med_thread_running;

/* Creates the epoll set (with the stop eventfd in it); returns its fd */
int med_thread_init(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = MED_STOP_TAG };

	med_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (med_epfd < 0)
		return -errno;
	med_stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (med_stopfd < 0 || epoll_ctl(med_epfd, EPOLL_CTL_ADD, med_stopfd, &ev) < 0) {
		int err = -errno;

		if (med_stopfd >= 0)
			close(med_stopfd);
		close(med_epfd);
		med_epfd = med_stopfd = -1;
		return err;
	}
	return med_epfd;
}

/* The installed flow of ours an event is about, or NULL */
static struct med_flow *med_thread_event_flow(const struct krtp_flow *kf)
{
	struct med_call *c;
	unsigned int idx;
	uint64_t hash;
	int fi;

	if (!med_label_parse(kf->label, kf->label_len, &hash, &idx, &fi))
		return NULL;
	c = med_call_by_hash(hash);
	if (!c || !c->streams[idx] || !c->streams[idx]->flow[fi].installed ||
	    c->streams[idx]->flow[fi].kf.id != kf->id)
		return NULL;
	return &c->streams[idx]->flow[fi];
}

/* One krtp.ko event, applied to the call its flow belongs to */
static void med_thread_event(int cmd, const struct krtp_flow *kf, void *arg)
{
	struct med_flow *f = med_thread_event_flow(kf);
	struct med_call *c;

	(void)arg;
	if (!f)
		return;
	c = f->stream->call;
	switch (cmd) {
	case KRTP_CMD_FLOW_SRC_LEARNED_NTF:
		if (kf->source.family && kf->source.port)
			med_learned(f, &kf->source);
		if (c->reprogram)
			med_call_program(c);
		break;
	case KRTP_CMD_FLOW_DEL_NTF:
		/* gone from the kernel already; its counters went with it */
		f->installed = false;
		break;
	default:
		break;
	}
}

/* A relay port has packets: relay them, then tell the call what was learned */
static void med_thread_port(uint64_t tag)
{
	struct med_flow *f;
	struct krtp_ep src;

	if (!med_relay_port(tag, &f, &src))
		return;
	/* a NAT'd sender was just learned: point the reverse flows at it */
	med_learned(f, &src);
	if (f->stream->call->reprogram)
		med_call_program(f->stream->call);
}

/* Hand the calls to end to the SIP core, without med_lock, and free their keys */
static void med_thread_end(char **keys, size_t n, enum med_end why)
{
	for (size_t k = 0; k < n; k++) {
		if (med_cfg.on_inactive)
			med_cfg.on_inactive(keys[k], why, med_cfg.arg);
		free(keys[k]);
	}
}

static void *med_thread_main(void *arg)
{
	struct epoll_event evs[64];
	uint64_t last_scan = med_now_ms();
	char *keys[64];
	bool keyed;
	size_t nk;
	int n, i;

	(void)arg;
	for (;;) {
		n = epoll_wait(med_epfd, evs, 64, 250);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 == MED_STOP_TAG)
				return NULL;
			pthread_mutex_lock(&med_lock);
			if (evs[i].data.u64 == MED_EVENTS_TAG)
				med_events_read(med_thread_event, NULL);
			else
				med_thread_port(evs[i].data.u64);
			pthread_mutex_unlock(&med_lock);

		}
		/* DTLS handshakes' retransmissions: at most 250 ms late, which RFC 6347 allows */
		pthread_mutex_lock(&med_lock);
		med_webrtc_tick();
		nk = med_webrtc_expire(keys, 64);
		keyed = med_wr_keys_pending;
		med_wr_keys_pending = false;
		pthread_mutex_unlock(&med_lock);
		/* legs DTLS keyed: the main thread stores their keys (MED_StoreKeys) */
		if (keyed && med_cfg.on_keys)
			med_cfg.on_keys(med_cfg.arg);
		/* without the lock: the callback may well call MED_Delete */
		med_thread_end(keys, nk, MED_END_CONSENT);
		if ((med_cfg.inactivity_timeout || med_kernel_mode) &&
		    med_now_ms() - last_scan >= 1000) {
			last_scan = med_now_ms();
			/* takes med_lock itself, after its kernel round trip */
			nk = med_check_inactive(keys, 64);
			med_thread_end(keys, nk, MED_END_IDLE);
		}
	}
	return NULL;
}

int med_thread_start(void)
{
	int err = pthread_create(&med_thread, NULL, med_thread_main, NULL);

	if (err)
		return -err;
	med_thread_running = true;
	return 0;
}

void med_thread_stop(void)
{
	uint64_t one = 1;

	if (med_thread_running) {
		if (write(med_stopfd, &one, sizeof(one)) != sizeof(one))
			med_log("media: cannot stop the media thread: %s", strerror(errno));
		pthread_join(med_thread, NULL);
		med_thread_running = false;
	}
}

void med_thread_fini(void)
{
	if (med_stopfd >= 0)
		close(med_stopfd);
	if (med_epfd >= 0)
		close(med_epfd);
	med_stopfd = med_epfd = -1;
}
