// SPDX-License-Identifier: GPL-2.0
/*
 * krtpd: SIP registrar and stateful proxy that anchors media in krtp.ko.
 * This file only orders initialisation and unwinding, and owns the signal
 * and media-inactivity plumbing into the main loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "log.h"
#include "loop.h"
#include "media.h"
#include "metrics.h"
#include "rcu.h"
#include "sip/auth.h"
#include "sip/dialog.h"
#include "ng/ng.h"
#include "sip/limits.h"
#include "sip/natping.h"
#include "sip/dns.h"
#include "sip/proxy.h"
#include "sip/registrar.h"
#include "sip/tls.h"
#include "sip/ws.h"
#include "sip/transport.h"
#include "sip/txn.h"
#include "store.h"
#include "timer.h"

/*
 * Calls whose media went idle: the media thread appends their keys under
 * inactive_lock and kicks inactive_fd; the main loop takes them all. It
 * kicks it too when WebRTC legs were keyed (keys_pending), to have their
 * keys stored.
 */
struct inactive {
	struct inactive *next;
	enum med_end why;
	char key[];
};

/* calls ended by media, by reason (main thread) */
static uint64_t ended_idle, ended_consent;

static pthread_mutex_t inactive_lock = PTHREAD_MUTEX_INITIALIZER;
static struct inactive *inactive_list;
static int inactive_fd = -1;
static int sig_fd = -1;
static struct tmr expire_timer = { .idx = -1 };

/* media thread: must not touch SIP state, only queue */
static void main_on_inactive(const char *key, enum med_end why, void *arg)
{
	size_t len = strlen(key) + 1;
	struct inactive *i = malloc(sizeof(*i) + len);
	uint64_t one = 1;

	(void)arg;
	if (!i)
		return;
	memcpy(i->key, key, len);
	i->why = why;
	pthread_mutex_lock(&inactive_lock);
	i->next = inactive_list;
	inactive_list = i;
	pthread_mutex_unlock(&inactive_lock);
	if (write(inactive_fd, &one, sizeof(one)) < 0)
		return;
}

/* media thread: a WebRTC leg was keyed; the main thread stores its keys */
static int keys_pending;

static void main_on_keys(void *arg)
{
	uint64_t one = 1;

	(void)arg;
	__atomic_store_n(&keys_pending, 1, __ATOMIC_SEQ_CST);
	if (write(inactive_fd, &one, sizeof(one)) < 0)
		return;
}

static void main_inactive_event(int fd, uint32_t events, void *arg)
{
	struct inactive *list;
	uint64_t n;
	char idle[64], consent[96];

	(void)events;
	(void)arg;
	if (read(fd, &n, sizeof(n)) < 0)
		return;
	if (__atomic_exchange_n(&keys_pending, 0, __ATOMIC_SEQ_CST))
		MED_StoreKeys();
	pthread_mutex_lock(&inactive_lock);
	list = inactive_list;
	inactive_list = NULL;
	pthread_mutex_unlock(&inactive_lock);
	snprintf(idle, sizeof(idle), "no media for %us", CNF_Get()->media_timeout);
	snprintf(consent, sizeof(consent), "WebRTC consent expired (no ICE check for %us)",
		 CNF_Get()->webrtc_consent_timeout);
	while (list) {
		struct inactive *next = list->next;

		if (list->why == MED_END_CONSENT)
			ended_consent++;
		else
			ended_idle++;
		PRX_EndCall(list->key, list->why == MED_END_CONSENT ? consent : idle);
		free(list);
		list = next;
	}
}

static void main_emit(struct met_out *o)
{
	static const char help[] = "Calls krtpd ended itself because of their media, by reason.";

	MET_Counter(o, "krtpd_calls_ended_total", help, MET_LABELS("reason", "media_timeout"),
		    ended_idle);
	MET_Counter(o, "krtpd_calls_ended_total", help, MET_LABELS("reason", "consent_expired"),
		    ended_consent);
}

