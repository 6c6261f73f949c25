// SPDX-License-Identifier: GPL-2.0
/*
 * A WebRTC leg's state across a restart, and its consent (RFC 7675):
 *   - the store's WebRTC rows (store_sqlite.c): written and read back
 *     field by field, replaced, removed with their dialog, and dropped at
 *     load when their call has no dialog; a store written before the
 *     fingerprint krtpd showed the leg was kept gets its column;
 *   - med_webrtc_consent_lost(), the timer: not before the timeout, at it,
 *     never with 0, nor before nomination, nor twice;
 *   - end to end in user mode: the answer to aiortc's offer stores krtpd's
 *     ICE credentials (as the answer shows them), the leg's ufrag and
 *     fingerprint, and no key; a nominated, authenticated check is
 *     answered; without another one the call is handed to on_inactive as
 *     MED_END_CONSENT once the (1 s) consent timeout passed, and not before.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "media.h"
#include "media/webrtc.h"
#include "store.h"
#include "stun.h"

#include "check.h"
#include "icecheck.h"

struct row {
	int n;
	char call_id[64], ufrag[16], pwd[32], remote_ufrag[16], own_fp[128];
	unsigned int stream;
	int leg, server, fp_hash, offerer;
	uint8_t fp[64];
	size_t fp_len;
};

static void load_one(const struct sto_webrtc *w, void *arg)
{
	struct row *r = arg;

	r->n++;
	snprintf(r->call_id, sizeof(r->call_id), "%s", w->call_id);
	snprintf(r->ufrag, sizeof(r->ufrag), "%s", w->ufrag);
	snprintf(r->pwd, sizeof(r->pwd), "%s", w->pwd);
	snprintf(r->remote_ufrag, sizeof(r->remote_ufrag), "%s", w->remote_ufrag);
	snprintf(r->own_fp, sizeof(r->own_fp), "%s", w->own_fp);
	r->stream = w->stream;
	r->leg = w->leg;
	r->server = w->server;
	r->offerer = w->offerer;
	r->fp_hash = w->fp_hash;
	r->fp_len = w->fp_len < sizeof(r->fp) ? w->fp_len : sizeof(r->fp);
	memcpy(r->fp, w->fp, r->fp_len);
}

static void dialog(const char *call_id)
{
	struct sto_dialog d = {
		.call_id = call_id, .a_tag = "a", .b_tag = "b", .a_from = "<sip:a@x>",
		.b_to = "<sip:b@x>", .a_contact = "sip:a@1.2.3.4", .b_contact = "sip:b@1.2.3.5",
		.a_peer = "ws 1.2.3.4:5", .b_peer = "udp 1.2.3.5:5060", .created = 1,
	};

	CHECK_EQ(STO_DialogPut(&d), 0);
}

static void test_store(void)
{
	uint8_t fp[32];
	struct sto_webrtc w = {
		.call_id = "c1", .stream = 0, .leg = 0, .ufrag = "AbCd1234",
		.pwd = "0123456789abcdefghijklmn", .remote_ufrag = "ymEa", .server = 1,
		.fp_hash = SDP_FP_SHA256, .fp = fp, .fp_len = sizeof(fp),
		.own_fp = "sha-256 AB:CD", .offerer = 1,
	};
	struct row r = { 0 };

	for (size_t i = 0; i < sizeof(fp); i++)
		fp[i] = (uint8_t)(0xa0 + i);
	dialog("c1");
	CHECK_EQ(STO_WebrtcPut(&w), 0);
	CHECK_EQ(STO_WebrtcLoad(load_one, &r), 1);
	CHECK_EQ(r.n, 1);
	CHECK_STR(r.call_id, "c1");
	CHECK_STR(r.ufrag, "AbCd1234");
	CHECK_STR(r.pwd, "0123456789abcdefghijklmn");
	CHECK_STR(r.remote_ufrag, "ymEa");
	CHECK_EQ(r.stream, 0);
	CHECK_EQ(r.leg, 0);
	CHECK_EQ(r.server, 1);
	CHECK_EQ(r.fp_hash, SDP_FP_SHA256);
	CHECK_EQ(r.fp_len, 32);
	CHECK(!memcmp(r.fp, fp, sizeof(fp)));
	CHECK_STR(r.own_fp, "sha-256 AB:CD");
	CHECK_EQ(r.offerer, 1);

	/* an ICE restart writes the leg again: one row, the new credentials */
	w.ufrag = "NewUfrag";
	w.server = 0;
	CHECK_EQ(STO_WebrtcPut(&w), 0);
	memset(&r, 0, sizeof(r));
	CHECK_EQ(STO_WebrtcLoad(load_one, &r), 1);
	CHECK_STR(r.ufrag, "NewUfrag");
	CHECK_EQ(r.server, 0);

	/* a leg whose call never got a dialog is dropped at load */
	w.call_id = "no-dialog";
	CHECK_EQ(STO_WebrtcPut(&w), 0);
	memset(&r, 0, sizeof(r));
	CHECK_EQ(STO_WebrtcLoad(load_one, &r), 1);
	CHECK_STR(r.call_id, "c1");

	/* the call's end (its dialog removed) takes its legs along */
	CHECK_EQ(STO_DialogDel("c1"), 0);
	memset(&r, 0, sizeof(r));
	CHECK_EQ(STO_WebrtcLoad(load_one, &r), 0);
	CHECK_EQ(r.n, 0);
}

