/*
 * diff.c — desired state vs. state snapshot → plan (see diff.h).
 *
 * What fcc owns and how it recognises it:
 *   - S3 objects by key (content-addressed), content by the user metadata
 *     x-amz-meta-fcc-sha256 fcc writes on upload;
 *   - on existing IAM roles, only the policies the spec attaches and one
 *     trust statement (Sid DIFF_TRUST_SID) for the services the spec trusts
 *     that no other statement already trusts; nothing else is touched;
 *   - the portfolio and product by name, tagged fcc:project;
 *   - product versions by DIFF_ARTIFACT_MARKER<sha256> in the artifact's
 *     Description: one version per template sha256. Older fcc versions are
 *     deprecated, never deleted; versions without the marker are not fcc's;
 *   - principals and shares the spec lists. Extra ones are reported and left
 *     alone, unless diff_opts.own_principals says the spec owns the list;
 *   - the CloudFormation stacks fcc owns (desired.stacks[]) by name; their
 *     template by exact bytes (sha256), their changes by the change-set
 *     preview the plan ran (state_stack.changes).
 * Nothing here deletes anything else.
 */
#include "runtime/diff.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"
#include "runtime/cfn_deploy.h"
#include "runtime/iam_patch.h"

#define TRY(x)                                                                                     \
	do {                                                                                       \
		if ((rc = (x)) < 0)                                                                \
			goto out;                                                                  \
	} while (0)
#define NEED(p)                                                                                    \
	do {                                                                                       \
		if (!(p)) {                                                                        \
			rc = FCC_ENOMEM;                                                           \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

/* ---- canonical JSON ----------------------------------------------------- */

int diff_json_equal(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;
	size_t i;

	if (!a || !b)
		return a == b;
	if (json_is_number(a) && json_is_number(b)) {
		if (json_is_integer(a) && json_is_integer(b))
			return json_integer_value(a) == json_integer_value(b);
		return json_number_value(a) == json_number_value(b);
	}
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)a, k, v)
			if (!diff_json_equal(v, json_object_get(b, k)))
				return 0;
		return 1;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!diff_json_equal(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) ==
			       0;
	default:
		return 1; /* true, false, null */
	}
}