/*
 * SIGHUP: the files the configuration names are read again (the
 * configuration itself is not), each keeping what it had when its new
 * file does not load, and the local addresses are looked up again. The
 * line says which files; each module logs how it went.
 */
static void main_reload(void)
{
	const struct cnf *c = CNF_Get();
	const char *what[3];
	char list[128] = "";
	size_t n = 0, len = 0;

	if (c->users_file[0])
		what[n++] = "the users file";
	if (c->tls_certificate[0])
		what[n++] = "the TLS certificate";
	if (c->dtls_certificate[0])
		what[n++] = "the DTLS certificate";
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					!i ? "" : i + 1 < n ? ", " : " and ", what[i]);
	if (n)
		LOG_INFO("SIGHUP: reloading %s", list);
	else
		LOG_INFO("SIGHUP: no users_file, tls_certificate or dtls_certificate to reload");
	AUTH_Reload();
	TLS_Reload();
	MED_DtlsReload();
	TP_RefreshLocal();
}

static void main_signal_event(int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			main_reload();
			break;
		case SIGTERM:
		case SIGINT:
			LOG_INFO("%s: shutting down", strsignal(si.ssi_signo));
			LOOP_Quit();
			break;
		default:
			break;
		}
	}
}

static void main_expire(struct tmr *t)
{
	REG_Expire(time(NULL));
	TMR_Start(t, 10000);
}

/* The relay address in SDP when none is configured: the first non-loopback IPv4, else loopback */
static void main_relay_default(char *out, size_t sz)
{
	struct ifaddrs *ifa, *i;

	snprintf(out, sz, "127.0.0.1");
	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr_in *sin = (const void *)i->ifa_addr;

		if (!sin || sin->sin_family != AF_INET ||
		    (ntohl(sin->sin_addr.s_addr) >> 24) == 127)
			continue;
		inet_ntop(AF_INET, &sin->sin_addr, out, sz);
		break;
	}
	freeifaddrs(ifa);
}

static int main_media_init(const struct cnf *c)
{
	struct med_config mc = {
		.mode = c->media,
		.port_min = c->rtp_port_min,
		.port_max = c->rtp_port_max,
		.inactivity_timeout = c->media_timeout,
		.nat_source_signalling = c->nat_media_signalling,
		.consent_timeout = c->webrtc_consent_timeout,
		.dtls_certificate = c->dtls_certificate,
		.dtls_private_key = c->dtls_private_key,
		.on_inactive = main_on_inactive,
		.on_keys = main_on_keys,
	};
	char r4[64];
	int mode;

	snprintf(r4, sizeof(r4), "%s", c->relay_address);
	if (!r4[0])
		main_relay_default(r4, sizeof(r4));
	if (TP_AddrParse(r4, 0, &mc.relay4) || mc.relay4.ss_family != AF_INET) {
		LOG_ERR("relay_address \"%s\" is not an IPv4 address", r4);
		return -EINVAL;
	}
	if (c->relay_address6[0] &&
	    (TP_AddrParse(c->relay_address6, 0, &mc.relay6) || mc.relay6.ss_family != AF_INET6)) {
		LOG_ERR("relay_address6 \"%s\" is not an IPv6 address", c->relay_address6);
		return -EINVAL;
	}
	mode = MED_Init(&mc);
	if (mode < 0) {
		LOG_ERR("media: cannot start (%s)%s", strerror(-mode),
			c->media == MED_MODE_KERNEL ? "; is krtp.ko loaded?" : "");
		return mode;
	}
	/* media.c logged the mode, and the warning when it fell back to userspace */
	LOG_DEBUG("media: relay address %s%s%s", r4, c->relay_address6[0] ? " and " : "",
		  c->relay_address6);
	return 0;
}

static void main_pid_file(const char *path)
{
	FILE *f;

	if (!path[0])
		return;
	f = fopen(path, "we");
	if (!f) {
		LOG_WARN("cannot write pid file %s: %m", path);
		return;
	}
	fprintf(f, "%d\n", getpid());
	fclose(f);
}

