// SPDX-License-Identifier: GPL-2.0
/*
 * One krtpd setting, key = value, from the config file or the command line
 * (-o and the flags), parsed into struct cnf: listen addresses, domains,
 * numbers and flags in their ranges, the limits, the store, the trunk.
 * Main thread, startup only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"
#include "log.h"
#include "sip/auth.h"
#include "sip/srtp_policy.h"
#include "sip/tls.h"

/* "[udp:|tcp:|tls:|ws:|wss:]addr[:port]", addr "[v6]" or "*" (every IPv4 address) */
int cnf_add_listen(const char *s)
{
	struct tp_listen *l;
	uint16_t port = 5060;

	if (cnf.nlisten == CNF_MAX_LISTEN) {
		fprintf(stderr, "krtpd: too many listen addresses\n");
		return -1;
	}
	l = &cnf.listen[cnf.nlisten];
	memset(l, 0, sizeof(*l));
	l->udp = l->tcp = 1;
	if (!strncasecmp(s, "udp:", 4)) {
		l->tcp = 0;
		s += 4;
	} else if (!strncasecmp(s, "tcp:", 4)) {
		l->udp = 0;
		s += 4;
	} else if (!strncasecmp(s, "tls:", 4)) {
		l->udp = l->tcp = 0;
		l->tls = 1;
		port = 5061;
		s += 4;
	} else if (!strncasecmp(s, "ws:", 3)) {
		/* RFC 7118 names no port; these are what browsers' SIP stacks use */
		l->udp = l->tcp = 0;
		l->ws = 1;
		port = 8080;
		s += 3;
	} else if (!strncasecmp(s, "wss:", 4)) {
		l->udp = l->tcp = 0;
		l->wss = 1;
		port = 8443;
		s += 4;
	}
	if (*s == '*')
		s = s[1] == ':' ? s + 1 : "";
	if ((*s == ':' || !*s)) {
		char tmp[80];

		snprintf(tmp, sizeof(tmp), "0.0.0.0%s", s);
		if (TP_AddrParse(tmp, port, &l->addr))
			goto bad;
	} else if (TP_AddrParse(s, port, &l->addr)) {
		goto bad;
	}
	cnf.nlisten++;
	if (l->udp || l->tcp)
		cnf_nplain++;
	return 0;
bad:
	fprintf(stderr, "krtpd: bad listen address \"%s\" (want IP[:PORT] or [IPv6][:PORT])\n", s);
	return -1;
}

static int cnf_add_listen_tls(const char *s)
{
	char tmp[96];

	snprintf(tmp, sizeof(tmp), "tls:%s", s);
	return cnf_add_listen(tmp);
}

static int cnf_add_listen_ws(const char *s)
{
	char tmp[96];

	snprintf(tmp, sizeof(tmp), "ws:%s", s);
	return cnf_add_listen(tmp);
}

static int cnf_add_listen_wss(const char *s)
{
	char tmp[96];

	snprintf(tmp, sizeof(tmp), "wss:%s", s);
	return cnf_add_listen(tmp);
}

static int cnf_list(const char *v, int (*fn)(const char *item))
{
	char buf[1024], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
		if (fn(tok))
			return -1;
	return 0;
}

int cnf_add_domain(const char *s)
{
	if (cnf.ndomains == CNF_MAX_DOMAINS || strlen(s) >= sizeof(cnf.domains[0])) {
		fprintf(stderr, "krtpd: too many or too long domains\n");
		return -1;
	}
	snprintf(cnf.domains[cnf.ndomains++], sizeof(cnf.domains[0]), "%s", s);
	return 0;
}

static int cnf_uint(const char *key, const char *v, unsigned int min, unsigned int max,
		    unsigned int *out)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (!*v || *end || n < min || n > max) {
		fprintf(stderr, "krtpd: %s must be a number from %u to %u, not \"%s\"\n", key, min,
			max, v);
		return -1;
	}
	*out = n;
	return 0;
}

