// SPDX-License-Identifier: GPL-2.0
/*
 * SRTP policy per call (see srtp_policy.h). Set from the config at
 * startup, read-only after, so the SIP thread reads it without a lock.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "srtp_policy.h"

#define SRP_MAX_DOMAINS	16

static enum med_srtp srp_default = MED_SRTP_PASSTHROUGH;
static enum med_srtp srp_trunk;		/* 0: the default */
static struct {
	char name[128];
	enum med_srtp policy;
} srp_domains[SRP_MAX_DOMAINS];
static int srp_ndomains;

static const char *const srp_names[] = {
	[MED_SRTP_PASSTHROUGH] = "passthrough",
	[MED_SRTP_BRIDGE] = "bridge",
	[MED_SRTP_REQUIRE] = "require",
};

const char *SRP_Name(enum med_srtp p)
{
	return p >= MED_SRTP_PASSTHROUGH && p <= MED_SRTP_REQUIRE ? srp_names[p] : "?";
}

static int srp_parse(const char *key, const char *v, enum med_srtp *out)
{
	for (int p = MED_SRTP_PASSTHROUGH; p <= MED_SRTP_REQUIRE; p++) {
		if (!strcasecmp(v, srp_names[p])) {
			*out = (enum med_srtp)p;
			return 0;
		}
	}
	fprintf(stderr, "krtpd: %s must be passthrough, bridge or require, not \"%s\"\n", key, v);
	return -1;
}

int SRP_Set(const char *key, const char *value)
{
	char name[128], policy[32], extra;

	if (!strcmp(key, "srtp"))
		return srp_parse(key, value, &srp_default);
	if (!strcmp(key, "srtp_trunk"))
		return srp_parse(key, value, &srp_trunk);
	if (strcmp(key, "srtp_domain"))
		return 1;
	if (sscanf(value, "%127s %31s %c", name, policy, &extra) != 2) {
		fprintf(stderr, "krtpd: srtp_domain wants DOMAIN POLICY, not \"%s\"\n", value);
		return -1;
	}
	if (srp_ndomains == SRP_MAX_DOMAINS) {
		fprintf(stderr, "krtpd: at most %d srtp_domain lines\n", SRP_MAX_DOMAINS);
		return -1;
	}
	if (srp_parse(key, policy, &srp_domains[srp_ndomains].policy))
		return -1;
	snprintf(srp_domains[srp_ndomains++].name, sizeof(srp_domains[0].name), "%s", name);
	return 0;
}

static enum med_srtp srp_domain(struct sip_str host)
{
	for (int i = 0; i < srp_ndomains; i++)
		if (STR_CaseEqC(host, srp_domains[i].name))
			return srp_domains[i].policy;
	return 0;
}

enum med_srtp SRP_Policy(const struct sip_msg *m, int to_trunk)
{
	enum med_srtp p = 0;

	if (to_trunk && srp_trunk)
		return srp_trunk;
	p = srp_domain(m->ruri.host);
	if (!p && m->has_from)
		p = srp_domain(m->from.uri.host);
	return p ? p : srp_default;
}
