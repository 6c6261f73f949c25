/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hashes krtpd needs: MD5 and SHA-256 for HTTP digest (RFC 7616), and a
 * fast non-cryptographic hash for its tables. The digests are nettle's,
 * behind names of krtpd's own so callers need not know the library.
 */
#ifndef KRTPD_HASH_H
#define KRTPD_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <nettle/md5.h>
#include <nettle/sha2.h>

struct hash_md5 {
	struct md5_ctx ctx;
};

struct hash_sha256 {
	struct sha256_ctx ctx;
};

void HASH_Md5Init(struct hash_md5 *c);
void HASH_Md5Update(struct hash_md5 *c, const void *data, size_t len);
void HASH_Md5Final(struct hash_md5 *c, uint8_t out[16]);

void HASH_Sha256Init(struct hash_sha256 *c);
void HASH_Sha256Update(struct hash_sha256 *c, const void *data, size_t len);
void HASH_Sha256Final(struct hash_sha256 *c, uint8_t out[32]);

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void HASH_Hex(const uint8_t *in, size_t n, char *out);

/* FNV-1a, 64 bit; the case-insensitive variant folds ASCII letters. */
uint64_t HASH_Fnv(const void *data, size_t len);
uint64_t HASH_FnvCase(const void *data, size_t len);
uint64_t HASH_FnvAdd(uint64_t h, const void *data, size_t len);

#endif /* KRTPD_HASH_H */
