/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Phones on loopback for the media tests: UDP sockets on 127.0.0.1 or ::1,
 * RTP and RTCP sent to a relay port, and what arrives counted.
 */
#ifndef KRTPD_TEST_LOPHONE_H
#define KRTPD_TEST_LOPHONE_H

#include <stddef.h>
#include <stdint.h>

/* a UDP socket on loopback (family), ephemeral port; returns fd, *port */
int udp_sock(int family, uint16_t *port);
/* a pair of sockets on port p (even, RTP) and p+1 (RTCP) */
void udp_pair(int family, int fd[2], uint16_t *port);
void send_to(int fd, int family, uint16_t port, const void *buf, size_t len);
/* n RTP packets of len bytes, sequence numbers from seq (skip one: a loss) */
void send_rtp(int fd, int family, uint16_t port, int n, size_t len, uint16_t seq, int skip);
/* n empty RTCP sender reports */
void send_rtcp(int fd, int family, uint16_t port, int n);
/*
 * Count what fd receives: wait up to 3 s for `expect` packets, then 200 ms
 * more for any extra (500 ms when none is expected). With wrong_from, counts
 * the packets from another port than from_port; with bytes, sums their sizes.
 */
int drain(int fd, uint16_t from_port, uint64_t *bytes, int *wrong_from, int expect);

#endif
