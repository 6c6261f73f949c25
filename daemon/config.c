// SPDX-License-Identifier: GPL-2.0
/*
 * krtpd configuration. Main thread, startup only.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "sip/auth.h"
#include "sip/srtp_policy.h"
#include "sip/tls.h"

#define CNF_DEFAULT_FILE "/etc/krtpd/krtpd.conf"

static struct cnf cnf;
static int cnf_listen_cli;	/* -l given: the file's listen lines are ignored */
static int cnf_exempt_set;	/* limit_exempt given: the default list is gone */
static int cnf_nplain;		/* UDP/TCP entries in cnf.listen (the rest are TLS, WS, WSS) */

const struct cnf *CNF_Get(void)
{
	return &cnf;
}

static void cnf_defaults(void)
{
	memset(&cnf, 0, sizeof(cnf));
	cnf.rtp_port_min = 30000;
	cnf.rtp_port_max = 39999;
	cnf.media = MED_MODE_AUTO;
	cnf.media_timeout = 60;
	snprintf(cnf.realm, sizeof(cnf.realm), "krtpd");
	snprintf(cnf.digest_algorithms, sizeof(cnf.digest_algorithms), "SHA-256, MD5");
	cnf.auth_calls = 1;
	snprintf(cnf.state_db, sizeof(cnf.state_db), "/var/lib/krtpd/state.db");
	snprintf(cnf.control_socket, sizeof(cnf.control_socket), "/run/krtpd/krtpd.sock");
	snprintf(cnf.redis.server, sizeof(cnf.redis.server), "127.0.0.1:6379");
	snprintf(cnf.redis.prefix, sizeof(cnf.redis.prefix), "krtpd:");
	cnf.redis.timeout_ms = 500;
	cnf.log_level = LOGL_INFO;
	cnf.min_expires = 60;
	cnf.max_expires = 3600;
	cnf.default_expires = 3600;
	cnf.flow_timer = 25;
	cnf.nat_ping_interval = 30;
	cnf.nat_ping_failures = 3;
	cnf.max_forwards = 70;
	cnf.nonce_lifetime = 300;
	cnf.tcp_idle_timeout = 600;
	cnf.tcp_max_connections = 1024;
	cnf.max_message_size = 65535;
	cnf.invite_timeout = 180;
	LIM_Defaults(&cnf.limits);
	cnf_exempt_set = 0;
	cnf.dns.cache_size = 1024;
	cnf.dns.negative_ttl = 30;
	snprintf(cnf.tls_ca_file, sizeof(cnf.tls_ca_file), "%s", TLS_DEFAULT_CA);
	snprintf(cnf.tls_priority, sizeof(cnf.tls_priority), "%s", TLS_DEFAULT_PRIORITY);
	cnf.tls_verify = 1;
	cnf.tls_handshake_timeout = 10;
}

/* "[udp:|tcp:|tls:|ws:|wss:]addr[:port]", addr "[v6]" or "*" (every IPv4 address) */
static int cnf_add_listen(const char *s)
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

static int cnf_add_domain(const char *s)
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

static int cnf_media(const char *v)
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
static int cnf_set(const char *key, const char *v, int from_file)
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

