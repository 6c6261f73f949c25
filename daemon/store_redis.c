// SPDX-License-Identifier: GPL-2.0
/*
 * Bindings in Redis, shared by several krtpd. With the default prefix:
 *
 *   krtpd:binding:<aor>:<contact>   hash: aor domain contact expires call_id
 *                                   cseq source proto instance reg_id path node;
 *                                   PEXPIREAT its expiry, so Redis drops it
 *   krtpd:aor:<aor>                 set of the AOR's contacts; its expiry is
 *                                   the latest of theirs (stale members are
 *                                   removed when the AOR is read)
 *   krtpd:registrations             channel: "<node> <aor>" after each change
 *
 * Every krtpd keeps the whole location table in memory and answers lookups
 * from it. A write is a MULTI/EXEC whose last command PUBLISHes the AOR; the
 * others, subscribed on a second connection watched by the main loop,
 * re-read that AOR at once, so a binding acknowledged by one node is seen
 * by all within a round trip. A subscription lost and re-established means
 * messages were missed: everything is re-read then.
 *
 * hiredis's synchronous API with a timeout on both connections (redis_timeout):
 * a Redis that stops answering holds the loop that long at most, once; the
 * connection is then dropped, writes are refused at once (REGISTER gets 503)
 * and a reconnect is tried after a second, then less often (up to every 8 s).
 * Main thread only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/time.h>
#include <hiredis/hiredis.h>

#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "store_redis.h"
#include "timer.h"

#define RDS_RETRY_MS	1000		/* the first reconnect, doubled up to RDS_RETRY_MAX_MS */
#define RDS_RETRY_MAX_MS 8000
#define RDS_KEY_MAX	800

static struct sto_redis_config rds_cfg;
static char rds_host[256];
static int rds_port;
static char rds_chan[96];
static redisContext *rds_c;		/* commands */
static redisContext *rds_sub;		/* SUBSCRIBEd to rds_chan */
static struct loop_fd *rds_sub_h;
static struct tmr rds_retry = { .idx = -1 };
static unsigned int rds_retry_ms = RDS_RETRY_MS;
static int rds_queued;			/* commands sent whose replies are not read yet */
static int rds_multi;			/* the batch's MULTI is open */
static int rds_batch_lost;		/* the connection went with the batch's writes */
static int rds_lost;			/* down since startup or a failure: re-read when up */
static int rds_init;
static void (*rds_changed)(const char *aor);
static uint64_t rds_errors, rds_changes;
static char rds_why[128];		/* why the last connect failed */

static void rds_emit(struct met_out *o)
{
	MET_Gauge(o, "krtpd_store_redis_connected",
		  "1 while the Redis holding the bindings is connected and subscribed.", NULL,
		  rds_c && rds_sub);
	MET_Counter(o, "krtpd_store_redis_errors_total",
		    "Redis connections lost or not made, and commands that failed.", NULL,
		    rds_errors);
	MET_Counter(o, "krtpd_store_redis_changes_total",
		    "Changes to bindings announced by other krtpd and read back.", NULL,
		    rds_changes);
}

int RDS_Connected(void)
{
	return rds_c != NULL;
}

const char *RDS_Node(void)
{
	return rds_cfg.node;
}

void RDS_SetChangeHook(void (*fn)(const char *aor))
{
	rds_changed = fn;
}

static void rds_drop(const char *what, const char *why)
{
	if (!rds_lost)
		LOG_ERR("redis %s: %s: %s; registrations are refused until it is back",
			rds_cfg.server, what, why);
	rds_errors++;
	rds_lost = 1;
	if (rds_multi)
		rds_batch_lost = 1;
	rds_multi = 0;
	rds_queued = 0;
	LOOP_Del(rds_sub_h);
	rds_sub_h = NULL;
	if (rds_sub)
		redisFree(rds_sub);
	if (rds_c)
		redisFree(rds_c);
	rds_sub = rds_c = NULL;
	if (!TMR_Armed(&rds_retry))
		TMR_Start(&rds_retry, rds_retry_ms);
}

