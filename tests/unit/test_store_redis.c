// SPDX-License-Identifier: GPL-2.0
/*
 * store = redis (daemon/store_redis.c under store.c and the registrar),
 * against a redis-server this test starts on a unix socket in a temporary
 * folder (no persistence) and kills at the end; skipped when redis-server
 * is not installed. What the test itself reads in Redis it reads on a
 * connection of its own, as an operator's redis-cli would.
 *
 * A batch's writes reach Redis at its commit (MULTI/EXEC), with every
 * binding field and the binding's expiry as the key's; loads by AOR and
 * all; a contact whose binding expired leaves the AOR's set; another
 * node's PUBLISH reaches the change hook (our own does not) and the
 * registrar's table (marked remote), removals too. Redis killed: the
 * commit fails, REGISTER gets 503 with Retry-After and memory keeps what it
 * had; Redis back (empty): reconnected within the retry second, the table
 * re-read, and REGISTER stored again.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <hiredis/hiredis.h>

#include "log.h"
#include "rcu.h"
#include "sip/registrar.h"
#include "store.h"
#include "check.h"
#include "looptest.h"

static const struct reg_config cfg = {
	.min_expires = 60, .max_expires = 3600, .default_expires = 1800, .flow_timer = 25,
};
static char dir[] = "/tmp/krtpd-redis-XXXXXX";
static char sock[128];
static pid_t redis_pid = -1;
static redisContext *peek;		/* the test's own connection */
static int64_t now;

static redisReply *rq(const char *fmt, ...)
{
	redisReply *r;
	va_list ap;

	va_start(ap, fmt);
	r = redisvCommand(peek, fmt, ap);
	va_end(ap);
	return r;
}

/* an integer command's answer, -1 on anything else */
static long long rint_(const char *fmt, const char *a, const char *b)
{
	redisReply *r = rq(fmt, a, b);
	long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

	if (r)
		freeReplyObject(r);
	return v;
}

static int redis_start(void)
{
	char logf[160];
	int i;

	snprintf(logf, sizeof(logf), "%s/redis.log", dir);
	redis_pid = fork();
	if (!redis_pid) {
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock,
		       "--save", "", "--appendonly", "no", "--dir", dir, "--logfile", logf,
		       (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		struct timeval tv = { 0, 200000 };

		usleep(50000);
		peek = redisConnectUnixWithTimeout(sock, tv);
		if (peek && !peek->err)
			return 0;
		if (peek)
			redisFree(peek);
		peek = NULL;
	}
	return -1;
}

static void redis_stop(void)
{
	if (peek)
		redisFree(peek);
	peek = NULL;
	if (redis_pid > 0) {
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, NULL, 0);
	}
	redis_pid = -1;
}

static struct sto_redis_config rcfg_of(void)
{
	struct sto_redis_config rc = { .db = 0, .timeout_ms = 500 };

	snprintf(rc.server, sizeof(rc.server), "unix:%s", sock);
	snprintf(rc.prefix, sizeof(rc.prefix), "ut:");
	snprintf(rc.node, sizeof(rc.node), "n1");
	return rc;
}

/* what a load handed over, flattened */
static char got[2048];
static int ngot;

static void collect(const struct sto_binding *b, void *arg)
{
	(void)arg;
	snprintf(got + strlen(got), sizeof(got) - strlen(got),
		 "%s|%s|%s|%lld|%s|%u|%s|%d|%s|%u|%s|%s;", b->aor, b->domain, b->contact,
		 (long long)(b->expires - now), b->call_id, b->cseq, b->source, b->proto,
		 b->instance, b->reg_id, b->path, b->node);
	ngot++;
}

static int load(const char *aor)
{
	got[0] = '\0';
	ngot = 0;
	return aor ? STO_BindingLoadAor(aor, collect, NULL) : STO_BindingLoad(collect, NULL);
}

static char changed[256];

static void on_change(const char *aor)
{
	snprintf(changed + strlen(changed), sizeof(changed) - strlen(changed), "%s;",
		 aor ? aor : "(all)");
}

