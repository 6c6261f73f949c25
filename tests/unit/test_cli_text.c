// SPDX-License-Identifier: GPL-2.0
/*
 * The text forms krtpctl takes and prints (daemon/nl_flow.c): endpoints
 * ("1.2.3.4:5", "[::1]:5", an address alone) and payload type sets
 * ("0,8,96-99", KRTP_A_FLOW_BUNDLE_PT's bitmap): what is accepted, what is
 * refused, and that printing gives back what parses to the same.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <krtp/nl.h>
#include "check.h"

static int pt_in(const uint8_t set[KRTP_BUNDLE_PT_LEN], unsigned int pt)
{
	return (set[pt / 8] >> (pt % 8)) & 1;
}

static unsigned int pt_count(const uint8_t set[KRTP_BUNDLE_PT_LEN])
{
	unsigned int n = 0;

	for (unsigned int pt = 0; pt < 128; pt++)
		n += pt_in(set, pt);
	return n;
}

static void pt_sets(void)
{
	static const char *const bad[] = {
		"", ",", "0,", ",0", "0,,8", "128", "1000", "0128", "-1", "5-3", "96-", "-96",
		"96--99", "a", "0 ,8", " 0", "0x60", "96-128", "1-2-3",
	};
	uint8_t set[KRTP_BUNDLE_PT_LEN], again[KRTP_BUNDLE_PT_LEN];
	char buf[KRTP_PT_SET_STRLEN];

	CHECK_EQ(krtp_pt_set_parse("0,8,96-99", set), 0);
	CHECK_EQ(pt_count(set), 6);
	CHECK(pt_in(set, 0) && pt_in(set, 8) && pt_in(set, 96) && pt_in(set, 99));
	CHECK(!pt_in(set, 100) && !pt_in(set, 1));
	/* bit n of byte n / 8, least significant first, as krtp.h says */
	CHECK_EQ(set[0], 0x01);
	CHECK_EQ(set[1], 0x01);
	CHECK_EQ(set[12], 0x0f);
	CHECK_STR(krtp_pt_set_str(set, buf, sizeof(buf)), "0,8,96-99");

	CHECK_EQ(krtp_pt_set_parse("127", set), 0);
	CHECK_EQ(set[15], 0x80);
	CHECK_STR(krtp_pt_set_str(set, buf, sizeof(buf)), "127");
	/* ranges fold, overlaps and order do not matter */
	CHECK_EQ(krtp_pt_set_parse("99,96-98,97,0-1,2", set), 0);
	CHECK_STR(krtp_pt_set_str(set, buf, sizeof(buf)), "0-2,96-99");
	CHECK_EQ(krtp_pt_set_parse("0-127", set), 0);
	CHECK_EQ(pt_count(set), 128);
	CHECK_STR(krtp_pt_set_str(set, buf, sizeof(buf)), "0-127");
	/* every other type: the longest text, which fits the buffer */
	memset(set, 0x55, sizeof(set));
	krtp_pt_set_str(set, buf, sizeof(buf));
	CHECK_EQ(krtp_pt_set_parse(buf, again), 0);
	CHECK(!memcmp(set, again, sizeof(set)));
	/* a small buffer is cut at a whole type, never mid-number */
	krtp_pt_set_str(set, buf, 8);
	CHECK_STR(buf, "0,2,4,6");
	krtp_pt_set_str(set, buf, 9);
	CHECK_STR(buf, "0,2,4,6");

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = krtp_pt_set_parse(bad[i], set);

		if (err != -EINVAL)
			printf("accepted \"%s\"\n", bad[i]);
		CHECK_EQ(err, -EINVAL);
	}
}

static void endpoints(void)
{
	char buf[KRTP_EP_STRLEN];
	struct krtp_ep ep;

	CHECK_EQ(krtp_ep_parse("192.0.2.1:5000", &ep, true), 0);
	CHECK_EQ(ep.family, AF_INET);
	CHECK_EQ(ep.port, 5000);
	CHECK_STR(krtp_ep_str(&ep, buf, sizeof(buf)), "192.0.2.1:5000");
	CHECK_EQ(krtp_ep_parse("[2001:db8::1]:30000", &ep, true), 0);
	CHECK_EQ(ep.family, AF_INET6);
	CHECK_STR(krtp_ep_str(&ep, buf, sizeof(buf)), "[2001:db8::1]:30000");
	CHECK_EQ(krtp_ep_parse("2001:db8::1", &ep, false), 0);
	CHECK_EQ(ep.port, 0);
	CHECK_EQ(krtp_ep_parse("192.0.2.1", &ep, false), 0);
	CHECK_STR(krtp_ep_str(&ep, buf, sizeof(buf)), "192.0.2.1");
	CHECK_EQ(krtp_ep_parse("192.0.2.1", &ep, true), -EINVAL);
	CHECK_EQ(krtp_ep_parse("192.0.2.1:0", &ep, false), -EINVAL);
	CHECK_EQ(krtp_ep_parse("192.0.2.1:65536", &ep, false), -EINVAL);
	CHECK_EQ(krtp_ep_parse("[2001:db8::1]5000", &ep, false), -EINVAL);
	CHECK_EQ(krtp_ep_parse("[192.0.2.1]:5000", &ep, false), -EINVAL);
	CHECK_EQ(krtp_ep_parse(":5000", &ep, false), -EINVAL);
}

int main(void)
{
	pt_sets();
	endpoints();
	return check_summary();
}
