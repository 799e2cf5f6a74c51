/*
 * arena.h — bump allocator for one compilation.
 *
 * The spec AST, the checked model and interned strings live in one arena and
 * are freed with one call, so no error path in the compiler can leak.
 */
#ifndef FCC_ARENA_H
#define FCC_ARENA_H

#include <stddef.h>

typedef struct fcc_arena_block fcc_arena_block;

typedef struct fcc_arena {
	fcc_arena_block *head;
	size_t used; /* total bytes handed out, for limits and benchmarks */
} fcc_arena;

void fcc_arena_init(fcc_arena *a);
/* Frees every block; the arena can be reused after. */
void fcc_arena_dispose(fcc_arena *a);
/* Zeroed, max_align_t-aligned memory valid until dispose; NULL on ENOMEM. */
void *fcc_arena_alloc(fcc_arena *a, size_t n);
/* Copies of strings into the arena; NULL on ENOMEM. */
char *fcc_arena_strndup(fcc_arena *a, const char *s, size_t n);
char *fcc_arena_strdup(fcc_arena *a, const char *s);
/* printf into the arena; NULL on ENOMEM. */
char *fcc_arena_printf(fcc_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
