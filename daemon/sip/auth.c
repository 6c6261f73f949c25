// SPDX-License-Identifier: GPL-2.0
/*
 * Digest authentication. The users table is an array sorted by name,
 * replaced as a whole on SIGHUP; it is only read by the main thread, which
 * also does the replacing, so it needs no lock. So is the nonce-count
 * table, which has a fixed size: only a request with a correct response
 * adds to it, and even those cannot make it grow.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "../hash.h"
#include "../log.h"
#include "../config.h"
#include "../metrics.h"
#include "auth.h"

struct auth_user {
	char name[64];
	char ha1_md5[33];		/* "" when unknown */
	char ha1_sha[65];
};

static struct auth_user *auth_users;
static size_t auth_nusers;
static char auth_file[512];
static char auth_realm[128];
static unsigned int auth_lifetime = 300;
static uint8_t auth_secret[16];
static uint32_t auth_serial;		/* makes every nonce unique */
/* digest_algorithms: the challenges offered, in order (0 MD5, 1 SHA-256) */
static int auth_algs[2] = { 1, 0 };
static int auth_nalgs = 2;

static int auth_alg_offered(int sha)
{
	int i;

	for (i = 0; i < auth_nalgs; i++)
		if (auth_algs[i] == sha)
			return 1;
	return 0;
}

/*
 * Nonce-counts (RFC 7616 §3.4): the last nc accepted per nonce. Slots are
 * filled in turn, so the next one to fill holds the oldest entry; chains
 * from a hash of the nonce find them. Slot and chain indices are 1-based,
 * 0 ends a chain.
 */
#define AUTH_NC_BUCKETS	AUTH_NC_SLOTS
struct auth_nc {
	char nonce[AUTH_NONCE_LEN];
	uint32_t nc;
	uint32_t next;
};
static struct auth_nc auth_nc[AUTH_NC_SLOTS];
static uint32_t auth_nc_bucket[AUTH_NC_BUCKETS];
static uint32_t auth_nc_fill;		/* slots filled so far, wraps */
static uint32_t auth_nc_forgot;		/* newest serial of a nonce forgotten */

void AUTH_Hash(int sha256, const char *s, size_t len, char *hex)
{
	uint8_t d[32];

	if (sha256) {
		struct hash_sha256 c;

		HASH_Sha256Init(&c);
		HASH_Sha256Update(&c, s, len);
		HASH_Sha256Final(&c, d);
		HASH_Hex(d, 32, hex);
	} else {
		struct hash_md5 c;

		HASH_Md5Init(&c);
		HASH_Md5Update(&c, s, len);
		HASH_Md5Final(&c, d);
		HASH_Hex(d, 16, hex);
	}
}

void AUTH_Ha1(int sha256, const char *user, const char *realm, const char *pass, char *hex)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s:%s:%s", user, realm, pass);

	AUTH_Hash(sha256, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1, hex);
}

void AUTH_Response(int sha256, const char *ha1, struct sip_str nonce, struct sip_str nc,
		   struct sip_str cnonce, struct sip_str qop, struct sip_str method,
		   struct sip_str uri, char *hex)
{
	char ha2[65], buf[2048];
	int n;

	n = snprintf(buf, sizeof(buf), "%.*s:%.*s", (int)method.len, method.s, (int)uri.len, uri.s);
	AUTH_Hash(sha256, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1, ha2);
	if (qop.len)
		n = snprintf(buf, sizeof(buf), "%s:%.*s:%.*s:%.*s:%.*s:%s", ha1, (int)nonce.len,
			     nonce.s, (int)nc.len, nc.s, (int)cnonce.len, cnonce.s, (int)qop.len,
			     qop.s, ha2);
	else
		n = snprintf(buf, sizeof(buf), "%s:%.*s:%s", ha1, (int)nonce.len, nonce.s, ha2);
	AUTH_Hash(sha256, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1, hex);
}

static void auth_nonce_mac(uint64_t ts, uint32_t serial, char *hex)
{
	struct hash_sha256 c;
	uint8_t d[32];

	HASH_Sha256Init(&c);
	HASH_Sha256Update(&c, auth_secret, sizeof(auth_secret));
	HASH_Sha256Update(&c, &ts, sizeof(ts));
	HASH_Sha256Update(&c, &serial, sizeof(serial));
	HASH_Sha256Update(&c, auth_realm, strlen(auth_realm));
	HASH_Sha256Final(&c, d);
	HASH_Hex(d, 12, hex);
}

