// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the text krtpctl takes (daemon/nl_flow.c):
 * krtp_ep_parse (endpoints, with and without a required port) and
 * krtp_pt_set_parse (payload type sets, "0,8,96-99"), each on the whole
 * input as a C string.
 *
 * The input is copied into a heap buffer of exactly its size plus the NUL,
 * so ASan reports any read past the end. Beyond not crashing, what is
 * checked: a refused input leaves no half-filled result that claims
 * success; an accepted endpoint has a family and, when required, a port,
 * and prints as text that parses back to the same endpoint; an accepted
 * set is not empty and prints as text that parses back to the same set.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <krtp/nl.h>

static void fuzz_ep(const char *s, bool port_required)
{
	char text[KRTP_EP_STRLEN];
	struct krtp_ep ep, again;

	if (krtp_ep_parse(s, &ep, port_required))
		return;
	if ((ep.family != AF_INET && ep.family != AF_INET6) || (port_required && !ep.port))
		abort();
	krtp_ep_str(&ep, text, sizeof(text));
	if (krtp_ep_parse(text, &again, port_required) || memcmp(&ep, &again, sizeof(ep)))
		abort();
}

static void fuzz_pt_set(const char *s)
{
	uint8_t set[KRTP_BUNDLE_PT_LEN], again[KRTP_BUNDLE_PT_LEN];
	char text[KRTP_PT_SET_STRLEN];
	uint8_t any = 0;

	if (krtp_pt_set_parse(s, set))
		return;
	for (int i = 0; i < KRTP_BUNDLE_PT_LEN; i++)
		any |= set[i];
	if (!any)
		abort();
	krtp_pt_set_str(set, text, sizeof(text));
	if (krtp_pt_set_parse(text, again) || memcmp(set, again, sizeof(set)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_ep(s, false);
	fuzz_ep(s, true);
	fuzz_pt_set(s);
	free(s);
	return 0;
}
