/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which SRTP policy (enum med_srtp, media.h) a call gets, from the config:
 *
 *   srtp = passthrough | bridge | require       the default
 *   srtp_domain = DOMAIN POLICY                 repeatable, one domain each
 *   srtp_trunk = POLICY                         calls krtpd sends to the trunk
 *
 * A new call's INVITE picks, in order: srtp_trunk when it is routed to the
 * trunk, the srtp_domain of its Request-URI's host, that of its From host,
 * then srtp. Later offers of the call keep what the first one got.
 */
#ifndef KRTPD_SRTP_POLICY_H
#define KRTPD_SRTP_POLICY_H

#include "../media.h"
#include "msg.h"

/* One config setting: 0 taken, -1 bad value (printed), 1 not an srtp key */
int SRP_Set(const char *key, const char *value);
/* The policy of a new call whose INVITE is m; to_trunk: it is routed to the trunk */
enum med_srtp SRP_Policy(const struct sip_msg *m, int to_trunk);
/* The name of a policy, for logs */
const char *SRP_Name(enum med_srtp p);

#endif /* KRTPD_SRTP_POLICY_H */
