/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bencode, the encoding of rtpengine's "ng" control protocol: integers
 * i42e, byte strings 4:spam, lists l...e, dictionaries d...e with string
 * keys. BNC_Parse reads one value into a fixed array of nodes that point
 * into the input (nothing is copied or allocated), so the input must
 * outlive the document. Limits bound what a hostile peer can make it do:
 * BNC_MAX_NODES values, BNC_MAX_DEPTH nesting; beyond, the parse fails.
 *
 * The writer appends to a caller's buffer and sets overflow instead of
 * writing past its end.
 */
#ifndef KRTPD_NG_BENCODE_H
#define KRTPD_NG_BENCODE_H

#include <stddef.h>

#define BNC_MAX_NODES	1024
#define BNC_MAX_DEPTH	16

enum bnc_type {
	BNC_INT = 1,
	BNC_STR,
	BNC_LIST,
	BNC_DICT,
};

struct bnc_node {
	enum bnc_type type;
	int next;			/* next element of the enclosing list or dict, -1 = last */
	int child;			/* LIST/DICT: first element, -1 = empty; dict elements
					 * alternate key (a STR) and value */
	const char *s;			/* STR: the bytes (not NUL-terminated) */
	size_t len;
	long long i;			/* INT */
};

struct bnc_doc {
	struct bnc_node n[BNC_MAX_NODES];
	int count;			/* n[0] is the root */
};

/*
 * Parse exactly one value filling buf[0..len). 0, or -EINVAL with *err set
 * to a short reason (for the ng error-reason).
 */
int BNC_Parse(struct bnc_doc *d, const char *buf, size_t len, const char **err);
/* The value of key in dict (a DICT node), NULL when absent or dict is not one. */
const struct bnc_node *BNC_Get(const struct bnc_doc *d, const struct bnc_node *dict,
			       const char *key);
/* The node after e in its list (NULL at the end), and the first of a list. */
const struct bnc_node *BNC_Next(const struct bnc_doc *d, const struct bnc_node *e);
const struct bnc_node *BNC_First(const struct bnc_doc *d, const struct bnc_node *list);
/* A STR node equal to s (byte for byte). */
int BNC_Is(const struct bnc_node *n, const char *s);

struct bnc_out {
	char *p;
	size_t len, cap;
	int overflow;
};
void BNC_OutInit(struct bnc_out *o, char *buf, size_t cap);
void BNC_Raw(struct bnc_out *o, const char *s, size_t len);	/* as it is */
void BNC_Str(struct bnc_out *o, const char *s, size_t len);	/* len:bytes */
void BNC_Cstr(struct bnc_out *o, const char *s);
void BNC_Int(struct bnc_out *o, long long v);
void BNC_Dict(struct bnc_out *o);
void BNC_List(struct bnc_out *o);
void BNC_End(struct bnc_out *o);
/* key and value in a dictionary */
void BNC_KeyStr(struct bnc_out *o, const char *key, const char *val);
void BNC_KeyInt(struct bnc_out *o, const char *key, long long val);

#endif /* KRTPD_NG_BENCODE_H */
