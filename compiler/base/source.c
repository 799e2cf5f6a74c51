/*
 * source.c — loading sources, building the line table, mapping spans to
 * line:col (see source.h).
 */
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

void fcc_source_free(fcc_source *s)
{
	if (!s)
		return;
	fcc_free(s->path);
	fcc_free(s->data);
	fcc_free(s->line_starts);
	fcc_free(s);
}

static int build_lines(fcc_source *s)
{
	size_t n = 1, i, k = 0;

	for (i = 0; i < s->len; i++)
		if (s->data[i] == '\n')
			n++;
	s->line_starts = fcc_malloc(n * sizeof *s->line_starts);
	if (!s->line_starts)
		return FCC_ENOMEM;
	s->line_starts[k++] = 0;
	for (i = 0; i < s->len; i++)
		if (s->data[i] == '\n')
			s->line_starts[k++] = i + 1;
	s->nlines = n;
	return FCC_OK;
}

static int source_new(fcc_source **out, const char *path, char *data, size_t len, fcc_err *e)
{
	fcc_source *s = fcc_calloc(1, sizeof *s);

	if (!s) {
		fcc_free(data);
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	}
	s->data = data;
	s->len = len;
	s->path = fcc_strdup(path);
	if (!s->path || build_lines(s)) {
		fcc_source_free(s);
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	}
	*out = s;
	return FCC_OK;
}

int fcc_source_from_mem(fcc_source **out, const char *path, const char *data, size_t len,
			fcc_err *e)
{
	char *copy = fcc_malloc(len + 1);

	*out = NULL;
	if (!copy)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	memcpy(copy, data, len);
	copy[len] = '\0';
	return source_new(out, path, copy, len, e);
}

int fcc_source_load(fcc_source **out, const char *path, size_t max, fcc_err *e)
{
	FILE *f;
	char *data = NULL;
	size_t len = 0, cap = 0, got;
	int rc = FCC_OK;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f)
		return fcc_err_set(e, errno == ENOENT ? FCC_ENOTFOUND : FCC_EIO, "%s: %s", path,
				   strerror(errno));
	for (;;) {
		if (cap - len < 4096) {
			size_t ncap = cap ? cap * 2 : 16384;
			char *p;
			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= cap) {
				rc = fcc_err_set(e, FCC_EIO,
						 "%s: file is larger than the %zu-byte limit", path,
						 max);
				goto out;
			}
			p = fcc_realloc(data, ncap);
			if (!p) {
				rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
				goto out;
			}
			data = p;
			cap = ncap;
		}
		got = fread(data + len, 1, cap - len - 1, f);
		len += got;
		if (len > max) {
			rc = fcc_err_set(e, FCC_EIO, "%s: file is larger than the %zu-byte limit",
					 path, max);
			goto out;
		}
		if (got == 0) {
			if (ferror(f))
				rc = fcc_err_set(e, FCC_EIO, "%s: read failed", path);
			break;
		}
	}
out:
	fclose(f);
	if (rc) {
		fcc_free(data);
		return rc;
	}
	if (!data) {
		data = fcc_malloc(1);
		if (!data)
			return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	}
	data[len] = '\0';
	return source_new(out, path, data, len, e);
}

static unsigned line_of(const fcc_source *s, size_t off)
{
	size_t lo = 0, hi = s->nlines;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->line_starts[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (unsigned)lo;
}

void fcc_source_locate(const fcc_source *s, size_t off, unsigned *line, unsigned *col)
{
	unsigned l;
	size_t i, c = 0;

	if (off > s->len)
		off = s->len;
	l = line_of(s, off);
	for (i = s->line_starts[l]; i < off; i++)
		if (((unsigned char)s->data[i] & 0xC0) != 0x80)
			c++;
	*line = l + 1;
	*col = (unsigned)c + 1;
}

size_t fcc_source_offset(const fcc_source *s, size_t line0, size_t col0)
{
	size_t i, end;

	if (line0 >= s->nlines)
		return s->len;
	i = s->line_starts[line0];
	end = line0 + 1 < s->nlines ? s->line_starts[line0 + 1] : s->len;
	while (col0 > 0 && i < end) {
		i++;
		while (i < end && ((unsigned char)s->data[i] & 0xC0) == 0x80)
			i++;
		col0--;
	}
	return i;
}

const char *fcc_source_line(const fcc_source *s, unsigned line, size_t *len)
{
	size_t start, end;

	if (line == 0 || line > s->nlines) {
		*len = 0;
		return "";
	}
	start = s->line_starts[line - 1];
	end = line < s->nlines ? s->line_starts[line] - 1 : s->len;
	if (end > start && s->data[end - 1] == '\r')
		end--;
	*len = end - start;
	return s->data + start;
}

size_t fcc_utf8_invalid_at(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n, k;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return i;
		i += n + 1;
	}
	return (size_t)-1;
}
