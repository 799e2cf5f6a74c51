/*
 * diag.c — collecting diagnostics and printing them like a C compiler
 * (see diag.h). The caret line underlines the whole span on its first line,
 * as jq's locfile_locate and gcc do.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

void diag_init(diag_sink *d)
{
	memset(d, 0, sizeof *d);
}

void diag_dispose(diag_sink *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		fcc_free(d->items[i].msg);
		fcc_free(d->items[i].note);
	}
	fcc_free(d->items);
	memset(d, 0, sizeof *d);
}

static char *vformat(const char *fmt, va_list ap)
{
	fcc_buf b;

	fcc_buf_init(&b, 0);
	if (fcc_buf_vprintf(&b, fmt, ap)) {
		fcc_buf_dispose(&b);
		return NULL;
	}
	return fcc_buf_take(&b, NULL);
}

static void add(diag_sink *d, diag_severity sev, fcc_span span, const char *fmt, va_list ap)
{
	diag_item *it;
	char *msg;
	size_t i;

	msg = vformat(fmt, ap);
	if (!msg) {
		d->oom = 1;
		d->last_dropped = 1;
		if (sev == DIAG_ERROR)
			d->nerrors++;
		else
			d->nwarnings++;
		return;
	}
	/* The checker runs once per environment; a problem in the shared base
	 * is reported once. Past DIAG_MAX_STORED only the count grows. */
	for (i = 0; i < d->n; i++)
		if (d->items[i].span.src == span.src && d->items[i].span.start == span.start &&
		    d->items[i].span.end == span.end && strcmp(d->items[i].msg, msg) == 0) {
			fcc_free(msg);
			d->last_dropped = 1;
			return;
		}
	d->last_dropped = 0;
	if (sev == DIAG_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
	if (d->n >= DIAG_MAX_STORED) {
		fcc_free(msg);
		d->last_dropped = 1;
		return;
	}
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		diag_item *p = fcc_realloc(d->items, ncap * sizeof *p);
		if (!p) {
			d->oom = 1;
			d->last_dropped = 1;
			fcc_free(msg);
			return;
		}
		d->items = p;
		d->cap = ncap;
	}
	it = &d->items[d->n];
	memset(it, 0, sizeof *it);
	it->sev = sev;
	it->span = span;
	it->msg = msg;
	it->seq = d->n;
	d->n++;
}

void diag_error(diag_sink *d, fcc_span span, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, DIAG_ERROR, span, fmt, ap);
	va_end(ap);
}

void diag_warning(diag_sink *d, fcc_span span, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(d, DIAG_WARNING, span, fmt, ap);
	va_end(ap);
}

void diag_note(diag_sink *d, fcc_span span, const char *fmt, ...)
{
	va_list ap;
	diag_item *it;

	if (d->n == 0 || d->last_dropped)
		return;
	it = &d->items[d->n - 1];
	if (it->note)
		return;
	va_start(ap, fmt);
	it->note = vformat(fmt, ap);
	va_end(ap);
	if (!it->note)
		d->oom = 1;
	it->note_span = span;
}

size_t diag_error_count(const diag_sink *d)
{
	return d->nerrors;
}