static void test_store(void)
{
	struct sto_binding b = {
		.aor = "alice", .domain = "krtp.test", .contact = "sip:alice@192.0.2.1:5060",
		.expires = now + 600, .call_id = "c1", .cseq = 7, .source = "192.0.2.1:5061",
		.proto = TP_TCP, .instance = "\"<urn:uuid:1>\"", .reg_id = 2,
		.path = "<sip:edge.example;lr;ob>",
	};
	redisReply *r;
	long long pttl;

	CHECK(STO_Writable());
	CHECK_STR(STO_Node(), "n1");
	/* write-before-reply: nothing is in Redis before the batch's commit */
	STO_BatchBegin();
	CHECK_EQ(STO_BindingPut(&b), 0);
	CHECK_EQ(rint_("EXISTS %s", "ut:binding:alice:sip:alice@192.0.2.1:5060", NULL), 0);
	CHECK_EQ(STO_BatchCommit(1), 0);
	CHECK_EQ(rint_("EXISTS %s", "ut:binding:alice:sip:alice@192.0.2.1:5060", NULL), 1);
	CHECK_EQ(rint_("SISMEMBER %s %s", "ut:aor:alice", "sip:alice@192.0.2.1:5060"), 1);
	/* the binding's expiry is the key's */
	pttl = rint_("PTTL %s", "ut:binding:alice:sip:alice@192.0.2.1:5060", NULL);
	CHECK(pttl > 598000 && pttl <= 600000);
	pttl = rint_("PTTL %s", "ut:aor:alice", NULL);
	CHECK(pttl > 598000 && pttl <= 600000);
	r = rq("HGET %s node", "ut:binding:alice:sip:alice@192.0.2.1:5060");
	CHECK(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "n1"));
	freeReplyObject(r);

	/* every field comes back, by AOR and in a load of all */
	CHECK_EQ(load("alice"), 1);
	CHECK_STR(got, "alice|krtp.test|sip:alice@192.0.2.1:5060|600|c1|7|192.0.2.1:5061|2|"
		  "\"<urn:uuid:1>\"|2|<sip:edge.example;lr;ob>|n1;");
	CHECK_EQ(load(NULL), 1);
	CHECK_EQ(load("nobody"), 0);

	/* a second contact, then the first removed outside a batch */
	b.contact = "sip:alice@192.0.2.2:5060";
	b.instance = "";
	b.reg_id = 0;
	b.path = "";
	b.proto = TP_UDP;
	CHECK_EQ(STO_BindingPut(&b), 0);
	CHECK_EQ(load("alice"), 2);
	CHECK_EQ(STO_BindingDel("alice", "sip:alice@192.0.2.1:5060"), 0);
	CHECK_EQ(rint_("EXISTS %s", "ut:binding:alice:sip:alice@192.0.2.1:5060", NULL), 0);
	CHECK_EQ(rint_("SISMEMBER %s %s", "ut:aor:alice", "sip:alice@192.0.2.1:5060"), 0);
	CHECK_EQ(load("alice"), 1);
	CHECK_STR(got, "alice|krtp.test|sip:alice@192.0.2.2:5060|600|c1|7|192.0.2.1:5061|1|"
		  "|0||n1;");
	CHECK_EQ(STO_BindingDel("alice", "sip:alice@192.0.2.2:5060"), 0);
	CHECK_EQ(rint_("EXISTS %s", "ut:aor:alice", NULL), 0);

	/* a member whose binding Redis dropped (expired) leaves the set when read */
	freeReplyObject(rq("SADD ut:aor:bob sip:bob@192.0.2.3:5060"));
	CHECK_EQ(load("bob"), 0);
	CHECK_EQ(rint_("EXISTS %s", "ut:aor:bob", NULL), 0);

	/* another node's announcement reaches the hook, ours does not */
	changed[0] = '\0';
	STO_SetChangeHook(on_change);
	freeReplyObject(rq("PUBLISH ut:registrations %s", "n2 carol"));
	freeReplyObject(rq("PUBLISH ut:registrations %s", "n1 dave"));
	run_for(300);
	CHECK_STR(changed, "carol;");
	STO_SetChangeHook(NULL);
}

/* REGISTER user from 192.0.2.10 with Contact sip:user@192.0.2.10:port */
static int reg(const char *user, int cseq, int port, char *hdrs_out)
{
	char text[1024], hdrs[512];
	struct tp_peer src = { .proto = TP_UDP, .sock = -1 };
	const char *reason;
	struct sip_buf hb;
	struct sip_msg m;
	int r;

	TP_AddrParse("192.0.2.10:5060", 5060, &src.addr);
	snprintf(text, sizeof(text), "REGISTER sip:krtp.test SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK%d\r\n"
		 "From: <sip:%s@krtp.test>;tag=1\r\nTo: <sip:%s@krtp.test>\r\n"
		 "Call-ID: reg-%s\r\nCSeq: %d REGISTER\r\n"
		 "Contact: <sip:%s@192.0.2.10:%d>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n",
		 cseq, user, user, user, cseq, user, port);
	if (MSG_Parse(&m, text, strlen(text)))
		return -1;
	SB_Init(&hb, hdrs, sizeof(hdrs) - 1);
	r = REG_Handle(&m, &src, now, &hb, &reason);
	hdrs[hb.len] = '\0';
	if (hdrs_out)
		strcpy(hdrs_out, hdrs);
	return r;
}

static int lookup(const char *user, char *uri, size_t sz)
{
	struct reg_target t[REG_MAX_BINDINGS];
	int n = REG_Lookup(STR_C(user), now, t, REG_MAX_BINDINGS);

	snprintf(uri, sz, "%s", n ? t[0].uri : "");
	return n;
}

