/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For unit tests that run krtpd's SIP core in one process (test_proxy,
 * test_proxy_dns, test_torture, test_ws): bring up what the proxy needs,
 * in main.c's order, and take it down in reverse. The caller listens with
 * TP_Init after proxytest_init and calls TP_Fini (and the Fini of anything
 * it started itself) before proxytest_fini.
 */
#ifndef KRTPD_TEST_PROXYTEST_H
#define KRTPD_TEST_PROXYTEST_H

#include <stdint.h>

#include "config.h"
#include "loop.h"
#include "rcu.h"
#include "sip/auth.h"
#include "sip/dialog.h"
#include "sip/proxy.h"
#include "sip/registrar.h"
#include "sip/txn.h"
#include "store.h"
#include "timer.h"
#include "check.h"

/*
 * The configuration from argv (argc of them), the timer on clock (NULL for
 * the real one), an in-memory store, the registrar and the proxy.
 */
static inline void proxytest_init(int argc, char **argv, uint64_t (*clock)(void),
				  const struct reg_config *rc, const struct prx_config *pc)
{
	CHECK_EQ(CNF_Init(argc, argv), 0);
	if (clock)
		TMR_SetClock(clock);
	RCU_RegisterThread();
	TMR_Init();
	CHECK_EQ(LOOP_Init(), 0);
	CHECK_EQ(STO_Init(":memory:"), 0);
	AUTH_Init(NULL, "krtpd", 300);
	REG_Init(rc);
	DLG_Init();
	TXN_Init();
	PRX_Init(pc);
}

/* what proxytest_init started, in reverse; the transport is already down */
static inline void proxytest_fini(void)
{
	PRX_Fini();
	TXN_Fini();
	DLG_Fini();
	REG_Fini();
	AUTH_Fini();
	STO_Fini();
	LOOP_Fini();
	TMR_Fini();
	RCU_UnregisterThread();
}

#endif /* KRTPD_TEST_PROXYTEST_H */
