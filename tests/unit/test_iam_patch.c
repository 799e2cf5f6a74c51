/*
 * test_iam_patch.c — fcc's record of its IAM patches (runtime/iam_patch.h):
 * the tag key (hashed past IAM's limit), item encode/decode round trips and
 * rejects, the 256-character cap, the record after an apply (what fcc adds,
 * what another project already recorded, never what was there before), the
 * trust-statement services kept for other projects, the undo (only what this
 * record alone holds; fcc's statement rewritten or dropped, other statements
 * untouched), and an out-of-memory sweep.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "runtime/diff.h"
#include "runtime/iam_patch.h"

#define POL_A "arn:aws:iam::aws:policy/AmazonForecastFullAccess"
#define POL_B "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
#define POL_OLD "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
#define SVC "forecast.amazonaws.com"
#define SVC2 "states.amazonaws.com"
#define SELF "fcc:patch:forecast-mlops"
#define OTHER "fcc:patch:other"

static json_t *trust_doc(const char *fcc_services)
{
	char text[1024];
	json_t *j;

	snprintf(
		text, sizeof text,
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
		"\"sts:AssumeRole\",\"Principal\":{\"Service\":[\"sagemaker.amazonaws.com\"]}}%s%s%s]}",
		fcc_services ? ",{\"Sid\":\"FccTrustedServices\",\"Effect\":\"Allow\",\"Action\":"
			       "\"sts:AssumeRole\",\"Principal\":{\"Service\":"
			     : "",
		fcc_services ? fcc_services : "", fcc_services ? "}}" : "");
	j = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(j);
	return j;
}

static char *item(char kind, const char *name)
{
	static char buf[4][IAM_PATCH_ITEM_LEN + 1];
	static int i;

	i = (i + 1) % 4;
	iam_patch_item(buf[i], kind, name);
	return buf[i];
}

/* A role as state_read would fill it. */
static void role(state_role *r, const char *fcc_services, const char *self_rec,
		 const char *other_rec, const char *p1, const char *p2)
{
	memset(r, 0, sizeof *r);
	r->name = fcc_strdup("R");
	r->present = 1;
	if (p1)
		ck_assert_int_eq(kv_strs_push(&r->attached_policies, p1), FCC_OK);
	if (p2)
		ck_assert_int_eq(kv_strs_push(&r->attached_policies, p2), FCC_OK);
	r->trust_policy = trust_doc(fcc_services);
	if (self_rec)
		ck_assert_int_eq(kv_tags_set(&r->patch_records, SELF, self_rec), FCC_OK);
	if (other_rec)
		ck_assert_int_eq(kv_tags_set(&r->patch_records, OTHER, other_rec), FCC_OK);
	ck_assert_int_eq(kv_tags_set(&r->patch_records, "team", "x"), FCC_OK);
}

static void role_dispose(state_role *r)
{
	fcc_free(r->name);
	kv_strs_dispose(&r->attached_policies);
	json_decref(r->trust_policy);
	kv_tags_dispose(&r->patch_records);
}

static void want(desired_role *w, const char *p1, const char *s1)
{
	memset(w, 0, sizeof *w);
	if (p1)
		ck_assert_int_eq(kv_strs_push(&w->attach_policies, p1), FCC_OK);
	if (s1)
		ck_assert_int_eq(kv_strs_push(&w->trust_services, s1), FCC_OK);
}

static void want_dispose(desired_role *w)
{
	kv_strs_dispose(&w->attach_policies);
	kv_strs_dispose(&w->trust_services);
}

