// SPDX-License-Identifier: GPL-2.0
/*
 * Registrar logic (daemon/sip/registrar.c over daemon/store.c): add,
 * refresh, query, several contacts, Min-Expires/423 and the max cap,
 * removal by Expires: 0 and Contact: *, RFC 3261 §10.3 step 7 Call-ID/CSeq
 * ordering, expiry, lookup targets (NAT-aware), and that bindings come back
 * from the SQLite store after a restart. Last, a group commit that fails
 * (the disk refuses the WAL write) leaves the binding table as the store
 * has it.
 *
 * SIP Outbound (RFC 5626 §6) and Path (RFC 3327): a binding is keyed by
 * instance and reg-id, answered with Require: outbound and Flow-Timer, and
 * reached over its flow; an instance's newest live flow takes its
 * requests; a dead TCP flow is skipped; 439 when the first hop did not
 * mark the flow; a Path is stored, echoed for a UA that supports it, and
 * becomes the target's route; all of it survives a restart.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "rcu.h"
#include "sip/registrar.h"
#include "store.h"
#include "check.h"

static const struct reg_config cfg = {
	.min_expires = 60, .max_expires = 3600, .default_expires = 1800, .flow_timer = 25,
};
static int64_t now = 1700000000;

static struct tp_peer src_of(const char *addr)
{
	struct tp_peer p = { .proto = TP_UDP, .sock = -1 };

	TP_AddrParse(addr, 5060, &p.addr);
	return p;
}

/* REGISTER for user with the given extra header lines; returns the status */
static const char *extra_via = "";	/* a Via line above the UA's (an edge proxy) */
static int reg_proto = TP_UDP;
static uint32_t reg_conn;

static int reg(const char *user, const char *callid, int cseq, const char *lines,
	       const char *from, char *hdrs_out)
{
	char text[2048], hdrs[2048], *b;
	struct tp_peer src = src_of(from ? from : "192.0.2.10:5060");
	const char *reason;
	struct sip_buf hb;
	struct sip_msg m;
	int r;

	src.proto = reg_proto;
	src.conn = reg_conn;
	snprintf(text, sizeof(text), "REGISTER sip:krtp.test SIP/2.0\r\n%s"
		 "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK%d\r\n"
		 "From: <sip:%s@krtp.test>;tag=1\r\nTo: <sip:%s@krtp.test>\r\n"
		 "Call-ID: %s\r\nCSeq: %d REGISTER\r\n%sContent-Length: 0\r\n\r\n",
		 extra_via, cseq, user, user, callid, cseq, lines);
	b = strdup(text);
	if (MSG_Parse(&m, b, strlen(b))) {
		printf("# parse failed: %s\n", m.err);
		free(b);
		return -1;
	}
	SB_Init(&hb, hdrs, sizeof(hdrs) - 1);
	RCU_ReadLock();
	r = REG_Handle(&m, &src, now, &hb, &reason);
	RCU_ReadUnlock();
	hdrs[hb.len] = '\0';
	if (hdrs_out)
		strcpy(hdrs_out, hdrs);
	free(b);
	return r;
}

/* the table is read under the RCU read-side lock, as the main loop does */
static int lookup(const char *user, struct reg_target *t)
{
	int n;

	RCU_ReadLock();
	n = REG_Lookup(STR_C(user), now, t, REG_MAX_BINDINGS);
	RCU_ReadUnlock();
	return n;
}

static int known(const char *user)
{
	int k;

	RCU_ReadLock();
	k = REG_Known(STR_C(user));
	RCU_ReadUnlock();
	return k;
}

