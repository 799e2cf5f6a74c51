/*
 * source.h — a loaded source file, its line table, and spans into it.
 *
 * A span is a pair of byte offsets into one source. It becomes line:col only
 * when printed, through the line table built once per file (jq's locfile).
 * Columns are counted in characters (UTF-8 code points), 1-based, which is
 * what libyaml's marks count and what editors show.
 */
#ifndef FCC_SOURCE_H
#define FCC_SOURCE_H

#include <stddef.h>

#include "err.h"

typedef struct fcc_source {
	char *path; /* as the user named it; used in diagnostics */
	char *data; /* the bytes, NUL-terminated */
	size_t len;
	size_t *line_starts; /* byte offset of each line's first byte */
	size_t nlines;
} fcc_source;

typedef struct fcc_span {
	const fcc_source *src; /* NULL for "no position" */
	size_t start;          /* byte offsets, end exclusive */
	size_t end;
} fcc_span;

#define FCC_SOURCE_MAX_DEFAULT ((size_t)4 << 20) /* 4 MiB */

/* Read `path` (at most `max` bytes, else FCC_EIO "file is larger than...").
 * On success *out is owned by the caller (fcc_source_free). */
int fcc_source_load(fcc_source **out, const char *path, size_t max, fcc_err *e);
/* Same from memory; `data` is copied. */
int fcc_source_from_mem(fcc_source **out, const char *path, const char *data, size_t len,
			fcc_err *e);
void fcc_source_free(fcc_source *s);

/* 1-based line and character column of byte offset `off` (clamped to len). */
void fcc_source_locate(const fcc_source *s, size_t off, unsigned *line, unsigned *col);
/* Byte offset of 0-based line `line0`, character column `col0` (as libyaml marks give). */
size_t fcc_source_offset(const fcc_source *s, size_t line0, size_t col0);
/* The text of 1-based `line` without its newline; *len receives its length. */
const char *fcc_source_line(const fcc_source *s, unsigned line, size_t *len);

/* Offset of the first invalid UTF-8 byte, or (size_t)-1 when all is valid. */
size_t fcc_utf8_invalid_at(const char *p, size_t len);

#endif