START_TEST(test_iam_patch_key)
{
	char key[IAM_PATCH_KEY_MAX + 1], env[200];

	iam_patch_key(key, "forecast-mlops", NULL);
	ck_assert_str_eq(key, "fcc:patch:forecast-mlops");
	iam_patch_key(key, "forecast-mlops", "prod");
	ck_assert_str_eq(key, "fcc:patch:forecast-mlops:prod");
	memset(env, 'e', 150);
	env[150] = '\0';
	iam_patch_key(key, "forecast-mlops", env);
	/* past IAM's 128 characters: prefix + sha256 of "<project>:<env>" */
	ck_assert_uint_eq(strlen(key), strlen(IAM_PATCH_PREFIX) + 64);
	ck_assert_int_eq(strncmp(key, IAM_PATCH_PREFIX, strlen(IAM_PATCH_PREFIX)), 0);
	{
		char again[IAM_PATCH_KEY_MAX + 1];
		env[0] = 'f';
		iam_patch_key(again, "forecast-mlops", env);
		ck_assert_str_ne(key, again);
	}
}
END_TEST

START_TEST(test_iam_patch_encode_decode)
{
	kv_strs items = {0}, back = {0};
	fcc_err e = {0};
	char *v = NULL;
	int i;

	/* the item is the kind and the first 8 hex digits of sha256(name) */
	ck_assert_str_eq(item('p', POL_A), "p0b6430f8");
	ck_assert_str_eq(item('s', SVC), "sbb090061");
	ck_assert_int_eq(iam_patch_encode(&v, &items, &e), FCC_OK);
	ck_assert_ptr_null(v);
	kv_strs_push(&items, item('s', SVC));
	kv_strs_push(&items, item('p', POL_A));
	kv_strs_push(&items, item('p', POL_A));
	ck_assert_int_eq(iam_patch_encode(&v, &items, &e), FCC_OK);
	ck_assert_str_eq(v, "p0b6430f8 sbb090061"); /* sorted, duplicates dropped */
	ck_assert_int_eq(iam_patch_decode(&back, v, &e), FCC_OK);
	ck_assert_uint_eq(back.n, 2);
	ck_assert_str_eq(back.v[0], "p0b6430f8");
	ck_assert_str_eq(back.v[1], "sbb090061");
	kv_strs_dispose(&back);
	fcc_free(v);
	ck_assert_int_eq(iam_patch_decode(&back, "", &e), FCC_OK);
	ck_assert_uint_eq(back.n, 0);
	ck_assert_int_eq(iam_patch_decode(&back, "  p0b6430f8   ", &e), FCC_OK);
	ck_assert_uint_eq(back.n, 1);
	kv_strs_dispose(&back);
	ck_assert_int_eq(iam_patch_decode(&back, "p0b6430f8 arn:aws:iam::aws:policy/X", &e),
			 FCC_EPARSE);
	ck_assert_str_eq(e.msg, "fcc:patch tag: bad item 'arn:aws:iam::aws:policy/X'");
	ck_assert_uint_eq(back.n, 0);
	ck_assert_int_eq(iam_patch_decode(&back, "x0b6430f8", &e), FCC_EPARSE);
	ck_assert_int_eq(iam_patch_decode(&back, "p0B6430F8", &e), FCC_EPARSE);
	ck_assert_int_eq(iam_patch_decode(&back, "p0b6430f", &e), FCC_EPARSE);
	/* 25 items fit IAM's 256 characters, 26 do not */
	kv_strs_dispose(&items);
	for (i = 0; i < 25; i++) {
		char name[32];
		snprintf(name, sizeof name, "arn:p%d", i);
		kv_strs_push(&items, item('p', name));
	}
	ck_assert_int_eq(iam_patch_encode(&v, &items, &e), FCC_OK);
	ck_assert_uint_eq(strlen(v), 25 * 10 - 1);
	fcc_free(v);
	kv_strs_push(&items, item('s', SVC));
	ck_assert_int_eq(iam_patch_encode(&v, &items, &e), FCC_ECONFLICT);
	ck_assert_ptr_null(v);
	ck_assert_ptr_nonnull(strstr(e.msg, "more than IAM's 256"));
	kv_strs_dispose(&items);
}
END_TEST

