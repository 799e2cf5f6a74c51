/*
 * alloc.c — allocation wrappers with a fail-Nth hook for out-of-memory tests.
 *
 * The counters are plain statics: fcc is single-threaded (parallel HTTP goes
 * through libcurl's multi interface on one thread), so no locking is needed.
 */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static long alloc_count;
static long fail_at; /* absolute allocation number that fails; 0 = never */
static int fail_sticky;
static int fail_fired;

static int should_fail(void)
{
	alloc_count++;
	if (fail_at == 0)
		return 0;
	if (alloc_count == fail_at || (fail_sticky && alloc_count > fail_at)) {
		fail_fired = 1;
		return 1;
	}
	return 0;
}

void *fcc_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *fcc_calloc(size_t count, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(count ? count : 1, size ? size : 1);
}

void *fcc_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

char *fcc_strndup(const char *s, size_t n)
{
	char *d = fcc_malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *fcc_strdup(const char *s)
{
	return fcc_strndup(s, strlen(s));
}

void fcc_free(void *p)
{
	free(p);
}

void fcc_alloc_fail_after(long n, int sticky)
{
	fail_at = n > 0 ? alloc_count + n : 0;
	fail_sticky = sticky;
	fail_fired = 0;
}

long fcc_alloc_count(void)
{
	return alloc_count;
}

int fcc_alloc_failed(void)
{
	return fail_fired;
}