/* remove the pid file, unless a newer krtpd has written its own pid there */
static void main_pid_unlink(const char *path)
{
	FILE *f;
	int pid = 0;

	if (!path[0])
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid == getpid())
		unlink(path);
}

/*
 * Every relay port is a socket, as is every TCP, TLS or WebSocket peer: a
 * krtpd started from a shell has a soft limit of 1,024 descriptors, a
 * port range of 10,000 needs about that many per 500 calls, and past it
 * calls fail with "Too many open files". The soft limit is raised as far
 * as the range and connections need (the hard limit allowing; the systemd
 * unit sets both). Every descriptor krtpd watches goes through epoll, so
 * none is past a select() limit.
 */
static void main_raise_nofile(const struct cnf *c)
{
	rlim_t need = (rlim_t)c->rtp_port_max - c->rtp_port_min + 1 + c->tcp_max_connections + 256;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		LOG_WARN("open files: hard limit %llu, the relay ports and connections need %llu; "
			 "calls may fail with \"Too many open files\"",
			 (unsigned long long)rl.rlim_max, (unsigned long long)need);
		need = rl.rlim_max;
	}
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		LOG_WARN("open files: cannot raise the limit to %llu: %s",
			 (unsigned long long)need, strerror(errno));
	else
		LOG_DEBUG("open files: limit raised to %llu", (unsigned long long)need);
}

