/*
 * check.c — the spec checker: environments, interpolation, keys, types and
 * domain rules, producing a spec_model (see check.h and spec/README.md).
 *
 * Shape: every section has a list of allowed keys; unknown keys get a
 * "did you mean" from chk_suggest(). Values are read through typed getters
 * that report "X must be a string, not a mapping" and interpolate ${...}.
 * Domain rules (names, ARNs, buckets, Forecast settings) follow, each with
 * its own message. Nothing here stops at the first error.
 *
 * Patterns are PCRE2, compiled once per check run and cached in the context.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "check.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "emit_stack.h"
#include "spec_load.h"

#define MAX_VAR_DEPTH 32

typedef struct rx_entry {
	const char *pattern;
	pcre2_code *code;
} rx_entry;

typedef struct var_slot {
	const char *name;
	const spec_node *node;
	const char *value; /* resolved, NULL until then */
	int busy;          /* being resolved: a reference back here is a cycle */
	int bad;           /* resolution failed (already reported) */
} var_slot;

typedef struct ck {
	diag_sink *d;
	fcc_arena *a;
	const fcc_source *src;
	const char *spec_dir;
	var_slot *vars;
	size_t nvars;
	rx_entry rx[48];
	size_t nrx;
	int oom;
	int data_bad;     /* data is not a list: skip rules that look entries up */
	int products_bad; /* a product is missing or unnamed: skip product look-ups */
	spec_model *m;
} ck;

/* ---------------------------------------------------------------- helpers */

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

const char *chk_suggest(const char *word, const char *const *cands)
{
	size_t wl = strlen(word), best_d = (size_t)-1, i;
	const char *best = NULL;
	/* optimal string alignment distance (Levenshtein plus adjacent swaps),
	 * case-insensitive, over three rows */
	size_t r0[64], r1[64], r2[64], *pp = r0, *prev = r1, *row = r2;

	if (wl == 0 || wl >= 63)
		return NULL;
	for (i = 0; cands[i]; i++) {
		const char *c = cands[i];
		size_t cl = strlen(c), x, y;
		if (cl >= 63)
			continue;
		for (x = 0; x <= cl; x++)
			prev[x] = x;
		for (y = 1; y <= wl; y++) {
			size_t *t;
			row[0] = y;
			for (x = 1; x <= cl; x++) {
				size_t cost = lower(word[y - 1]) == lower(c[x - 1]) ? 0 : 1, v;
				v = prev[x - 1] + cost;
				if (prev[x] + 1 < v)
					v = prev[x] + 1;
				if (row[x - 1] + 1 < v)
					v = row[x - 1] + 1;
				if (y > 1 && x > 1 && lower(word[y - 1]) == lower(c[x - 2]) &&
				    lower(word[y - 2]) == lower(c[x - 1]) && pp[x - 2] + 1 < v)
					v = pp[x - 2] + 1;
				row[x] = v;
			}
			t = pp;
			pp = prev;
			prev = row;
			row = t;
		}
		if (prev[cl] < best_d) {
			best_d = prev[cl];
			best = c;
		}
	}
	/* close enough: at most a third of the word's length, and at least 1 */
	if (best && best_d <= (wl / 3 > 1 ? wl / 3 : 1) + (wl >= 8 ? 1 : 0) && best_d < wl)
		return best;
	return NULL;
}

static int rx_match(ck *c, const char *pattern, const char *s)
{
	size_t i;
	pcre2_code *code = NULL;
	pcre2_match_data *md;
	int r;

	for (i = 0; i < c->nrx; i++)
		if (c->rx[i].pattern == pattern) {
			code = c->rx[i].code;
			break;
		}
	if (!code) {
		int errcode;
		PCRE2_SIZE erroff;
		code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
				     &errcode, &erroff, NULL);
		if (!code) {
			c->oom = 1; /* our own patterns compile; only memory can fail */
			return 0;
		}
		if (c->nrx < sizeof c->rx / sizeof *c->rx) {
			c->rx[c->nrx].pattern = pattern;
			c->rx[c->nrx++].code = code;
		}
	}
	md = pcre2_match_data_create_from_pattern(code, NULL);
	if (!md) {
		c->oom = 1;
		r = 0;
	} else {
		r = pcre2_match(code, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL) >= 0;
		pcre2_match_data_free(md);
	}
	if (i == c->nrx && c->nrx == sizeof c->rx / sizeof *c->rx)
		pcre2_code_free(code);
	return r;
}

static const char *path_join(ck *c, const char *path, const char *key)
{
	const char *p = path && *path ? fcc_arena_printf(c->a, "%s.%s", path, key)
				      : fcc_arena_strdup(c->a, key);
	if (!p) {
		c->oom = 1;
		return key;
	}
	return p;
}

static const char *path_index(ck *c, const char *path, size_t i)
{
	const char *p = fcc_arena_printf(c->a, "%s[%zu]", path, i);
	if (!p) {
		c->oom = 1;
		return path;
	}
	return p;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Report unknown keys in `map`; `allowed` is NULL-terminated. */
static void check_keys(ck *c, const spec_node *map, const char *path, const char *const *allowed)
{
	size_t i, k;

	for (i = 0; i < map->n; i++) {
		const spec_node *key = map->pairs[i].key;
		int ok = 0;
		const char *hint;
		for (k = 0; allowed[k]; k++)
			if (strcmp(key->str, allowed[k]) == 0)
				ok = 1;
		if (ok)
			continue;
		hint = chk_suggest(key->str, allowed);
		if (hint)
			diag_error(c->d, key->span, "unknown key '%s' in %s; did you mean '%s'?",
				   key->str, path && *path ? path : "the spec", hint);
		else
			diag_error(c->d, key->span, "unknown key '%s' in %s", key->str,
				   path && *path ? path : "the spec");
	}
}

static int is_cfn_tag(const char *tag)
{
	static const char *const tags[] = {"!Ref",       "!Sub",       "!GetAtt", "!Join",
					   "!Select",    "!Split",     "!If",     "!Equals",
					   "!And",       "!Or",        "!Not",    "!FindInMap",
					   "!Base64",    "!Cidr",      "!GetAZs", "!ImportValue",
					   "!Condition", "!Transform", NULL};
	size_t i;

	for (i = 0; tags[i]; i++)
		if (strcmp(tag, tags[i]) == 0)
			return 1;
	return 0;
}

static int is_core_tag(const char *tag)
{
	return strncmp(tag, "tag:yaml.org,2002:", 18) == 0;
}

/* Tags are CloudFormation's, so they belong in `template` only. */
static int check_tag(ck *c, const spec_node *n, const char *path)
{
	if (!n->tag || is_core_tag(n->tag))
		return 1;
	if (is_cfn_tag(n->tag))
		diag_error(c->d, n->span,
			   "%s: CloudFormation tag %s is only allowed under template", path,
			   n->tag);
	else
		diag_error(c->d, n->span, "%s: unknown YAML tag %s", path, n->tag);
	return 0;
}

static int type_error(ck *c, const spec_node *n, const char *path, const char *want)
{
	diag_error(c->d, n->span, "%s must be %s, not %s", path, want, spec_kind_name(n));
	return 0;
}

static const spec_node *as_map(ck *c, const spec_node *n, const char *path)
{
	if (!n || n->kind != SPEC_MAP) {
		if (n && !spec_is_null(n))
			type_error(c, n, path, "a mapping");
		else if (n)
			type_error(c, n, path, "a mapping");
		return NULL;
	}
	check_tag(c, n, path);
	return n;
}

static const spec_node *as_seq(ck *c, const spec_node *n, const char *path)
{
	if (!n || n->kind != SPEC_SEQ) {
		if (n)
			type_error(c, n, path, "a list");
		return NULL;
	}
	check_tag(c, n, path);
	return n;
}

/* Required member of `map`; reports at `where` (the key of the map). */
static const spec_node *need(ck *c, const spec_node *map, const char *key, const char *path,
			     fcc_span where)
{
	spec_pair *p = spec_map_get(map, key);

	if (!p) {
		diag_error(c->d, where, "%s is missing required key '%s'",
			   path && *path ? path : "the spec", key);
		return NULL;
	}
	return p->value;
}

static const spec_node *opt(const spec_node *map, const char *key)
{
	spec_pair *p = spec_map_get(map, key);
	return p ? p->value : NULL;
}

static fcc_span key_span(const spec_node *map, const char *key, fcc_span fallback)
{
	spec_pair *p = spec_map_get(map, key);
	return p ? p->key->span : fallback;
}

/* ----------------------------------------------------------- interpolation */

/* Span of "${name" inside scalar `n`, found by searching its source text; the
 * whole scalar when escapes make the text differ. */
static fcc_span var_span(const spec_node *n, const char *name)
{
	fcc_span s = n->span;
	size_t nl = strlen(name), i;
	const char *text = s.src->data;

	for (i = s.start; i + nl + 2 < s.end + 1 && i + nl + 2 <= s.src->len; i++)
		if (text[i] == '$' && text[i + 1] == '{' && strncmp(text + i + 2, name, nl) == 0) {
			size_t end = i + 2 + nl;
			if (end < s.src->len && text[end] == '}')
				end++;
			s.start = i;
			s.end = end;
			return s;
		}
	return s;
}

static const char *interp(ck *c, const spec_node *n, int in_template, int depth);

static const char *var_value(ck *c, const spec_node *at, const char *name, size_t nl, int depth)
{
	size_t i, k;
	char key[128];
	const char *cands[256];

	if (nl >= sizeof key)
		nl = sizeof key - 1;
	memcpy(key, name, nl);
	key[nl] = '\0';
	for (i = 0; i < c->nvars; i++) {
		var_slot *v = &c->vars[i];
		if (strcmp(v->name, key) != 0)
			continue;
		if (v->value)
			return v->value;
		if (v->bad)
			return NULL;
		if (v->busy || depth > MAX_VAR_DEPTH) {
			diag_error(c->d, var_span(at, key),
				   "variable '%s' refers back to itself through ${...}", key);
			v->bad = 1;
			return NULL;
		}
		if (v->node->kind != SPEC_SCALAR || spec_is_null(v->node)) {
			v->bad = 1; /* reported when vars were read */
			return NULL;
		}
		v->busy = 1;
		v->value = interp(c, v->node, 0, depth + 1);
		v->busy = 0;
		if (!v->value)
			v->bad = 1;
		return v->value;
	}
	for (k = 0; k < c->nvars && k + 1 < 256; k++)
		cands[k] = c->vars[k].name;
	cands[k] = NULL;
	{
		const char *hint = chk_suggest(key, cands);
		if (hint)
			diag_error(c->d, var_span(at, key),
				   "undefined variable '%s'; did you mean '%s'?", key, hint);
		else
			diag_error(c->d, var_span(at, key),
				   "undefined variable '%s' (define it under vars)", key);
	}
	return NULL;
}

/* The scalar's text with ${NAME} / ${var.NAME} replaced and $${ unescaped.
 * In `template`, only ${var.NAME} is fcc's; other ${...} are kept for
 * CloudFormation. Returns NULL after reporting an error (or on ENOMEM). */
static const char *interp(ck *c, const spec_node *n, int in_template, int depth)
{
	const char *s = n->str, *p;
	fcc_buf b;
	int ok = 1;

	if (!strstr(s, "${"))
		return s;
	fcc_buf_init(&b, 0);
	for (p = s; *p;) {
		const char *close, *name;
		size_t nl;
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			if (in_template)
				ok &= fcc_buf_puts(&b, "$${") == 0;
			else
				ok &= fcc_buf_puts(&b, "${") == 0;
			p += 3;
			continue;
		}
		if (!(p[0] == '$' && p[1] == '{')) {
			ok &= fcc_buf_putc(&b, *p) == 0;
			p++;
			continue;
		}
		close = strchr(p + 2, '}');
		if (!close) {
			if (in_template) {
				ok &= fcc_buf_puts(&b, p) == 0;
				break;
			}
			diag_error(c->d, var_span(n, ""),
				   "unterminated '${' (write $${ for a literal ${)");
			fcc_buf_dispose(&b);
			return NULL;
		}
		name = p + 2;
		nl = (size_t)(close - name);
		if (nl > 4 && strncmp(name, "var.", 4) == 0) {
			name += 4;
			nl -= 4;
		} else if (in_template) {
			ok &= fcc_buf_append(&b, p, (size_t)(close + 1 - p)) == 0;
			p = close + 1;
			continue;
		}
		{
			const char *v = var_value(c, n, name, nl, depth);
			if (!v) {
				fcc_buf_dispose(&b);
				return NULL;
			}
			ok &= fcc_buf_puts(&b, v) == 0;
		}
		p = close + 1;
	}
	if (!ok) {
		c->oom = 1;
		fcc_buf_dispose(&b);
		return NULL;
	}
	p = fcc_arena_strndup(c->a, fcc_buf_cstr(&b), b.len);
	fcc_buf_dispose(&b);
	if (!p)
		c->oom = 1;
	return p;
}

