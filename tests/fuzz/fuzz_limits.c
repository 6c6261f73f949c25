// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the flood and abuse limits (daemon/sip/limits.c):
 * the limit_exempt parser (LIM_CidrParse) on the input as a string, then
 * the input as a stream of events against a small table: each 20 bytes are
 * a source (family bit, 16 address bytes), an event (request, response,
 * auth failure, time step) and a time step in ms. The table must never
 * hold more sources than its size, and a source just banned must be
 * banned.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "sip/limits.h"
#include "timer.h"

static uint64_t fuzz_now = 1000000;

static uint64_t fuzz_clock(void)
{
	return fuzz_now;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char req[] = "INVITE sip:x SIP/2.0\r\n", resp[] = "SIP/2.0 180 R\r\n";
	static int init;
	struct lim_config cfg;
	struct lim_stats st;
	struct lim_cidr c;
	char s[80];
	size_t i;

	if (!init) {
		/* every ban and unban is a warning: millions of lines otherwise */
		LOG_SetLevel(LOGL_ERR);
		TMR_SetClock(fuzz_clock);
		TMR_Init();
		init = 1;
	}
	memcpy(s, data, size < sizeof(s) - 1 ? size : sizeof(s) - 1);
	s[size < sizeof(s) - 1 ? size : sizeof(s) - 1] = '\0';
	if (!LIM_CidrParse(s, &c) &&
	    (c.prefix > (c.family == AF_INET ? 32u : 128u) ||
	     (c.family != AF_INET && c.family != AF_INET6)))
		abort();

	LIM_Defaults(&cfg);
	cfg.table_size = 64;
	cfg.rate = 5;
	cfg.burst = 3;
	cfg.ban_failures = 2;
	cfg.ban_time = 2;
	cfg.nexempt = 1;
	LIM_CidrParse("10.0.0.0/30", &cfg.exempt[0]);
	if (LIM_Init(&cfg))
		return 0;
	for (i = 0; i + 20 <= size; i += 20) {
		const uint8_t *p = data + i;
		struct sockaddr_storage ss;

		memset(&ss, 0, sizeof(ss));
		if (p[0] & 1) {
			struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

			a6->sin6_family = AF_INET6;
			memcpy(&a6->sin6_addr, p + 1, 16);
		} else {
			struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;

			a4->sin_family = AF_INET;
			/* few distinct IPv4 sources, so entries collide and evict */
			a4->sin_addr.s_addr = htonl(0x0a000000u | (p[1] & 0x7f));
		}
		switch (p[17] & 3) {
		case 0:
			LIM_Check(&ss, req, sizeof(req) - 1);
			break;
		case 1:
			LIM_Check(&ss, resp, sizeof(resp) - 1);
			break;
		case 2:
			LIM_AuthFailed(&ss);
			LIM_AuthFailed(&ss);
			if (!LIM_Exempt(&ss) && !LIM_Banned(&ss))
				abort();
			break;
		default:
			LIM_ConnAllowed(&ss, p[18]);
			break;
		}
		fuzz_now += p[19] * 20;
		TMR_Run();
		LIM_GetStats(&st);
		if (st.sources > st.table_size || st.bans_active > st.sources)
			abort();
	}
	LIM_Fini();
	return 0;
}
