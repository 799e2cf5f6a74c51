/*
 * sigv4_raw.c — raw HTTP/1.1 request parser for SigV4 vectors and
 * `fcc sign` (see sigv4_raw.h).
 */
#include "runtime/sigv4_raw.h"

#include <string.h>

#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"

/* Next line of [p, end): sets *len without the line end ("\n" or "\r\n")
 * and returns the start of the following line (end when none). */
static const char *next_line(const char *p, const char *end, size_t *len)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *stop = nl ? nl : end;

	*len = (size_t)(stop - p);
	if (*len && p[*len - 1] == '\r')
		(*len)--;
	return nl ? nl + 1 : end;
}

static int grow(sigv4_raw *r, size_t *cap)
{
	size_t n = *cap ? *cap * 2 : 8;
	char **a, **b, **c;

	if (!(a = fcc_realloc(r->names, n * sizeof *a)))
		return FCC_ENOMEM;
	r->names = a;
	if (!(b = fcc_realloc(r->values, n * sizeof *b)))
		return FCC_ENOMEM;
	r->values = b;
	if (!(c = fcc_realloc(r->lines, n * sizeof *c)))
		return FCC_ENOMEM;
	r->lines = c;
	*cap = n;
	return FCC_OK;
}

/* Append "<sep><s[0..n)>" to the heap string *dst. */
static int append(char **dst, const char *sep, const char *s, size_t n)
{
	size_t have = strlen(*dst), slen = strlen(sep);
	char *p = fcc_realloc(*dst, have + slen + n + 1);

	if (!p)
		return FCC_ENOMEM;
	memcpy(p + have, sep, slen);
	memcpy(p + have + slen, s, n);
	p[have + slen + n] = '\0';
	*dst = p;
	return FCC_OK;
}

int sigv4_raw_parse(sigv4_raw *out, const char *data, size_t len, fcc_err *e)
{
	sigv4_raw r;
	const char *p = data, *end = data + len, *line, *sp1, *sp2, *q;
	size_t n, cap = 0, lineno = 1, i;
	int rc = FCC_OK;

	memset(&r, 0, sizeof r);
	memset(out, 0, sizeof *out);
	if (!data)
		return fcc_err_set(e, FCC_EPARSE, "request: empty input");

	/* request line: METHOD SP target SP HTTP/x.y */
	line = p;
	p = next_line(p, end, &n);
	if (memchr(line, '\0', n)) {
		rc = fcc_err_set(e, FCC_EPARSE, "request line 1: NUL byte");
		goto out;
	}
	sp1 = memchr(line, ' ', n);
	for (sp2 = line + n; sp2 > line && sp2[-1] != ' '; sp2--)
		;
	sp2 = sp2 > line ? sp2 - 1 : NULL;
	if (!sp1 || !sp2 || sp2 <= sp1 + 1 || sp1 == line) {
		rc = fcc_err_set(e, FCC_EPARSE,
				 "request line 1: expected 'METHOD target HTTP/1.1'");
		goto out;
	}
	if ((size_t)(line + n - sp2 - 1) < 5 || memcmp(sp2 + 1, "HTTP/", 5) != 0) {
		rc = fcc_err_set(e, FCC_EPARSE, "request line 1: no HTTP version at the end");
		goto out;
	}
	if (sp1[1] != '/') {
		rc = fcc_err_set(e, FCC_EPARSE,
				 "request line 1: the target must be a path starting with '/'");
		goto out;
	}
	if (!(r.method = fcc_strndup(line, (size_t)(sp1 - line))) ||
	    !(r.target = fcc_strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1))) ||
	    !(r.version = fcc_strndup(sp2 + 1, (size_t)(line + n - sp2 - 1))))
		goto nomem;
	q = strchr(r.target, '?');
	if (!(r.path = fcc_strndup(r.target, q ? (size_t)(q - r.target) : strlen(r.target))))
		goto nomem;
	if (q && !(r.query = fcc_strdup(q + 1)))
		goto nomem;

	/* headers up to a blank line or the end */
	while (p < end) {
		const char *colon;
		line = p;
		p = next_line(p, end, &n);
		lineno++;
		if (n == 0)
			break;
		if (memchr(line, '\0', n)) {
			rc = fcc_err_set(e, FCC_EPARSE, "request line %zu: NUL byte", lineno);
			goto out;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			/* obs-fold (RFC 7230 3.2.4): the value continues, and a
			 * recipient replaces the fold with a space */
			size_t k = 0;
			if (!r.nheaders) {
				rc = fcc_err_set(
					e, FCC_EPARSE,
					"request line %zu: continuation line before any header",
					lineno);
				goto out;
			}
			while (k < n && (line[k] == ' ' || line[k] == '\t'))
				k++;
			if (append(&r.values[r.nheaders - 1], " ", line + k, n - k) ||
			    append(&r.lines[r.nheaders - 1], "\n", line, n))
				goto nomem;
			continue;
		}
		colon = memchr(line, ':', n);
		if (!colon || colon == line) {
			rc = fcc_err_set(e, FCC_EPARSE, "request line %zu: expected 'Name: value'",
					 lineno);
			goto out;
		}
		if (r.nheaders == cap && grow(&r, &cap))
			goto nomem;
		r.names[r.nheaders] = fcc_strndup(line, (size_t)(colon - line));
		r.values[r.nheaders] = fcc_strndup(colon + 1, (size_t)(line + n - colon - 1));
		r.lines[r.nheaders] = fcc_strndup(line, n);
		r.nheaders++;
		if (!r.names[r.nheaders - 1] || !r.values[r.nheaders - 1] ||
		    !r.lines[r.nheaders - 1])
			goto nomem;
	}

	r.body_len = (size_t)(end - p);
	/* bodies are binary: no strndup, which would stop at a NUL */
	if (!(r.body = fcc_malloc(r.body_len + 1)))
		goto nomem;
	memcpy(r.body, p, r.body_len);
	r.body[r.body_len] = '\0';
	if (r.nheaders && !(r.headers = fcc_calloc(r.nheaders, sizeof *r.headers)))
		goto nomem;
	for (i = 0; i < r.nheaders; i++) {
		r.headers[i].name = r.names[i];
		r.headers[i].value = r.values[i];
	}
	*out = r;
	return FCC_OK;
nomem:
	rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
out:
	sigv4_raw_dispose(&r);
	return rc;
}

void sigv4_raw_dispose(sigv4_raw *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nheaders; i++) {
		fcc_free(r->names[i]);
		fcc_free(r->values[i]);
		fcc_free(r->lines[i]);
	}
	fcc_free(r->names);
	fcc_free(r->values);
	fcc_free(r->lines);
	fcc_free(r->headers);
	fcc_free(r->method);
	fcc_free(r->target);
	fcc_free(r->path);
	fcc_free(r->query);
	fcc_free(r->version);
	fcc_free(r->body);
	memset(r, 0, sizeof *r);
}
