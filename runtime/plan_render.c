/*
 * plan_render.c — the plan as text (terminal) and markdown (pull-request
 * comment); see plan.h. Both list steps in plan order and show each field
 * change as `path: before → after`; whole documents (trust policy, pipeline
 * definition) also get a unified diff of their pretty-printed JSON, which
 * reads better than a list of paths once a statement or a step moves.
 *
 * The unified diff is a plain LCS over lines: documents here are a few
 * hundred lines, and past DIFF_MAX_CELLS the diff falls back to "all old
 * lines removed, all new lines added" rather than spend the memory.
 */
#include "runtime/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/base/alloc.h"

#define DIFF_CONTEXT 3
#define DIFF_MAX_CELLS ((size_t)4 << 20)
#define VALUE_MAX 160       /* longest value shown in text before eliding */
#define TEXT_MAX_CHANGES 40 /* field changes shown per step in text */

#define OK(x)                                                                                      \
	do {                                                                                       \
		if ((rc = (x)) != FCC_OK)                                                          \
			goto out;                                                                  \
	} while (0)

/* ---- helpers ------------------------------------------------------------ */

static void jfree(void *p)
{
	json_malloc_t m;
	json_free_t f;

	json_get_alloc_funcs(&m, &f);
	f(p);
}

/* Compact JSON of `v` ("(none)" for absent) into `b`, elided past `max`. */
static int put_value(fcc_buf *b, const json_t *v, size_t max)
{
	char *t;
	size_t n;
	int rc;

	if (!v)
		return fcc_buf_puts(b, "(none)");
	t = json_dumps(v,
		       JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	if (!t)
		return FCC_ENOMEM;
	n = strlen(t);
	if (max && n > max) {
		rc = fcc_buf_append(b, t, max);
		if (rc == FCC_OK)
			rc = fcc_buf_printf(b, "… (%zu more bytes)", n - max);
	} else {
		rc = fcc_buf_append(b, t, n);
	}
	jfree(t);
	return rc;
}

typedef struct lines {
	char *text; /* owned, NUL-separated */
	const char **v;
	size_t n;
} lines;

static int split(lines *out, const json_t *doc)
{
	char *t, *p;
	size_t n = 1;

	memset(out, 0, sizeof *out);
	if (!doc)
		return FCC_OK;
	t = json_dumps(doc,
		       JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	if (!t)
		return FCC_ENOMEM;
	out->text = fcc_strdup(t);
	jfree(t);
	if (!out->text)
		return FCC_ENOMEM;
	for (p = out->text; *p; p++)
		n += *p == '\n';
	if (!(out->v = fcc_calloc(n, sizeof *out->v)))
		return FCC_ENOMEM;
	p = out->text;
	while (*p) {
		char *nl = strchr(p, '\n');
		out->v[out->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return FCC_OK;
}

static void lines_dispose(lines *l)
{
	fcc_free(l->text);
	fcc_free(l->v);
}

typedef struct op {
	char tag; /* ' ', '-', '+' */
	const char *line;
	size_t ai, bi; /* line index in a / b reached *before* this op */
} op;

/* Edit script from a to b: LCS table when small enough, else replace all. */
static int edit_script(op **out, size_t *nout, const lines *a, const lines *b)
{
	size_t n = a->n, m = b->n, i, j, k = 0;
	unsigned *t = NULL;
	op *ops = fcc_calloc(n + m + 1, sizeof *ops);

	if (!ops)
		return FCC_ENOMEM;
	if ((n + 1) * (m + 1) <= DIFF_MAX_CELLS && (t = fcc_calloc((n + 1) * (m + 1), sizeof *t))) {
		for (i = n; i-- > 0;)
			for (j = m; j-- > 0;)
				t[i * (m + 1) + j] =
					strcmp(a->v[i], b->v[j]) == 0
						? t[(i + 1) * (m + 1) + j + 1] + 1
						: (t[(i + 1) * (m + 1) + j] > t[i * (m + 1) + j + 1]
							   ? t[(i + 1) * (m + 1) + j]
							   : t[i * (m + 1) + j + 1]);
		i = j = 0;
		while (i < n || j < m) {
			if (i < n && j < m && strcmp(a->v[i], b->v[j]) == 0) {
				ops[k++] = (op){' ', a->v[i], i, j};
				i++, j++;
			} else if (j < m &&
				   (i == n || t[i * (m + 1) + j + 1] >= t[(i + 1) * (m + 1) + j])) {
				ops[k++] = (op){'+', b->v[j], i, j};
				j++;
			} else {
				ops[k++] = (op){'-', a->v[i], i, j};
				i++;
			}
		}
		fcc_free(t);
	} else {
		for (i = 0; i < n; i++)
			ops[k++] = (op){'-', a->v[i], i, 0};
		for (j = 0; j < m; j++)
			ops[k++] = (op){'+', b->v[j], n, j};
	}
	*out = ops;
	*nout = k;
	return FCC_OK;
}

/* Unified diff of two documents into `b`, each line prefixed by `indent`.
 * With `color`, removed lines are red, added green, hunk headers cyan. */
static int unified(fcc_buf *b, const char *name, const json_t *before, const json_t *after,
		   const char *indent, int color)
{
	lines la, lb;
	op *ops = NULL;
	size_t nops = 0, i, start, end, j;
	int rc;

	memset(&lb, 0, sizeof lb);
	OK(split(&la, before));
	OK(split(&lb, after));
	OK(edit_script(&ops, &nops, &la, &lb));
	OK(fcc_buf_printf(b, "%s%s--- %s (before)%s\n", indent, color ? "\033[1m" : "", name,
			  color ? "\033[0m" : ""));
	OK(fcc_buf_printf(b, "%s%s+++ %s (after)%s\n", indent, color ? "\033[1m" : "", name,
			  color ? "\033[0m" : ""));
	i = 0;
	while (i < nops) {
		size_t as, bs, al = 0, bl = 0;
		while (i < nops && ops[i].tag == ' ')
			i++;
		if (i == nops)
			break;
		start = i > DIFF_CONTEXT ? i - DIFF_CONTEXT : 0;
		/* extend while the next change is within two contexts */
		end = i;
		for (j = i; j < nops; j++) {
			if (ops[j].tag != ' ')
				end = j;
			else if (j - end > 2 * DIFF_CONTEXT)
				break;
		}
		end = end + DIFF_CONTEXT + 1 < nops ? end + DIFF_CONTEXT + 1 : nops;
		as = ops[start].ai;
		bs = ops[start].bi;
		for (j = start; j < end; j++) {
			al += ops[j].tag != '+';
			bl += ops[j].tag != '-';
		}
		OK(fcc_buf_printf(b, "%s%s@@ -%zu,%zu +%zu,%zu @@%s\n", indent,
				  color ? "\033[36m" : "", al ? as + 1 : as, al, bl ? bs + 1 : bs,
				  bl, color ? "\033[0m" : ""));
		for (j = start; j < end; j++) {
			const char *c = !color              ? ""
					: ops[j].tag == '-' ? "\033[31m"
					: ops[j].tag == '+' ? "\033[32m"
							    : "";
			OK(fcc_buf_printf(b, "%s%s%c%s%s\n", indent, c, ops[j].tag, ops[j].line,
					  color && ops[j].tag != ' ' ? "\033[0m" : ""));
		}
		i = end;
	}
out:
	fcc_free(ops);
	lines_dispose(&la);
	lines_dispose(&lb);
	return rc;
}

/* ---- text --------------------------------------------------------------- */

static const char *const symbols[PLAN_N_ACTIONS] = {"=", "+", "~", "-/+", "!", "-"};
static const char *const colors[PLAN_N_ACTIONS] = {"\033[2m",  "\033[32m", "\033[33m",
						   "\033[35m", "\033[36m", "\033[31m"};

static int shown(const plan_step *s, int show_unchanged)
{
	return s->action != PLAN_NOOP || s->reason || show_unchanged;
}

static size_t reported(const plan *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n_steps; i++)
		n += p->steps[i].action == PLAN_NOOP && p->steps[i].reason;
	return n;
}

static int summary_line(fcc_buf *b, const plan *p)
{
	size_t r = reported(p);

	if (!plan_has_changes(p))
		return fcc_buf_printf(b, "No changes: AWS matches the build (%zu resources%s",
				      p->n_steps, r ? "" : ").\n") ||
				       (r &&
					fcc_buf_printf(b, ", %zu reported and left alone).\n", r))
			       ? FCC_ENOMEM
			       : FCC_OK;
	return fcc_buf_printf(
		       b,
		       "Plan: %zu to create, %zu to update, %zu to replace, %zu to deprecate, "
		       "%zu to delete, %zu unchanged%s",
		       plan_count(p, PLAN_CREATE), plan_count(p, PLAN_UPDATE),
		       plan_count(p, PLAN_REPLACE), plan_count(p, PLAN_DEPRECATE),
		       plan_count(p, PLAN_DELETE), plan_count(p, PLAN_NOOP), r ? "" : ".\n") ||
			       (r && fcc_buf_printf(b, " (%zu reported and left alone).\n", r))
		       ? FCC_ENOMEM
		       : FCC_OK;
}

int plan_render_text(fcc_buf *out, const plan *p, const plan_text_opts *o, fcc_err *e)
{
	static const plan_text_opts none;
	const char *bold, *reset, *red, *dim;
	size_t i, j, nsec = 0;
	int rc = FCC_OK;

	if (!o)
		o = &none;
	bold = o->color ? "\033[1m" : "";
	reset = o->color ? "\033[0m" : "";
	red = o->color ? "\033[1;31m" : "";
	dim = o->color ? "\033[2m" : "";
	OK(fcc_buf_printf(out, "%sfcc plan: %s (%s)%s\n", bold, p->project ? p->project : "?",
			  p->environment ? p->environment : "default environment", reset));
	OK(fcc_buf_printf(out, "%smanifest %.12s, spec %.12s%s\n", dim, p->manifest_sha256,
			  p->spec_sha256 ? p->spec_sha256 : "", reset));
	for (i = 0; i < p->n_steps; i++) {
		const plan_step *s = &p->steps[i];
		const char *c = o->color ? colors[s->action] : "";
		nsec += s->access_change != NULL;
		if (!shown(s, o->show_unchanged))
			continue;
		OK(fcc_buf_printf(out, "\n%s%3s %-9s%s %s", c, symbols[s->action],
				  plan_action_name(s->action), reset, s->address));
		if (!strstr(s->address, s->name))
			OK(fcc_buf_printf(out, " (%s)", s->name));
		if (s->access_change)
			OK(fcc_buf_printf(out, "  %s[broadens access]%s", red, reset));
		OK(fcc_buf_putc(out, '\n'));
		if (s->reason)
			OK(fcc_buf_printf(out, "      %s%s%s\n", dim, s->reason, reset));
		for (j = 0; j < s->n_changes && j < TEXT_MAX_CHANGES; j++) {
			OK(fcc_buf_printf(out, "      %s: ", s->changes[j].path));
			OK(put_value(out, s->changes[j].before, VALUE_MAX));
			OK(fcc_buf_puts(out, " → "));
			OK(put_value(out, s->changes[j].after, VALUE_MAX));
			OK(fcc_buf_putc(out, '\n'));
		}
		if (s->n_changes > TEXT_MAX_CHANGES)
			OK(fcc_buf_printf(out,
					  "      … %zu more changes (fcc plan -o json lists all)\n",
					  s->n_changes - TEXT_MAX_CHANGES));
		for (j = 0; j < s->n_docs; j++)
			OK(unified(out, s->docs[j].name, s->docs[j].before, s->docs[j].after,
				   "      ", o->color));
	}
	if (nsec) {
		OK(fcc_buf_printf(out, "\n%sSecurity-relevant changes (broaden access):%s\n", red,
				  reset));
		for (i = 0; i < p->n_steps; i++)
			if (p->steps[i].access_change)
				OK(fcc_buf_printf(out, "  %3s %s: %s\n",
						  symbols[p->steps[i].action], p->steps[i].address,
						  p->steps[i].access_change));
	}
	if (p->errors.n) {
		OK(fcc_buf_printf(out, "\n%sErrors (this plan cannot be applied):%s\n", red,
				  reset));
		for (i = 0; i < p->errors.n; i++)
			OK(fcc_buf_printf(out, "  - %s\n", p->errors.v[i]));
	}
	OK(fcc_buf_putc(out, '\n'));
	OK(summary_line(out, p));
out:
	return rc == FCC_OK ? FCC_OK : fcc_err_set(e, rc, "plan rendering: %s", fcc_err_name(rc));
}

/* ---- markdown ----------------------------------------------------------- */

/* A table cell: inline code when possible, `|` escaped, newlines flattened. */
static int md_cell(fcc_buf *b, const char *s)
{
	int code = !strchr(s, '`');
	int rc = code ? fcc_buf_putc(b, '`') : FCC_OK;

	for (; rc == FCC_OK && *s; s++)
		rc = *s == '|'                           ? fcc_buf_puts(b, "\\|")
		     : *s == '\n'                        ? fcc_buf_putc(b, ' ')
		     : (!code && strchr("*_<>[]\\", *s)) ? fcc_buf_printf(b, "\\%c", *s)
							 : fcc_buf_putc(b, *s);
	return rc == FCC_OK && code ? fcc_buf_putc(b, '`') : rc;
}

/* Plain text in markdown: escape what would turn into markup or HTML. */
static int md_text(fcc_buf *b, const char *s)
{
	int rc = FCC_OK;

	for (; rc == FCC_OK && *s; s++)
		rc = strchr("*_<>[]`\\|", *s) ? fcc_buf_printf(b, "\\%c", *s) : fcc_buf_putc(b, *s);
	return rc;
}

static int md_value_cell(fcc_buf *b, const json_t *v)
{
	fcc_buf t;
	int rc;

	if (!v)
		return fcc_buf_puts(b, "—");
	fcc_buf_init(&t, 1 << 20);
	rc = put_value(&t, v, 300);
	if (rc == FCC_OK)
		rc = md_cell(b, fcc_buf_cstr(&t));
	fcc_buf_dispose(&t);
	return rc;
}

static int md_details(fcc_buf *b, const plan_step *s)
{
	size_t j;
	int rc;

	OK(fcc_buf_printf(b, "<details><summary><code>%s %s</code> ", symbols[s->action],
			  plan_action_name(s->action)));
	OK(md_text(b, s->address));
	if (s->access_change)
		OK(fcc_buf_puts(b, " ⚠️ broadens access"));
	OK(fcc_buf_puts(b, "</summary>\n\n"));
	if (s->reason) {
		OK(md_text(b, s->reason));
		OK(fcc_buf_puts(b, "\n\n"));
	}
	if (s->n_changes) {
		OK(fcc_buf_puts(b, "| field | before | after |\n|---|---|---|\n"));
		for (j = 0; j < s->n_changes; j++) {
			OK(fcc_buf_puts(b, "| "));
			OK(md_cell(b, s->changes[j].path));
			OK(fcc_buf_puts(b, " | "));
			OK(md_value_cell(b, s->changes[j].before));
			OK(fcc_buf_puts(b, " | "));
			OK(md_value_cell(b, s->changes[j].after));
			OK(fcc_buf_puts(b, " |\n"));
		}
		OK(fcc_buf_putc(b, '\n'));
	}
	for (j = 0; j < s->n_docs; j++) {
		/* a fence longer than any backtick run JSON can hold in these documents */
		OK(fcc_buf_puts(b, "````diff\n"));
		OK(unified(b, s->docs[j].name, s->docs[j].before, s->docs[j].after, "", 0));
		OK(fcc_buf_puts(b, "````\n\n"));
	}
	OK(fcc_buf_puts(b, "</details>\n\n"));
out:
	return rc;
}

int plan_render_markdown(fcc_buf *out, const plan *p, size_t limit, fcc_err *e)
{
	fcc_buf head, one;
	size_t i, nsec = 0, total = 0, omitted = 0, start = out->len;
	int rc = FCC_OK;

	fcc_buf_init(&head, FCC_BUF_DEFAULT_MAX);
	fcc_buf_init(&one, FCC_BUF_DEFAULT_MAX);
	OK(fcc_buf_printf(&head, "<!-- fcc-plan: %s/%s -->\n", p->project ? p->project : "?",
			  p->environment ? p->environment : "default"));
	OK(fcc_buf_puts(&head, "### fcc plan: "));
	OK(md_cell(&head, p->project ? p->project : "?"));
	OK(fcc_buf_printf(&head, " (%s)\n\n", p->environment ? p->environment : "default"));
	OK(fcc_buf_puts(&head, "**"));
	OK(summary_line(&head, p));
	head.len--; /* drop the newline to close the bold */
	head.data[head.len] = '\0';
	OK(fcc_buf_printf(&head, "**\n\nmanifest `%.12s` · spec `%.12s`\n\n", p->manifest_sha256,
			  p->spec_sha256 ? p->spec_sha256 : ""));
	OK(fcc_buf_puts(&head, "| action | resources |\n|---|---:|\n"));
	for (i = 1; i <= PLAN_N_ACTIONS; i++) {
		plan_action a = (plan_action)(i % PLAN_N_ACTIONS); /* no-op last */
		OK(fcc_buf_printf(&head, "| %s | %zu |\n", plan_action_name(a), plan_count(p, a)));
	}
	for (i = 0; i < p->n_steps; i++)
		nsec += p->steps[i].access_change != NULL;
	if (nsec) {
		OK(fcc_buf_puts(&head, "\n#### ⚠️ Security-relevant changes\n\n"
				       "| action | resource | grants |\n|---|---|---|\n"));
		for (i = 0; i < p->n_steps; i++) {
			const plan_step *s = &p->steps[i];
			if (!s->access_change)
				continue;
			OK(fcc_buf_printf(&head, "| %s | ", plan_action_name(s->action)));
			OK(md_cell(&head, s->address));
			OK(fcc_buf_puts(&head, " | "));
			OK(md_cell(&head, s->access_change));
			OK(fcc_buf_puts(&head, " |\n"));
		}
	}
	if (p->errors.n) {
		OK(fcc_buf_puts(&head, "\n#### ❌ Errors: this plan cannot be applied\n\n"));
		for (i = 0; i < p->errors.n; i++) {
			OK(fcc_buf_puts(&head, "- "));
			OK(md_text(&head, p->errors.v[i]));
			OK(fcc_buf_putc(&head, '\n'));
		}
	}
	OK(fcc_buf_puts(out, fcc_buf_cstr(&head)));
	total = head.len;
	for (i = 0; i < p->n_steps; i++)
		total += shown(&p->steps[i], 0);
	if (total == head.len)
		goto out;
	OK(fcc_buf_puts(out, "\n#### Resources\n\n"));
	total = 0;
	for (i = 0; i < p->n_steps; i++) {
		/* room for the note below, whatever the counts */
		size_t reserve = 300;
		if (!shown(&p->steps[i], 0))
			continue;
		total++;
		if (omitted) {
			omitted++;
			continue;
		}
		fcc_buf_reset(&one);
		OK(md_details(&one, &p->steps[i]));
		if (out->len - start + one.len + reserve > limit) {
			omitted++;
			continue;
		}
		OK(fcc_buf_append(out, one.data, one.len));
	}
	if (omitted)
		OK(fcc_buf_printf(
			out,
			"> **Note:** the details of %zu of %zu resources were left out to keep "
			"this comment under %zu characters; the summary above is complete. "
			"Run `fcc plan` for the whole plan.\n",
			omitted, total, limit));
out:
	fcc_buf_dispose(&head);
	fcc_buf_dispose(&one);
	return rc == FCC_OK ? FCC_OK : fcc_err_set(e, rc, "plan rendering: %s", fcc_err_name(rc));
}
