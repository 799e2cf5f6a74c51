/*
 * plan_file.c — saved plans (fcc-planfile/1) and staleness; see plan.h.
 *
 * A plan file holds the plan (fcc-plan/1), the desired manifest's sha256, the
 * fingerprint of every observation the plan was computed from (absent things
 * included: "no such object" has a fingerprint of its own, so a plan made
 * against an empty account is stale once anyone creates what it would), and a
 * checksum over all of that, so a truncated or hand-edited file is refused
 * instead of applied.
 */
#include "runtime/plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "compiler/base/source.h"
#include "compiler/base/version.h"

#define PLAN_FILE_MAX ((size_t)256 << 20)

static void jfree(void *p)
{
	json_malloc_t m;
	json_free_t f;

	json_get_alloc_funcs(&m, &f);
	f(p);
}

static json_t *observations_json(const state_obs_list *l)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o && i < l->n; i++)
		if (json_object_set_new(o, l->v[i].id, json_string(l->v[i].fingerprint)) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* sha256 over the canonical text of the plan and the observations. */
static int checksum(char out[FCC_SHA256_HEX_LEN + 1], const json_t *plan_j, const json_t *obs)
{
	json_t *both = json_pack("{s:O, s:O}", "observations", obs, "plan", plan_j);
	char *t;
	int rc;

	if (!both)
		return FCC_ENOMEM;
	t = json_dumps(both, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	json_decref(both);
	if (!t)
		return FCC_ENOMEM;
	rc = fcc_sha256_hex(out, t, strlen(t));
	jfree(t);
	return rc;
}

char *plan_file_dumps(const plan *p)
{
	json_t *pj = plan_to_json(p), *obs = observations_json(&p->observations), *root = NULL;
	char sum[FCC_SHA256_HEX_LEN + 1], *t = NULL, *copy = NULL;

	if (!pj || !obs || checksum(sum, pj, obs) != FCC_OK)
		goto out;
	root = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O}", "format", PLAN_FILE_FORMAT,
			 "fcc_version", FCC_VERSION, "manifest_sha256", p->manifest_sha256,
			 "checksum", sum, "observations", obs, "plan", pj);
	if (!root)
		goto out;
	t = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	if (t)
		copy = fcc_strdup(t);
out:
	if (t)
		jfree(t);
	json_decref(root);
	json_decref(pj);
	json_decref(obs);
	return copy;
}

int plan_file_loads(plan *out, const char *text, size_t len, fcc_err *e)
{
	json_t *root, *v, *obs, *pj;
	char sum[FCC_SHA256_HEX_LEN + 1];
	json_error_t je;
	const char *k;
	int rc;

	plan_init(out);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return fcc_err_set(e, FCC_EPARSE, "plan file: not valid JSON (line %d: %s)",
				   je.line, je.text);
	v = json_object_get(root, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), PLAN_FILE_FORMAT) != 0) {
		rc = fcc_err_set(e, FCC_EPARSE, "plan file: format: expected \"%s\"",
				 PLAN_FILE_FORMAT);
		goto out;
	}
	obs = json_object_get(root, "observations");
	pj = json_object_get(root, "plan");
	v = json_object_get(root, "checksum");
	if (!json_is_object(obs) || !json_is_object(pj) || !json_is_string(v)) {
		rc = fcc_err_set(e, FCC_EPARSE,
				 "plan file: corrupt (plan, observations or checksum "
				 "missing)");
		goto out;
	}
	if ((rc = checksum(sum, pj, obs)) != FCC_OK) {
		rc = fcc_err_set(e, rc, "out of memory");
		goto out;
	}
	if (strcmp(sum, json_string_value(v)) != 0) {
		rc = fcc_err_set(e, FCC_EPARSE,
				 "plan file: corrupt (checksum mismatch: the file was "
				 "changed after fcc wrote it)");
		goto out;
	}
	if ((rc = plan_from_json(out, pj, e)) != FCC_OK)
		goto out;
	v = json_object_get(root, "manifest_sha256");
	if (!json_is_string(v) || strcmp(json_string_value(v), out->manifest_sha256) != 0) {
		rc = fcc_err_set(e, FCC_EPARSE,
				 "plan file: manifest_sha256 disagrees with the plan");
		goto out;
	}
	json_object_foreach(obs, k, v) {
		state_obs *o;
		if (!json_is_string(v) || json_string_length(v) != FCC_SHA256_HEX_LEN) {
			rc = fcc_err_set(e, FCC_EPARSE,
					 "plan file: observations.%s: expected a sha256", k);
			goto out;
		}
		o = fcc_realloc(out->observations.v, (out->observations.n + 1) * sizeof *o);
		if (!o) {
			rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
			goto out;
		}
		out->observations.v = o;
		o += out->observations.n;
		if (!(o->id = fcc_strdup(k))) {
			rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
			goto out;
		}
		memcpy(o->fingerprint, json_string_value(v), FCC_SHA256_HEX_LEN + 1);
		out->observations.n++;
	}
