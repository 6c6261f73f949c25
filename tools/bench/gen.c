// SPDX-License-Identifier: GPL-2.0
/*
 * gen: RTP traffic generator for the media-plane benchmark.
 *
 * Builds valid IPv4/UDP/RTP frames (RTP v2, fixed SSRC, incrementing
 * sequence number, timestamp stepping by the samples of one 20 ms packet)
 * and sends them as raw Ethernet frames on an AF_PACKET socket with
 * PACKET_QDISC_BYPASS and sendmmsg(), so the generator's own cost per packet
 * is small and the same in every case. The caller sets up static neighbour
 * entries; the generator never resolves anything.
 *
 * Pacing: packets go out in bursts of --burst, at --rate packets per second
 * of guest time (0 = as fast as possible). Between bursts the generator
 * sleeps, so a userspace relay gets the CPU too, exactly as it would with
 * real calls.
 *
 * Accounting: with one vCPU, "busy" time is elapsed time minus the time the
 * CPU spent idle. The idle time comes from the tick-sched idle_sleeptime in
 * /proc/timer_list (nanoseconds; /proc/stat only has 10 ms ticks). The
 * measurement window starts before the first burst and ends --settle-ms after
 * the last, so work still queued behind the generator (a relay process,
 * softirqs) is inside the window.
 *
 * SRTP (--srtp SUITE:HEX): every packet is built and protected before the
 * timed window starts (gen_srtp.c), the window only sends them; a case
 * with --srtp has its own generator-only case.
 *
 * Output, one line of key=value pairs:
 *   sent=N elapsed_ns=N idle_ns=N busy_ns=N busy_ns_per_pkt=F
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gen_srtp.h"

#define GEN_BURST_MAX	256
#define GEN_FRAME_MAX	1514
#define RTP_HDR_LEN	12

struct gen_cfg {
	const char *ifname;
	uint8_t src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	struct in_addr src_ip, dst_ip;
	uint16_t src_port, dst_port;
	uint64_t count;
	unsigned int burst;
	uint64_t rate;			/* packets per second, 0 = flood */
	unsigned int payload_len;	/* UDP payload = RTP header + media */
	uint32_t ssrc;
	uint8_t pt;
	unsigned int ts_step;		/* RTP timestamp units per packet */
	unsigned int settle_ms;
	unsigned int nflows;		/* cycle the destination port over nflows ports (step 2) */
	uint64_t first;			/* number of the first packet (sequence, timestamp) */
	uint64_t table;			/* send to the flows of tools/bench/flows.c, 0 = no */
	uint64_t spread;		/* ... to this many of them, evenly spaced */
	const char *srtp;		/* SUITE:HEX (gen_srtp.h): send SRTP, NULL = RTP */
};

/* tools/bench/flows.c's layout: flow i is 10.0.3.(1 + i % 64):(10000 + 2 * (i / 64)) */
#define GEN_TABLE_ADDRS	64
#define GEN_TABLE_MAX	(GEN_TABLE_ADDRS * 27768ull)

static void gen_usage(void)
{
	fprintf(stderr,
		"usage: gen -i IFACE --src-mac MAC --dst-mac MAC -s IP:PORT -d IP:PORT\n"
		"           [-n COUNT] [-b BURST] [-r PPS] [-l RTP_BYTES] [--ssrc N] [--pt N]\n"
		"           [--settle-ms MS] [--flows N]\n"
		"  -n COUNT     packets to send (default 100000)\n"
		"  -b BURST     packets per sendmmsg() (default 8, max %d)\n"
		"  -r PPS       packets per second of guest time, 0 = flood (default 0)\n"
		"  -l BYTES     RTP packet size, header included (default 200)\n"
		"  --flows N    spread packets over N destination ports, DPORT + 2*i (default 1)\n"
		"  --first N    number the first packet N: RTP sequence and timestamp go on\n"
		"               from an earlier run (default 0)\n"
		"  --table N    send to the N flows of tools/bench/flows.c instead of -d:\n"
		"               packet n to flow (n %% W) * (N / W), with RTP sequence\n"
		"               number and timestamp n / W, so each flow sees its own stream\n"
		"  --spread W   how many of the N flows (default N)\n"
		"  --srtp SUITE:HEX  send SRTP: SUITE aes80, aes32 or gcm, HEX the master\n"
		"               key and salt; packets are built before the timed window\n",
		GEN_BURST_MAX);
	exit(2);
}

static int gen_parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[ETH_ALEN];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != ETH_ALEN)
		return -EINVAL;
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = b[i];
	}
	return 0;
}

static int gen_parse_ep(const char *s, struct in_addr *ip, uint16_t *port)
{
	char buf[64];
	char *colon, *end;
	unsigned long p;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strrchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (inet_pton(AF_INET, buf, ip) != 1)
		return -EINVAL;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || p == 0 || p > 65535)
		return -EINVAL;
	*port = p;
	return 0;
}