/* "<timestamp: 10 hex><serial: 8 hex><MAC: 24 hex>" */
void AUTH_Nonce(uint64_t now, char *out, size_t outsz)
{
	uint32_t serial = ++auth_serial;
	char mac[25];

	auth_nonce_mac(now, serial, mac);
	snprintf(out, outsz, "%010llx%08x%s", (unsigned long long)now, serial, mac);
}

/* a number of up to 16 hex digits, exactly len of them; -1 when not */
static int auth_hex_num(const char *s, size_t len, uint64_t *out)
{
	size_t i;

	*out = 0;
	if (!len || len > 16)
		return -1;
	for (i = 0; i < len; i++) {
		char c = s[i] | 0x20;

		if (c >= '0' && c <= '9')
			*out = *out << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*out = *out << 4 | (uint64_t)(c - 'a' + 10);
		else
			return -1;
	}
	return 0;
}

static uint32_t auth_nonce_serial(struct sip_str nonce)
{
	uint64_t n;

	return auth_hex_num(nonce.s + 10, 8, &n) ? 0 : (uint32_t)n;
}

int AUTH_NonceCheck(struct sip_str nonce, uint64_t now)
{
	uint64_t t, serial;
	char mac[25];

	if (nonce.len != AUTH_NONCE_LEN || auth_hex_num(nonce.s, 10, &t) ||
	    auth_hex_num(nonce.s + 10, 8, &serial))
		return -1;
	auth_nonce_mac(t, serial, mac);
	if (memcmp(mac, nonce.s + 18, 24))
		return -1;
	if (t > now + 5)
		return -1;
	return now - t > auth_lifetime ? 1 : 0;
}

static uint32_t *auth_nc_chain(struct sip_str nonce)
{
	return &auth_nc_bucket[HASH_Fnv(nonce.s, nonce.len) % AUTH_NC_BUCKETS];
}

static struct auth_nc *auth_nc_find(struct sip_str nonce)
{
	uint32_t i;

	for (i = *auth_nc_chain(nonce); i; i = auth_nc[i - 1].next)
		if (!memcmp(auth_nc[i - 1].nonce, nonce.s, AUTH_NONCE_LEN))
			return &auth_nc[i - 1];
	return NULL;
}

/* Take the oldest slot for nonce: unchain what it held and remember its serial. */
static struct auth_nc *auth_nc_take(struct sip_str nonce)
{
	uint32_t slot = auth_nc_fill++ % AUTH_NC_SLOTS + 1, *p;
	struct auth_nc *e = &auth_nc[slot - 1];

	if (e->nonce[0]) {
		struct sip_str old = { e->nonce, AUTH_NONCE_LEN };
		uint32_t serial = auth_nonce_serial(old);

		for (p = auth_nc_chain(old); *p && *p != slot; p = &auth_nc[*p - 1].next)
			;
		if (*p)
			*p = e->next;
		if ((int32_t)(serial - auth_nc_forgot) > 0)
			auth_nc_forgot = serial;
	}
	memcpy(e->nonce, nonce.s, AUTH_NONCE_LEN);
	p = auth_nc_chain(nonce);
	e->next = *p;
	*p = slot;
	return e;
}

int AUTH_NonceCount(struct sip_str nonce, uint32_t nc)
{
	struct auth_nc *e;

	if (nonce.len != AUTH_NONCE_LEN)
		return -1;
	e = auth_nc_find(nonce);
	if (e) {
		if (nc <= e->nc)
			return -1;
		e->nc = nc;
		return 0;
	}
	/*
	 * Not known: never used, unless it was issued before a nonce that was
	 * forgotten (serials only grow; compared modulo 2^32).
	 */
	if ((int32_t)(auth_nonce_serial(nonce) - auth_nc_forgot) <= 0 && auth_nc_forgot)
		return -1;
	e = auth_nc_take(nonce);
	e->nc = nc;
	return 0;
}

static int auth_cmp(const void *a, const void *b)
{
	return strcmp(((const struct auth_user *)a)->name, ((const struct auth_user *)b)->name);
}

