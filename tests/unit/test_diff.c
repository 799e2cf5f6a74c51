/*
 * test_diff.c — the diff engine and the desired-state reader: the issue's
 * scenarios (empty account, everything in place, a trust statement removed
 * by hand, the seed code changed, a tag changed by hand, an extra principal
 * added by hand) produce the right actions, reasons, security flags and
 * dependencies; field paths of the canonical JSON comparison; the trust
 * policy merge; pipeline drift; plan errors (missing role, invalid template,
 * foreign project) and hard errors (ambiguous portfolio); manifest errors
 * name the field (unknown format, wrong type); an out-of-memory sweep over
 * diff and rendering.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "runtime/iam_patch.h"
#include "plan_fixture.h"
#include "testutil.h"

#define EXEC_ROLE "iam-role:AmazonSageMakerServiceCatalogProductsExecutionRole"
#define PORTFOLIO "SageMaker Organization Templates"
#define PRODUCT "forecast-mlops-template"
#define PATCH_KEY "fcc:patch:forecast-mlops"
#define ORG "o-a1b2c3d4e5"
#define OU1 "ou-ab12-cdefgh34"
#define OU2 "ou-ab12-ijklmn56"

static size_t changed(const plan *p, const plan_step **first)
{
	size_t i, n = 0;

	for (i = 0; i < p->n_steps; i++)
		if (p->steps[i].action != PLAN_NOOP) {
			if (!n && first)
				*first = &p->steps[i];
			n++;
		}
	return n;
}

static json_t *parse(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(j);
	return j;
}

START_TEST(test_diff_empty_account)
{
	plan p;
	size_t i;

	pf_plan(&p, "empty-account", NULL);
	ck_assert_int_eq(plan_has_changes(&p), 1);
	ck_assert_int_eq(plan_has_errors(&p), 0);
	/* roles exist in any account with SageMaker projects: patched, not created */
	ck_assert_uint_eq(plan_count(&p, PLAN_UPDATE), 2);
	ck_assert_uint_eq(plan_count(&p, PLAN_CREATE), p.n_steps - 2);
	for (i = 0; i < p.n_steps; i++)
		if (strcmp(p.steps[i].kind, "iam-role") != 0)
			ck_assert_int_eq(p.steps[i].action, PLAN_CREATE);
	/* the dependency graph the executor needs */
	ck_assert_int_eq(
		kv_strs_has(&plan_find(&p, "sc-association:" PORTFOLIO "/" PRODUCT)->depends_on,
			    "sc-portfolio:" PORTFOLIO),
		1);
	ck_assert_int_eq(
		kv_strs_has(&plan_find(&p, "sc-association:" PORTFOLIO "/" PRODUCT)->depends_on,
			    "sc-product:" PRODUCT),
		1);
	ck_assert_int_eq(
		kv_strs_has(
			&plan_find(&p, "sc-constraint:" PORTFOLIO "/" PRODUCT "/LAUNCH")->depends_on,
			"sc-association:" PORTFOLIO "/" PRODUCT),
		1);
	/* 3 objects, 2 roles, 7 catalog observations, the validation, 1 project */
	ck_assert_uint_eq(p.observations.n, 14);
	plan_dispose(&p);
}
END_TEST

START_TEST(test_diff_in_place)
{
	plan p;

	pf_plan(&p, "in-place", NULL);
	ck_assert_int_eq(plan_has_changes(&p), 0);
	ck_assert_uint_eq(changed(&p, NULL), 0);
	ck_assert_uint_eq(p.errors.n, 0);
	ck_assert_uint_eq(p.n_steps, 12);
	plan_dispose(&p);
}
END_TEST

START_TEST(test_diff_trust_removed)
{
	const plan_step *s = NULL;
	plan p;

	pf_plan(&p, "trust-removed", NULL);
	ck_assert_uint_eq(changed(&p, &s), 1);
	ck_assert_str_eq(s->address, EXEC_ROLE);
	ck_assert_int_eq(s->action, PLAN_UPDATE);
	ck_assert_ptr_nonnull(s->access_change);
	ck_assert_str_eq(s->access_change, "trusts forecast.amazonaws.com");
	/* the trust statement, and fcc's record that it added the service */
	ck_assert_uint_eq(s->n_changes, 2);
	ck_assert_str_eq(s->changes[0].path, "trust_policy.Statement[1]");
	ck_assert_ptr_null(s->changes[0].before);
	ck_assert_str_eq(s->changes[1].path, "tags[\"" PATCH_KEY "\"]");
	ck_assert_ptr_null(s->changes[1].before);
	{
		char item[IAM_PATCH_ITEM_LEN + 1];
		iam_patch_item(item, 's', "forecast.amazonaws.com");
		ck_assert_str_eq(json_string_value(s->changes[1].after), item);
		ck_assert_str_eq(json_string_value(json_object_get(s->attrs, "record_value")),
				 item);
	}
	ck_assert_uint_eq(s->n_docs, 1);
	/* the hand-written statement is kept as it was */
	ck_assert_int_eq(
		diff_json_equal(json_array_get(json_object_get(s->docs[0].before, "Statement"), 0),
				json_array_get(json_object_get(s->docs[0].after, "Statement"), 0)),
		1);
	plan_dispose(&p);
}
END_TEST

