// SPDX-License-Identifier: GPL-2.0
/*
 * krtpd's process-wide metrics, written from the modules' stats getters:
 * build info, transport and proxy counters, media totals, and krtp.ko's
 * module-wide counters from /sys/kernel/krtp/ (README's sysfs table).
 * Modules with counters of their own (txn, dialog, registrar, auth, store,
 * sip/stats) register their own sources. Main thread, during a scrape.
 *
 * Reading sysfs is a dozen small open/read/close calls (tens of
 * microseconds); the media totals are a walk of the calls in memory. Nothing
 * here waits on netlink.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "media.h"
#include "log.h"
#include "metrics.h"
#include "sip/proxy.h"
#include "sip/transport.h"

#define MET_SYSFS	"/sys/kernel/krtp/"

static time_t met_started;

/* One sysfs line into buf, without its newline; -1 when it cannot be read */
static int met_sysfs_str(const char *name, char *buf, size_t size)
{
	char path[96];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), MET_SYSFS "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* One sysfs value; -1 when the file cannot be read (module not loaded) */
static int met_sysfs(const char *name, uint64_t *v)
{
	char buf[32];

	if (met_sysfs_str(name, buf, sizeof(buf)))
		return -1;
	*v = strtoull(buf, NULL, 10);
	return 0;
}

/*
 * The crypto drivers krtp.ko's SRTP runs on (sysfs srtp/), as an info
 * metric: krtpd_kernel_srtp_driver{alg="hmac_sha1",driver="hmac(sha1-ni)"} 1.
 * Five samples at most, fixed while the module stays loaded.
 */
static void met_kernel_srtp_emit(struct met_out *o)
{
	static const char *const algs[] = { "aes_cm", "aes_cm_simd", "gcm", "gcm_simd",
					    "hmac_sha1" };
	static const char help[] =
		"The crypto driver krtp.ko's SRTP uses for each algorithm (none: not found at load).";
	char file[32], drv[128];

	for (unsigned int i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		snprintf(file, sizeof(file), "srtp/%s", algs[i]);
		if (!met_sysfs_str(file, drv, sizeof(drv)))
			MET_Gauge(o, "krtpd_kernel_srtp_driver", help,
				  MET_LABELS("alg", algs[i], "driver", drv), 1);
	}
}

static void met_kernel_emit(struct met_out *o)
{
	static const struct {
		const char *file, *name, *help;
		int gauge;
	} simple[] = {
		{ "flows_active", "krtpd_kernel_flows_active",
		  "krtp.ko flows installed (all network namespaces).", 1 },
		{ "max_flows", "krtpd_kernel_max_flows", "krtp.ko's max_flows parameter.", 1 },
		{ "packets_forwarded", "krtpd_kernel_packets_forwarded_total",
		  "Packets krtp.ko forwarded, RTP and RTCP.", 0 },
		{ "bytes_forwarded", "krtpd_kernel_bytes_forwarded_total",
		  "UDP payload bytes krtp.ko forwarded, RTP and RTCP.", 0 },
		{ "rtcp_packets", "krtpd_kernel_rtcp_packets_total",
		  "RTCP packets krtp.ko forwarded (part of packets_forwarded).", 0 },
		{ "rtcp_bytes", "krtpd_kernel_rtcp_bytes_total",
		  "RTCP payload bytes krtp.ko forwarded.", 0 },
		{ "events_dropped", "krtpd_kernel_events_dropped_total",
		  "Flow events krtp.ko could not queue.", 0 },
		{ "packets_passed", "krtpd_kernel_packets_passed_total",
		  "STUN and DTLS krtp.ko left to krtpd's sockets (WebRTC flows).", 0 },
	};
	/* reason label, sysfs file */
	static const char *const drops[][2] = {
		{ "wrong_source", "drop_wrong_source" }, { "no_route", "drop_no_route" },
		{ "not_rtp", "drop_not_rtp" }, { "other", "drop_other" },
		{ "srtp_auth_fail", "srtp_auth_fail" }, { "srtp_replay", "srtp_replay" },
	};
	static const char drop_help[] = "Packets krtp.ko dropped, by reason.";
	uint64_t v;
	unsigned int i;
	int loaded = !met_sysfs("flows_active", &v);

	MET_Gauge(o, "krtpd_kernel_module_loaded",
		  "1 when krtp.ko's counters are readable in " MET_SYSFS ".", NULL, loaded);
	if (!loaded)
		return;
	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (met_sysfs(simple[i].file, &v))
			continue;
		if (simple[i].gauge)
			MET_Gauge(o, simple[i].name, simple[i].help, NULL, v);
		else
			MET_Counter(o, simple[i].name, simple[i].help, NULL, v);
	}
	for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
		if (!met_sysfs(drops[i][1], &v))
			MET_Counter(o, "krtpd_kernel_packets_dropped_total", drop_help,
				    MET_LABELS("reason", drops[i][0]), v);
	}
	met_kernel_srtp_emit(o);
}