/* --------------------------------------------------------------- getters */

/* A string value: any non-null scalar, interpolated. Returns 1 on success. */
static int get_str(ck *c, const spec_node *n, const char *path, spec_str *out)
{
	const char *v;

	if (!n)
		return 0;
	if (n->kind != SPEC_SCALAR || spec_is_null(n))
		return type_error(c, n, path, "a string");
	if (!check_tag(c, n, path))
		return 0;
	v = interp(c, n, 0, 0);
	if (!v)
		return 0;
	out->s = v;
	out->span = n->span;
	return 1;
}

static int get_str_len(ck *c, const spec_node *n, const char *path, spec_str *out, size_t minl,
		       size_t maxl)
{
	size_t len;

	if (!get_str(c, n, path, out))
		return 0;
	len = utf8_chars(out->s);
	if (len < minl) {
		diag_error(c->d, n->span, "%s must not be empty", path);
		return 0;
	}
	if (len > maxl) {
		diag_error(c->d, n->span, "%s is %zu characters long; the limit is %zu", path, len,
			   maxl);
		return 0;
	}
	return 1;
}

static int get_int(ck *c, const spec_node *n, const char *path, long lo, long hi, long *out)
{
	const char *s;
	char *end;
	long v;

	if (!n)
		return 0;
	if (n->kind != SPEC_SCALAR || spec_is_null(n))
		return type_error(c, n, path, "an integer");
	if (!check_tag(c, n, path) || !(s = interp(c, n, 0, 0)))
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno) {
		diag_error(c->d, n->span, "%s must be an integer, not '%s'", path, s);
		return 0;
	}
	if (v < lo || v > hi) {
		diag_error(c->d, n->span, "%s must be between %ld and %ld, not %ld", path, lo, hi,
			   v);
		return 0;
	}
	*out = v;
	return 1;
}

static int get_num(ck *c, const spec_node *n, const char *path, double *out)
{
	const char *s;
	char *end;
	double v;

	if (!n)
		return 0;
	if (n->kind != SPEC_SCALAR || spec_is_null(n))
		return type_error(c, n, path, "a number");
	if (!check_tag(c, n, path) || !(s = interp(c, n, 0, 0)))
		return 0;
	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v)) {
		diag_error(c->d, n->span, "%s must be a number, not '%s'", path, s);
		return 0;
	}
	*out = v;
	return 1;
}

static int get_bool(ck *c, const spec_node *n, const char *path, int *out)
{
	if (!n)
		return 0;
	if (n->kind != SPEC_SCALAR || spec_is_null(n))
		return type_error(c, n, path, "true or false");
	if (!check_tag(c, n, path))
		return 0;
	if (strcmp(n->str, "true") == 0 || strcmp(n->str, "True") == 0 ||
	    strcmp(n->str, "TRUE") == 0) {
		*out = 1;
		return 1;
	}
	if (strcmp(n->str, "false") == 0 || strcmp(n->str, "False") == 0 ||
	    strcmp(n->str, "FALSE") == 0) {
		*out = 0;
		return 1;
	}
	diag_error(c->d, n->span, "%s must be true or false, not '%s'", path, n->str);
	return 0;
}

/* One of `choices` (exact); suggests the closest on a miss. */
static int get_enum(ck *c, const spec_node *n, const char *path, const char *const *choices,
		    spec_str *out)
{
	size_t i;
	const char *hint;
	fcc_buf all;

	if (!get_str(c, n, path, out))
		return 0;
	for (i = 0; choices[i]; i++)
		if (strcmp(out->s, choices[i]) == 0)
			return 1;
	hint = chk_suggest(out->s, choices);
	if (hint) {
		diag_error(c->d, n->span, "%s '%s' is not supported; did you mean '%s'?", path,
			   out->s, hint);
		return 0;
	}
	fcc_buf_init(&all, 0);
	for (i = 0; choices[i]; i++)
		if (fcc_buf_printf(&all, "%s%s", i ? ", " : "", choices[i]))
			c->oom = 1;
	diag_error(c->d, n->span, "%s '%s' is not supported; use one of %s", path, out->s,
		   fcc_buf_cstr(&all));
	fcc_buf_dispose(&all);
	return 0;
}

static spec_str dflt(const char *s)
{
	spec_str v;

	v.s = s;
	v.span.src = NULL;
	v.span.start = v.span.end = 0;
	return v;
}

/* A list of strings into an arena array. */
static int get_str_list(ck *c, const spec_node *n, const char *path, spec_str **out, size_t *nout)
{
	size_t i;
	const spec_node *seq = as_seq(c, n, path);

	*out = NULL;
	*nout = 0;
	if (!seq)
		return 0;
	*out = fcc_arena_alloc(c->a, (seq->n ? seq->n : 1) * sizeof **out);
	if (!*out) {
		c->oom = 1;
		return 0;
	}
	for (i = 0; i < seq->n; i++)
		if (get_str(c, seq->items[i], path_index(c, path, i), &(*out)[*nout]))
			(*nout)++;
	return 1;
}

/* A list section: the sequence at `n` (reported when it is not one) and an
 * arena array of `count` elements of `size` bytes in *arr. NULL when absent,
 * mistyped or out of memory. */
static const spec_node *list_of(ck *c, const spec_node *n, const char *path, void **arr,
				size_t size)
{
	const spec_node *seq = n ? as_seq(c, n, path) : NULL;

	*arr = NULL;
	if (!seq)
		return NULL;
	*arr = fcc_arena_alloc(c->a, (seq->n ? seq->n : 1) * size);
	if (!*arr) {
		c->oom = 1;
		return NULL;
	}
	return seq;
}

/* Item `i` of a list of mappings, its path ("roles[2]") in *path, its keys
 * checked against `keys`; NULL (reported) when it is not a mapping. */
static const spec_node *list_item(ck *c, const spec_node *seq, size_t i, const char *list_path,
				  const char *const *keys, const char **path)
{
	const spec_node *m;

	*path = path_index(c, list_path, i);
	m = as_map(c, seq->items[i], *path);
	if (m)
		check_keys(c, m, *path, keys);
	return m;
}

/* ------------------------------------------------------------ domain rules */

static const char *const REGIONS[] = {"us-east-1",      "us-east-2",
				      "us-west-1",      "us-west-2",
				      "af-south-1",     "ap-east-1",
				      "ap-east-2",      "ap-south-1",
				      "ap-south-2",     "ap-southeast-1",
				      "ap-southeast-2", "ap-southeast-3",
				      "ap-southeast-4", "ap-southeast-5",
				      "ap-southeast-7", "ap-northeast-1",
				      "ap-northeast-2", "ap-northeast-3",
				      "ca-central-1",   "ca-west-1",
				      "eu-central-1",   "eu-central-2",
				      "eu-west-1",      "eu-west-2",
				      "eu-west-3",      "eu-south-1",
				      "eu-south-2",     "eu-north-1",
				      "il-central-1",   "me-south-1",
				      "me-central-1",   "mx-central-1",
				      "sa-east-1",      "cn-north-1",
				      "cn-northwest-1", "us-gov-west-1",
				      "us-gov-east-1",  NULL};

/* Regions where Amazon Forecast is offered (AWS regional services list). */
static const char *const FORECAST_REGIONS[] = {"us-east-1",
					       "us-east-2",
					       "us-west-2",
					       "ap-south-1",
					       "ap-northeast-1",
					       "ap-northeast-2",
					       "ap-southeast-1",
					       "ap-southeast-2",
					       "eu-central-1",
					       "eu-west-1",
					       NULL};

static const char *const ALGORITHMS[] = {"CNN-QR", "DeepAR+", "NPTS",          "Prophet",
					 "ARIMA",  "ETS",     "AutoPredictor", NULL};