START_TEST(test_iam_patch_claimed_by_others)
{
	state_role r;

	role(&r, NULL, "p0b6430f8", "sbb090061 p11111111", NULL, NULL);
	ck_assert_int_eq(iam_patch_claimed_by_others(&r.patch_records, SELF, "sbb090061"), 1);
	ck_assert_int_eq(iam_patch_claimed_by_others(&r.patch_records, SELF, "p11111111"), 1);
	/* its own record does not count, nor do tags that are not fcc's */
	ck_assert_int_eq(iam_patch_claimed_by_others(&r.patch_records, SELF, "p0b6430f8"), 0);
	ck_assert_int_eq(iam_patch_claimed_by_others(&r.patch_records, SELF, "x"), 0);
	ck_assert_int_eq(iam_patch_claimed_by_others(&r.patch_records, OTHER, "sbb090061"), 0);
	/* a prefix of an item is not the item */
	ck_assert_int_eq(iam_patch_claimed_by_others(&r.patch_records, SELF, "sbb09006"), 0);
	role_dispose(&r);
}
END_TEST

START_TEST(test_iam_patch_record_after_apply)
{
	state_role r;
	desired_role w;
	kv_strs attach = {0}, added = {0};
	json_t *merged = NULL;
	fcc_err e = {0};
	char *v = NULL;

	/* a clean role: fcc attaches the policy and adds the service: both recorded;
	 * the policy that was there before is not */
	role(&r, NULL, NULL, NULL, POL_OLD, NULL);
	want(&w, POL_A, SVC);
	kv_strs_push(&attach, POL_A);
	ck_assert_int_eq(diff_trust_merge(&merged, r.trust_policy, &w.trust_services, &added),
			 FCC_OK);
	ck_assert_int_eq(iam_patch_record_after(&v, &r, &w, SELF, &attach, merged, &added, &e),
			 FCC_OK);
	ck_assert_str_eq(v, "p0b6430f8 sbb090061");
	fcc_free(v);
	json_decref(merged);
	kv_strs_dispose(&attach);
	kv_strs_dispose(&added);
	role_dispose(&r);

	/* the policy was attached before any fcc: only the service is fcc's */
	role(&r, NULL, NULL, NULL, POL_A, NULL);
	ck_assert_int_eq(diff_trust_merge(&merged, r.trust_policy, &w.trust_services, &added),
			 FCC_OK);
	ck_assert_int_eq(iam_patch_record_after(&v, &r, &w, SELF, &attach, merged, &added, &e),
			 FCC_OK);
	ck_assert_str_eq(v, "sbb090061");
	fcc_free(v);
	json_decref(merged);
	kv_strs_dispose(&added);
	role_dispose(&r);

	/* everything in place and recorded by another project: this one records
	 * its need too; nothing already in place and unrecorded is taken */
	role(&r, "\"" SVC "\"", NULL, "p0b6430f8 sbb090061", POL_A, POL_B);
	ck_assert_int_eq(iam_patch_record_after(&v, &r, &w, SELF, &attach, NULL, NULL, &e), FCC_OK);
	ck_assert_str_eq(v, "p0b6430f8 sbb090061");
	fcc_free(v);
	role_dispose(&r);

	/* its own record is kept for what is still there, even when the spec
	 * dropped it; what is gone drops out */
	role(&r, "\"" SVC "\"", "p0b6430f8 sbb090061", NULL, POL_A, NULL);
	want_dispose(&w);
	want(&w, NULL, NULL);
	ck_assert_int_eq(iam_patch_record_after(&v, &r, &w, SELF, &attach, NULL, NULL, &e), FCC_OK);
	ck_assert_str_eq(v, "p0b6430f8 sbb090061");
	fcc_free(v);
	role_dispose(&r);
	role(&r, NULL, "p0b6430f8 sbb090061", NULL, NULL, NULL);
	ck_assert_int_eq(iam_patch_record_after(&v, &r, &w, SELF, &attach, NULL, NULL, &e), FCC_OK);
	ck_assert_ptr_null(v);
	role_dispose(&r);

	/* a record that does not parse is the caller's plan error */
	role(&r, NULL, "not-fcc", NULL, NULL, NULL);
	ck_assert_int_eq(iam_patch_record_after(&v, &r, &w, SELF, &attach, NULL, NULL, &e),
			 FCC_EPARSE);
	role_dispose(&r);
	want_dispose(&w);
}
END_TEST

