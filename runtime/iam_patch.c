/*
 * iam_patch.c — fcc's record of the IAM patches it made (see iam_patch.h):
 * the tag key, the item encoding, and the two pure decisions built on them:
 * what a project's record holds after an apply, and what its destroy takes
 * back.
 */
#include "runtime/iam_patch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"
#include "compiler/base/hash.h"
#include "runtime/diff.h" /* diff_trust_is_fcc, diff_trust_merge */

void iam_patch_key(char out[IAM_PATCH_KEY_MAX + 1], const char *project, const char *environment)
{
	char hex[FCC_SHA256_HEX_LEN + 1];
	char name[1024];
	int n;

	n = snprintf(name, sizeof name, "%s%s%s", project ? project : "", environment ? ":" : "",
		     environment ? environment : "");
	if (n >= 0 && strlen(IAM_PATCH_PREFIX) + (size_t)n <= IAM_PATCH_KEY_MAX) {
		memcpy(out, IAM_PATCH_PREFIX, strlen(IAM_PATCH_PREFIX));
		memcpy(out + strlen(IAM_PATCH_PREFIX), name, (size_t)n + 1);
		return;
	}
	/* too long for a tag key: a hash names the project just as uniquely.
	 * Spec names are far shorter than `name` (project names are at most 32
	 * characters), so the hash is of the whole name. */
	if (fcc_sha256_hex(hex, name, strlen(name)) != FCC_OK)
		memset(hex, '0', sizeof hex - 1), hex[sizeof hex - 1] = '\0';
	snprintf(out, IAM_PATCH_KEY_MAX + 1, "%s%s", IAM_PATCH_PREFIX, hex);
}

void iam_patch_item(char out[IAM_PATCH_ITEM_LEN + 1], char kind, const char *name)
{
	char hex[FCC_SHA256_HEX_LEN + 1];

	if (fcc_sha256_hex(hex, name, strlen(name)) != FCC_OK)
		memset(hex, '0', sizeof hex - 1), hex[sizeof hex - 1] = '\0';
	out[0] = kind;
	memcpy(out + 1, hex, IAM_PATCH_ITEM_LEN - 1);
	out[IAM_PATCH_ITEM_LEN] = '\0';
}

