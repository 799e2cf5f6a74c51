/*
 * arena.c — bump allocator (see arena.h). Blocks grow geometrically up to
 * 1 MiB; a request larger than a block gets a block of its own.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

struct fcc_arena_block {
	fcc_arena_block *next;
	size_t size, off;
	alignas(max_align_t) unsigned char data[];
};

#define ALIGN (alignof(max_align_t))

void fcc_arena_init(fcc_arena *a)
{
	a->head = NULL;
	a->used = 0;
}

void fcc_arena_dispose(fcc_arena *a)
{
	fcc_arena_block *b = a->head, *next;

	while (b) {
		next = b->next;
		fcc_free(b);
		b = next;
	}
	a->head = NULL;
	a->used = 0;
}

void *fcc_arena_alloc(fcc_arena *a, size_t n)
{
	fcc_arena_block *b = a->head;
	size_t need = (n + ALIGN - 1) & ~(ALIGN - 1);
	void *p;

	if (need < n)
		return NULL;
	if (!b || b->size - b->off < need) {
		size_t size = b ? b->size * 2 : 16384;
		if (size > ((size_t)1 << 20))
			size = (size_t)1 << 20;
		if (size < need)
			size = need;
		b = fcc_malloc(sizeof *b + size);
		if (!b)
			return NULL;
		b->size = size;
		b->off = 0;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->off;
	b->off += need;
	a->used += need;
	memset(p, 0, n);
	return p;
}

char *fcc_arena_strndup(fcc_arena *a, const char *s, size_t n)
{
	char *d = fcc_arena_alloc(a, n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *fcc_arena_strdup(fcc_arena *a, const char *s)
{
	return fcc_arena_strndup(a, s, strlen(s));
}

char *fcc_arena_printf(fcc_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *d;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	d = fcc_arena_alloc(a, (size_t)n + 1);
	if (!d)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return d;
}