/*
 * A store written before krtpd kept WebRTC legs' keys: its webrtc and
 * srtp tables get their new columns, its rows read back without them.
 */
static void test_migrate(void)
{
	char dir[] = "/tmp/krtpd-migrate-XXXXXX", path[64], cmd[1024];
	struct sto_webrtc w = {
		.call_id = "m2", .ufrag = "AbCd1234", .pwd = "0123456789abcdefghijklmn",
		.remote_ufrag = "ymEa", .fp_hash = SDP_FP_SHA256, .fp = (const uint8_t *)"x",
		.fp_len = 1, .own_fp = "sha-256 01:02",
	};
	struct row r = { 0 };

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/state.db", dir);
	snprintf(cmd, sizeof(cmd),
		 "sqlite3 %s \"CREATE TABLE webrtc (call_id TEXT NOT NULL, stream INTEGER NOT NULL,"
		 " leg INTEGER NOT NULL, ufrag TEXT, pwd TEXT, remote_ufrag TEXT, server INTEGER,"
		 " fp_hash INTEGER, fp BLOB, PRIMARY KEY (call_id, stream, leg)) WITHOUT ROWID;"
		 " CREATE TABLE srtp (call_id TEXT NOT NULL, stream INTEGER NOT NULL,"
		 " leg INTEGER NOT NULL, suite INTEGER, peer_tag INTEGER, peer BLOB,"
		 " peer_lifetime INTEGER, own_tag INTEGER, own BLOB, own_lifetime INTEGER,"
		 " PRIMARY KEY (call_id, stream, leg)) WITHOUT ROWID;"
		 " CREATE TABLE dialogs (call_id TEXT PRIMARY KEY, a_tag TEXT, b_tag TEXT,"
		 " a_from TEXT, b_to TEXT, a_contact TEXT, b_contact TEXT, a_route TEXT,"
		 " b_route TEXT, a_peer TEXT, b_peer TEXT, a_cseq INTEGER, b_cseq INTEGER,"
		 " created INTEGER) WITHOUT ROWID;"
		 " INSERT INTO dialogs (call_id) VALUES ('m1'), ('m2');"
		 " INSERT INTO webrtc VALUES ('m1', 0, 0, 'u', 'p', 'r', 1, 1, x'00');\"",
		 path);
	if (system(cmd)) {
		printf("# no sqlite3 program: the migration is not tested\n");
		rmdir(dir);
		return;
	}
	STO_Fini();
	CHECK_EQ(STO_Init(path), 0);
	CHECK_EQ(STO_WebrtcLoad(load_one, &r), 1);
	CHECK_STR(r.call_id, "m1");
	CHECK_STR(r.own_fp, "");	/* unknown: its keys are never taken back */
	CHECK_EQ(STO_WebrtcPut(&w), 0);
	memset(&r, 0, sizeof(r));
	CHECK_EQ(STO_WebrtcLoad(load_one, &r), 2);
	CHECK_STR(r.own_fp, "sha-256 01:02");
	STO_Fini();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
	CHECK_EQ(STO_Init(":memory:"), 0);
}

static void test_timer(void)
{
	struct med_webrtc w = { .answered = true, .nominated = true, .consent_ms = 1000 };

	CHECK(!med_webrtc_consent_lost(&w, 1000, 30));
	CHECK(!med_webrtc_consent_lost(&w, 30999, 30));
	CHECK(med_webrtc_consent_lost(&w, 31000, 30));
	CHECK(!med_webrtc_consent_lost(&w, 1000000, 0));	/* 0: never */
	w.expired = true;
	CHECK(!med_webrtc_consent_lost(&w, 31000, 30));		/* expires once */
	w.expired = false;
	w.nominated = false;
	CHECK(!med_webrtc_consent_lost(&w, 31000, 30));		/* not before ICE */
}

#define FP "C7:07:22:B2:F6:FA:05:14:B2:46:B1:3C:A8:42:75:E3:" \
	   "3D:D5:EA:60:62:72:8F:92:A4:62:F2:D1:4A:60:4D:C3"

/* aiortc 1.4.0's offer, audio only, loopback */
static const char offer[] =
	"v=0\r\no=- 4005508014 4005508014 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	"a=group:BUNDLE 0\r\n"
	"m=audio 47088 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\na=sendrecv\r\n"
	"a=mid:0\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n"
	"a=candidate:f957a233 1 udp 2130706431 127.0.0.1 47088 typ host\r\n"
	"a=ice-ufrag:ymEa\r\na=ice-pwd:0IidtAvso31TqAJxJRNtq1\r\n"
	"a=fingerprint:sha-256 " FP "\r\na=setup:actpass\r\n";
