// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: in-kernel RTP/RTCP relay. This file only orders setup and teardown.
 */

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <uapi/linux/krtp.h>

#include "netlink.h"
#include "flow.h"
#include "netns.h"
#include "rtcp.h"
#include "srtp.h"
#include "stats.h"
#include "sysfs.h"
#include "table.h"

static int __init krtp_mod_init(void)
{
	int err;

	/* the crypto algorithms keyed flows use, looked up once */
	krtp_srtp_init();
#ifdef DEBUG
	/* RFC vectors and round trips; needs only the algorithms */
	if (!krtp_srtp_selftest()) {
		err = -ENOTRECOVERABLE;
		goto err_srtp;
	}
#endif
	err = krtp_flow_init();
	if (err)
		goto err_srtp;
#ifdef DEBUG
	/* the table's self-test makes flows */
	if (!krtp_rtcp_selftest() || !krtp_table_selftest() ||
	    !krtp_nl_flow_new_selftest()) {
		err = -ENOTRECOVERABLE;
		goto err_flow;
	}
#endif
	err = krtp_sysfs_init();
	if (err)
		goto err_flow;
	/* namespaces (hooks and tables) before the API that fills them */
	err = krtp_netns_register();
	if (err)
		goto err_sysfs;
	err = krtp_nl_register();
	if (err)
		goto err_netns;
	return 0;

err_netns:
	krtp_netns_unregister();
err_sysfs:
	krtp_sysfs_exit();
	rcu_barrier();
err_flow:
	krtp_flow_exit();
err_srtp:
	krtp_srtp_exit();
	return err;
}

static void __exit krtp_mod_exit(void)
{
	/*
	 * 1. No new requests; waits for the ones running.
	 * 2. Per namespace: hooks off, grace period, works cancelled, flows
	 *    unhashed and queued for freeing with call_rcu().
	 * 3. Wait for those callbacks: they run module code and free into
	 *    the flows' cache, which is destroyed last.
	 */
	krtp_nl_unregister();
	krtp_netns_unregister();
	krtp_sysfs_exit();
	rcu_barrier();
	krtp_flow_exit();
	krtp_srtp_exit();
}

module_init(krtp_mod_init);
module_exit(krtp_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel RTP/RTCP relay");
MODULE_AUTHOR("krtp developers");
MODULE_ALIAS_GENL_FAMILY(KRTP_FAMILY_NAME);