static const char *const FREQUENCIES[] = {"Y",     "M",     "W",    "D",    "H", "30min",
					  "15min", "10min", "5min", "1min", NULL};
static const char *const METRICS[] = {"WAPE", "RMSE", "MASE", "MAPE", NULL};
static const char *const ATTR_TYPES[] = {"string",    "integer",     "float",
					 "timestamp", "geolocation", NULL};
static const char *const TS_FORMATS[] = {"yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss", NULL};

#define RX_PROJECT_NAME "^[a-zA-Z](-*[a-zA-Z0-9])*$"
#define RX_VAR_NAME "^[A-Za-z_][A-Za-z0-9_]*$"
#define RX_ENV_NAME "^[a-z][a-z0-9-]*$"
#define RX_ROLE_NAME "^[\\w+=,.@-]{1,64}$"
#define RX_ROLE_ARN "^arn:aws(-cn|-us-gov)?:iam::\\d{12}:role/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$"
#define RX_POLICY_ARN                                                                              \
	"^arn:aws(-cn|-us-gov)?:iam::(aws|\\d{12}):policy/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,128}$"
#define RX_SERVICE "^[a-z0-9][a-z0-9.-]*\\.amazonaws\\.com(\\.cn)?$"
#define RX_PRINCIPAL "^arn:aws(-cn|-us-gov)?:iam::\\d{12}:(role|user|group)/[\\w+=,.@/-]{1,512}$"
/* Service Catalog takes IAM_PATTERN principals without an account
 * (AssociatePrincipalWithPortfolio: arn:partition:iam:::resource-type/id). */
#define RX_PRINCIPAL_WITH_ACCOUNT "^arn:aws(-cn|-us-gov)?:iam::\\d{12}:(role|user|group)/"
#define RX_PRINCIPAL_PATTERN "^arn:aws(-cn|-us-gov)?:iam:::(role|user|group)/[\\w+=,.@*/-]{1,512}$"
#define RX_MODULE "^[a-z_][a-z0-9_]*$"
#define RX_ATTR "^[a-zA-Z][a-zA-Z0-9_]*$"
#define RX_INSTANCE "^ml\\.[a-z0-9]+\\.[a-z0-9]+$"
#define RX_ACCOUNT "^\\d{12}$"
#define RX_ORG "^o-[a-z0-9]{10,32}$"
#define RX_OU "^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$"
#define RX_LOGICAL_ID "^[A-Za-z0-9]{1,255}$"
#define RX_RESOURCE_TYPE "^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$"
#define RX_BRANCH "^[^\\s~^:?*\\[\\\\]+$"

static void check_project_name(ck *c, const spec_str *v, const char *what)
{
	size_t len = strlen(v->s);

	if (len > 32)
		diag_error(c->d, v->span,
			   "%s '%s' is %zu characters long; SageMaker allows at most 32", what,
			   v->s, len);
	else if (!rx_match(c, RX_PROJECT_NAME, v->s))
		diag_error(
			c->d, v->span,
			"%s '%s' is not a valid SageMaker project name: start with a letter, then "
			"letters, digits and hyphens, no trailing hyphen",
			what, v->s);
}

static int is_ipv4(const char *s)
{
	int parts = 0, digits = 0;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			if (++digits > 3)
				return 0;
		} else if (*s == '.' && digits) {
			parts++;
			digits = 0;
		} else {
			return 0;
		}
	}
	return parts == 3 && digits;
}

static void check_bucket(ck *c, const spec_str *v, const char *path)
{
	const char *s = v->s;
	size_t len = strlen(s), i;

	if (strncmp(s, "s3://", 5) == 0 || strncmp(s, "S3://", 5) == 0) {
		const char *name = s + 5, *slash = strchr(name, '/');
		int nl = slash ? (int)(slash - name) : (int)strlen(name);
		diag_error(c->d, v->span, "%s must be a bucket name, not an s3:// URL", path);
		if (slash && slash[1])
			diag_note(c->d, v->span,
				  "write '%.*s' here and put '%s' in artifacts.prefix", nl, name,
				  slash + 1);
		else
			diag_note(c->d, v->span, "write '%.*s' here", nl, name);
		return;
	}
	if (strncmp(s, "arn:", 4) == 0) {
		diag_error(c->d, v->span, "%s must be a bucket name, not an ARN", path);
		return;
	}
	if (len < 3 || len > 63) {
		diag_error(c->d, v->span,
			   "%s '%s' is %zu characters long; S3 bucket names have 3 to 63", path, s,
			   len);
		return;
	}
	for (i = 0; i < len; i++) {
		char ch = s[i];
		if (ch >= 'A' && ch <= 'Z') {
			diag_error(c->d, v->span,
				   "%s '%s' has upper-case letters; S3 bucket names are lower case",
				   path, s);
			return;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		      ch == '-')) {
			diag_error(
				c->d, v->span,
				"%s '%s' has '%c'; S3 bucket names use only a-z, 0-9, '.' and '-'",
				path, s, ch);
			return;
		}
	}
	if (s[0] == '.' || s[0] == '-' || s[len - 1] == '.' || s[len - 1] == '-')
		diag_error(c->d, v->span, "%s '%s' must start and end with a letter or digit", path,
			   s);
	else if (strstr(s, ".."))
		diag_error(c->d, v->span, "%s '%s' must not contain '..'", path, s);
	else if (is_ipv4(s))
		diag_error(c->d, v->span, "%s '%s' must not look like an IP address", path, s);
	else if (strncmp(s, "xn--", 4) == 0 || strncmp(s, "sthree-", 7) == 0 ||
		 strncmp(s, "amzn-s3-demo-", 13) == 0)
		diag_error(c->d, v->span, "%s '%s' uses a prefix S3 reserves", path, s);
	else if ((len > 8 && strcmp(s + len - 8, "-s3alias") == 0) ||
		 (len > 7 && strcmp(s + len - 7, "--ol-s3") == 0) ||
		 (len > 5 && strcmp(s + len - 5, ".mrap") == 0) ||
		 (len > 6 && strcmp(s + len - 6, "--x-s3") == 0) ||
		 (len > 10 && strcmp(s + len - 10, "--table-s3") == 0))
		diag_error(c->d, v->span, "%s '%s' uses a suffix S3 reserves", path, s);
}

static void check_tags(ck *c, const spec_node *n, const char *path, spec_tag **out, size_t *nout)
{
	const spec_node *m = as_map(c, n, path);
	size_t i;

	*out = NULL;
	*nout = 0;
	if (!m)
		return;
	/* AWS allows 50 tags per resource; fcc adds fcc:project, fcc:spec-sha256
	 * and sagemaker:studio-visibility itself. */
	if (m->n > 47)
		diag_error(c->d, m->span,
			   "%s has %zu tags; AWS allows 50 per resource and fcc adds 3 of its own, "
			   "so at most 47",
			   path, m->n);
	*out = fcc_arena_alloc(c->a, (m->n ? m->n : 1) * sizeof **out);
	if (!*out) {
		c->oom = 1;
		return;
	}
	for (i = 0; i < m->n; i++) {
		const spec_node *k = m->pairs[i].key;
		const char *kp = path_join(c, path, k->str);
		spec_tag t;
		size_t kl = utf8_chars(k->str);

		if (kl == 0 || kl > 128) {
			diag_error(c->d, k->span, "tag key '%s' must have 1 to 128 characters",
				   k->str);
			continue;
		}
		if (strncasecmp(k->str, "aws:", 4) == 0) {
			diag_error(c->d, k->span,
				   "tag key '%s' uses the 'aws:' prefix, which AWS reserves",
				   k->str);
			continue;
		}
		if (strncasecmp(k->str, "fcc:", 4) == 0) {
			diag_error(
				c->d, k->span,
				"tag key '%s' uses the 'fcc:' prefix, which fcc reserves for its own tags",
				k->str);
			continue;
		}
		t.key.s = k->str;
		t.key.span = k->span;
		if (!get_str(c, m->pairs[i].value, kp, &t.value))
			continue;
		if (t.value.s[0] == '\0') {
			diag_error(c->d, t.value.span,
				   "tag '%s' has an empty value; Service Catalog requires 1 to 256 "
				   "characters",
				   k->str);
			continue;
		}
		if (utf8_chars(t.value.s) > 256) {
			diag_error(c->d, t.value.span,
				   "tag value of '%s' is longer than 256 characters", k->str);
			continue;
		}
		(*out)[(*nout)++] = t;
	}
}

/* ---------------------------------------------------------------- sections */

static void read_vars(ck *c, const spec_node *root)
{
	spec_pair *p = spec_map_get(root, "vars");
	const spec_node *m;
	size_t i;

	c->nvars = 0;
	c->vars = NULL;
	if (!p)
		return;
	m = as_map(c, p->value, "vars");
	if (!m)
		return;
	c->vars = fcc_arena_alloc(c->a, (m->n ? m->n : 1) * sizeof *c->vars);
	if (!c->vars) {
		c->oom = 1;
		return;
	}
	for (i = 0; i < m->n; i++) {
		const spec_node *k = m->pairs[i].key, *v = m->pairs[i].value;
		if (!rx_match(c, RX_VAR_NAME, k->str)) {
			diag_error(
				c->d, k->span,
				"variable name '%s' must start with a letter or '_' and contain only "
				"letters, digits and '_'",
				k->str);
			continue;
		}
		if (v->kind != SPEC_SCALAR || spec_is_null(v))
			diag_error(c->d, v->span,
				   "variable '%s' must be a string or number, not %s", k->str,
				   spec_kind_name(v));
		else
			check_tag(c, v, "vars");
		c->vars[c->nvars].name = k->str;
		c->vars[c->nvars].node = v;
		c->nvars++;
	}
}

