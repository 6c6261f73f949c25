// SPDX-License-Identifier: GPL-2.0
/*
 * flood: a bounded SIP flood for the benchmark and the tests. Sends UDP
 * datagrams from one source address to one loopback or test address at a
 * paced rate, for a given time, and stops; every other datagram is a
 * REGISTER (a new Call-ID each), the rest garbage.
 *
 *   flood -s SRC_IP -d DST_IP:PORT [-r PER_SEC] [-t SECONDS] [-n MAX]
 *
 * Defaults: 50,000/s for 5 s, at most 10,000,000 datagrams. Batches of 64
 * go out with sendmmsg() every 64/rate seconds, so the rate holds without
 * a busy loop. The destination must be a loopback address unless
 * FLOOD_ANY_DST=1 (a test namespace's address). Prints what it sent, also
 * when SIGINT or SIGTERM ends it early.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64

static volatile sig_atomic_t flood_stop;

static void on_signal(int sig)
{
	(void)sig;
	flood_stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_hostport(const char *s, struct sockaddr_in *out)
{
	char ip[64];
	const char *colon = strrchr(s, ':');

	if (!colon || colon - s >= (long)sizeof(ip))
		return -1;
	memcpy(ip, s, colon - s);
	ip[colon - s] = '\0';
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons(atoi(colon + 1));
	return inet_pton(AF_INET, ip, &out->sin_addr) == 1 && out->sin_port ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: flood -s SRC_IP -d DST_IP:PORT [-r PER_SEC] [-t SECONDS] [-n MAX]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static char bufs[BATCH][600];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in src = { .sin_family = AF_INET }, dst;
	const char *s = NULL, *d = NULL, *any = getenv("FLOOD_ANY_DST");
	double rate = 50000, secs = 5, t0, next;
	unsigned long max = 10000000, sent = 0, seq = 0, errors = 0;
	int c, fd, i;

	while ((c = getopt(argc, argv, "s:d:r:t:n:")) != -1) {
		switch (c) {
		case 's': s = optarg; break;
		case 'd': d = optarg; break;
		case 'r': rate = atof(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'n': max = strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (!s || !d || inet_pton(AF_INET, s, &src.sin_addr) != 1 || parse_hostport(d, &dst) ||
	    rate <= 0 || rate > 1e6 || secs <= 0 || secs > 600)
		usage();
	if ((ntohl(dst.sin_addr.s_addr) >> 24) != 127 && !(any && !strcmp(any, "1"))) {
		fprintf(stderr, "flood: %s is not a loopback address\n", d);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src))) {
		fprintf(stderr, "flood: bind %s: %s\n", s, strerror(errno));
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
	}
	/* SIGINT or SIGTERM end the run early, still with the summary line */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = next = now_s();
	while (!flood_stop && sent < max && now_s() - t0 < secs) {
		int n = max - sent < BATCH ? (int)(max - sent) : BATCH, k;

		for (i = 0; i < n; i++, seq++) {
			if (seq & 1)
				iov[i].iov_len = snprintf(bufs[i], sizeof(bufs[i]),
					"REGISTER sip:%s SIP/2.0\r\n"
					"Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKfl%lu\r\n"
					"From: <sip:flood%lu@%s>;tag=f\r\nTo: <sip:flood%lu@%s>\r\n"
					"Call-ID: flood-%lu\r\nCSeq: 1 REGISTER\r\n"
					"Contact: <sip:flood@%s:5060>\r\nMax-Forwards: 70\r\n"
					"Content-Length: 0\r\n\r\n", d, s, seq, seq % 1000, d,
					seq % 1000, d, seq, s);
			else
				iov[i].iov_len = snprintf(bufs[i], sizeof(bufs[i]),
					"\x16\x03\x01 garbage %lu \xff\xfe not SIP\r\n\r\n", seq);
		}
		k = sendmmsg(fd, msgs, n, 0);
		if (k < 0) {
			errors++;
			k = 0;
		}
		sent += k;
		next += n / rate;
		{
			double w = next - now_s();

			if (w > 0) {
				struct timespec ts = { (time_t)w, (long)((w - (time_t)w) * 1e9) };

				nanosleep(&ts, NULL);
			}
		}
	}
	printf("flood: sent %lu datagrams from %s to %s in %.2f s (%.0f/s), %lu send errors\n",
	       sent, s, d, now_s() - t0, sent / (now_s() - t0), errors);
	close(fd);
	return 0;
}