static int is_ident(const char *k)
{
	size_t i;

	if (!*k || (k[0] >= '0' && k[0] <= '9'))
		return 0;
	for (i = 0; k[i]; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return 0;
	return 1;
}

/* Append `key` to the path in `b`: .key, or ["key"] when it is not an identifier. */
static int path_key(fcc_buf *b, const char *key)
{
	int rc = FCC_OK;
	const char *p;

	if (is_ident(key))
		return b->len ? fcc_buf_printf(b, ".%s", key) : fcc_buf_puts(b, key);
	rc = fcc_buf_puts(b, "[\"");
	for (p = key; rc == FCC_OK && *p; p++)
		rc = (*p == '"' || *p == '\\') ? fcc_buf_printf(b, "\\%c", *p)
					       : fcc_buf_putc(b, *p);
	return rc == FCC_OK ? fcc_buf_puts(b, "\"]") : rc;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int walk(plan_step *st, fcc_buf *path, const json_t *a, const json_t *b)
{
	size_t mark = path->len, i, n = 0, count = 0;
	const char **keys = NULL, *k;
	json_t *v;
	int rc = 0;

	if (diff_json_equal(a, b))
		return 0;
	if (json_is_object(a) && json_is_object(b)) {
		keys = fcc_calloc(json_object_size(a) + json_object_size(b) + 1, sizeof *keys);
		if (!keys)
			return FCC_ENOMEM;
		json_object_foreach((json_t *)a, k, v)
			keys[n++] = k;
		json_object_foreach((json_t *)b, k, v)
			if (!json_object_get(a, k))
				keys[n++] = k;
		qsort(keys, n, sizeof *keys, cmp_cstr);
		for (i = 0; i < n && rc >= 0; i++) {
			if (path_key(path, keys[i]) != FCC_OK)
				rc = FCC_ENOMEM;
			else if ((rc = walk(st, path, json_object_get(a, keys[i]),
					    json_object_get(b, keys[i]))) >= 0)
				count += (size_t)rc;
			path->len = mark;
			if (path->data)
				path->data[mark] = '\0';
		}
		fcc_free(keys);
		return rc < 0 ? rc : (int)count;
	}
	if (json_is_array(a) && json_is_array(b)) {
		n = json_array_size(a) > json_array_size(b) ? json_array_size(a)
							    : json_array_size(b);
		for (i = 0; i < n && rc >= 0; i++) {
			if (fcc_buf_printf(path, "[%zu]", i) != FCC_OK)
				rc = FCC_ENOMEM;
			else if ((rc = walk(st, path, json_array_get(a, i),
					    json_array_get(b, i))) >= 0)
				count += (size_t)rc;
			path->len = mark;
			if (path->data)
				path->data[mark] = '\0';
		}
		return rc < 0 ? rc : (int)count;
	}
	if (plan_step_change(st, fcc_buf_cstr(path), (json_t *)a, (json_t *)b) != FCC_OK)
		return FCC_ENOMEM;
	return 1;
}

int diff_json_changes(plan_step *step, const char *prefix, const json_t *before,
		      const json_t *after)
{
	fcc_buf path;
	int rc;

	fcc_buf_init(&path, 1 << 16);
	if (fcc_buf_puts(&path, prefix) != FCC_OK) {
		fcc_buf_dispose(&path);
		return FCC_ENOMEM;
	}
	rc = walk(step, &path, before, after);
	fcc_buf_dispose(&path);
	return rc;
}

/* ---- IAM trust policies ------------------------------------------------- */

static int has_value(const json_t *v, const char *s)
{
	size_t i;

	if (json_is_string(v))
		return strcmp(json_string_value(v), s) == 0;
	if (json_is_array(v))
		for (i = 0; i < json_array_size(v); i++)
			if (has_value(json_array_get(v, i), s))
				return 1;
	return 0;
}

int diff_trust_is_fcc(const json_t *st)
{
	const json_t *sid = json_object_get(st, "Sid");

	return json_is_string(sid) && strcmp(json_string_value(sid), DIFF_TRUST_SID) == 0;
}

/* Does statement `st` let `service` assume the role? */
static int statement_trusts(const json_t *st, const char *service)
{
	json_t *action = json_object_get(st, "Action");

	if (!has_value(json_object_get(st, "Effect"), "Allow"))
		return 0;
	if (!has_value(action, "sts:AssumeRole") && !has_value(action, "sts:*") &&
	    !has_value(action, "*"))
		return 0;
	return has_value(json_object_get(json_object_get(st, "Principal"), "Service"), service);
}

int diff_trust_merge(json_t **out, const json_t *current, const kv_strs *services, kv_strs *added)
{
	json_t *doc = NULL, *stmts, *want = NULL, *svc = NULL, *old_fcc = NULL;
	kv_strs missing = {0};
	size_t i, j, fcc_at = (size_t)-1, nst;
	int rc = FCC_OK, other, any;

	*out = NULL;
	stmts = current ? json_object_get(current, "Statement") : NULL;
	nst = json_is_array(stmts) ? json_array_size(stmts) : json_is_object(stmts) ? 1 : 0;
	for (i = 0; i < nst; i++) {
		json_t *st = json_is_array(stmts) ? json_array_get(stmts, i) : stmts;
		if (diff_trust_is_fcc(st)) {
			fcc_at = i;
			old_fcc = st;
		}
	}
	for (j = 0; j < services->n; j++) {
		other = any = 0;
		for (i = 0; i < nst; i++) {
			json_t *st = json_is_array(stmts) ? json_array_get(stmts, i) : stmts;
			if (statement_trusts(st, services->v[j])) {
				any = 1;
				if (i != fcc_at)
					other = 1;
			}
		}
		if (!other)
			TRY(kv_strs_push(&missing, services->v[j]));
		if (!any && added && !kv_strs_has(added, services->v[j]))
			TRY(kv_strs_push(added, services->v[j]));
	}
	if (missing.n) {
		qsort(missing.v, missing.n, sizeof *missing.v, cmp_cstr);
		/* IAM hands a one-element list back as a plain string: write it that
		 * way so the next plan compares equal. */
		if (missing.n == 1)
			NEED(svc = json_string(missing.v[0]));
		else
			NEED(svc = kv_strs_to_json(&missing));
		NEED(want = json_pack("{s:s, s:s, s:{s:O}, s:s}", "Sid", DIFF_TRUST_SID, "Effect",
				      "Allow", "Principal", "Service", svc, "Action",
				      "sts:AssumeRole"));
	}
	if (diff_json_equal(old_fcc, want)) {
		NEED(doc = current ? json_deep_copy(current) : json_null());
		goto out;
	}
	NEED(doc = current && json_is_object(current) ? json_deep_copy(current) : json_object());
	if (!json_object_get(doc, "Version"))
		TRY(json_object_set_new(doc, "Version", json_string("2012-10-17")) ? FCC_ENOMEM
										   : 0);
	if (!json_is_array(json_object_get(doc, "Statement"))) {
		json_t *arr = json_array();
		NEED(arr);
		if (json_is_object(json_object_get(doc, "Statement")) &&
		    json_array_append(arr, json_object_get(doc, "Statement")) != 0) {
			json_decref(arr);
			rc = FCC_ENOMEM;
			goto out;
		}
		TRY(json_object_set_new(doc, "Statement", arr) ? FCC_ENOMEM : 0);
	}
	stmts = json_object_get(doc, "Statement");
	if (fcc_at != (size_t)-1 && want)
		TRY(json_array_set(stmts, fcc_at, want) ? FCC_ENOMEM : 0);
	else if (fcc_at != (size_t)-1)
		TRY(json_array_remove(stmts, fcc_at) ? FCC_ENOMEM : 0);
	else
		TRY(json_array_append(stmts, want) ? FCC_ENOMEM : 0);
out:
	json_decref(svc);
	json_decref(want);
	kv_strs_dispose(&missing);
	if (rc < 0) {
		json_decref(doc);
		return FCC_ENOMEM;
	}
	*out = doc;
	return FCC_OK;
}

/* ---- the diff ----------------------------------------------------------- */

static int streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A change between two strings (NULL = unset); returns 1 added, 0 equal, <0. */
static int str_change(plan_step *st, const char *path, const char *before, const char *after)
{
	json_t *a, *b;
	int rc;

	if (streq(before, after))
		return 0;
	a = before ? json_string(before) : NULL;
	b = after ? json_string(after) : NULL;
	if ((before && !a) || (after && !b))
		rc = FCC_ENOMEM;
	else
		rc = plan_step_change(st, path, a, b) == FCC_OK ? 1 : FCC_ENOMEM;
	json_decref(a);
	json_decref(b);
	return rc;
}

/* One change per tag the spec sets to another value (or that is missing),
 * and per fcc-owned tag (fcc:*, sagemaker:studio-visibility) the spec no
 * longer sets. Tags anyone else added are left alone. Returns the count or
 * FCC_ENOMEM; `remove` (may be NULL) collects keys to remove. */
static int tag_changes(plan_step *st, const kv_tags *have, const kv_tags *want, kv_strs *remove)
{
	char path[512];
	size_t i;
	int n = 0, rc;

	for (i = 0; i < want->n; i++) {
		snprintf(path, sizeof path, "tags[\"%s\"]", want->v[i].key);
		if ((rc = str_change(st, path, kv_tags_get(have, want->v[i].key),
				     want->v[i].value)) < 0)
			return rc;
		n += rc;
	}
	for (i = 0; i < have->n; i++) {
		const char *k = have->v[i].key;
		if (kv_tags_get(want, k))
			continue;
		if (strncmp(k, "fcc:", 4) != 0 && strcmp(k, "sagemaker:studio-visibility") != 0)
			continue;
		snprintf(path, sizeof path, "tags[\"%s\"]", k);
		if ((rc = str_change(st, path, have->v[i].value, NULL)) < 0)
			return rc;
		if (remove && kv_strs_push(remove, k) != FCC_OK)
			return FCC_ENOMEM;
		n += rc;
	}
	return n;
}

/* One product's addresses, for the steps that depend on them. */
typedef struct prod_ctx {
	const desired_product *dp;
	const state_product *sp; /* never NULL: an absent product when not observed */
	char *product_addr, *artifact_addr, *assoc_addr, *constraint_addr;
	const char *artifact_id; /* the existing fcc version of this template, or NULL */
} prod_ctx;

typedef struct ctx {
	plan *p;
	const desired *d;
	const state_snapshot *s;
	diff_opts o;
	fcc_buf a; /* scratch for addresses */
	char *seed_addr, *template_addr, *portfolio_addr;
	prod_ctx *pc;                          /* one per desired product */
	char patch_key[IAM_PATCH_KEY_MAX + 1]; /* this project's fcc:patch tag key */
} ctx;

static char *addr(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *addr(ctx *c, const char *fmt, ...)
{
	va_list ap;
	int rc;

	fcc_buf_reset(&c->a);
	va_start(ap, fmt);
	rc = fcc_buf_vprintf(&c->a, fmt, ap);
	va_end(ap);
	return rc == FCC_OK ? fcc_strdup(fcc_buf_cstr(&c->a)) : NULL;
}

static int error(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int error(ctx *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return kv_strs_push(&c->p->errors, msg);
}

static int attr_str(plan_step *st, const char *k, const char *v)
{
	json_t *j = jstr(v);

	return j ? plan_step_attr(st, k, j) : FCC_ENOMEM;
}

static int objects(ctx *c)
{
	size_t i;
	int rc = FCC_OK;

	for (i = 0; i < c->d->n_objects; i++) {
		const desired_object *o = &c->d->objects[i];
		const state_object *have = state_find_object(c->s, c->d->bucket, o->key);
		char *address = addr(c, "s3://%s/%s", c->d->bucket, o->key);
		plan_step *st;
		json_t *size = NULL;

		if (!address)
			return FCC_ENOMEM;
		st = plan_add_step(c->p, "s3-object", address, o->path, PLAN_NOOP);
		if (st && strcmp(o->kind, "seed-code") == 0)
			c->seed_addr = address, address = NULL;
		else if (st && strcmp(o->kind, "template") == 0)
			c->template_addr = address, address = NULL;
		fcc_free(address);
		NEED(st);
		TRY(attr_str(st, "bucket", c->d->bucket));
		TRY(attr_str(st, "key", o->key));
		TRY(attr_str(st, "kind", o->kind));
		TRY(attr_str(st, "file", o->path));
		TRY(attr_str(st, "sha256", o->sha256));
		TRY(plan_step_attr(st, "size", json_integer(o->size)));
		if (!have || !have->present) {
			st->action = PLAN_CREATE;
			TRY(plan_step_reason(st, "not in the bucket"));
		} else if (!have->sha256) {
			st->action = PLAN_UPDATE;
			TRY(plan_step_reason(st,
					     "the object has no x-amz-meta-fcc-sha256: its content "
					     "is unknown, upload it again"));
		} else if (strcmp(have->sha256, o->sha256) != 0) {
			st->action = PLAN_UPDATE;
			TRY(plan_step_reason(st, "the object's content differs from the build"));
		}
		if (st->action == PLAN_NOOP)
			continue;
		TRY(str_change(st, "sha256", have && have->present ? have->sha256 : NULL,
			       o->sha256));
		if (!have || !have->present || have->size != o->size) {
			NEED(size = json_integer(o->size));
			json_t *old = have && have->present ? json_integer(have->size) : NULL;
			if (have && have->present && !old) {
				json_decref(size);
				rc = FCC_ENOMEM;
				goto out;
			}
			rc = plan_step_change(st, "size", old, size);
			json_decref(old);
			json_decref(size);
			TRY(rc);
		}
	}
out:
	return rc < 0 ? rc : FCC_OK;
}

/* ---- IAM patch records (iam_patch.h) ----
 * The record tag is fcc's bookkeeping: a change of the role's update step,
 * never an access change of its own. attrs.record_key / record_value tell
 * the executor to TagRole before it patches. */
static int role_record(ctx *c, plan_step *st, const state_role *have, const desired_role *r,
		       const kv_strs *attach, const json_t *merged, const kv_strs *added)
{
	const char *old = kv_tags_get(&have->patch_records, c->patch_key);
	char *val = NULL, path[IAM_PATCH_KEY_MAX + 16];
	json_t *b = NULL, *a = NULL;
	fcc_err e;
	int rc;

	fcc_err_clear(&e);
	rc = iam_patch_record_after(&val, have, r, c->patch_key, attach,
				    json_is_object(merged) ? merged : NULL, added, &e);
	if (rc == FCC_EPARSE || rc == FCC_ECONFLICT)
		return error(c, "iam role %s: %s", r->name, e.msg);
	if (rc != FCC_OK)
		return rc;
	if (streq(old, val) || (!val && !old))
		goto out;
	/* only ever grown by apply; destroy takes it away (destroy.c) */
	if (!val)
		goto out;
	snprintf(path, sizeof path, "tags[\"%s\"]", c->patch_key);
	if ((old && !(b = json_string(old))) || !(a = json_string(val)) ||
	    (rc = plan_step_change(st, path, b, a)) != FCC_OK ||
	    (rc = attr_str(st, "record_key", c->patch_key)) != FCC_OK ||
	    (rc = attr_str(st, "record_value", val)) != FCC_OK) {
		rc = FCC_ENOMEM;
		goto out;
	}
	st->action = PLAN_UPDATE;
out:
	json_decref(b);
	json_decref(a);
	fcc_free(val);
	return rc;
}

static int roles(ctx *c)
{
	size_t i, j;
	int rc = FCC_OK;

	for (i = 0; i < c->d->n_roles; i++) {
		const desired_role *r = &c->d->roles[i];
		const state_role *have = state_find_role(c->s, r->name);
		kv_strs attach = {0}, added = {0}, svcs = {0};
		json_t *merged = NULL;
		char *address = addr(c, "iam-role:%s", r->name);
		plan_step *st;
		fcc_buf what;

		fcc_buf_init(&what, 1 << 16);
		NEED(address);
		st = plan_add_step(c->p, "iam-role", address, r->name, PLAN_NOOP);
		fcc_free(address);
		NEED(st);
		TRY(attr_str(st, "role", r->role));
		if (!have || !have->present) {
			TRY(plan_step_reason(
				st, "the role does not exist; fcc only patches existing roles"));
			TRY(error(c,
				  "iam role %s does not exist: fcc patches existing roles only "
				  "(SageMaker creates it when projects are enabled in Studio)",
				  r->name));
			goto next;
		}
		for (j = 0; j < r->attach_policies.n; j++)
			if (!kv_strs_has(&have->attached_policies, r->attach_policies.v[j]))
				TRY(kv_strs_push(&attach, r->attach_policies.v[j]));
		if (attach.n) {
			qsort(attach.v, attach.n, sizeof *attach.v, cmp_cstr);
			for (j = 0; j < attach.n; j++) {
				char path[600];
				json_t *t = json_string(attach.v[j]);
				NEED(t);
				snprintf(path, sizeof path, "attached_policies[\"%s\"]",
					 attach.v[j]);
				rc = plan_step_change(st, path, NULL, t);
				json_decref(t);
				TRY(rc);
				TRY(fcc_buf_printf(&what, "%sattaches %s", what.len ? "; " : "",
						   attach.v[j]));
			}
		}
		/* services another fcc project's record still needs stay in fcc's
		 * statement (iam_patch.h) */
		TRY(iam_patch_services(&svcs, have, r, c->patch_key));
		TRY(diff_trust_merge(&merged, have->trust_policy, &svcs, &added));
		if (!diff_json_equal(have->trust_policy, json_is_null(merged) ? NULL : merged)) {
			TRY(diff_json_changes(st, "trust_policy", have->trust_policy, merged));
			TRY(plan_step_doc(st, "trust_policy", have->trust_policy, merged));
			TRY(plan_step_attr(st, "trust_policy", json_incref(merged)));
		}
		for (j = 0; j < added.n; j++)
			TRY(fcc_buf_printf(&what, "%strusts %s", what.len ? "; " : "", added.v[j]));
		/* plan_step_attr takes the reference, on failure too */
		TRY(plan_step_attr(st, "attach_policies", kv_strs_to_json(&attach)));
		TRY(plan_step_attr(st, "trust_services_added", kv_strs_to_json(&added)));
		TRY(role_record(c, st, have, r, &attach, merged, &added));
		if (st->n_changes) {
			st->action = PLAN_UPDATE;
			if (added.n && attach.n)
				TRY(plan_step_reason(
					st, "missing attached policies and trusted services"));
			else if (attach.n)
				TRY(plan_step_reason(st, "missing attached policies"));
			else if (added.n)
				TRY(plan_step_reason(st,
						     "services the spec trusts are missing from "
						     "the trust policy"));
			else if (diff_json_equal(have->trust_policy,
						 json_is_null(merged) ? NULL : merged))
				TRY(plan_step_reason(
					st, "fcc's record of the patches it made changes"));
			else
				TRY(plan_step_reason(
					st, "fcc's trust statement differs from the spec"));
		}
		if (what.len)
			TRY(plan_step_access(st, "%s", fcc_buf_cstr(&what)));
	next:
		json_decref(merged);
		kv_strs_dispose(&attach);
		kv_strs_dispose(&added);
		kv_strs_dispose(&svcs);
		fcc_buf_dispose(&what);
		continue;
	out:
		json_decref(merged);
		kv_strs_dispose(&attach);
		kv_strs_dispose(&added);
		kv_strs_dispose(&svcs);
		fcc_buf_dispose(&what);
		return rc < 0 ? rc : FCC_ENOMEM;
	}
	return FCC_OK;
}

static int portfolio(ctx *c)
{
	const state_portfolio *have = &c->s->portfolio;
	kv_tags want = {0};
	kv_strs remove = {0};
	plan_step *st;
	json_t *t;
	int rc = FCC_OK;

	NEED(c->portfolio_addr = addr(c, "sc-portfolio:%s", c->d->portfolio.name));
	NEED(st = plan_add_step(c->p, "sc-portfolio", c->portfolio_addr, c->d->portfolio.name,
				PLAN_NOOP));
	TRY(kv_tags_set(&want, "fcc:project", c->d->project));
	TRY(attr_str(st, "id", have->count == 1 ? have->id : NULL));
	TRY(attr_str(st, "name", c->d->portfolio.name));
	TRY(attr_str(st, "owner", c->d->portfolio.owner));
	TRY(attr_str(st, "description", c->d->portfolio.description));
	NEED(t = kv_tags_to_json(&want));
	TRY(plan_step_attr(st, "tags", t));
	if (have->count == 0) {
		st->action = PLAN_CREATE;
		TRY(plan_step_reason(st, "no portfolio named \"%s\"", c->d->portfolio.name));
		TRY(str_change(st, "name", NULL, c->d->portfolio.name));
		TRY(str_change(st, "owner", NULL, c->d->portfolio.owner));
		TRY(str_change(st, "description", NULL, c->d->portfolio.description));
		TRY(str_change(st, "tags[\"fcc:project\"]", NULL, c->d->project));
		goto out;
	}
	TRY(str_change(st, "owner", have->owner, c->d->portfolio.owner));
	TRY(str_change(st, "description", have->description, c->d->portfolio.description));
	TRY(tag_changes(st, &have->tags, &want, &remove));
	if (st->n_changes) {
		st->action = PLAN_UPDATE;
		TRY(plan_step_reason(st, "the portfolio differs from the spec"));
	}
out:
	kv_tags_dispose(&want);
	kv_strs_dispose(&remove);
	return rc < 0 ? rc : FCC_OK;
}

static int product(ctx *c, prod_ctx *pc)
{
	const state_product *have = pc->sp;
	const desired_product *dp = pc->dp;
	kv_strs remove = {0};
	plan_step *st;
	json_t *t;
	int rc = FCC_OK;

	NEED(pc->product_addr = addr(c, "sc-product:%s", dp->name));
	NEED(st = plan_add_step(c->p, "sc-product", pc->product_addr, dp->name, PLAN_NOOP));
	TRY(attr_str(st, "id", have->present ? have->id : NULL));
	TRY(attr_str(st, "name", dp->name));
	TRY(attr_str(st, "owner", dp->owner));
	TRY(attr_str(st, "description", dp->description));
	TRY(attr_str(st, "distributor", dp->distributor));
	TRY(attr_str(st, "support_email", dp->support_email));
	TRY(attr_str(st, "support_url", dp->support_url));
	NEED(t = kv_tags_to_json(&dp->tags));
	TRY(plan_step_attr(st, "tags", t));
	if (!have->present) {
		static const kv_tags none;
		st->action = PLAN_CREATE;
		TRY(plan_step_reason(st, "no product named \"%s\"", dp->name));
		/* CreateProduct takes the first version, so it needs the template. */
		TRY(plan_step_depend(st, c->template_addr));
		TRY(str_change(st, "name", NULL, dp->name));
		TRY(str_change(st, "owner", NULL, dp->owner));
		TRY(str_change(st, "description", NULL, dp->description));
		TRY(str_change(st, "distributor", NULL, dp->distributor));
		TRY(str_change(st, "support_email", NULL, dp->support_email));
		TRY(str_change(st, "support_url", NULL, dp->support_url));
		TRY(tag_changes(st, &none, &dp->tags, NULL));
		goto out;
	}
	TRY(str_change(st, "owner", have->owner, dp->owner));
	TRY(str_change(st, "description", have->description, dp->description));
	TRY(str_change(st, "distributor", have->distributor, dp->distributor));
	TRY(str_change(st, "support_email", have->support_email, dp->support_email));
	TRY(str_change(st, "support_url", have->support_url, dp->support_url));
	TRY(tag_changes(st, &have->tags, &dp->tags, &remove));
	NEED(t = kv_strs_to_json(&remove));
	TRY(plan_step_attr(st, "tags_remove", t));
	if (st->n_changes) {
		st->action = PLAN_UPDATE;
		TRY(plan_step_reason(st, "the product differs from the spec"));
	}
out:
	kv_strs_dispose(&remove);
	return rc < 0 ? rc : FCC_OK;
}

/* The template sha256 of an fcc artifact (from its Description), or NULL. */
static const char *artifact_sha(const state_artifact *a, size_t *len)
{
	const char *m = a->description ? strstr(a->description, DIFF_ARTIFACT_MARKER) : NULL;
	size_t n = 0;

	if (!m)
		return NULL;
	m += strlen(DIFF_ARTIFACT_MARKER);
	while ((m[n] >= '0' && m[n] <= '9') || (m[n] >= 'a' && m[n] <= 'f'))
		n++;
	if (n != FCC_SHA256_HEX_LEN)
		return NULL;
	*len = n;
	return m;
}

static int is_deprecated(const state_artifact *a)
{
	return a->guidance && strcmp(a->guidance, "DEPRECATED") == 0;
}

static int artifacts(ctx *c, prod_ctx *pc)
{
	const desired *d = c->d;
	const desired_product *dp = pc->dp;
	const state_product *sp = pc->sp;
	const char *want = dp->version.template_sha256;
	const state_artifact *mine = NULL;
	plan_step *st;
	char *marker = NULL;
	size_t i, n;
	int rc = FCC_OK;

	for (i = 0; i < sp->n_artifacts; i++) {
		const char *sha = artifact_sha(&sp->artifacts[i], &n);
		if (sha && strncmp(sha, want, n) == 0 &&
		    (!mine || (!sp->artifacts[i].active) < (!mine->active)))
			mine = &sp->artifacts[i];
	}
	NEED(marker = addr(c, "%s%s", DIFF_ARTIFACT_MARKER, want));
	NEED(pc->artifact_addr = addr(c, "sc-artifact:%s/%s", dp->name, want));
	NEED(st = plan_add_step(c->p, "sc-artifact", pc->artifact_addr, dp->version.name,
				PLAN_NOOP));
	TRY(attr_str(st, "id", mine ? mine->id : NULL));
	TRY(attr_str(st, "name", dp->version.name));
	TRY(attr_str(st, "description", marker));
	TRY(attr_str(st, "template_sha256", want));
	TRY(attr_str(st, "bucket", d->bucket));
	TRY(attr_str(st, "template_key", dp->version.template_key));
	TRY(attr_str(st, "guidance", "DEFAULT"));
	TRY(plan_step_depend(st, pc->product_addr));
	TRY(plan_step_depend(st, c->template_addr));
	pc->artifact_id = mine ? mine->id : NULL;
	if (!mine) {
		st->action = PLAN_CREATE;
		TRY(plan_step_reason(st, "no product version of template %.12s", want));
		TRY(str_change(st, "name", NULL, dp->version.name));
		TRY(str_change(st, "description", NULL, marker));
		TRY(str_change(st, "template_key", NULL, dp->version.template_key));
	} else {
		TRY(str_change(st, "name", mine->name, dp->version.name));
		if (!mine->active) {
			json_t *f = json_false(), *t = json_true();
			TRY(plan_step_change(st, "active", f, t));
		}
		TRY(str_change(st, "guidance", is_deprecated(mine) ? "DEPRECATED" : "DEFAULT",
			       "DEFAULT"));
		if (st->n_changes) {
			st->action = PLAN_UPDATE;
			TRY(plan_step_reason(st, "fcc's version of this template was renamed, "
						 "deactivated or deprecated"));
		}
	}
	for (i = 0; i < sp->n_artifacts; i++) {
		const state_artifact *a = &sp->artifacts[i];
		const char *sha = artifact_sha(a, &n);
		char *address;

		if (a == mine)
			continue;
		if (sha && strncmp(sha, want, n) == 0) /* a duplicate of mine: leave it */
			continue;
		address = sha ? addr(c, "sc-artifact:%s/%.*s", dp->name, (int)n, sha)
			      : addr(c, "sc-artifact:%s/id:%s", dp->name, a->id);
		NEED(address);
		st = plan_add_step(c->p, "sc-artifact", address, a->name ? a->name : a->id,
				   PLAN_NOOP);
		fcc_free(address);
		NEED(st);
		TRY(attr_str(st, "id", a->id));
		if (!sha) {
			TRY(plan_step_reason(st, "no %s marker: not fcc's version, left alone",
					     DIFF_ARTIFACT_MARKER));
			continue;
		}
		if (is_deprecated(a))
			continue;
		st->action = PLAN_DEPRECATE;
		TRY(plan_step_reason(st, "an older template (%.12s): deprecated, never deleted",
				     sha));
		TRY(str_change(st, "guidance", a->guidance ? a->guidance : "DEFAULT",
			       "DEPRECATED"));
		TRY(attr_str(st, "guidance", "DEPRECATED"));
		TRY(plan_step_depend(st, pc->artifact_addr));
	}
out:
	fcc_free(marker);
	return rc < 0 ? rc : FCC_OK;
}

static int association(ctx *c, prod_ctx *pc)
{
	const desired_product *dp = pc->dp;
	const state_product *sp = pc->sp;
	int present = c->s->portfolio.count == 1 && sp->present && sp->association;
	plan_step *st;
	int rc = FCC_OK;

	NEED(pc->assoc_addr = addr(c, "sc-association:%s/%s", c->d->portfolio.name, dp->name));
	NEED(st = plan_add_step(c->p, "sc-association", pc->assoc_addr, dp->name,
				present ? PLAN_NOOP : PLAN_CREATE));
	TRY(plan_step_depend(st, c->portfolio_addr));
	TRY(plan_step_depend(st, pc->product_addr));
	if (!present)
		TRY(plan_step_reason(st, "the product is not in the portfolio"));
out:
	return rc < 0 ? rc : FCC_OK;
}

/* Does a LAUNCH constraint's Parameters name the role `role` (name or ARN)? */
static int names_role(const json_t *params, const char *role)
{
	const char *arn = json_string_value(json_object_get(params, "RoleArn"));
	const char *local = json_string_value(json_object_get(params, "LocalRoleName"));
	const char *name =
		strncmp(role, "arn:", 4) == 0 && strrchr(role, '/') ? strrchr(role, '/') + 1 : role;
	size_t ln, nn = strlen(name);

	if (local)
		return strcmp(local, name) == 0;
	if (!arn)
		return 0;
	if (strncmp(role, "arn:", 4) == 0)
		return strcmp(arn, role) == 0;
	ln = strlen(arn);
	return ln > nn && arn[ln - nn - 1] == '/' && strcmp(arn + ln - nn, name) == 0;
}

static int constraint(ctx *c, prod_ctx *pc)
{
	const char *role = c->d->launch_role;
	const desired_product *dp = pc->dp;
	const state_product *sp = pc->sp;
	const state_constraint *have = NULL;
	json_t *want = NULL;
	plan_step *st;
	size_t i;
	int rc = FCC_OK;

	if (c->s->portfolio.count == 1 && sp->present && sp->association)
		for (i = 0; i < sp->n_constraints; i++)
			if (strcmp(sp->constraints[i].type, "LAUNCH") == 0)
				have = &sp->constraints[i];
	NEED(want = strncmp(role, "arn:", 4) == 0 ? json_pack("{s:s}", "RoleArn", role)
						  : json_pack("{s:s}", "LocalRoleName", role));
	NEED(pc->constraint_addr =
		     addr(c, "sc-constraint:%s/%s/LAUNCH", c->d->portfolio.name, dp->name));
	NEED(st = plan_add_step(c->p, "sc-constraint", pc->constraint_addr, "LAUNCH", PLAN_NOOP));
	TRY(plan_step_depend(st, pc->assoc_addr));
	TRY(attr_str(st, "id", have ? have->id : NULL));
	TRY(attr_str(st, "type", "LAUNCH"));
	TRY(plan_step_attr(st, "parameters", json_incref(want)));
	if (!have) {
		st->action = PLAN_CREATE;
		TRY(plan_step_reason(st, "no launch constraint on the product"));
		TRY(diff_json_changes(st, "parameters", NULL, want));
		TRY(plan_step_access(st, "provisioning runs as %s", role));
	} else if (!names_role(have->parameters, role)) {
		st->action = PLAN_UPDATE;
		TRY(plan_step_reason(st, "the launch constraint uses another role"));
		TRY(diff_json_changes(st, "parameters", have->parameters, want));
		TRY(plan_step_access(st, "provisioning runs as %s", role));
	}
out:
	json_decref(want);
	return rc < 0 ? rc : FCC_OK;
}

/* A product of the portfolio the build does not declare (state_read lists
 * them): fcc's own (tagged fcc:project=<project>) was dropped from the spec
 * and goes, as `fcc destroy` removes a product: its constraints, then its
 * association, then the product with its versions. Anyone else's is
 * reported and left alone. */
static int dropped_product(ctx *c, const state_product *sp)
{
	const char *pf = c->d->portfolio.name, *owner = kv_tags_get(&sp->tags, "fcc:project");
	char *assoc = NULL, *address = NULL;
	plan_step *st;
	size_t i;
	int rc = FCC_OK, launch = 0;

	if (!owner || strcmp(owner, c->d->project) != 0) {
		NEED(address = addr(c, "sc-product:%s", sp->name));
		NEED(st = plan_add_step(c->p, "sc-product", address, sp->name, PLAN_NOOP));
		TRY(attr_str(st, "id", sp->id));
		TRY(plan_step_reason(st,
				     "in the portfolio, not in the spec and not fcc's (no "
				     "fcc:project=%s tag): left alone",
				     c->d->project));
		goto out;
	}
	NEED(assoc = addr(c, "sc-association:%s/%s", pf, sp->name));
	NEED(address = addr(c, "sc-constraint:%s/%s/LAUNCH", pf, sp->name));
	/* fcc's LAUNCH constraint; a constraint someone else added is theirs to
	 * remove (Service Catalog refuses the disassociation until then) */
	for (i = 0; i < sp->n_constraints; i++) {
		const state_constraint *k = &sp->constraints[i];
		if (!streq(k->type, "LAUNCH"))
			continue;
		NEED(st = plan_add_step(c->p, "sc-constraint", address, "LAUNCH", PLAN_DELETE));
		TRY(attr_str(st, "id", k->id));
		TRY(plan_step_reason(st, "on product %s, which the spec no longer declares",
				     sp->name));
		TRY(str_change(st, "type", k->type, NULL));
		launch = 1;
		break;
	}
	NEED(st = plan_add_step(c->p, "sc-association", assoc, sp->name, PLAN_DELETE));
	TRY(attr_str(st, "product_id", sp->id));
	TRY(attr_str(st, "portfolio_id", c->s->portfolio.id));
	TRY(plan_step_reason(st, "product %s is no longer in the spec", sp->name));
	if (launch) /* no step to wait for when it has none */
		TRY(plan_step_depend(st, address));
	fcc_free(address);
	NEED(address = addr(c, "sc-product:%s", sp->name));
	NEED(st = plan_add_step(c->p, "sc-product", address, sp->name, PLAN_DELETE));
	TRY(attr_str(st, "id", sp->id));
	TRY(plan_step_reason(st,
			     "fcc's product (fcc:project=%s), no longer in the spec: "
			     "removed with its versions",
			     c->d->project));
	TRY(str_change(st, "name", sp->name, NULL));
	TRY(plan_step_depend(st, assoc));
out:
	fcc_free(assoc);
	fcc_free(address);
	return rc < 0 ? rc : FCC_OK;
}

static int principals(ctx *c)
{
	const desired *d = c->d;
	const state_snapshot *s = c->s;
	plan_step *st;
	size_t i, j;
	int rc = FCC_OK;

	for (i = 0; i < d->n_principals; i++) {
		const state_principal *have = NULL;
		char *address;
		for (j = 0; s->portfolio.count == 1 && j < s->n_principals; j++)
			if (strcmp(s->principals[j].arn, d->principals[i].arn) == 0)
				have = &s->principals[j];
		NEED(address = addr(c, "sc-principal:%s/%s", d->portfolio.name,
				    d->principals[i].arn));
		st = plan_add_step(c->p, "sc-principal", address, d->principals[i].arn, PLAN_NOOP);
		fcc_free(address);
		NEED(st);
		TRY(plan_step_depend(st, c->portfolio_addr));
		TRY(attr_str(st, "arn", d->principals[i].arn));
		TRY(attr_str(st, "type", d->principals[i].type));
		if (!have) {
			st->action = PLAN_CREATE;
			TRY(plan_step_reason(st, "not a principal of the portfolio"));
			TRY(str_change(st, "type", NULL, d->principals[i].type));
			TRY(plan_step_access(st, "grants %s access to the portfolio",
					     d->principals[i].arn));
		} else if (strcmp(have->type, d->principals[i].type) != 0) {
			st->action = PLAN_REPLACE;
			TRY(plan_step_reason(st, "the principal's type changes: disassociate and "
						 "associate again"));
			TRY(str_change(st, "type", have->type, d->principals[i].type));
			TRY(plan_step_access(st, "grants %s access to the portfolio as %s",
					     d->principals[i].arn, d->principals[i].type));
		}
	}
	for (j = 0; s->portfolio.count == 1 && j < s->n_principals; j++) {
		char *address;
		int wanted = 0;
		for (i = 0; i < d->n_principals; i++)
			wanted |= strcmp(s->principals[j].arn, d->principals[i].arn) == 0;
		if (wanted)
			continue;
		NEED(address = addr(c, "sc-principal:%s/%s", d->portfolio.name,
				    s->principals[j].arn));
		st = plan_add_step(c->p, "sc-principal", address, s->principals[j].arn,
				   c->o.own_principals ? PLAN_DELETE : PLAN_NOOP);
		fcc_free(address);
		NEED(st);
		TRY(plan_step_depend(st, c->portfolio_addr));
		TRY(attr_str(st, "arn", s->principals[j].arn));
		TRY(attr_str(st, "type", s->principals[j].type));
		if (c->o.own_principals) {
			TRY(plan_step_reason(st, "not in the spec, which owns the principal list"));
			TRY(str_change(st, "type", s->principals[j].type, NULL));
		} else {
			TRY(plan_step_reason(st, "added outside fcc: reported and left alone (the "
						 "spec does not own the principal list)"));
		}
	}
out:
	return rc < 0 ? rc : FCC_OK;
}

static int share_step(ctx *c, const char *type, const char *label, const char *value, int present,
		      int wanted)
{
	plan_step *st;
	char *address;
	int rc = FCC_OK;

	NEED(address = addr(c, "sc-share:%s/%s:%s", c->d->portfolio.name, label, value));
	st = plan_add_step(c->p, "sc-share", address, value,
			   present || !wanted ? PLAN_NOOP : PLAN_CREATE);
	fcc_free(address);
	NEED(st);
	TRY(plan_step_depend(st, c->portfolio_addr));
	TRY(attr_str(st, "type", type));
	TRY(attr_str(st, "value", value));
	if (!wanted) {
		TRY(plan_step_reason(st, "shared outside fcc: reported and left alone"));
	} else if (!present) {
		TRY(plan_step_reason(st, "the portfolio is not shared with this %s", label));
		TRY(str_change(st, "shared", NULL, value));
		TRY(plan_step_access(st, "shares the portfolio with %s %s", label, value));
	}
out:
	return rc < 0 ? rc : FCC_OK;
}

static int shares(ctx *c)
{
	const desired *d = c->d;
	const state_snapshot *s = c->s;
	int one = s->portfolio.count == 1, rc = FCC_OK, present;
	size_t i, j;

	for (i = 0; i < d->share_accounts.n; i++)
		TRY(share_step(c, "ACCOUNT", "account", d->share_accounts.v[i],
			       one && kv_strs_has(&s->share_accounts, d->share_accounts.v[i]), 1));
	for (i = 0; one && i < s->share_accounts.n; i++)
		if (!kv_strs_has(&d->share_accounts, s->share_accounts.v[i]))
			TRY(share_step(c, "ACCOUNT", "account", s->share_accounts.v[i], 1, 0));
	for (i = 0; i < d->share_ous.n + (d->share_organization ? 1 : 0); i++) {
		int org = i == d->share_ous.n;
		const char *v = org ? d->share_organization : d->share_ous.v[i];
		const char *type = org ? "ORGANIZATION" : "ORGANIZATIONAL_UNIT";
		present = 0;
		for (j = 0; one && j < s->n_share_nodes; j++)
			present |= strcmp(s->share_nodes[j].type, type) == 0 &&
				   strcmp(s->share_nodes[j].value, v) == 0;
		TRY(share_step(c, type, org ? "organization" : "ou", v, present, 1));
	}
	for (j = 0; one && j < s->n_share_nodes; j++) {
		const state_org_node *n = &s->share_nodes[j];
		int org = strcmp(n->type, "ORGANIZATION") == 0;
		int wanted = org ? streq(d->share_organization, n->value)
				 : kv_strs_has(&d->share_ous, n->value);
		if (!wanted)
			TRY(share_step(c, n->type, org ? "organization" : "ou", n->value, 1, 0));
	}
out:
	return rc < 0 ? rc : FCC_OK;
}

/* Sharing with an organization or OUs needs Service Catalog's AWS
 * Organizations access; AWS refuses the share otherwise, so the plan says so
 * up front. NULL: not read (a snapshot from JSON without it), nothing said. */
static int org_access(ctx *c)
{
	const char *st = c->s->org_access;

	if (!(c->d->share_organization || c->d->share_ous.n) || !st || strcmp(st, "ENABLED") == 0)
		return FCC_OK;
	return error(c,
		     "catalog.shares: sharing with an organization or organizational units needs "
		     "AWS Organizations access for Service Catalog, which is %s: run `aws "
		     "servicecatalog enable-aws-organizations-access` in the organization's "
		     "management account",
		     *st ? st : "not reported");
}

/* The product an instance is made from (desired_from_json checked the name). */
static const prod_ctx *prod_of(const ctx *c, const char *name)
{
	size_t k;

	for (k = 0; k < c->d->n_products; k++)
		if (strcmp(c->d->products[k].name, name) == 0)
			return &c->pc[k];
	return &c->pc[0];
}

static int projects(ctx *c)
{
	const desired *d = c->d;
	size_t i, j;
	int rc = FCC_OK;

	for (i = 0; i < d->n_instances; i++) {
		const desired_instance *in = &d->instances[i];
		const state_project *have = state_find_project(c->s, in->name);
		const prod_ctx *pc = prod_of(c, in->product);
		char *address;
		plan_step *st;
		json_t *t;
		fcc_buf why;

		fcc_buf_init(&why, 4096);
		NEED(address = addr(c, "sagemaker-project:%s", in->name));
		st = plan_add_step(c->p, "sagemaker-project", address, in->name, PLAN_NOOP);
		fcc_free(address);
		NEED(st);
		TRY(attr_str(st, "name", in->name));
		TRY(attr_str(st, "description", in->description));
		NEED(t = kv_tags_to_json(&in->tags));
		TRY(plan_step_attr(st, "tags", t));
		TRY(attr_str(st, "product_id", pc->sp->present ? pc->sp->id : NULL));
		TRY(attr_str(st, "artifact_id", pc->artifact_id));
		TRY(attr_str(st, "artifact", pc->artifact_addr));
		TRY(plan_step_depend(st, pc->artifact_addr));
		TRY(plan_step_depend(st, pc->assoc_addr));
		TRY(plan_step_depend(st, pc->constraint_addr));
		TRY(plan_step_depend(st, c->seed_addr));
		for (j = 0; j < d->n_roles; j++) {
			char *ra = addr(c, "iam-role:%s", d->roles[j].name);
			NEED(ra);
			rc = plan_step_depend(st, ra);
			fcc_free(ra);
			TRY(rc);
		}
		if (!have || !have->present) {
			st->action = PLAN_CREATE;
			TRY(plan_step_reason(st, "no SageMaker project named \"%s\"", in->name));
			TRY(str_change(st, "provisioning_artifact", NULL,
				       pc->artifact_id ? pc->artifact_id : "(new version)"));
			fcc_buf_dispose(&why);
			continue;
		}
		if (streq(have->status, "CreateFailed")) {
			/* SageMaker refuses UpdateProject on it and CreateProject with its
			 * name until it is deleted; fcc deletes nothing the spec keeps */
			TRY(error(c,
				  "sagemaker project %s is CreateFailed: SageMaker keeps a failed "
				  "project's name until it is deleted; delete it (aws sagemaker "
				  "delete-project --project-name %s) and apply again",
				  in->name, in->name));
			fcc_buf_dispose(&why);
			continue;
		}
		/* SageMaker's UpdateProject changes the version, never the product */
		if (have->product_id &&
		    (!pc->sp->present || !streq(have->product_id, pc->sp->id))) {
			TRY(error(c,
				  "sagemaker project %s was provisioned from product %s, not %s "
				  "(%s): fcc will not replace it",
				  in->name, have->product_id, pc->dp->name,
				  pc->sp->present ? pc->sp->id : "not created yet"));
			fcc_buf_dispose(&why);
			continue;
		}
		if (!pc->artifact_id || !streq(have->artifact_id, pc->artifact_id)) {
			TRY(str_change(st, "provisioning_artifact", have->artifact_id,
				       pc->artifact_id ? pc->artifact_id : "(new version)"));
			TRY(fcc_buf_puts(&why, "the project runs another product version"));
		} else if (streq(have->status, "UpdateFailed")) {
			/* the last UpdateProject failed and Service Catalog rolled the
			 * stack back: DescribeProject names the version asked for, but
			 * the stack runs the previous one; UpdateProject again */
			TRY(str_change(st, "status", have->status, "UpdateCompleted"));
			TRY(fcc_buf_puts(&why,
					 "its last update failed (UpdateFailed) and its stack "
					 "was rolled back to the previous version"));
		}
		if (have->pipeline && d->pipeline.definition &&
		    !diff_json_equal(have->pipeline, d->pipeline.definition)) {
			TRY(diff_json_changes(st, "pipeline_definition", have->pipeline,
					      d->pipeline.definition));
			TRY(plan_step_doc(st, "pipeline_definition", have->pipeline,
					  d->pipeline.definition));
			TRY(fcc_buf_printf(&why,
					   "%sits pipeline definition differs from the "
					   "compiled %s",
					   why.len ? "; " : "", d->pipeline.definition_path));
		}
		if (st->n_changes) {
			st->action = PLAN_UPDATE;
			TRY(plan_step_reason(st, "%s", fcc_buf_cstr(&why)));
		}
		fcc_buf_dispose(&why);
		continue;
	out:
		fcc_buf_dispose(&why);
		return rc < 0 ? rc : FCC_ENOMEM;
	}
	return FCC_OK;
}

/* ---- stacks fcc owns ---------------------------------------------------- */

static int tags_equal(const kv_tags *a, const kv_tags *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (!streq(kv_tags_get(b, a->v[i].key), a->v[i].value))
			return 0;
	return 1;
}

int diff_stack_differs(const desired_stack *want, const state_stack *have)
{
	if (!have || !have->present)
		return 1;
	return !streq(have->template_sha256, want->sha256) || !tags_equal(&have->tags, &want->tags);
}

/* "<stack>" in cfn_deploy_way_out's text is the stack's name. */
static void way_out(char *out, size_t cap, const char *status, const char *stack)
{
	const char *w = cfn_deploy_way_out(status), *p;
	size_t n = 0;

	out[0] = '\0';
	for (p = w; p && *p && n + 1 < cap; p++) {
		if (strncmp(p, "<stack>", 7) == 0) {
			n += (size_t)snprintf(out + n, cap - n, "%s", stack);
			if (n >= cap)
				n = cap - 1;
			p += 6;
			continue;
		}
		out[n++] = *p;
		out[n] = '\0';
	}
	if (!out[0])
		snprintf(out, cap,
			 "wait for it to finish, or fix it in the CloudFormation console");
}

/* resources.<LogicalId>: {Action, Replacement, Changes}: what the change set
 * says CloudFormation will do to each resource. Sets *replaces when a
 * resource is (or may be) replaced. */
static int preview_changes(plan_step *st, const state_stack *have, int *replaces, fcc_buf *who)
{
	size_t i, j;
	int rc = FCC_OK;

	for (i = 0; i < have->n_changes; i++) {
		const state_stack_change *ch = &have->changes[i];
		json_t *after = NULL, *targets = NULL;
		char path[600];
		int repl = ch->replacement && (strcmp(ch->replacement, "True") == 0 ||
					       strcmp(ch->replacement, "Conditional") == 0);

		NEED(targets = json_array());
		for (j = 0; j < ch->targets.n; j++)
			if (json_array_append_new(targets, json_string(ch->targets.v[j]))) {
				json_decref(targets);
				rc = FCC_ENOMEM;
				goto out;
			}
		after = json_pack("{s:s, s:s*, s:s*, s:o}", "Action", ch->action, "ResourceType",
				  ch->resource_type, "Replacement", ch->replacement, "Changes",
				  targets);
		NEED(after);
		snprintf(path, sizeof path, "resources.%s", ch->logical_id);
		rc = plan_step_change(st, path, NULL, after);
		json_decref(after);
		TRY(rc);
		if (repl || strcmp(ch->action, "Remove") == 0) {
			*replaces = 1;
			TRY(fcc_buf_printf(who, "%s%s (%s%s)", who->len ? ", " : "", ch->logical_id,
					   ch->resource_type ? ch->resource_type : "resource",
					   repl ? strcmp(ch->replacement, "True") == 0
							   ? ", replaced"
							   : ", may be replaced"
						: ", removed"));
		}
	}
out:
	return rc < 0 ? rc : FCC_OK;
}

static int stack_step(ctx *c, const desired_stack *ds)
{
	const state_stack *have = state_find_stack(c->s, ds->name);
	cfn_status_kind kind =
		have && have->present ? cfn_deploy_status_kind(have->status) : CFN_STATUS_UNKNOWN;
	char *address = addr(c, "cfn-stack:%s", ds->name);
	plan_step *st;
	json_t *t;
	fcc_buf who;
	size_t i;
	int rc = FCC_OK, replaces = 0;

	fcc_buf_init(&who, 4096);
	NEED(address);
	st = plan_add_step(c->p, "cfn-stack", address, ds->name, PLAN_NOOP);
	NEED(st);
	TRY(attr_str(st, "stack_name", ds->name));
	TRY(attr_str(st, "purpose", ds->purpose));
	TRY(attr_str(st, "template_path", ds->template_path));
	TRY(attr_str(st, "sha256", ds->sha256));
	TRY(attr_str(st, "bucket", ds->bucket));
	TRY(attr_str(st, "status", have && have->present ? have->status : NULL));
	NEED(t = kv_tags_to_json(&ds->tags));
	TRY(plan_step_attr(st, "tags", t));
	if (!have || !have->present || kind == CFN_STATUS_REVIEW) {
		json_t *body = ds->body ? json_string(ds->body) : NULL;
		st->action = PLAN_CREATE;
		TRY(plan_step_reason(st, "%s: created through a change set (CREATE)",
				     !have || !have->present ? "no such stack"
							     : "only a change set made it "
							       "(REVIEW_IN_PROGRESS)"));
		if (ds->body && !body) {
			rc = FCC_ENOMEM;
			goto out;
		}
		rc = body ? plan_step_change(st, "template", NULL, body)
			  : str_change(st, "template_sha256", NULL, ds->sha256);
		json_decref(body);
		TRY(rc);
		TRY(tag_changes(st, &(kv_tags){0}, &ds->tags, NULL));
		goto deps;
	}
	if (have->status && strcmp(have->status, "ROLLBACK_COMPLETE") == 0) {
		/* a failed first create: CloudFormation only lets it be deleted */
		st->action = PLAN_REPLACE;
		TRY(plan_step_reason(st,
				     "the stack is ROLLBACK_COMPLETE (its first create "
				     "failed%s%s): it is deleted and created again",
				     have->status_reason ? ": " : "",
				     have->status_reason ? have->status_reason : ""));
		TRY(str_change(st, "status", have->status, "CREATE_COMPLETE"));
		TRY(str_change(st, "template_sha256", have->template_sha256, ds->sha256));
		goto deps;
	}
	if (kind == CFN_STATUS_IN_PROGRESS || !cfn_deploy_status_updatable(have->status)) {
		char w[600];
		way_out(w, sizeof w, have->status, ds->name);
		TRY(error(c, "stack %s is %s%s%s%s: %s", ds->name,
			  have->status ? have->status : "?", have->status_reason ? " (" : "",
			  have->status_reason ? have->status_reason : "",
			  have->status_reason ? ")" : "", w));
		goto deps;
	}
	if (!diff_stack_differs(ds, have))
		goto deps; /* same bytes, same tags, a settled status: nothing to ask */
	if (have->previewed && have->preview_error) {
		TRY(error(c, "previewing stack %s's change set failed: %s", ds->name,
			  have->preview_error));
		goto deps;
	}
	TRY(str_change(st, "template_sha256", have->template_sha256, ds->sha256));
	TRY(tag_changes(st, &have->tags, &ds->tags, NULL));
	if (have->previewed && have->preview_no_changes && !have->n_changes) {
		/* e.g. only the Description changed: CloudFormation has nothing to do
		 * and an empty change set cannot be executed */
		TRY(plan_step_reason(st, "the template text differs, but CloudFormation finds no "
					 "resource to change"));
		goto deps;
	}
	if (have->previewed)
		TRY(preview_changes(st, have, &replaces, &who));
	st->action = replaces ? PLAN_REPLACE : PLAN_UPDATE;
	if (replaces)
		TRY(plan_step_reason(st,
				     "REPLACEMENT: the change set replaces or removes %s; the "
				     "old bucket and its objects are kept (Retain) but fcc "
				     "moves to the new one",
				     fcc_buf_cstr(&who)));
	else
		TRY(plan_step_reason(st, "%s: updated through a change set (UPDATE)%s",
				     !streq(have->template_sha256, ds->sha256)
					     ? "the stack's template differs from the build"
					     : "the stack's tags differ",
				     have->previewed ? "" : "; not previewed"));
deps:
	/* everything that lives in the bucket waits for its stack */
	if (strcmp(ds->purpose, DESIRED_STACK_ARTIFACTS) == 0)
		for (i = 0; i < c->p->n_steps; i++)
			if (strcmp(c->p->steps[i].kind, "s3-object") == 0 &&
			    strcmp(c->p->steps[i].address, address) != 0)
				TRY(plan_step_depend(&c->p->steps[i], address));
out:
	fcc_free(address);
	fcc_buf_dispose(&who);
	return rc < 0 ? rc : FCC_OK;
}

static int stacks(ctx *c)
{
	size_t i;
	int rc;

	for (i = 0; i < c->d->n_stacks; i++)
		if ((rc = stack_step(c, &c->d->stacks[i])) != FCC_OK)
			return rc;
	return FCC_OK;
}

int diff_compute(plan *out, const desired *d, const state_snapshot *s, const diff_opts *o,
		 fcc_err *e)
{
	ctx c;
	size_t k;
	int rc = FCC_OK;

	plan_init(out);
	memset(&c, 0, sizeof c);
	c.p = out;
	c.d = d;
	c.s = s;
	if (o)
		c.o = *o;
	fcc_buf_init(&c.a, 1 << 16);
	iam_patch_key(c.patch_key, d->project, d->environment);
	if (s->portfolio.count > 1) {
		rc = fcc_err_set(e, FCC_ECONFLICT,
				 "%d portfolios are named \"%s\" and fcc cannot tell which is its "
				 "own: tag one fcc:project=%s or rename the others",
				 s->portfolio.count, d->portfolio.name, d->project);
		goto out;
	}
	memcpy(out->manifest_sha256, d->manifest_sha256, sizeof out->manifest_sha256);
	NEED(out->project = fcc_strdup(d->project));
	NEED(out->spec_sha256 = fcc_strdup(d->spec_sha256));
	if (d->environment)
		NEED(out->environment = fcc_strdup(d->environment));
	if ((rc = state_observations(&out->observations, s, e)) != FCC_OK)
		goto out;
	TRY(objects(&c));
	TRY(roles(&c));
	TRY(portfolio(&c));
	NEED(c.pc = fcc_calloc(d->n_products + 1, sizeof *c.pc));
	for (k = 0; k < d->n_products; k++) {
		static const state_product absent;
		const state_product *sp = state_find_product(s, d->products[k].name);
		c.pc[k].dp = &d->products[k];
		c.pc[k].sp = sp ? sp : &absent;
		TRY(product(&c, &c.pc[k]));
		TRY(artifacts(&c, &c.pc[k]));
		TRY(association(&c, &c.pc[k]));
		TRY(constraint(&c, &c.pc[k]));
	}
	for (k = 0; k < s->n_products; k++)
		if (!desired_product_named(d, s->products[k].name))
			TRY(dropped_product(&c, &s->products[k]));
	TRY(principals(&c));
	TRY(shares(&c));
	TRY(org_access(&c));
	TRY(projects(&c));
	TRY(stacks(&c));
	if (s->validation.template && !s->validation.ok)
		TRY(error(&c, "the product template %s fails CloudFormation validation: %s",
			  d->products[0].version.template_path,
			  s->validation.error ? s->validation.error : "no message"));
	plan_sort(out);
out:
	fcc_buf_dispose(&c.a);
	fcc_free(c.seed_addr);
	fcc_free(c.template_addr);
	fcc_free(c.portfolio_addr);
	for (k = 0; c.pc && k < d->n_products; k++) {
		fcc_free(c.pc[k].product_addr);
		fcc_free(c.pc[k].artifact_addr);
		fcc_free(c.pc[k].assoc_addr);
		fcc_free(c.pc[k].constraint_addr);
	}
	fcc_free(c.pc);
	if (rc < 0) {
		plan_dispose(out);
		if (rc == FCC_ENOMEM)
			fcc_err_set(e, rc, "out of memory");
		return rc;
	}
	return FCC_OK;
}
