/*
 * emit_cfn_check.c — checks on the finished template, before it leaves fcc:
 * what CloudFormation would reject at create time (unknown Ref / GetAtt /
 * Sub variables / DependsOn / conditions, dependency cycles, a parameter
 * Default its own constraints refuse, the quotas on resources, parameters and
 * outputs) and what would fail later when SageMaker creates a project (a
 * resource name that can exceed its service's limit for the longest project
 * name and id SageMaker may pass).
 *
 * Every problem gets the span of the spec text that caused it, found through
 * the span table (emit_cfn_int.h): the node itself or its nearest ancestor
 * that came from the spec. Problems in fcc's own part have no span and name
 * the resource.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/alloc.h"
#include "check.h"
#include "emit_cfn.h"
#include "emit_cfn_int.h"

typedef struct edge {
	size_t to;
	fcc_span span;
} edge;

typedef struct node {
	const char *id;
	edge *edges;
	size_t n, cap;
	int color; /* DFS: 0 new, 1 on the stack, 2 done */
} node;

typedef struct ctx {
	const json_t *params, *resources, *conditions, *outputs;
	const emit_cfn_spans *spans;
	diag_sink *d;
	node *nodes;
	size_t nnodes;
	int oom;
} ctx;

static const char *const pseudo[] = {"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue",
				     "AWS::Partition", "AWS::Region",           "AWS::StackId",
				     "AWS::StackName", "AWS::URLSuffix",        NULL};

static int is_pseudo(const char *s)
{
	size_t i;

	for (i = 0; pseudo[i]; i++)
		if (strcmp(s, pseudo[i]) == 0)
			return 1;
	return 0;
}

/* The span of `j` if it came from the spec, else `dflt`. */
static fcc_span span_of(const ctx *c, const json_t *j, fcc_span dflt)
{
	const fcc_span *s = emit_cfn_spans_get(c->spans, j);
	return s ? *s : dflt;
}

/* Narrow `sp` to the first occurrence of `needle` in the source text it
 * covers, so an error about ${Var} inside a long !Sub points at the var. */
static fcc_span narrow(fcc_span sp, const char *needle)
{
	size_t nl = strlen(needle), i;

	if (!sp.src || sp.end > sp.src->len || nl == 0)
		return sp;
	for (i = sp.start; i + nl <= sp.end; i++)
		if (memcmp(sp.src->data + i, needle, nl) == 0) {
			sp.start = i;
			sp.end = i + nl;
			return sp;
		}
	return sp;
}

static size_t node_index(const ctx *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->nnodes; i++)
		if (strcmp(c->nodes[i].id, id) == 0)
			return i;
	return (size_t)-1;
}

static void add_edge(ctx *c, size_t from, const char *to, fcc_span span)
{
	node *n;
	size_t t = node_index(c, to);

	if (from == (size_t)-1 || t == (size_t)-1)
		return;
	n = &c->nodes[from];
	if (n->n == n->cap) {
		size_t ncap = n->cap ? n->cap * 2 : 4;
		edge *e = fcc_realloc(n->edges, ncap * sizeof *e);
		if (!e) {
			c->oom = 1;
			return;
		}
		n->edges = e;
		n->cap = ncap;
	}
	n->edges[n->n].to = t;
	n->edges[n->n++].span = span;
}

/* A NULL-terminated array of the keys of `o` (plus the pseudo parameters
 * when `with_pseudo`) for chk_suggest; caller frees with fcc_free. */
static const char **candidates(ctx *c, const json_t *a, const json_t *b, int with_pseudo)
{
	size_t n = json_object_size(a) + json_object_size(b) + 9, i = 0;
	const char **v = fcc_calloc(n, sizeof *v);
	const char *k;
	json_t *val;

	if (!v) {
		c->oom = 1;
		return NULL;
	}
	json_object_foreach((json_t *)a, k, val)
		v[i++] = k;
	json_object_foreach((json_t *)b, k, val)
		v[i++] = k;
	if (with_pseudo)
		for (n = 0; pseudo[n]; n++)
			v[i++] = pseudo[n];
	(void)val;
	return v;
}