out:
	json_decref(root);
	if (rc != FCC_OK)
		plan_dispose(out);
	return rc;
}

int plan_save(const plan *p, const char *path, fcc_err *e)
{
	char *text = plan_file_dumps(p), *tmp = NULL;
	size_t n = strlen(path) + 5;
	FILE *f = NULL;
	int rc = FCC_OK;

	if (!text || !(tmp = fcc_malloc(n))) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(tmp, n, "%s.tmp", path);
	if (!(f = fopen(tmp, "wb"))) {
		rc = fcc_err_set(e, FCC_EIO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fwrite(text, 1, strlen(text), f) != strlen(text) || fputc('\n', f) == EOF) {
		rc = fcc_err_set(e, FCC_EIO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = fcc_err_set(e, FCC_EIO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0)
		rc = fcc_err_set(e, FCC_EIO, "%s: %s", path, strerror(errno));
out:
	if (f)
		fclose(f);
	if (rc != FCC_OK && tmp)
		remove(tmp);
	fcc_free(tmp);
	fcc_free(text);
	return rc;
}

int plan_load(plan *out, const char *path, fcc_err *e)
{
	fcc_source *src = NULL;
	int rc;

	plan_init(out);
	if ((rc = fcc_source_load(&src, path, PLAN_FILE_MAX, e)) != FCC_OK)
		return rc;
	rc = plan_file_loads(out, src->data, src->len, e);
	if (rc == FCC_EPARSE && e) {
		/* name the file in front of the message */
		char msg[sizeof e->msg];
		memcpy(msg, e->msg, sizeof msg);
		fcc_err_set(e, rc, "%.200s: %.800s", path, msg);
	}
	fcc_source_free(src);
	return rc;
}

static int stale_add(plan_stale_report *r, const char *id, const char *what)
{
	plan_stale_item *v = fcc_realloc(r->v, (r->n + 1) * sizeof *v);

	if (!v)
		return FCC_ENOMEM;
	r->v = v;
	if (!(v[r->n].id = fcc_strdup(id)))
		return FCC_ENOMEM;
	v[r->n++].what = what;
	return FCC_OK;
}

int plan_stale(plan_stale_report *out, const plan *saved, const state_snapshot *fresh, fcc_err *e)
{
	const state_obs_list *a = &saved->observations;
	state_obs_list b;
	size_t i = 0, j = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = state_observations(&b, fresh, e)) != FCC_OK)
		return rc;
	/* both lists are sorted by id: merge */
	while (rc == FCC_OK && (i < a->n || j < b.n)) {
		int c = i == a->n ? 1 : j == b.n ? -1 : strcmp(a->v[i].id, b.v[j].id);
		if (c < 0)
			rc = stale_add(out, a->v[i++].id, "no longer observed");
		else if (c > 0)
			rc = stale_add(out, b.v[j++].id, "newly observed");
		else {
			if (strcmp(a->v[i].fingerprint, b.v[j].fingerprint) != 0)
				rc = stale_add(out, a->v[i].id, "changed");
			i++, j++;
		}
	}
	state_obs_list_dispose(&b);
	if (rc != FCC_OK) {
		plan_stale_report_dispose(out);
		return fcc_err_set(e, rc, "out of memory");
	}
	return FCC_OK;
}

void plan_stale_report_dispose(plan_stale_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		fcc_free(r->v[i].id);
	fcc_free(r->v);
	r->v = NULL;
	r->n = 0;
}