static uint64_t gen_parse_u64(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s)
		gen_usage();
	return v;
}

/* One's complement sum over a buffer, folded later */
static uint32_t gen_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t gen_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static uint64_t gen_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Idle time of all CPUs in nanoseconds: the sum of the "idle_sleeptime"
 * lines of /proc/timer_list. Returns 0 and sets *ok false if there are none
 * (a kernel without NO_HZ), so the caller can say the figure is missing.
 */
static uint64_t gen_idle_ns(bool *ok)
{
	static char line[512];
	uint64_t sum = 0;
	FILE *f;

	*ok = false;
	f = fopen("/proc/timer_list", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, " .idle_sleeptime : %llu nsecs", &v) == 1) {
			sum += v;
			*ok = true;
		}
	}
	fclose(f);
	return sum;
}

/* Fills the Ethernet, IPv4, UDP and fixed RTP headers and the media payload */
static size_t gen_build_template(const struct gen_cfg *cfg, uint8_t *frame)
{
	struct ether_header *eth = (struct ether_header *)frame;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	uint8_t *rtp = (uint8_t *)(udp + 1);
	size_t udp_len = sizeof(*udp) + cfg->payload_len;
	uint32_t ssrc = htonl(cfg->ssrc);

	memcpy(eth->ether_dhost, cfg->dst_mac, ETH_ALEN);
	memcpy(eth->ether_shost, cfg->src_mac, ETH_ALEN);
	eth->ether_type = htons(ETHERTYPE_IP);

	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0xb8;			/* DSCP EF, as phones mark voice */
	ip->tot_len = htons(sizeof(*ip) + udp_len);
	ip->frag_off = htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = cfg->src_ip.s_addr;
	ip->daddr = cfg->dst_ip.s_addr;

	udp->source = htons(cfg->src_port);
	udp->dest = htons(cfg->dst_port);
	udp->len = htons(udp_len);

	rtp[0] = 0x80;			/* V=2, no padding, no extension, CC=0 */
	rtp[1] = cfg->pt & 0x7f;
	memcpy(rtp + 8, &ssrc, 4);
	/* G.711 mu-law silence */
	memset(rtp + RTP_HDR_LEN, 0xff, cfg->payload_len - RTP_HDR_LEN);

	return sizeof(*eth) + sizeof(*ip) + udp_len;
}

/*
 * Stamps packet number n into a copy of the template: destination, RTP
 * fields, SRTP protection (--srtp), checksums. Returns the frame's length.
 */
static size_t gen_stamp(const struct gen_cfg *cfg, uint8_t *frame, uint64_t n, uint16_t ip_id)
{
	struct iphdr *ip = (struct iphdr *)(frame + sizeof(struct ether_header));
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	uint8_t *rtp = (uint8_t *)(udp + 1);
	uint64_t pkt = n;		/* number within the stream of its flow */
	uint16_t udp_len = ntohs(udp->len);
	uint16_t seq;
	uint32_t ts;
	uint32_t sum;

	if (cfg->table) {
		uint64_t i = (n % cfg->spread) * (cfg->table / cfg->spread);

		ip->daddr = htonl(0x0a000301 + i % GEN_TABLE_ADDRS);	/* 10.0.3.1-64 */
		udp->dest = htons(10000 + 2 * (i / GEN_TABLE_ADDRS));
		pkt = n / cfg->spread;
	} else if (cfg->nflows > 1) {
		udp->dest = htons(cfg->dst_port + 2 * (n % cfg->nflows));
	}
	seq = htons((uint16_t)pkt);
	ts = htonl((uint32_t)(pkt * cfg->ts_step));
	rtp[1] = (cfg->pt & 0x7f) | (pkt == 0 ? 0x80 : 0);	/* marker on the very first */
	memcpy(rtp + 2, &seq, 2);
	memcpy(rtp + 4, &ts, 4);

	if (cfg->srtp) {
		int len = cfg->payload_len;

		if (gen_srtp_protect(rtp, &len)) {
			fprintf(stderr, "gen: srtp_protect failed\n");
			exit(1);
		}
		udp_len = sizeof(*udp) + len;
		udp->len = htons(udp_len);
		ip->tot_len = htons(sizeof(*ip) + udp_len);
	}

	ip->id = htons(ip_id);
	ip->check = 0;
	ip->check = gen_csum_fold(gen_csum_add(0, ip, sizeof(*ip)));

	/* pseudo header: addresses, protocol, UDP length */
	udp->check = 0;
	sum = gen_csum_add(0, &ip->saddr, 8);
	sum += IPPROTO_UDP + udp_len;
	sum = gen_csum_add(sum, udp, udp_len);
	udp->check = gen_csum_fold(sum);
	if (!udp->check)
		udp->check = 0xffff;
	return sizeof(struct ether_header) + sizeof(*ip) + udp_len;
}