static void test_bindings(void)
{
	struct reg_target t[REG_MAX_BINDINGS];
	char hdrs[2048];

	CHECK_EQ(lookup("alice", t), 0);
	CHECK_EQ(reg("alice", "c1", 1, "Contact: <sip:alice@192.0.2.10:5070>\r\nExpires: 600\r\n",
		      NULL, hdrs), 200);
	CHECK(strstr(hdrs, "Contact: <sip:alice@192.0.2.10:5070>;expires=600") != NULL);
	CHECK_EQ(lookup("alice", t), 1);
	CHECK_STR(t[0].uri, "sip:alice@192.0.2.10:5070");
	CHECK_EQ(TP_Port(&t[0].dst.addr), 5070);
	CHECK(known("alice"));
	CHECK_EQ(REG_Count(), 1);

	/* refresh with a higher CSeq, same Call-ID: still one binding, new expiry */
	CHECK_EQ(reg("alice", "c1", 2, "Contact: <sip:alice@192.0.2.10:5070>;expires=120\r\n",
		      NULL, hdrs), 200);
	CHECK(strstr(hdrs, ";expires=120") != NULL);
	CHECK_EQ(REG_Count(), 1);
	/* RFC 3261 §10.3 step 7: same Call-ID, CSeq not higher: refused */
	CHECK_EQ(reg("alice", "c1", 2, "Contact: <sip:alice@192.0.2.10:5070>\r\n", NULL, NULL),
		 500);
	CHECK_EQ(reg("alice", "c1", 1, "Contact: <sip:alice@192.0.2.10:5070>\r\n", NULL, NULL),
		 500);
	/* another Call-ID (a rebooted UA) may update it whatever its CSeq */
	CHECK_EQ(reg("alice", "c2", 1, "Contact: <sip:alice@192.0.2.10:5070>\r\n", NULL, hdrs),
		 200);
	CHECK(strstr(hdrs, ";expires=1800") != NULL);	/* default_expires */

	/* a second contact; query (no Contact) lists both */
	CHECK_EQ(reg("alice", "c3", 1, "Contact: <sip:alice@192.0.2.11:5080>;expires=300\r\n",
		      "192.0.2.11:5080", NULL), 200);
	CHECK_EQ(reg("alice", "c4", 1, "", NULL, hdrs), 200);
	CHECK(strstr(hdrs, "sip:alice@192.0.2.10:5070") != NULL);
	CHECK(strstr(hdrs, "sip:alice@192.0.2.11:5080") != NULL);
	CHECK_EQ(lookup("alice", t), 2);

	/* too brief: 423 with Min-Expires, nothing changed */
	CHECK_EQ(reg("alice", "c5", 1, "Contact: <sip:alice@192.0.2.12>;expires=30\r\n", NULL,
		      hdrs), 423);
	CHECK(strstr(hdrs, "Min-Expires: 60") != NULL);
	CHECK_EQ(lookup("alice", t), 2);
	/* too long: cut to max_expires */
	CHECK_EQ(reg("bob", "b1", 1, "Contact: <sip:bob@192.0.2.20>\r\nExpires: 99999\r\n",
		      "192.0.2.20:5060", hdrs), 200);
	CHECK(strstr(hdrs, ";expires=3600") != NULL);

	/* removal of one binding with expires=0 */
	CHECK_EQ(reg("alice", "c3", 2, "Contact: <sip:alice@192.0.2.11:5080>;expires=0\r\n",
		      NULL, hdrs), 200);
	CHECK_EQ(lookup("alice", t), 1);
	CHECK(strstr(hdrs, "192.0.2.11") == NULL);

	/* Contact: * needs Expires: 0 */
	CHECK_EQ(reg("alice", "c6", 1, "Contact: *\r\n", NULL, NULL), 400);
	CHECK_EQ(reg("alice", "c6", 1, "Contact: *\r\nExpires: 0\r\n", NULL, hdrs), 200);
	CHECK_EQ(lookup("alice", t), 0);
	CHECK_EQ(known("alice"), 0);
	CHECK(strstr(hdrs, "Contact:") == NULL);

	/* several contacts in one REGISTER, one header and two */
	CHECK_EQ(reg("carol", "k1", 1, "Contact: <sip:carol@192.0.2.30:1>, <sip:carol@192.0.2.30:2>\r\n"
		      "m: <sip:carol@192.0.2.30:3>;expires=100\r\n", "192.0.2.30:1", hdrs), 200);
	CHECK_EQ(lookup("carol", t), 3);
	/* a To without a user */
	{
		char text[] = "REGISTER sip:krtp.test SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
			      "From: <sip:krtp.test>;tag=1\r\nTo: <sip:krtp.test>\r\nCall-ID: x\r\n"
			      "CSeq: 1 REGISTER\r\n\r\n";
		struct tp_peer src = src_of("192.0.2.1:5060");
		const char *reason;
		struct sip_buf hb;
		struct sip_msg m;
		char h[256];

		SB_Init(&hb, h, sizeof(h));
		CHECK_EQ(MSG_Parse(&m, text, strlen(text)), 0);
		RCU_ReadLock();
		CHECK_EQ(REG_Handle(&m, &src, now, &hb, &reason), 404);
		RCU_ReadUnlock();
	}
}