static int cmp_items(const void *a, const void *b)
{
	const diag_item *x = a, *y = b;
	const char *px = x->span.src ? x->span.src->path : "";
	const char *py = y->span.src ? y->span.src->path : "";
	int c = strcmp(px, py);

	if (c)
		return c;
	if (x->span.start != y->span.start)
		return x->span.start < y->span.start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void diag_sort(diag_sink *d)
{
	if (d->n > 1)
		qsort(d->items, d->n, sizeof *d->items, cmp_items);
}

#define COL_BOLD "\033[1m"
#define COL_RED "\033[1;31m"
#define COL_MAG "\033[1;35m"
#define COL_CYAN "\033[1;36m"
#define COL_GREEN "\033[1;32m"
#define COL_OFF "\033[0m"

/* The source line and a caret line under the span. */
static int render_excerpt(fcc_buf *o, fcc_span sp, int color)
{
	unsigned line, col, eline, ecol;
	size_t len, i, width = 0, pad = 0;
	const char *text;
	char num[16];
	int rc = 0;

	fcc_source_locate(sp.src, sp.start, &line, &col);
	fcc_source_locate(sp.src, sp.end > sp.start ? sp.end : sp.start, &eline, &ecol);
	text = fcc_source_line(sp.src, line, &len);
	snprintf(num, sizeof num, "%u", line);
	rc |= fcc_buf_printf(o, " %5s | ", num);
	/* Tabs are kept so the caret lines up in a terminal; control bytes are not
	 * echoed raw. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		rc |= fcc_buf_putc(o, (c < 0x20 && c != '\t') ? '?' : (char)c);
	}
	rc |= fcc_buf_printf(o, "\n %5s | ", "");
	/* Pad with the line's own whitespace characters so tabs align. */
	for (i = 0; i < len && pad + 1 < col; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c & 0xC0) == 0x80)
			continue;
		rc |= fcc_buf_putc(o, c == '\t' ? '\t' : ' ');
		pad++;
	}
	if (eline == line && ecol > col)
		width = ecol - col;
	else if (eline != line) {
		/* A span over several lines: underline to the end of the first. */
		size_t chars = 0;
		for (i = 0; i < len; i++)
			if (((unsigned char)text[i] & 0xC0) != 0x80)
				chars++;
		width = chars + 1 > col ? chars + 1 - col : 1;
	}
	if (width == 0)
		width = 1;
	if (color)
		rc |= fcc_buf_puts(o, COL_GREEN);
	rc |= fcc_buf_putc(o, '^');
	for (i = 1; i < width; i++)
		rc |= fcc_buf_putc(o, '~');
	if (color)
		rc |= fcc_buf_puts(o, COL_OFF);
	rc |= fcc_buf_putc(o, '\n');
	return rc ? FCC_ENOMEM : FCC_OK;
}

static int render_loc(fcc_buf *o, fcc_span sp, int color)
{
	unsigned line, col;

	if (color && fcc_buf_puts(o, COL_BOLD))
		return FCC_ENOMEM;
	if (sp.src) {
		fcc_source_locate(sp.src, sp.start, &line, &col);
		if (fcc_buf_printf(o, "%s:%u:%u: ", sp.src->path, line, col))
			return FCC_ENOMEM;
	} else if (fcc_buf_puts(o, "fcc: ")) {
		return FCC_ENOMEM;
	}
	if (color && fcc_buf_puts(o, COL_OFF))
		return FCC_ENOMEM;
	return FCC_OK;
}

static int render_text(const diag_sink *d, int color, fcc_buf *o)
{
	size_t i, shown = 0;
	int rc = 0;

	for (i = 0; i < d->n && shown < DIAG_MAX_SHOWN; i++) {
		const diag_item *it = &d->items[i];
		int err = it->sev == DIAG_ERROR;

		shown++;
		rc |= render_loc(o, it->span, color);
		if (color)
			rc |= fcc_buf_puts(o, err ? COL_RED : COL_MAG);
		rc |= fcc_buf_puts(o, err ? "error:" : "warning:");
		if (color)
			rc |= fcc_buf_puts(o, COL_OFF);
		rc |= fcc_buf_printf(o, " %s\n", it->msg);
		if (it->span.src)
			rc |= render_excerpt(o, it->span, color);
		if (it->note) {
			rc |= render_loc(o, it->note_span, color);
			if (color)
				rc |= fcc_buf_puts(o, COL_CYAN);
			rc |= fcc_buf_puts(o, "note:");
			if (color)
				rc |= fcc_buf_puts(o, COL_OFF);
			rc |= fcc_buf_printf(o, " %s\n", it->note);
			if (it->note_span.src)
				rc |= render_excerpt(o, it->note_span, color);
		}
	}
	if (d->nerrors || d->nwarnings) {
		rc |= fcc_buf_puts(o, "fcc: ");
		if (d->nerrors)
			rc |= fcc_buf_printf(o, "%zu error%s", d->nerrors,
					     d->nerrors == 1 ? "" : "s");
		if (d->nerrors && d->nwarnings)
			rc |= fcc_buf_puts(o, ", ");
		if (d->nwarnings)
			rc |= fcc_buf_printf(o, "%zu warning%s", d->nwarnings,
					     d->nwarnings == 1 ? "" : "s");
		if (d->nerrors + d->nwarnings > shown)
			rc |= fcc_buf_printf(o, " (first %zu shown)", shown);
		rc |= fcc_buf_putc(o, '\n');
	}
	return rc ? FCC_ENOMEM : FCC_OK;
}