/* a reply that says the command failed (an EXEC's: any of its commands) */
static int rds_reply_failed(const redisReply *r)
{
	size_t i;

	if (!r || r->type == REDIS_REPLY_ERROR) {
		if (r)
			LOG_ERR("redis: %s", r->str);
		return 1;
	}
	if (r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++)
			if (rds_reply_failed(r->element[i]))
				return 1;
	return 0;
}

/* one command and its reply, outside any MULTI; NULL when it failed (logged) */
static redisReply *rds_cmd(redisContext *c, const char *fmt, ...)
{
	redisReply *r;
	va_list ap;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (r && r->type == REDIS_REPLY_ERROR) {
		LOG_ERR("redis %s: %s", rds_cfg.server, r->str);
		freeReplyObject(r);
		rds_errors++;
		return NULL;
	}
	return r;
}

static redisContext *rds_connect(void)
{
	struct timeval tv = {
		.tv_sec = rds_cfg.timeout_ms / 1000,
		.tv_usec = (rds_cfg.timeout_ms % 1000) * 1000,
	};
	redisContext *c;
	redisReply *r;

	if (!strncmp(rds_cfg.server, "unix:", 5))
		c = redisConnectUnixWithTimeout(rds_cfg.server + 5, tv);
	else
		c = redisConnectWithTimeout(rds_host, rds_port, tv);
	if (!c || c->err) {
		snprintf(rds_why, sizeof(rds_why), "%s", c ? c->errstr : "out of memory");
		if (c)
			redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	if (rds_cfg.password[0]) {
		r = rds_cmd(c, "AUTH %s", rds_cfg.password);
		if (!r)
			goto err;
		freeReplyObject(r);
	}
	if (rds_cfg.db) {
		r = rds_cmd(c, "SELECT %u", rds_cfg.db);
		if (!r)
			goto err;
		freeReplyObject(r);
	}
	return c;
err:
	redisFree(c);
	return NULL;
}

static void rds_sub_event(int fd, uint32_t events, void *arg);

/* both connections, the subscription, and a full re-read if messages were missed */
static int rds_up(void)
{
	redisReply *r;
	int lost;

	snprintf(rds_why, sizeof(rds_why), "refused the login or the subscription");
	rds_c = rds_connect();
	rds_sub = rds_c ? rds_connect() : NULL;
	if (!rds_sub)
		goto err;
	r = rds_cmd(rds_sub, "SUBSCRIBE %s", rds_chan);
	if (!r)
		goto err;
	freeReplyObject(r);
	rds_sub_h = LOOP_Add(rds_sub->fd, EPOLLIN, rds_sub_event, NULL);
	if (!rds_sub_h)
		goto err;
	LOG_INFO("redis %s: connected as node %s", rds_cfg.server, rds_cfg.node);
	rds_retry_ms = RDS_RETRY_MS;
	lost = rds_lost;
	rds_lost = 0;
	if (lost && rds_init && rds_changed)
		rds_changed(NULL);
	return 0;
err:
	rds_drop("connect", rds_c && rds_c->err ? rds_c->errstr : rds_why);
	return -EIO;
}

/*
 * A host that does not answer holds a connect for redis_timeout: back off,
 * so an unreachable Redis costs the loop a small share of its time.
 */
static void rds_retry_fn(struct tmr *t)
{
	(void)t;
	rds_retry_ms = rds_retry_ms * 2 > RDS_RETRY_MAX_MS ? RDS_RETRY_MAX_MS : rds_retry_ms * 2;
	rds_up();
}

/* "<node> <aor>" from another node: read the AOR back */
static void rds_message(const redisReply *m)
{
	const char *sp = m->str ? memchr(m->str, ' ', m->len) : NULL;
	char aor[130];
	size_t nl;

	if (!sp)
		return;
	nl = sp - m->str;
	if ((nl == strlen(rds_cfg.node) && !memcmp(m->str, rds_cfg.node, nl)) ||
	    m->len - nl - 1 >= sizeof(aor))
		return;
	memcpy(aor, sp + 1, m->len - nl - 1);
	aor[m->len - nl - 1] = '\0';
	rds_changes++;
	if (rds_changed)
		rds_changed(aor);
}

static void rds_sub_event(int fd, uint32_t events, void *arg)
{
	redisContext *sub = rds_sub;
	void *p;

	(void)fd;
	(void)events;
	(void)arg;
	if (redisBufferRead(sub) != REDIS_OK) {
		rds_drop("subscription", sub->errstr);
		return;
	}
	for (;;) {
		redisReply *r;

		if (redisGetReplyFromReader(sub, &p) != REDIS_OK) {
			rds_drop("subscription", sub->errstr);
			return;
		}
		if (!p)
			return;
		r = p;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    !strcmp(r->element[0]->str, "message") &&
		    r->element[2]->type == REDIS_REPLY_STRING)
			rds_message(r->element[2]);
		freeReplyObject(r);
		/* reading the AOR back may have lost the connections */
		if (rds_sub != sub)
			return;
	}
}

