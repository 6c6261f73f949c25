// SPDX-License-Identifier: GPL-2.0
/*
 * krtpctl flow, flush, stats and monitor: krtp.ko over generic netlink
 * (daemon/nl.c). Text and --json come from the same print calls (print.h):
 * a flow prints as one table row in "flow list", as a block in "flow show",
 * and as the same JSON object in both.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krtpctl.h"
#include "print.h"

#define FLOW_ADD_USAGE \
	"flow add LOCAL to PEER [from SRC[:PORT]] [via VIA:PORT] [rtcp-to RTCP_PEER] " \
	"[rtcp-via RTCP_VIA:PORT] [bundle PTS] [label TEXT] " \
	"[idle SECONDS] [idle-delete] [rtcp] [strict] [pass-stun-dtls] [clock-rate HZ]"
#define FLOW_KEY_USAGE(verb) "flow " verb " LOCAL | id N"

/* ---- parsing ---- */

static int parse_u32(const char *s, uint32_t *v)
{
	unsigned long long x;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x > UINT32_MAX)
		return -EINVAL;
	*v = x;
	return 0;
}

/*
 * The arguments after "flow add" into a flow. On a mistake, writes what was
 * wrong into err and returns -EINVAL.
 */
static int parse_flow(int argc, char **argv, struct krtp_flow *f, char *err, size_t errlen)
{
	int i;

	memset(f, 0, sizeof(*f));
	if (argc < 3 || strcmp(argv[1], "to")) {
		snprintf(err, errlen, "expected LOCAL to PEER");
		return -EINVAL;
	}
	if (krtp_ep_parse(argv[0], &f->local, true)) {
		snprintf(err, errlen, "invalid local endpoint \"%s\"", argv[0]);
		return -EINVAL;
	}
	if (krtp_ep_parse(argv[2], &f->peer, true)) {
		snprintf(err, errlen, "invalid peer endpoint \"%s\"", argv[2]);
		return -EINVAL;
	}
	for (i = 3; i < argc; i++) {
		const char *kw = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(kw, "rtcp")) {
			f->flags |= KRTP_FLOW_F_RTCP;
			continue;
		} else if (!strcmp(kw, "strict")) {
			f->flags |= KRTP_FLOW_F_STRICT_RTP;
			continue;
		} else if (!strcmp(kw, "pass-stun-dtls")) {
			f->flags |= KRTP_FLOW_F_PASS_STUN_DTLS;
			continue;
		} else if (!strcmp(kw, "idle-delete")) {
			f->idle_delete = true;
			continue;
		}
		if (!strcmp(kw, "from") || !strcmp(kw, "via") || !strcmp(kw, "rtcp-to") ||
		    !strcmp(kw, "rtcp-via") || !strcmp(kw, "label") || !strcmp(kw, "bundle") ||
		    !strcmp(kw, "idle") || !strcmp(kw, "clock-rate")) {
			if (!val) {
				snprintf(err, errlen, "\"%s\" needs a value", kw);
				return -EINVAL;
			}
		} else {
			snprintf(err, errlen, "unknown argument \"%s\"", kw);
			return -EINVAL;
		}
		i++;
		if (!strcmp(kw, "from")) {
			if (krtp_ep_parse(val, &f->source, false)) {
				snprintf(err, errlen, "invalid source \"%s\"", val);
				return -EINVAL;
			}
		} else if (!strcmp(kw, "via")) {
			if (krtp_ep_parse(val, &f->via, true)) {
				snprintf(err, errlen, "invalid via endpoint \"%s\"", val);
				return -EINVAL;
			}
		} else if (!strcmp(kw, "rtcp-to")) {
			if (krtp_ep_parse(val, &f->rtcp_peer, true)) {
				snprintf(err, errlen, "invalid rtcp peer endpoint \"%s\"", val);
				return -EINVAL;
			}
		} else if (!strcmp(kw, "rtcp-via")) {
			if (krtp_ep_parse(val, &f->rtcp_via, true)) {
				snprintf(err, errlen, "invalid rtcp via endpoint \"%s\"", val);
				return -EINVAL;
			}
		} else if (!strcmp(kw, "bundle")) {
			if (krtp_pt_set_parse(val, f->bundle_pt)) {
				snprintf(err, errlen,
					 "invalid payload type set \"%s\" (types 0-127: 0,8,96-99)", val);
				return -EINVAL;
			}
			f->bundle = true;
		} else if (!strcmp(kw, "label")) {
			f->label_len = strlen(val);
			if (f->label_len > KRTP_LABEL_MAX_LEN) {
				snprintf(err, errlen, "label longer than %d bytes", KRTP_LABEL_MAX_LEN);
				return -EINVAL;
			}
			memcpy(f->label, val, f->label_len);
		} else if (!strcmp(kw, "idle")) {
			if (parse_u32(val, &f->idle_timeout)) {
				snprintf(err, errlen, "invalid idle timeout \"%s\"", val);
				return -EINVAL;
			}
		} else if (parse_u32(val, &f->clock_rate) || !f->clock_rate) {
			snprintf(err, errlen, "invalid clock rate \"%s\"", val);
			return -EINVAL;
		}
	}
	return 0;
}

