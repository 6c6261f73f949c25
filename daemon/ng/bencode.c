// SPDX-License-Identifier: GPL-2.0
/*
 * Bencode reader and writer (see bencode.h). The reader is iterative over
 * an explicit stack of open containers, so nesting costs no C stack and its
 * limit is a plain compare; every length is checked against what is left
 * of the input before it is used.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bencode.h"

struct bnc_open {
	int node;			/* the LIST or DICT */
	int last;			/* its last element so far, -1 = none */
	int nelem;			/* elements so far (a dict alternates key, value) */
};

/* a decimal without sign or leading zeros (but "0"), at most 18 digits */
static int bnc_num(const char **p, const char *end, char stop, long long *v)
{
	const char *s = *p;
	long long x = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	if (*s == '0' && s + 1 < end && s[1] != stop)
		return -1;
	while (s < end && *s >= '0' && *s <= '9') {
		if (s - *p >= 18)
			return -1;
		x = x * 10 + (*s - '0');
		s++;
	}
	if (s >= end || *s != stop)
		return -1;
	*p = s + 1;
	*v = x;
	return 0;
}

int BNC_Parse(struct bnc_doc *d, const char *buf, size_t len, const char **err)
{
	struct bnc_open st[BNC_MAX_DEPTH];
	const char *p = buf, *end = buf + len;
	int depth = 0;

	d->count = 0;
	do {
		struct bnc_node *n;
		int idx;

		if (p >= end) {
			*err = "truncated";
			return -EINVAL;
		}
		if (*p == 'e') {
			/* end of the innermost container */
			if (!depth) {
				*err = "unexpected end marker";
				return -EINVAL;
			}
			if (d->n[st[depth - 1].node].type == BNC_DICT && st[depth - 1].nelem % 2) {
				*err = "dictionary key without a value";
				return -EINVAL;
			}
			p++;
			depth--;
			continue;
		}
		if (d->count == BNC_MAX_NODES) {
			*err = "too many values";
			return -EINVAL;
		}
		idx = d->count++;
		n = &d->n[idx];
		memset(n, 0, sizeof(*n));
		n->next = n->child = -1;
		/* in a dict, every other element is a key and must be a string */
		if (depth && d->n[st[depth - 1].node].type == BNC_DICT && !(st[depth - 1].nelem % 2) &&
		    (*p < '0' || *p > '9')) {
			*err = "dictionary key is not a string";
			return -EINVAL;
		}
		if (*p == 'i') {
			int neg = 0;

			p++;
			if (p < end && *p == '-') {
				neg = 1;
				p++;
			}
			if (bnc_num(&p, end, 'e', &n->i) || (neg && !n->i)) {
				*err = "bad integer";
				return -EINVAL;
			}
			if (neg)
				n->i = -n->i;
			n->type = BNC_INT;
		} else if (*p >= '0' && *p <= '9') {
			long long l;

			if (bnc_num(&p, end, ':', &l) || l > end - p) {
				*err = "bad string length";
				return -EINVAL;
			}
			n->type = BNC_STR;
			n->s = p;
			n->len = (size_t)l;
			p += l;
		} else if (*p == 'l' || *p == 'd') {
			n->type = *p == 'l' ? BNC_LIST : BNC_DICT;
			p++;
		} else {
			*err = "not a bencoded value";
			return -EINVAL;
		}
		/* link it into its container */
		if (depth) {
			struct bnc_open *o = &st[depth - 1];

			if (o->last < 0)
				d->n[o->node].child = idx;
			else
				d->n[o->last].next = idx;
			o->last = idx;
			o->nelem++;
		}
		if (n->type == BNC_LIST || n->type == BNC_DICT) {
			if (depth == BNC_MAX_DEPTH) {
				*err = "nested too deep";
				return -EINVAL;
			}
			st[depth].node = idx;
			st[depth].last = -1;
			st[depth].nelem = 0;
			depth++;
		}
	} while (depth);
	if (p != end) {
		*err = "trailing bytes after the value";
		return -EINVAL;
	}
	return 0;
}

int BNC_Is(const struct bnc_node *n, const char *s)
{
	size_t l = strlen(s);

	return n && n->type == BNC_STR && n->len == l && !memcmp(n->s, s, l);
}

const struct bnc_node *BNC_Get(const struct bnc_doc *d, const struct bnc_node *dict,
			       const char *key)
{
	int k;

	if (!dict || dict->type != BNC_DICT)
		return NULL;
	for (k = dict->child; k >= 0; k = d->n[d->n[k].next].next)
		if (BNC_Is(&d->n[k], key))
			return &d->n[d->n[k].next];
	return NULL;
}

const struct bnc_node *BNC_First(const struct bnc_doc *d, const struct bnc_node *list)
{
	if (!list || (list->type != BNC_LIST && list->type != BNC_DICT) || list->child < 0)
		return NULL;
	return &d->n[list->child];
}

const struct bnc_node *BNC_Next(const struct bnc_doc *d, const struct bnc_node *e)
{
	return e && e->next >= 0 ? &d->n[e->next] : NULL;
}

/* ---- writer ---- */

void BNC_OutInit(struct bnc_out *o, char *buf, size_t cap)
{
	o->p = buf;
	o->len = 0;
	o->cap = cap;
	o->overflow = 0;
}

void BNC_Raw(struct bnc_out *o, const char *s, size_t len)
{
	if (o->overflow || len > o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->p + o->len, s, len);
	o->len += len;
}

void BNC_Str(struct bnc_out *o, const char *s, size_t len)
{
	char h[24];
	int n = snprintf(h, sizeof(h), "%zu:", len);

	BNC_Raw(o, h, n);
	BNC_Raw(o, s, len);
}

void BNC_Cstr(struct bnc_out *o, const char *s)
{
	BNC_Str(o, s, strlen(s));
}

void BNC_Int(struct bnc_out *o, long long v)
{
	char h[32];
	int n = snprintf(h, sizeof(h), "i%llde", v);

	BNC_Raw(o, h, n);
}

void BNC_Dict(struct bnc_out *o)
{
	BNC_Raw(o, "d", 1);
}

void BNC_List(struct bnc_out *o)
{
	BNC_Raw(o, "l", 1);
}

void BNC_End(struct bnc_out *o)
{
	BNC_Raw(o, "e", 1);
}

void BNC_KeyStr(struct bnc_out *o, const char *key, const char *val)
{
	BNC_Cstr(o, key);
	BNC_Cstr(o, val);
}

void BNC_KeyInt(struct bnc_out *o, const char *key, long long val)
{
	BNC_Cstr(o, key);
	BNC_Int(o, val);
}
