/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krtpd configuration: defaults, then the config file (`key = value`
 * lines, see krtpd.conf.example), then command-line flags. Read once at
 * startup (the users file is re-read on SIGHUP by auth.c); read-only after.
 */
#ifndef KRTPD_CONFIG_H
#define KRTPD_CONFIG_H

#include "media.h"
#include "store.h"
#include "sip/limits.h"
#include "sip/dns.h"
#include "sip/msg.h"
#include "sip/transport.h"

#define CNF_MAX_LISTEN	16
#define CNF_MAX_DOMAINS	16

struct cnf {
	struct tp_listen listen[CNF_MAX_LISTEN];
	int nlisten;
	char domains[CNF_MAX_DOMAINS][128];
	int ndomains;
	char relay_address[64], relay_address6[64];
	unsigned int rtp_port_min, rtp_port_max;
	enum med_mode media;
	unsigned int media_timeout;
	int nat_media_signalling;	/* nat_media_source = signalling (default any) */
	unsigned int webrtc_consent_timeout;	/* s without an ICE check: WebRTC leg gone */
	int ws_webrtc;			/* offer WebRTC to callees reached only over WS/WSS */
	/* PEM files of the DTLS certificate of WebRTC legs; "": one made at start */
	char dtls_certificate[256], dtls_private_key[256];
	char users_file[256];
	char realm[128];
	char digest_algorithms[32];	/* challenges offered, in order */
	int auth_calls;			/* proxy-authenticate callers in our domains */
	char state_db[256];
	int store_redis;		/* store = redis: bindings in Redis */
	struct sto_redis_config redis;	/* redis, redis_password, redis_db, ... */
	char control_socket[256];
	char pid_file[256];
	int log_level;
	int log_syslog;
	unsigned int min_expires, max_expires, default_expires;
	unsigned int flow_timer;		/* Flow-Timer for outbound (s), 0 = none */
	unsigned int nat_ping_interval;		/* OPTIONS to NATed UDP contacts (s), 0 = off */
	unsigned int nat_ping_failures;		/* unanswered in a row before unregistering */
	int allow_relay;
	unsigned int max_forwards;
	unsigned int nonce_lifetime;
	unsigned int tcp_idle_timeout, tcp_max_connections, max_message_size;
	unsigned int invite_timeout;	/* Timer C, seconds */
	struct sockaddr_storage metrics_listen;	/* family 0: no metrics server */
	struct sockaddr_storage ng_listen;	/* rtpengine ng protocol; family 0: off */
	struct lim_config limits;	/* flood and abuse limits */
	struct dns_config dns;		/* dns_servers, dns_cache_size, dns_negative_ttl */
	char trunk[256];		/* SIP URI for numbers we do not serve, "" = none */
	char tls_certificate[256], tls_private_key[256], tls_ca_file[256];
	char tls_priority[256];
	int tls_verify;
	unsigned int tls_handshake_timeout;
	char ws_origins[1024];		/* Origins allowed on WS/WSS, "" = any */
	int foreground;
};

/*
 * Parse argv and the config file into the configuration. Returns 0 to run,
 * 1 when krtpd should exit successfully (--help, --version), or -1 after
 * printing why the configuration is unusable (exit status 2).
 */
int CNF_Init(int argc, char **argv);
void CNF_Fini(void);
const struct cnf *CNF_Get(void);
/* host is one of the configured domains (the local addresses count too, see TP_IsUs) */
int CNF_IsLocalDomain(struct sip_str host);
/*
 * u names this server: one of our addresses and listening ports, or one
 * of our domains with no port or one we listen on
 */
int CNF_UriIsUs(const struct sip_uri *u);

#endif /* KRTPD_CONFIG_H */