/* "LOCAL" or "id N" naming one flow; returns 0, or 2 after a usage error */
static int parse_key(int argc, char **argv, const char *usage, uint32_t *id, struct krtp_ep *local)
{
	*id = 0;
	if (argc == 2 && !strcmp(argv[0], "id")) {
		if (parse_u32(argv[1], id) || !*id)
			return usage_error(usage, "invalid flow id \"%s\"", argv[1]);
		return 0;
	}
	if (argc != 1)
		return usage_error(usage, "expected LOCAL or id N");
	if (krtp_ep_parse(argv[0], local, true))
		return usage_error(usage, "invalid local endpoint \"%s\"", argv[0]);
	return 0;
}

/* ---- printing ---- */

static const char *src_mode_str(uint8_t mode)
{
	switch (mode) {
	case KRTP_SRC_MODE_LEARN:
		return "learn";
	case KRTP_SRC_MODE_ADDR:
		return "addr";
	case KRTP_SRC_MODE_EXACT:
		return "exact";
	}
	return "unknown";
}

static const char *del_reason_str(uint32_t reason)
{
	switch (reason) {
	case KRTP_DEL_REASON_USER:
		return "user";
	case KRTP_DEL_REASON_FLUSH:
		return "flush";
	case KRTP_DEL_REASON_IDLE:
		return "idle";
	}
	return "unknown";
}

/* Column layout of "flow list"; the header and rows share it */
#define COL_ID		"%-7s"
#define COL_EP		"%-24s"
#define COL_MODE	"%-13s"
#define COL_NUM		"%12" PRIu64
#define COL_NUM_H	"%12s"

static void print_flow_header(void)
{
	print_color_text(COLOR_HEAD, COL_ID COL_EP COL_EP COL_EP COL_MODE COL_NUM_H COL_NUM_H
			 COL_NUM_H "  %s", "ID", "LOCAL", "PEER", "SOURCE", "MODE", "PACKETS",
			 "BYTES", "DROPS", "LABEL");
	print_text("\n");
}

static void print_stats(const struct krtp_stats *st, bool table)
{
	/* the table shows packets, bytes and drops; the rest is for JSON and "show" */
	enum output_type detail = table ? PRINT_JSON : PRINT_ANY;
	uint64_t drops = st->drop_wrong_source + st->drop_no_route + st->drop_not_rtp +
			 st->drop_other + st->srtp_auth_fail + st->srtp_replay;

	open_json_object("stats");
	print_u64(PRINT_ANY, "packets", table ? COL_NUM : "\tpackets %" PRIu64, st->packets);
	print_u64(PRINT_ANY, "bytes", table ? COL_NUM : " bytes %" PRIu64, st->bytes);
	if (table)
		print_u64(PRINT_FP, NULL, COL_NUM, drops);
	print_u64(detail, "rtcp_packets", " rtcp-packets %" PRIu64, st->rtcp_packets);
	print_u64(detail, "rtcp_bytes", " rtcp-bytes %" PRIu64 "\n\tdrops:", st->rtcp_bytes);
	print_u64(detail, "drop_wrong_source", " wrong-source %" PRIu64, st->drop_wrong_source);
	print_u64(detail, "drop_no_route", " no-route %" PRIu64, st->drop_no_route);
	print_u64(detail, "drop_not_rtp", " not-rtp %" PRIu64, st->drop_not_rtp);
	print_u64(detail, "drop_other", " other %" PRIu64, st->drop_other);
	print_u64(detail, "srtp_auth_fail", " srtp-auth-fail %" PRIu64, st->srtp_auth_fail);
	print_u64(detail, "srtp_replay", " srtp-replay %" PRIu64 "\n", st->srtp_replay);
	print_u64(detail, "packets_total", "\tseen %" PRIu64, st->packets_total);
	print_u64(detail, "passed", " passed %" PRIu64, st->passed);
	print_u64(detail, "idle_msecs", " idle %" PRIu64 "ms\n", st->idle_msecs);
	print_u64(detail, "rtp_ssrc", "\trtp: ssrc %" PRIu64, st->rtp_ssrc);
	print_u64(detail, "rtp_pt", " pt %" PRIu64, st->rtp_pt);
	print_u64(detail, "rtp_lost", " lost %" PRIu64, st->rtp_lost);
	print_u64(detail, "rtp_duplicates", " duplicates %" PRIu64, st->rtp_duplicates);
	print_u64(detail, "rtp_reordered", " reordered %" PRIu64, st->rtp_reordered);
	print_u64(detail, "rtp_jitter", " jitter %" PRIu64, st->rtp_jitter);
	print_u64(detail, "rtp_jitter_usecs", " (%" PRIu64 " us)", st->rtp_jitter_usecs);
	close_json_object();
}

