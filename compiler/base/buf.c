/*
 * buf.c — capped byte buffer (see buf.h).
 */
#include "buf.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "err.h"

void fcc_buf_init(fcc_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : FCC_BUF_DEFAULT_MAX;
}

void fcc_buf_dispose(fcc_buf *b)
{
	fcc_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void fcc_buf_reset(fcc_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int grow(fcc_buf *b, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return FCC_EIO;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return FCC_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	p = fcc_realloc(b->data, ncap);
	if (!p)
		return FCC_ENOMEM;
	b->data = p;
	b->cap = ncap;
	return FCC_OK;
}

int fcc_buf_append(fcc_buf *b, const void *p, size_t n)
{
	int rc = grow(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return FCC_OK;
}

int fcc_buf_puts(fcc_buf *b, const char *s)
{
	return fcc_buf_append(b, s, strlen(s));
}

int fcc_buf_putc(fcc_buf *b, char c)
{
	return fcc_buf_append(b, &c, 1);
}

int fcc_buf_vprintf(fcc_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return FCC_ERROR;
	rc = grow(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return FCC_OK;
}

int fcc_buf_printf(fcc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = fcc_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *fcc_buf_take(fcc_buf *b, size_t *len_out)
{
	char *p = b->data;

	if (!p) {
		p = fcc_strdup("");
		if (len_out)
			*len_out = 0;
		return p;
	}
	if (len_out)
		*len_out = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

const char *fcc_buf_cstr(const fcc_buf *b)
{
	return b->data ? b->data : "";
}