static int remote_seen;

static void find_remote(const char *user, const char *domain, const struct reg_binding *b,
			void *arg)
{
	(void)domain;
	if (!strcmp(user, arg))
		remote_seen = b->remote ? 1 : 2;
}

static void test_registrar(void)
{
	const char *fkey = "ut:binding:frank:sip:frank@192.0.2.7:5060";
	char uri[512], hdrs[512], exp[24];
	redisReply *r;

	CHECK_EQ(REG_Init(&cfg), 0);
	RCU_ReadLock();
	CHECK_EQ(reg("erin", 1, 5070, NULL), 200);
	CHECK_EQ(lookup("erin", uri, sizeof(uri)), 1);
	CHECK_EQ(rint_("EXISTS %s", "ut:binding:erin:sip:erin@192.0.2.10:5070", NULL), 1);
	RCU_ReadUnlock();

	/* frank registered through node n2: its write and announcement */
	snprintf(exp, sizeof(exp), "%lld", (long long)now + 600);
	r = rq("HSET %s aor frank domain krtp.test contact sip:frank@192.0.2.7:5060 expires %s "
	       "call_id f1 cseq 1 source 192.0.2.7:5060 proto 1 instance %s reg_id 0 path %s "
	       "node n2", fkey, exp, "", "");
	freeReplyObject(r);
	freeReplyObject(rq("EXPIREAT %s %s", fkey, exp));
	freeReplyObject(rq("SADD ut:aor:frank sip:frank@192.0.2.7:5060"));
	freeReplyObject(rq("PUBLISH ut:registrations %s", "n2 frank"));
	run_for(300);
	RCU_ReadLock();
	CHECK_EQ(lookup("frank", uri, sizeof(uri)), 1);
	CHECK_STR(uri, "sip:frank@192.0.2.7:5060");
	remote_seen = 0;
	REG_ForEach(find_remote, "frank");
	CHECK_EQ(remote_seen, 1);
	remote_seen = 0;
	REG_ForEach(find_remote, "erin");
	CHECK_EQ(remote_seen, 2);
	RCU_ReadUnlock();

	/* n2 removes frank */
	freeReplyObject(rq("DEL %s", fkey));
	freeReplyObject(rq("SREM ut:aor:frank sip:frank@192.0.2.7:5060"));
	freeReplyObject(rq("PUBLISH ut:registrations %s", "n2 frank"));
	run_for(300);
	RCU_ReadLock();
	CHECK_EQ(lookup("frank", uri, sizeof(uri)), 0);

	/* Redis dies inside a burst: the commit fails, the replies would be withheld */
	STO_BatchBegin();
	CHECK_EQ(reg("gus", 1, 5080, NULL), 200);
	redis_stop();
	CHECK_EQ(STO_BatchCommit(1), -EIO);
	CHECK(!STO_Writable());
	/* and from then on REGISTER is refused before anything changes */
	CHECK_EQ(reg("erin", 2, 5071, hdrs), 503);
	CHECK(strstr(hdrs, "Retry-After: 5\r\n") != NULL);
	CHECK_EQ(lookup("erin", uri, sizeof(uri)), 1);
	CHECK_STR(uri, "sip:erin@192.0.2.10:5070");
	RCU_ReadUnlock();

	/* Redis back, empty: reconnected within the retry second, memory re-read */
	CHECK_EQ(redis_start(), 0);
	run_for(1500);
	CHECK(STO_Writable());
	RCU_ReadLock();
	CHECK_EQ(lookup("erin", uri, sizeof(uri)), 0);
	CHECK_EQ(reg("erin", 3, 5071, NULL), 200);
	CHECK_EQ(lookup("erin", uri, sizeof(uri)), 1);
	CHECK_EQ(rint_("EXISTS %s", "ut:binding:erin:sip:erin@192.0.2.10:5071", NULL), 1);
	RCU_ReadUnlock();
	REG_Fini();
}

int main(void)
{
	struct sto_redis_config rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	signal(SIGPIPE, SIG_IGN);	/* as krtpd: a write to a dead Redis is an error */
	if (system("command -v redis-server >/dev/null 2>&1")) {
		printf("# SKIP redis-server is not installed\n0 passed, 0 failed\n");
		return 0;
	}
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	RCU_RegisterThread();
	CHECK_EQ(TMR_Init(), 0);
	CHECK_EQ(LOOP_Init(), 0);
	CHECK_EQ(redis_start(), 0);
	now = time(NULL);
	CHECK_EQ(STO_Init(":memory:"), 0);
	rc = rcfg_of();
	CHECK_EQ(STO_UseRedis(&rc), 0);
	if (!failed) {
		test_store();
		test_registrar();
	}
	STO_Fini();
	LOOP_Fini();
	TMR_Fini();
	RCU_UnregisterThread();
	redis_stop();
	{
		char cmd[200];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			printf("# could not remove %s\n", dir);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
