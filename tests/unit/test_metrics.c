// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus exposition writer: exact output for counters, gauges and
 * histograms, HELP/TYPE once per family, escaping of HELP text and label
 * values, and invalid names skipped instead of written.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "metrics.h"
#include "sip/stats.h"

static int step;

static void emit(struct met_out *o)
{
	static MET_HISTOGRAM(h, 0.001, 0.01, 0.1);

	switch (step) {
	case 0:
		MET_Counter(o, "krtpd_x_total", "Things.", NULL, 0);
		MET_Counter(o, "krtpd_x_total", "Things.", MET_LABELS("method", "INVITE"),
			    18446744073709551615ull);
		MET_Gauge(o, "krtpd_g", "A gauge.", MET_LABELS("a", "1", "b", "2"), 2.5);
		break;
	case 1:
		/* label value: backslash, quote, newline; UTF-8 kept; HELP: backslash, newline */
		MET_Counter(o, "krtpd_esc_total", "Line\none \\ \"q\"",
			    MET_LABELS("call_id", "a\\b\"c\nd\xc3\xa9"), 7);
		break;
	case 2:
		MET_Gauge(o, "krtpd_special", "S.", MET_LABELS("v", "nan"), NAN);
		MET_Gauge(o, "krtpd_special", "S.", MET_LABELS("v", "inf"), INFINITY);
		MET_Gauge(o, "krtpd_special", "S.", MET_LABELS("v", "-inf"), -INFINITY);
		MET_Gauge(o, "krtpd_special", "S.", MET_LABELS("v", "neg"), -3);
		break;
	case 3:
		MET_Observe(&h, 0.0005);
		MET_Observe(&h, 0.001);		/* le is inclusive */
		MET_Observe(&h, 0.05);
		MET_Observe(&h, 3);
		MET_Histogram(o, "krtpd_lat_seconds", "Latency.", NULL, &h);
		MET_Histogram(o, "krtpd_lat2_seconds", "L2.", MET_LABELS("op", "commit"), &h);
		break;
	case 4:
		/* bad names: not written, and the good one after them still is */
		MET_Counter(o, "9bad", "x", NULL, 1);
		MET_Counter(o, "bad-name", "x", NULL, 1);
		MET_Counter(o, "", "x", NULL, 1);
		MET_Counter(o, "krtpd_ok", "x", MET_LABELS("__reserved", "v"), 1);
		MET_Counter(o, "krtpd_ok", "x", MET_LABELS("le:x", "v"), 1);
		MET_Counter(o, "krtpd_ok", "x", MET_LABELS("bad label", "v"), 1);
		MET_Counter(o, "krtpd_ok", "x", MET_LABELS("l", NULL), 1);
		MET_Counter(o, "ns:krtpd_ok_total", "x", NULL, 1);
		break;
	case 5: {
		/* a big scrape grows the buffer; values stay in order */
		char v[16];
		int i;

		for (i = 0; i < 20000; i++) {
			snprintf(v, sizeof(v), "%d", i);
			MET_Gauge(o, "krtpd_many", "Many.", MET_LABELS("i", v), i);
		}
		break;
	}
	}
}

static char *render(void)
{
	size_t len = 0;
	char *s = MET_Render(&len);

	CHECK(s != NULL);
	if (s)
		CHECK_EQ(len, strlen(s));
	return s;
}

