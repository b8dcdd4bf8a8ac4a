/* sha256.h - SHA-256 (FIPS 180-4), small and dependency-free.
 *
 * Used by itrace-cmdd to store only the hash of bearer tokens and to
 * fingerprint idempotent requests. Pure: no I/O, no allocation.
 */
#ifndef ITRACE_SHA256_H
#define ITRACE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 65 /* 64 hex digits and the NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;       /* total length so far */
	uint8_t buf[64];      /* pending partial block */
	size_t n;             /* bytes in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Writes the digest; s must be re-initialised before further use. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);

/* One-shot digest of data[0..len) as lower-case hex into out. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN]);

#endif
