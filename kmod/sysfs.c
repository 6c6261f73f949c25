// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: module-wide counters in /sys/kernel/krtp/, one value per file.
 *
 * sysfs is not namespace-aware, so these sum every namespace (and the ones
 * that went away); per-namespace and per-flow numbers come over netlink.
 * packets_forwarded and bytes_forwarded count everything forwarded, RTP and
 * RTCP (netlink's KRTP_A_STATS_PACKETS leaves RTCP out); rtcp_packets and
 * rtcp_bytes count the RTCP part; packets_dropped is the sum of the drop_*
 * files and of srtp_auth_fail and srtp_replay, which mean what the
 * KRTP_A_STATS_DROP_* and KRTP_A_STATS_SRTP_* attributes mean;
 * packets_passed counts STUN and DTLS left to the socket (KRTP_A_STATS_PASSED).
 *
 * srtp/ names the crypto drivers SRTP runs on, one file per algorithm
 * (aes_cm, aes_cm_simd, gcm, gcm_simd, hmac_sha1), "none" where the load
 * found none: fixed from load to unload (srtp-kdf.c).
 */

#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "netns.h"
#include "srtp.h"
#include "sysfs.h"

static struct kobject *krtp_sysfs_kobj;

#define KRTP_SYSFS_STAT(_name, _expr)					\
static ssize_t krtp_sysfs_##_name##_show(struct kobject *kobj,		\
					 struct kobj_attribute *attr,	\
					 char *buf)			\
{									\
	struct krtp_stats s = {};					\
									\
	krtp_netns_stats_all(&s);					\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(_expr));	\
}									\
static struct kobj_attribute krtp_sysfs_##_name =			\
	__ATTR(_name, 0444, krtp_sysfs_##_name##_show, NULL)

KRTP_SYSFS_STAT(packets_forwarded, s.packets + s.rtcp_packets);
KRTP_SYSFS_STAT(bytes_forwarded, s.bytes + s.rtcp_bytes);
KRTP_SYSFS_STAT(packets_dropped, krtp_stats_dropped(&s));
KRTP_SYSFS_STAT(rtcp_packets, s.rtcp_packets);
KRTP_SYSFS_STAT(rtcp_bytes, s.rtcp_bytes);
KRTP_SYSFS_STAT(drop_wrong_source, s.drops[KRTP_DROP_WRONG_SOURCE]);
KRTP_SYSFS_STAT(drop_no_route, s.drops[KRTP_DROP_NO_ROUTE]);
KRTP_SYSFS_STAT(drop_not_rtp, s.drops[KRTP_DROP_NOT_RTP]);
KRTP_SYSFS_STAT(drop_other, s.drops[KRTP_DROP_OTHER]);
KRTP_SYSFS_STAT(srtp_auth_fail, s.drops[KRTP_DROP_SRTP_AUTH]);
KRTP_SYSFS_STAT(srtp_replay, s.drops[KRTP_DROP_SRTP_REPLAY]);
KRTP_SYSFS_STAT(packets_passed, s.passed);

static ssize_t krtp_sysfs_flows_active_show(struct kobject *kobj,
					    struct kobj_attribute *attr,
					    char *buf)
{
	return sysfs_emit(buf, "%u\n", krtp_table_flows_active());
}

static struct kobj_attribute krtp_sysfs_flows_active =
	__ATTR(flows_active, 0444, krtp_sysfs_flows_active_show, NULL);

static ssize_t krtp_sysfs_events_dropped_show(struct kobject *kobj,
					     struct kobj_attribute *attr,
					     char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  (unsigned long long)krtp_netns_events_dropped_read());
}

static struct kobj_attribute krtp_sysfs_events_dropped =
	__ATTR(events_dropped, 0444, krtp_sysfs_events_dropped_show, NULL);

static ssize_t krtp_sysfs_max_flows_show(struct kobject *kobj,
					 struct kobj_attribute *attr,
					 char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(krtp_table_max_flows));
}