static const char *srtp_suite_str(uint32_t suite)
{
	switch (suite) {
	case KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80:
		return "AES_CM_128_HMAC_SHA1_80";
	case KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32:
		return "AES_CM_128_HMAC_SHA1_32";
	case KRTP_SRTP_SUITE_AEAD_AES_128_GCM:
		return "AEAD_AES_128_GCM";
	}
	return "unknown";
}

/*
 * SRTP: direction, suite and where each context stands, all the kernel
 * tells (keys are write-only); "srtp": {"in": SUITE, "in_roc": N,
 * "out": SUITE, "out_roc": N, "out_srtcp_index": N} in JSON, absent for
 * plain flows
 */
/* an SRTP context's RTP streams: " streams 0x5ec0ffee:1,..." and [{"ssrc", "roc"}] */
static void print_srtp_streams(const struct krtp_srtp *c, const char *key, enum output_type detail)
{
	if (!c->nstreams)
		return;
	print_text(detail == PRINT_ANY ? " streams" : "");
	open_json_array(key);
	for (unsigned int i = 0; i < c->nstreams; i++) {
		open_json_object(NULL);
		if (detail == PRINT_ANY)
			print_text("%s%#" PRIx32 ":%" PRIu32, i ? "," : " ", c->streams[i].ssrc,
				   c->streams[i].roc);
		print_u64(PRINT_JSON, "ssrc", "", c->streams[i].ssrc);
		print_u64(PRINT_JSON, "roc", "", c->streams[i].roc);
		close_json_object();
	}
	close_json_array();
}

static void print_srtp(const struct krtp_flow *f, enum output_type detail)
{
	if (!f->srtp_in.suite && !f->srtp_out.suite)
		return;
	print_text(detail == PRINT_ANY ? "\tsrtp" : "");
	open_json_object("srtp");
	if (f->srtp_in.suite) {
		print_string(detail, "in", " in %s", srtp_suite_str(f->srtp_in.suite));
		print_u64(detail, "in_roc", " roc %" PRIu64, f->srtp_in.roc);
		print_srtp_streams(&f->srtp_in, "in_streams", detail);
	}
	if (f->srtp_out.suite) {
		print_string(detail, "out", " out %s", srtp_suite_str(f->srtp_out.suite));
		print_u64(detail, "out_roc", " roc %" PRIu64, f->srtp_out.roc);
		print_u64(detail, "out_srtcp_index", " srtcp-index %" PRIu64,
			  f->srtp_out.srtcp_index);
		print_srtp_streams(&f->srtp_out, "out_streams", detail);
	}
	close_json_object();
	print_text(detail == PRINT_ANY ? "\n" : "");
}

