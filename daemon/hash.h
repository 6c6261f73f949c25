/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hashes krtpd needs: MD5 and SHA-256 for HTTP digest (RFC 7616), and a
 * fast non-cryptographic hash for its tables. Written for this project (the
 * algorithms are RFC 1321 and FIPS 180-4) so krtpd needs no crypto library.
 */
#ifndef KRTPD_HASH_H
#define KRTPD_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash_md5 {
	uint32_t h[4];
	uint64_t len;
	uint8_t buf[64];
};

struct hash_sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
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
