// SPDX-License-Identifier: GPL-2.0
/*
 * krtpd-relay: drive krtpd's userspace media relay (daemon/media/) for the
 * benchmark's case (e), without SIP.
 *
 *   krtpd-relay RELAY_ADDR A_ADDR:A_PORT B_ADDR:B_PORT
 *
 * Starts media in user mode on RELAY_ADDR, then plays one call's offer (from
 * leg A, whose RTP is at A_ADDR:A_PORT) and answer (from leg B at
 * B_ADDR:B_PORT) exactly as the SIP core does, so krtpd programs its relay
 * with its own code: ports, source validation, RTP counters and all.
 * Prints "ready port_a=N port_b=N" (the relay ports facing A and B), relays
 * until SIGINT/SIGTERM, then prints the call's counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../daemon/log.h"
#include "../../daemon/media.h"
#include "../../daemon/store.h"

#define KR_CALL	"bench-call@relay.invalid"

/*
 * The media code logs through LOG_Message (daemon/log.c). This program is
 * its own small daemon: its log goes to stderr, whatever the level, debug
 * lines (LOG_DEBUG asks LOG_GetLevel) aside.
 */
enum log_level LOG_GetLevel(void)
{
	return LOGL_INFO;
}

/* No state store here: a WebRTC leg's state (media/webrtc_state.c) is not kept */
int STO_WebrtcPut(const struct sto_webrtc *w)
{
	(void)w;
	return 0;
}

int STO_WebrtcLoad(void (*cb)(const struct sto_webrtc *w, void *arg), void *arg)
{
	(void)cb;
	(void)arg;
	return 0;
}

/* nor SRTP keys (media/srtp_state.c): -ENODEV, as the store says when it is not open */
int STO_SrtpPut(const struct sto_srtp *k)
{
	(void)k;
	return -ENODEV;
}

int STO_SrtpDelLeg(const char *call_id, unsigned int stream, int leg)
{
	(void)call_id;
	(void)stream;
	(void)leg;
	return -ENODEV;
}

int STO_SrtpDel(const char *call_id)
{
	(void)call_id;
	return -ENODEV;
}

int STO_SrtpLoad(void (*cb)(const struct sto_srtp *k, void *arg), void *arg)
{
	(void)cb;
	(void)arg;
	return -ENODEV;
}

/* nor a generated DTLS certificate (media/dtls_cert.c) */
int STO_DtlsCertPut(const char *cert_pem, const char *key_pem)
{
	(void)cert_pem;
	(void)key_pem;
	return -ENODEV;
}

int STO_DtlsCertGet(char **cert_pem, char **key_pem)
{
	*cert_pem = *key_pem = NULL;
	return -ENODEV;
}

void LOG_Message(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	fputs("krtpd-relay: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int kr_parse(const char *s, struct sockaddr_in *sin)
{
	char buf[INET_ADDRSTRLEN + 8];
	char *colon;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	colon = strrchr(buf, ':');
	if (colon) {
		*colon = '\0';
		sin->sin_port = htons(atoi(colon + 1));
	}
	return inet_pton(AF_INET, buf, &sin->sin_addr) == 1 ? 0 : -EINVAL;
}

/* The SDP a phone at sin would send: one PCMU audio stream, no rtcp-mux */
static int kr_sdp(const struct sockaddr_in *sin, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	return snprintf(buf, len,
			"v=0\r\n"
			"o=bench 1 1 IN IP4 %s\r\n"
			"s=-\r\n"
			"c=IN IP4 %s\r\n"
			"t=0 0\r\n"
			"m=audio %u RTP/AVP 0\r\n"
			"a=rtpmap:0 PCMU/8000\r\n"
			"a=sendrecv\r\n",
			ip, ip, ntohs(sin->sin_port));
}

int main(int argc, char **argv)
{
	struct med_config cfg = { .mode = MED_MODE_USER, .port_min = 30000, .port_max = 30099 };
	struct sockaddr_in relay, a, b, a_sig, b_sig;
	char sdp[1024], out[2048];
	struct med_call_stats st;
	size_t outlen;
	sigset_t set;
	int err, sig;

	if (argc != 4 || kr_parse(argv[1], &relay) || kr_parse(argv[2], &a) || kr_parse(argv[3], &b)) {
		fprintf(stderr, "usage: krtpd-relay RELAY_ADDR A_ADDR:PORT B_ADDR:PORT\n");
		return 2;
	}
	/* signalled from the same addresses as the SDP: no NAT */
	a_sig = a;
	a_sig.sin_port = htons(5060);
	b_sig = b;
	b_sig.sin_port = htons(5060);
	relay.sin_port = 0;
	memcpy(&cfg.relay4, &relay, sizeof(relay));

	/* the relay thread must not take the signals: block them before it starts */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	err = MED_Init(&cfg);
	if (err != MED_MODE_USER) {
		fprintf(stderr, "krtpd-relay: media init: %s\n", err < 0 ? strerror(-err) : "not user mode");
		return 1;
	}
	err = MED_Offer(KR_CALL, MED_LEG_A, (struct sockaddr *)&a_sig, sdp,
			kr_sdp(&a, sdp, sizeof(sdp)), out, sizeof(out), &outlen);
	if (!err)
		err = MED_Answer(KR_CALL, MED_LEG_B, (struct sockaddr *)&b_sig, sdp,
				 kr_sdp(&b, sdp, sizeof(sdp)), out, sizeof(out), &outlen);
	if (!err)
		err = MED_Stats(KR_CALL, &st);
	if (err) {
		fprintf(stderr, "krtpd-relay: call setup: %s\n", strerror(-err));
		MED_Fini();
		return 1;
	}
	printf("ready port_a=%u port_b=%u\n", st.port_a, st.port_b);
	fflush(stdout);

	sigwait(&set, &sig);

	MED_Stats(KR_CALL, &st);
	printf("packets_a_to_b=%" PRIu64 " bytes_a_to_b=%" PRIu64 " dropped=%" PRIu64
	       " lost=%" PRIu64 "\n", st.packets_a_to_b, st.bytes_a_to_b, st.dropped, st.lost);
	MED_Delete(KR_CALL);
	MED_Fini();
	return 0;
}