/* One flow: a row of "flow list" (table) or the block of "flow show"; one JSON object */
static void print_flow(const struct krtp_flow *f, bool table)
{
	enum output_type detail = table ? PRINT_JSON : PRINT_ANY;
	char id[16], local[KRTP_EP_STRLEN], peer[KRTP_EP_STRLEN];
	char via[KRTP_EP_STRLEN], source[KRTP_EP_STRLEN], mode[32];
	char rtcp_peer[KRTP_EP_STRLEN], rtcp_via[KRTP_EP_STRLEN];
	char bundle[KRTP_PT_SET_STRLEN];

	snprintf(id, sizeof(id), "%" PRIu32, f->id);
	krtp_ep_str(&f->local, local, sizeof(local));
	krtp_ep_str(&f->peer, peer, sizeof(peer));
	krtp_ep_str(&f->via, via, sizeof(via));
	krtp_ep_str(&f->source, source, sizeof(source));
	krtp_ep_str(&f->rtcp_peer, rtcp_peer, sizeof(rtcp_peer));
	krtp_ep_str(&f->rtcp_via, rtcp_via, sizeof(rtcp_via));
	snprintf(mode, sizeof(mode), "%s%s", src_mode_str(f->src_mode),
		 f->src_locked ? ",locked" : "");

	open_json_object(NULL);
	print_u64(PRINT_JSON, "id", "", f->id);
	print_color_text(COLOR_ID, table ? COL_ID : "flow %s", id);
	print_text(table ? "" : "\n\t");
	print_color_string(PRINT_ANY, COLOR_ADDR, "local", table ? COL_EP : "local %s", local);
	print_color_string(PRINT_ANY, COLOR_ADDR, "peer", table ? COL_EP : " peer %s", peer);
	if (f->via.family)
		print_color_string(detail, COLOR_ADDR, "via", " via %s", via);
	if (f->rtcp_peer.family)
		print_color_string(detail, COLOR_ADDR, "rtcp_peer", " rtcp-to %s", rtcp_peer);
	if (f->rtcp_via.family)
		print_color_string(detail, COLOR_ADDR, "rtcp_via", " rtcp-via %s", rtcp_via);
	if (f->bundle) {
		/* "bundle 0,8,96-99" for people, [0, 8, 96, 97, 98, 99] in JSON */
		krtp_pt_set_str(f->bundle_pt, bundle, sizeof(bundle));
		if (!table)
			print_string(PRINT_FP, NULL, " bundle %s", bundle);
		open_json_array("bundle_pt");
		for (unsigned int pt = 0; pt < 128; pt++)
			if (krtp_pt_set_has(f->bundle_pt, pt))
				print_u64(PRINT_JSON, NULL, "", pt);
		close_json_array();
	}
	print_text(table ? "" : "\n\tsource ");
	if (f->source.family)
		print_color_string(PRINT_ANY, COLOR_ADDR, "source", table ? COL_EP : "%s", source);
	else
		print_text(table ? COL_EP : "%s", "*");
	print_text(table ? COL_MODE : " mode %s\n", mode);
	print_string(PRINT_JSON, "src_mode", "", src_mode_str(f->src_mode));
	print_bool(PRINT_JSON, "src_locked", "", f->src_locked);

	print_text(table ? "" : "\tflags");
	open_json_array("flags");
	if (f->flags & KRTP_FLOW_F_RTCP)
		print_string(detail, NULL, " %s", "rtcp");
	if (f->flags & KRTP_FLOW_F_STRICT_RTP)
		print_string(detail, NULL, " %s", "strict");
	if (f->flags & KRTP_FLOW_F_PASS_STUN_DTLS)
		print_string(detail, NULL, " %s", "pass-stun-dtls");
	close_json_array();
	if (!table && !f->flags)
		print_text(" none");

	print_bytes(detail, "label", " label \"%s\"\n", f->label, f->label_len);
	print_u64(detail, "idle_timeout", "\tidle-timeout %" PRIu64, f->idle_timeout);
	print_bool(PRINT_JSON, "idle_delete", "", f->idle_delete);
	if (!table && f->idle_delete)
		print_text(" idle-delete");
	print_u64(detail, "clock_rate", " clock-rate %" PRIu64 "\n", f->clock_rate);
	print_srtp(f, detail);
	print_stats(&f->stats, table);
	if (table)
		print_bytes(PRINT_FP, NULL, "  %s", f->label, f->label_len);
	print_text("\n");
	close_json_object();
}

/* ---- flow subcommands ---- */

static int flow_add(int argc, char **argv)
{
	struct krtp_nl *nl;
	struct krtp_flow f;
	char err[128];
	int ret;

	if (parse_flow(argc, argv, &f, err, sizeof(err)))
		return usage_error(FLOW_ADD_USAGE, "%s", err);
	ret = nl_connect(&nl);
	if (ret)
		return ret;
	ret = krtp_nl_flow_add(nl, &f);
	if (ret) {
		ret = nl_fail(nl, ret);
	} else {
		open_json_object(NULL);
		print_u64(PRINT_ANY, "id", "flow %" PRIu64 "\n", f.id);
		close_json_object();
		print_json_end();
	}
	krtp_nl_close(nl);
	return ret;
}