/* "host[:port]", "[v6][:port]" or "unix:/path" */
static int rds_parse_server(const char *s)
{
	const char *colon;
	char *end;
	size_t hl;

	rds_port = 6379;
	if (!strncmp(s, "unix:", 5))
		return s[5] == '/' ? 0 : -1;
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb)
			return -1;
		hl = rb - s - 1;
		s++;
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (rb[1] && !colon)
			return -1;
	} else {
		colon = strrchr(s, ':');
		hl = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (!hl || hl >= sizeof(rds_host))
		return -1;
	memcpy(rds_host, s, hl);
	rds_host[hl] = '\0';
	if (colon) {
		unsigned long p = strtoul(colon + 1, &end, 10);

		if (!colon[1] || *end || !p || p > 65535)
			return -1;
		rds_port = (int)p;
	}
	return 0;
}

int RDS_Init(const struct sto_redis_config *rc)
{
	rds_cfg = *rc;
	if (rds_parse_server(rc->server)) {
		LOG_ERR("redis: bad server \"%s\" (want host[:port], [IPv6][:port] or unix:/path)",
			rc->server);
		return -EINVAL;
	}
	if (!rds_cfg.timeout_ms)
		rds_cfg.timeout_ms = 500;
	if (!rds_cfg.node[0] && gethostname(rds_cfg.node, sizeof(rds_cfg.node) - 1))
		snprintf(rds_cfg.node, sizeof(rds_cfg.node), "krtpd");
	snprintf(rds_chan, sizeof(rds_chan), "%sregistrations", rds_cfg.prefix);
	MET_AddSource(rds_emit);
	TMR_Setup(&rds_retry, rds_retry_fn);
	rds_lost = 0;
	rds_init = 0;
	rds_retry_ms = RDS_RETRY_MS;
	rds_up();	/* else logged, and tried again (rds_retry_fn) */
	rds_init = 1;
	return 0;
}

void RDS_Fini(void)
{
	TMR_Stop(&rds_retry);
	LOOP_Del(rds_sub_h);
	rds_sub_h = NULL;
	if (rds_sub)
		redisFree(rds_sub);
	if (rds_c)
		redisFree(rds_c);
	rds_sub = rds_c = NULL;
	rds_multi = rds_batch_lost = rds_queued = 0;
	rds_changed = NULL;
	rds_init = 0;
}

/* read the replies of what was sent: 0, or -EIO when any failed */
static int rds_flush(void)
{
	int err = 0;

	while (rds_queued) {
		void *p;

		if (redisGetReply(rds_c, &p) != REDIS_OK) {
			rds_drop("write", rds_c->errstr);
			return -EIO;
		}
		rds_queued--;
		if (rds_reply_failed(p)) {
			rds_errors++;
			err = -EIO;
		}
		freeReplyObject(p);
	}
	return err;
}

