// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the flow table (#included by table.c in DEBUG builds): ids,
 * lookups by key and by id for both families, duplicates, the flow limit,
 * removal and flush; flows sharing a port (bundles). Runs at load, before
 * any namespace has flows.
 */

/* a flow; with @pt >= 0, one of a bundle carrying that payload type */
static struct krtp_flow * __init
krtp_table_selftest_flow_pt(u16 family, u8 last, u16 port, int pt)
{
	struct krtp_flow_config cfg = {};

	if (pt >= 0) {
		cfg.bundle = true;
		cfg.bundle_pt[pt / 8] = 1 << (pt % 8);
	}

	cfg.local.family = family;
	cfg.peer.family = family;
	if (family == AF_INET) {
		cfg.local.addr.ip4 = htonl(0x0a000000 | last);
		cfg.peer.addr.ip4 = htonl(0x0a000100 | last);
	} else {
		cfg.local.addr.ip6.s6_addr[0] = 0xfd;
		cfg.local.addr.ip6.s6_addr[15] = last;
		cfg.peer.addr.ip6.s6_addr[0] = 0xfd;
		cfg.peer.addr.ip6.s6_addr[14] = 1;
	}
	cfg.local.port = htons(port);
	cfg.peer.port = htons(port);
	cfg.clock_rate = 8000;
	return krtp_flow_create(&cfg);
}

static struct krtp_flow * __init krtp_table_selftest_flow(u16 family, u8 last,
							  u16 port)
{
	return krtp_table_selftest_flow_pt(family, last, port, -1);
}

/* the flows of a test, each made or NULL; false if one was not */
static bool __init krtp_table_selftest_made(struct krtp_flow **f, int n)
{
	bool ok = true;
	int i;

	for (i = 0; i < n; i++) {
		if (IS_ERR(f[i])) {
			f[i] = NULL;
			ok = false;
		}
	}
	return ok;
}

/* the end of a test: its flows the table never took, then the table */
static void __init krtp_table_selftest_end(struct krtp_table *table,
					   struct krtp_flow **f, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (f[i] && !f[i]->id)
			krtp_flow_free(f[i]);
	krtp_table_destroy(table);
	rcu_barrier();
}

/*
 * A bundle: two flows share a port, a third with a payload type of theirs
 * and a plain one are refused, the head's removal hashes the other in its
 * place and frees the type, and the table goes with a bundle in it.
 */
static bool __init krtp_table_selftest_bundle(void)
{
	struct krtp_flow *b[4];
	struct krtp_table table;
	bool ok = true;

	if (krtp_table_init(&table))
		return false;
	b[0] = krtp_table_selftest_flow_pt(AF_INET, 9, 5000, 0);
	b[1] = krtp_table_selftest_flow_pt(AF_INET, 9, 5000, 96);
	b[2] = krtp_table_selftest_flow_pt(AF_INET, 9, 5000, 0);
	b[3] = krtp_table_selftest_flow(AF_INET, 9, 5000);
	ok = krtp_table_selftest_made(b, ARRAY_SIZE(b));
	if (!ok)
		goto out;
	mutex_lock(&table.lock);
	if (krtp_table_insert(&table, b[0], NULL) ||
	    krtp_table_insert(&table, b[1], NULL) ||
	    krtp_table_insert(&table, b[2], NULL) != -EEXIST ||
	    krtp_table_insert(&table, b[3], NULL) != -EEXIST ||
	    krtp_table_lookup_local(&table, &b[1]->local) != b[0] ||
	    krtp_bundle_count(b[0]) != 2 || b[0]->ext->bundle != b[1]->ext->bundle)
		ok = false;
	/* the head goes: the other is hashed in its place, alone */
	krtp_table_remove(&table, b[0]);
	krtp_flow_release(b[0]);
	b[0] = NULL;
	if (krtp_table_lookup_local(&table, &b[1]->local) != b[1] ||
	    krtp_bundle_count(b[1]) != 1 || table.count != 1)
		ok = false;
	/* its payload type is free now; the table goes with two in a bundle */
	if (krtp_table_insert(&table, b[2], NULL) ||
	    krtp_table_lookup_local(&table, &b[2]->local) != b[1] ||
	    krtp_bundle_count(b[1]) != 2)
		ok = false;
	mutex_unlock(&table.lock);
out:
	krtp_table_selftest_end(&table, b, ARRAY_SIZE(b));
	return ok;
}

/*
 * A bundle installed together (FLOW_NEW): the head held unhashed while the
 * other joins, found by no lookup before krtp_table_publish(), then both;
 * a flow with the held head's payload type is refused meanwhile.
 */