static int item_ok(const char *s, size_t n)
{
	size_t i;

	if (n != IAM_PATCH_ITEM_LEN || (s[0] != 'p' && s[0] != 's'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int iam_patch_decode(kv_strs *out, const char *value, fcc_err *e)
{
	const char *p = value ? value : "";
	char item[IAM_PATCH_ITEM_LEN + 1];
	int rc;

	while (*p) {
		size_t n;
		if (*p == ' ') {
			p++;
			continue;
		}
		n = strcspn(p, " ");
		if (!item_ok(p, n)) {
			kv_strs_dispose(out);
			return fcc_err_set(e, FCC_EPARSE, "fcc:patch tag: bad item '%.*s'",
					   (int)(n > 40 ? 40 : n), p);
		}
		memcpy(item, p, n);
		item[n] = '\0';
		if (!kv_strs_has(out, item) && (rc = kv_strs_push(out, item)) != FCC_OK) {
			kv_strs_dispose(out);
			return fcc_err_set(e, rc, "out of memory");
		}
		p += n;
	}
	return FCC_OK;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int iam_patch_encode(char **out, const kv_strs *items, fcc_err *e)
{
	const char **v = NULL;
	fcc_buf b;
	size_t i, n = 0;
	int rc = FCC_OK;

	*out = NULL;
	if (!items->n)
		return FCC_OK;
	fcc_buf_init(&b, 1 << 16);
	if (!(v = fcc_calloc(items->n, sizeof *v))) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < items->n; i++)
		v[n++] = items->v[i];
	qsort(v, n, sizeof *v, cmp_cstr);
	for (i = 0; i < n && rc == FCC_OK; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			rc = fcc_buf_printf(&b, "%s%s", b.len ? " " : "", v[i]);
	if (rc != FCC_OK) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	if (b.len > IAM_PATCH_VALUE_MAX) {
		rc = fcc_err_set(e, FCC_ECONFLICT,
				 "fcc:patch tag: %zu characters, more than IAM's %d: too many "
				 "policies and services patched on one role",
				 b.len, IAM_PATCH_VALUE_MAX);
		goto out;
	}
	if (!(*out = fcc_buf_take(&b, NULL)))
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
out:
	fcc_free(v);
	fcc_buf_dispose(&b);
	return rc;
}

static int record_has(const char *value, const char *item)
{
	const char *p = value;
	size_t n = strlen(item);

	while (p && *p) {
		size_t m = strcspn(p, " ");
		if (m == n && memcmp(p, item, n) == 0)
			return 1;
		p += m;
		while (*p == ' ')
			p++;
	}
	return 0;
}

int iam_patch_claimed_by_others(const kv_tags *records, const char *self_key, const char *item)
{
	size_t i, pl = strlen(IAM_PATCH_PREFIX);

	for (i = 0; i < records->n; i++)
		if (strncmp(records->v[i].key, IAM_PATCH_PREFIX, pl) == 0 &&
		    strcmp(records->v[i].key, self_key) != 0 &&
		    record_has(records->v[i].value, item))
			return 1;
	return 0;
}

int iam_patch_fcc_services(kv_strs *out, const json_t *doc)
{
	const json_t *stmts = doc ? json_object_get(doc, "Statement") : NULL;
	size_t i, j,
		nst = json_is_array(stmts)    ? json_array_size(stmts)
		      : json_is_object(stmts) ? 1
					      : 0;
	int rc;

	for (i = 0; i < nst; i++) {
		const json_t *st = json_is_array(stmts) ? json_array_get(stmts, i) : stmts;
		const json_t *svc = json_object_get(json_object_get(st, "Principal"), "Service");
		if (!diff_trust_is_fcc(st))
			continue;
		if (json_is_string(svc) && !kv_strs_has(out, json_string_value(svc)) &&
		    (rc = kv_strs_push(out, json_string_value(svc))) != FCC_OK)
			return rc;
		for (j = 0; json_is_array(svc) && j < json_array_size(svc); j++) {
			const char *s = json_string_value(json_array_get(svc, j));
			if (s && !kv_strs_has(out, s) && (rc = kv_strs_push(out, s)) != FCC_OK)
				return rc;
		}
	}
	return FCC_OK;
}

int iam_patch_services(kv_strs *out, const state_role *have, const desired_role *want,
		       const char *self_key)
{
	kv_strs in_fcc = {0};
	char item[IAM_PATCH_ITEM_LEN + 1];
	size_t i;
	int rc = FCC_OK;

	for (i = 0; rc == FCC_OK && i < want->trust_services.n; i++)
		if (!kv_strs_has(out, want->trust_services.v[i]))
			rc = kv_strs_push(out, want->trust_services.v[i]);
	if (rc == FCC_OK && have)
		rc = iam_patch_fcc_services(&in_fcc, have->trust_policy);
	for (i = 0; rc == FCC_OK && have && i < in_fcc.n; i++) {
		iam_patch_item(item, 's', in_fcc.v[i]);
		if (iam_patch_claimed_by_others(&have->patch_records, self_key, item) &&
		    !kv_strs_has(out, in_fcc.v[i]))
			rc = kv_strs_push(out, in_fcc.v[i]);
	}
	kv_strs_dispose(&in_fcc);
	return rc;
}

/* Decide one candidate: keep it in the record? */
static int keep(const kv_strs *own, const kv_tags *records, const char *self_key, char kind,
		const char *name, int added_now, int wanted)
{
	char item[IAM_PATCH_ITEM_LEN + 1];

	iam_patch_item(item, kind, name);
	return added_now || kv_strs_has(own, item) ||
	       (wanted && iam_patch_claimed_by_others(records, self_key, item));
}

int iam_patch_record_after(char **out, const state_role *have, const desired_role *want,
			   const char *self_key, const kv_strs *attach, const json_t *trust_after,
			   const kv_strs *added, fcc_err *e)
{
	kv_strs own = {0}, items = {0}, svcs = {0};
	char item[IAM_PATCH_ITEM_LEN + 1];
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = iam_patch_decode(&own, kv_tags_get(&have->patch_records, self_key), e)) != FCC_OK)
		return rc;
	for (i = 0; rc == FCC_OK && i < have->attached_policies.n; i++) {
		const char *p = have->attached_policies.v[i];
		if (keep(&own, &have->patch_records, self_key, 'p', p, kv_strs_has(attach, p),
			 kv_strs_has(&want->attach_policies, p))) {
			iam_patch_item(item, 'p', p);
			rc = kv_strs_push(&items, item);
		}
	}
	for (i = 0; rc == FCC_OK && i < attach->n; i++) {
		iam_patch_item(item, 'p', attach->v[i]);
		rc = kv_strs_push(&items, item);
	}
	if (rc == FCC_OK)
		rc = iam_patch_fcc_services(&svcs, trust_after ? trust_after : have->trust_policy);
	for (i = 0; rc == FCC_OK && i < svcs.n; i++)
		if (keep(&own, &have->patch_records, self_key, 's', svcs.v[i],
			 added && kv_strs_has(added, svcs.v[i]),
			 kv_strs_has(&want->trust_services, svcs.v[i]))) {
			iam_patch_item(item, 's', svcs.v[i]);
			rc = kv_strs_push(&items, item);
		}
	if (rc != FCC_OK)
		rc = fcc_err_set(e, rc, "out of memory");
	else
		rc = iam_patch_encode(out, &items, e);
	kv_strs_dispose(&own);
	kv_strs_dispose(&items);
	kv_strs_dispose(&svcs);
	return rc;
}

int iam_patch_undo(kv_strs *detach, kv_strs *untrust, json_t **trust_after, const state_role *have,
		   const char *self_key, fcc_err *e)
{
	kv_strs own = {0}, svcs = {0}, left = {0};
	char item[IAM_PATCH_ITEM_LEN + 1];
	const char *mine = kv_tags_get(&have->patch_records, self_key);
	size_t i;
	int rc;

	*trust_after = NULL;
	if (!mine)
		return FCC_OK;
	if ((rc = iam_patch_decode(&own, mine, e)) != FCC_OK)
		return rc;
	for (i = 0; rc == FCC_OK && i < have->attached_policies.n; i++) {
		iam_patch_item(item, 'p', have->attached_policies.v[i]);
		if (kv_strs_has(&own, item) &&
		    !iam_patch_claimed_by_others(&have->patch_records, self_key, item))
			rc = kv_strs_push(detach, have->attached_policies.v[i]);
	}
	if (rc == FCC_OK)
		rc = iam_patch_fcc_services(&svcs, have->trust_policy);
	for (i = 0; rc == FCC_OK && i < svcs.n; i++) {
		iam_patch_item(item, 's', svcs.v[i]);
		if (kv_strs_has(&own, item) &&
		    !iam_patch_claimed_by_others(&have->patch_records, self_key, item))
			rc = kv_strs_push(untrust, svcs.v[i]);
		else
			rc = kv_strs_push(&left, svcs.v[i]);
	}
	/* fcc's statement rewritten to the services that stay (dropped when
	 * none do); every other statement is kept as it is */
	if (rc == FCC_OK && untrust->n)
		rc = diff_trust_merge(trust_after, have->trust_policy, &left, NULL);
	kv_strs_dispose(&own);
	kv_strs_dispose(&svcs);
	kv_strs_dispose(&left);
	if (rc != FCC_OK) {
		kv_strs_dispose(detach);
		kv_strs_dispose(untrust);
		json_decref(*trust_after);
		*trust_after = NULL;
		return fcc_err_set(e, rc, "out of memory");
	}
	return FCC_OK;
}
