/*
 * alloc.h — the one allocation choke point of fcc.
 *
 * Every heap allocation in fcc goes through these functions so that tests can
 * make the Nth allocation fail (SQLite's faultsim, libgit2's failalloc) and
 * check that every error path returns FCC_ENOMEM cleanly and leaks nothing.
 * Bottom layer: includes nothing else from fcc.
 */
#ifndef FCC_ALLOC_H
#define FCC_ALLOC_H

#include <stddef.h>

/* malloc/calloc/realloc/strdup that return NULL on failure (real or injected).
 * fcc_free(NULL) does nothing. */
void *fcc_malloc(size_t n);
void *fcc_calloc(size_t count, size_t size);
void *fcc_realloc(void *p, size_t n);
char *fcc_strdup(const char *s);
char *fcc_strndup(const char *s, size_t n);
void fcc_free(void *p);

/* Test hook: make the allocation `n` calls from now fail (1 = the next one),
 * and every one after it when `sticky` is non-zero. 0 turns injection off. */
void fcc_alloc_fail_after(long n, int sticky);
/* Number of allocations attempted since the process started. */
long fcc_alloc_count(void);
/* Non-zero once an injected failure has fired since the last fcc_alloc_fail_after(). */
int fcc_alloc_failed(void);

#endif