static char *cnf_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int cnf_file(const char *path, int must_exist)
{
	char line[1024];
	int lineno = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		if (!must_exist && errno == ENOENT)
			return 0;
		fprintf(stderr, "krtpd: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p, *eq, *key, *val;

		lineno++;
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		p = cnf_trim(line);
		if (!*p)
			continue;
		eq = strchr(p, '=');
		if (!eq) {
			fprintf(stderr, "krtpd: %s:%d: expected key = value\n", path, lineno);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		key = cnf_trim(p);
		val = cnf_trim(eq + 1);
		if (cnf_set(key, val, 1)) {
			fprintf(stderr, "krtpd: %s:%d: in this line\n", path, lineno);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static void cnf_usage(void)
{
	printf("Usage: krtpd [OPTIONS]\n"
	       "SIP registrar and stateful proxy that anchors call media in krtp.ko.\n\n"
	       "  -c, --config FILE        configuration file (default " CNF_DEFAULT_FILE
	       "; a missing\n"
	       "                           default file is not an error)\n"
	       "  -l, --listen ADDR        listen on [udp:|tcp:|tls:|ws:|wss:]IP[:PORT] or the\n"
	       "                           same with [IPv6][:PORT]; repeatable, replaces the\n"
	       "                           file's listen (default 0.0.0.0:5060 and [::]:5060,\n"
	       "                           UDP and TCP; tls: port 5061, ws: 8080, wss: 8443)\n"
	       "  -D, --domain NAME        a local SIP domain (repeatable)\n"
	       "  -m, --media MODE         auto, kernel or user (default auto)\n"
	       "  -u, --users FILE         digest users file (user:password or user:realm:HA1)\n"
	       "  -s, --state-db FILE      SQLite state (default /var/lib/krtpd/state.db)\n"
	       "  -S, --socket PATH        control socket (default /run/krtpd/krtpd.sock)\n"
	       "  -p, --pid-file FILE      write the daemon's pid here\n"
	       "  -o, --set KEY=VALUE      any config file setting\n"
	       "  -d, --debug              log_level = debug\n"
	       "  -f, --foreground         do not detach; logs go to stderr unless log = syslog\n"
	       "  -h, --help               this text\n"
	       "  -V, --version            print the version\n\n"
	       "Without --foreground krtpd detaches and logs to syslog.\n"
	       "Signals: SIGTERM/SIGINT stop (media flows are deleted), SIGHUP re-reads the\n"
	       "users file and the TLS certificate. See krtpd(8) and krtpd.conf.example for\n"
	       "every setting.\n");
}

int CNF_Init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "domain", required_argument, NULL, 'D' },
		{ "media", required_argument, NULL, 'm' },
		{ "users", required_argument, NULL, 'u' },
		{ "state-db", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, 'S' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "set", required_argument, NULL, 'o' },
		{ "debug", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = CNF_DEFAULT_FILE;
	int explicit_file = 0, debug = 0, c, i;

	cnf_defaults();
	/* pass 1: the file and -l (which replaces the file's listen lines) */
	while ((c = getopt_long(argc, argv, "c:l:D:m:u:s:S:p:o:dfhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			file = optarg;
			explicit_file = 1;
			break;
		case 'l':
			cnf_listen_cli = 1;
			if (cnf_add_listen(optarg))
				return -1;
			break;
		case 'h':
			cnf_usage();
			return 1;
		case 'V':
			printf("krtpd " KRTPD_VERSION "\n");
			return 1;
		case '?':
			fprintf(stderr, "Try krtpd --help\n");
			return -1;
		default:
			break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "krtpd: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (cnf_file(file, explicit_file))
		return -1;
	/* pass 2: every other flag overrides the file */
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:l:D:m:u:s:S:p:o:dfhV", opts, NULL)) != -1) {
		int r = 0;

		switch (c) {
		case 'D':
			r = cnf_add_domain(optarg);
			break;
		case 'm':
			r = cnf_media(optarg);
			break;
		case 'u':
			r = cnf_set("users_file", optarg, 0);
			break;
		case 's':
			r = cnf_set("state_db", optarg, 0);
			break;
		case 'S':
			r = cnf_set("control_socket", optarg, 0);
			break;
		case 'p':
			r = cnf_set("pid_file", optarg, 0);
			break;
		case 'o': {
			char kv[512], *eq;

			snprintf(kv, sizeof(kv), "%s", optarg);
			eq = strchr(kv, '=');
			if (!eq) {
				fprintf(stderr, "krtpd: -o wants KEY=VALUE\n");
				return -1;
			}
			*eq = '\0';
			r = cnf_set(cnf_trim(kv), cnf_trim(eq + 1), 0);
			break;
		}
		case 'd':
			debug = 1;
			break;
		case 'f':
			cnf.foreground = 1;
			break;
		default:
			break;
		}
		if (r)
			return -1;
	}
	if (debug)
		cnf.log_level = LOGL_DEBUG;
	if (!cnf_nplain) {
		cnf_add_listen("0.0.0.0:5060");
		cnf_add_listen("[::]:5060");
	}
	for (i = 0; i < cnf.nlisten; i++)
		if (cnf.listen[i].tls && !cnf.tls_certificate[0]) {
			fprintf(stderr, "krtpd: listen_tls needs tls_certificate (and tls_private_key)\n");
			return -1;
		} else if (cnf.listen[i].wss && !cnf.tls_certificate[0]) {
			fprintf(stderr, "krtpd: listen_wss needs tls_certificate (and tls_private_key)\n");
			return -1;
		}
	if (cnf.rtp_port_min >= cnf.rtp_port_max) {
		fprintf(stderr, "krtpd: rtp_port_min must be below rtp_port_max\n");
		return -1;
	}
	if (cnf.min_expires > cnf.max_expires) {
		fprintf(stderr, "krtpd: min_expires must not exceed max_expires\n");
		return -1;
	}
	if (cnf.default_expires > cnf.max_expires)
		cnf.default_expires = cnf.max_expires;
	if (cnf.default_expires < cnf.min_expires)
		cnf.default_expires = cnf.min_expires;
	/* relay address: the configured one, else the first specific listen address */
	for (i = 0; i < cnf.nlisten && !cnf.relay_address[0]; i++) {
		const struct sockaddr_in *sin = (const void *)&cnf.listen[i].addr;

		if (sin->sin_family == AF_INET && sin->sin_addr.s_addr != INADDR_ANY)
			inet_ntop(AF_INET, &sin->sin_addr, cnf.relay_address,
				  sizeof(cnf.relay_address));
	}
	for (i = 0; i < cnf.nlisten && !cnf.relay_address6[0]; i++) {
		const struct sockaddr_in6 *sin6 = (const void *)&cnf.listen[i].addr;

		if (sin6->sin6_family == AF_INET6 && !IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
			inet_ntop(AF_INET6, &sin6->sin6_addr, cnf.relay_address6,
				  sizeof(cnf.relay_address6));
	}
	return 0;
}

void CNF_Fini(void)
{
}

int CNF_IsLocalDomain(struct sip_str host)
{
	int i;

	if (STR_CaseEqC(host, "localhost"))
		return 1;
	for (i = 0; i < cnf.ndomains; i++)
		if (STR_CaseEqC(host, cnf.domains[i]))
			return 1;
	return 0;
}

int CNF_UriIsUs(const struct sip_uri *u)
{
	if (TP_IsUs(u->host, u->port))
		return 1;
	return CNF_IsLocalDomain(u->host) && (!u->port || TP_IsUs(STR_C("127.0.0.1"), u->port) ||
					      TP_IsUs(STR_C("::1"), u->port));
}