static void test_nat_and_expiry(void)
{
	struct reg_target t[REG_MAX_BINDINGS];

	/* the contact says a private address, the REGISTER came from elsewhere */
	CHECK_EQ(reg("dave", "d1", 1, "Contact: <sip:dave@10.9.9.9:5060>;expires=60\r\n",
		      "198.51.100.7:40000", NULL), 200);
	CHECK_EQ(lookup("dave", t), 1);
	CHECK_STR(t[0].uri, "sip:dave@10.9.9.9:5060");
	CHECK_EQ(TP_Port(&t[0].dst.addr), 40000);
	/* transport=tcp in the contact */
	CHECK_EQ(reg("erin", "e1", 1, "Contact: <sip:erin@192.0.2.40:5070;transport=tcp>\r\n",
		      "192.0.2.40:5070", NULL), 200);
	CHECK_EQ(lookup("erin", t), 1);
	CHECK_EQ(t[0].dst.proto, TP_TCP);

	now += 61;
	CHECK_EQ(lookup("dave", t), 0);		/* expired: not a target any more */
	RCU_ReadLock();
	REG_Expire(now);
	RCU_ReadUnlock();
	CHECK_EQ(known("dave"), 0);
	CHECK_EQ(lookup("bob", t), 1);
}

#define OB_INST "\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\""

