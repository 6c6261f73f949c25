// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics HTTP server: libmicrohttpd, run by the main loop.
 *
 * libmicrohttpd is started without a thread of its own (no
 * MHD_USE_INTERNAL_POLLING_THREAD) and with MHD_USE_EPOLL: its epoll fd is
 * one more fd in loop.c's set, and MHD_run() is called when it is readable
 * or when MHD_get_timeout() says a connection times out. So a scrape runs
 * on the main thread and reads every counter without locks, and when
 * nobody scrapes the SIP loop does no work for metrics at all.
 *
 * A hostile client cannot hold it: at most MET_MAX_CONNS connections (2
 * per IP), each closed after MET_TIMEOUT_S seconds of inactivity, with a
 * small request memory limit; libmicrohttpd parses HTTP and answers
 * malformed requests with 400 itself.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <microhttpd.h>

#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "sip/transport.h"
#include "timer.h"

#define MET_MAX_CONNS	8
#define MET_MAX_PER_IP	2
#define MET_TIMEOUT_S	5
#define MET_MEM_LIMIT	(32 * 1024)
#define MET_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static struct MHD_Daemon *met_mhd;
static struct loop_fd *met_h;
static struct tmr met_timer = { .idx = -1 };
static struct met_stats met_stats;
static double met_last_render;		/* seconds the last scrape took to render */

static void met_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	LOG_DEBUG("metrics: %s", buf);
}

static enum MHD_Result met_reply(struct MHD_Connection *conn, unsigned int status,
				 const char *type, char *body, size_t len, int must_free)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, must_free ? MHD_RESPMEM_MUST_FREE :
					    MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static double met_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static enum MHD_Result met_request(void *cls, struct MHD_Connection *conn, const char *url,
				   const char *method, const char *version,
				   const char *upload, size_t *upload_len, void **con_cls)
{
	static char not_found[] = "not found: only /metrics is served here\n";
	static char bad_method[] = "method not allowed: use GET\n";
	static char no_mem[] = "cannot render the metrics\n";
	double t0;
	size_t len;
	char *body;

	(void)cls;
	(void)version;
	(void)upload;
	(void)con_cls;
	/* a request body is never wanted: answering now makes MHD close after it */
	*upload_len = 0;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		met_stats.bad_method++;
		return met_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", bad_method,
				 strlen(bad_method), 0);
	}
	if (strcmp(url, "/metrics")) {
		met_stats.not_found++;
		return met_reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
				 strlen(not_found), 0);
	}
	t0 = met_now();
	body = MET_Render(&len);
	met_last_render = met_now() - t0;
	if (!body)
		return met_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", no_mem,
				 strlen(no_mem), 0);
	met_stats.scrapes++;
	return met_reply(conn, MHD_HTTP_OK, MET_CONTENT_TYPE, body, len, 1);
}

/* Arm the timer for MHD's nearest connection timeout, if any */
static void met_rearm(void)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(met_mhd, &ms) == MHD_YES)
		TMR_Start(&met_timer, ms);
	else
		TMR_Stop(&met_timer);
}

static void met_run(void)
{
	MHD_run(met_mhd);
	met_rearm();
}

static void met_event(int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	met_run();
}

static void met_timeout(struct tmr *t)
{
	(void)t;
	met_run();
}

static void met_emit(struct met_out *o)
{
	static const char help[] = "HTTP requests to the metrics server, by result.";

	MET_Counter(o, "krtpd_metrics_requests_total", help, MET_LABELS("result", "ok"),
		    met_stats.scrapes);
	MET_Counter(o, "krtpd_metrics_requests_total", help, MET_LABELS("result", "not_found"),
		    met_stats.not_found);
	MET_Counter(o, "krtpd_metrics_requests_total", help,
		    MET_LABELS("result", "bad_method"), met_stats.bad_method);
	MET_Gauge(o, "krtpd_metrics_render_seconds",
		  "Time the previous scrape took to render, in the SIP loop.", NULL,
		  met_last_render);
}

void MET_GetStats(struct met_stats *s)
{
	*s = met_stats;
}

int MET_Init(const struct sockaddr_storage *addr)
{
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	char where[80];

	TP_AddrStr(addr, where, sizeof(where));
	if (addr->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	met_mhd = MHD_start_daemon(flags, TP_Port(addr), NULL, NULL, met_request, NULL,
				   MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)addr,
				   MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MET_MAX_CONNS,
				   MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)MET_MAX_PER_IP,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)MET_TIMEOUT_S,
				   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MET_MEM_LIMIT,
				   MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)16,
				   MHD_OPTION_EXTERNAL_LOGGER, met_log, NULL,
				   MHD_OPTION_END);
	if (!met_mhd) {
		LOG_ERR("metrics: cannot listen on %s", where);
		return -EADDRNOTAVAIL;
	}
	info = MHD_get_daemon_info(met_mhd, MHD_DAEMON_INFO_EPOLL_FD);
	met_h = info ? LOOP_Add(info->epoll_fd, EPOLLIN, met_event, NULL) : NULL;
	if (!met_h) {
		LOG_ERR("metrics: cannot watch the HTTP server's epoll fd");
		MHD_stop_daemon(met_mhd);
		met_mhd = NULL;
		return -ENOMEM;
	}
	TMR_Setup(&met_timer, met_timeout);
	MET_CoreInit();
	MET_AddSource(met_emit);
	LOG_INFO("metrics: serving http://%s/metrics", where);
	return 0;
}

void MET_Fini(void)
{
	if (!met_mhd)
		return;
	TMR_Stop(&met_timer);
	LOOP_Del(met_h);
	met_h = NULL;
	MHD_stop_daemon(met_mhd);
	met_mhd = NULL;
}
