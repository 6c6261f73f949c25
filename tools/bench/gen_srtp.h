/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KRTP_BENCH_GEN_SRTP_H
#define KRTP_BENCH_GEN_SRTP_H

#include <stdint.h>

/*
 * SPEC is SUITE:HEX, SUITE aes80, aes32 or gcm, HEX the master key and salt
 * (30 bytes, 28 for gcm). FIRST is the number of the first packet: its
 * rollover counter is FIRST >> 16. 0 or -errno.
 */
int gen_srtp_init(const char *spec, uint32_t ssrc, uint64_t first);
/* bytes srtp_protect() adds to an RTP packet */
unsigned int gen_srtp_tag_len(void);
/* protect the RTP packet of *LEN bytes at RTP in place (room for the tag) */
int gen_srtp_protect(uint8_t *rtp, int *len);

#endif