static void check_project(ck *c, const spec_node *root, fcc_span where)
{
	static const char *const keys[] = {"name", "description", "region", "tags", NULL};
	const spec_node *m = as_map(c, need(c, root, "project", "the spec", where), "project");
	spec_model *mo = c->m;
	spec_str v;
	const spec_node *n;

	if (!m)
		return;
	where = key_span(root, "project", where);
	check_keys(c, m, "project", keys);
	if (get_str(c, need(c, m, "name", "project", where), "project.name", &v)) {
		mo->project.name = v;
		check_project_name(c, &v, "project name");
	}
	mo->project.description = dflt("");
	if ((n = opt(m, "description")) && get_str_len(c, n, "project.description", &v, 0, 1024))
		mo->project.description = v;
	if (get_str(c, need(c, m, "region", "project", where), "project.region", &v)) {
		size_t i;
		int known = 0;
		for (i = 0; REGIONS[i]; i++)
			if (strcmp(v.s, REGIONS[i]) == 0)
				known = 1;
		if (!known) {
			const char *hint = chk_suggest(v.s, REGIONS);
			if (hint)
				diag_error(c->d, v.span,
					   "unknown AWS region '%s'; did you mean '%s'?", v.s,
					   hint);
			else
				diag_error(c->d, v.span, "unknown AWS region '%s'", v.s);
		} else {
			int fc = 0;
			mo->project.region = v;
			for (i = 0; FORECAST_REGIONS[i]; i++)
				if (strcmp(v.s, FORECAST_REGIONS[i]) == 0)
					fc = 1;
			if (!fc)
				diag_warning(c->d, v.span,
					     "Amazon Forecast is not offered in %s; the pipeline's "
					     "training stage will fail there",
					     v.s);
		}
	}
	if ((n = opt(m, "tags")))
		check_tags(c, n, "project.tags", &mo->project.tags, &mo->project.ntags);
}

static void check_artifacts(ck *c, const spec_node *root, fcc_span where)
{
	static const char *const keys[] = {"bucket", "prefix", "create_bucket", NULL};
	const spec_node *m = as_map(c, need(c, root, "artifacts", "the spec", where), "artifacts");
	spec_model *mo = c->m;
	spec_str v;
	const spec_node *n;

	if (!m)
		return;
	where = key_span(root, "artifacts", where);
	check_keys(c, m, "artifacts", keys);
	if (get_str(c, need(c, m, "bucket", "artifacts", where), "artifacts.bucket", &v)) {
		check_bucket(c, &v, "artifacts.bucket");
		mo->artifacts.bucket = v;
	}
	mo->artifacts.prefix = mo->project.name;
	if ((n = opt(m, "prefix")) && get_str_len(c, n, "artifacts.prefix", &v, 1, 512)) {
		if (strncmp(v.s, "s3://", 5) == 0)
			diag_error(c->d, v.span,
				   "artifacts.prefix is a key prefix, not an s3:// URL");
		else if (v.s[0] == '/' || v.s[strlen(v.s) - 1] == '/' || strstr(v.s, "//"))
			diag_error(
				c->d, v.span,
				"artifacts.prefix '%s' must not start or end with '/' or contain '//'",
				v.s);
		else
			mo->artifacts.prefix = v;
	}
	if ((n = opt(m, "create_bucket")) &&
	    get_bool(c, n, "artifacts.create_bucket", &mo->artifacts.create_bucket) &&
	    mo->artifacts.create_bucket && mo->project.name.s) {
		char stack[EMIT_STACK_NAME_MAX + 64];
		size_t len =
			emit_stack_artifacts_name(stack, sizeof stack, mo->project.name.s, mo->env);
		if (len > EMIT_STACK_NAME_MAX)
			diag_error(
				c->d, n->span,
				"the artifacts stack's name fcc-%s%s%s-artifacts is %zu characters; "
				"CloudFormation allows %d: shorten the project or environment name",
				mo->project.name.s, mo->env ? "-" : "", mo->env ? mo->env : "", len,
				EMIT_STACK_NAME_MAX);
		/* its characters are the project's and environment's, whose own rules
		 * already keep it a valid stack name */
	}
}

/* Does relative path `f` climb above its starting directory ("a/../../b")? */
static int escapes(const char *f)
{
	long depth = 0;
	const char *p = f;

	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return 1;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

/* data[].file: exists, regular, and inside the spec's tree unless allowed. */
static void check_data_file(ck *c, spec_data *dd, const char *what)
{
	const char *f = dd->file.s;
	char *joined, *real = NULL, *base = NULL;
	struct stat st;
	size_t bl;

	if (f[0] == '/' && !dd->allow_outside) {
		diag_error(c->d, dd->file.span,
			   "%s '%s' is an absolute path; use a path relative to the spec "
			   "(or set allow_outside: true)",
			   what, f);
		return;
	}
	if (f[0] != '/' && !dd->allow_outside && escapes(f)) {
		diag_error(c->d, dd->file.span,
			   "%s '%s' is outside the spec's directory (set allow_outside: true "
			   "to allow it)",
			   what, f);
		return;
	}
	joined = f[0] == '/' ? fcc_arena_strdup(c->a, f)
			     : fcc_arena_printf(c->a, "%s/%s", c->spec_dir ? c->spec_dir : ".", f);
	if (!joined) {
		c->oom = 1;
		return;
	}
	if (stat(joined, &st) != 0) {
		diag_error(c->d, dd->file.span, "%s '%s' does not exist", what, f);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(c->d, dd->file.span, "%s '%s' is not a regular file", what, f);
		return;
	}
	dd->path = joined;
	if (dd->allow_outside)
		return;
	real = realpath(joined, NULL);
	base = realpath(c->spec_dir ? c->spec_dir : ".", NULL);
	if (!real || !base) {
		diag_error(c->d, dd->file.span, "cannot resolve data file '%s'", f);
		goto out;
	}
	bl = strlen(base);
	if (!(strncmp(real, base, bl) == 0 && (real[bl] == '/' || (bl == 1 && base[0] == '/'))))
		diag_error(c->d, dd->file.span,
			   "%s '%s' is outside the spec's directory (set allow_outside: true "
			   "to allow it)",
			   what, f);
out:
	free(real);
	free(base);
}

static void check_data(ck *c, const spec_node *root)
{
	static const char *const keys[] = {"file", "key", "allow_outside", NULL};
	const spec_node *seq = opt(root, "data");
	spec_model *mo = c->m;
	size_t i, j;

	c->data_bad = seq && seq->kind != SPEC_SEQ;
	if (!(seq = list_of(c, seq, "data", (void **)&mo->data, sizeof *mo->data)))
		return;
	for (i = 0; i < seq->n; i++) {
		const char *path;
		const spec_node *m = list_item(c, seq, i, "data", keys, &path), *n;
		spec_data dd;

		if (!m)
			continue;
		memset(&dd, 0, sizeof dd);
		if ((n = opt(m, "allow_outside")))
			get_bool(c, n, path_join(c, path, "allow_outside"), &dd.allow_outside);
		if (!get_str_len(c, need(c, m, "file", path, m->span), path_join(c, path, "file"),
				 &dd.file, 1, 4096))
			continue;
		check_data_file(c, &dd, "data file");
		if ((n = opt(m, "key"))) {
			if (!get_str_len(c, n, path_join(c, path, "key"), &dd.key, 1, 512))
				continue;
			if (dd.key.s[0] == '/' || strncmp(dd.key.s, "s3://", 5) == 0) {
				diag_error(
					c->d, dd.key.span,
					"%s.key '%s' is relative to artifacts.prefix: drop the leading "
					"'%s'",
					path, dd.key.s, dd.key.s[0] == '/' ? "/" : "s3://");
				/* kept without the prefix, so pipeline.train_data does not also fail */
				dd.key.s += dd.key.s[0] == '/' ? strspn(dd.key.s, "/") : 5;
			}
		} else {
			const char *slash = strrchr(dd.file.s, '/');
			const char *k =
				fcc_arena_printf(c->a, "data/%s", slash ? slash + 1 : dd.file.s);
			if (!k) {
				c->oom = 1;
				continue;
			}
			dd.key = dflt(k);
			dd.key.span = dd.file.span;
		}
		for (j = 0; j < mo->ndata; j++)
			if (strcmp(mo->data[j].key.s, dd.key.s) == 0) {
				diag_error(c->d, dd.key.span, "data key '%s' is used twice",
					   dd.key.s);
				diag_note(c->d, mo->data[j].key.span, "first used here");
				break;
			}
		if (j < mo->ndata)
			continue;
		mo->data[mo->ndata++] = dd;
	}
}

static void check_roles(ck *c, const spec_node *root)
{
	static const char *const keys[] = {"name", "attach_policies", "trust_services", NULL};
	const spec_node *seq = opt(root, "roles");
	spec_model *mo = c->m;
	size_t i, k;

	if (!(seq = list_of(c, seq, "roles", (void **)&mo->roles, sizeof *mo->roles)))
		return;
	for (i = 0; i < seq->n; i++) {
		const char *path;
		const spec_node *m = list_item(c, seq, i, "roles", keys, &path), *n;
		spec_role r;

		if (!m)
			continue;
		memset(&r, 0, sizeof r);
		if (get_str(c, need(c, m, "name", path, m->span), path_join(c, path, "name"),
			    &r.name)) {
			if (strncmp(r.name.s, "arn:", 4) == 0
				    ? !rx_match(c, RX_ROLE_ARN, r.name.s)
				    : !rx_match(c, RX_ROLE_NAME, r.name.s))
				diag_error(c->d, r.name.span,
					   "'%s' is neither an IAM role name nor a role ARN "
					   "(arn:aws:iam::123456789012:role/NAME)",
					   r.name.s);
		}
		if ((n = opt(m, "attach_policies")) &&
		    get_str_list(c, n, path_join(c, path, "attach_policies"), &r.policies,
				 &r.npolicies)) {
			for (k = 0; k < r.npolicies; k++)
				if (!rx_match(c, RX_POLICY_ARN, r.policies[k].s)) {
					if (strchr(r.policies[k].s, ':') == NULL)
						diag_error(
							c->d, r.policies[k].span,
							"'%s' is not a policy ARN; AWS managed policies are "
							"arn:aws:iam::aws:policy/%s",
							r.policies[k].s, r.policies[k].s);
					else
						diag_error(c->d, r.policies[k].span,
							   "'%s' is not an IAM policy ARN",
							   r.policies[k].s);
				}
		}
		if ((n = opt(m, "trust_services")) &&
		    get_str_list(c, n, path_join(c, path, "trust_services"), &r.services,
				 &r.nservices)) {
			for (k = 0; k < r.nservices; k++)
				if (!rx_match(c, RX_SERVICE, r.services[k].s))
					diag_error(c->d, r.services[k].span,
						   "'%s' is not a service principal such as "
						   "forecast.amazonaws.com",
						   r.services[k].s);
		}
		if (!opt(m, "attach_policies") && !opt(m, "trust_services"))
			diag_error(c->d, m->span,
				   "%s changes nothing: give attach_policies or trust_services",
				   path);
		mo->roles[mo->nroles++] = r;
	}
}

static void check_schema_list(ck *c, const spec_node *n, const char *path, spec_schema *out,
			      const char *kind)
{
	static const char *const keys[] = {"name", "type", NULL};
	const spec_node *seq = list_of(c, n, path, (void **)&out->attrs, sizeof *out->attrs);
	size_t i, j;

	if (!seq)
		return;
	out->present = 1;
	if (seq->n == 0)
		diag_error(c->d, seq->span, "%s must list at least one attribute", path);
	for (i = 0; i < seq->n; i++) {
		const char *ip;
		const spec_node *m = list_item(c, seq, i, path, keys, &ip);
		spec_attr a;

		if (!m)
			continue;
		memset(&a, 0, sizeof a);
		if (!get_str(c, need(c, m, "name", ip, m->span), path_join(c, ip, "name"), &a.name))
			continue;
		/* A bad type is reported, and the attribute still counts as present so
		 * the required-attribute rule does not report it a second time. */
		if (!get_enum(c, need(c, m, "type", ip, m->span), path_join(c, ip, "type"),
			      ATTR_TYPES, &a.type))
			a.type.s = NULL;
		if (strlen(a.name.s) > 63 || !rx_match(c, RX_ATTR, a.name.s)) {
			diag_error(
				c->d, a.name.span,
				"attribute name '%s' must start with a letter and have at most 63 "
				"letters, digits and '_'",
				a.name.s);
			continue;
		}
		for (j = 0; j < out->n; j++)
			if (strcmp(out->attrs[j].name.s, a.name.s) == 0) {
				diag_error(c->d, a.name.span,
					   "attribute '%s' is listed twice in %s", a.name.s, path);
				break;
			}
		if (j == out->n)
			out->attrs[out->n++] = a;
	}
	(void)kind;
}

static const spec_attr *find_attr(const spec_schema *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->attrs[i].name.s, name) == 0)
			return &s->attrs[i];
	return NULL;
}