static void test_outbound(void)
{
	struct reg_target t[REG_MAX_BINDINGS];
	unsigned long count;
	char hdrs[2048];

	/* flow 1 over UDP from a NAT: Require: outbound, Flow-Timer, reached over the flow */
	CHECK_EQ(reg("olga", "o1", 1, "Supported: path, outbound\r\n"
		      "Contact: <sip:olga@10.1.1.5:5060;ob>;+sip.instance=" OB_INST ";reg-id=1\r\n",
		      "198.51.100.9:4000", hdrs), 200);
	CHECK(strstr(hdrs, "Require: outbound\r\n") != NULL);
	CHECK(strstr(hdrs, "Flow-Timer: 25\r\n") != NULL);
	CHECK(strstr(hdrs, "Contact: <sip:olga@10.1.1.5:5060;ob>;expires=1800;+sip.instance="
		      OB_INST ";reg-id=1\r\n") != NULL);
	CHECK_EQ(lookup("olga", t), 1);
	CHECK_EQ(TP_Port(&t[0].dst.addr), 4000);

	/* the same instance and flow from a new contact and port: replaced, not added */
	CHECK_EQ(reg("olga", "o2", 1, "Supported: outbound\r\n"
		      "Contact: <sip:olga@10.1.1.6:5060;ob>;+sip.instance=" OB_INST ";reg-id=1\r\n",
		      "198.51.100.9:4001", hdrs), 200);
	CHECK(strstr(hdrs, "10.1.1.5") == NULL);
	CHECK_EQ(lookup("olga", t), 1);
	CHECK_STR(t[0].uri, "sip:olga@10.1.1.6:5060;ob");
	CHECK_EQ(TP_Port(&t[0].dst.addr), 4001);

	/* a second flow, registered later: two bindings, the newer takes the requests */
	now += 1;
	CHECK_EQ(reg("olga", "o3", 1, "Supported: outbound\r\n"
		      "Contact: <sip:olga@10.1.1.6:5062;ob>;+sip.instance=" OB_INST ";reg-id=2\r\n",
		      "198.51.100.9:4002", hdrs), 200);
	CHECK(strstr(hdrs, ";reg-id=1\r\n") != NULL && strstr(hdrs, ";reg-id=2\r\n") != NULL);
	CHECK_EQ(lookup("olga", t), 1);
	CHECK_EQ(TP_Port(&t[0].dst.addr), 4002);

	/* a third over TCP whose connection is gone: skipped, flow 2 still serves */
	now += 1;
	count = REG_Count();
	reg_proto = TP_TCP;
	reg_conn = 0x10005;
	CHECK_EQ(reg("olga", "o4", 1, "Supported: outbound\r\n"
		      "Contact: <sip:olga@10.1.1.6:5064;transport=tcp;ob>;+sip.instance=" OB_INST
		      ";reg-id=3\r\n", "198.51.100.9:4003", NULL), 200);
	reg_proto = TP_UDP;
	reg_conn = 0;
	CHECK_EQ(REG_Count(), count + 1);
	CHECK_EQ(lookup("olga", t), 1);
	CHECK_EQ(TP_Port(&t[0].dst.addr), 4002);
	CHECK_EQ(t[0].dst.proto, TP_UDP);

	/* reg-id without Supported: outbound is no outbound registration */
	CHECK_EQ(reg("pete", "p1", 1, "Contact: <sip:pete@192.0.2.60>;+sip.instance="
		      "\"<urn:uuid:1>\";reg-id=1\r\n", "192.0.2.60:5060", hdrs), 200);
	CHECK(strstr(hdrs, "Require: outbound") == NULL);
	CHECK(strstr(hdrs, ";reg-id=") == NULL);

	/* through a proxy that did not put ;ob in its Path: 439 (§6), nothing stored */
	extra_via = "Via: SIP/2.0/UDP 192.0.2.99:5070;branch=z9hG4bKedge1\r\n";
	CHECK_EQ(reg("quinn", "q1", 1, "Supported: outbound, path\r\n"
		      "Path: <sip:192.0.2.99:5070;lr>\r\n"
		      "Contact: <sip:quinn@10.2.2.2;ob>;+sip.instance=\"<urn:uuid:2>\";reg-id=1\r\n",
		      "192.0.2.99:5070", NULL), 439);
	CHECK_EQ(lookup("quinn", t), 0);
	/* with ;ob on the edge's Path: accepted, and requests go through the edge */
	CHECK_EQ(reg("quinn", "q2", 1, "Supported: outbound, path\r\n"
		      "Path: <sip:192.0.2.99:5070;lr;ob>\r\n"
		      "Contact: <sip:quinn@10.2.2.2;ob>;+sip.instance=\"<urn:uuid:2>\";reg-id=1\r\n",
		      "192.0.2.99:5070", hdrs), 200);
	CHECK(strstr(hdrs, "Require: outbound\r\n") != NULL);
	CHECK(strstr(hdrs, "Flow-Timer:") == NULL);	/* the edge keeps the flow, not us */
	CHECK(strstr(hdrs, "Path: <sip:192.0.2.99:5070;lr;ob>\r\n") != NULL);
	CHECK_EQ(lookup("quinn", t), 1);
	CHECK_STR(t[0].route, "<sip:192.0.2.99:5070;lr;ob>");
	CHECK_EQ(TP_Port(&t[0].dst.addr), 5070);

	/* Path without outbound, two entries; not echoed to a UA without Supported: path */
	extra_via = "Via: SIP/2.0/UDP 192.0.2.98;branch=z9hG4bKp2\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.99:5070;branch=z9hG4bKp1\r\n";
	CHECK_EQ(reg("rita", "r1", 1, "Path: <sip:192.0.2.98;lr>\r\n"
		      "Path: <sip:192.0.2.99:5070;lr>\r\nContact: <sip:rita@10.3.3.3>\r\n",
		      "192.0.2.98:5060", hdrs), 200);
	extra_via = "";
	CHECK(strstr(hdrs, "Path:") == NULL);
	CHECK_EQ(lookup("rita", t), 1);
	CHECK_STR(t[0].route, "<sip:192.0.2.98;lr>, <sip:192.0.2.99:5070;lr>");
	CHECK_EQ(TP_Port(&t[0].dst.addr), 5060);
	CHECK_STR(t[0].uri, "sip:rita@10.3.3.3");
	/* a bad reg-id is refused */
	CHECK_EQ(reg("sam", "s1", 1, "Supported: outbound\r\nContact: <sip:sam@192.0.2.7>;"
		      "+sip.instance=\"<urn:uuid:3>\";reg-id=0\r\n", "192.0.2.7:5060", NULL), 400);
}