static int flow_del(int argc, char **argv)
{
	struct krtp_nl *nl;
	struct krtp_ep local;
	uint32_t id;
	int ret;

	ret = parse_key(argc, argv, FLOW_KEY_USAGE("del"), &id, &local);
	if (ret)
		return ret;
	ret = nl_connect(&nl);
	if (ret)
		return ret;
	ret = id ? krtp_nl_flow_del_id(nl, id) : krtp_nl_flow_del_local(nl, &local);
	if (ret)
		ret = nl_fail(nl, ret);
	krtp_nl_close(nl);
	return ret;
}

static int flow_show(int argc, char **argv)
{
	struct krtp_flow *f;
	struct krtp_nl *nl;
	struct krtp_ep local;
	uint32_t id;
	int ret;

	ret = parse_key(argc, argv, FLOW_KEY_USAGE("show"), &id, &local);
	if (ret)
		return ret;
	ret = nl_connect(&nl);
	if (ret)
		return ret;
	f = malloc(sizeof(*f));
	if (!f) {
		krtp_nl_close(nl);
		return fail("out of memory");
	}
	ret = id ? krtp_nl_flow_get_id(nl, id, f) : krtp_nl_flow_get_local(nl, &local, f);
	if (ret) {
		ret = nl_fail(nl, ret);
	} else {
		print_flow(f, false);
		print_json_end();
	}
	free(f);
	krtp_nl_close(nl);
	return ret;
}

static int flow_list_one(const struct krtp_flow *f, void *arg)
{
	(void)arg;
	print_flow(f, true);
	return 0;
}

static int flow_list(int argc, char **argv)
{
	const char *prefix = NULL;
	struct krtp_nl *nl;
	int ret;

	/* label PREFIX: krtp.ko sends only the flows whose label starts so */
	if (argc == 2 && !strcmp(argv[0], "label")) {
		prefix = argv[1];
		if (!*prefix || strlen(prefix) > KRTP_LABEL_MAX_LEN)
			return usage_error("flow list", "label prefix of 1 to %d bytes",
					   KRTP_LABEL_MAX_LEN);
	} else if (argc) {
		return usage_error("flow list", "unexpected argument \"%s\"", argv[0]);
	}
	ret = nl_connect(&nl);
	if (ret)
		return ret;
	open_json_array(NULL);
	print_flow_header();
	if (prefix)
		ret = krtp_nl_flow_dump_label(nl, prefix, strlen(prefix), flow_list_one, NULL);
	else
		ret = krtp_nl_flow_dump(nl, flow_list_one, NULL);
	close_json_array();
	print_json_end();
	if (ret)
		ret = nl_fail(nl, ret);
	krtp_nl_close(nl);
	return ret;
}

/*
 * Split one line into words: blanks separate, double quotes group (a label
 * with spaces), a backslash in quotes escapes the next character. Writes
 * into the line itself; returns the number of words or -1.
 */
static int split_line(char *line, char **words, int max)
{
	char *r = line, *w = line;
	int n = 0;

	for (;;) {
		bool quoted = false;

		while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
			r++;
		if (!*r || *r == '#')
			return n;
		if (n == max)
			return -1;
		words[n++] = w;
		while (*r && (quoted || (*r != ' ' && *r != '\t' && *r != '\r' && *r != '\n'))) {
			if (*r == '"') {
				quoted = !quoted;
				r++;
			} else if (quoted && *r == '\\' && r[1]) {
				*w++ = r[1];
				r += 2;
			} else {
				*w++ = *r++;
			}
		}
		if (quoted)
			return -1;
		if (*r)
			r++;
		*w++ = '\0';
	}
}