static int json_str(fcc_buf *o, const char *s)
{
	int rc = fcc_buf_putc(o, '"');

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			rc |= fcc_buf_printf(o, "\\%c", c);
		else if (c == '\n')
			rc |= fcc_buf_puts(o, "\\n");
		else if (c < 0x20)
			rc |= fcc_buf_printf(o, "\\u%04x", c);
		else
			rc |= fcc_buf_putc(o, (char)c);
	}
	return rc | fcc_buf_putc(o, '"');
}

static int json_span(fcc_buf *o, fcc_span sp)
{
	unsigned line, col, eline, ecol;
	int rc = 0;

	if (!sp.src)
		return fcc_buf_puts(o, "null");
	fcc_source_locate(sp.src, sp.start, &line, &col);
	fcc_source_locate(sp.src, sp.end, &eline, &ecol);
	rc |= fcc_buf_puts(o, "{\"file\":");
	rc |= json_str(o, sp.src->path);
	rc |= fcc_buf_printf(o, ",\"line\":%u,\"column\":%u,\"end_line\":%u,\"end_column\":%u}",
			     line, col, eline, ecol);
	return rc;
}

static int render_json(const diag_sink *d, fcc_buf *o)
{
	size_t i;
	int rc = fcc_buf_puts(o, "{\"diagnostics\":[");

	for (i = 0; i < d->n; i++) {
		const diag_item *it = &d->items[i];
		if (i)
			rc |= fcc_buf_putc(o, ',');
		rc |= fcc_buf_printf(o, "{\"severity\":\"%s\",\"message\":",
				     it->sev == DIAG_ERROR ? "error" : "warning");
		rc |= json_str(o, it->msg);
		rc |= fcc_buf_puts(o, ",\"location\":");
		rc |= json_span(o, it->span);
		if (it->note) {
			rc |= fcc_buf_puts(o, ",\"note\":{\"message\":");
			rc |= json_str(o, it->note);
			rc |= fcc_buf_puts(o, ",\"location\":");
			rc |= json_span(o, it->note_span);
			rc |= fcc_buf_putc(o, '}');
		}
		rc |= fcc_buf_putc(o, '}');
	}
	rc |= fcc_buf_printf(o, "],\"errors\":%zu,\"warnings\":%zu}\n", d->nerrors, d->nwarnings);
	return rc ? FCC_ENOMEM : FCC_OK;
}

/* GitHub workflow commands: the message escapes %, CR and LF; properties
 * also escape : and , (actions/toolkit's command.ts). */
static int gh_escape(fcc_buf *o, const char *s, int prop)
{
	int rc = 0;

	for (; *s; s++) {
		if (*s == '%')
			rc |= fcc_buf_puts(o, "%25");
		else if (*s == '\r')
			rc |= fcc_buf_puts(o, "%0D");
		else if (*s == '\n')
			rc |= fcc_buf_puts(o, "%0A");
		else if (prop && *s == ':')
			rc |= fcc_buf_puts(o, "%3A");
		else if (prop && *s == ',')
			rc |= fcc_buf_puts(o, "%2C");
		else
			rc |= fcc_buf_putc(o, *s);
	}
	return rc;
}

static int render_github(const diag_sink *d, fcc_buf *o)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < d->n && i < DIAG_MAX_SHOWN; i++) {
		const diag_item *it = &d->items[i];
		rc |= fcc_buf_puts(o, it->sev == DIAG_ERROR ? "::error" : "::warning");
		if (it->span.src) {
			unsigned line, col;
			fcc_source_locate(it->span.src, it->span.start, &line, &col);
			rc |= fcc_buf_puts(o, " file=");
			rc |= gh_escape(o, it->span.src->path, 1);
			rc |= fcc_buf_printf(o, ",line=%u,col=%u", line, col);
		}
		rc |= fcc_buf_puts(o, "::");
		rc |= gh_escape(o, it->msg, 0);
		rc |= fcc_buf_putc(o, '\n');
	}
	return rc ? FCC_ENOMEM : FCC_OK;
}

int diag_render(const diag_sink *d, diag_format fmt, int color, fcc_buf *out)
{
	switch (fmt) {
	case DIAG_FORMAT_JSON:
		return render_json(d, out);
	case DIAG_FORMAT_GITHUB:
		return render_github(d, out);
	default:
		return render_text(d, color, out);
	}
}
