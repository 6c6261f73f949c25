/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtpengine's "ng" control protocol, so Kamailio's and OpenSIPS's rtpengine
 * modules can use krtpd as their media relay: UDP datagrams "COOKIE
 * <bencoded dictionary>", answered "COOKIE <bencoded dictionary>" with the
 * same cookie. Commands: ping, offer, answer, delete, query, list,
 * statistics. offer and answer anchor the media through the same code as
 * krtpd's own proxy (MED_Offer / MED_Answer, keyed by the Call-ID), so the
 * flows go into krtp.ko, outlive a restart of krtpd and are re-adopted.
 *
 * Errors are answered {"result": "error", "error-reason": "..."}; input that
 * is not even a cookie and a dictionary is counted and dropped. A repeated
 * cookie (the module retransmitting) gets the reply it got before, from a
 * small cache, without doing the command twice. Main thread only.
 */
#ifndef KRTPD_NG_NG_H
#define KRTPD_NG_NG_H

#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

/* Listen on addr (UDP). 0 or -errno. */
int NG_Init(const struct sockaddr_storage *addr);
void NG_Fini(void);

/*
 * One request datagram; the reply (cookie included) goes to out, its length
 * is returned, 0 when nothing is to be sent. Tests and the fuzzer call it
 * directly; the socket handler does too.
 */
size_t NG_Handle(const char *req, size_t len, const struct sockaddr *from, char *out,
		 size_t outsz);

struct ng_stats {
	unsigned long requests, errors, dropped, retransmits;
	unsigned long offers, answers, deletes;
	unsigned long calls;		/* calls whose tags are remembered now */
	unsigned long expired;		/* deleted by NG_Expire */
};
void NG_GetStats(struct ng_stats *s);
/*
 * Delete the calls last offered more than an hour before now and never
 * answered, or answered without a media stream, and forget those whose
 * media went. A timer calls it every minute; tests call it with a time
 * of their own.
 */
void NG_Expire(time_t now);

#endif /* KRTPD_NG_NG_H */
