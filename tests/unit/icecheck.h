/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An ICE connectivity check as a controlling browser sends it to krtpd's
 * relay port (RFC 8445 section 7.2.4): PRIORITY, ICE-CONTROLLING, the
 * USERNAME "krtpd's ufrag:the leg's", MESSAGE-INTEGRITY with krtpd's
 * password, FINGERPRINT; USE-CANDIDATE when it nominates.
 */
#ifndef KRTPD_TEST_ICECHECK_H
#define KRTPD_TEST_ICECHECK_H

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "stun.h"

/*
 * Send the check from fd to `to` and wait up to 3 s for the response: its
 * STUN type (STUN_BINDING_SUCCESS, STUN_BINDING_ERROR) or -1
 */
static inline int ice_check(int fd, const struct sockaddr *to, socklen_t tolen, const char *ufrag,
			    const char *remote_ufrag, const char *pwd, bool nominate)
{
	uint8_t tid[STUN_TID_LEN] = "icecheck-tid", out[256], in[512];
	uint8_t prio[4] = { 0x6e, 0, 1, 0xff }, tie[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char user[64];
	struct stun_build b;
	ssize_t n;

	snprintf(user, sizeof(user), "%s:%s", ufrag, remote_ufrag);
	STUN_BuildInit(&b, out, sizeof(out), STUN_BINDING_REQUEST, tid);
	STUN_AddAttr(&b, STUN_ATTR_PRIORITY, prio, 4);
	STUN_AddAttr(&b, STUN_ATTR_ICE_CONTROLLING, tie, 8);
	if (nominate)
		STUN_AddAttr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	STUN_AddAttr(&b, STUN_ATTR_USERNAME, user, (uint16_t)strlen(user));
	STUN_AddIntegrity(&b, pwd, strlen(pwd));
	STUN_AddFingerprint(&b);
	if (sendto(fd, out, STUN_BuildEnd(&b), 0, to, tolen) < 0 || poll(&pfd, 1, 3000) != 1)
		return -1;
	n = recv(fd, in, sizeof(in), 0);
	return n >= 2 ? (in[0] << 8 | in[1]) : -1;
}

#endif
