// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the rtpengine ng protocol (daemon/ng/): the input
 * is one datagram as a Kamailio rtpengine module would send it, "COOKIE
 * <bencode>", through NG_Handle (bencode parser, command dispatch, the
 * reply writer) with media not running, so offers end in an error reply
 * instead of binding ports. Checks: a reply starts with the request's
 * cookie and a space, and its dictionary is itself valid bencode.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "rcu.h"
#include "ng/bencode.h"
#include "ng/ng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[65536];
	static struct bnc_doc doc;
	static int init;
	const char *sp, *err;
	size_t n;

	if (!init) {
		struct sockaddr_storage none = { 0 };

		LOG_SetLevel(LOGL_ERR);
		RCU_RegisterThread();
		if (NG_Init(&none))
			abort();
		init = 1;
	}
	RCU_ReadLock();
	/* NULL source: no reply cache, so every input is handled afresh */
	n = NG_Handle((const char *)data, size, NULL, out, sizeof(out));
	RCU_ReadUnlock();
	if (!n)
		return 0;
	sp = memchr(data, ' ', size);
	if (!sp || n <= (size_t)(sp - (const char *)data) + 1 ||
	    memcmp(out, data, sp - (const char *)data + 1))
		abort();
	if (BNC_Parse(&doc, out + (sp - (const char *)data) + 1,
		      n - (sp - (const char *)data) - 1, &err))
		abort();
	return 0;
}