START_TEST(test_diff_seed_changed)
{
	const plan_step *s;
	plan p;
	size_t i, creates = 0;

	pf_plan(&p, "seed-changed", NULL);
	ck_assert_uint_eq(plan_count(&p, PLAN_DELETE), 0);
	ck_assert_uint_eq(plan_count(&p, PLAN_DEPRECATE), 1);
	s = plan_find(&p, "sc-artifact:" PRODUCT
			  "/65bfed455af1aceff908c827df3f6a89d89d1bc2423ebec826973b5a797f3356");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->action, PLAN_DEPRECATE);
	ck_assert_str_eq(json_string_value(json_object_get(s->attrs, "id")), "pa-aaaaaaaaaaaaa");
	s = plan_find(&p, "sc-artifact:" PRODUCT
			  "/7e3f7e3f7e3f7e3f7e3f7e3f7e3f7e3f7e3f7e3f7e3f7e3f7e3f7e3f7e3f7e3f");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->action, PLAN_CREATE);
	ck_assert_int_eq(kv_strs_has(&s->depends_on, "sc-product:" PRODUCT), 1);
	for (i = 0; i < p.n_steps; i++)
		if (strcmp(p.steps[i].kind, "s3-object") == 0 && p.steps[i].action == PLAN_CREATE)
			creates++;
	ck_assert_uint_eq(creates, 2); /* the new zip and the new template */
	s = plan_find(&p, "sagemaker-project:forecast-dev");
	ck_assert_int_eq(s->action, PLAN_UPDATE);
	plan_dispose(&p);
}
END_TEST

START_TEST(test_diff_tag_changed)
{
	const plan_step *s = NULL;
	plan p;

	pf_plan(&p, "tag-changed", NULL);
	ck_assert_uint_eq(changed(&p, &s), 1);
	ck_assert_str_eq(s->address, "sc-product:" PRODUCT);
	ck_assert_ptr_null(s->access_change);
	ck_assert_uint_eq(s->n_changes, 1);
	ck_assert_str_eq(s->changes[0].path, "tags[\"team\"]");
	ck_assert_str_eq(json_string_value(s->changes[0].before), "data-science");
	ck_assert_str_eq(json_string_value(s->changes[0].after), "ml-platform");
	plan_dispose(&p);
}
END_TEST

START_TEST(test_diff_extra_principal)
{
	diff_opts own = {1};
	const plan_step *s;
	plan p;

	pf_plan(&p, "extra-principal", NULL);
	ck_assert_int_eq(plan_has_changes(&p), 0);
	s = plan_find(&p, "sc-principal:" PORTFOLIO "/arn:aws:iam::111122223333:role/Admin");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->action, PLAN_NOOP);
	ck_assert_ptr_nonnull(strstr(s->reason, "left alone"));
	plan_dispose(&p);

	pf_plan(&p, "extra-principal", &own);
	ck_assert_uint_eq(changed(&p, &s), 1);
	ck_assert_int_eq(s->action, PLAN_DELETE);
	ck_assert_ptr_null(s->access_change);
	plan_dispose(&p);
}
END_TEST