START_TEST(test_iam_patch_services_kept_for_others)
{
	state_role r;
	desired_role w;
	kv_strs svcs = {0};

	/* fcc's statement trusts two services: SVC2 is another project's */
	role(&r, "[\"" SVC "\",\"" SVC2 "\",\"lambda.amazonaws.com\"]", NULL, item('s', SVC2), NULL,
	     NULL);
	want(&w, NULL, SVC);
	ck_assert_int_eq(iam_patch_services(&svcs, &r, &w, SELF), FCC_OK);
	ck_assert_uint_eq(svcs.n, 2);
	ck_assert_str_eq(svcs.v[0], SVC);
	ck_assert_str_eq(svcs.v[1], SVC2); /* not lambda: nobody recorded it */
	kv_strs_dispose(&svcs);
	ck_assert_int_eq(iam_patch_fcc_services(&svcs, r.trust_policy), FCC_OK);
	ck_assert_uint_eq(svcs.n, 3);
	kv_strs_dispose(&svcs);
	ck_assert_int_eq(iam_patch_fcc_services(&svcs, NULL), FCC_OK);
	ck_assert_uint_eq(svcs.n, 0);
	want_dispose(&w);
	role_dispose(&r);
}
END_TEST

START_TEST(test_iam_patch_undo)
{
	state_role r;
	kv_strs detach = {0}, untrust = {0};
	json_t *after = NULL, *st;
	fcc_err e = {0};

	/* no record: nothing */
	role(&r, "\"" SVC "\"", NULL, NULL, POL_A, NULL);
	ck_assert_int_eq(iam_patch_undo(&detach, &untrust, &after, &r, SELF, &e), FCC_OK);
	ck_assert_uint_eq(detach.n + untrust.n, 0);
	ck_assert_ptr_null(after);
	role_dispose(&r);

	/* its own record alone: the policy goes, fcc's statement is dropped,
	 * the other statement stays as it was; POL_OLD was never recorded */
	role(&r, "\"" SVC "\"", "p0b6430f8 sbb090061", NULL, POL_A, POL_OLD);
	ck_assert_int_eq(iam_patch_undo(&detach, &untrust, &after, &r, SELF, &e), FCC_OK);
	ck_assert_uint_eq(detach.n, 1);
	ck_assert_str_eq(detach.v[0], POL_A);
	ck_assert_uint_eq(untrust.n, 1);
	ck_assert_str_eq(untrust.v[0], SVC);
	ck_assert_ptr_nonnull(after);
	st = json_object_get(after, "Statement");
	ck_assert_uint_eq(json_array_size(st), 1);
	ck_assert_int_eq(
		diff_json_equal(json_array_get(st, 0),
				json_array_get(json_object_get(r.trust_policy, "Statement"), 0)),
		1);
	json_decref(after);
	kv_strs_dispose(&detach);
	kv_strs_dispose(&untrust);
	role_dispose(&r);

	/* another project's record holds the policy and SVC as this one's does,
	 * and SVC2 is in no record (there before fcc): nothing is undone */
	role(&r, "[\"" SVC "\",\"" SVC2 "\"]", "p0b6430f8 sbb090061", "p0b6430f8 sbb090061", POL_A,
	     NULL);
	ck_assert_int_eq(iam_patch_undo(&detach, &untrust, &after, &r, SELF, &e), FCC_OK);
	ck_assert_uint_eq(detach.n, 0);
	ck_assert_uint_eq(untrust.n, 0);
	ck_assert_ptr_null(after);
	role_dispose(&r);

	/* SVC2 is this project's alone, SVC the other's: fcc's statement keeps SVC */
	role(&r, "[\"" SVC "\",\"" SVC2 "\"]", NULL, "sbb090061", NULL, NULL);
	kv_tags_set(&r.patch_records, SELF, item('s', SVC2));
	ck_assert_int_eq(iam_patch_undo(&detach, &untrust, &after, &r, SELF, &e), FCC_OK);
	ck_assert_uint_eq(untrust.n, 1);
	ck_assert_str_eq(untrust.v[0], SVC2);
	st = json_array_get(json_object_get(after, "Statement"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(st, "Sid")), DIFF_TRUST_SID);
	ck_assert_str_eq(
		json_string_value(json_object_get(json_object_get(st, "Principal"), "Service")),
		SVC);
	json_decref(after);
	kv_strs_dispose(&untrust);
	role_dispose(&r);

	/* a bad record: nothing decided */
	role(&r, NULL, "bogus", NULL, POL_A, NULL);
	ck_assert_int_eq(iam_patch_undo(&detach, &untrust, &after, &r, SELF, &e), FCC_EPARSE);
	ck_assert_uint_eq(detach.n, 0);
	role_dispose(&r);
}
END_TEST