static int cnf_bool(const char *key, const char *v, int *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") ||
	    !strcasecmp(v, "on")) {
		*out = 1;
		return 0;
	}
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") ||
	    !strcasecmp(v, "off")) {
		*out = 0;
		return 0;
	}
	fprintf(stderr, "krtpd: %s must be yes or no, not \"%s\"\n", key, v);
	return -1;
}

static int cnf_str(const char *key, const char *v, char *out, size_t sz)
{
	if (strlen(v) >= sz) {
		fprintf(stderr, "krtpd: %s is too long\n", key);
		return -1;
	}
	snprintf(out, sz, "%s", v);
	return 0;
}

int cnf_media(const char *v)
{
	if (!strcasecmp(v, "auto"))
		cnf.media = MED_MODE_AUTO;
	else if (!strcasecmp(v, "kernel"))
		cnf.media = MED_MODE_KERNEL;
	else if (!strcasecmp(v, "user"))
		cnf.media = MED_MODE_USER;
	else {
		fprintf(stderr, "krtpd: media must be auto, kernel or user, not \"%s\"\n", v);
		return -1;
	}
	return 0;
}

/* key = "IP[:PORT]" or "[IPv6][:PORT]" (default port), or "off" */
static int cnf_listen_addr(const char *key, const char *v, uint16_t port,
			   struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (!strcasecmp(v, "off") || !strcasecmp(v, "no") || !*v)
		return 0;
	if (TP_AddrParse(v, port, out) || !TP_Port(out)) {
		memset(out, 0, sizeof(*out));
		fprintf(stderr, "krtpd: %s must be IP[:PORT], [IPv6][:PORT] or off, not \"%s\"\n",
			key, v);
		return -1;
	}
	return 0;
}

/* The first limit_exempt line replaces the default list, later ones add to it. */
static int cnf_add_exempt(const char *s)
{
	struct lim_config *l = &cnf.limits;

	if (!cnf_exempt_set) {
		cnf_exempt_set = 1;
		l->nexempt = 0;
	}
	if (!strcmp(s, "none"))
		return 0;
	if (l->nexempt == LIM_MAX_EXEMPT || LIM_CidrParse(s, &l->exempt[l->nexempt])) {
		fprintf(stderr, "krtpd: bad or too many limit_exempt entries at \"%s\" "
			"(want up to %d of ADDR[/BITS])\n", s, LIM_MAX_EXEMPT);
		return -1;
	}
	l->nexempt++;
	return 0;
}

/* the flood and abuse limits (sip/limits.h) */
static int cnf_set_limit(const char *key, const char *v)
{
	struct lim_config *l = &cnf.limits;

	if (!strcmp(key, "limit_requests_per_second"))
		return cnf_uint(key, v, 0, LIM_MAX_RATE, &l->rate);
	if (!strcmp(key, "limit_burst"))
		return cnf_uint(key, v, 1, LIM_MAX_RATE, &l->burst);
	if (!strcmp(key, "limit_table_size"))
		return cnf_uint(key, v, 64, 1 << 24, &l->table_size);
	if (!strcmp(key, "limit_exempt"))
		return cnf_list(v, cnf_add_exempt);
	if (!strcmp(key, "ban_after_auth_failures"))
		return cnf_uint(key, v, 0, 255, &l->ban_failures);
	if (!strcmp(key, "ban_window"))
		return cnf_uint(key, v, 1, 86400, &l->ban_window);
	if (!strcmp(key, "ban_time"))
		return cnf_uint(key, v, 1, 7 * 86400, &l->ban_time);
	if (!strcmp(key, "tcp_max_connections_per_source"))
		return cnf_uint(key, v, 0, 65535, &l->conns_per_source);
	if (!strcmp(key, "limit_calls_per_source"))
		return cnf_uint(key, v, 0, 1000000, &l->calls_per_source);
	if (!strcmp(key, "max_transactions"))
		return cnf_uint(key, v, 0, 100000000, &l->max_transactions);
	fprintf(stderr, "krtpd: unknown setting \"%s\"\n", key);
	return -1;
}