START_TEST(test_diff_json_paths)
{
	json_t *a =
		parse("{\"Steps\":[{\"Name\":\"a\"},{\"Arguments\":{\"HyperParameters\":"
		      "{\"horizon\":\"24\",\"x\":1}}}],\"tags\":{\"fcc:project\":\"p\"},\"n\":1}");
	json_t *b =
		parse("{\"Steps\":[{\"Name\":\"a\"},{\"Arguments\":{\"HyperParameters\":"
		      "{\"horizon\":\"48\",\"x\":1.0}}},{\"Name\":\"c\"}],\"tags\":{},\"n\":1.0,"
		      "\"new\":true}");
	plan p;
	plan_step *s;

	plan_init(&p);
	s = plan_add_step(&p, "t", "t", NULL, PLAN_UPDATE);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(diff_json_equal(a, b), 0);
	ck_assert_int_eq(diff_json_changes(s, "", a, b), 4);
	ck_assert_str_eq(s->changes[0].path, "Steps[1].Arguments.HyperParameters.horizon");
	ck_assert_str_eq(s->changes[1].path, "Steps[2]");
	ck_assert_ptr_null(s->changes[1].before);
	ck_assert_str_eq(s->changes[2].path, "new");
	ck_assert_str_eq(s->changes[3].path, "tags[\"fcc:project\"]");
	ck_assert_ptr_null(s->changes[3].after);
	ck_assert_int_eq(diff_json_changes(s, "doc", a, a), 0);
	ck_assert_int_eq(diff_json_equal(json_object_get(a, "n"), json_object_get(b, "n")), 1);
	plan_dispose(&p);
	json_decref(a);
	json_decref(b);
}
END_TEST

START_TEST(test_diff_trust_merge)
{
	kv_strs svc = {0}, added = {0};
	json_t *one, *out, *both;

	kv_strs_push(&svc, "forecast.amazonaws.com");
	/* a single Statement object, already trusting the service: unchanged */
	one = parse("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":"
		    "[\"sts:AssumeRole\"],\"Principal\":{\"Service\":[\"sagemaker.amazonaws.com\","
		    "\"forecast.amazonaws.com\"]}}}");
	ck_assert_int_eq(diff_trust_merge(&out, one, &svc, &added), FCC_OK);
	ck_assert_int_eq(diff_json_equal(out, one), 1);
	ck_assert_uint_eq(added.n, 0);
	json_decref(out);
	json_decref(one);

	/* a Deny statement does not trust; fcc adds its own, keeps the rest */
	one = parse("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Deny\",\"Action\":"
		    "\"sts:AssumeRole\",\"Principal\":{\"Service\":\"forecast.amazonaws.com\"}}}");
	ck_assert_int_eq(diff_trust_merge(&out, one, &svc, &added), FCC_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(out, "Statement")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(out, "Statement"), 1), "Sid")),
			 DIFF_TRUST_SID);
	ck_assert_uint_eq(added.n, 1);
	json_decref(one);

	/* the spec drops the service: fcc removes only its own statement */
	kv_strs_dispose(&svc);
	ck_assert_int_eq(diff_trust_merge(&both, out, &svc, NULL), FCC_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(both, "Statement")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(both, "Statement"), 0), "Effect")),
			 "Deny");
	json_decref(both);
	json_decref(out);
	kv_strs_dispose(&added);
}
END_TEST

START_TEST(test_diff_pipeline_drift)
{
	desired d;
	state_snapshot s;
	plan p;
	const plan_step *st = NULL;
	json_t *par;
	fcc_err e = {0};
	size_t i;

	pf_load(&d, &s, "in-place");
	par = json_object_get(s.projects[0].pipeline, "Parameters");
	for (i = 0; i < json_array_size(par); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(par, i), "Name")),
			   "ForecastHorizon") == 0)
			json_object_set_new(json_array_get(par, i), "DefaultValue",
					    json_integer(48));
	ck_assert_int_eq(diff_compute(&p, &d, &s, NULL, &e), FCC_OK);
	ck_assert_uint_eq(changed(&p, &st), 1);
	ck_assert_str_eq(st->address, "sagemaker-project:forecast-dev");
	ck_assert_uint_eq(st->n_changes, 1);
	ck_assert_str_eq(st->changes[0].path, "pipeline_definition.Parameters[4].DefaultValue");
	ck_assert_int_eq(json_integer_value(st->changes[0].before), 48);
	ck_assert_int_eq(json_integer_value(st->changes[0].after), 24);
	ck_assert_uint_eq(st->n_docs, 1);
	plan_dispose(&p);
	desired_dispose(&d);
	state_dispose(&s);
}
END_TEST

START_TEST(test_diff_plan_errors)
{
	desired d;
	state_snapshot s;
	plan p;
	fcc_err e = {0};

	pf_load(&d, &s, "in-place");
	s.roles[1].present = 0;
	s.validation.ok = 0;
	s.validation.error = fcc_strdup("Template format error: Unresolved resource dependencies");
	fcc_free(s.projects[0].product_id);
	s.projects[0].product_id = fcc_strdup("prod-someoneelse");
	ck_assert_int_eq(diff_compute(&p, &d, &s, NULL, &e), FCC_OK);
	ck_assert_int_eq(plan_has_errors(&p), 1);
	ck_assert_uint_eq(p.errors.n, 3);
	ck_assert_ptr_nonnull(strstr(
		p.errors.v[0], "AmazonSageMakerServiceCatalogProductsUseRole does not exist"));
	ck_assert_ptr_nonnull(strstr(p.errors.v[1], "prod-someoneelse"));
	ck_assert_ptr_nonnull(strstr(p.errors.v[2], "Unresolved resource dependencies"));
	plan_dispose(&p);
	desired_dispose(&d);
	state_dispose(&s);
}
END_TEST

