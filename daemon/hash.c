// SPDX-License-Identifier: GPL-2.0
/*
 * MD5 and SHA-256 (through nettle) and FNV-1a. Stateless helpers, no
 * locking needed.
 */
#include <string.h>

#include "hash.h"

/*
 * MD5 and SHA-256 come from nettle, a small, well-kept crypto library:
 * digest authentication is no place for hand-written hash functions.
 */
void HASH_Md5Init(struct hash_md5 *c)
{
	md5_init(&c->ctx);
}

void HASH_Md5Update(struct hash_md5 *c, const void *data, size_t len)
{
	md5_update(&c->ctx, len, data);
}

void HASH_Md5Final(struct hash_md5 *c, uint8_t out[16])
{
	md5_digest(&c->ctx, MD5_DIGEST_SIZE, out);
}

void HASH_Sha256Init(struct hash_sha256 *c)
{
	sha256_init(&c->ctx);
}

void HASH_Sha256Update(struct hash_sha256 *c, const void *data, size_t len)
{
	sha256_update(&c->ctx, len, data);
}

void HASH_Sha256Final(struct hash_sha256 *c, uint8_t out[32])
{
	sha256_digest(&c->ctx, SHA256_DIGEST_SIZE, out);
}

void HASH_Hex(const uint8_t *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---- FNV-1a ---- */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

uint64_t HASH_FnvAdd(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t HASH_Fnv(const void *data, size_t len)
{
	return HASH_FnvAdd(FNV_OFFSET, data, len);
}

uint64_t HASH_FnvCase(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = FNV_OFFSET;

	while (len--) {
		uint8_t c = *p++;

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h ^= c;
		h *= FNV_PRIME;
	}
	return h;
}