static int flow_add_batch(int argc, char **argv)
{
	const char *usage = "flow add-batch FILE|-";
	struct krtp_flow *flows = NULL;
	size_t *lines = NULL;
	size_t n = 0, cap = 0, lineno = 0, done = 0, len = 0;
	char *line = NULL, *words[64];
	struct krtp_nl *nl = NULL;
	FILE *in;
	int ret = 0;

	if (argc != 1)
		return usage_error(usage, "expected one FILE or -");
	in = strcmp(argv[0], "-") ? fopen(argv[0], "r") : stdin;
	if (!in)
		return fail("cannot open %s: %s", argv[0], strerror(errno));

	while (getline(&line, &len, in) > 0) {
		char err[128];
		int nw;

		lineno++;
		nw = split_line(line, words, 64);
		if (nw == 0)
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 1024;
			void *p = realloc(flows, c * sizeof(*flows));
			void *q = p ? realloc(lines, c * sizeof(*lines)) : NULL;

			if (p)
				flows = p;
			if (q)
				lines = q;
			if (!p || !q) {
				ret = fail("out of memory");
				goto out;
			}
			cap = c;
		}
		if (nw < 0) {
			ret = usage_error(NULL, "line %zu: unbalanced quotes or too many words",
					  lineno);
			goto out;
		}
		if (parse_flow(nw, words, &flows[n], err, sizeof(err))) {
			ret = usage_error(NULL, "line %zu: %s", lineno, err);
			goto out;
		}
		lines[n++] = lineno;
	}
	if (ferror(in)) {
		ret = fail("cannot read %s: %s", argv[0], strerror(errno));
		goto out;
	}

	ret = nl_connect(&nl);
	if (ret)
		goto out;
	ret = krtp_nl_flow_add_batch(nl, flows, n, &done);
	if (ret) {
		const char *msg = krtp_nl_errmsg(nl);

		ret = fail("line %zu: %s (%zu flows added before it)", done < n ? lines[done] : lineno,
			   *msg ? msg : strerror(-ret), done);
		goto out;
	}
	open_json_object(NULL);
	print_u64(PRINT_ANY, "added", "%" PRIu64 " flows added\n", n);
	close_json_object();
	print_json_end();
out:
	krtp_nl_close(nl);
	if (in != stdin)
		fclose(in);
	free(line);
	free(flows);
	free(lines);
	return ret;
}

static int flow_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: %s [--json] flow { add | del | show | list | add-batch }\n"
	       "  " FLOW_ADD_USAGE "\n"
	       "  " FLOW_KEY_USAGE("del") "\n"
	       "  " FLOW_KEY_USAGE("show") "\n"
	       "  flow list [label PREFIX]\n"
	       "  flow add-batch FILE|-   one \"flow add\" argument line per line\n", prog);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} flow_verbs[] = {
	{ "add", flow_add },
	{ "del", flow_del },
	{ "delete", flow_del },
	{ "show", flow_show },
	{ "get", flow_show },
	{ "list", flow_list },
	{ "add-batch", flow_add_batch },
	{ "help", flow_help },
};

int flow_main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return flow_list(0, NULL);
	for (i = 0; i < sizeof(flow_verbs) / sizeof(flow_verbs[0]); i++) {
		if (!strcmp(argv[1], flow_verbs[i].name))
			return flow_verbs[i].fn(argc - 2, argv + 2);
	}
	usage_error(NULL, "unknown flow command \"%s\"", argv[1]);
	flow_help(0, NULL);
	return 2;
}

/* ---- flush, stats ---- */

int flush_main(int argc, char **argv)
{
	struct krtp_nl *nl;
	int ret;

	if (argc > 1)
		return usage_error("flush", "unexpected argument \"%s\"", argv[1]);
	ret = nl_connect(&nl);
	if (ret)
		return ret;
	ret = krtp_nl_flush(nl);
	if (ret)
		ret = nl_fail(nl, ret);
	krtp_nl_close(nl);
	return ret;
}

