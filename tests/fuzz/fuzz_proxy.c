// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the whole SIP path of krtpd: parser, transactions,
 * registrar, proxy routing, dialogs and the control socket's tables,
 * without media. Each input is one or more messages separated by NUL
 * bytes, delivered as UDP datagrams from a loopback peer; replies and
 * forwarded requests really go out (to loopback ports nobody listens on).
 * State carries over between inputs, and a fake clock advances so every
 * transaction timer fires and the tables are emptied now and then.
 * Digest authentication (401 for REGISTER, 407 for callers from our
 * domains) is switched on and off every 256 inputs, so both the routing
 * behind it and the credential checks get their share.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "loop.h"
#include "rcu.h"
#include "sip/auth.h"
#include "sip/dialog.h"
#include "sip/proxy.h"
#include "sip/registrar.h"
#include "sip/transport.h"
#include "sip/txn.h"
#include "store.h"
#include "timer.h"

static uint64_t fake_now = 1000000;
static unsigned long runs;
static char users[] = "/tmp/krtpd-fuzz-users-XXXXXX";

static uint64_t fake_clock(void)
{
	return fake_now;
}

static unsigned long sent;

static int drop_send(const struct tp_peer *dst, const char *buf, size_t len)
{
	(void)dst;
	/* touch every byte, so ASan checks the whole message that was built */
	while (len--)
		sent += (unsigned char)buf[len];
	return 0;
}

static void remove_users(void)
{
	unlink(users);
}

static void setup(void)
{
	static const struct reg_config rc = { 60, 3600, 600, 0 };
	static const struct prx_config pc = { .max_forwards = 70, .invite_timeout = 180,
					      .auth_calls = 1 };
	struct tp_limits lim = { .max_message = 65535, .max_conns = 16, .idle_timeout = 60 };
	struct tp_listen l = { .udp = 1 };
	char a[32];
	int fd = mkstemp(users);

	if (fd < 0 || write(fd, "alice:alice-pw\nbob:bob-pw\n", 26) != 26)
		abort();
	close(fd);
	atexit(remove_users);
	LOG_SetLevel(LOGL_ERR);
	TMR_SetClock(fake_clock);
	RCU_RegisterThread();
	TMR_Init();
	LOOP_Init();
	STO_Init(":memory:");
	AUTH_Init(NULL, "krtpd", 300);
	REG_Init(&rc);
	DLG_Init();
	TXN_Init();
	PRX_Init(&pc);
	snprintf(a, sizeof(a), "127.0.0.1:%d", 20000 + getpid() % 20000);
	TP_AddrParse(a, 5060, &l.addr);
	if (TP_Init(&l, 1, &lim, PRX_Receive))
		abort();
	TP_SetSendHook(drop_send);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct tp_peer src = { .proto = TP_UDP, .sock = -1 };
	size_t off = 0;

	if (!ready) {
		setup();
		ready = 1;
	}
	TP_AddrParse("127.0.0.1:9", 0, &src.addr);
	RCU_ReadLock();
	while (off < size) {
		const uint8_t *z = memchr(data + off, 0, size - off);
		size_t len = z ? (size_t)(z - (data + off)) : size - off;
		char *msg = malloc(len ? len : 1);

		memcpy(msg, data + off, len);
		PRX_Receive(msg, len, &src);
		free(msg);
		off += len + 1;
	}
	/* time passes: retransmissions, timeouts, expiry */
	fake_now += 700;
	TMR_Run();
	if (++runs % 64 == 0) {
		char *out;
		size_t outlen;

		if (!CTL_Command("json calls", &out, &outlen))
			free(out);
		if (!CTL_Command("text registrations", &out, &outlen))
			free(out);
		fake_now += 40000;
		TMR_Run();
		REG_Expire(time(NULL) + (runs % 4096 == 0 ? 100000 : 0));
	}
	if (runs % 256 == 0)
		AUTH_Init(runs % 512 ? users : NULL, "krtpd", 300);
	RCU_ReadUnlock();
	return 0;
}
