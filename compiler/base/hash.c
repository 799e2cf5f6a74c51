/*
 * hash.c — SHA-256 through OpenSSL's one-shot EVP_Digest (see hash.h).
 */
#include "hash.h"

#include <openssl/evp.h>

#include "err.h"

int fcc_sha256_hex(char out[FCC_SHA256_HEX_LEN + 1], const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
		out[0] = '\0';
		return FCC_ENOMEM;
	}
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return FCC_OK;
}
