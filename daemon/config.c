// SPDX-License-Identifier: GPL-2.0
/*
 * krtpd configuration: the defaults, the config file and the command line,
 * each setting handed to config_set.c. Main thread, startup only.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "log.h"
#include "sip/tls.h"

#define CNF_DEFAULT_FILE "/etc/krtpd/krtpd.conf"

struct cnf cnf;
int cnf_listen_cli;
int cnf_exempt_set;
int cnf_nplain;

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
	cnf.webrtc_consent_timeout = 30;	/* RFC 7675 section 5.1 */
	cnf.ws_webrtc = 1;			/* RFC 7118 clients are browsers */
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
	       "users file, the TLS certificate and the DTLS certificate (calls up keep\n"
	       "theirs; a file that does not load is logged and the old one stays). See\n"
	       "krtpd(8) and krtpd.conf.example for every setting.\n");
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
	if (cnf.dtls_private_key[0] && !cnf.dtls_certificate[0]) {
		fprintf(stderr, "krtpd: dtls_private_key needs dtls_certificate\n");
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