int main(void)
{
	char *s;

	CHECK_EQ(MET_AddSource(emit), 0);

	step = 0;
	s = render();
	CHECK_STR(s, "# HELP krtpd_x_total Things.\n"
		  "# TYPE krtpd_x_total counter\n"
		  "krtpd_x_total 0\n"
		  "krtpd_x_total{method=\"INVITE\"} 18446744073709551615\n"
		  "# HELP krtpd_g A gauge.\n"
		  "# TYPE krtpd_g gauge\n"
		  "krtpd_g{a=\"1\",b=\"2\"} 2.5\n");
	free(s);

	step = 1;
	s = render();
	CHECK_STR(s, "# HELP krtpd_esc_total Line\\none \\\\ \"q\"\n"
		  "# TYPE krtpd_esc_total counter\n"
		  "krtpd_esc_total{call_id=\"a\\\\b\\\"c\\nd\xc3\xa9\"} 7\n");
	free(s);

	step = 2;
	s = render();
	CHECK_STR(s, "# HELP krtpd_special S.\n"
		  "# TYPE krtpd_special gauge\n"
		  "krtpd_special{v=\"nan\"} NaN\n"
		  "krtpd_special{v=\"inf\"} +Inf\n"
		  "krtpd_special{v=\"-inf\"} -Inf\n"
		  "krtpd_special{v=\"neg\"} -3\n");
	free(s);

	step = 3;
	s = render();
	CHECK_STR(s, "# HELP krtpd_lat_seconds Latency.\n"
		  "# TYPE krtpd_lat_seconds histogram\n"
		  "krtpd_lat_seconds_bucket{le=\"0.001\"} 2\n"
		  "krtpd_lat_seconds_bucket{le=\"0.01\"} 2\n"
		  "krtpd_lat_seconds_bucket{le=\"0.1\"} 3\n"
		  "krtpd_lat_seconds_bucket{le=\"+Inf\"} 4\n"
		  "krtpd_lat_seconds_sum 3.0515\n"
		  "krtpd_lat_seconds_count 4\n"
		  "# HELP krtpd_lat2_seconds L2.\n"
		  "# TYPE krtpd_lat2_seconds histogram\n"
		  "krtpd_lat2_seconds_bucket{op=\"commit\",le=\"0.001\"} 2\n"
		  "krtpd_lat2_seconds_bucket{op=\"commit\",le=\"0.01\"} 2\n"
		  "krtpd_lat2_seconds_bucket{op=\"commit\",le=\"0.1\"} 3\n"
		  "krtpd_lat2_seconds_bucket{op=\"commit\",le=\"+Inf\"} 4\n"
		  "krtpd_lat2_seconds_sum{op=\"commit\"} 3.0515\n"
		  "krtpd_lat2_seconds_count{op=\"commit\"} 4\n");
	free(s);

	step = 4;
	s = render();
	CHECK_STR(s, "# HELP ns:krtpd_ok_total x\n"
		  "# TYPE ns:krtpd_ok_total counter\n"
		  "ns:krtpd_ok_total 1\n");
	free(s);

	step = 5;
	s = render();
	CHECK(s && strstr(s, "krtpd_many{i=\"0\"} 0\n"));
	CHECK(s && strstr(s, "krtpd_many{i=\"19999\"} 19999\n"));
	CHECK(s && strstr(s, "krtpd_many{i=\"19998\"} 19998\nkrtpd_many{i=\"19999\"}"));
	/* one HELP line for the whole family */
	CHECK(s && !strstr(strstr(s, "# HELP") + 1, "# HELP"));
	free(s);

	/* SIP counters: sent messages classified from their first line */
	step = 99;
	SST_Init();
	SST_Init();			/* twice: still one source */
	SST_Sent("SIP/2.0 200 OK\r\n", 17);
	SST_Sent("SIP/2.0 486 Busy Here\r\n", 24);
	SST_Sent("SIP/2.0 999 Odd\r\n", 18);
	SST_Sent("SIP/2.0 2", 9);		/* too short for a status line */
	SST_Sent("INVITE sip:bob@x SIP/2.0\r\n", 27);
	SST_Sent("INVITE sip:bob@x SIP/2.0\r\n", 27);
	SST_Sent("BYE sip:bob@x SIP/2.0\r\n", 24);
	SST_Sent("FROB sip:bob@x SIP/2.0\r\n", 25);
	SST_Sent("", 0);
	{
		struct sip_msg m;
		const char inv[] = "INVITE sip:bob@krtp.test SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1\r\n"
				   "From: <sip:alice@krtp.test>;tag=1\r\nTo: <sip:bob@krtp.test>\r\n"
				   "Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

		CHECK_EQ(MSG_Parse(&m, inv, sizeof(inv) - 1), 0);
		SST_Received(&m);
	}
	s = render();
	CHECK(s && strstr(s, "krtpd_sip_requests_sent_total{method=\"INVITE\"} 2\n"));
	CHECK(s && strstr(s, "krtpd_sip_requests_sent_total{method=\"BYE\"} 1\n"));
	CHECK(s && strstr(s, "krtpd_sip_requests_sent_total{method=\"other\"} 3\n"));
	CHECK(s && strstr(s, "krtpd_sip_responses_sent_total{class=\"2xx\"} 1\n"));
	CHECK(s && strstr(s, "krtpd_sip_responses_sent_total{class=\"4xx\"} 1\n"));
	CHECK(s && strstr(s, "krtpd_sip_responses_sent_total{class=\"other\"} 1\n"));
	CHECK(s && strstr(s, "krtpd_sip_requests_received_total{method=\"INVITE\"} 1\n"));
	CHECK(s && strstr(s, "krtpd_sip_requests_received_total{method=\"BYE\"} 0\n"));
	/* one family, one HELP */
	CHECK(s && strstr(s, "# HELP krtpd_sip_requests_sent_total") &&
	      !strstr(strstr(s, "# HELP krtpd_sip_requests_sent_total") + 1,
		      "# HELP krtpd_sip_requests_sent_total"));
	free(s);

	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