static int cnf_add_dns_server(const char *s)
{
	struct sockaddr_storage ss;

	if (cnf.dns.nservers == DNS_MAX_SERVERS || strlen(s) >= sizeof(cnf.dns.servers[0]) ||
	    TP_AddrParse(s, 53, &ss)) {
		fprintf(stderr, "krtpd: bad dns_servers entry \"%s\" (want up to %d of IP[:PORT] "
			"or [IPv6][:PORT])\n", s, DNS_MAX_SERVERS);
		return -1;
	}
	snprintf(cnf.dns.servers[cnf.dns.nservers++], sizeof(cnf.dns.servers[0]), "%s", s);
	return 0;
}

/* "sip:host[:port][;transport=udp|tcp]": a URI the proxy can send to */
static int cnf_trunk(const char *v)
{
	struct sip_uri u;

	if (!*v) {
		cnf.trunk[0] = '\0';
		return 0;
	}
	if (strlen(v) >= sizeof(cnf.trunk) || URI_Parse(&u, v, strlen(v)) || !u.host.len ||
	    u.sips || (u.transport.len && !TP_ProtoParse(u.transport)) ||
	    TP_ProtoParse(u.transport) >= TP_WS) {	/* krtpd opens no WebSocket */
		fprintf(stderr, "krtpd: trunk must be a sip: URI such as "
			"sip:carrier.example.com;transport=udp, not \"%s\"\n", v);
		return -1;
	}
	snprintf(cnf.trunk, sizeof(cnf.trunk), "%s", v);
	return 0;
}

/* store = sqlite | redis, and where Redis is (sto_redis_config) */
static int cnf_set_store(const char *key, const char *v)
{
	struct sto_redis_config *r = &cnf.redis;

	if (!strcmp(key, "store")) {
		if (strcasecmp(v, "sqlite") && strcasecmp(v, "redis")) {
			fprintf(stderr, "krtpd: store must be sqlite or redis, not \"%s\"\n", v);
			return -1;
		}
		cnf.store_redis = !strcasecmp(v, "redis");
		return 0;
	}
	if (!strcmp(key, "redis")) {
		if (!*v || (!strncmp(v, "unix:", 5) && v[5] != '/')) {
			fprintf(stderr, "krtpd: redis must be HOST[:PORT] or unix:/PATH, not \"%s\"\n",
				v);
			return -1;
		}
		return cnf_str(key, v, r->server, sizeof(r->server));
	}
	if (!strcmp(key, "redis_password"))
		return cnf_str(key, v, r->password, sizeof(r->password));
	if (!strcmp(key, "redis_db"))
		return cnf_uint(key, v, 0, 1000000, &r->db);
	if (!strcmp(key, "redis_prefix"))
		return cnf_str(key, v, r->prefix, sizeof(r->prefix));
	if (!strcmp(key, "redis_timeout"))
		return cnf_uint(key, v, 10, 10000, &r->timeout_ms);
	if (!strcmp(key, "node_name")) {
		if (strpbrk(v, " \t")) {
			fprintf(stderr, "krtpd: node_name must not contain spaces\n");
			return -1;
		}
		return cnf_str(key, v, r->node, sizeof(r->node));
	}
	return 1;
}