static bool __init krtp_table_selftest_held(void)
{
	struct krtp_flow *b[3], *held = NULL;
	struct krtp_table table;
	bool ok = true;

	if (krtp_table_init(&table))
		return false;
	b[0] = krtp_table_selftest_flow_pt(AF_INET6, 9, 5002, 111);
	b[1] = krtp_table_selftest_flow_pt(AF_INET6, 9, 5002, 96);
	b[2] = krtp_table_selftest_flow_pt(AF_INET6, 9, 5002, 111);
	ok = krtp_table_selftest_made(b, ARRAY_SIZE(b));
	if (!ok)
		goto out;
	mutex_lock(&table.lock);
	if (krtp_table_insert_held(&table, b[0], &held, NULL) || held != b[0] ||
	    krtp_table_insert_held(&table, b[1], &held, NULL) || held != b[0] ||
	    krtp_table_insert_held(&table, b[2], &held, NULL) != -EEXIST ||
	    krtp_table_lookup_local(&table, &b[0]->local) ||
	    krtp_table_lookup_id(&table, b[1]->id) != b[1] ||
	    krtp_bundle_count(b[0]) != 2 || table.count != 2)
		ok = false;
	if (krtp_table_publish(&table, b[0]) ||
	    krtp_table_lookup_local(&table, &b[1]->local) != b[0] ||
	    b[0]->ext->bundle != b[1]->ext->bundle)
		ok = false;
	mutex_unlock(&table.lock);
out:
	krtp_table_selftest_end(&table, b, ARRAY_SIZE(b));
	return ok;
}

static void __init krtp_table_selftest_flushed(struct krtp_flow *flow,
					       void *arg)
{
	(*(unsigned int *)arg)++;
}

bool __init krtp_table_selftest(void)
{
	unsigned int saved_max = krtp_table_max_flows;
	struct krtp_flow *f[4] = {};
	struct krtp_table table;
	unsigned int flushed = 0;
	struct krtp_ep key;
	bool ok = true;

	if (krtp_table_init(&table))
		return false;
	f[0] = krtp_table_selftest_flow(AF_INET, 1, 4000);
	f[1] = krtp_table_selftest_flow(AF_INET6, 1, 4000);
	f[2] = krtp_table_selftest_flow(AF_INET, 1, 4000);	/* same key as 0 */
	f[3] = krtp_table_selftest_flow(AF_INET, 2, 4000);
	ok = krtp_table_selftest_made(f, ARRAY_SIZE(f));
	if (!ok)
		goto out;

	mutex_lock(&table.lock);
	krtp_table_max_flows = 2;
	if (krtp_table_insert(&table, f[0], NULL) || f[0]->id != 1 ||
	    krtp_table_insert(&table, f[1], NULL) || f[1]->id != 2)
		ok = false;
	if (krtp_table_insert(&table, f[3], NULL) != -ENOSPC)
		ok = false;
	krtp_table_max_flows = saved_max;
	if (krtp_table_insert(&table, f[2], NULL) != -EEXIST)
		ok = false;

	/* the packet path builds its key from scratch: it must match */
	memset(&key, 0, sizeof(key));
	key.family = AF_INET;
	key.addr.ip4 = htonl(0x0a000001);
	key.port = htons(4000);
	rcu_read_lock();
	if (krtp_table_lookup_rcu(&table, &key) != f[0])
		ok = false;
	key.port = htons(4001);
	if (krtp_table_lookup_rcu(&table, &key))
		ok = false;
	rcu_read_unlock();
	if (krtp_table_lookup_local(&table, &f[1]->local) != f[1] ||
	    krtp_table_lookup_id(&table, 2) != f[1] ||
	    krtp_table_lookup_id(&table, 3))
		ok = false;

	/* removal: gone from both indexes, and ids are not reused */
	krtp_table_remove(&table, f[0]);
	krtp_flow_release(f[0]);
	f[0] = NULL;
	if (krtp_table_lookup_id(&table, 1) || table.count != 1 ||
	    krtp_table_insert(&table, f[2], NULL) || f[2]->id != 3)
		ok = false;
	/* flush: each flow handed to the callback once, then gone */
	key = f[1]->local;
	krtp_table_flush(&table, krtp_table_selftest_flushed, &flushed);
	if (flushed != 2 || krtp_table_lookup_local(&table, &key) ||
	    krtp_table_lookup_id(&table, 3))
		ok = false;
	f[1] = NULL;
	f[2] = NULL;
	if (table.count || krtp_table_flows_active())
		ok = false;
	/* the new hash table takes flows */
	if (krtp_table_insert(&table, f[3], NULL) || f[3]->id != 4 ||
	    krtp_table_lookup_local(&table, &f[3]->local) != f[3])
		ok = false;
	mutex_unlock(&table.lock);

out:
	krtp_table_selftest_end(&table, f, ARRAY_SIZE(f));
	ok &= krtp_table_selftest_bundle();
	ok &= krtp_table_selftest_held();
	if (ok)
		pr_info("table self-test: pass\n");
	return ok;
}