/* Forecast's required attributes per dataset type (TARGET_TIME_SERIES etc.). */
static void require_attr(ck *c, const spec_schema *s, const spec_node *at, const char *path,
			 const char *name, const char *type1, const char *type2)
{
	const spec_attr *a = find_attr(s, name);

	if (!a) {
		diag_error(c->d, at->span,
			   "%s must have the attribute '%s' (%s), which Forecast requires", path,
			   name, type1);
		return;
	}
	if (!a->type.s)
		return;
	if (strcmp(a->type.s, type1) != 0 && (!type2 || strcmp(a->type.s, type2) != 0)) {
		if (type2)
			diag_error(c->d, a->type.span,
				   "attribute '%s' must be of type %s or %s, not %s", name, type1,
				   type2, a->type.s);
		else
			diag_error(c->d, a->type.span, "attribute '%s' must be of type %s, not %s",
				   name, type1, a->type.s);
	}
}

/* Seed paths fcc generates itself; an extra file may not replace them. */
static int seed_path_reserved(const spec_model *m, const char *p)
{
	static const char *const fixed[] = {"README.md", "codebuild-buildspec.yml",
					    "run_pipeline.sh", "pipelines/__init__.py", NULL};
	const char *mod = m->pipeline.module.s;
	size_t i, ml;

	for (i = 0; fixed[i]; i++)
		if (strcmp(p, fixed[i]) == 0)
			return 1;
	if (!mod)
		return 0;
	ml = strlen(mod);
	return strncmp(p, "pipelines/", 10) == 0 && strncmp(p + 10, mod, ml) == 0 &&
	       p[10 + ml] == '/' && strchr(p + 11 + ml, '/') == NULL;
}

static int seed_path_ok(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/' || strchr(p, '\\'))
		return 0;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		s += n;
		if (*s == '/' && !*++s)
			return 0;
	}
	return 1;
}

static void check_extra_files(ck *c, const spec_node *n)
{
	static const char *const keys[] = {"file", "path", NULL};
	spec_model *mo = c->m;
	const spec_node *seq =
		list_of(c, n, "pipeline.extra_files", (void **)&mo->pipeline.extra_files,
			sizeof *mo->pipeline.extra_files);
	size_t i, j;

	if (!seq)
		return;
	for (i = 0; i < seq->n; i++) {
		const char *path;
		const spec_node *m = list_item(c, seq, i, "pipeline.extra_files", keys, &path);
		spec_extra_file x;
		spec_data probe;
		int ok;

		if (!m)
			continue;
		memset(&x, 0, sizeof x);
		/* both keys are checked, so one run reports both problems */
		ok = get_str_len(c, need(c, m, "file", path, m->span), path_join(c, path, "file"),
				 &x.file, 1, 4096);
		ok &= get_str_len(c, need(c, m, "path", path, m->span), path_join(c, path, "path"),
				  &x.dest, 1, 1024);
		if (!ok)
			continue;
		memset(&probe, 0, sizeof probe);
		probe.file = x.file;
		check_data_file(c, &probe, "seed file");
		x.path = probe.path;
		if (!seed_path_ok(x.dest.s)) {
			diag_error(
				c->d, x.dest.span,
				"seed path '%s' must be relative, without '.', '..' or empty parts",
				x.dest.s);
			continue;
		}
		if (seed_path_reserved(mo, x.dest.s)) {
			diag_error(c->d, x.dest.span,
				   "seed path '%s' is one fcc generates; choose another path",
				   x.dest.s);
			continue;
		}
		for (j = 0; j < mo->pipeline.nextra_files; j++)
			if (strcmp(mo->pipeline.extra_files[j].dest.s, x.dest.s) == 0) {
				diag_error(c->d, x.dest.span, "seed path '%s' is used twice",
					   x.dest.s);
				diag_note(c->d, mo->pipeline.extra_files[j].dest.span,
					  "first used here");
				break;
			}
		if (j == mo->pipeline.nextra_files && x.path)
			mo->pipeline.extra_files[mo->pipeline.nextra_files++] = x;
	}
}