static void test_restart(void)
{
	struct reg_target t[REG_MAX_BINDINGS];
	char path[] = "/tmp/krtpd-reg-XXXXXX";
	int fd = mkstemp(path);

	close(fd);
	CHECK_EQ(STO_Init(path), 0);
	CHECK_EQ(REG_Init(&cfg), 0);
	CHECK_EQ(reg("frank", "f1", 1, "Contact: <sip:frank@192.0.2.50:5062>;expires=100\r\n",
		      "192.0.2.50:5062", NULL), 200);
	CHECK_EQ(reg("frank", "f2", 1, "Contact: <sip:frank@192.0.2.51:5062>;expires=3000\r\n",
		      "192.0.2.51:5062", NULL), 200);
	/* outbound over UDP, and a Path: both must come back */
	CHECK_EQ(reg("gina", "g1", 1, "Supported: outbound\r\nContact: <sip:gina@10.4.4.4;ob>;"
		      "+sip.instance=\"<urn:uuid:4>\";reg-id=1\r\n", "198.51.100.4:6000", NULL),
		 200);
	CHECK_EQ(reg("hugo", "h1", 1, "Path: <sip:192.0.2.97:5080;lr>\r\n"
		      "Contact: <sip:hugo@10.5.5.5>\r\n", "192.0.2.97:5080", NULL), 200);
	REG_Fini();
	STO_Fini();

	/* "restart" 200 s later: the first binding expired meanwhile */
	now += 200;
	CHECK_EQ(STO_Init(path), 0);
	CHECK_EQ(REG_Init(&cfg), 0);
	CHECK_EQ(REG_Load(now), 3);
	CHECK_EQ(lookup("frank", t), 1);
	CHECK_STR(t[0].uri, "sip:frank@192.0.2.51:5062");
	CHECK_EQ(lookup("gina", t), 1);
	CHECK_EQ(TP_Port(&t[0].dst.addr), 6000);	/* its flow, not its Contact */
	CHECK_EQ(lookup("hugo", t), 1);
	CHECK_STR(t[0].route, "<sip:192.0.2.97:5080;lr>");
	CHECK_EQ(TP_Port(&t[0].dst.addr), 5080);
	/* and the ordering state came back too */
	CHECK_EQ(reg("frank", "f2", 1, "Contact: <sip:frank@192.0.2.51:5062>\r\n",
		      "192.0.2.51:5062", NULL), 500);
	REG_Fini();
	STO_Fini();
	unlink(path);
	{
		char wal[64];

		snprintf(wal, sizeof(wal), "%s-wal", path);
		unlink(wal);
		snprintf(wal, sizeof(wal), "%s-shm", path);
		unlink(wal);
	}
}

/*
 * A VFS over the default one whose writes to WAL files fail while
 * vfs_fail is set: COMMIT then fails as it does on a full or broken disk.
 */
static sqlite3_vfs vfs_shim, *vfs_base;
static int vfs_fail, vfs_failed;

struct vfs_file {
	sqlite3_file base;
	sqlite3_file *real;
	int wal;
};

#define REAL(f) (((struct vfs_file *)(f))->real)

static int vf_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int vf_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}

static int vf_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	if (vfs_fail && ((struct vfs_file *)f)->wal) {
		vfs_failed++;
		return SQLITE_IOERR_WRITE;
	}
	return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}

static int vf_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int vf_sync(sqlite3_file *f, int flags)
{
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int vf_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int vf_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int vf_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int vf_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int vf_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int vf_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int vf_chars(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int vf_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, pp);
}

static int vf_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void vf_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int vf_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int vf_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}

static int vf_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods vf_methods = {
	3, vf_close, vf_read, vf_write, vf_truncate, vf_sync, vf_size, vf_lock, vf_unlock,
	vf_reserved, vf_control, vf_sector, vf_chars, vf_shm_map, vf_shm_lock, vf_shm_barrier,
	vf_shm_unmap, vf_fetch, vf_unfetch,
};

static int vf_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	struct vfs_file *vf = (struct vfs_file *)f;
	int rc;

	(void)vfs;
	vf->real = (sqlite3_file *)(vf + 1);
	vf->wal = !!(flags & SQLITE_OPEN_WAL);
	rc = vfs_base->xOpen(vfs_base, name, vf->real, flags, out);
	vf->base.pMethods = rc == SQLITE_OK && vf->real->pMethods ? &vf_methods : NULL;
	return rc;
}

static void vfs_install(void)
{
	vfs_base = sqlite3_vfs_find(NULL);
	vfs_shim = *vfs_base;
	vfs_shim.zName = "krtp-test-failing";
	vfs_shim.szOsFile = sizeof(struct vfs_file) + vfs_base->szOsFile;
	vfs_shim.xOpen = vf_open;
	sqlite3_vfs_register(&vfs_shim, 1);
}

/* the contacts of user, in order, as one string */
static void contacts(const char *user, char *out, size_t sz)
{
	struct reg_target t[REG_MAX_BINDINGS];
	int i, n = lookup(user, t);

	out[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), sz - strlen(out), "%s%s", i ? " " : "", t[i].uri);
}