static int auth_is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static int auth_load(void)
{
	struct auth_user *users = NULL, *u;
	size_t n = 0, cap = 0, lineno = 0;
	char line[1024];
	FILE *f = fopen(auth_file, "re");

	if (!f) {
		LOG_ERR("cannot read users file %s: %m", auth_file);
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *f1, *f2, *f3;
		size_t l;

		lineno++;
		l = strcspn(p, "\r\n");
		p[l] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		f1 = p;
		f2 = strchr(f1, ':');
		if (!f2 || f2 == f1 || f2 - f1 >= (long)sizeof(u->name)) {
			LOG_WARN("%s:%zu: expected user:password or user:realm:HA1", auth_file,
				 lineno);
			continue;
		}
		*f2++ = '\0';
		if (n == cap) {
			struct auth_user *nu;

			cap = cap ? cap * 2 : 64;
			nu = realloc(users, cap * sizeof(*users));
			if (!nu) {
				free(users);
				fclose(f);
				return -ENOMEM;
			}
			users = nu;
		}
		u = &users[n];
		memset(u, 0, sizeof(*u));
		strcpy(u->name, f1);
		f3 = strchr(f2, ':');
		l = f3 ? strlen(f3 + 1) : 0;
		if (f3 && (l == 32 || l == 64) && auth_is_hex(f3 + 1, l)) {
			*f3++ = '\0';
			if (strcmp(f2, auth_realm)) {
				LOG_WARN("%s:%zu: realm \"%s\" is not \"%s\", line ignored",
					 auth_file, lineno, f2, auth_realm);
				continue;
			}
			for (p = f3; *p; p++)
				*p |= 0x20;	/* lower-case hex */
			strcpy(l == 32 ? u->ha1_md5 : u->ha1_sha, f3);
		} else {
			AUTH_Ha1(0, f1, auth_realm, f2, u->ha1_md5);
			AUTH_Ha1(1, f1, auth_realm, f2, u->ha1_sha);
		}
		n++;
	}
	fclose(f);
	qsort(users, n, sizeof(*users), auth_cmp);
	free(auth_users);
	auth_users = users;
	auth_nusers = n;
	LOG_INFO("loaded %zu users from %s", n, auth_file);
	return 0;
}

static void auth_emit(struct met_out *o);

int AUTH_Init(const char *users_file, const char *realm, unsigned int nonce_lifetime)
{
	MET_AddSource(auth_emit);
	if (getrandom(auth_secret, sizeof(auth_secret), 0) != sizeof(auth_secret)) {
		uint64_t t = time(NULL) ^ (uint64_t)(uintptr_t)&t;

		memcpy(auth_secret, &t, sizeof(t));
	}
	snprintf(auth_realm, sizeof(auth_realm), "%s", realm && *realm ? realm : "krtpd");
	auth_lifetime = nonce_lifetime ? nonce_lifetime : 300;
	auth_algs[0] = 1;
	auth_algs[1] = 0;
	auth_nalgs = 2;
	memset(auth_nc, 0, sizeof(auth_nc));
	memset(auth_nc_bucket, 0, sizeof(auth_nc_bucket));
	auth_nc_fill = 0;
	auth_nc_forgot = 0;
	auth_file[0] = '\0';
	if (!users_file || !*users_file || !strcmp(users_file, "none"))
		return 0;
	snprintf(auth_file, sizeof(auth_file), "%s", users_file);
	return auth_load();
}

void AUTH_Fini(void)
{
	free(auth_users);
	auth_users = NULL;
	auth_nusers = 0;
}

int AUTH_Reload(void)
{
	if (!auth_file[0])
		return 0;
	return auth_load();
}

int AUTH_Enabled(void)
{
	return auth_file[0] != '\0';
}

static const struct auth_user *auth_find(struct sip_str user)
{
	struct auth_user key;

	if (!auth_nusers || !user.len || user.len >= sizeof(key.name))
		return NULL;
	memcpy(key.name, user.s, user.len);
	key.name[user.len] = '\0';
	return bsearch(&key, auth_users, auth_nusers, sizeof(key), auth_cmp);
}

int AUTH_UserKnown(struct sip_str user)
{
	return auth_find(user) != NULL;
}

/* Digest credentials: comma-separated auth-params with quoted values. */
struct auth_cred {
	struct sip_str username, realm, nonce, uri, response, algorithm, cnonce, qop, nc;
};