int main(int argc, char **argv)
{
	const struct cnf *c;
	struct loop_fd *sig_h = NULL, *inact_h = NULL;
	sigset_t mask;
	int r, ret = 1;

	r = CNF_Init(argc, argv);
	if (r)
		return r > 0 ? 0 : 2;
	c = CNF_Get();
	LOG_Init();
	LOG_SetLevel(c->log_level);
	if (!c->foreground) {
		if (daemon(0, 0)) {
			perror("krtpd: daemon");
			return 1;
		}
		LOG_SetSyslog(1);
	} else if (c->log_syslog) {
		LOG_SetSyslog(1);
	}
	LOG_INFO("krtpd " KRTPD_VERSION " starting");
	main_raise_nofile(c);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	RCU_RegisterThread();
	if (TMR_Init() || LOOP_Init())
		goto out_rcu;
	if (STO_Init(c->state_db))
		goto out_loop;
	if (c->store_redis) {
		struct sto_redis_config rc = c->redis;

		/* by default a node is named after its host and first SIP port */
		if (!rc.node[0]) {
			char host[64] = "krtpd";

			gethostname(host, sizeof(host) - 1);
			snprintf(rc.node, sizeof(rc.node), "%s:%u", host, TP_Port(&c->listen[0].addr));
		}
		if (STO_UseRedis(&rc))
			goto out_store;
		LOG_INFO("registrations are kept in redis %s", rc.server);
	}
	if (AUTH_Init(c->users_file, c->realm, c->nonce_lifetime) ||
	    AUTH_SetAlgorithms(c->digest_algorithms))
		goto out_store;
	{
		struct reg_config rc = {
			.min_expires = c->min_expires,
			.max_expires = c->max_expires,
			.default_expires = c->default_expires,
			.flow_timer = c->flow_timer,
		};

		struct natp_config np = {
			.interval = c->nat_ping_interval,
			.failures = c->nat_ping_failures,
		};

		if (REG_Init(&rc))
			goto out_auth;
		/* only arms a timer: nothing to undo but stopping it */
		NATP_Init(&np);
	}
	MET_AddSource(main_emit);
	if (DLG_Init())
		goto out_reg;
	if (TXN_Init())
		goto out_dlg;
	r = REG_Load(time(NULL));
	if (r > 0)
		LOG_INFO("restored %d registrations", r);
	r = DLG_Load();
	if (r > 0)
		LOG_INFO("restored %d calls", r);

	inactive_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (inactive_fd < 0)
		goto out_txn;
	if (main_media_init(c))
		goto out_efd;
	r = MED_Restore();
	if (r > 0)
		LOG_INFO("re-adopted the media of %d calls", r);
	if (LIM_Init(&c->limits))
		goto out_media;
	{
		struct prx_config pc = {
			.allow_relay = c->allow_relay,
			.max_forwards = c->max_forwards,
			.invite_timeout = c->invite_timeout,
			.media = 1,
			.auth_calls = c->auth_calls,
			.ws_webrtc = c->ws_webrtc,
		};

		if (PRX_Init(&pc))
			goto out_lim;
	}
	if (DNS_Init(&c->dns))
		goto out_prx;
	{
		struct tls_config tc = {
			.certificate = c->tls_certificate,
			.private_key = c->tls_private_key,
			.ca_file = c->tls_ca_file,
			.priority = c->tls_priority,
			.verify = c->tls_verify,
		};
		struct ws_config wc = { .origins = c->ws_origins };

		/* WS_Init only keeps the Origin list: nothing to undo */
		if (WS_Init(&wc) || TLS_Init(&tc))
			goto out_dns;
	}
	{
		struct tp_limits lim = {
			.max_message = c->max_message_size,
			.max_conns = c->tcp_max_connections,
			.idle_timeout = c->tcp_idle_timeout,
			.tls_handshake_timeout = c->tls_handshake_timeout,
		};

		TP_SetOversizeHandler(PRX_Oversize);
		TP_SetFailHandler(TXN_TransportFailed);
		/* a burst's replies leave after one commit of what it stored */
		TP_SetBatchHooks(STO_BatchBegin, STO_BatchCommit);
		if (TP_Init(c->listen, c->nlisten, &lim, PRX_Receive)) {
			LOG_ERR("no SIP listener could be opened");
			goto out_tp;
		}
	}
	if (CTL_Init(c->control_socket))
		goto out_tp;
	if (c->metrics_listen.ss_family && MET_Init(&c->metrics_listen))
		goto out_ctl;
	if (c->ng_listen.ss_family) {
		char a[64];
		int err = NG_Init(&c->ng_listen);

		TP_AddrStr(&c->ng_listen, a, sizeof(a));
		if (err) {
			LOG_ERR("ng: cannot listen on %s: %s", a, strerror(-err));
			goto out_ctl;
		}
		LOG_INFO("ng: rtpengine control protocol on UDP %s", a);
	}
	sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	sig_h = sig_fd >= 0 ? LOOP_Add(sig_fd, EPOLLIN, main_signal_event, NULL) : NULL;
	inact_h = LOOP_Add(inactive_fd, EPOLLIN, main_inactive_event, NULL);
	if (!sig_h || !inact_h)
		goto out_ctl;
	TMR_Setup(&expire_timer, main_expire);
	TMR_Start(&expire_timer, 10000);
	main_pid_file(c->pid_file);
	LOG_INFO("ready");

	ret = LOOP_Run() ? 1 : 0;

	TMR_Stop(&expire_timer);
out_ctl:
	LOOP_Del(sig_h);
	LOOP_Del(inact_h);
	if (sig_fd >= 0)
		close(sig_fd);
	NG_Fini();
	MET_Fini();
	CTL_Fini();
out_tp:
	TP_Fini();
	TLS_Fini();
	WS_Fini();
out_dns:
	/* ends lookups still waiting: their requests are dropped with the proxy */
	DNS_Fini();
out_prx:
	PRX_Fini();
out_lim:
	LIM_Fini();
out_media:
	/* deletes every flow: a stopped krtpd leaves no media running */
	MED_Fini();
out_efd:
	close(inactive_fd);
out_txn:
	TXN_Fini();
out_dlg:
	DLG_Fini();
out_reg:
	NATP_Fini();
	REG_Fini();
out_auth:
	AUTH_Fini();
out_store:
	STO_Fini();
out_loop:
	LOOP_Fini();
	TMR_Fini();
out_rcu:
	RCU_UnregisterThread();
	main_pid_unlink(c->pid_file);
	LOG_INFO("stopped");
	LOG_Fini();
	return ret;
}