/* Report `id` as unknown, with a suggestion from `a` and `b`. */
static void unknown(ctx *c, fcc_span sp, const char *what, const char *id, const json_t *a,
		    const json_t *b, int with_pseudo, const char *where)
{
	const char **cands = candidates(c, a, b, with_pseudo);
	const char *hint = cands ? chk_suggest(id, cands) : NULL;

	if (hint)
		diag_error(c->d, sp, "%s%s%s names unknown '%s'; did you mean '%s'?",
			   where ? where : "", where ? ": " : "", what, id, hint);
	else
		diag_error(c->d, sp, "%s%s%s names unknown '%s'", where ? where : "",
			   where ? ": " : "", what, id);
	fcc_free(cands);
}

/* A Ref / Sub variable target. */
static void check_ref(ctx *c, const char *id, fcc_span sp, size_t from, int in_cond,
		      const char *what, const char *where)
{
	if (is_pseudo(id) || json_object_get(c->params, id))
		return;
	if (json_object_get(c->resources, id)) {
		if (in_cond)
			diag_error(c->d, sp,
				   "%s%s%s names resource '%s'; conditions can only use "
				   "parameters",
				   where ? where : "", where ? ": " : "", what, id);
		add_edge(c, from, id, sp);
		return;
	}
	unknown(c, sp, what, id, c->params, c->resources, 1, where);
}

static void check_getatt_res(ctx *c, const char *res, fcc_span sp, size_t from, int in_cond,
			     const char *where)
{
	if (json_object_get(c->resources, res)) {
		if (in_cond)
			diag_error(c->d, sp,
				   "%s%sFn::GetAtt in a condition; conditions can only use "
				   "parameters",
				   where ? where : "", where ? ": " : "");
		add_edge(c, from, res, sp);
		return;
	}
	unknown(c, sp, "Fn::GetAtt", res, c->resources, NULL, 0, where);
}

static void check_condition_name(ctx *c, const json_t *j, fcc_span sp, const char *what,
				 const char *where)
{
	const char *name = json_string_value(j);

	if (!name) {
		diag_error(c->d, sp, "%s%s%s takes a condition name", where ? where : "",
			   where ? ": " : "", what);
		return;
	}
	if (!json_object_get(c->conditions, name))
		unknown(c, sp, what, name, c->conditions, NULL, 0, where);
}

/* Each ${Var} of a Fn::Sub string: ${!Literal} is an escape, ${Res.Attr} a
 * GetAtt, anything else a Ref or one of `vars` (the list form's map). */
static void check_sub(ctx *c, const char *s, const json_t *vars, fcc_span sp, size_t from,
		      int in_cond, const char *where)
{
	const char *p = s;

	while ((p = strstr(p, "${")) != NULL) {
		const char *close = strchr(p + 2, '}');
		char name[512], raw[520];
		size_t nl;
		if (!close) {
			diag_error(c->d, sp, "%s%sFn::Sub has an unterminated '${'",
				   where ? where : "", where ? ": " : "");
			return;
		}
		nl = (size_t)(close - p - 2);
		if (p[2] == '!' || nl >= sizeof name) {
			p = close + 1;
			continue;
		}
		memcpy(name, p + 2, nl);
		name[nl] = '\0';
		snprintf(raw, sizeof raw, "${%s}", name);
		p = close + 1;
		if (vars && json_object_get(vars, name))
			continue;
		if (!strchr(name, '.')) {
			check_ref(c, name, narrow(sp, raw), from, in_cond, "Fn::Sub variable",
				  where);
		} else {
			*strchr(name, '.') = '\0';
			check_getatt_res(c, name, narrow(sp, raw), from, in_cond, where);
		}
	}
}

/* Walk `j`, checking every intrinsic; `sp` is the nearest spec span so far,
 * `from` the resource the walk is inside (or -1), `where` names the place for
 * messages without a span. */
