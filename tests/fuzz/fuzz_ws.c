// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for SIP over WebSocket (daemon/sip/ws.c): the Upgrade
 * request parser on the whole input, then a server session fed the input
 * in two pieces (split where its first byte says), as conn.c would from
 * two reads: the handshake, then whatever frames follow.
 *
 * Beyond not crashing, what is checked:
 *   - WS_Handshake answers 101, 400, 403 or 426, with a response that is
 *     exactly *resplen bytes of HTTP/1.1 ending in CRLF CRLF, and the 101
 *     only for a request that names "sip" and version 13
 *   - parsing is stateless: the same input gives the same status twice
 *   - the session never hands over a message larger than max_message, and
 *     never writes after it reported the connection done
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "sip/ws.h"

#define FUZZ_MAX_MESSAGE	2048

static int fuzz_done;

/* whether s (n bytes) contains word, letters in any case: header field
 * values and the "sip" token are matched that way by ws.c */
static int fuzz_has(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word), i;

	for (i = 0; i + w <= n; i++)
		if (!strncasecmp(s + i, word, w))
			return 1;
	return 0;
}

static int fuzz_out(void *arg, const void *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	if (fuzz_done)
		abort();	/* nothing is written once the connection is done */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	char resp[512], resp2[512], msg[FUZZ_MAX_MESSAGE + 1];
	const char *why;
	size_t rl = 0, rl2 = 0, cut, len;
	char *in = malloc(size ? size : 1);
	struct ws_sess *w;
	int st, st2, r;

	if (!inited) {
		struct ws_config wc = { .origins = "https://phone.krtp.test" };

		LOG_SetLevel(LOGL_ERR);
		WS_Init(&wc);
		inited = 1;
	}
	memcpy(in, data, size);

	st = WS_Handshake(in, size, resp, sizeof(resp), &rl, &why);
	if (st != 101 && st != 400 && st != 403 && st != 426)
		abort();
	if (rl >= sizeof(resp) || rl < 16 || memcmp(resp, "HTTP/1.1 ", 9) ||
	    memcmp(resp + rl - 4, "\r\n\r\n", 4) || strlen(resp) != rl)
		abort();
	if (st == 101 && (!memmem(in, size, "13", 2) || !fuzz_has(in, size, "sip")))
		abort();
	st2 = WS_Handshake(in, size, resp2, sizeof(resp2), &rl2, &why);
	if (st2 != st || rl2 != rl || memcmp(resp, resp2, rl))
		abort();

	fuzz_done = 0;
	w = WS_New(FUZZ_MAX_MESSAGE, fuzz_out, NULL);
	if (w) {
		cut = size ? data[0] * size / 256 : 0;
		r = WS_Input(w, in, cut);
		if (!r)
			r = WS_Input(w, in + cut, size - cut);
		while ((len = WS_Next(w, msg, sizeof(msg))))
			if (len > FUZZ_MAX_MESSAGE)
				abort();
		if (r)
			fuzz_done = 1;
		else if (WS_IsOpen(w))
			WS_Send(w, "OPTIONS sip:x SIP/2.0\r\n\r\n", 25);
		WS_Free(w);
	}
	free(in);
	return 0;
}