static void met_media_emit(struct met_out *o)
{
	static const char flows_help[] = "Media flows krtpd has installed, by where they run.";
	static const char drop_help[] =
		"Packets the userspace relay dropped, by reason (kernel mode: see krtpd_kernel_*).";
	struct med_totals t;

	MED_Totals(&t);
	if (!t.up)
		return;
	MET_Gauge(o, "krtpd_media_calls_active", "Calls with anchored media.", NULL, t.calls);
	MET_Gauge(o, "krtpd_media_flows_active", flows_help, MET_LABELS("mode", "kernel"),
		  t.kernel ? t.flows : 0);
	MET_Gauge(o, "krtpd_media_flows_active", flows_help, MET_LABELS("mode", "user"),
		  t.kernel ? 0 : t.flows);
	MET_Counter(o, "krtpd_media_user_packets_total",
		    "Packets the userspace relay forwarded, RTP and RTCP.", NULL, t.packets);
	MET_Counter(o, "krtpd_media_user_bytes_total",
		    "Payload bytes the userspace relay forwarded.", NULL, t.bytes);
	MET_Counter(o, "krtpd_media_user_packets_dropped_total", drop_help,
		    MET_LABELS("reason", "wrong_source"), t.drop_wrong_source);
	MET_Counter(o, "krtpd_media_user_packets_dropped_total", drop_help,
		    MET_LABELS("reason", "no_route"), t.drop_no_route);
	MET_Counter(o, "krtpd_media_user_packets_dropped_total", drop_help,
		    MET_LABELS("reason", "not_rtp"), t.drop_not_rtp);
	MET_Counter(o, "krtpd_media_user_packets_dropped_total", drop_help,
		    MET_LABELS("reason", "other"), t.drop_other);
}

static void met_sip_emit(struct met_out *o)
{
	struct tp_stats tp;
	struct prx_stats p;

	TP_GetStats(&tp);
	PRX_GetStats(&p);
	MET_Counter(o, "krtpd_sip_transport_received_total",
		    "SIP messages read from UDP and TCP, before parsing.", NULL, tp.rx);
	MET_Counter(o, "krtpd_sip_transport_sent_total", "SIP messages sent.", NULL, tp.tx);
	MET_Counter(o, "krtpd_sip_transport_send_errors_total",
		    "SIP messages that could not be sent.", NULL, tp.tx_errors);
	MET_Counter(o, "krtpd_sip_tcp_connections_total", "TCP connections opened, both ways.",
		    NULL, tp.conns);
	MET_Counter(o, "krtpd_sip_tcp_connections_refused_total",
		    "TCP connections refused at tcp_max_connections.", NULL, tp.conns_refused);
	MET_Gauge(o, "krtpd_sip_connections_open", "Stream connections open now.",
		  MET_LABELS("transport", "tcp"), tp.tcp_open);
	MET_Gauge(o, "krtpd_sip_connections_open", "Stream connections open now.",
		  MET_LABELS("transport", "tls"), tp.tls_open);
	MET_Gauge(o, "krtpd_sip_connections_open", "Stream connections open now.",
		  MET_LABELS("transport", "ws"), tp.ws_open);
	MET_Gauge(o, "krtpd_sip_connections_open", "Stream connections open now.",
		  MET_LABELS("transport", "wss"), tp.wss_open);
	MET_Counter(o, "krtpd_tls_handshakes_total", "TLS handshakes completed.", NULL,
		    tp.tls_handshakes);
	MET_Counter(o, "krtpd_tls_handshake_failures_total",
		    "TLS handshakes that failed, timeouts and verification failures included.",
		    NULL, tp.tls_handshake_failures);
	MET_Counter(o, "krtpd_tls_handshake_timeouts_total",
		    "TLS handshakes that did not finish in time.", NULL, tp.tls_handshake_timeouts);
	MET_Counter(o, "krtpd_tls_verify_failures_total",
		    "Outgoing TLS connections whose server certificate did not verify.", NULL,
		    tp.tls_verify_failures);
	MET_Counter(o, "krtpd_sip_messages_invalid_total",
		    "SIP messages that did not parse (answered 400 when possible).", NULL, p.bad);
	MET_Counter(o, "krtpd_sip_messages_dropped_total",
		    "Messages dropped without a reply (unparsable, unanswerable).", NULL,
		    LOG_DropCount());
	MET_Counter(o, "krtpd_sip_calls_started_total", "Calls answered (2xx to INVITE).", NULL,
		    p.calls_started);
	MET_Counter(o, "krtpd_sip_calls_failed_total", "Call attempts that got no 2xx.", NULL,
		    p.calls_failed);
}

static void met_core_emit(struct met_out *o)
{
	MET_Gauge(o, "krtpd_build_info", "krtpd's version, always 1.",
		  MET_LABELS("version", KRTPD_VERSION), 1);
	MET_Gauge(o, "krtpd_start_time_seconds", "When krtpd started, seconds since the epoch.",
		  NULL, met_started);
	met_sip_emit(o);
	met_media_emit(o);
	met_kernel_emit(o);
}

void MET_CoreInit(void)
{
	met_started = time(NULL);
	MET_AddSource(met_core_emit);
}