/* --srtp: all COUNT frames, built and protected, STRIDE bytes apart */
static uint8_t *gen_prebuild(const struct gen_cfg *cfg, const uint8_t *template, size_t len,
			     size_t *stride)
{
	uint8_t *frames;
	uint64_t n;

	if (gen_srtp_init(cfg->srtp, cfg->ssrc, cfg->first)) {
		fprintf(stderr, "gen: bad --srtp %s\n", cfg->srtp);
		return NULL;
	}
	*stride = len + gen_srtp_tag_len();
	frames = calloc(cfg->count ? cfg->count : 1, *stride);
	if (!frames) {
		fprintf(stderr, "gen: out of memory\n");
		return NULL;
	}
	for (n = 0; n < cfg->count; n++) {
		uint8_t *f = frames + n * *stride;

		memcpy(f, template, len);
		if (gen_stamp(cfg, f, cfg->first + n, (uint16_t)n) != *stride) {
			fprintf(stderr, "gen: SRTP packet of unexpected length\n");
			free(frames);
			return NULL;
		}
	}
	return frames;
}

static int gen_open(const struct gen_cfg *cfg, struct sockaddr_ll *sll)
{
	int one = 1, fd, sndbuf = 4 << 20;

	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: send only */
	if (fd < 0) {
		perror("gen: socket(AF_PACKET)");
		return -1;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
		perror("gen: PACKET_QDISC_BYPASS");
		goto err;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));

	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_IP);
	sll->sll_ifindex = if_nametoindex(cfg->ifname);
	sll->sll_halen = ETH_ALEN;
	memcpy(sll->sll_addr, cfg->dst_mac, ETH_ALEN);
	if (!sll->sll_ifindex) {
		fprintf(stderr, "gen: no interface %s\n", cfg->ifname);
		goto err;
	}
	return fd;
err:
	close(fd);
	return -1;
}

