/*
 * aws_util.c — small pieces the AWS request layer and the typed clients
 * share: the output pool (aws_pool) and UUIDv4 idempotency tokens.
 */
#include "runtime/aws.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "compiler/base/alloc.h"

/* Remember `ptr` in the pool; frees it and sets oom when that fails. */
static void *track(aws_pool *p, void *ptr)
{
	if (!ptr) {
		p->oom = 1;
		return NULL;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		void **np = fcc_realloc(p->ptrs, cap * sizeof *np);
		if (!np) {
			fcc_free(ptr);
			p->oom = 1;
			return NULL;
		}
		p->ptrs = np;
		p->cap = cap;
	}
	p->ptrs[p->n++] = ptr;
	return ptr;
}

void *aws_pool_alloc(aws_pool *p, size_t n)
{
	return track(p, fcc_calloc(1, n ? n : 1));
}

void *aws_pool_grow(aws_pool *p, void *old, size_t old_n, size_t n)
{
	size_t i;
	void *np;

	if (!old)
		return aws_pool_alloc(p, n);
	for (i = p->n; i-- > 0;)
		if (p->ptrs[i] == old)
			break;
	if (i == (size_t)-1 || !(np = fcc_realloc(old, n))) {
		p->oom = 1;
		return NULL;
	}
	if (n > old_n)
		memset((char *)np + old_n, 0, n - old_n);
	p->ptrs[i] = np;
	return np;
}

char *aws_pool_strndup(aws_pool *p, const char *s, size_t n)
{
	if (!s)
		return NULL;
	return track(p, fcc_strndup(s, n));
}

char *aws_pool_strdup(aws_pool *p, const char *s)
{
	return s ? aws_pool_strndup(p, s, strlen(s)) : NULL;
}

void aws_pool_dispose(aws_pool *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		fcc_free(p->ptrs[i]);
	fcc_free(p->ptrs);
	memset(p, 0, sizeof *p);
}

int aws_uuid4(char out[37], fcc_err *e)
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof b) != 1)
		return fcc_err_set(e, FCC_ERROR, "no randomness for an idempotency token");
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
	return FCC_OK;
}

void *aws_pool_array(aws_pool *p, void *arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *na;

	if (arr && need <= *cap)
		return arr;
	ncap = *cap ? *cap : 4;
	while (ncap < need)
		ncap *= 2;
	if (!(na = aws_pool_grow(p, arr, arr ? *cap * elem : 0, ncap * elem)))
		return NULL;
	*cap = ncap;
	return na;
}