START_TEST(test_diff_ambiguous_portfolio)
{
	desired d;
	state_snapshot s;
	plan p;
	fcc_err e = {0};

	pf_load(&d, &s, "in-place");
	s.portfolio.count = 2;
	ck_assert_int_eq(diff_compute(&p, &d, &s, NULL, &e), FCC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "2 portfolios are named \"" PORTFOLIO "\""));
	ck_assert_uint_eq(p.n_steps, 0);
	desired_dispose(&d);
	state_dispose(&s);
}
END_TEST

static int manifest_error(const char *from, const char *to, fcc_err *e)
{
	char *text = tu_read(tu_path("tests/plan/fixtures/build/manifest.json"), NULL), *at,
	     *edited;
	desired d;
	int rc;

	ck_assert_ptr_nonnull(text);
	at = strstr(text, from);
	ck_assert_ptr_nonnull(at);
	edited = malloc(strlen(text) + strlen(to) + 1);
	memcpy(edited, text, (size_t)(at - text));
	strcpy(edited + (at - text), to);
	strcat(edited, at + strlen(from));
	rc = desired_from_json(&d, edited, strlen(edited), e);
	if (rc == FCC_OK)
		desired_dispose(&d);
	free(text);
	free(edited);
	return rc;
}

START_TEST(test_diff_manifest_errors)
{
	fcc_err e = {0};
	desired d;

	ck_assert_int_eq(manifest_error("\"fcc-manifest/2\"", "\"fcc-manifest/1\"", &e),
			 FCC_EPARSE);
	ck_assert_str_eq(e.msg,
			 "manifest: format: unknown format \"fcc-manifest/1\" (this fcc reads "
			 "fcc-manifest/2)");
	ck_assert_int_eq(manifest_error("\"product\": \"" PRODUCT "\"",
					"\"product\": \"forecast-mlops-templat\"", &e),
			 FCC_EPARSE);
	ck_assert_str_eq(e.msg, "manifest: instances[0].product: no product named "
				"\"forecast-mlops-templat\" in catalog.products");
	ck_assert_int_eq(manifest_error("\"products\": [", "\"products\": [], \"x\": [", &e),
			 FCC_EPARSE);
	ck_assert_str_eq(e.msg, "manifest: catalog.products: expected at least one product");
	ck_assert_int_eq(
		manifest_error("\"studio_visibility\": true", "\"studio_visibility\": 1", &e),
		FCC_EPARSE);
	ck_assert_str_eq(e.msg, "manifest: catalog.studio_visibility: expected a boolean");
	ck_assert_int_eq(manifest_error("\"cost-center\": \"4711\"", "\"cost-center\": 4711", &e),
			 FCC_EPARSE);
	ck_assert_str_eq(e.msg,
			 "manifest: catalog.products[0].tags.cost-center: expected a string");
	ck_assert_int_eq(manifest_error("\"horizon\": 24", "\"horizont\": 24", &e), FCC_EPARSE);
	ck_assert_str_eq(e.msg, "manifest: pipeline.horizon: missing");
	ck_assert_int_eq(desired_from_json(&d, "[1", 2, &e), FCC_EPARSE);
	ck_assert_int_eq(desired_load(&d, "/nonexistent-fcc-build", &e), FCC_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent-fcc-build/manifest.json"));
}
END_TEST

/* The in-place build with a second product, "`name`", made of the same
 * template: catalog.products[1], and instance 0 made from it when `use`. */
static void two_products(desired *out, const char *name, int use, const char *tmpl_sha)
{
	char *text = tu_read(tu_path("tests/plan/fixtures/build/manifest.json"), NULL), *dumped;
	char *pipeline = tu_read(tu_path("tests/plan/fixtures/build/pipeline.json"), NULL);
	json_t *m, *prods, *second;
	fcc_err e = {0};
	int rc;

	ck_assert_ptr_nonnull(text);
	m = parse(text);
	prods = json_object_get(json_object_get(m, "catalog"), "products");
	second = json_deep_copy(json_array_get(prods, 0));
	ck_assert_int_eq(json_object_set_new(second, "name", json_string(name)), 0);
	if (tmpl_sha)
		ck_assert_int_eq(json_object_set_new(json_object_get(second, "version"),
						     "template_sha256", json_string(tmpl_sha)),
				 0);
	ck_assert_int_eq(json_array_append_new(prods, second), 0);
	if (use)
		ck_assert_int_eq(
			json_object_set_new(json_array_get(json_object_get(m, "instances"), 0),
					    "product", json_string(name)),
			0);
	dumped = json_dumps(m, 0);
	rc = desired_from_json(out, dumped, strlen(dumped), &e);
	if (rc == FCC_OK && pipeline)
		ck_assert_int_eq(desired_set_pipeline(out, pipeline, strlen(pipeline), &e), FCC_OK);
	free(dumped);
	json_decref(m);
	free(text);
	free(pipeline);
	if (rc != FCC_OK) {
		out->n_products = 0;
		ck_assert_str_eq(e.msg,
				 "manifest: catalog.products[1].version: every product of a "
				 "build uses its one template (catalog.products[0].version)");
	}
}

static const plan_step *step_at(const plan *p, const char *address)
{
	size_t i;

	for (i = 0; i < p->n_steps; i++)
		if (strcmp(p->steps[i].address, address) == 0)
			return &p->steps[i];
	return NULL;
}

/* Two products in one portfolio: the one in place stays a no-op, the new one
 * gets its own product, version, association and constraint, each depending
 * on that product's steps only; a project made from it depends on its version. */
START_TEST(test_diff_second_product)
{
	desired d, one;
	state_snapshot s;
	plan p;
	fcc_err e = {0};
	const plan_step *st;
	static const char *const kinds[] = {"sc-product", "sc-artifact", "sc-association",
					    "sc-constraint"};
	size_t i, n = 0;
	char want[512];

	pf_load(&one, &s, "in-place");
	two_products(&d, "forecast-deepar", 1, NULL);
	ck_assert_uint_eq(d.n_products, 2);
	ck_assert_ptr_eq(desired_product_named(&d, "forecast-deepar"), &d.products[1]);
	ck_assert_int_eq(diff_compute(&p, &d, &s, NULL, &e), FCC_OK);
	/* UpdateProject cannot move a project to another product */
	ck_assert_uint_eq(p.errors.n, 1);
	ck_assert_str_eq(p.errors.v[0], "sagemaker project forecast-dev was provisioned from "
					"product prod-abcdefghijklm, not forecast-deepar (not "
					"created yet): fcc will not replace it");
	for (i = 0; i < p.n_steps; i++)
		if (p.steps[i].action == PLAN_CREATE) {
			ck_assert_ptr_nonnull(strstr(p.steps[i].address, "forecast-deepar"));
			n++;
		}
	ck_assert_uint_eq(n, 4);
	for (i = 0; i < 4; i++) {
		size_t j, found = 0;
		for (j = 0; j < p.n_steps; j++)
			if (strcmp(p.steps[j].kind, kinds[i]) == 0 &&
			    strstr(p.steps[j].address, "forecast-deepar")) {
				ck_assert_int_eq(p.steps[j].action, PLAN_CREATE);
				found++;
			}
		ck_assert_uint_eq(found, 1);
	}
	st = step_at(&p, "sc-association:" PORTFOLIO "/forecast-deepar");
	ck_assert_ptr_nonnull(st);
	ck_assert(kv_strs_has(&st->depends_on, "sc-product:forecast-deepar"));
	ck_assert(!kv_strs_has(&st->depends_on, "sc-product:" PRODUCT));
	/* the project moves to the new product: it waits for that product's version */
	st = step_at(&p, "sagemaker-project:forecast-dev");
	ck_assert_ptr_nonnull(st);
	snprintf(want, sizeof want, "sc-artifact:forecast-deepar/%s",
		 d.products[1].version.template_sha256);
	ck_assert(kv_strs_has(&st->depends_on, want));
	plan_dispose(&p);
	/* the observations name each product */
	{
		state_obs_list l;
		state_product *sp = state_add_product(&s);
		ck_assert_ptr_nonnull(sp);
		ck_assert_ptr_nonnull(sp->name = fcc_strdup("forecast-deepar"));
		ck_assert_int_eq(state_observations(&l, &s, &e), FCC_OK);
		for (i = 0, n = 0; i < l.n; i++)
			n += strstr(l.v[i].id, "forecast-deepar") != NULL;
		ck_assert_uint_eq(n, 4); /* product, artifacts, association, constraints */
		state_obs_list_dispose(&l);
	}
	desired_dispose(&d);
	desired_dispose(&one);
	state_dispose(&s);
	/* a build has one template */
	two_products(&d, "other", 0,
		     "00000000000000000000000000000000000000000000000000000000deadbeef");
	ck_assert_uint_eq(d.n_products, 0);
}
END_TEST

/* Products in the portfolio the build does not declare: fcc's own (tagged
 * fcc:project=<project>) is removed like destroy removes a product; anyone
 * else's is reported and left alone. */
START_TEST(test_diff_dropped_product)
{
	desired d;
	state_snapshot s;
	plan p;
	fcc_err e = {0};
	state_product *mine, *theirs;
	state_constraint *k;
	const plan_step *st;

	pf_load(&d, &s, "in-place");
	ck_assert_ptr_nonnull(mine = state_add_product(&s));
	ck_assert_ptr_nonnull(mine->name = fcc_strdup("forecast-old"));
	ck_assert_ptr_nonnull(mine->id = fcc_strdup("prod-old0000000001"));
	mine->present = mine->association = 1;
	ck_assert_int_eq(kv_tags_set(&mine->tags, "fcc:project", "forecast-mlops"), FCC_OK);
	ck_assert_ptr_nonnull(k = state_product_add_constraint(mine));
	ck_assert_ptr_nonnull(k->id = fcc_strdup("cons-old000000001"));
	ck_assert_ptr_nonnull(k->type = fcc_strdup("LAUNCH"));
	ck_assert_ptr_nonnull(theirs = state_add_product(&s));
	ck_assert_ptr_nonnull(theirs->name = fcc_strdup("team-b-template"));
	ck_assert_ptr_nonnull(theirs->id = fcc_strdup("prod-teamb0000001"));
	theirs->present = theirs->association = 1;
	ck_assert_int_eq(kv_tags_set(&theirs->tags, "fcc:project", "team-b"), FCC_OK);

	ck_assert_int_eq(diff_compute(&p, &d, &s, NULL, &e), FCC_OK);
	ck_assert_int_eq(plan_has_errors(&p), 0);
	ck_assert_uint_eq(plan_count(&p, PLAN_DELETE), 3);
	ck_assert_uint_eq(changed(&p, NULL), 3);
	st = step_at(&p, "sc-constraint:" PORTFOLIO "/forecast-old/LAUNCH");
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(st->action, PLAN_DELETE);
	ck_assert_str_eq(json_string_value(json_object_get(st->attrs, "id")), "cons-old000000001");
	st = step_at(&p, "sc-association:" PORTFOLIO "/forecast-old");
	ck_assert_ptr_nonnull(st);
	ck_assert(kv_strs_has(&st->depends_on, "sc-constraint:" PORTFOLIO "/forecast-old/LAUNCH"));
	ck_assert_str_eq(json_string_value(json_object_get(st->attrs, "product_id")),
			 "prod-old0000000001");
	st = step_at(&p, "sc-product:forecast-old");
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(st->action, PLAN_DELETE);
	ck_assert(kv_strs_has(&st->depends_on, "sc-association:" PORTFOLIO "/forecast-old"));
	st = step_at(&p, "sc-product:team-b-template");
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(st->action, PLAN_NOOP);
	ck_assert_ptr_nonnull(strstr(st->reason, "left alone"));
	ck_assert_ptr_null(step_at(&p, "sc-association:" PORTFOLIO "/team-b-template"));
	plan_dispose(&p);

	/* without a LAUNCH constraint: no constraint step, and the association
	 * waits for none */
	fcc_free(k->type);
	ck_assert_ptr_nonnull(k->type = fcc_strdup("NOTIFICATION"));
	ck_assert_int_eq(diff_compute(&p, &d, &s, NULL, &e), FCC_OK);
	ck_assert_uint_eq(plan_count(&p, PLAN_DELETE), 2);
	ck_assert_ptr_null(step_at(&p, "sc-constraint:" PORTFOLIO "/forecast-old/LAUNCH"));
	st = step_at(&p, "sc-association:" PORTFOLIO "/forecast-old");
	ck_assert_ptr_nonnull(st);
	ck_assert_uint_eq(st->depends_on.n, 0);
	plan_dispose(&p);
	desired_dispose(&d);
	state_dispose(&s);
}
END_TEST

START_TEST(test_diff_pipeline_changed_since_build)
{
	desired d;
	state_snapshot s;
	fcc_err e = {0};

	pf_load(&d, &s, "in-place");
	ck_assert_int_eq(desired_set_pipeline(&d, "{}", 2, &e), FCC_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "changed since the build"));
	ck_assert_ptr_nonnull(d.pipeline.definition); /* unchanged */
	desired_dispose(&d);
	state_dispose(&s);
}
END_TEST