static void test_failed_commit(void)
{
	char path[] = "/tmp/krtpd-reg-XXXXXX", c[512], aux[64];
	int fd = mkstemp(path);
	unsigned long count;

	close(fd);
	vfs_install();
	CHECK_EQ(STO_Init(path), 0);
	CHECK_EQ(REG_Init(&cfg), 0);
	/* committed: hank at A, ida at A */
	STO_BatchBegin();
	CHECK_EQ(reg("hank", "h1", 1, "Contact: <sip:hank@192.0.2.60:5060>\r\n", NULL, NULL), 200);
	CHECK_EQ(reg("ida", "i1", 1, "Contact: <sip:ida@192.0.2.61:5060>\r\n", NULL, NULL), 200);
	CHECK_EQ(STO_BatchCommit(1), 0);
	count = REG_Count();
	CHECK_EQ(count, 2);

	/* one burst: gina new, hank moves from A to B, ida removes all; the commit fails */
	STO_BatchBegin();
	CHECK_EQ(reg("gina", "g1", 1, "Contact: <sip:gina@192.0.2.62:5060>\r\n", NULL, NULL), 200);
	CHECK_EQ(reg("hank", "h1", 2, "Contact: <sip:hank@192.0.2.60:5060>;expires=0\r\n"
		     "Contact: <sip:hank@192.0.2.63:5060>\r\n", NULL, NULL), 200);
	CHECK_EQ(reg("ida", "i1", 2, "Contact: *\r\nExpires: 0\r\n", NULL, NULL), 200);
	contacts("hank", c, sizeof(c));
	CHECK_STR(c, "sip:hank@192.0.2.63:5060");	/* as the replies (withheld) said */
	CHECK_EQ(REG_Count(), 2);
	vfs_fail = 1;
	RCU_ReadLock();
	CHECK_EQ(STO_BatchCommit(1), -EIO);
	RCU_ReadUnlock();
	vfs_fail = 0;
	CHECK(vfs_failed > 0);

	/* memory is what the store kept */
	contacts("gina", c, sizeof(c));
	CHECK_STR(c, "");
	contacts("hank", c, sizeof(c));
	CHECK_STR(c, "sip:hank@192.0.2.60:5060");
	contacts("ida", c, sizeof(c));
	CHECK_STR(c, "sip:ida@192.0.2.61:5060");
	CHECK_EQ(REG_Count(), count);
	/* and the UA's retransmission (same CSeq) is taken now, not refused as old */
	CHECK_EQ(reg("gina", "g1", 1, "Contact: <sip:gina@192.0.2.62:5060>\r\n", NULL, NULL), 200);
	CHECK_EQ(reg("hank", "h1", 2, "Contact: <sip:hank@192.0.2.60:5060>;expires=0\r\n"
		     "Contact: <sip:hank@192.0.2.63:5060>\r\n", NULL, NULL), 200);
	contacts("hank", c, sizeof(c));
	CHECK_STR(c, "sip:hank@192.0.2.63:5060");

	/* the store agrees: a restart sees the same table */
	REG_Fini();
	STO_Fini();
	CHECK_EQ(STO_Init(path), 0);
	CHECK_EQ(REG_Init(&cfg), 0);
	CHECK_EQ(REG_Load(now), 3);
	contacts("gina", c, sizeof(c));
	CHECK_STR(c, "sip:gina@192.0.2.62:5060");
	contacts("hank", c, sizeof(c));
	CHECK_STR(c, "sip:hank@192.0.2.63:5060");
	contacts("ida", c, sizeof(c));
	CHECK_STR(c, "sip:ida@192.0.2.61:5060");
	REG_Fini();
	STO_Fini();
	unlink(path);
	snprintf(aux, sizeof(aux), "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s-shm", path);
	unlink(aux);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	LOG_SetLevel(LOGL_ERR);
	RCU_RegisterThread();
	CHECK_EQ(STO_Init(":memory:"), 0);
	CHECK_EQ(REG_Init(&cfg), 0);
	test_bindings();
	test_nat_and_expiry();
	test_outbound();
	REG_Fini();
	STO_Fini();
	test_restart();
	test_failed_commit();
	RCU_Barrier();
	RCU_UnregisterThread();
	return check_summary();
}
