/*
 * diag.h — the compiler's diagnostics sink and its renderers.
 *
 * Stages report problems here and keep going; the driver stops between
 * stages when diag_error_count() is non-zero (SQLite's pParse->nErr). Each
 * diagnostic has a severity, a span, a one-line message, and optionally a
 * note with a second span. Rendering sorts by position so output is stable.
 */
#ifndef FCC_DIAG_H
#define FCC_DIAG_H

#include <stddef.h>

#include "base/buf.h"
#include "base/source.h"

typedef enum { DIAG_ERROR, DIAG_WARNING } diag_severity;

typedef struct diag_item {
	diag_severity sev;
	fcc_span span;
	char *msg;
	fcc_span note_span; /* note_span.src == NULL: the note has no position */
	char *note;         /* NULL when there is no note */
	size_t seq;         /* report order, to keep sorting stable */
} diag_item;

typedef struct diag_sink {
	diag_item *items;
	size_t n, cap;
	size_t nerrors, nwarnings;
	int oom;          /* a report was lost to ENOMEM; the count still includes it */
	int last_dropped; /* the latest report was a repeat: diag_note ignores it */
} diag_sink;

typedef enum { DIAG_FORMAT_TEXT, DIAG_FORMAT_JSON, DIAG_FORMAT_GITHUB } diag_format;

#define DIAG_MAX_SHOWN 20
#define DIAG_MAX_STORED 1000 /* beyond this only the counts grow */

void diag_init(diag_sink *d);
void diag_dispose(diag_sink *d);

/* Report an error or warning at `span`. Never fails: on ENOMEM the count
 * still rises and d->oom is set. */
void diag_error(diag_sink *d, fcc_span span, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warning(diag_sink *d, fcc_span span, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Attach a note to the most recent diagnostic (span may have src NULL). */
void diag_note(diag_sink *d, fcc_span span, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

size_t diag_error_count(const diag_sink *d);

/* Sort by file and position (stable). */
void diag_sort(diag_sink *d);

/* Render the first DIAG_MAX_SHOWN errors (and warnings) into `out`.
 * TEXT: compiler style with source line and carets, colour when `color`,
 * then a summary line "fcc: N errors". JSON: one document
 * {"diagnostics":[...],"errors":N,"warnings":N}. GITHUB: workflow commands
 * "::error file=F,line=L,col=C::message". Returns FCC_OK or FCC_ENOMEM. */
int diag_render(const diag_sink *d, diag_format fmt, int color, fcc_buf *out);

#endif
