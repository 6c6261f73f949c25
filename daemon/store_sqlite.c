// SPDX-License-Identifier: GPL-2.0
/*
 * The SQLite backend. Prepared statements are kept for the hot paths
 * (REGISTER refresh, call setup and teardown). Main thread only; store.c
 * times the commits and runs the commit hooks.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "store_sqlite.h"

static sqlite3 *sto_db;
static sqlite3_stmt *sto_bput, *sto_bdel, *sto_dput, *sto_ddel, *sto_wput, *sto_wdel;
static sqlite3_stmt *sto_sput, *sto_sdel, *sto_sdel_leg;

/* the checkpoint thread: its own connection; sto_ckpt_lock guards sto_ckpt_stop */
static pthread_t sto_ckpt_thread;
static int sto_ckpt_running;
static pthread_mutex_t sto_ckpt_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sto_ckpt_cond = PTHREAD_COND_INITIALIZER;
static int sto_ckpt_stop;
static char sto_path[PATH_MAX];
static int sto_in_txn;		/* a batch's transaction is open */

/* Copy the WAL into the database once a second; the fsync happens here. */
static void *sto_ckpt_main(void *arg)
{
	sqlite3 *db = NULL;

	(void)arg;
	if (sqlite3_open_v2(sto_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 100);
	pthread_mutex_lock(&sto_ckpt_lock);
	while (!sto_ckpt_stop) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&sto_ckpt_cond, &sto_ckpt_lock, &ts);
		if (sto_ckpt_stop)
			break;
		pthread_mutex_unlock(&sto_ckpt_lock);
		sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&sto_ckpt_lock);
	}
	pthread_mutex_unlock(&sto_ckpt_lock);
	sqlite3_close(db);
	return NULL;
}

/*
 * WAL with synchronous=NORMAL: a commit is a write() into the WAL, which
 * survives kill -9; fsync happens only at checkpoints, and those run in a
 * thread of their own (sto_ckpt_main) so the SIP loop never waits on the
 * disk. WITHOUT ROWID tables touch one b-tree per write. The srtp and
 * dtls_cert tables hold keys: what is deleted is overwritten
 * (secure_delete), and the file is the owner's alone (SQL_Open).
 */
static const char sto_schema[] =
	"PRAGMA page_size=1024;"
	"PRAGMA journal_mode=WAL;"
	"PRAGMA wal_autocheckpoint=0;"
	"PRAGMA synchronous=NORMAL;"
	"PRAGMA secure_delete=ON;"
	"CREATE TABLE IF NOT EXISTS registrations ("
	" aor TEXT NOT NULL, domain TEXT, contact TEXT NOT NULL, expires INTEGER NOT NULL,"
	" call_id TEXT, cseq INTEGER, source TEXT, proto INTEGER,"
	" instance TEXT, reg_id INTEGER, path TEXT,"
	" PRIMARY KEY (aor, contact)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS dialogs ("
	" call_id TEXT PRIMARY KEY, a_tag TEXT, b_tag TEXT, a_from TEXT, b_to TEXT,"
	" a_contact TEXT, b_contact TEXT, a_route TEXT, b_route TEXT, a_peer TEXT, b_peer TEXT,"
	" a_cseq INTEGER, b_cseq INTEGER, created INTEGER) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS webrtc ("
	" call_id TEXT NOT NULL, stream INTEGER NOT NULL, leg INTEGER NOT NULL,"
	" ufrag TEXT, pwd TEXT, remote_ufrag TEXT, server INTEGER, fp_hash INTEGER, fp BLOB,"
	" own_fp TEXT, offerer INTEGER,"
	" PRIMARY KEY (call_id, stream, leg)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS srtp ("
	" call_id TEXT NOT NULL, stream INTEGER NOT NULL, leg INTEGER NOT NULL, suite INTEGER,"
	" peer_tag INTEGER, peer BLOB, peer_lifetime INTEGER,"
	" own_tag INTEGER, own BLOB, own_lifetime INTEGER, dtls INTEGER,"
	" PRIMARY KEY (call_id, stream, leg)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS dtls_cert ("
	" id INTEGER PRIMARY KEY CHECK (id = 1), cert TEXT NOT NULL, key TEXT NOT NULL);";

