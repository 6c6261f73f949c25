// SPDX-License-Identifier: GPL-2.0
/*
 * rtpsend: send an exact number of RTP (or RTCP) packets over UDP, with
 * chosen SSRC, payload type, sequence numbers and timestamps, from a chosen
 * source address and port, at a chosen interval. Used by the krtp tests to
 * craft losses, duplicates, reordering and jitter.
 *
 *   rtpsend -d ADDR:PORT [-s ADDR:PORT] [-n COUNT] [-i USECS] [-z BYTES]
 *           [-S SSRC] [-p PT] [-q SEQ] [-t TS] [-T TS_STEP]
 *           [-Q SEQ,SEQ,...] [-J STEP,STEP,...] [-c RTCP_PT] [-r] [-D SECS]
 *
 *   -d  destination; IPv6 as [addr]:port
 *   -s  bind to this source (port 0: any)
 *   -n  packets to send (default 10); with -Q, the list's length
 *   -i  interval between packets in microseconds (default 0)
 *   -z  UDP payload size in bytes (default 172: 12-byte header + 160 bytes)
 *   -S  SSRC (default 0x12345678); -p payload type (default 0)
 *   -q  first sequence number (default 1); -t first timestamp (default 0)
 *   -T  timestamp step per sequence number (default 160)
 *   -Q  explicit sequence numbers, one packet each, in this order; the
 *       timestamp of a packet is t + (seq - q) * T
 *   -J  explicit timestamp steps, cycled: packet k+1 carries the timestamp of
 *       packet k plus the next step (overrides -T for timestamps)
 *   -c  send RTCP packets of this type (200 SR, 201 RR ...) instead of RTP
 *   -R  with -c: the SSRC the RTCP reports on: one report block's (SR, RR,
 *       with RC 1) or the media source (205 RTPFB, 206 PSFB)
 *   -r  raw: the payload is not RTP (first byte 0x00)
 *   -D  stop after this many seconds even if COUNT is not reached
 *
 * Prints "sent N packets B bytes" and exits 0 if every packet was sent,
 * 1 otherwise (a send error, such as ECONNREFUSED, is counted and reported).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"

#define MAX_LIST 4096

static uint64_t now_usecs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* parse "a,b,c" into @out; returns the number of entries or -1 */
static int parse_list(const char *s, long *out, int max)
{
	int n = 0;
	char *end;

	while (*s) {
		if (n == max)
			return -1;
		out[n++] = strtol(s, &end, 0);
		if (end == s || (*end && *end != ','))
			return -1;
		s = *end ? end + 1 : end;
	}
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: rtpsend -d ADDR:PORT [-s ADDR:PORT] [-n COUNT] [-i USECS] [-z BYTES]\n"
		"       [-S SSRC] [-p PT] [-q SEQ] [-t TS] [-T STEP] [-Q SEQS] [-J STEPS] [-c RTCP_PT [-R SSRC]] [-r] [-D SECS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static long seqs[MAX_LIST], steps[MAX_LIST];
	struct sockaddr_storage dst, src;
	socklen_t dstlen = 0, srclen = 0;
	unsigned long count = 10, interval = 0, size = 172, max_secs = 0;
	uint32_t ssrc = 0x12345678, ts0 = 0, ts_step = 160, ts, about = 0;
	int pt = 0, rtcp_pt = -1, raw = 0, nseqs = 0, nsteps = 0, has_about = 0;
	uint16_t seq0 = 1;
	unsigned long sent = 0, bytes = 0, errors = 0, i;
	int last_errno = 0;
	uint64_t start, deadline;
	unsigned char buf[65536];
	int fd, c, one = 1;

	while ((c = getopt(argc, argv, "d:s:n:i:z:S:p:q:t:T:Q:J:c:R:rD:")) != -1) {
		switch (c) {
		case 'd':
			if (addr_parse(optarg, &dst, &dstlen))
				usage();
			break;
		case 's':
			if (addr_parse(optarg, &src, &srclen))
				usage();
			break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 'i': interval = strtoul(optarg, NULL, 0); break;
		case 'z': size = strtoul(optarg, NULL, 0); break;
		case 'S': ssrc = strtoul(optarg, NULL, 0); break;
		case 'p': pt = atoi(optarg); break;
		case 'q': seq0 = strtoul(optarg, NULL, 0); break;
		case 't': ts0 = strtoul(optarg, NULL, 0); break;
		case 'T': ts_step = strtoul(optarg, NULL, 0); break;
		case 'Q':
			nseqs = parse_list(optarg, seqs, MAX_LIST);
			if (nseqs <= 0)
				usage();
			count = nseqs;
			break;
		case 'J':
			nsteps = parse_list(optarg, steps, MAX_LIST);
			if (nsteps <= 0)
				usage();
			break;
		case 'c': rtcp_pt = atoi(optarg); break;
		case 'R': about = strtoul(optarg, NULL, 0); has_about = 1; break;
		case 'r': raw = 1; break;
		case 'D': max_secs = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!dstlen || size > sizeof(buf) || (!raw && size < 12) || pt < 0 || pt > 127 ||
	    (has_about && (rtcp_pt < 0 ||
			   size < (rtcp_pt == 200 ? 52u : rtcp_pt == 201 ? 32u : 12u))))
		usage();
	if (srclen && src.ss_family != dst.ss_family) {
		fprintf(stderr, "rtpsend: source and destination families differ\n");
		return 2;
	}

	fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("rtpsend: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (srclen && bind(fd, (struct sockaddr *)&src, srclen)) {
		perror("rtpsend: bind");
		return 1;
	}

	memset(buf, 0xd5, size);
	start = now_usecs();
	deadline = max_secs ? start + max_secs * 1000000ULL : 0;
	ts = ts0;
	for (i = 0; i < count; i++) {
		uint16_t seq = nseqs ? (uint16_t)seqs[i] : (uint16_t)(seq0 + i);
		ssize_t n;

		if (nsteps)
			ts = i ? ts + (uint32_t)steps[(i - 1) % nsteps] : ts0;
		else
			ts = ts0 + (uint32_t)(uint16_t)(seq - seq0) * ts_step;

		if (raw) {
			buf[0] = 0;
		} else if (rtcp_pt >= 0) {
			/* V=2, no padding, RC=0, PT, length in 32-bit words minus one */
			buf[0] = 0x80;
			buf[1] = (unsigned char)rtcp_pt;
			buf[2] = ((size / 4 - 1) >> 8) & 0xff;
			buf[3] = (size / 4 - 1) & 0xff;
			buf[4] = ssrc >> 24; buf[5] = ssrc >> 16; buf[6] = ssrc >> 8; buf[7] = ssrc;
			if (has_about) {
				/* SR: a report block after the 20 bytes of sender info */
				size_t at = rtcp_pt == 200 ? 28 : 8;

				if (rtcp_pt == 200 || rtcp_pt == 201)
					buf[0] |= 1;
				buf[at] = about >> 24; buf[at + 1] = about >> 16;
				buf[at + 2] = about >> 8; buf[at + 3] = about;
			}
		} else {
			buf[0] = 0x80;
			buf[1] = (unsigned char)pt;
			buf[2] = seq >> 8; buf[3] = seq;
			buf[4] = ts >> 24; buf[5] = ts >> 16; buf[6] = ts >> 8; buf[7] = ts;
			buf[8] = ssrc >> 24; buf[9] = ssrc >> 16; buf[10] = ssrc >> 8; buf[11] = ssrc;
		}

		if (interval) {
			/* pace against the start time so that delays do not accumulate */
			uint64_t due = start + i * (uint64_t)interval, t = now_usecs();

			if (due > t)
				usleep(due - t);
		}
		if (deadline && now_usecs() > deadline)
			break;
		n = sendto(fd, buf, size, 0, (struct sockaddr *)&dst, dstlen);
		if (n == (ssize_t)size) {
			sent++;
			bytes += size;
		} else {
			errors++;
			last_errno = errno;
		}
	}
	printf("sent %lu packets %lu bytes\n", sent, bytes);
	if (errors)
		fprintf(stderr, "rtpsend: %lu send errors, last: %s\n", errors, strerror(last_errno));
	close(fd);
	return sent == count ? 0 : 1;
}
