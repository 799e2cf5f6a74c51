/*
 * buf.h — growable byte buffer with a size cap.
 *
 * Always NUL-terminated and binary-safe. The cap ("toobig", after curl's
 * dynbuf) keeps a hostile input or response from growing without limit.
 * Caller provides the storage: fcc_buf_init()/fcc_buf_dispose().
 */
#ifndef FCC_BUF_H
#define FCC_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct fcc_buf {
	char *data; /* NULL until the first append; always NUL-terminated after */
	size_t len;
	size_t cap;
	size_t max; /* appends that would exceed this fail with FCC_EIO */
} fcc_buf;

#define FCC_BUF_DEFAULT_MAX ((size_t)64 << 20)

void fcc_buf_init(fcc_buf *b, size_t max);
/* Frees the contents; the buffer can be reused after fcc_buf_init(). */
void fcc_buf_dispose(fcc_buf *b);
/* Keeps the allocation, empties the contents. */
void fcc_buf_reset(fcc_buf *b);

/* Each returns FCC_OK, FCC_ENOMEM, or FCC_EIO when the cap would be exceeded;
 * on failure the buffer keeps its previous contents. */
int fcc_buf_append(fcc_buf *b, const void *p, size_t n);
int fcc_buf_puts(fcc_buf *b, const char *s);
int fcc_buf_putc(fcc_buf *b, char c);
int fcc_buf_printf(fcc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fcc_buf_vprintf(fcc_buf *b, const char *fmt, va_list ap);

/* Hand the contents out (caller frees with fcc_free) and reset the buffer.
 * Returns an empty allocated string for an empty buffer, NULL on ENOMEM. */
char *fcc_buf_take(fcc_buf *b, size_t *len_out);

/* The contents as a C string; "" for an empty buffer. Borrowed. */
const char *fcc_buf_cstr(const fcc_buf *b);

#endif