START_TEST(test_iam_patch_oom_sweep)
{
	state_role r;
	desired_role w;
	long n;
	int done = 0;

	json_set_alloc_funcs(fcc_malloc, fcc_free);
	role(&r, "[\"" SVC "\",\"" SVC2 "\"]", "p0b6430f8 sbb090061", item('s', SVC2), POL_A,
	     POL_B);
	want(&w, POL_B, SVC2);
	for (n = 1; !done && n < 5000; n++) {
		kv_strs detach = {0}, untrust = {0}, attach = {0}, svcs = {0};
		json_t *after = NULL;
		fcc_err e = {0};
		char *v = NULL;
		int rc;

		fcc_alloc_fail_after(n, 0);
		rc = iam_patch_undo(&detach, &untrust, &after, &r, SELF, &e);
		if (rc == FCC_OK)
			rc = iam_patch_services(&svcs, &r, &w, SELF);
		if (rc == FCC_OK && (rc = kv_strs_push(&attach, POL_B)) == FCC_OK)
			rc = iam_patch_record_after(&v, &r, &w, SELF, &attach, NULL, NULL, &e);
		done = !fcc_alloc_failed();
		fcc_alloc_fail_after(0, 0);
		ck_assert_msg(rc == FCC_OK || rc == FCC_ENOMEM, "fail at %ld: rc %d", n, rc);
		if (done) {
			ck_assert_int_eq(rc, FCC_OK);
			ck_assert_uint_eq(detach.n, 1);
			ck_assert_uint_eq(untrust.n, 1);
			/* its own two, the policy it attaches, SVC2 another project holds */
			ck_assert_uint_eq(strlen(v), 4 * IAM_PATCH_ITEM_LEN + 3);
			ck_assert_ptr_nonnull(strstr(v, item('p', POL_A)));
			ck_assert_ptr_nonnull(strstr(v, item('p', POL_B)));
			ck_assert_ptr_nonnull(strstr(v, item('s', SVC)));
			ck_assert_ptr_nonnull(strstr(v, item('s', SVC2)));
		}
		fcc_free(v);
		json_decref(after);
		kv_strs_dispose(&detach);
		kv_strs_dispose(&untrust);
		kv_strs_dispose(&attach);
		kv_strs_dispose(&svcs);
	}
	ck_assert_int_eq(done, 1);
	want_dispose(&w);
	role_dispose(&r);
	json_set_alloc_funcs(malloc, free);
}
END_TEST

Suite *suite_iam_patch(void)
{
	Suite *s = suite_create("iam_patch");
	TCase *core = tcase_create("core"), *oom = tcase_create("oom");

	tcase_add_test(core, test_iam_patch_key);
	tcase_add_test(core, test_iam_patch_encode_decode);
	tcase_add_test(core, test_iam_patch_claimed_by_others);
	tcase_add_test(core, test_iam_patch_record_after_apply);
	tcase_add_test(core, test_iam_patch_services_kept_for_others);
	tcase_add_test(core, test_iam_patch_undo);
	tcase_add_test(oom, test_iam_patch_oom_sweep);
	tcase_set_timeout(oom, 120);
	suite_add_tcase(s, core);
	suite_add_tcase(s, oom);
	return s;
}