int stats_main(int argc, char **argv)
{
	struct krtp_stats st;
	struct krtp_nl *nl;
	int ret;

	if (argc > 1)
		return usage_error("stats", "unexpected argument \"%s\"", argv[1]);
	ret = nl_connect(&nl);
	if (ret)
		return ret;
	ret = krtp_nl_stats_get(nl, &st);
	if (ret) {
		ret = nl_fail(nl, ret);
		goto out;
	}
	open_json_object(NULL);
	print_u64(PRINT_ANY, "flows", "flows %" PRIu64 "\n", st.flows);
	print_u64(PRINT_ANY, "packets", "packets %" PRIu64, st.packets);
	print_u64(PRINT_ANY, "bytes", " bytes %" PRIu64, st.bytes);
	print_u64(PRINT_ANY, "rtcp_packets", " rtcp-packets %" PRIu64, st.rtcp_packets);
	print_u64(PRINT_ANY, "rtcp_bytes", " rtcp-bytes %" PRIu64 "\n", st.rtcp_bytes);
	print_text("drops:");
	print_u64(PRINT_ANY, "drop_wrong_source", " wrong-source %" PRIu64, st.drop_wrong_source);
	print_u64(PRINT_ANY, "drop_no_route", " no-route %" PRIu64, st.drop_no_route);
	print_u64(PRINT_ANY, "drop_not_rtp", " not-rtp %" PRIu64, st.drop_not_rtp);
	print_u64(PRINT_ANY, "drop_other", " other %" PRIu64, st.drop_other);
	print_u64(PRINT_ANY, "srtp_auth_fail", " srtp-auth-fail %" PRIu64, st.srtp_auth_fail);
	print_u64(PRINT_ANY, "srtp_replay", " srtp-replay %" PRIu64 "\n", st.srtp_replay);
	print_u64(PRINT_ANY, "packets_total", "seen %" PRIu64, st.packets_total);
	print_u64(PRINT_ANY, "passed", " passed %" PRIu64 "\n", st.passed);
	print_text("rtp:");
	print_u64(PRINT_ANY, "rtp_lost", " lost %" PRIu64, st.rtp_lost);
	print_u64(PRINT_ANY, "rtp_duplicates", " duplicates %" PRIu64, st.rtp_duplicates);
	print_u64(PRINT_ANY, "rtp_reordered", " reordered %" PRIu64 "\n", st.rtp_reordered);
	close_json_object();
	print_json_end();
out:
	krtp_nl_close(nl);
	return ret;
}

/* ---- monitor ---- */

static volatile sig_atomic_t monitor_stop;

static void monitor_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

static void monitor_event(int cmd, const struct krtp_flow *f, void *arg)
{
	char local[KRTP_EP_STRLEN], source[KRTP_EP_STRLEN];
	enum color c = COLOR_NONE;
	const char *event;

	(void)arg;
	switch (cmd) {
	case KRTP_CMD_FLOW_DEL_NTF:
		event = "deleted";
		break;
	case KRTP_CMD_FLOW_SRC_LEARNED_NTF:
		event = "source-learned";
		break;
	case KRTP_CMD_FLOW_WRONG_SRC_NTF:
		event = "wrong-source";
		c = COLOR_WARN;
		break;
	case KRTP_CMD_FLOW_IDLE_NTF:
		event = "idle";
		break;
	default:
		return;	/* a newer kernel's event */
	}
	krtp_ep_str(&f->local, local, sizeof(local));
	krtp_ep_str(&f->source, source, sizeof(source));

	open_json_object(NULL);
	print_color_string(PRINT_ANY, c, "event", "%s", event);
	print_u64(PRINT_ANY, "id", " id %" PRIu64, f->id);
	print_color_string(PRINT_ANY, COLOR_ADDR, "local", " local %s", local);
	if (f->source.family)
		print_color_string(PRINT_ANY, COLOR_ADDR, "source", " source %s", source);
	if (cmd == KRTP_CMD_FLOW_DEL_NTF)
		print_string(PRINT_ANY, "reason", " reason %s", del_reason_str(f->del_reason));
	print_bytes(f->label_len ? PRINT_ANY : PRINT_JSON, "label", " label \"%s\"", f->label,
		    f->label_len);
	print_text("\n");
	close_json_object();
	print_json_end();
}

int monitor_main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = monitor_signal };
	struct krtp_nl *nl;
	struct pollfd pfd;
	int ret;

	if (argc > 1)
		return usage_error("monitor", "unexpected argument \"%s\"", argv[1]);
	ret = krtp_nl_events_open(&nl);
	if (ret == -ENOENT)
		return fail("krtp.ko is not loaded");
	if (ret)
		return fail("cannot listen to krtp events: %s", strerror(-ret));
	/* no SA_RESTART: poll() returns on the signal */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pfd.fd = krtp_nl_fd(nl);
	pfd.events = POLLIN;

	while (!monitor_stop) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = fail("poll: %s", strerror(errno));
			break;
		}
		ret = krtp_nl_events_read(nl, monitor_event, NULL);
		if (ret == -ENOBUFS) {
			fprintf(stderr, "Warning: events were lost (receive buffer overrun).\n");
			ret = 0;
		} else if (ret) {
			ret = fail("reading events: %s", strerror(-ret));
			break;
		}
	}
	krtp_nl_close(nl);
	return ret;
}