static void check_pipeline(ck *c, const spec_node *root, fcc_span where)
{
	static const char *const keys[] = {
		"module",     "branch",    "train_data",       "frequency",
		"horizon",    "algorithm", "backtest_windows", "timestamp_format",
		"evaluation", "schema",    "instances",        "extra_files",
		NULL};
	static const char *const ekeys[] = {"metric", "max_score", NULL};
	static const char *const skeys[] = {"target", "related", "metadata", NULL};
	static const char *const ikeys[] = {"processing", "processing_count", "training", NULL};
	const spec_node *m = as_map(c, need(c, root, "pipeline", "the spec", where), "pipeline");
	spec_model *mo = c->m;
	const spec_node *n, *sub;
	spec_str v;
	size_t i;

	if (!m)
		return;
	where = key_span(root, "pipeline", where);
	check_keys(c, m, "pipeline", keys);
	if (get_str(c, need(c, m, "module", "pipeline", where), "pipeline.module", &v)) {
		if (!rx_match(c, RX_MODULE, v.s) || strlen(v.s) > 64)
			diag_error(c->d, v.span,
				   "pipeline.module '%s' must be a Python package name (lower case "
				   "letters, digits and '_', not starting with a digit)",
				   v.s);
		else
			mo->pipeline.module = v;
	}
	mo->pipeline.branch = dflt("main");
	if ((n = opt(m, "branch")) && get_str_len(c, n, "pipeline.branch", &v, 1, 255)) {
		if (!rx_match(c, RX_BRANCH, v.s) || strstr(v.s, "..") || v.s[0] == '/' ||
		    v.s[strlen(v.s) - 1] == '/')
			diag_error(c->d, v.span,
				   "pipeline.branch '%s' is not a valid git branch name", v.s);
		else
			mo->pipeline.branch = v;
	}
	if (get_str(c, need(c, m, "train_data", "pipeline", where), "pipeline.train_data", &v)) {
		int found = 0;
		for (i = 0; i < mo->ndata; i++)
			if (strcmp(mo->data[i].key.s, v.s) == 0)
				found = 1;
		if (!found && !c->data_bad) {
			const char *cands[65];
			const char *hint;
			size_t k;
			for (k = 0; k < mo->ndata && k < 64; k++)
				cands[k] = mo->data[k].key.s;
			cands[k] = NULL;
			hint = chk_suggest(v.s, cands);
			if (hint)
				diag_error(
					c->d, v.span,
					"pipeline.train_data '%s' is not the key of any data entry; did "
					"you mean '%s'?",
					v.s, hint);
			else
				diag_error(
					c->d, v.span,
					"pipeline.train_data '%s' is not the key of any data entry",
					v.s);
		}
		mo->pipeline.train_data = v;
	}
	if (get_enum(c, need(c, m, "frequency", "pipeline", where), "pipeline.frequency",
		     FREQUENCIES, &v))
		mo->pipeline.frequency = v;
	if (get_int(c, need(c, m, "horizon", "pipeline", where), "pipeline.horizon", 1, 500,
		    &mo->pipeline.horizon)) {
	}
	mo->pipeline.algorithm = dflt("AutoPredictor");
	if ((n = opt(m, "algorithm")) && get_enum(c, n, "pipeline.algorithm", ALGORITHMS, &v))
		mo->pipeline.algorithm = v;
	mo->pipeline.backtest_windows = 1;
	if ((n = opt(m, "backtest_windows")))
		get_int(c, n, "pipeline.backtest_windows", 1, 5, &mo->pipeline.backtest_windows);
	mo->pipeline.timestamp_format = dflt("yyyy-MM-dd HH:mm:ss");
	if ((n = opt(m, "timestamp_format")) &&
	    get_enum(c, n, "pipeline.timestamp_format", TS_FORMATS, &v))
		mo->pipeline.timestamp_format = v;

	/* Forecast reads sub-daily data only with a time of day in the stamp. */
	if (mo->pipeline.frequency.s && strchr("YMWD", mo->pipeline.frequency.s[0]) == NULL &&
	    strcmp(mo->pipeline.timestamp_format.s, "yyyy-MM-dd") == 0)
		diag_error(
			c->d,
			mo->pipeline.timestamp_format.span.src ? mo->pipeline.timestamp_format.span
							       : mo->pipeline.frequency.span,
			"frequency %s needs timestamp_format 'yyyy-MM-dd HH:mm:ss'; 'yyyy-MM-dd' "
			"only suits Y, M, W and D",
			mo->pipeline.frequency.s);
	mo->pipeline.metric = dflt("WAPE");
	if ((sub = as_map(c, need(c, m, "evaluation", "pipeline", where), "pipeline.evaluation"))) {
		fcc_span ew = key_span(m, "evaluation", where);
		check_keys(c, sub, "pipeline.evaluation", ekeys);
		if ((n = opt(sub, "metric")) &&
		    get_enum(c, n, "pipeline.evaluation.metric", METRICS, &v))
			mo->pipeline.metric = v;
		n = need(c, sub, "max_score", "pipeline.evaluation", ew);
		if (get_num(c, n, "pipeline.evaluation.max_score", &mo->pipeline.max_score) &&
		    mo->pipeline.max_score <= 0)
			diag_error(c->d, n->span,
				   "pipeline.evaluation.max_score must be greater than 0");
	}
	if ((sub = as_map(c, need(c, m, "schema", "pipeline", where), "pipeline.schema"))) {
		fcc_span sw = key_span(m, "schema", where);
		check_keys(c, sub, "pipeline.schema", skeys);
		if ((n = need(c, sub, "target", "pipeline.schema", sw))) {
			check_schema_list(c, n, "pipeline.schema.target", &mo->pipeline.target,
					  "target");
			if (mo->pipeline.target.present) {
				require_attr(c, &mo->pipeline.target, n, "pipeline.schema.target",
					     "item_id", "string", NULL);
				require_attr(c, &mo->pipeline.target, n, "pipeline.schema.target",
					     "timestamp", "timestamp", NULL);
				require_attr(c, &mo->pipeline.target, n, "pipeline.schema.target",
					     "target_value", "float", "integer");
			}
		}
		if ((n = opt(sub, "related"))) {
			check_schema_list(c, n, "pipeline.schema.related", &mo->pipeline.related,
					  "related");
			if (mo->pipeline.related.present) {
				require_attr(c, &mo->pipeline.related, n, "pipeline.schema.related",
					     "item_id", "string", NULL);
				require_attr(c, &mo->pipeline.related, n, "pipeline.schema.related",
					     "timestamp", "timestamp", NULL);
			}
		}
		if ((n = opt(sub, "metadata"))) {
			const spec_attr *ts;
			check_schema_list(c, n, "pipeline.schema.metadata", &mo->pipeline.metadata,
					  "metadata");
			if (mo->pipeline.metadata.present) {
				require_attr(c, &mo->pipeline.metadata, n,
					     "pipeline.schema.metadata", "item_id", "string", NULL);
				if ((ts = find_attr(&mo->pipeline.metadata, "timestamp")))
					diag_error(
						c->d, ts->name.span,
						"item metadata has no timestamp attribute; remove it");
			}
		}
	}
	if ((n = opt(m, "extra_files")))
		check_extra_files(c, n);
	mo->pipeline.processing_instance = dflt("ml.m5.large");
	mo->pipeline.training_instance = dflt("ml.m5.large");
	mo->pipeline.processing_count = 1;
	if ((n = opt(m, "instances")) && (sub = as_map(c, n, "pipeline.instances"))) {
		check_keys(c, sub, "pipeline.instances", ikeys);
		if ((n = opt(sub, "processing")) &&
		    get_str(c, n, "pipeline.instances.processing", &v)) {
			if (!rx_match(c, RX_INSTANCE, v.s))
				diag_error(
					c->d, v.span,
					"'%s' is not a SageMaker instance type such as ml.m5.large",
					v.s);
			else
				mo->pipeline.processing_instance = v;
		}
		if ((n = opt(sub, "training")) &&
		    get_str(c, n, "pipeline.instances.training", &v)) {
			if (!rx_match(c, RX_INSTANCE, v.s))
				diag_error(
					c->d, v.span,
					"'%s' is not a SageMaker instance type such as ml.m5.large",
					v.s);
			else
				mo->pipeline.training_instance = v;
		}
		if ((n = opt(sub, "processing_count")))
			get_int(c, n, "pipeline.instances.processing_count", 1, 100,
				&mo->pipeline.processing_count);
	}
}

/* One product's map `sub` at `path` ("catalog.product", "catalog.products[2]"),
 * missing keys reported at `w`. Returns 1 when its name is good (the entry
 * can be named by instances), 0 otherwise; the other fields are set when
 * valid, and left NULL (reported) when not. */
static int check_product(ck *c, const spec_node *sub, const char *path, fcc_span w,
			 spec_product *out)
{
	static const char *const keys[] = {
		"name",          "owner",       "description", "distributor",
		"support_email", "support_url", "version",     NULL};
	const spec_node *n;
	spec_str v;
	int named = 0;

	memset(out, 0, sizeof *out);
	check_keys(c, sub, path, keys);
	if (get_str_len(c, need(c, sub, "name", path, w), path_join(c, path, "name"), &v, 1,
			8191)) {
		out->name = v;
		named = 1;
	}
	if (get_str_len(c, need(c, sub, "owner", path, w), path_join(c, path, "owner"), &v, 1,
			8191))
		out->owner = v;
	if (get_str_len(c, need(c, sub, "version", path, w), path_join(c, path, "version"), &v, 1,
			100))
		out->version = v;
	out->description = dflt("");
	if ((n = opt(sub, "description")) &&
	    get_str_len(c, n, path_join(c, path, "description"), &v, 0, 8191))
		out->description = v;
	if ((n = opt(sub, "distributor")) &&
	    get_str_len(c, n, path_join(c, path, "distributor"), &v, 0, 8191))
		out->distributor = v;
	if ((n = opt(sub, "support_email")) &&
	    get_str_len(c, n, path_join(c, path, "support_email"), &v, 0, 254)) {
		if (!strchr(v.s, '@'))
			diag_error(c->d, v.span, "%s.support_email '%s' is not an email address",
				   path, v.s);
		else
			out->support_email = v;
	}
	if ((n = opt(sub, "support_url")) &&
	    get_str_len(c, n, path_join(c, path, "support_url"), &v, 0, 2083)) {
		if (strncmp(v.s, "https://", 8) != 0 && strncmp(v.s, "http://", 7) != 0)
			diag_error(c->d, v.span, "%s.support_url '%s' must be an http(s) URL", path,
				   v.s);
		else
			out->support_url = v;
	}
	return named;
}

/* `catalog.product` (one, a map) or `catalog.products` (a list of the same
 * maps): exactly one of the two. Both become mo->catalog.products. When a
 * product is missing or unnamed, c->products_bad makes check_instances skip
 * the rules that look products up, so one mistake is reported once. */
static void check_products(ck *c, const spec_node *m, fcc_span where)
{
	spec_pair *one = spec_map_get(m, "product"), *many = spec_map_get(m, "products");
	spec_model *mo = c->m;
	const spec_node *seq, *sub;
	size_t i, j;

	mo->catalog.products = NULL;
	mo->catalog.nproducts = 0;
	c->products_bad = 1;
	if (!one && !many) {
		diag_error(c->d, where, "catalog is missing required key 'product' or 'products'");
		return;
	}
	if (one && many) {
		/* at the second as written; an environment's key comes after the base's */
		const spec_node *second =
			one->key->span.start > many->key->span.start ? one->key : many->key;
		diag_error(c->d, second->span,
			   "catalog.product and catalog.products are exclusive; write one "
			   "product as a map under product, or several as a list under products");
		return;
	}
	if (one) {
		if (!(sub = as_map(c, one->value, "catalog.product")))
			return;
		mo->catalog.products = fcc_arena_alloc(c->a, sizeof *mo->catalog.products);
		if (!mo->catalog.products) {
			c->oom = 1;
			return;
		}
		c->products_bad = !check_product(c, sub, "catalog.product", one->key->span,
						 mo->catalog.products);
		mo->catalog.nproducts = 1;
		return;
	}
	if (!(seq = list_of(c, many->value, "catalog.products", (void **)&mo->catalog.products,
			    sizeof *mo->catalog.products)))
		return;
	if (seq->n == 0) {
		diag_error(c->d, seq->span, "catalog.products must list at least one product");
		return;
	}
	c->products_bad = 0;
	if (seq->n > CHK_MAX_PRODUCTS)
		diag_error(c->d, seq->items[CHK_MAX_PRODUCTS]->span,
			   "catalog.products lists %zu products; fcc allows at most %d", seq->n,
			   CHK_MAX_PRODUCTS);
	for (i = 0; i < seq->n; i++) {
		const char *path = path_index(c, "catalog.products", i);
		spec_product pr;

		if (!(sub = as_map(c, seq->items[i], path))) {
			c->products_bad = 1;
			continue;
		}
		if (!check_product(c, sub, path, sub->span, &pr)) {
			c->products_bad = 1;
			continue;
		}
		for (j = 0; j < mo->catalog.nproducts; j++)
			if (strcmp(mo->catalog.products[j].name.s, pr.name.s) == 0) {
				diag_error(c->d, pr.name.span, "product '%s' is listed twice",
					   pr.name.s);
				diag_note(c->d, mo->catalog.products[j].name.span,
					  "first listed here");
				break;
			}
		if (j == mo->catalog.nproducts)
			mo->catalog.products[mo->catalog.nproducts++] = pr;
	}
}