START_TEST(test_diff_state_round_trip)
{
	desired d;
	state_snapshot s, t;
	state_obs_list a, b;
	json_t *j, *k;
	fcc_err e = {0};
	size_t i;

	pf_load(&d, &s, "in-place");
	j = state_to_json(&s);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(state_from_json(&t, j, &e), FCC_OK);
	k = state_to_json(&t);
	ck_assert_int_eq(json_equal(j, k), 1);
	ck_assert_int_eq(state_observations(&a, &s, &e), FCC_OK);
	ck_assert_int_eq(state_observations(&b, &t, &e), FCC_OK);
	ck_assert_uint_eq(a.n, b.n);
	for (i = 0; i < a.n; i++) {
		ck_assert_str_eq(a.v[i].id, b.v[i].id);
		ck_assert_str_eq(a.v[i].fingerprint, b.v[i].fingerprint);
	}
	state_dispose(&t);
	{
		const char *bad = "{\"format\":\"fcc-state/2\",\"roles\":[{\"name\":1}]}";
		ck_assert_int_eq(state_from_text(&t, bad, strlen(bad), &e), FCC_EPARSE);
	}
	ck_assert_str_eq(e.msg, "state: roles[0].name: expected a string");
	state_obs_list_dispose(&a);
	state_obs_list_dispose(&b);
	json_decref(j);
	json_decref(k);
	state_dispose(&t);
	state_dispose(&s);
	desired_dispose(&d);
}
END_TEST