static void walk(ctx *c, const json_t *j, fcc_span sp, size_t from, int in_cond, const char *where)
{
	const char *fn;
	const char *k;
	json_t *v;
	size_t i;

	sp = span_of(c, j, sp);
	if (json_is_array(j)) {
		json_array_foreach((json_t *)j, i, v)
			walk(c, v, sp, from, in_cond, where);
		return;
	}
	if (!json_is_object(j))
		return;
	fn = emit_cfn_intrinsic(j);
	v = fn ? json_object_get(j, fn) : NULL;
	if (fn && strcmp(fn, "Ref") == 0) {
		if (json_is_string(v))
			check_ref(c, json_string_value(v), span_of(c, v, sp), from, in_cond, "Ref",
				  where);
		else
			diag_error(c->d, span_of(c, v, sp), "%s%sRef takes a logical id",
				   where ? where : "", where ? ": " : "");
		return;
	}
	if (fn && strcmp(fn, "Fn::GetAtt") == 0) {
		const json_t *r = json_array_get(v, 0);
		if (json_is_string(v)) {
			/* long form "Res.Attr" */
			const char *s = json_string_value(v), *dot = strchr(s, '.');
			char res[256];
			snprintf(res, sizeof res, "%.*s", dot ? (int)(dot - s) : (int)strlen(s), s);
			check_getatt_res(c, res, span_of(c, v, sp), from, in_cond, where);
		} else if (json_is_string(r) && json_array_size(v) == 2) {
			check_getatt_res(c, json_string_value(r), span_of(c, r, sp), from, in_cond,
					 where);
			walk(c, json_array_get(v, 1), sp, from, in_cond, where);
		} else {
			diag_error(c->d, span_of(c, v, sp),
				   "%s%sFn::GetAtt takes [resource, attribute]", where ? where : "",
				   where ? ": " : "");
		}
		return;
	}
	if (fn && strcmp(fn, "Fn::Sub") == 0) {
		if (json_is_string(v)) {
			check_sub(c, json_string_value(v), NULL, span_of(c, v, sp), from, in_cond,
				  where);
		} else if (json_is_array(v) && json_array_size(v) == 2 &&
			   json_is_string(json_array_get(v, 0)) &&
			   json_is_object(json_array_get(v, 1))) {
			const json_t *s = json_array_get(v, 0), *vars = json_array_get(v, 1);
			check_sub(c, json_string_value(s), vars, span_of(c, s, sp), from, in_cond,
				  where);
			walk(c, vars, sp, from, in_cond, where);
		} else {
			diag_error(c->d, span_of(c, v, sp),
				   "%s%sFn::Sub takes a string or [string, {variables}]",
				   where ? where : "", where ? ": " : "");
		}
		return;
	}
	if (fn && strcmp(fn, "Fn::If") == 0) {
		if (!json_is_array(v) || json_array_size(v) != 3) {
			diag_error(c->d, span_of(c, v, sp),
				   "%s%sFn::If takes [condition, value if true, value if false]",
				   where ? where : "", where ? ": " : "");
			return;
		}
		check_condition_name(c, json_array_get(v, 0), span_of(c, json_array_get(v, 0), sp),
				     "Fn::If", where);
		walk(c, json_array_get(v, 1), sp, from, in_cond, where);
		walk(c, json_array_get(v, 2), sp, from, in_cond, where);
		return;
	}
	if (fn && strcmp(fn, "Condition") == 0 && in_cond) {
		check_condition_name(c, v, span_of(c, v, sp), "Condition", where);
		return;
	}
	json_object_foreach((json_t *)j, k, v)
		walk(c, v, sp, from, in_cond, where);
}

/* ------------------------------------------------------------- resources */