static int sto_err(const char *what)
{
	LOG_ERR("state store: %s: %s", what, sqlite3_errmsg(sto_db));
	return -EIO;
}

/* mkdir -p for the directory holding path */
static void sto_mkdirs(const char *path)
{
	char d[PATH_MAX];
	char *p;

	snprintf(d, sizeof(d), "%s", path);
	p = strrchr(d, '/');
	if (!p || p == d)
		return;
	*p = '\0';
	for (p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(d, 0700);
		*p = '/';
	}
	mkdir(d, 0700);
}

/* does table have column col? */
static bool sto_has_column(const char *table, const char *col)
{
	char q[128];
	sqlite3_stmt *st;

	snprintf(q, sizeof(q), "SELECT %s FROM %s LIMIT 0", col, table);
	if (sqlite3_prepare_v2(sto_db, q, -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_finalize(st);
	return true;
}

/*
 * Columns a store written by an older krtpd lacks, added when it is
 * opened. Before outbound and Path support: registrations' (the bindings
 * it holds have none of them). Before krtpd kept WebRTC legs' keys:
 * webrtc.own_fp, webrtc.offerer and srtp.dtls (its legs have no
 * fingerprint, so a restart does not re-key their calls, and its keys are
 * SDES ones).
 */
static const struct {
	const char *table, *col;	/* the first column it adds */
	const char *what;
	const char *sql;
} sto_migrations[] = {
	{ "registrations", "path", "outbound and Path columns to registrations",
	  "ALTER TABLE registrations ADD COLUMN instance TEXT;"
	  "ALTER TABLE registrations ADD COLUMN reg_id INTEGER;"
	  "ALTER TABLE registrations ADD COLUMN path TEXT;" },
	{ "webrtc", "own_fp", "the DTLS fingerprint and offerer columns to webrtc",
	  "ALTER TABLE webrtc ADD COLUMN own_fp TEXT;"
	  "ALTER TABLE webrtc ADD COLUMN offerer INTEGER;" },
	{ "srtp", "dtls", "the DTLS column to srtp",
	  "ALTER TABLE srtp ADD COLUMN dtls INTEGER;" },
};

static int sto_migrate(void)
{
	for (size_t i = 0; i < sizeof(sto_migrations) / sizeof(sto_migrations[0]); i++) {
		if (sto_has_column(sto_migrations[i].table, sto_migrations[i].col))
			continue;
		LOG_INFO("state store: adding %s", sto_migrations[i].what);
		if (sqlite3_exec(sto_db, sto_migrations[i].sql, NULL, NULL, NULL) != SQLITE_OK)
			return -1;
	}
	return 0;
}

static void sto_owner_only(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char p[PATH_MAX + 8];

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		if (chmod(p, 0600) && (!i || errno != ENOENT))
			LOG_WARN("state store %s: cannot make it mode 0600: %s", p,
				 strerror(errno));
	}
}

int SQL_Open(const char *path)
{
	if (strcmp(path, ":memory:"))
		sto_mkdirs(path);
	if (sqlite3_open(path, &sto_db) != SQLITE_OK) {
		LOG_ERR("cannot open state store %s: %s", path, sqlite3_errmsg(sto_db));
		sqlite3_close(sto_db);
		sto_db = NULL;
		return -EIO;
	}
	sqlite3_busy_timeout(sto_db, 1000);
	/*
	 * It holds SRTP keys and ICE passwords: the owner's only, whatever
	 * the umask or the directory. SQLite gives its WAL and shared-memory
	 * files the database file's mode.
	 */
	if (strcmp(path, ":memory:"))
		sto_owner_only(path);
	if (sqlite3_exec(sto_db, sto_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sto_migrate())
		goto err;
	if (sqlite3_prepare_v2(sto_db, "INSERT OR REPLACE INTO registrations VALUES "
			       "(?,?,?,?,?,?,?,?,?,?,?)", -1, &sto_bput, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sto_db, "DELETE FROM registrations WHERE aor=? AND contact=?",
			       -1, &sto_bdel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sto_db, "INSERT OR REPLACE INTO dialogs VALUES "
			       "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &sto_dput, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sto_db, "DELETE FROM dialogs WHERE call_id=?", -1, &sto_ddel,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sto_db, "INSERT OR REPLACE INTO webrtc VALUES (?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &sto_wput, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sto_db, "DELETE FROM webrtc WHERE call_id=?", -1, &sto_wdel,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sto_db, "INSERT OR REPLACE INTO srtp VALUES (?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &sto_sput, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sto_db, "DELETE FROM srtp WHERE call_id=?", -1, &sto_sdel,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sto_db, "DELETE FROM srtp WHERE call_id=? AND stream=? AND leg=?",
			       -1, &sto_sdel_leg, NULL) != SQLITE_OK)
		goto err;
	if (strcmp(path, ":memory:")) {
		snprintf(sto_path, sizeof(sto_path), "%s", path);
		sto_ckpt_stop = 0;
		sto_ckpt_running = !pthread_create(&sto_ckpt_thread, NULL, sto_ckpt_main, NULL);
	}
	return 0;
err:
	sto_err(path);
	SQL_Close();
	return -EIO;
}

int SQL_IsOpen(void)
{
	return sto_db != NULL;
}

/* the caller (STO_Fini) committed the last batch */
void SQL_Close(void)
{
	if (sto_ckpt_running) {
		pthread_mutex_lock(&sto_ckpt_lock);
		sto_ckpt_stop = 1;
		pthread_cond_signal(&sto_ckpt_cond);
		pthread_mutex_unlock(&sto_ckpt_lock);
		pthread_join(sto_ckpt_thread, NULL);
		sto_ckpt_running = 0;
	}
	sqlite3_finalize(sto_bput);
	sqlite3_finalize(sto_bdel);
	sqlite3_finalize(sto_dput);
	sqlite3_finalize(sto_ddel);
	sqlite3_finalize(sto_wput);
	sqlite3_finalize(sto_wdel);
	sqlite3_finalize(sto_sput);
	sqlite3_finalize(sto_sdel);
	sqlite3_finalize(sto_sdel_leg);
	sto_bput = sto_bdel = sto_dput = sto_ddel = sto_wput = sto_wdel = NULL;
	sto_sput = sto_sdel = sto_sdel_leg = NULL;
	if (sto_db) {
		/* leave a compact file behind: everything in the database, no WAL */
		sqlite3_wal_checkpoint_v2(sto_db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		sqlite3_close(sto_db);
	}
	sto_db = NULL;
	sto_in_txn = 0;
}

static int sto_exec(const char *sql)
{
	return sqlite3_exec(sto_db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : sto_err(sql);
}

/*
 * Group commit. One transaction per REGISTER was most of krtpd's cost per
 * REGISTER: WAL frames, POSIX lock calls and a write() each. In a batch the
 * first write opens a transaction that SQL_Commit() closes.
 */
static int sto_txn(void)
{
	if (!STO_Batching() || sto_in_txn)
		return 0;
	if (sto_exec("BEGIN"))
		return -EIO;
	sto_in_txn = 1;
	return 0;
}

int SQL_InTxn(void)
{
	return sto_in_txn;
}

int SQL_Commit(void)
{
	if (!sto_in_txn)
		return 0;
	sto_in_txn = 0;
	if (sto_exec("COMMIT")) {
		sqlite3_exec(sto_db, "ROLLBACK", NULL, NULL, NULL);
		return -EIO;
	}
	return 0;
}

static int sto_step(sqlite3_stmt *st, const char *what)
{
	int r;

	if (sto_txn()) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return -EIO;
	}
	r = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r == SQLITE_DONE ? 0 : sto_err(what);
}

static void sto_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

int SQL_BindingPut(const struct sto_binding *b)
{
	if (!sto_db)
		return -ENODEV;
	sto_text(sto_bput, 1, b->aor);
	sto_text(sto_bput, 2, b->domain);
	sto_text(sto_bput, 3, b->contact);
	sqlite3_bind_int64(sto_bput, 4, b->expires);
	sto_text(sto_bput, 5, b->call_id);
	sqlite3_bind_int64(sto_bput, 6, b->cseq);
	sto_text(sto_bput, 7, b->source);
	sqlite3_bind_int(sto_bput, 8, b->proto);
	sto_text(sto_bput, 9, b->instance);
	sqlite3_bind_int64(sto_bput, 10, b->reg_id);
	sto_text(sto_bput, 11, b->path);
	return sto_step(sto_bput, "saving a registration");
}

int SQL_BindingDel(const char *aor, const char *contact)
{
	if (!sto_db)
		return -ENODEV;
	sto_text(sto_bdel, 1, aor);
	sto_text(sto_bdel, 2, contact);
	return sto_step(sto_bdel, "removing a registration");
}

static const char *sto_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

int SQL_BindingLoad(const char *aor, void (*cb)(const struct sto_binding *b, void *arg),
		    void *arg)
{
	sqlite3_stmt *st;
	int n = 0;

	if (!sto_db)
		return -ENODEV;
	if (sqlite3_prepare_v2(sto_db, aor ? "SELECT aor, domain, contact, expires, call_id, "
			       "cseq, source, proto, instance, reg_id, path FROM registrations "
			       "WHERE aor=?" :
			       "SELECT aor, domain, contact, expires, call_id, cseq, "
			       "source, proto, instance, reg_id, path FROM registrations",
			       -1, &st, NULL) != SQLITE_OK)
		return sto_err("loading registrations");
	if (aor)
		sto_text(st, 1, aor);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct sto_binding b = {
			.aor = sto_col(st, 0),
			.domain = sto_col(st, 1),
			.contact = sto_col(st, 2),
			.expires = sqlite3_column_int64(st, 3),
			.call_id = sto_col(st, 4),
			.cseq = sqlite3_column_int64(st, 5),
			.source = sto_col(st, 6),
			.proto = sqlite3_column_int(st, 7),
			.instance = sto_col(st, 8),
			.reg_id = (unsigned int)sqlite3_column_int64(st, 9),
			.path = sto_col(st, 10),
			.node = "",
		};

		cb(&b, arg);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

int SQL_DialogPut(const struct sto_dialog *d)
{
	if (!sto_db)
		return -ENODEV;
	sto_text(sto_dput, 1, d->call_id);
	sto_text(sto_dput, 2, d->a_tag);
	sto_text(sto_dput, 3, d->b_tag);
	sto_text(sto_dput, 4, d->a_from);
	sto_text(sto_dput, 5, d->b_to);
	sto_text(sto_dput, 6, d->a_contact);
	sto_text(sto_dput, 7, d->b_contact);
	sto_text(sto_dput, 8, d->a_route);
	sto_text(sto_dput, 9, d->b_route);
	sto_text(sto_dput, 10, d->a_peer);
	sto_text(sto_dput, 11, d->b_peer);
	sqlite3_bind_int64(sto_dput, 12, d->a_cseq);
	sqlite3_bind_int64(sto_dput, 13, d->b_cseq);
	sqlite3_bind_int64(sto_dput, 14, d->created);
	return sto_step(sto_dput, "saving a dialog");
}

int SQL_DialogDel(const char *call_id)
{
	if (!sto_db)
		return -ENODEV;
	sto_text(sto_ddel, 1, call_id);
	if (sto_step(sto_ddel, "removing a dialog") || SQL_WebrtcDel(call_id))
		return -EIO;
	return SQL_SrtpDel(call_id);
}

int SQL_DialogLoad(void (*cb)(const struct sto_dialog *d, void *arg), void *arg)
{
	sqlite3_stmt *st;
	int n = 0;

	if (!sto_db)
		return -ENODEV;
	if (sqlite3_prepare_v2(sto_db, "SELECT call_id, a_tag, b_tag, a_from, b_to, a_contact,"
			       " b_contact, a_route, b_route, a_peer, b_peer, a_cseq, b_cseq,"
			       " created FROM dialogs", -1, &st, NULL) != SQLITE_OK)
		return sto_err("loading dialogs");
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct sto_dialog d = {
			.call_id = sto_col(st, 0), .a_tag = sto_col(st, 1),
			.b_tag = sto_col(st, 2), .a_from = sto_col(st, 3),
			.b_to = sto_col(st, 4), .a_contact = sto_col(st, 5),
			.b_contact = sto_col(st, 6), .a_route = sto_col(st, 7),
			.b_route = sto_col(st, 8), .a_peer = sto_col(st, 9),
			.b_peer = sto_col(st, 10), .a_cseq = sqlite3_column_int64(st, 11),
			.b_cseq = sqlite3_column_int64(st, 12),
			.created = sqlite3_column_int64(st, 13),
		};

		cb(&d, arg);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

int SQL_WebrtcPut(const struct sto_webrtc *w)
{
	if (!sto_db)
		return -ENODEV;
	sto_text(sto_wput, 1, w->call_id);
	sqlite3_bind_int(sto_wput, 2, (int)w->stream);
	sqlite3_bind_int(sto_wput, 3, w->leg);
	sto_text(sto_wput, 4, w->ufrag);
	sto_text(sto_wput, 5, w->pwd);
	sto_text(sto_wput, 6, w->remote_ufrag);
	sqlite3_bind_int(sto_wput, 7, w->server);
	sqlite3_bind_int(sto_wput, 8, w->fp_hash);
	sqlite3_bind_blob(sto_wput, 9, w->fp, (int)w->fp_len, SQLITE_STATIC);
	sto_text(sto_wput, 10, w->own_fp);
	sqlite3_bind_int(sto_wput, 11, w->offerer);
	return sto_step(sto_wput, "saving a WebRTC leg");
}

int SQL_WebrtcDel(const char *call_id)
{
	if (!sto_db)
		return -ENODEV;
	sto_text(sto_wdel, 1, call_id);
	return sto_step(sto_wdel, "removing a WebRTC leg");
}

int SQL_WebrtcLoad(void (*cb)(const struct sto_webrtc *w, void *arg), void *arg)
{
	sqlite3_stmt *st;
	int n = 0;

	if (!sto_db)
		return -ENODEV;
	/* rows a call left behind without its dialog (answered, never established) */
	if (sto_exec("DELETE FROM webrtc WHERE call_id NOT IN (SELECT call_id FROM dialogs)"))
		return -EIO;
	if (sqlite3_prepare_v2(sto_db, "SELECT call_id, stream, leg, ufrag, pwd, remote_ufrag,"
			       " server, fp_hash, fp, own_fp, offerer FROM webrtc", -1, &st, NULL) != SQLITE_OK)
		return sto_err("loading WebRTC legs");
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct sto_webrtc w = {
			.call_id = sto_col(st, 0),
			.stream = (unsigned int)sqlite3_column_int(st, 1),
			.leg = sqlite3_column_int(st, 2),
			.ufrag = sto_col(st, 3), .pwd = sto_col(st, 4),
			.remote_ufrag = sto_col(st, 5),
			.server = sqlite3_column_int(st, 6),
			.fp_hash = sqlite3_column_int(st, 7),
			.fp = sqlite3_column_blob(st, 8),
			.fp_len = (size_t)sqlite3_column_bytes(st, 8),
			.own_fp = sto_col(st, 9),
			.offerer = sqlite3_column_int(st, 10),
		};

		cb(&w, arg);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

int SQL_SrtpPut(const struct sto_srtp *k)
{
	if (!sto_db)
		return -ENODEV;
	sto_text(sto_sput, 1, k->call_id);
	sqlite3_bind_int(sto_sput, 2, (int)k->stream);
	sqlite3_bind_int(sto_sput, 3, k->leg);
	sqlite3_bind_int(sto_sput, 4, k->suite);
	sqlite3_bind_int64(sto_sput, 5, k->peer_tag);
	sqlite3_bind_blob(sto_sput, 6, k->peer, (int)k->peer_len, SQLITE_STATIC);
	sqlite3_bind_int64(sto_sput, 7, (sqlite3_int64)k->peer_lifetime);
	sqlite3_bind_int64(sto_sput, 8, k->own_tag);
	sqlite3_bind_blob(sto_sput, 9, k->own, (int)k->own_len, SQLITE_STATIC);
	sqlite3_bind_int64(sto_sput, 10, (sqlite3_int64)k->own_lifetime);
	sqlite3_bind_int(sto_sput, 11, k->dtls);
	return sto_step(sto_sput, "saving a leg's SRTP keys");
}

int SQL_SrtpDel(const char *call_id)
{
	if (!sto_db)
		return -ENODEV;
	sto_text(sto_sdel, 1, call_id);
	return sto_step(sto_sdel, "removing a call's SRTP keys");
}

int SQL_SrtpDelLeg(const char *call_id, unsigned int stream, int leg)
{
	if (!sto_db)
		return -ENODEV;
	sto_text(sto_sdel_leg, 1, call_id);
	sqlite3_bind_int(sto_sdel_leg, 2, (int)stream);
	sqlite3_bind_int(sto_sdel_leg, 3, leg);
	return sto_step(sto_sdel_leg, "removing a leg's SRTP keys");
}

int SQL_SrtpLoad(void (*cb)(const struct sto_srtp *k, void *arg), void *arg)
{
	sqlite3_stmt *st;
	int n = 0;

	if (!sto_db)
		return -ENODEV;
	/* a call's rows one after the other: the caller removes what it does not take */
	if (sqlite3_prepare_v2(sto_db, "SELECT call_id, stream, leg, suite, peer_tag, peer,"
			       " peer_lifetime, own_tag, own, own_lifetime, dtls FROM srtp"
			       " ORDER BY call_id", -1, &st,
			       NULL) != SQLITE_OK)
		return sto_err("loading SRTP keys");
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct sto_srtp k = {
			.call_id = sto_col(st, 0),
			.stream = (unsigned int)sqlite3_column_int(st, 1),
			.leg = sqlite3_column_int(st, 2),
			.suite = sqlite3_column_int(st, 3),
			.peer_tag = (uint32_t)sqlite3_column_int64(st, 4),
			.peer = sqlite3_column_blob(st, 5),
			.peer_len = (size_t)sqlite3_column_bytes(st, 5),
			.peer_lifetime = (uint64_t)sqlite3_column_int64(st, 6),
			.own_tag = (uint32_t)sqlite3_column_int64(st, 7),
			.own = sqlite3_column_blob(st, 8),
			.own_len = (size_t)sqlite3_column_bytes(st, 8),
			.own_lifetime = (uint64_t)sqlite3_column_int64(st, 9),
			.dtls = sqlite3_column_int(st, 10),
		};

		cb(&k, arg);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/* written once a start at most: prepared here, not kept */
int SQL_DtlsCertPut(const char *cert, const char *key)
{
	sqlite3_stmt *st;
	int err;

	if (!sto_db)
		return -ENODEV;
	if (sqlite3_prepare_v2(sto_db, "INSERT OR REPLACE INTO dtls_cert (id, cert, key)"
			       " VALUES (1, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return sto_err("storing the DTLS certificate");
	sto_text(st, 1, cert);
	sto_text(st, 2, key);
	err = sto_step(st, "storing the DTLS certificate");
	sqlite3_finalize(st);
	return err;
}

int SQL_DtlsCertGet(char **cert, char **key)
{
	sqlite3_stmt *st;
	int err = -ENOENT;

	*cert = *key = NULL;
	if (!sto_db)
		return -ENODEV;
	if (sqlite3_prepare_v2(sto_db, "SELECT cert, key FROM dtls_cert WHERE id = 1", -1, &st,
			       NULL) != SQLITE_OK)
		return sto_err("loading the DTLS certificate");
	if (sqlite3_step(st) == SQLITE_ROW) {
		*cert = strdup(sto_col(st, 0));
		*key = strdup(sto_col(st, 1));
		err = *cert && *key ? 0 : -ENOMEM;
		if (err) {
			free(*cert);
			free(*key);
			*cert = *key = NULL;
		}
	}
	sqlite3_finalize(st);
	return err;
}