static void gen_sleep_until(uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = deadline_ns / 1000000000ull,
		.tv_nsec = deadline_ns % 1000000000ull,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int gen_run(const struct gen_cfg *cfg)
{
	static uint8_t frames[GEN_BURST_MAX][GEN_FRAME_MAX];
	static struct mmsghdr msgs[GEN_BURST_MAX];
	static struct iovec iov[GEN_BURST_MAX];
	uint64_t sent = 0, t0, t1, idle0, idle1, start, errors = 0;
	uint8_t template[GEN_FRAME_MAX];
	uint8_t *pre = NULL;		/* --srtp: the frames, built in advance */
	size_t stride = 0;
	struct sockaddr_ll sll;
	bool idle_ok0, idle_ok1;
	size_t len;
	unsigned int i;
	int fd;

	fd = gen_open(cfg, &sll);
	if (fd < 0)
		return 1;
	len = gen_build_template(cfg, template);
	if (cfg->srtp) {
		pre = gen_prebuild(cfg, template, len, &stride);
		if (!pre) {
			close(fd);
			return 1;
		}
	}
	for (i = 0; i < cfg->burst; i++) {
		memcpy(frames[i], template, len);
		iov[i].iov_base = frames[i];
		iov[i].iov_len = len;
		msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &sll,
			.msg_namelen = sizeof(sll),
			.msg_iov = &iov[i],
			.msg_iovlen = 1,
		};
	}

	idle0 = gen_idle_ns(&idle_ok0);
	t0 = gen_now_ns();
	start = t0;
	while (sent < cfg->count) {
		unsigned int n = cfg->burst, done = 0;

		if (cfg->count - sent < n)
			n = cfg->count - sent;
		for (i = 0; i < n; i++) {
			if (pre) {
				iov[i].iov_base = pre + (sent + i) * stride;
				iov[i].iov_len = stride;
			} else {
				gen_stamp(cfg, frames[i], cfg->first + sent + i, (uint16_t)(sent + i));
			}
		}
		while (done < n) {
			int r = sendmmsg(fd, msgs + done, n - done, 0);

			if (r < 0) {
				if (errno == EINTR)
					continue;
				/* ENOBUFS and the like: count the frame as lost, go on */
				errors++;
				done++;
				continue;
			}
			done += r;
		}
		sent += n;
		if (cfg->rate) {
			uint64_t next = start + sent * 1000000000ull / cfg->rate;

			if (gen_now_ns() < next)
				gen_sleep_until(next);
		}
	}
	gen_sleep_until(gen_now_ns() + cfg->settle_ms * 1000000ull);
	t1 = gen_now_ns();
	idle1 = gen_idle_ns(&idle_ok1);
	close(fd);
	free(pre);

	if (!idle_ok0 || !idle_ok1) {
		/* no idle accounting: only meaningful when flooding */
		idle0 = idle1 = 0;
	}
	printf("sent=%" PRIu64 " errors=%" PRIu64 " elapsed_ns=%" PRIu64 " idle_ns=%" PRIu64
	       " busy_ns=%" PRIu64 " busy_ns_per_pkt=%.1f idle_accounting=%s\n",
	       sent, errors, t1 - t0, idle1 - idle0, (t1 - t0) - (idle1 - idle0),
	       (double)((t1 - t0) - (idle1 - idle0)) / (double)(sent ? sent : 1),
	       idle_ok0 && idle_ok1 ? "yes" : "no");
	return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "src-mac", required_argument, NULL, 'M' },
		{ "dst-mac", required_argument, NULL, 'D' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "burst", required_argument, NULL, 'b' },
		{ "rate", required_argument, NULL, 'r' },
		{ "len", required_argument, NULL, 'l' },
		{ "ssrc", required_argument, NULL, 'S' },
		{ "pt", required_argument, NULL, 'P' },
		{ "settle-ms", required_argument, NULL, 'W' },
		{ "flows", required_argument, NULL, 'F' },
		{ "first", required_argument, NULL, 'N' },
		{ "table", required_argument, NULL, 'T' },
		{ "spread", required_argument, NULL, 'w' },
		{ "srtp", required_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct gen_cfg cfg = {
		.count = 100000,
		.burst = 8,
		.payload_len = 200,
		.ssrc = 0x4b525450,	/* "KRTP" */
		.pt = 0,
		.ts_step = 160,
		.settle_ms = 50,
		.nflows = 1,
	};
	bool have_smac = false, have_dmac = false, have_src = false, have_dst = false;
	int c;

	while ((c = getopt_long(argc, argv, "i:s:d:n:b:r:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			cfg.ifname = optarg;
			break;
		case 'M':
			if (gen_parse_mac(optarg, cfg.src_mac))
				gen_usage();
			have_smac = true;
			break;
		case 'D':
			if (gen_parse_mac(optarg, cfg.dst_mac))
				gen_usage();
			have_dmac = true;
			break;
		case 's':
			if (gen_parse_ep(optarg, &cfg.src_ip, &cfg.src_port))
				gen_usage();
			have_src = true;
			break;
		case 'd':
			if (gen_parse_ep(optarg, &cfg.dst_ip, &cfg.dst_port))
				gen_usage();
			have_dst = true;
			break;
		case 'n':
			cfg.count = gen_parse_u64(optarg);
			break;
		case 'b':
			cfg.burst = gen_parse_u64(optarg);
			break;
		case 'r':
			cfg.rate = gen_parse_u64(optarg);
			break;
		case 'l':
			cfg.payload_len = gen_parse_u64(optarg);
			break;
		case 'S':
			cfg.ssrc = gen_parse_u64(optarg);
			break;
		case 'P':
			cfg.pt = gen_parse_u64(optarg);
			break;
		case 'W':
			cfg.settle_ms = gen_parse_u64(optarg);
			break;
		case 'F':
			cfg.nflows = gen_parse_u64(optarg);
			break;
		case 'N':
			cfg.first = gen_parse_u64(optarg);
			break;
		case 'T':
			cfg.table = gen_parse_u64(optarg);
			break;
		case 'w':
			cfg.spread = gen_parse_u64(optarg);
			break;
		case 'X':
			cfg.srtp = optarg;
			break;
		default:
			gen_usage();
		}
	}
	if (!cfg.ifname || !have_smac || !have_dmac || !have_src || !have_dst || optind != argc)
		gen_usage();
	if (!cfg.burst || cfg.burst > GEN_BURST_MAX || !cfg.nflows ||
	    cfg.dst_port + 2ul * (cfg.nflows - 1) > 65535)
		gen_usage();
	if (!cfg.spread)
		cfg.spread = cfg.table;
	if (cfg.table > GEN_TABLE_MAX || cfg.spread > cfg.table || (cfg.table && cfg.nflows > 1))
		gen_usage();
	/* one SRTP stream: one flow, and room for the tag */
	if (cfg.srtp && (cfg.table || cfg.nflows > 1 || cfg.payload_len + 16 >
			 GEN_FRAME_MAX - sizeof(struct ether_header) - sizeof(struct iphdr) -
			 sizeof(struct udphdr)))
		gen_usage();
	if (cfg.payload_len < RTP_HDR_LEN ||
	    cfg.payload_len > GEN_FRAME_MAX - sizeof(struct ether_header) -
			      sizeof(struct iphdr) - sizeof(struct udphdr))
		gen_usage();
	return gen_run(&cfg);
}