static void check_resources(ctx *c)
{
	const char *id;
	json_t *r;
	size_t i = 0;

	json_object_foreach((json_t *)c->resources, id, r) {
		char where[300];
		fcc_span none = {0}, sp = span_of(c, r, none);
		const char *k;
		json_t *v;
		snprintf(where, sizeof where, "resource '%s'", id);
		/* spec-sourced places carry their own span; no need to repeat where */
		if (!json_is_object(r)) {
			diag_error(c->d, sp, "%s must be a mapping", where);
			i++;
			continue;
		}
		json_object_foreach(r, k, v) {
			fcc_span vsp = span_of(c, v, sp);
			const char *w = vsp.src ? NULL : where;
			if (strcmp(k, "Type") == 0)
				continue;
			if (strcmp(k, "Condition") == 0) {
				check_condition_name(c, v, vsp, "Condition", w);
			} else if (strcmp(k, "DependsOn") == 0) {
				size_t a, n = json_is_array(v) ? json_array_size(v) : 1;
				for (a = 0; a < n; a++) {
					const json_t *dep =
						json_is_array(v) ? json_array_get(v, a) : v;
					fcc_span dsp = span_of(c, dep, vsp);
					if (!json_is_string(dep))
						diag_error(c->d, dsp,
							   "%s%sDependsOn takes resource ids",
							   w ? w : "", w ? ": " : "");
					else if (!json_object_get(c->resources,
								  json_string_value(dep)))
						unknown(c, dsp, "DependsOn", json_string_value(dep),
							c->resources, NULL, 0, w);
					else
						add_edge(c, i, json_string_value(dep), dsp);
				}
			} else {
				walk(c, v, vsp, i, 0, w);
			}
		}
		i++;
	}
}

/* DFS over the dependency graph; each back edge is a cycle, reported once
 * with its path. `stack` holds the path from the root. */
static void dfs(ctx *c, size_t v, size_t *stack, size_t depth)
{
	size_t e;

	c->nodes[v].color = 1;
	stack[depth] = v;
	for (e = 0; e < c->nodes[v].n; e++) {
		size_t t = c->nodes[v].edges[e].to;
		if (c->nodes[t].color == 1) {
			fcc_buf b;
			size_t s;
			fcc_buf_init(&b, 0);
			for (s = 0; stack[s] != t; s++)
				;
			for (; s <= depth; s++)
				fcc_buf_printf(&b, "%s -> ", c->nodes[stack[s]].id);
			fcc_buf_puts(&b, c->nodes[t].id);
			diag_error(c->d, c->nodes[v].edges[e].span,
				   "dependency cycle among resources: %s", fcc_buf_cstr(&b));
			fcc_buf_dispose(&b);
		} else if (c->nodes[t].color == 0) {
			dfs(c, t, stack, depth + 1);
		}
	}
	c->nodes[v].color = 2;
}

static void check_cycles(ctx *c)
{
	size_t *stack, i;

	if (!c->nnodes)
		return;
	if (!(stack = fcc_calloc(c->nnodes, sizeof *stack))) {
		c->oom = 1;
		return;
	}
	for (i = 0; i < c->nnodes; i++)
		if (c->nodes[i].color == 0)
			dfs(c, i, stack, 0);
	fcc_free(stack);
}

/* ------------------------------------------------------------ parameters */

/* A scalar's text: strings as they are, numbers formatted. */
static const char *scalar_text(const json_t *j, char *buf, size_t n)
{
	if (json_is_string(j))
		return json_string_value(j);
	if (json_is_integer(j)) {
		snprintf(buf, n, "%lld", (long long)json_integer_value(j));
		return buf;
	}
	if (json_is_real(j)) {
		snprintf(buf, n, "%.15g", json_real_value(j));
		return buf;
	}
	if (json_is_boolean(j))
		return json_is_true(j) ? "true" : "false";
	return NULL;
}

static long num_of(const json_t *j)
{
	if (json_is_integer(j))
		return (long)json_integer_value(j);
	if (json_is_string(j)) {
		char *end;
		long v = strtol(json_string_value(j), &end, 10);
		return *end ? -1 : v;
	}
	return -1;
}