/* One setting from the file or from -o/flags. */
int cnf_set(const char *key, const char *v, int from_file)
{
	int r;

	if (!strcmp(key, "listen")) {
		if (from_file && cnf_listen_cli)
			return 0;
		return cnf_list(v, cnf_add_listen);
	}
	if (!strcmp(key, "listen_tls"))
		return cnf_list(v, cnf_add_listen_tls);
	if (!strcmp(key, "listen_ws"))
		return cnf_list(v, cnf_add_listen_ws);
	if (!strcmp(key, "listen_wss"))
		return cnf_list(v, cnf_add_listen_wss);
	if (!strcmp(key, "ws_origins"))
		return cnf_str(key, !strcmp(v, "any") ? "" : v, cnf.ws_origins,
			       sizeof(cnf.ws_origins));
	if (!strcmp(key, "tls_certificate"))
		return cnf_str(key, v, cnf.tls_certificate, sizeof(cnf.tls_certificate));
	if (!strcmp(key, "tls_private_key"))
		return cnf_str(key, v, cnf.tls_private_key, sizeof(cnf.tls_private_key));
	if (!strcmp(key, "tls_ca_file"))
		return cnf_str(key, v, cnf.tls_ca_file, sizeof(cnf.tls_ca_file));
	if (!strcmp(key, "tls_priority"))
		return cnf_str(key, v, cnf.tls_priority, sizeof(cnf.tls_priority));
	if (!strcmp(key, "tls_verify"))
		return cnf_bool(key, v, &cnf.tls_verify);
	if (!strcmp(key, "tls_handshake_timeout"))
		return cnf_uint(key, v, 1, 300, &cnf.tls_handshake_timeout);
	if (!strcmp(key, "domain"))
		return cnf_list(v, cnf_add_domain);
	if (!strcmp(key, "relay_address"))
		return cnf_str(key, v, cnf.relay_address, sizeof(cnf.relay_address));
	if (!strcmp(key, "relay_address6"))
		return cnf_str(key, v, cnf.relay_address6, sizeof(cnf.relay_address6));
	/* port_min, port_max and state_dir are accepted as aliases */
	if (!strcmp(key, "state_dir")) {
		char path[300];

		snprintf(path, sizeof(path), "%s/state.db", v);
		return cnf_str(key, path, cnf.state_db, sizeof(cnf.state_db));
	}
	if (!strcmp(key, "rtp_port_min") || !strcmp(key, "port_min"))
		return cnf_uint(key, v, 1024, 65534, &cnf.rtp_port_min);
	if (!strcmp(key, "rtp_port_max") || !strcmp(key, "port_max"))
		return cnf_uint(key, v, 1025, 65535, &cnf.rtp_port_max);
	if (!strcmp(key, "media"))
		return cnf_media(v);
	if (!strcmp(key, "media_timeout"))
		return cnf_uint(key, v, 0, 86400, &cnf.media_timeout);
	if (!strcmp(key, "nat_media_source")) {
		if (strcmp(v, "signalling") && strcmp(v, "any")) {
			fprintf(stderr, "krtpd: nat_media_source must be signalling or any, not \"%s\"\n", v);
			return -1;
		}
		cnf.nat_media_signalling = !strcmp(v, "signalling");
		return 0;
	}
	if (!strcmp(key, "webrtc_consent_timeout"))
		return cnf_uint(key, v, 0, 3600, &cnf.webrtc_consent_timeout);
	if (!strcmp(key, "dtls_certificate"))
		return cnf_str(key, v, cnf.dtls_certificate, sizeof(cnf.dtls_certificate));
	if (!strcmp(key, "dtls_private_key"))
		return cnf_str(key, v, cnf.dtls_private_key, sizeof(cnf.dtls_private_key));
	if (!strcmp(key, "ws_webrtc"))
		return cnf_bool(key, v, &cnf.ws_webrtc);
	if (!strncmp(key, "srtp", 4)) {
		/* srtp, srtp_domain, srtp_trunk: sip/srtp_policy.c */
		int sr = SRP_Set(key, v);

		if (sr <= 0)
			return sr;
	}
	if (!strcmp(key, "users_file"))
		return cnf_str(key, !strcmp(v, "none") ? "" : v, cnf.users_file,
			       sizeof(cnf.users_file));
	if (!strcmp(key, "realm"))
		return cnf_str(key, v, cnf.realm, sizeof(cnf.realm));
	if (!strcmp(key, "digest_algorithms")) {
		int algs[2];

		if (AUTH_ParseAlgorithms(v, algs) < 0) {
			fprintf(stderr, "krtpd: digest_algorithms: want MD5, SHA-256 or both, "
				"not \"%s\"\n", v);
			return -1;
		}
		return cnf_str(key, v, cnf.digest_algorithms, sizeof(cnf.digest_algorithms));
	}
	if (!strcmp(key, "auth_calls"))
		return cnf_bool(key, v, &cnf.auth_calls);
	if (!strcmp(key, "state_db"))
		return cnf_str(key, v, cnf.state_db, sizeof(cnf.state_db));
	if (!strcmp(key, "control_socket"))
		return cnf_str(key, v, cnf.control_socket, sizeof(cnf.control_socket));
	if (!strcmp(key, "pid_file"))
		return cnf_str(key, !strcmp(v, "none") ? "" : v, cnf.pid_file,
			       sizeof(cnf.pid_file));
	if (!strcmp(key, "log_level")) {
		int l = LOG_ParseLevel(v);

		if (l < 0) {
			fprintf(stderr, "krtpd: log_level must be error, warning, info or debug\n");
			return -1;
		}
		cnf.log_level = l;
		return 0;
	}
	if (!strcmp(key, "log")) {
		if (!strcasecmp(v, "stderr"))
			cnf.log_syslog = 0;
		else if (!strcasecmp(v, "syslog"))
			cnf.log_syslog = 1;
		else {
			fprintf(stderr, "krtpd: log must be stderr or syslog\n");
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "min_expires"))
		return cnf_uint(key, v, 1, 86400, &cnf.min_expires);
	if (!strcmp(key, "max_expires"))
		return cnf_uint(key, v, 1, 7 * 86400, &cnf.max_expires);
	if (!strcmp(key, "default_expires"))
		return cnf_uint(key, v, 1, 7 * 86400, &cnf.default_expires);
	if (!strcmp(key, "flow_timer"))
		return cnf_uint(key, v, 0, 3600, &cnf.flow_timer);
	if (!strcmp(key, "nat_ping_interval"))
		return cnf_uint(key, v, 0, 3600, &cnf.nat_ping_interval);
	if (!strcmp(key, "nat_ping_failures"))
		return cnf_uint(key, v, 1, 100, &cnf.nat_ping_failures);
	if (!strcmp(key, "allow_relay"))
		return cnf_bool(key, v, &cnf.allow_relay);
	if (!strcmp(key, "max_forwards"))
		return cnf_uint(key, v, 1, 255, &cnf.max_forwards);
	if (!strcmp(key, "nonce_lifetime"))
		return cnf_uint(key, v, 10, 86400, &cnf.nonce_lifetime);
	if (!strcmp(key, "tcp_idle_timeout"))
		return cnf_uint(key, v, 5, 86400, &cnf.tcp_idle_timeout);
	if (!strcmp(key, "tcp_max_connections"))
		return cnf_uint(key, v, 1, 65535, &cnf.tcp_max_connections);
	if (!strcmp(key, "max_message_size"))
		return cnf_uint(key, v, 1024, 65535, &cnf.max_message_size);
	if (!strcmp(key, "invite_timeout"))
		return cnf_uint(key, v, 10, 3600, &cnf.invite_timeout);
	if (!strcmp(key, "metrics_listen"))
		return cnf_listen_addr(key, v, 9090, &cnf.metrics_listen);
	if (!strcmp(key, "ng_listen"))
		return cnf_listen_addr(key, v, 2223, &cnf.ng_listen);
	if (!strcmp(key, "dns_servers")) {
		cnf.dns.nservers = 0;
		return cnf_list(v, cnf_add_dns_server);
	}
	if (!strcmp(key, "dns_cache_size"))
		return cnf_uint(key, v, 1, 1000000, &cnf.dns.cache_size);
	if (!strcmp(key, "dns_negative_ttl"))
		return cnf_uint(key, v, 0, 3600, &cnf.dns.negative_ttl);
	if (!strcmp(key, "trunk"))
		return cnf_trunk(v);
	r = cnf_set_store(key, v);
	if (r <= 0)
		return r;
	return cnf_set_limit(key, v);
}
