// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the SDP parser and rewriter (daemon/sdp.c).
 *
 * The input is copied into a buffer of exactly its size, so ASan reports
 * any read past the end; a body that parses is rewritten into a buffer that
 * is sometimes too small, with every stream anchored or not according to
 * the first byte, and the result must parse again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sdp_relay relay4 = { .family = AF_INET, .addr = "203.0.113.7" };
	static const struct sdp_relay relay6 = { .family = AF_INET6, .addr = "2001:db8::7" };
	struct sdp_anchor an[SDP_MAX_MEDIA];
	uint8_t sel = size ? data[0] : 0;
	struct sdp s, again;
	size_t outsz, olen;
	char *buf, *out;
	unsigned int i;

	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (sdp_parse(buf, size, &s)) {
		free(buf);
		return 0;
	}
	for (i = 0; i < s.nmedia; i++) {
		/* as media anchors them: UDP streams with a port (and so an address) */
		an[i].anchored = ((sel >> (i % 8)) & 1) && s.media[i].udp && s.media[i].port;
		an[i].rtp_port = (uint16_t)(30000 + 2 * i);
		an[i].rtcp_port = (uint16_t)(30001 + 2 * i);
	}
	/* the rewrite grows a line by at most the relay address and a port */
	outsz = (sel & 0x80) ? size / 2 : size * 2 + 256;
	out = malloc(outsz ? outsz : 1);
	if (out && !sdp_rewrite(buf, size, &s, (sel & 0x40) ? &relay6 : &relay4, an, out, outsz,
				&olen)) {
		if (olen > outsz || sdp_parse(out, olen, &again) || again.nmedia != s.nmedia)
			abort();
	}
	free(out);
	free(buf);
	return 0;
}