static struct kobj_attribute krtp_sysfs_max_flows =
	__ATTR(max_flows, 0444, krtp_sysfs_max_flows_show, NULL);

static struct attribute *krtp_sysfs_attrs[] = {
	&krtp_sysfs_flows_active.attr,
	&krtp_sysfs_packets_forwarded.attr,
	&krtp_sysfs_bytes_forwarded.attr,
	&krtp_sysfs_packets_dropped.attr,
	&krtp_sysfs_rtcp_packets.attr,
	&krtp_sysfs_rtcp_bytes.attr,
	&krtp_sysfs_drop_wrong_source.attr,
	&krtp_sysfs_drop_no_route.attr,
	&krtp_sysfs_drop_not_rtp.attr,
	&krtp_sysfs_drop_other.attr,
	&krtp_sysfs_srtp_auth_fail.attr,
	&krtp_sysfs_srtp_replay.attr,
	&krtp_sysfs_packets_passed.attr,
	&krtp_sysfs_events_dropped.attr,
	&krtp_sysfs_max_flows.attr,
	NULL,
};

static const struct attribute_group krtp_sysfs_group = {
	.attrs = krtp_sysfs_attrs,
};

#define KRTP_SYSFS_SRTP(_name, _alg)					\
static ssize_t krtp_sysfs_srtp_##_name##_show(struct kobject *kobj,	\
					      struct kobj_attribute *attr, \
					      char *buf)		\
{									\
	const char *drv = krtp_srtp_alg_driver(_alg);			\
									\
	return sysfs_emit(buf, "%s\n", drv ?: "none");			\
}									\
static struct kobj_attribute krtp_sysfs_srtp_##_name =			\
	__ATTR(_name, 0444, krtp_sysfs_srtp_##_name##_show, NULL)

KRTP_SYSFS_SRTP(aes_cm, KRTP_SRTP_ALG_AES_CM);
KRTP_SYSFS_SRTP(aes_cm_simd, KRTP_SRTP_ALG_AES_CM_SIMD);
KRTP_SYSFS_SRTP(gcm, KRTP_SRTP_ALG_GCM);
KRTP_SYSFS_SRTP(gcm_simd, KRTP_SRTP_ALG_GCM_SIMD);
KRTP_SYSFS_SRTP(hmac_sha1, KRTP_SRTP_ALG_HMAC_SHA1);

static struct attribute *krtp_sysfs_srtp_attrs[] = {
	&krtp_sysfs_srtp_aes_cm.attr,
	&krtp_sysfs_srtp_aes_cm_simd.attr,
	&krtp_sysfs_srtp_gcm.attr,
	&krtp_sysfs_srtp_gcm_simd.attr,
	&krtp_sysfs_srtp_hmac_sha1.attr,
	NULL,
};

static const struct attribute_group krtp_sysfs_srtp_group = {
	.name = "srtp",
	.attrs = krtp_sysfs_srtp_attrs,
};

static const struct attribute_group *krtp_sysfs_groups[] = {
	&krtp_sysfs_group,
	&krtp_sysfs_srtp_group,
	NULL,
};

/**
 * krtp_sysfs_init - create /sys/kernel/krtp/
 *
 * Return: 0 or a negative errno.
 */
int __init krtp_sysfs_init(void)
{
	int err;

	krtp_sysfs_kobj = kobject_create_and_add("krtp", kernel_kobj);
	if (!krtp_sysfs_kobj)
		return -ENOMEM;
	err = sysfs_create_groups(krtp_sysfs_kobj, krtp_sysfs_groups);
	if (err)
		kobject_put(krtp_sysfs_kobj);
	return err;
}

/**
 * krtp_sysfs_exit - remove /sys/kernel/krtp/
 */
void krtp_sysfs_exit(void)
{
	sysfs_remove_groups(krtp_sysfs_kobj, krtp_sysfs_groups);
	kobject_put(krtp_sysfs_kobj);
}
