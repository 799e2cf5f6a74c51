/*
 * hash.h — SHA-256 (OpenSSL EVP) for content addressing: artifact keys,
 * manifest digests, spec fingerprints.
 */
#ifndef FCC_HASH_H
#define FCC_HASH_H

#include <stddef.h>

#define FCC_SHA256_HEX_LEN 64

/* Hex SHA-256 of `len` bytes into `out` (65 bytes, NUL-terminated).
 * Returns FCC_OK, or FCC_ENOMEM when OpenSSL cannot allocate its context. */
int fcc_sha256_hex(char out[FCC_SHA256_HEX_LEN + 1], const void *data, size_t len);

#endif