static void check_default(ctx *c, const char *id, const json_t *p)
{
	const json_t *def = json_object_get(p, "Default"),
		     *pat = json_object_get(p, "AllowedPattern"),
		     *vals = json_object_get(p, "AllowedValues"),
		     *type = json_object_get(p, "Type");
	fcc_span none = {0}, psp = span_of(c, p, none), dsp = span_of(c, def, psp);
	char buf[64];
	const char *text;
	long minl = num_of(json_object_get(p, "MinLength")),
	     maxl = num_of(json_object_get(p, "MaxLength"));

	if (!def || !(text = scalar_text(def, buf, sizeof buf)))
		return;
	/* The constraints apply to String parameters; a list's Default is checked per item
	 * by CloudFormation, which fcc leaves to it. */
	if (json_is_string(type) && strcmp(json_string_value(type), "String") != 0)
		return;
	if (json_is_string(pat)) {
		int err;
		PCRE2_SIZE off;
		/* CloudFormation matches AllowedPattern against the whole value. */
		pcre2_code *re = pcre2_compile(
			(PCRE2_SPTR)json_string_value(pat), PCRE2_ZERO_TERMINATED,
			PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &err, &off, NULL);
		if (!re) {
			PCRE2_UCHAR msg[256];
			pcre2_get_error_message(err, msg, sizeof msg);
			diag_error(c->d, span_of(c, pat, psp),
				   "parameter '%s': AllowedPattern is not a valid pattern: %s", id,
				   (const char *)msg);
		} else {
			pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
			if (!md) {
				c->oom = 1;
			} else {
				int r = pcre2_match(re, (PCRE2_SPTR)text, strlen(text), 0, 0, md,
						    NULL);
				if (r == PCRE2_ERROR_NOMATCH) {
					diag_error(
						c->d, dsp,
						"parameter '%s': Default '%s' does not match its "
						"AllowedPattern",
						id, text);
					diag_note(c->d, span_of(c, pat, none),
						  "the pattern is '%s'", json_string_value(pat));
				} else if (r < 0) {
					diag_error(
						c->d, dsp,
						"parameter '%s': AllowedPattern could not be matched "
						"(PCRE2 error %d)",
						id, r);
				}
				pcre2_match_data_free(md);
			}
			pcre2_code_free(re);
		}
	}
	if (json_is_array(vals)) {
		size_t i;
		json_t *v;
		int found = 0;
		json_array_foreach((json_t *)vals, i, v) {
			char vb[64];
			const char *vt = scalar_text(v, vb, sizeof vb);
			if (vt && strcmp(vt, text) == 0)
				found = 1;
		}
		if (!found)
			diag_error(c->d, dsp,
				   "parameter '%s': Default '%s' is not one of its AllowedValues",
				   id, text);
	}
	if (json_is_string(def)) {
		long len = (long)strlen(text);
		if (minl >= 0 && len < minl)
			diag_error(c->d, dsp,
				   "parameter '%s': Default is shorter than its MinLength %ld", id,
				   minl);
		if (maxl >= 0 && len > maxl)
			diag_error(c->d, dsp,
				   "parameter '%s': Default is longer than its MaxLength %ld", id,
				   maxl);
	}
}

/* ------------------------------------------------------------ name budgets */

/* Longest value a Ref can render to, or -1 when fcc cannot bound it. The
 * region and partition bounds are the longest codes AWS uses today. */
static long ref_max(const ctx *c, const char *id)
{
	const json_t *p = json_object_get(c->params, id);

	if (strcmp(id, "AWS::AccountId") == 0)
		return 12;
	if (strcmp(id, "AWS::Region") == 0)
		return 14; /* ap-southeast-7, us-isob-east-1 */
	if (strcmp(id, "AWS::Partition") == 0)
		return 10; /* aws-us-gov */
	if (strcmp(id, "AWS::URLSuffix") == 0)
		return 16; /* amazonaws.com.cn */
	if (strcmp(id, "AWS::StackName") == 0)
		return 128;
	if (p) {
		long maxl = num_of(json_object_get(p, "MaxLength"));
		const json_t *vals = json_object_get(p, "AllowedValues");
		if (maxl >= 0)
			return maxl;
		if (json_is_array(vals) && json_array_size(vals)) {
			size_t i;
			json_t *v;
			long best = 0;
			json_array_foreach((json_t *)vals, i, v) {
				char b[64];
				const char *t = scalar_text(v, b, sizeof b);
				if (!t)
					return -1;
				if ((long)strlen(t) > best)
					best = (long)strlen(t);
			}
			return best;
		}
	}
	return -1;
}

static long max_len(const ctx *c, const json_t *j, int depth);