static void check_catalog(ck *c, const spec_node *root, fcc_span where)
{
	static const char *const keys[] = {"portfolio",   "product",    "products",
					   "launch_role", "principals", "studio_visibility",
					   "share",       NULL};
	static const char *const pfkeys[] = {"name", "owner", "description", NULL};
	static const char *const shkeys[] = {"accounts", "organization", "organizational_units",
					     NULL};
	const spec_node *m = as_map(c, need(c, root, "catalog", "the spec", where), "catalog");
	spec_model *mo = c->m;
	const spec_node *n, *sub;
	spec_str v;
	size_t i;

	c->products_bad = 1; /* until check_products finds them all named */
	if (!m)
		return;
	where = key_span(root, "catalog", where);
	check_keys(c, m, "catalog", keys);
	if ((sub = as_map(c, need(c, m, "portfolio", "catalog", where), "catalog.portfolio"))) {
		fcc_span w = key_span(m, "portfolio", where);
		check_keys(c, sub, "catalog.portfolio", pfkeys);
		if (get_str_len(c, need(c, sub, "name", "catalog.portfolio", w),
				"catalog.portfolio.name", &v, 1, 100))
			mo->catalog.portfolio.name = v;
		if (get_str_len(c, need(c, sub, "owner", "catalog.portfolio", w),
				"catalog.portfolio.owner", &v, 1, 50))
			mo->catalog.portfolio.owner = v;
		mo->catalog.portfolio.description = dflt("");
		if ((n = opt(sub, "description")) &&
		    get_str_len(c, n, "catalog.portfolio.description", &v, 0, 2000))
			mo->catalog.portfolio.description = v;
	}
	check_products(c, m, where);
	if (get_str(c, need(c, m, "launch_role", "catalog", where), "catalog.launch_role", &v)) {
		if (strncmp(v.s, "arn:", 4) == 0 ? !rx_match(c, RX_ROLE_ARN, v.s)
						 : !rx_match(c, RX_ROLE_NAME, v.s))
			diag_error(
				c->d, v.span,
				"catalog.launch_role '%s' is neither an IAM role name nor a role ARN",
				v.s);
		else
			mo->catalog.launch_role = v;
	}
	if ((n = opt(m, "principals")) &&
	    get_str_list(c, n, "catalog.principals", &mo->catalog.principals,
			 &mo->catalog.nprincipals)) {
		for (i = 0; i < mo->catalog.nprincipals; i++) {
			const spec_str *p = &mo->catalog.principals[i];
			const char *colon = strrchr(p->s, ':'), *star = strchr(p->s, '*');
			if (star && colon && star < colon)
				diag_error(c->d, p->span,
					   "principal '%s' may use '*' only in the name", p->s);
			else if (star && rx_match(c, RX_PRINCIPAL_WITH_ACCOUNT, p->s))
				diag_error(
					c->d, p->span,
					"principal pattern '%s' must not name an account: Service Catalog "
					"matches IAM_PATTERN principals as arn:aws:iam:::role/NAME-*",
					p->s);
			else if (star ? !rx_match(c, RX_PRINCIPAL_PATTERN, p->s)
				      : !rx_match(c, RX_PRINCIPAL, p->s))
				diag_error(
					c->d, p->span,
					"principal '%s' is not an IAM role, user or group ARN "
					"(arn:aws:iam::123456789012:role/NAME, or arn:aws:iam:::role/NAME-* "
					"for a pattern)",
					p->s);
		}
	}
	mo->catalog.studio_visibility = 1;
	if ((n = opt(m, "studio_visibility")))
		get_bool(c, n, "catalog.studio_visibility", &mo->catalog.studio_visibility);
	if ((n = opt(m, "share")) && (sub = as_map(c, n, "catalog.share"))) {
		check_keys(c, sub, "catalog.share", shkeys);
		if ((n = opt(sub, "accounts")) &&
		    get_str_list(c, n, "catalog.share.accounts", &mo->catalog.share_accounts,
				 &mo->catalog.nshare_accounts))
			for (i = 0; i < mo->catalog.nshare_accounts; i++)
				if (!rx_match(c, RX_ACCOUNT, mo->catalog.share_accounts[i].s))
					diag_error(
						c->d, mo->catalog.share_accounts[i].span,
						"'%s' is not a 12-digit AWS account id (quote it so "
						"YAML keeps leading zeros)",
						mo->catalog.share_accounts[i].s);
		if ((n = opt(sub, "organization")) &&
		    get_str(c, n, "catalog.share.organization", &v)) {
			if (!rx_match(c, RX_ORG, v.s))
				diag_error(
					c->d, v.span,
					"'%s' is not an AWS Organizations id such as o-a1b2c3d4e5",
					v.s);
			else
				mo->catalog.share_org = v;
		}
		if ((n = opt(sub, "organizational_units")) &&
		    get_str_list(c, n, "catalog.share.organizational_units", &mo->catalog.share_ous,
				 &mo->catalog.nshare_ous))
			for (i = 0; i < mo->catalog.nshare_ous; i++)
				if (!rx_match(c, RX_OU, mo->catalog.share_ous[i].s))
					diag_error(c->d, mo->catalog.share_ous[i].span,
						   "'%s' is not an organizational unit id such as "
						   "ou-ab12-cdefgh34",
						   mo->catalog.share_ous[i].s);
	}
}

/* instances[i].product: the catalog's product the project is made from.
 * Optional with one product (the default), required with several. */
static void check_instance_product(ck *c, const spec_node *m, const char *path, spec_instance *in)
{
	const spec_model *mo = c->m;
	const spec_node *n = opt(m, "product");
	const char **names;
	const char *hint;
	size_t k;

	if (n && !get_str(c, n, path_join(c, path, "product"), &in->product))
		return;
	if (c->products_bad)
		return; /* the catalog's own error says why */
	if (!n) {
		if (mo->catalog.nproducts == 1)
			in->product = dflt(mo->catalog.products[0].name.s);
		else
			diag_error(c->d, m->span,
				   "%s.product is required when catalog lists more than one "
				   "product",
				   path);
		return;
	}
	for (k = 0; k < mo->catalog.nproducts; k++)
		if (strcmp(mo->catalog.products[k].name.s, in->product.s) == 0)
			return;
	names = fcc_arena_alloc(c->a, (mo->catalog.nproducts + 1) * sizeof *names);
	if (!names) {
		c->oom = 1;
		return;
	}
	for (k = 0; k < mo->catalog.nproducts; k++)
		names[k] = mo->catalog.products[k].name.s;
	names[k] = NULL;
	hint = chk_suggest(in->product.s, names);
	if (hint)
		diag_error(c->d, in->product.span,
			   "%s.product '%s' is not a product of the catalog; did you mean '%s'?",
			   path, in->product.s, hint);
	else
		diag_error(c->d, in->product.span,
			   "%s.product '%s' is not a product of the catalog", path, in->product.s);
	in->product.s = NULL;
}

static void check_instances(ck *c, const spec_node *root)
{
	static const char *const keys[] = {"name", "description", "product", "tags", NULL};
	const spec_node *seq = opt(root, "instances");
	spec_model *mo = c->m;
	size_t i, j;

	if (!(seq = list_of(c, seq, "instances", (void **)&mo->instances, sizeof *mo->instances)))
		return;
	for (i = 0; i < seq->n; i++) {
		const char *path;
		const spec_node *m = list_item(c, seq, i, "instances", keys, &path), *n;
		spec_instance in;

		if (!m)
			continue;
		memset(&in, 0, sizeof in);
		if (!get_str(c, need(c, m, "name", path, m->span), path_join(c, path, "name"),
			     &in.name))
			continue;
		check_project_name(c, &in.name, "instance name");
		in.description = dflt("");
		if ((n = opt(m, "description")))
			get_str_len(c, n, path_join(c, path, "description"), &in.description, 0,
				    1024);
		check_instance_product(c, m, path, &in);
		if ((n = opt(m, "tags")))
			check_tags(c, n, path_join(c, path, "tags"), &in.tags, &in.ntags);
		for (j = 0; j < mo->ninstances; j++)
			if (strcmp(mo->instances[j].name.s, in.name.s) == 0) {
				diag_error(c->d, in.name.span, "instance '%s' is listed twice",
					   in.name.s);
				diag_note(c->d, mo->instances[j].name.span, "first listed here");
				break;
			}
		if (j == mo->ninstances)
			mo->instances[mo->ninstances++] = in;
	}
}

/* ${var.NAME} inside template strings; returns a new tree only where needed:
 * a node is copied lazily, on its first changed child, so a template with
 * no fcc variables costs one walk and no allocation. */
static const spec_node *template_interp(ck *c, const spec_node *n, int depth)
{
	spec_node *copy = NULL;
	size_t i;

	if (n->tag && !is_core_tag(n->tag) && !is_cfn_tag(n->tag))
		diag_error(c->d, n->span, "unknown YAML tag %s in template", n->tag);
	if (depth > SPEC_MAX_DEPTH)
		return n;
	if (n->kind == SPEC_SCALAR) {
		const char *s;
		if (!strstr(n->str, "${var."))
			return n;
		s = interp(c, n, 1, 0);
		if (!s || s == n->str || !(copy = fcc_arena_alloc(c->a, sizeof *copy))) {
			c->oom |= s && s != n->str;
			return n;
		}
		*copy = *n;
		copy->str = s;
		copy->len = strlen(s);
		return copy;
	}
	for (i = 0; i < n->n; i++) {
		const spec_node *old = n->kind == SPEC_MAP ? n->pairs[i].value : n->items[i];
		const spec_node *now = template_interp(c, old, depth + 1);
		if (now == old)
			continue;
		if (!copy) {
			size_t sz = n->kind == SPEC_MAP ? sizeof *n->pairs : sizeof *n->items;
			copy = fcc_arena_alloc(c->a, sizeof *copy);
			if (copy) {
				*copy = *n;
				if (n->kind == SPEC_MAP)
					copy->pairs = fcc_arena_alloc(c->a, n->n * sz);
				else
					copy->items = fcc_arena_alloc(c->a, n->n * sz);
			}
			if (!copy ||
			    !(n->kind == SPEC_MAP ? (void *)copy->pairs : (void *)copy->items)) {
				c->oom = 1;
				return n;
			}
			if (n->kind == SPEC_MAP)
				memcpy(copy->pairs, n->pairs, n->n * sz);
			else
				memcpy(copy->items, n->items, n->n * sz);
		}
		if (n->kind == SPEC_MAP)
			copy->pairs[i].value = (spec_node *)now;
		else
			copy->items[i] = (spec_node *)now;
	}
	return copy ? copy : n;
}