/* Every allocation in diff_compute and the renderers may fail: each failure
 * is a clean FCC_ENOMEM (or a completed call), never a crash or a leak. */
START_TEST(test_diff_oom_sweep)
{
	desired d;
	state_snapshot s;
	long n;
	int done = 0;

	json_set_alloc_funcs(fcc_malloc, fcc_free);
	pf_load(&d, &s, "empty-account");
	for (n = 1; !done && n < 20000; n++) {
		plan p;
		fcc_buf b;
		fcc_err e = {0};
		int rc;

		fcc_buf_init(&b, FCC_BUF_DEFAULT_MAX);
		fcc_alloc_fail_after(n, 0);
		rc = diff_compute(&p, &d, &s, NULL, &e);
		if (rc == FCC_OK) {
			rc = plan_render_text(&b, &p, NULL, &e);
			if (rc == FCC_OK)
				rc = plan_render_markdown(&b, &p, PLAN_MARKDOWN_LIMIT, &e);
			if (rc == FCC_OK)
				rc = plan_render_json(&b, &p, &e);
			plan_dispose(&p);
		}
		done = !fcc_alloc_failed();
		fcc_alloc_fail_after(0, 0);
		ck_assert_msg(rc == FCC_OK || rc == FCC_ENOMEM, "fail at %ld: rc %d", n, rc);
		if (done)
			ck_assert_int_eq(rc, FCC_OK);
		fcc_buf_dispose(&b);
	}
	ck_assert_int_eq(done, 1);
	desired_dispose(&d);
	state_dispose(&s);
	json_set_alloc_funcs(malloc, free);
}
END_TEST