static void auth_unquote(struct sip_str *v)
{
	if (v->len >= 2 && v->s[0] == '"' && v->s[v->len - 1] == '"') {
		v->s++;
		v->len -= 2;
	}
}

static int auth_parse(struct sip_str h, struct auth_cred *c)
{
	const char *p = h.s, *end = h.s + h.len;

	memset(c, 0, sizeof(*c));
	if (h.len < 7 || strncasecmp(p, "Digest", 6) || (p[6] != ' ' && p[6] != '\t'))
		return -EINVAL;
	p += 7;
	while (p < end) {
		const char *ns, *ne;
		struct sip_str v;

		while (p < end && (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r' || *p == '\n'))
			p++;
		ns = p;
		while (p < end && *p != '=' && *p != ',' && *p != ' ')
			p++;
		ne = p;
		while (p < end && *p == ' ')
			p++;
		if (p >= end || *p != '=')
			return -EINVAL;
		p++;
		while (p < end && *p == ' ')
			p++;
		v.s = p;
		if (p < end && *p == '"') {
			p++;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end)
					p++;
				p++;
			}
			if (p >= end)
				return -EINVAL;
			p++;
		} else {
			while (p < end && *p != ',' && *p != ' ')
				p++;
		}
		v.len = p - v.s;
		auth_unquote(&v);
		{
			struct sip_str n = { ns, ne - ns };

			if (STR_CaseEqC(n, "username"))
				c->username = v;
			else if (STR_CaseEqC(n, "realm"))
				c->realm = v;
			else if (STR_CaseEqC(n, "nonce"))
				c->nonce = v;
			else if (STR_CaseEqC(n, "uri"))
				c->uri = v;
			else if (STR_CaseEqC(n, "response"))
				c->response = v;
			else if (STR_CaseEqC(n, "algorithm"))
				c->algorithm = v;
			else if (STR_CaseEqC(n, "cnonce"))
				c->cnonce = v;
			else if (STR_CaseEqC(n, "qop"))
				c->qop = v;
			else if (STR_CaseEqC(n, "nc"))
				c->nc = v;
		}
	}
	return 0;
}

/* The first credentials of m for our realm in the header kind says; NULL when none */
static const struct sip_hdr *auth_find_cred(const struct sip_msg *m, enum auth_kind kind,
					    struct auth_cred *c)
{
	enum sip_hdr_id id = kind == AUTH_PROXY ? SIP_H_PROXY_AUTHORIZATION : SIP_H_AUTHORIZATION;
	const struct sip_hdr *h;
	int i;

	for (i = 0; (h = MSG_Header(m, id, i)); i++)
		if (!auth_parse(h->value, c) && STR_Eq(c->realm, STR_C(auth_realm)))
			return h;
	return NULL;
}

int AUTH_ForUs(struct sip_str credentials)
{
	struct auth_cred c;

	return !auth_parse(credentials, &c) && STR_Eq(c.realm, STR_C(auth_realm));
}

/* RFC 3261 §19.1.4 in part: scheme, user exact, host any case, port 5060/5061 when absent */
static int auth_uri_same(const struct sip_uri *a, const struct sip_uri *b)
{
	unsigned int pa = a->port ? a->port : a->sips ? 5061 : 5060;
	unsigned int pb = b->port ? b->port : b->sips ? 5061 : 5060;

	return a->sips == b->sips && STR_Eq(a->user, b->user) && STR_CaseEq(a->host, b->host) &&
	       pa == pb;
}

/*
 * Does the digest uri= name the Request-URI (RFC 7616 §3.4.6, RFC 2617
 * §3.2.2.5)? Clients differ in how they write it: the case of scheme and
 * host, the default port written or not, URI parameters kept or dropped;
 * and some put the AOR (To or From) of a REGISTER there. The same bytes
 * are the common case and cost one compare.
 */
static int auth_uri_ok(const struct sip_msg *m, struct sip_str uri)
{
	struct sip_uri u;

	if (STR_Eq(uri, m->ruri_raw))
		return 1;
	if (URI_Parse(&u, uri.s, uri.len))
		return 0;
	if (auth_uri_same(&u, &m->ruri))
		return 1;
	if (m->method_id == SIP_M_REGISTER &&
	    (auth_uri_same(&u, &m->to.uri) || auth_uri_same(&u, &m->from.uri)))
		return 1;
	/*
	 * A client that names the server it sends to (sip:ADDR:PORT, no user
	 * part: sipp's default, and UAs given an outbound proxy) rather than
	 * the resource. Accepted only when both name us: the Request-URI is
	 * ours (a domain we serve or one of our addresses), and so is uri=.
	 */
	return !u.user.len && CNF_UriIsUs(&u) && CNF_UriIsUs(&m->ruri);
}