static int rds_begin(void)
{
	if (!rds_c)
		return -EIO;
	if (rds_multi)
		return 0;
	redisAppendCommand(rds_c, "MULTI");
	rds_queued++;
	rds_multi = 1;
	return 0;
}

int RDS_InTxn(void)
{
	return rds_multi || rds_batch_lost;
}

int RDS_Commit(void)
{
	if (rds_batch_lost) {
		rds_batch_lost = 0;
		return -EIO;
	}
	if (!rds_multi)
		return 0;
	rds_multi = 0;
	redisAppendCommand(rds_c, "EXEC");
	rds_queued++;
	return rds_flush();
}

/* outside a batch a write is committed at once */
static int rds_end(void)
{
	return STO_Batching() ? 0 : RDS_Commit();
}

static void rds_keys(char *bkey, char *akey, const char *aor, const char *contact)
{
	snprintf(bkey, RDS_KEY_MAX, "%sbinding:%s:%s", rds_cfg.prefix, aor, contact);
	snprintf(akey, RDS_KEY_MAX, "%saor:%s", rds_cfg.prefix, aor);
}

static void rds_publish(const char *aor)
{
	char msg[300];

	snprintf(msg, sizeof(msg), "%s %s", rds_cfg.node, aor);
	redisAppendCommand(rds_c, "PUBLISH %s %s", rds_chan, msg);
	rds_queued++;
}

int RDS_BindingPut(const struct sto_binding *b)
{
	char bkey[RDS_KEY_MAX], akey[RDS_KEY_MAX];
	long long ms = (long long)b->expires * 1000;

	if (rds_begin())
		return -EIO;
	rds_keys(bkey, akey, b->aor, b->contact);
	redisAppendCommand(rds_c, "HSET %s aor %s domain %s contact %s expires %lld call_id %s "
			   "cseq %u source %s proto %d instance %s reg_id %u path %s node %s",
			   bkey, b->aor, b->domain ? b->domain : "", b->contact,
			   (long long)b->expires, b->call_id ? b->call_id : "", b->cseq,
			   b->source ? b->source : "", b->proto, b->instance ? b->instance : "",
			   b->reg_id, b->path ? b->path : "", rds_cfg.node);
	redisAppendCommand(rds_c, "PEXPIREAT %s %lld", bkey, ms);
	redisAppendCommand(rds_c, "SADD %s %s", akey, b->contact);
	/* the set lives as long as its longest binding: NX sets a new one's, GT extends */
	redisAppendCommand(rds_c, "PEXPIREAT %s %lld NX", akey, ms);
	redisAppendCommand(rds_c, "PEXPIREAT %s %lld GT", akey, ms);
	rds_queued += 5;
	rds_publish(b->aor);
	return rds_end();
}

int RDS_BindingDel(const char *aor, const char *contact)
{
	char bkey[RDS_KEY_MAX], akey[RDS_KEY_MAX];

	if (rds_begin())
		return -EIO;
	rds_keys(bkey, akey, aor, contact);
	redisAppendCommand(rds_c, "DEL %s", bkey);
	redisAppendCommand(rds_c, "SREM %s %s", akey, contact);
	rds_queued += 2;
	rds_publish(aor);
	return rds_end();
}

static const char *rds_field(const redisReply *h, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < h->elements; i += 2)
		if (h->element[i]->str && !strcmp(h->element[i]->str, name))
			return h->element[i + 1]->str ? h->element[i + 1]->str : "";
	return NULL;
}

