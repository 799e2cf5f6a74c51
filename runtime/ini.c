/*
 * ini.c — the AWS shared config/credentials file parser (see ini.h for the
 * dialect). One pass over the lines; the only state carried between lines is
 * the current section and the current key with its indentation, which is what
 * decides whether an indented line continues a value (configparser's rule).
 */
#include "runtime/ini.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"
#include "compiler/base/source.h"

typedef struct parser {
	ini_file *f;
	ini_section *sec; /* current section, NULL before the first header */
	ini_entry *ent;   /* current key, NULL after a header */
	size_t ent_indent;
	int ent_nested; /* the key's own value was empty: continuations are sub-keys */
	fcc_err *e;
} parser;

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trimmed copy of p[0..n). */
static char *dup_trim(const char *p, size_t n)
{
	while (n && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	return fcc_strndup(p, n);
}

static int add_section(parser *ps, const char *name, size_t n, unsigned line)
{
	ini_file *f = ps->f;
	ini_section *grown, *s;
	size_t i;

	for (i = 0; i < f->nsections; i++)
		if (strlen(f->sections[i].name) == n && memcmp(f->sections[i].name, name, n) == 0)
			return fcc_err_set(ps->e, FCC_EPARSE,
					   "%s:%u: duplicate section [%.*s] (first at line %u)",
					   f->path, line, (int)n, name, f->sections[i].line);
	grown = fcc_realloc(f->sections, (f->nsections + 1) * sizeof *grown);
	if (!grown)
		return fcc_err_set(ps->e, FCC_ENOMEM, "out of memory");
	f->sections = grown;
	s = &f->sections[f->nsections];
	memset(s, 0, sizeof *s);
	s->name = fcc_strndup(name, n);
	if (!s->name)
		return fcc_err_set(ps->e, FCC_ENOMEM, "out of memory");
	s->line = line;
	f->nsections++;
	ps->sec = s;
	ps->ent = NULL;
	return FCC_OK;
}

static int add_entry(parser *ps, const char *line, size_t n, size_t indent, unsigned lineno)
{
	ini_section *s = ps->sec;
	ini_entry *grown, *ent;
	size_t i, k;
	char *key;

	if (!s)
		return fcc_err_set(ps->e, FCC_EPARSE, "%s:%u: key outside any [section]",
				   ps->f->path, lineno);
	/* configparser's OPTCRE takes the first `=` or `:` as the delimiter */
	for (k = 0; k < n && line[k] != '=' && line[k] != ':'; k++)
		;
	if (k == n)
		return fcc_err_set(ps->e, FCC_EPARSE,
				   "%s:%u: expected `key = value` or a [section]", ps->f->path,
				   lineno);
	key = dup_trim(line, k);
	if (!key)
		return fcc_err_set(ps->e, FCC_ENOMEM, "out of memory");
	if (!*key) {
		fcc_free(key);
		return fcc_err_set(ps->e, FCC_EPARSE, "%s:%u: empty key", ps->f->path, lineno);
	}
	for (i = 0; key[i]; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
	for (i = 0; i < s->nentries; i++) {
		if (strcmp(s->entries[i].key, key) == 0) {
			int rc = fcc_err_set(ps->e, FCC_EPARSE,
					     "%s:%u: duplicate key '%s' in [%s] (first at line %u)",
					     ps->f->path, lineno, key, s->name, s->entries[i].line);
			fcc_free(key);
			return rc;
		}
	}
	grown = fcc_realloc(s->entries, (s->nentries + 1) * sizeof *grown);
	if (!grown) {
		fcc_free(key);
		return fcc_err_set(ps->e, FCC_ENOMEM, "out of memory");
	}
	s->entries = grown;
	ent = &s->entries[s->nentries];
	memset(ent, 0, sizeof *ent);
	ent->key = key;
	ent->line = lineno;
	ent->value = dup_trim(line + k + 1, n - k - 1);
	s->nentries++;
	if (!ent->value)
		return fcc_err_set(ps->e, FCC_ENOMEM, "out of memory");
	ps->ent = ent;
	ps->ent_indent = indent;
	ps->ent_nested = ent->value[0] == '\0';
	return FCC_OK;
}

/* An indented line below a key: a sub-key of a nested block, or more text. */
static int add_continuation(parser *ps, const char *line, size_t n, unsigned lineno)
{
	ini_entry *ent = ps->ent;

	if (ps->ent_nested) {
		ini_pair *grown, *p;
		const char *eq = memchr(line, '=', n);

		/* botocore's _parse_nested splits on '=' only and fails without one */
		if (!eq)
			return fcc_err_set(ps->e, FCC_EPARSE,
					   "%s:%u: expected `key = value` in nested block '%s'",
					   ps->f->path, lineno, ent->key);
		grown = fcc_realloc(ent->sub, (ent->nsub + 1) * sizeof *grown);
		if (!grown)
			return fcc_err_set(ps->e, FCC_ENOMEM, "out of memory");
		ent->sub = grown;
		p = &ent->sub[ent->nsub];
		memset(p, 0, sizeof *p);
		ent->nsub++;
		p->line = lineno;
		p->key = dup_trim(line, (size_t)(eq - line));
		p->value = dup_trim(eq + 1, n - (size_t)(eq - line) - 1);
		if (!p->key || !p->value)
			return fcc_err_set(ps->e, FCC_ENOMEM, "out of memory");
		return FCC_OK;
	} else {
		size_t old = strlen(ent->value);
		char *grown = fcc_realloc(ent->value, old + 1 + n + 1);

		if (!grown)
			return fcc_err_set(ps->e, FCC_ENOMEM, "out of memory");
		grown[old] = '\n';
		memcpy(grown + old + 1, line, n);
		grown[old + 1 + n] = '\0';
		ent->value = grown;
		return FCC_OK;
	}
}

static int parse_line(parser *ps, const char *p, size_t n, unsigned lineno)
{
	size_t indent = 0;

	while (n && (p[n - 1] == '\r' || is_blank(p[n - 1])))
		n--;
	while (indent < n && is_blank(p[indent]))
		indent++;
	p += indent;
	n -= indent;
	/* blank lines and whole-line comments, also inside continued values */
	if (n == 0 || *p == '#' || *p == ';')
		return FCC_OK;
	if (ps->ent && indent > ps->ent_indent)
		return add_continuation(ps, p, n, lineno);
	if (*p == '[') {
		const char *close = NULL;
		size_t i;

		for (i = 1; i < n; i++)
			if (p[i] == ']')
				close = p + i;
		if (!close || close == p + 1)
			return fcc_err_set(ps->e, FCC_EPARSE, "%s:%u: malformed section header",
					   ps->f->path, lineno);
		return add_section(ps, p + 1, (size_t)(close - p - 1), lineno);
	}
	return add_entry(ps, p, n, indent, lineno);
}

int ini_parse(ini_file **out, const char *path, const char *data, size_t len, fcc_err *e)
{
	parser ps;
	ini_file *f;
	size_t start = 0, bad;
	unsigned lineno = 1;
	int rc = FCC_OK;

	*out = NULL;
	f = fcc_calloc(1, sizeof *f);
	if (!f)
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	f->path = fcc_strdup(path ? path : "<config>");
	if (!f->path) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	bad = fcc_utf8_invalid_at(data, len);
	if (bad == (size_t)-1 && memchr(data, '\0', len))
		bad = (size_t)((const char *)memchr(data, '\0', len) - data);
	if (bad != (size_t)-1) {
		size_t i;

		for (i = 0; i < bad; i++)
			lineno += data[i] == '\n';
		rc = fcc_err_set(e, FCC_EPARSE, "%s:%u: not valid UTF-8 text", f->path, lineno);
		goto out;
	}
	memset(&ps, 0, sizeof ps);
	ps.f = f;
	ps.e = e;
	while (start < len) {
		const char *nl = memchr(data + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - data) : len;

		rc = parse_line(&ps, data + start, end - start, lineno);
		if (rc < 0)
			goto out;
		start = end + 1;
		lineno++;
	}
out:
	if (rc < 0) {
		ini_free(f);
		return rc;
	}
	*out = f;
	return FCC_OK;
}

int ini_load(ini_file **out, const char *path, size_t max, fcc_err *e)
{
	fcc_buf b;
	struct stat st;
	char chunk[4096];
	int fd = -1, rc;
	ssize_t got;

	*out = NULL;
	if (!max)
		max = INI_MAX_FILE;
	fcc_buf_init(&b, max);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ini_parse(out, path, "", 0, e);
		return fcc_err_set(e, FCC_EIO, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return ini_parse(out, path, "", 0, e);
	}
	for (;;) {
		got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = fcc_err_set(e, FCC_EIO, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		rc = fcc_buf_append(&b, chunk, (size_t)got);
		if (rc == FCC_EIO) {
			rc = fcc_err_set(e, FCC_EIO, "%s: file is larger than %zu bytes", path,
					 max);
			goto out;
		}
		if (rc < 0) {
			rc = fcc_err_set(e, rc, "out of memory");
			goto out;
		}
	}
	rc = ini_parse(out, path, fcc_buf_cstr(&b), b.len, e);
out:
	if (fd >= 0)
		close(fd);
	fcc_buf_dispose(&b);
	return rc;
}

void ini_free(ini_file *f)
{
	size_t i, j, k;

	if (!f)
		return;
	for (i = 0; i < f->nsections; i++) {
		ini_section *s = &f->sections[i];

		for (j = 0; j < s->nentries; j++) {
			ini_entry *ent = &s->entries[j];

			for (k = 0; k < ent->nsub; k++) {
				fcc_free(ent->sub[k].key);
				fcc_free(ent->sub[k].value);
			}
			fcc_free(ent->sub);
			fcc_free(ent->key);
			fcc_free(ent->value);
		}
		fcc_free(s->entries);
		fcc_free(s->name);
	}
	fcc_free(f->sections);
	fcc_free(f->path);
	fcc_free(f);
}

const ini_section *ini_section_find(const ini_file *f, const char *name)
{
	size_t i;

	if (!f || !name)
		return NULL;
	for (i = 0; i < f->nsections; i++)
		if (strcmp(f->sections[i].name, name) == 0)
			return &f->sections[i];
	return NULL;
}

/*
 * Does section header `hdr` read `<kind> NAME`? botocore splits the header
 * with shlex and wants exactly two words, so `[profile "my dev"]` names
 * "my dev" and `[profile a b]` names nothing. Quotes are handled for the
 * simple cases shlex handles (one quoted word, no escapes).
 */
static int header_names(const char *hdr, const char *kind, const char *name)
{
	size_t kl = strlen(kind), nl = strlen(name);
	const char *p = hdr, *end;

	while (is_blank(*p))
		p++;
	if (strncmp(p, kind, kl) != 0 || !is_blank(p[kl]))
		return 0;
	p += kl;
	while (is_blank(*p))
		p++;
	end = p + strlen(p);
	while (end > p && is_blank(end[-1]))
		end--;
	if (end - p >= 2 && (*p == '"' || *p == '\'') && end[-1] == *p) {
		p++;
		end--;
		if (memchr(p, p[-1], (size_t)(end - p)))
			return 0;
	} else {
		const char *q;

		for (q = p; q < end; q++)
			if (is_blank(*q) || *q == '"' || *q == '\'')
				return 0;
	}
	return (size_t)(end - p) == nl && memcmp(p, name, nl) == 0;
}

const ini_section *ini_config_profile(const ini_file *f, const char *profile)
{
	const ini_section *found = NULL;
	size_t i;

	if (!f || !profile)
		return NULL;
	for (i = 0; i < f->nsections; i++) {
		const ini_section *s = &f->sections[i];

		if (header_names(s->name, "profile", profile) ||
		    (strcmp(profile, "default") == 0 && strcmp(s->name, "default") == 0))
			found = s;
	}
	return found;
}

const ini_section *ini_config_services(const ini_file *f, const char *name)
{
	const ini_section *found = NULL;
	size_t i;

	if (!f || !name)
		return NULL;
	for (i = 0; i < f->nsections; i++)
		if (header_names(f->sections[i].name, "services", name))
			found = &f->sections[i];
	return found;
}

static const ini_entry *entry_find(const ini_section *s, const char *key)
{
	size_t i, kl;

	if (!s || !key)
		return NULL;
	kl = strlen(key);
	for (i = 0; i < s->nentries; i++) {
		const char *k = s->entries[i].key;
		size_t j;

		if (strlen(k) != kl)
			continue;
		for (j = 0; j < kl && k[j] == (char)tolower((unsigned char)key[j]); j++)
			;
		if (j == kl)
			return &s->entries[i];
	}
	return NULL;
}

const char *ini_get(const ini_section *s, const char *key)
{
	const ini_entry *ent = entry_find(s, key);

	return ent ? ent->value : NULL;
}

const char *ini_get_sub(const ini_section *s, const char *key, const char *subkey)
{
	const ini_entry *ent = entry_find(s, key);
	size_t i;

	if (!ent || !subkey)
		return NULL;
	/* the last one wins, as in the dict botocore builds */
	for (i = ent->nsub; i > 0; i--)
		if (strcmp(ent->sub[i - 1].key, subkey) == 0)
			return ent->sub[i - 1].value;
	return NULL;
}