static long sub_max(const ctx *c, const char *s, const json_t *vars, int depth)
{
	long total = 0;
	const char *p = s;

	while (*p) {
		const char *close;
		if (!(p[0] == '$' && p[1] == '{') || !(close = strchr(p + 2, '}'))) {
			total++;
			p++;
			continue;
		}
		if (p[2] == '!') {
			total += (long)(close - p) - 1; /* ${!X} renders as ${X} */
		} else {
			char name[256];
			size_t nl = (size_t)(close - p - 2);
			long v;
			if (nl >= sizeof name)
				return -1;
			memcpy(name, p + 2, nl);
			name[nl] = '\0';
			if (vars && json_object_get(vars, name))
				v = max_len(c, json_object_get(vars, name), depth + 1);
			else
				v = strchr(name, '.') ? -1 : ref_max(c, name);
			if (v < 0)
				return -1;
			total += v;
		}
		p = close + 1;
	}
	return total;
}

static long max_len(const ctx *c, const json_t *j, int depth)
{
	const char *fn = emit_cfn_intrinsic(j);
	const json_t *v;

	if (depth > 32)
		return -1;
	if (json_is_string(j))
		return (long)json_string_length(j);
	if (!fn)
		return -1;
	v = json_object_get(j, fn);
	if (strcmp(fn, "Ref") == 0)
		return json_is_string(v) ? ref_max(c, json_string_value(v)) : -1;
	if (strcmp(fn, "Fn::Sub") == 0) {
		if (json_is_string(v))
			return sub_max(c, json_string_value(v), NULL, depth);
		if (json_is_array(v) && json_is_string(json_array_get(v, 0)))
			return sub_max(c, json_string_value(json_array_get(v, 0)),
				       json_array_get(v, 1), depth);
		return -1;
	}
	if (strcmp(fn, "Fn::Join") == 0 && json_is_array(v) &&
	    json_is_string(json_array_get(v, 0)) && json_is_array(json_array_get(v, 1))) {
		const json_t *items = json_array_get(v, 1);
		long total = 0, sep = (long)json_string_length(json_array_get(v, 0));
		size_t i;
		for (i = 0; i < json_array_size(items); i++) {
			long l = max_len(c, json_array_get(items, i), depth + 1);
			if (l < 0)
				return -1;
			total += l + (i ? sep : 0);
		}
		return total;
	}
	return -1;
}

static const struct budget {
	const char *type, *prop, *what;
	long limit;
} budgets[] = {
	{"AWS::S3::Bucket", "BucketName", "S3 bucket name", 63},
	{"AWS::CodeCommit::Repository", "RepositoryName", "CodeCommit repository name", 100},
	{"AWS::CodePipeline::Pipeline", "Name", "CodePipeline name", 100},
	{"AWS::CodeBuild::Project", "Name", "CodeBuild project name", 255},
	{"AWS::Events::Rule", "Name", "EventBridge rule name", 64},
	{"AWS::IAM::Role", "RoleName", "IAM role name", 64},
	{"AWS::SageMaker::Pipeline", "PipelineName", "SageMaker pipeline name", 256},
	{"AWS::SNS::Topic", "TopicName", "SNS topic name", 256},
	{"AWS::SQS::Queue", "QueueName", "SQS queue name", 80},
	{"AWS::Lambda::Function", "FunctionName", "Lambda function name", 64},
	{NULL, NULL, NULL, 0},
};

static void budget_one(ctx *c, const char *id, const char *prop, const char *what, long limit,
		       const json_t *val, fcc_span rsp)
{
	long n = max_len(c, val, 0);
	fcc_span sp = span_of(c, val, rsp);

	if (n > limit)
		diag_error(c->d, sp,
			   "resource '%s': %s can be %ld characters long, over the %s limit of %ld",
			   id, prop, n, what, limit);
}