/* one HGETALL's reply: 1 when it was a binding (handed to cb), 0 when gone */
static int rds_binding(const redisReply *h, void (*cb)(const struct sto_binding *b, void *arg),
		       void *arg)
{
	const char *aor = rds_field(h, "aor"), *contact = rds_field(h, "contact");
	const char *exp = rds_field(h, "expires"), *cseq = rds_field(h, "cseq");
	const char *proto = rds_field(h, "proto"), *reg_id = rds_field(h, "reg_id");
	struct sto_binding b;

	if (h->type != REDIS_REPLY_ARRAY || !aor || !contact || !exp)
		return 0;
	memset(&b, 0, sizeof(b));
	b.aor = aor;
	b.contact = contact;
	b.expires = strtoll(exp, NULL, 10);
	b.domain = rds_field(h, "domain") ?: "";
	b.call_id = rds_field(h, "call_id") ?: "";
	b.cseq = cseq ? (uint32_t)strtoul(cseq, NULL, 10) : 0;
	b.source = rds_field(h, "source") ?: "";
	b.proto = proto ? atoi(proto) : 0;
	b.instance = rds_field(h, "instance") ?: "";
	b.reg_id = reg_id ? (unsigned int)strtoul(reg_id, NULL, 10) : 0;
	b.path = rds_field(h, "path") ?: "";
	b.node = rds_field(h, "node") ?: "";
	cb(&b, arg);
	return 1;
}

/*
 * HGETALL each of names (binding keys; or with aor, contacts of that AOR)
 * in one round trip. A contact whose binding expired leaves the AOR's set.
 */
static int rds_load_keys(const redisReply *names, const char *aor,
			 void (*cb)(const struct sto_binding *b, void *arg), void *arg)
{
	char bkey[RDS_KEY_MAX], akey[RDS_KEY_MAX];
	size_t i;
	int n = 0, stale = 0;

	for (i = 0; i < names->elements; i++) {
		if (aor)
			rds_keys(bkey, akey, aor, names->element[i]->str);
		redisAppendCommand(rds_c, "HGETALL %s", aor ? bkey : names->element[i]->str);
	}
	for (i = 0; i < names->elements; i++) {
		void *p;

		if (redisGetReply(rds_c, &p) != REDIS_OK) {
			rds_drop("read", rds_c->errstr);
			return -EIO;
		}
		if (rds_binding(p, cb, arg)) {
			n++;
		} else if (aor) {
			redisAppendCommand(rds_c, "SREM %s %s", akey, names->element[i]->str);
			stale++;
		}
		freeReplyObject(p);
	}
	rds_queued += stale;
	return rds_flush() ? -EIO : n;
}

int RDS_BindingLoad(const char *aor, void (*cb)(const struct sto_binding *b, void *arg),
		    void *arg)
{
	char bkey[RDS_KEY_MAX], akey[RDS_KEY_MAX], cursor[32] = "0";
	redisReply *r;
	int n = 0, k;

	if (!rds_c)
		return -EIO;
	if (rds_multi || rds_queued)
		return -EBUSY;
	if (aor) {
		rds_keys(bkey, akey, aor, "");
		r = rds_cmd(rds_c, "SMEMBERS %s", akey);
		if (!r) {
			rds_drop("read", rds_c->err ? rds_c->errstr : "SMEMBERS failed");
			return -EIO;
		}
		n = r->type == REDIS_REPLY_ARRAY ? rds_load_keys(r, aor, cb, arg) : 0;
		freeReplyObject(r);
		return n;
	}
	/* every binding key, a page at a time */
	snprintf(bkey, sizeof(bkey), "%sbinding:*", rds_cfg.prefix);
	do {
		r = rds_cmd(rds_c, "SCAN %s MATCH %s COUNT 1000", cursor, bkey);
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			if (r)
				freeReplyObject(r);
			rds_drop("read", rds_c->err ? rds_c->errstr : "SCAN failed");
			return -EIO;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str ?: "0");
		k = rds_load_keys(r->element[1], NULL, cb, arg);
		freeReplyObject(r);
		if (k < 0)
			return k;
		n += k;
	} while (strcmp(cursor, "0"));
	return n;
}