static void check_template(ck *c, const spec_node *root)
{
	static const char *const keys[] = {"parameters", "conditions", "resources",
					   "outputs",    "overrides",  NULL};
	const spec_node *m = opt(root, "template"), *sec;
	size_t i;

	if (!m || !(m = as_map(c, m, "template")))
		return;
	check_keys(c, m, "template", keys);
	for (i = 0; keys[i]; i++) {
		size_t k;
		const char *path = path_join(c, "template", keys[i]);
		if (!(sec = opt(m, keys[i])) || !(sec = as_map(c, sec, path)))
			continue;
		for (k = 0; k < sec->n; k++) {
			const spec_node *id = sec->pairs[k].key, *body = sec->pairs[k].value;
			if (!rx_match(c, RX_LOGICAL_ID, id->str)) {
				diag_error(
					c->d, id->span,
					"'%s' is not a CloudFormation logical id (letters and digits "
					"only, at most 255)",
					id->str);
				continue;
			}
			if (strcmp(keys[i], "resources") == 0 ||
			    strcmp(keys[i], "overrides") == 0 || strcmp(keys[i], "outputs") == 0 ||
			    strcmp(keys[i], "parameters") == 0) {
				const spec_node *t;
				if (body->kind != SPEC_MAP) {
					type_error(c, body, path_join(c, path, id->str),
						   "a mapping");
					continue;
				}
				if (strcmp(keys[i], "resources") == 0) {
					t = opt(body, "Type");
					if (!t)
						diag_error(c->d, id->span,
							   "template resource '%s' needs a Type",
							   id->str);
					else if (t->kind != SPEC_SCALAR ||
						 !rx_match(c, RX_RESOURCE_TYPE, t->str))
						diag_error(c->d, t->span,
							   "'%s' is not a resource type such as "
							   "AWS::SNS::Topic",
							   t->kind == SPEC_SCALAR ? t->str : "?");
				}
				if (strcmp(keys[i], "outputs") == 0 && !opt(body, "Value"))
					diag_error(c->d, id->span,
						   "template output '%s' needs a Value", id->str);
				if (strcmp(keys[i], "parameters") == 0 && !opt(body, "Type"))
					diag_error(c->d, id->span,
						   "template parameter '%s' needs a Type", id->str);
			}
		}
	}
	c->m->template_ = template_interp(c, m, 0);
}

/* ------------------------------------------------------------ environments */

/* Deep merge: maps merge key by key (overlay wins), everything else replaces. */
static const spec_node *merge(ck *c, const spec_node *base, const spec_node *over)
{
	spec_node *m;
	size_t i, k = 0;

	if (!base || base->kind != SPEC_MAP || over->kind != SPEC_MAP)
		return over;
	m = fcc_arena_alloc(c->a, sizeof *m);
	if (!m) {
		c->oom = 1;
		return base;
	}
	*m = *base;
	m->pairs = fcc_arena_alloc(c->a, (base->n + over->n + 1) * sizeof *m->pairs);
	if (!m->pairs) {
		c->oom = 1;
		return base;
	}
	for (i = 0; i < base->n; i++) {
		spec_pair *o = spec_map_get(over, base->pairs[i].key->str);
		m->pairs[k].key = base->pairs[i].key;
		m->pairs[k].value = o ? (spec_node *)merge(c, base->pairs[i].value, o->value)
				      : base->pairs[i].value;
		k++;
	}
	for (i = 0; i < over->n; i++)
		if (!spec_map_get(base, over->pairs[i].key->str))
			m->pairs[k++] = over->pairs[i];
	m->n = k;
	return m;
}

static const char *const TOP_KEYS[] = {"fcc",       "vars",     "project",      "artifacts",
				       "data",      "roles",    "pipeline",     "catalog",
				       "instances", "template", "environments", NULL};
static const char *const OVERLAY_KEYS[] = {"vars",     "project", "artifacts", "data",     "roles",
					   "pipeline", "catalog", "instances", "template", NULL};

static void check_model(ck *c, const spec_node *root, fcc_span where)
{
	read_vars(c, root);
	check_project(c, root, where);
	check_artifacts(c, root, where);
	check_data(c, root);
	check_roles(c, root);
	check_pipeline(c, root, where);
	check_catalog(c, root, where);
	check_instances(c, root);
	check_template(c, root);
}

static void free_rx(ck *c)
{
	size_t i;

	for (i = 0; i < c->nrx; i++)
		pcre2_code_free(c->rx[i].code);
	c->nrx = 0;
}

static void check_version(ck *c, const spec_node *root, fcc_span where)
{
	spec_pair *p = spec_map_get(root, "fcc");

	if (!p) {
		diag_error(c->d, where,
			   "the spec must start with 'fcc: 1' (the spec language version)");
		return;
	}
	if (p->value->kind != SPEC_SCALAR || !p->value->plain || strcmp(p->value->str, "1") != 0) {
		if (p->value->kind == SPEC_SCALAR && p->value->plain &&
		    strspn(p->value->str, "0123456789") == p->value->len && p->value->len)
			diag_error(c->d, p->value->span,
				   "spec version %s is not supported; this fcc reads version 1",
				   p->value->str);
		else
			diag_error(c->d, p->value->span,
				   "fcc must be the integer 1, the spec version");
	}
}

int chk_spec(spec_model **out, const spec_node *root, const fcc_source *src,
	     const chk_options *opt_in, fcc_arena *arena, diag_sink *d)
{
	ck c;
	fcc_span where;
	const spec_node *envs = NULL;
	spec_model *selected = NULL;
	size_t errors_before = diag_error_count(d), i;
	chk_options o = {0};

	*out = NULL;
	if (opt_in)
		o = *opt_in;
	memset(&c, 0, sizeof c);
	c.d = d;
	c.a = arena;
	c.src = src;
	c.spec_dir = o.spec_dir;
	where.src = src;
	where.start = 0;
	where.end = 0;

	if (!root || spec_is_null(root)) {
		diag_error(d, where, "the spec is empty; it must start with 'fcc: 1'");
		return FCC_ECHECK;
	}
	if (root->kind != SPEC_MAP) {
		diag_error(d, root->span, "the spec must be a mapping of sections, not %s",
			   spec_kind_name(root));
		return FCC_ECHECK;
	}
	where = root->pairs && root->n ? root->pairs[0].key->span : root->span;
	check_version(&c, root, where);
	check_keys(&c, root, "", TOP_KEYS);

	if (opt(root, "environments")) {
		envs = as_map(&c, opt(root, "environments"), "environments");
		for (i = 0; envs && i < envs->n; i++) {
			const spec_node *k = envs->pairs[i].key, *v = envs->pairs[i].value;
			const char *path = path_join(&c, "environments", k->str);
			if (!rx_match(&c, RX_ENV_NAME, k->str))
				diag_error(
					d, k->span,
					"environment name '%s' must be lower case letters, digits and "
					"'-', starting with a letter",
					k->str);
			if (spec_is_null(v))
				continue;
			if (as_map(&c, v, path))
				check_keys(&c, v, path, OVERLAY_KEYS);
		}
	}

	if (o.env) {
		spec_pair *e = envs ? spec_map_get(envs, o.env) : NULL;
		if (!e) {
			fcc_buf names;
			fcc_span none = {NULL, 0, 0};
			fcc_buf_init(&names, 0);
			for (i = 0; envs && i < envs->n; i++)
				if (fcc_buf_printf(&names, "%s%s", i ? ", " : "",
						   envs->pairs[i].key->str))
					c.oom = 1;
			if (names.len)
				diag_error(d, none, "unknown environment '%s'; the spec defines %s",
					   o.env, fcc_buf_cstr(&names));
			else
				diag_error(d, none,
					   "unknown environment '%s'; the spec defines no "
					   "environments",
					   o.env);
			fcc_buf_dispose(&names);
			goto out;
		}
		c.m = fcc_arena_alloc(arena, sizeof *c.m);
		if (!c.m) {
			c.oom = 1;
			goto out;
		}
		c.m->env = o.env;
		check_model(&c, spec_is_null(e->value) ? root : merge(&c, root, e->value), where);
		selected = c.m;
	} else {
		c.m = fcc_arena_alloc(arena, sizeof *c.m);
		if (!c.m) {
			c.oom = 1;
			goto out;
		}
		check_model(&c, root, where);
		selected = c.m;
		/* Then each environment on its own; the sink drops repeats, and what
		 * is new gets a note naming the environment. */
		for (i = 0; envs && i < envs->n; i++) {
			const spec_node *v = envs->pairs[i].value;
			size_t before = d->n, k;
			spec_model *m;
			if (spec_is_null(v) || v->kind != SPEC_MAP || v->n == 0)
				continue;
			m = fcc_arena_alloc(arena, sizeof *m);
			if (!m) {
				c.oom = 1;
				goto out;
			}
			m->env = envs->pairs[i].key->str;
			c.m = m;
			check_model(&c, merge(&c, root, v), where);
			for (k = before; k < d->n; k++) {
				diag_item *it = &d->items[k];
				if (it->note)
					continue;
				it->note = fcc_malloc(strlen(m->env) + 32);
				it->note_span = envs->pairs[i].key->span;
				if (!it->note) {
					c.oom = 1;
					continue;
				}
				sprintf(it->note, "with environment '%s'", m->env);
			}
		}
	}
out:
	free_rx(&c);
	if (c.oom)
		return FCC_ENOMEM;
	if (diag_error_count(d) > errors_before)
		return FCC_ECHECK;
	*out = selected;
	return FCC_OK;
}

int chk_spec_file(spec_model **out, fcc_source **src_out, const char *path,
		  const chk_options *opt_in, fcc_arena *arena, diag_sink *d, fcc_err *e)
{
	spec_node *root = NULL;
	chk_options o = {0};
	char *dir = NULL;
	const char *slash;
	size_t errors_before = diag_error_count(d);
	int rc;

	*out = NULL;
	*src_out = NULL;
	rc = fcc_source_load(src_out, path, FCC_SOURCE_MAX_DEFAULT, e);
	if (rc)
		return rc;
	rc = spec_load(&root, *src_out, arena, d);
	if (rc)
		return rc;
	if (opt_in)
		o = *opt_in;
	if (!o.spec_dir) {
		slash = strrchr(path, '/');
		dir = slash ? fcc_strndup(path, (size_t)(slash - path) + (slash == path))
			    : fcc_strdup(".");
		if (!dir)
			return fcc_err_set(e, FCC_ENOMEM, "out of memory");
		o.spec_dir = dir;
	}
	rc = chk_spec(out, root, *src_out, &o, arena, d);
	fcc_free(dir);
	if (rc == FCC_OK && diag_error_count(d) > errors_before) {
		*out = NULL; /* the loader reported errors, such as duplicate keys */
		rc = FCC_ECHECK;
	}
	if (rc == FCC_ENOMEM)
		fcc_err_set(e, FCC_ENOMEM, "out of memory");
	return rc;
}