static const char answer[] =
	"v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	"m=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";

static int ended, ended_why;
static char ended_key[64];

static void on_end(const char *key, enum med_end why, void *arg)
{
	(void)arg;
	snprintf(ended_key, sizeof(ended_key), "%s", key);
	__atomic_store_n(&ended_why, (int)why, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&ended, 1, __ATOMIC_SEQ_CST);
}

/* aiortc's check to 127.0.0.1:port, nominating; the response's type or -1 */
static int check_once(int fd, uint16_t port, const char *ufrag, const char *pwd)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	return ice_check(fd, (struct sockaddr *)&to, sizeof(to), ufrag, "ymEa", pwd, true);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_consent(unsigned int base)
{
	struct med_config cfg = {
		.mode = MED_MODE_USER, .consent_timeout = 1, .on_inactive = on_end,
	};
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.relay4;
	struct sockaddr_in me = { .sin_family = AF_INET };
	char out[4096], ufrag[16], pwd[32];
	unsigned int pa = 0;
	struct row r = { 0 };
	uint64_t t0;
	size_t olen = 0;
	int fd;

	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &sin->sin_addr);
	cfg.port_min = (uint16_t)base;
	cfg.port_max = (uint16_t)(base + 31);
	CHECK(MED_Init(&cfg) == MED_MODE_USER);
	dialog("wr-consent");
	CHECK_EQ(MED_OfferSrtp("wr-consent", MED_LEG_A, MED_SRTP_PASSTHROUGH,
			       (struct sockaddr *)&cfg.relay4, offer, strlen(offer), out,
			       sizeof(out) - 1, &olen), 0);
	olen = 0;
	CHECK_EQ(MED_Answer("wr-consent", MED_LEG_B, (struct sockaddr *)&cfg.relay4, answer,
			    strlen(answer), out, sizeof(out) - 1, &olen), 0);
	out[olen] = '\0';
	CHECK(sscanf(strstr(out, "m=audio ") ? strstr(out, "m=audio ") : "",
		     "m=audio %u UDP/TLS/RTP/SAVPF", &pa) == 1);
	line_val(out, "a=ice-ufrag:", ufrag, sizeof(ufrag));
	line_val(out, "a=ice-pwd:", pwd, sizeof(pwd));

	/* stored as the answer showed it: krtpd's credentials, her ufrag and fingerprint */
	CHECK_EQ(STO_WebrtcLoad(load_one, &r), 1);
	CHECK_STR(r.call_id, "wr-consent");
	CHECK_STR(r.ufrag, ufrag);
	CHECK_STR(r.pwd, pwd);
	CHECK_STR(r.remote_ufrag, "ymEa");
	CHECK_EQ(r.leg, 0);
	CHECK_EQ(r.server, 1);		/* actpass offered: krtpd is passive, the server */
	CHECK_EQ(r.fp_hash, SDP_FP_SHA256);
	CHECK_EQ(r.fp_len, 32);
	CHECK_EQ(r.fp[0], 0xc7);
	CHECK_EQ(r.fp[31], 0xc3);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
	CHECK_EQ(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	/* a check with a wrong password authenticates nothing: 401 */
	CHECK_EQ(check_once(fd, (uint16_t)pa, ufrag, "not-the-password-at-all"), STUN_BINDING_ERROR);
	CHECK_EQ(check_once(fd, (uint16_t)pa, ufrag, pwd), STUN_BINDING_SUCCESS);
	t0 = now_ms();
	/* the consent holds for a second after it, then the call is handed over, once */
	while (!__atomic_load_n(&ended, __ATOMIC_SEQ_CST) && now_ms() - t0 < 5000)
		usleep(20000);
	CHECK_EQ(__atomic_load_n(&ended, __ATOMIC_SEQ_CST), 1);
	CHECK(now_ms() - t0 >= 1000);
	CHECK(now_ms() - t0 < 2000);
	CHECK_EQ(__atomic_load_n(&ended_why, __ATOMIC_SEQ_CST), MED_END_CONSENT);
	CHECK_STR(ended_key, "wr-consent");
	usleep(600000);
	CHECK_EQ(__atomic_load_n(&ended, __ATOMIC_SEQ_CST), 1);
	close(fd);
	MED_Delete("wr-consent");
	CHECK_EQ(MED_Has("wr-consent"), 0);
	MED_Fini();
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	srand((unsigned int)(time(NULL) ^ getpid()));
	if (STO_Init(":memory:")) {
		printf("FAIL STO_Init\n0 passed, 1 failed\n");
		return 1;
	}
	test_store();
	test_migrate();
	test_timer();
	test_consent(20000 + (unsigned int)(rand() % 400) * 100 + 32);
	STO_Fini();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
