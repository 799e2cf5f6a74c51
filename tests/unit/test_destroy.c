/*
 * test_destroy.c — the destroy plan (runtime/destroy.c) on the plan
 * scenarios' fixtures: everything fcc made is deleted in reverse dependency
 * order, objects only with purge, things without fcc's tag left alone,
 * other projects using the product forbid it, an empty account has nothing
 * to destroy, a product the spec dropped goes too.
 */
#include <check.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "plan_fixture.h"
#include "runtime/destroy.h"

static const plan_step *find(const plan *p, const char *kind)
{
	size_t i;

	for (i = 0; i < p->n_steps; i++)
		if (strcmp(p->steps[i].kind, kind) == 0)
			return &p->steps[i];
	return NULL;
}

static int depends(const plan_step *st, const char *prefix)
{
	size_t i;

	for (i = 0; i < st->depends_on.n; i++)
		if (strncmp(st->depends_on.v[i], prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

START_TEST(test_destroy_everything_in_reverse_order)
{
	desired d;
	state_snapshot s;
	plan p;
	fcc_err e;
	const plan_step *st;

	pf_load(&d, &s, "in-place");
	ck_assert_int_eq(destroy_plan(&p, &d, &s, NULL, &e), FCC_OK);
	ck_assert_int_eq(plan_has_errors(&p), 0);
	/* project, principal, constraint, association, product, portfolio; no objects */
	ck_assert_uint_eq(p.n_steps, 6);
	ck_assert_uint_eq(plan_count(&p, PLAN_DELETE), 6);
	ck_assert_ptr_null(find(&p, "s3-object"));
	ck_assert_ptr_null(find(&p, "iam-role"));
	st = find(&p, "sc-constraint");
	ck_assert_ptr_nonnull(st);
	ck_assert(depends(st, "sagemaker-project:forecast-dev"));
	st = find(&p, "sc-association");
	ck_assert(depends(st, "sc-constraint:"));
	ck_assert_str_eq(json_string_value(json_object_get(st->attrs, "product_id")),
			 s.products[0].id);
	st = find(&p, "sc-product");
	ck_assert(depends(st, "sc-association:"));
	ck_assert(depends(st, "sagemaker-project:"));
	ck_assert_str_eq(json_string_value(json_object_get(st->attrs, "id")), s.products[0].id);
	st = find(&p, "sc-portfolio");
	ck_assert(depends(st, "sc-association:"));
	ck_assert(depends(st, "sc-principal:"));
	plan_dispose(&p);

	ck_assert_int_eq(destroy_plan(&p, &d, &s, &(destroy_opts){.purge = 1}, &e), FCC_OK);
	st = find(&p, "s3-object");
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(st->action, PLAN_DELETE);
	ck_assert(depends(st, "sc-product:"));
	ck_assert_uint_eq(plan_count(&p, PLAN_DELETE), 6 + d.n_objects);
	plan_dispose(&p);
	desired_dispose(&d);
	state_dispose(&s);
}
END_TEST

START_TEST(test_destroy_leaves_untagged_and_refuses_other_projects)
{
	desired d;
	state_snapshot s;
	plan p;
	fcc_err e;
	kv_strs others = {0};
	const plan_step *st;

	pf_load(&d, &s, "in-place");
	kv_tags_dispose(&s.products[0].tags); /* someone else's product of that name */
	ck_assert_int_eq(destroy_plan(&p, &d, &s, NULL, &e), FCC_OK);
	st = find(&p, "sc-product");
	ck_assert_int_eq(st->action, PLAN_NOOP);
	ck_assert_ptr_nonnull(strstr(st->reason, "not fcc's"));
	plan_dispose(&p);

	ck_assert_int_eq(kv_strs_push(&others, "team-b-project"), FCC_OK);
	ck_assert_int_eq(destroy_plan(&p, &d, &s, &(destroy_opts){.others = &others}, &e), FCC_OK);
	ck_assert_int_eq(plan_has_errors(&p), 1);
	ck_assert_ptr_nonnull(strstr(p.errors.v[0], "team-b-project"));
	plan_dispose(&p);
	kv_strs_dispose(&others);
	desired_dispose(&d);
	state_dispose(&s);
}
END_TEST

/* A product fcc made that the spec dropped (still in the portfolio) goes
 * with the rest; someone else's product there is not touched. */
START_TEST(test_destroy_takes_dropped_products)
{
	desired d;
	state_snapshot s;
	plan p;
	fcc_err e;
	state_product *sp;
	size_t i, dropped = 0, foreign = 0;

	pf_load(&d, &s, "in-place");
	ck_assert_ptr_nonnull(sp = state_add_product(&s));
	ck_assert_ptr_nonnull(sp->name = fcc_strdup("forecast-old"));
	ck_assert_ptr_nonnull(sp->id = fcc_strdup("prod-old0000000001"));
	sp->present = sp->association = 1;
	ck_assert_int_eq(kv_tags_set(&sp->tags, "fcc:project", "forecast-mlops"), FCC_OK);
	ck_assert_ptr_nonnull(sp = state_add_product(&s));
	ck_assert_ptr_nonnull(sp->name = fcc_strdup("team-b-template"));
	ck_assert_ptr_nonnull(sp->id = fcc_strdup("prod-teamb0000001"));
	sp->present = sp->association = 1;
	ck_assert_int_eq(destroy_plan(&p, &d, &s, NULL, &e), FCC_OK);
	for (i = 0; i < p.n_steps; i++) {
		dropped += strstr(p.steps[i].address, "forecast-old") &&
			   p.steps[i].action == PLAN_DELETE;
		foreign += strstr(p.steps[i].address, "team-b") != NULL;
	}
	ck_assert_uint_eq(dropped, 2); /* its association and the product */
	ck_assert_uint_eq(foreign, 0);
	plan_dispose(&p);
	desired_dispose(&d);
	state_dispose(&s);
}
END_TEST

START_TEST(test_destroy_empty_account_has_nothing)
{
	desired d;
	state_snapshot s;
	plan p;
	fcc_err e;

	pf_load(&d, &s, "empty-account");
	ck_assert_int_eq(destroy_plan(&p, &d, &s, &(destroy_opts){.purge = 1}, &e), FCC_OK);
	ck_assert_uint_eq(p.n_steps, 0);
	ck_assert_int_eq(plan_has_changes(&p), 0);
	plan_dispose(&p);
	desired_dispose(&d);
	state_dispose(&s);
}
END_TEST

Suite *suite_destroy(void);
Suite *suite_destroy(void)
{
	Suite *s = suite_create("destroy");
	TCase *t = tcase_create("destroy");

	tcase_add_test(t, test_destroy_everything_in_reverse_order);
	tcase_add_test(t, test_destroy_leaves_untagged_and_refuses_other_projects);
	tcase_add_test(t, test_destroy_empty_account_has_nothing);
	tcase_add_test(t, test_destroy_takes_dropped_products);
	suite_add_tcase(s, t);
	return s;
}