static void check_budgets(ctx *c)
{
	const char *id;
	json_t *r;

	json_object_foreach((json_t *)c->resources, id, r) {
		const char *type = json_string_value(json_object_get(r, "Type"));
		const json_t *props = json_object_get(r, "Properties");
		fcc_span none = {0}, rsp = span_of(c, r, none);
		size_t i;
		if (!type || !json_is_object(props))
			continue;
		rsp = span_of(c, props, rsp);
		for (i = 0; budgets[i].type; i++)
			if (strcmp(type, budgets[i].type) == 0 &&
			    json_object_get(props, budgets[i].prop))
				budget_one(c, id, budgets[i].prop, budgets[i].what,
					   budgets[i].limit,
					   json_object_get(props, budgets[i].prop), rsp);
		/* The SageMaker pipeline the build creates is named by this variable. */
		if (strcmp(type, "AWS::CodeBuild::Project") == 0) {
			const json_t *vars = json_object_get(json_object_get(props, "Environment"),
							     "EnvironmentVariables");
			json_t *v;
			json_array_foreach((json_t *)vars, i, v) {
				const char *n = json_string_value(json_object_get(v, "Name"));
				if (n && strcmp(n, "SAGEMAKER_PIPELINE_NAME") == 0)
					budget_one(c, id, "SAGEMAKER_PIPELINE_NAME",
						   "SageMaker pipeline name", 256,
						   json_object_get(v, "Value"), span_of(c, v, rsp));
			}
		}
	}
}

/* ------------------------------------------------------------------ entry */

static void check_count(ctx *c, const json_t *sec, size_t limit, const char *what)
{
	fcc_span none = {0};

	if (json_object_size(sec) > limit)
		diag_error(c->d, span_of(c, sec, none),
			   "the template has %zu %s, over CloudFormation's limit of %zu",
			   json_object_size(sec), what, limit);
}

int emit_cfn_check(const json_t *tmpl, const emit_cfn_spans *spans, diag_sink *d)
{
	ctx c;
	const char *id;
	json_t *v;
	size_t i;

	memset(&c, 0, sizeof c);
	c.spans = spans;
	c.d = d;
	c.params = json_object_get(tmpl, "Parameters");
	c.resources = json_object_get(tmpl, "Resources");
	c.conditions = json_object_get(tmpl, "Conditions");
	c.outputs = json_object_get(tmpl, "Outputs");

	check_count(&c, c.resources, EMIT_CFN_MAX_RESOURCES, "resources");
	check_count(&c, c.params, EMIT_CFN_MAX_PARAMETERS, "parameters");
	check_count(&c, c.outputs, EMIT_CFN_MAX_OUTPUTS, "outputs");

	c.nnodes = json_object_size(c.resources);
	if (c.nnodes && !(c.nodes = fcc_calloc(c.nnodes, sizeof *c.nodes)))
		return FCC_ENOMEM;
	i = 0;
	json_object_foreach((json_t *)c.resources, id, v)
		c.nodes[i++].id = id;

	json_object_foreach((json_t *)c.params, id, v) {
		if (json_is_object(v))
			check_default(&c, id, v);
	}
	json_object_foreach((json_t *)c.conditions, id, v) {
		fcc_span none = {0};
		char where[300];
		snprintf(where, sizeof where, "condition '%s'", id);
		walk(&c, v, span_of(&c, v, none), (size_t)-1, 1,
		     emit_cfn_spans_get(spans, v) ? NULL : where);
	}
	check_resources(&c);
	json_object_foreach((json_t *)c.outputs, id, v) {
		fcc_span none = {0}, sp = span_of(&c, v, none);
		const char *k;
		json_t *x;
		char where[300];
		snprintf(where, sizeof where, "output '%s'", id);
		json_object_foreach(v, k, x) {
			if (strcmp(k, "Condition") == 0)
				check_condition_name(&c, x, span_of(&c, x, sp), "Condition",
						     sp.src ? NULL : where);
			else
				walk(&c, x, sp, (size_t)-1, 0, sp.src ? NULL : where);
		}
	}
	/* Deep graphs are bounded by the resource quota. */
	if (c.nnodes <= EMIT_CFN_MAX_RESOURCES)
		check_cycles(&c);
	check_budgets(&c);

	for (i = 0; i < c.nnodes; i++)
		fcc_free(c.nodes[i].edges);
	fcc_free(c.nodes);
	return c.oom ? FCC_ENOMEM : FCC_OK;
}