/* ---- organization and OU shares ---- */

static const plan_step *share(const plan *p, const char *label, const char *value)
{
	char a[256];

	snprintf(a, sizeof a, "sc-share:" PORTFOLIO "/%s:%s", label, value);
	return plan_find(p, a);
}

START_TEST(test_diff_org_shares_absent)
{
	const plan_step *s;
	plan p;

	pf_plan(&p, "org-shares-absent", NULL);
	ck_assert_int_eq(plan_has_errors(&p), 0);
	ck_assert_uint_eq(changed(&p, NULL), 3);
	ck_assert_ptr_nonnull(s = share(&p, "organization", ORG));
	ck_assert_int_eq(s->action, PLAN_CREATE);
	ck_assert_str_eq(json_string_value(json_object_get(s->attrs, "type")), "ORGANIZATION");
	/* a new share is security-relevant, like an account share */
	ck_assert_str_eq(s->access_change, "shares the portfolio with organization " ORG);
	ck_assert_ptr_nonnull(s = share(&p, "ou", OU2));
	ck_assert_int_eq(s->action, PLAN_CREATE);
	ck_assert_str_eq(json_string_value(json_object_get(s->attrs, "type")),
			 "ORGANIZATIONAL_UNIT");
	ck_assert_ptr_nonnull(s->access_change);
	ck_assert_int_eq(kv_strs_has(&s->depends_on, "sc-portfolio:" PORTFOLIO), 1);
	plan_dispose(&p);
}
END_TEST