static int auth_check(const struct sip_msg *m, enum auth_kind kind, struct sip_str user,
		      int *stale, const char **reason)
{
	int challenge = kind == AUTH_PROXY ? 407 : 401;
	const struct auth_user *u;
	struct auth_cred c;
	uint64_t nc = 0;
	char expect[65];
	int sha, nonce;

	*stale = 0;
	*reason = "Wrong Credentials";
	if (!auth_find_cred(m, kind, &c))
		return challenge;
	if (!c.username.len || !c.nonce.len || !c.uri.len || !c.response.len)
		return 403;
	if (!auth_uri_ok(m, c.uri)) {
		*reason = kind == AUTH_PROXY ? "Proxy-Authorization URI Does Not Match Request-URI" :
					       "Authorization URI Does Not Match Request-URI";
		return 400;
	}
	if (!c.algorithm.len || STR_CaseEqC(c.algorithm, "MD5"))
		sha = 0;
	else if (STR_CaseEqC(c.algorithm, "SHA-256"))
		sha = 1;
	else
		return challenge;
	if (!auth_alg_offered(sha))
		return challenge;
	if (c.qop.len && (!STR_CaseEqC(c.qop, "auth") || !c.cnonce.len ||
			  auth_hex_num(c.nc.s, c.nc.len, &nc) || nc > UINT32_MAX))
		return 403;
	nonce = AUTH_NonceCheck(c.nonce, time(NULL));
	if (nonce < 0)
		return challenge;
	u = auth_find(c.username);
	if (!u || !(sha ? u->ha1_sha : u->ha1_md5)[0])
		return 403;
	AUTH_Response(sha, sha ? u->ha1_sha : u->ha1_md5, c.nonce, c.nc, c.cnonce, c.qop,
		      m->method, c.uri, expect);
	if (c.response.len != strlen(expect) || strncasecmp(c.response.s, expect, c.response.len))
		return 403;
	/* the password was right: from here on, failures name the real reason */
	if (nonce == 1) {
		*stale = 1;
		return challenge;
	}
	if (!STR_Eq(c.username, user)) {
		*reason = kind == AUTH_PROXY ? "Username Does Not Match From" :
					       "Username Does Not Match To";
		return 403;
	}
	/* a count that does not grow is a replay; the client may retry with a new nonce */
	if (c.qop.len && AUTH_NonceCount(c.nonce, nc)) {
		LOG_DEBUG("nonce-count %.*s of %.*s refused", (int)c.nc.len, c.nc.s,
			  (int)c.username.len, c.username.s);
		*stale = 1;
		return challenge;
	}
	*reason = NULL;
	return 0;
}

/* Outcomes of AUTH_Check, by kind (401 for REGISTER, 407 for calls) */
enum auth_result {
	AUTH_R_OK,
	AUTH_R_CHALLENGE,	/* no usable credentials: a challenge was the answer */
	AUTH_R_STALE,		/* right password, old nonce or a replayed count */
	AUTH_R_WRONG,		/* wrong password, unknown user or malformed credentials */
	AUTH_R_MISMATCH,	/* credentials of another user than the From/To */
	AUTH_R_URI,		/* digest uri= does not name the Request-URI (400) */
	AUTH_R_MAX
};
static uint64_t auth_results[2][AUTH_R_MAX];

int AUTH_Check(const struct sip_msg *m, enum auth_kind kind, struct sip_str user, int *stale,
	       const char **reason)
{
	int status = auth_check(m, kind, user, stale, reason);
	enum auth_result r;

	if (!status)
		r = AUTH_R_OK;
	else if (*stale)
		r = AUTH_R_STALE;
	else if (status == 400)
		r = AUTH_R_URI;
	else if (status != 403)
		r = AUTH_R_CHALLENGE;
	else if (*reason && !strncmp(*reason, "Username Does Not Match", 23))
		r = AUTH_R_MISMATCH;
	else
		r = AUTH_R_WRONG;
	auth_results[kind == AUTH_PROXY][r]++;
	return status;
}