START_TEST(test_diff_org_shares_in_place_and_extra)
{
	const plan_step *s;
	plan p;

	pf_plan(&p, "org-shares-in-place", NULL);
	ck_assert_int_eq(plan_has_changes(&p), 0);
	ck_assert_int_eq(share(&p, "organization", ORG)->action, PLAN_NOOP);
	ck_assert_ptr_null(share(&p, "organization", ORG)->reason);
	plan_dispose(&p);

	pf_plan(&p, "org-shares-extra", NULL);
	/* an OU shared by hand: reported and left alone, not a change */
	ck_assert_int_eq(plan_has_changes(&p), 0);
	ck_assert_ptr_nonnull(s = share(&p, "ou", "ou-ab12-zzzzzz99"));
	ck_assert_int_eq(s->action, PLAN_NOOP);
	ck_assert_str_eq(s->reason, "shared outside fcc: reported and left alone");
	ck_assert_ptr_null(s->access_change);
	plan_dispose(&p);
}
END_TEST

START_TEST(test_diff_org_access_disabled)
{
	plan p;

	pf_plan(&p, "org-access-disabled", NULL);
	ck_assert_int_eq(plan_has_errors(&p), 1);
	ck_assert_uint_eq(p.errors.n, 1);
	ck_assert_str_eq(
		p.errors.v[0],
		"catalog.shares: sharing with an organization or organizational units needs "
		"AWS Organizations access for Service Catalog, which is DISABLED: run `aws "
		"servicecatalog enable-aws-organizations-access` in the organization's "
		"management account");
	plan_dispose(&p);
	/* not read (no org_access in the snapshot): nothing said */
	pf_plan(&p, "org-shares-absent", NULL);
	ck_assert_int_eq(plan_has_errors(&p), 0);
	plan_dispose(&p);
}
END_TEST

START_TEST(test_diff_patch_shared_record)
{
	const plan_step *s = NULL;
	plan p;

	pf_plan(&p, "patch-shared", NULL);
	/* the other project's record holds what this spec wants: this project
	 * records it too, as bookkeeping of the role's update, not an access change */
	ck_assert_uint_eq(changed(&p, &s), 1);
	ck_assert_str_eq(s->address, EXEC_ROLE);
	ck_assert_int_eq(s->action, PLAN_UPDATE);
	ck_assert_ptr_null(s->access_change);
	ck_assert_str_eq(s->reason, "fcc's record of the patches it made changes");
	ck_assert_uint_eq(s->n_changes, 1);
	ck_assert_str_eq(s->changes[0].path, "tags[\"" PATCH_KEY "\"]");
	ck_assert_str_eq(json_string_value(s->changes[0].after), "p0b6430f8 sbb090061");
	ck_assert_str_eq(json_string_value(json_object_get(s->attrs, "record_key")), PATCH_KEY);
	plan_dispose(&p);
}
END_TEST

Suite *suite_diff(void)
{
	Suite *s = suite_create("diff");
	TCase *sc = tcase_create("scenarios"), *core = tcase_create("core"),
	      *oom = tcase_create("oom");

	tcase_add_test(sc, test_diff_empty_account);
	tcase_add_test(sc, test_diff_in_place);
	tcase_add_test(sc, test_diff_trust_removed);
	tcase_add_test(sc, test_diff_seed_changed);
	tcase_add_test(sc, test_diff_tag_changed);
	tcase_add_test(sc, test_diff_extra_principal);
	tcase_add_test(sc, test_diff_org_shares_absent);
	tcase_add_test(sc, test_diff_org_shares_in_place_and_extra);
	tcase_add_test(sc, test_diff_org_access_disabled);
	tcase_add_test(sc, test_diff_patch_shared_record);
	tcase_add_test(core, test_diff_json_paths);
	tcase_add_test(core, test_diff_trust_merge);
	tcase_add_test(core, test_diff_pipeline_drift);
	tcase_add_test(core, test_diff_plan_errors);
	tcase_add_test(core, test_diff_ambiguous_portfolio);
	tcase_add_test(core, test_diff_manifest_errors);
	tcase_add_test(core, test_diff_pipeline_changed_since_build);
	tcase_add_test(core, test_diff_second_product);
	tcase_add_test(core, test_diff_dropped_product);
	tcase_add_test(core, test_diff_state_round_trip);
	tcase_add_test(oom, test_diff_oom_sweep);
	tcase_set_timeout(oom, 300);
	suite_add_tcase(s, sc);
	suite_add_tcase(s, core);
	suite_add_tcase(s, oom);
	return s;
}