static void auth_emit(struct met_out *o)
{
	static const char *const types[2] = { "register", "call" };
	static const char fail_help[] =
		"Digest authentications refused, by type (register: 401, call: 407) and reason.";
	int t;

	for (t = 0; t < 2; t++)
		MET_Counter(o, "krtpd_auth_successes_total",
			    "Digest authentications accepted, by type.",
			    MET_LABELS("type", types[t]), auth_results[t][AUTH_R_OK]);
	for (t = 0; t < 2; t++)
		MET_Counter(o, "krtpd_auth_challenges_total",
			    "Requests without usable credentials answered with a challenge, by type.",
			    MET_LABELS("type", types[t]), auth_results[t][AUTH_R_CHALLENGE]);
	for (t = 0; t < 2; t++) {
		MET_Counter(o, "krtpd_auth_failures_total", fail_help,
			    MET_LABELS("type", types[t], "reason", "wrong_credentials"),
			    auth_results[t][AUTH_R_WRONG]);
		MET_Counter(o, "krtpd_auth_failures_total", fail_help,
			    MET_LABELS("type", types[t], "reason", "user_mismatch"),
			    auth_results[t][AUTH_R_MISMATCH]);
		MET_Counter(o, "krtpd_auth_failures_total", fail_help,
			    MET_LABELS("type", types[t], "reason", "uri_mismatch"),
			    auth_results[t][AUTH_R_URI]);
		MET_Counter(o, "krtpd_auth_failures_total", fail_help,
			    MET_LABELS("type", types[t], "reason", "stale_nonce"),
			    auth_results[t][AUTH_R_STALE]);
	}
}

int AUTH_ParseAlgorithms(const char *list, int algs[2])
{
	const char *p = list;
	int n = 0, a;

	while (p && *p) {
		size_t len;

		p += strspn(p, " \t,");
		len = strcspn(p, " \t,");
		if (!len)
			break;
		if (len == 3 && !strncasecmp(p, "MD5", 3))
			a = 0;
		else if (len == 7 && !strncasecmp(p, "SHA-256", 7))
			a = 1;
		else
			return -EINVAL;
		if (n == 2 || (n == 1 && algs[0] == a))
			return -EINVAL;
		algs[n++] = a;
		p += len;
	}
	return n ? n : -EINVAL;
}

int AUTH_SetAlgorithms(const char *list)
{
	int algs[2], n;

	n = AUTH_ParseAlgorithms(list, algs);
	if (n < 0)
		return n;
	memcpy(auth_algs, algs, sizeof(algs));
	auth_nalgs = n;
	return 0;
}

/*
 * All challenges share one nonce. They go in order of preference, SHA-256
 * first by default (RFC 8760 §2.4; RFC 7616 §3.7 has the client use the
 * first one it supports). A user whose line in the users file is an HA1
 * for one algorithm can answer only that one, so only that one is offered
 * to them (or the list, if it is not in it): that serves clients which know
 * only MD5 and read only the first challenge (sipp, sipsak) or give up on
 * any other (baresip 1.0) without taking SHA-256 from everyone else.
 * Unknown users get the list.
 */
void AUTH_Challenge(struct sip_buf *b, enum auth_kind kind, struct sip_str user, int stale)
{
	const char *hdr = kind == AUTH_PROXY ? "Proxy-Authenticate" : "WWW-Authenticate";
	const struct auth_user *u = auth_find(user);
	char nonce[64];
	int i, only = -1;

	if (u && !u->ha1_sha[0] && auth_alg_offered(0))
		only = 0;
	else if (u && !u->ha1_md5[0] && auth_alg_offered(1))
		only = 1;
	AUTH_Nonce(time(NULL), nonce, sizeof(nonce));
	for (i = 0; i < auth_nalgs; i++) {
		if (only >= 0 && auth_algs[i] != only)
			continue;
		SB_Addf(b, "%s: Digest realm=\"%s\", nonce=\"%s\", algorithm=%s, qop=\"auth\"%s\r\n",
			hdr, auth_realm, nonce, auth_algs[i] ? "SHA-256" : "MD5",
			stale ? ", stale=true" : "");
	}
}
