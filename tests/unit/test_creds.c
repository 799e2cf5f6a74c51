/*
 * test_creds.c — unit tests of runtime/creds.c (the credential chain and
 * region resolution) and runtime/creds_http.c (its libcurl callback).
 *
 * The environment is a table behind the getenv callback, profile files are
 * written to temporary directories, STS is a fake that records what it was
 * asked, and the container and instance metadata endpoints are
 * tests/aws/creds_server.py on a loopback port, reached through the real
 * creds_http_default().
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compiler/base/alloc.h"
#include "runtime/creds.h"
#include "testutil.h"

extern char **environ;

/* ---- fake environment ---- */

typedef struct fenv {
	const char *k[32];
	const char *v[32];
	int n;
} fenv;

static const char *fenv_get(void *payload, const char *name)
{
	fenv *f = payload;
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->k[i], name) == 0)
			return f->v[i];
	return NULL;
}

static void fenv_set(fenv *f, const char *k, const char *v)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->k[i], k) == 0) {
			f->v[i] = v;
			return;
		}
	ck_assert_int_lt(f->n, 32);
	f->k[f->n] = k;
	f->v[f->n++] = v;
}

/* ---- temporary profile files ---- */

typedef struct tdir {
	char path[64];
	char config[128];
	char credentials[128];
	char scratch[128];
} tdir;

static void tdir_init(tdir *t, fenv *env)
{
	strcpy(t->path, "/tmp/fcc-creds-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->path));
	snprintf(t->config, sizeof t->config, "%s/config", t->path);
	snprintf(t->credentials, sizeof t->credentials, "%s/credentials", t->path);
	if (env) {
		fenv_set(env, "AWS_CONFIG_FILE", t->config);
		fenv_set(env, "AWS_SHARED_CREDENTIALS_FILE", t->credentials);
		fenv_set(env, "AWS_EC2_METADATA_DISABLED", "true");
	}
}

/* Path of `name` inside the directory; valid until the next call. */
static const char *tdir_file(tdir *t, const char *name, const char *content)
{
	FILE *f;

	snprintf(t->scratch, sizeof t->scratch, "%s/%s", t->path, name);
	if (content) {
		f = fopen(t->scratch, "w");
		ck_assert_ptr_nonnull(f);
		fputs(content, f);
		fclose(f);
	}
	return t->scratch;
}

static void tdir_done(tdir *t)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->path);
	ck_assert_int_eq(system(cmd), 0);
}

/* ---- fake clock and STS ---- */

static long long clock_of(void *payload)
{
	return *(long long *)payload;
}

typedef struct sts_call {
	enum creds_sts_kind kind;
	char role_arn[128];
	char session[64];
	char token[128];
	char src_akid[64];
	char src_secret[64];
	long duration;
	char external_id[64];
	char region[32];
} sts_call;

typedef struct fsts {
	sts_call calls[16];
	int n;
	long long *now;
	const char *fail_code; /* answer FCC_EAWS with this code when set */
} fsts;

static int fsts_call(void *payload, creds_sts_response *out, const creds_sts_request *req,
		     fcc_err *e)
{
	fsts *s = payload;
	sts_call *c;
	char akid[64], secret[96];

	ck_assert_int_lt(s->n, 16);
	c = &s->calls[s->n++];
	memset(c, 0, sizeof *c);
	c->kind = req->kind;
	snprintf(c->role_arn, sizeof c->role_arn, "%s", req->role_arn);
	snprintf(c->session, sizeof c->session, "%s", req->role_session_name);
	if (req->web_identity_token)
		snprintf(c->token, sizeof c->token, "%s", req->web_identity_token);
	if (req->source) {
		snprintf(c->src_akid, sizeof c->src_akid, "%s", req->source->access_key_id);
		snprintf(c->src_secret, sizeof c->src_secret, "%s", req->source->secret_access_key);
	}
	c->duration = req->duration_seconds;
	if (req->external_id)
		snprintf(c->external_id, sizeof c->external_id, "%s", req->external_id);
	if (req->region)
		snprintf(c->region, sizeof c->region, "%s", req->region);
	if (s->fail_code) {
		snprintf(out->error_code, sizeof out->error_code, "%s", s->fail_code);
		return fcc_err_set(e, FCC_EAWS, "not authorized to perform sts:AssumeRole");
	}
	/* a new key per call, named after the role, so tests can follow the chain */
	snprintf(akid, sizeof akid, "ASIA%d-%s", s->n, strrchr(req->role_arn, '/') + 1);
	snprintf(secret, sizeof secret, "secret-of-%s", akid);
	return creds_credentials_new(&out->creds, akid, secret, "session-token", *s->now + 3600,
				     NULL, e);
}

/* ---- fake HTTP (for precedence tests that must not reach any server) ---- */

typedef struct fhttp {
	int calls;
} fhttp;

static int fhttp_call(void *payload, const char *method, const char *url,
		      const char *const *headers, long timeout_ms, long *status_out,
		      fcc_buf *body_out, fcc_err *e)
{
	fhttp *h = payload;

	(void)method;
	(void)headers;
	(void)timeout_ms;
	h->calls++;
	if (!strstr(url, "/latest/")) {
		*status_out = 200;
		return fcc_buf_puts(
			body_out, "{\"AccessKeyId\":\"AKFAKECONTAINER\",\"SecretAccessKey\":\"s\","
				  "\"Token\":\"t\",\"Expiration\":\"2099-01-01T00:00:00Z\"}");
	}
	return fcc_err_set(e, FCC_EIO, "connection refused");
}

/* ---- a chain with everything faked ---- */

typedef struct rig {
	fenv env;
	tdir dir;
	long long now;
	fsts sts;
	fhttp http;
	creds_options o;
} rig;

static void rig_init(rig *r)
{
	memset(r, 0, sizeof *r);
	tdir_init(&r->dir, &r->env);
	r->now = 1800000000;
	r->sts.now = &r->now;
	r->o.getenv = fenv_get;
	r->o.getenv_payload = &r->env;
	r->o.clock = clock_of;
	r->o.clock_payload = &r->now;
	r->o.sts = fsts_call;
	r->o.sts_payload = &r->sts;
	r->o.http = fhttp_call;
	r->o.http_payload = &r->http;
}

static void rig_config(rig *r, const char *text)
{
	tdir_file(&r->dir, "config", text);
}

static void rig_credentials(rig *r, const char *text)
{
	tdir_file(&r->dir, "credentials", text);
}

/* Resolve once; returns the code, fills *out on success and `e`. */
static int rig_get(rig *r, creds_credentials **out, fcc_err *e)
{
	creds_chain *c = NULL;
	int rc;

	*out = NULL;
	fcc_err_clear(e);
	rc = creds_chain_new(&c, &r->o, e);
	if (rc == FCC_OK)
		rc = creds_get(out, c, e);
	creds_chain_free(c);
	return rc;
}

/* The source that wins, asserting success. Returns a static copy. */
static const char *rig_source(rig *r)
{
	static char src[256];
	creds_credentials *cr;
	fcc_err e;
	int rc = rig_get(r, &cr, &e);

	ck_assert_msg(rc == FCC_OK, "chain failed (%d): %s", rc, e.msg);
	snprintf(src, sizeof src, "%s", cr->source);
	creds_credentials_free(cr);
	return src;
}

#define STATIC_DEFAULT_CREDS                                                                       \
	"[default]\naws_access_key_id = AKFILE\naws_secret_access_key = SKFILE\n"
#define STATIC_DEFAULT_CONFIG                                                                      \
	"[default]\naws_access_key_id = AKCONFIG\naws_secret_access_key = SKCONFIG\n"

/* ---- single sources ---- */

START_TEST(test_creds_env_alone)
{
	rig r;
	creds_credentials *cr;
	fcc_err e;

	rig_init(&r);
	fenv_set(&r.env, "AWS_ACCESS_KEY_ID", "AKENV");
	fenv_set(&r.env, "AWS_SECRET_ACCESS_KEY", "SKENV");
	fenv_set(&r.env, "AWS_SECURITY_TOKEN", "legacy-token");
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_OK);
	ck_assert_str_eq(cr->source, "env");
	ck_assert_str_eq(cr->access_key_id, "AKENV");
	ck_assert_str_eq(cr->secret_access_key, "SKENV");
	ck_assert_str_eq(cr->session_token, "legacy-token");
	ck_assert_int_eq(cr->expiration, 0);
	creds_credentials_free(cr);
	/* AWS_SESSION_TOKEN wins over the legacy name */
	fenv_set(&r.env, "AWS_SESSION_TOKEN", "new-token");
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_OK);
	ck_assert_str_eq(cr->session_token, "new-token");
	creds_credentials_free(cr);
	ck_assert_int_eq(r.sts.n, 0);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_env_partial_is_skipped_with_note)
{
	rig r;
	creds_chain *c;
	creds_credentials *cr;
	fcc_err e;

	rig_init(&r);
	fenv_set(&r.env, "AWS_ACCESS_KEY_ID", "AKENV-PARTIAL");
	rig_config(&r, STATIC_DEFAULT_CONFIG);
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	ck_assert_str_eq(cr->source, "shared-config-file");
	ck_assert_str_eq(cr->access_key_id, "AKCONFIG");
	ck_assert_ptr_nonnull(
		strstr(creds_chain_notes(c),
		       "env: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; skipped"));
	ck_assert_ptr_null(strstr(creds_chain_notes(c), "AKENV-PARTIAL"));
	creds_credentials_free(cr);
	creds_chain_free(c);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_shared_credentials_file_alone)
{
	rig r;
	creds_credentials *cr;
	fcc_err e;

	rig_init(&r);
	rig_credentials(&r,
			"[default]\naws_access_key_id = AKFILE\naws_secret_access_key = SKFILE\n"
			"aws_session_token = TKFILE\n");
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_OK);
	ck_assert_str_eq(cr->source, "shared-credentials-file");
	ck_assert_str_eq(cr->access_key_id, "AKFILE");
	ck_assert_str_eq(cr->secret_access_key, "SKFILE");
	ck_assert_str_eq(cr->session_token, "TKFILE");
	creds_credentials_free(cr);
	/* half a key pair is an error that names the field, not the value */
	rig_credentials(&r, "[default]\naws_access_key_id = AKHALF\n");
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ECHECK);
	ck_assert_ptr_nonnull(
		strstr(e.msg, "aws_access_key_id is set but aws_secret_access_key is not"));
	ck_assert_ptr_nonnull(strstr(e.msg, "profile:default"));
	ck_assert_ptr_null(strstr(e.msg, "AKHALF"));
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_shared_config_file_alone)
{
	rig r;

	rig_init(&r);
	rig_config(&r, "[profile dev]\naws_access_key_id = AKDEV\naws_secret_access_key = SKDEV\n");
	fenv_set(&r.env, "AWS_PROFILE", "dev");
	ck_assert_str_eq(rig_source(&r), "shared-config-file");
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_nothing_found_lists_notes)
{
	rig r;
	creds_credentials *cr;
	fcc_err e;

	rig_init(&r);
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ENOTFOUND);
	ck_assert_ptr_null(cr);
	ck_assert_ptr_nonnull(strstr(e.msg, "no AWS credentials found for profile:default"));
	ck_assert_ptr_nonnull(strstr(e.msg, "imds: disabled by AWS_EC2_METADATA_DISABLED"));
	/* disabled means not even tried */
	ck_assert_int_eq(r.http.calls, 0);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_profile_selection)
{
	rig r;
	creds_chain *c;
	creds_credentials *cr;
	fcc_err e;

	rig_init(&r);
	rig_credentials(&r, "[default]\naws_access_key_id = AKDEF\naws_secret_access_key = s\n"
			    "[a]\naws_access_key_id = AKA\naws_secret_access_key = s\n"
			    "[b]\naws_access_key_id = AKB\naws_secret_access_key = s\n"
			    "[c]\naws_access_key_id = AKC\naws_secret_access_key = s\n");
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_str_eq(creds_chain_profile(c), "default");
	creds_chain_free(c);
	fenv_set(&r.env, "AWS_DEFAULT_PROFILE", "c");
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_str_eq(creds_chain_profile(c), "c");
	creds_chain_free(c);
	fenv_set(&r.env, "AWS_PROFILE", "b");
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_str_eq(creds_chain_profile(c), "b");
	creds_chain_free(c);
	r.o.profile = "a";
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_str_eq(creds_chain_profile(c), "a");
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	ck_assert_str_eq(cr->access_key_id, "AKA");
	creds_credentials_free(cr);
	creds_chain_free(c);

	/* a named profile that does not exist is an error, not a fall-through */
	r.o.profile = "nope";
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_ENOTFOUND);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(e.msg, "profile 'nope' (from --profile)"));
	r.o.profile = NULL;
	fenv_set(&r.env, "AWS_PROFILE", "gone");
	fenv_set(&r.env, "AWS_ACCESS_KEY_ID", "AKENV");
	fenv_set(&r.env, "AWS_SECRET_ACCESS_KEY", "SKENV");
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "profile 'gone' (from AWS_PROFILE)"));
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_explicit_profile_outranks_env)
{
	rig r;
	creds_chain *c;
	creds_credentials *cr;
	fcc_err e;

	rig_init(&r);
	rig_credentials(&r, "[a]\naws_access_key_id = AKA\naws_secret_access_key = s\n");
	fenv_set(&r.env, "AWS_ACCESS_KEY_ID", "AKENV");
	fenv_set(&r.env, "AWS_SECRET_ACCESS_KEY", "SKENV");
	/* AWS_PROFILE does not outrank the environment keys... */
	fenv_set(&r.env, "AWS_PROFILE", "a");
	ck_assert_str_eq(rig_source(&r), "env");
	/* ...a profile chosen in code does (botocore) */
	r.o.profile = "a";
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	ck_assert_str_eq(cr->source, "shared-credentials-file");
	ck_assert_ptr_nonnull(strstr(creds_chain_notes(c), "profile:a was chosen explicitly"));
	creds_credentials_free(cr);
	creds_chain_free(c);
	tdir_done(&r.dir);
}
END_TEST

/* ---- precedence between adjacent providers ---- */

START_TEST(test_creds_precedence_env_over_assume_role)
{
	rig r;

	rig_init(&r);
	rig_config(&r, "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
		       "[profile base]\naws_access_key_id = AKB\naws_secret_access_key = s\n");
	fenv_set(&r.env, "AWS_ACCESS_KEY_ID", "AKENV");
	fenv_set(&r.env, "AWS_SECRET_ACCESS_KEY", "SKENV");
	ck_assert_str_eq(rig_source(&r), "env");
	ck_assert_int_eq(r.sts.n, 0);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_precedence_assume_role_over_web_identity)
{
	rig r;

	rig_init(&r);
	rig_config(&r, "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
		       "[profile base]\naws_access_key_id = AKB\naws_secret_access_key = s\n");
	fenv_set(&r.env, "AWS_WEB_IDENTITY_TOKEN_FILE", tdir_file(&r.dir, "tok", "jwt"));
	fenv_set(&r.env, "AWS_ROLE_ARN", "arn:aws:iam::1:role/ci");
	ck_assert_str_eq(rig_source(&r), "profile:default (assume-role via profile:base)");
	ck_assert_int_eq(r.sts.n, 1);
	ck_assert_int_eq(r.sts.calls[0].kind, CREDS_STS_ASSUME_ROLE);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_precedence_web_identity_over_shared_credentials)
{
	rig r;

	rig_init(&r);
	rig_credentials(&r, STATIC_DEFAULT_CREDS);
	fenv_set(&r.env, "AWS_WEB_IDENTITY_TOKEN_FILE", tdir_file(&r.dir, "tok", "jwt"));
	fenv_set(&r.env, "AWS_ROLE_ARN", "arn:aws:iam::1:role/ci");
	ck_assert_str_eq(rig_source(&r), "web-identity");
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_precedence_shared_credentials_over_process)
{
	rig r;
	char cfg[512];

	rig_init(&r);
	rig_credentials(&r, STATIC_DEFAULT_CREDS);
	/* the process would leave a marker file if it ran */
	snprintf(cfg, sizeof cfg, "[default]\ncredential_process = touch %s/ran\n", r.dir.path);
	rig_config(&r, cfg);
	ck_assert_str_eq(rig_source(&r), "shared-credentials-file");
	ck_assert_int_ne(access(tdir_file(&r.dir, "ran", NULL), F_OK), 0);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_precedence_process_over_config)
{
	rig r;

	rig_init(&r);
	rig_config(&r, STATIC_DEFAULT_CONFIG
		   "credential_process = echo '{\"Version\":1,\"AccessKeyId\":\"AKPROC\","
		   "\"SecretAccessKey\":\"SKPROC\"}'\n");
	ck_assert_str_eq(rig_source(&r), "credential-process");
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_precedence_config_over_container)
{
	rig r;

	rig_init(&r);
	rig_config(&r, STATIC_DEFAULT_CONFIG);
	fenv_set(&r.env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds");
	ck_assert_str_eq(rig_source(&r), "shared-config-file");
	ck_assert_int_eq(r.http.calls, 0);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_precedence_container_over_imds)
{
	rig r;
	creds_credentials *cr;
	fcc_err e;

	rig_init(&r);
	fenv_set(&r.env, "AWS_EC2_METADATA_DISABLED", "false");
	fenv_set(&r.env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds");
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_OK);
	ck_assert_str_eq(cr->source, "container");
	ck_assert_str_eq(cr->access_key_id, "AKFAKECONTAINER");
	creds_credentials_free(cr);
	/* one request: the container's; IMDS was never asked */
	ck_assert_int_eq(r.http.calls, 1);
	tdir_done(&r.dir);
}
END_TEST

/* ---- role chaining ---- */

START_TEST(test_creds_role_chain_source_profiles)
{
	rig r;
	creds_credentials *cr;
	fcc_err e;

	rig_init(&r);
	rig_config(&r,
		   "[profile dev]\nrole_arn = arn:aws:iam::1:role/dev\nsource_profile = mid\n"
		   "external_id = ext-1\nrole_session_name = fcc-test\nduration_seconds = 1800\n"
		   "[profile mid]\nrole_arn = arn:aws:iam::1:role/mid\nsource_profile = base\n");
	rig_credentials(&r, "[base]\naws_access_key_id = AKBASE\naws_secret_access_key = SKBASE\n");
	r.o.profile = "dev";
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_OK);
	ck_assert_str_eq(cr->source, "profile:dev (assume-role via profile:mid via profile:base)");
	ck_assert_int_eq(r.sts.n, 2);
	/* mid is assumed with base's static keys... */
	ck_assert_str_eq(r.sts.calls[0].role_arn, "arn:aws:iam::1:role/mid");
	ck_assert_str_eq(r.sts.calls[0].src_akid, "AKBASE");
	ck_assert_str_eq(r.sts.calls[0].src_secret, "SKBASE");
	ck_assert_int_eq(r.sts.calls[0].duration, 0);
	/* ...and dev with what that returned, with dev's own settings */
	ck_assert_str_eq(r.sts.calls[1].role_arn, "arn:aws:iam::1:role/dev");
	ck_assert_str_eq(r.sts.calls[1].src_akid, "ASIA1-mid");
	ck_assert_str_eq(r.sts.calls[1].src_secret, "secret-of-ASIA1-mid");
	ck_assert_str_eq(r.sts.calls[1].external_id, "ext-1");
	ck_assert_str_eq(r.sts.calls[1].session, "fcc-test");
	ck_assert_int_eq(r.sts.calls[1].duration, 1800);
	ck_assert_str_eq(cr->access_key_id, "ASIA2-dev");
	ck_assert_int_eq(cr->expiration, r.now + 3600);
	creds_credentials_free(cr);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_role_chain_errors)
{
	rig r;
	creds_credentials *cr;
	fcc_err e;
	char cfg[4096];
	size_t n = 0;
	int i;

	rig_init(&r);
	/* a -> b -> a */
	rig_config(&r, "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
		       "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n");
	r.o.profile = "a";
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ECHECK);
	ck_assert_ptr_nonnull(strstr(e.msg, "source_profile cycle: a -> b -> a"));
	ck_assert_int_eq(r.sts.n, 0);

	/* naming itself is fine when the profile has static keys (botocore) */
	rig_config(&r, "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = a\n"
		       "aws_access_key_id = AKSELF\naws_secret_access_key = SKSELF\n");
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_OK);
	ck_assert_str_eq(cr->source, "profile:a (assume-role via profile:a)");
	ck_assert_str_eq(r.sts.calls[0].src_akid, "AKSELF");
	creds_credentials_free(cr);
	/* ...and a cycle without them */
	rig_config(&r, "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = a\n");
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ECHECK);
	ck_assert_ptr_nonnull(strstr(e.msg, "cycle"));

	/* a chain longer than the limit */
	for (i = 0; i < CREDS_MAX_CHAIN_DEPTH + 2; i++)
		n += (size_t)snprintf(
			cfg + n, sizeof cfg - n,
			"[profile p%d]\nrole_arn = arn:aws:iam::1:role/p%d\nsource_profile = p%d\n",
			i, i, i + 1);
	snprintf(cfg + n, sizeof cfg - n,
		 "[profile p%d]\naws_access_key_id = A\naws_secret_access_key = S\n", i);
	rig_config(&r, cfg);
	r.o.profile = "p0";
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ECHECK);
	ck_assert_ptr_nonnull(strstr(e.msg, "longer than"));

	/* missing source profile, both and neither source keys, STS refusing */
	rig_config(&r,
		   "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = ghost\n"
		   "[profile both]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = a\n"
		   "credential_source = Environment\n"
		   "[profile neither]\nrole_arn = arn:aws:iam::1:role/a\n"
		   "[profile bad]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Laptop\n"
		   "[profile dur]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = s\n"
		   "duration_seconds = 60\n"
		   "[profile s]\naws_access_key_id = A\naws_secret_access_key = S\n"
		   "[profile denied]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = s\n");
	r.o.profile = "a";
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "source_profile 'ghost' does not exist"));
	r.o.profile = "both";
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ECHECK);
	ck_assert_ptr_nonnull(strstr(e.msg, "not both"));
	r.o.profile = "neither";
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ECHECK);
	ck_assert_ptr_nonnull(strstr(e.msg, "role_arn needs source_profile or credential_source"));
	r.o.profile = "bad";
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ECHECK);
	ck_assert_ptr_nonnull(strstr(e.msg, "credential_source must be"));
	r.o.profile = "dur";
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ECHECK);
	ck_assert_ptr_nonnull(strstr(e.msg, "duration_seconds"));
	r.o.profile = "denied";
	r.sts.fail_code = "AccessDenied";
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_EAWS);
	ck_assert_ptr_nonnull(strstr(
		e.msg, "profile:denied: AssumeRole arn:aws:iam::1:role/x failed: AccessDenied"));
	ck_assert_ptr_null(cr);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_role_credential_source)
{
	rig r;
	creds_credentials *cr;
	fcc_err e;

	rig_init(&r);
	rig_config(
		&r,
		"[profile ci]\nrole_arn = arn:aws:iam::1:role/ci\ncredential_source = Environment\n"
		"[profile ecs]\nrole_arn = arn:aws:iam::1:role/ecs\ncredential_source = EcsContainer\n");
	fenv_set(&r.env, "AWS_ACCESS_KEY_ID", "AKENV");
	fenv_set(&r.env, "AWS_SECRET_ACCESS_KEY", "SKENV");
	r.o.profile = "ci"; /* chosen in code: the env provider itself stands aside */
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_OK);
	ck_assert_str_eq(cr->source, "profile:ci (assume-role via credential_source:Environment)");
	ck_assert_str_eq(r.sts.calls[0].src_akid, "AKENV");
	creds_credentials_free(cr);
	r.o.profile = "ecs";
	fenv_set(&r.env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds");
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_OK);
	ck_assert_str_eq(r.sts.calls[1].src_akid, "AKFAKECONTAINER");
	creds_credentials_free(cr);
	/* no STS client configured: a clear error */
	r.o.sts = NULL;
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ECHECK);
	ck_assert_ptr_nonnull(strstr(e.msg, "no STS client"));
	tdir_done(&r.dir);
}
END_TEST

/* ---- web identity ---- */

START_TEST(test_creds_web_identity_reads_token_fresh)
{
	rig r;
	creds_chain *c;
	creds_credentials *cr;
	fcc_err e;
	char tok[128];

	rig_init(&r);
	snprintf(tok, sizeof tok, "%s", tdir_file(&r.dir, "token", "jwt-one\n"));
	fenv_set(&r.env, "AWS_WEB_IDENTITY_TOKEN_FILE", tok);
	fenv_set(&r.env, "AWS_ROLE_ARN", "arn:aws:iam::1:role/ci");
	fenv_set(&r.env, "AWS_ROLE_SESSION_NAME", "gh-run-7");
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	ck_assert_str_eq(cr->source, "web-identity");
	ck_assert_int_eq(r.sts.n, 1);
	ck_assert_int_eq(r.sts.calls[0].kind, CREDS_STS_WEB_IDENTITY);
	ck_assert_str_eq(r.sts.calls[0].token, "jwt-one");
	ck_assert_str_eq(r.sts.calls[0].role_arn, "arn:aws:iam::1:role/ci");
	ck_assert_str_eq(r.sts.calls[0].session, "gh-run-7");
	ck_assert_str_eq(r.sts.calls[0].src_akid, "");
	creds_credentials_free(cr);
	/* the platform rotates the token; the refresh must send the new one */
	tdir_file(&r.dir, "token", "jwt-two");
	r.now += 3600 - 60;
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	ck_assert_int_eq(r.sts.n, 2);
	ck_assert_str_eq(r.sts.calls[1].token, "jwt-two");
	creds_credentials_free(cr);
	creds_chain_free(c);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_web_identity_profile_keys_and_errors)
{
	rig r;
	creds_credentials *cr;
	fcc_err e;
	char cfg[512];

	rig_init(&r);
	snprintf(cfg, sizeof cfg,
		 "[default]\nweb_identity_token_file = %s/tok\nrole_arn = arn:aws:iam::1:role/p\n",
		 r.dir.path);
	rig_config(&r, cfg);
	tdir_file(&r.dir, "tok", "jwt-profile");
	ck_assert_str_eq(rig_source(&r), "web-identity");
	ck_assert_str_eq(r.sts.calls[0].role_arn, "arn:aws:iam::1:role/p");
	ck_assert_str_eq(r.sts.calls[0].token, "jwt-profile");
	/* AWS_ROLE_ARN overrides the profile's role */
	fenv_set(&r.env, "AWS_ROLE_ARN", "arn:aws:iam::1:role/env");
	ck_assert_str_eq(rig_source(&r), "web-identity");
	ck_assert_str_eq(r.sts.calls[1].role_arn, "arn:aws:iam::1:role/env");
	/* token file set but no role anywhere */
	rig_config(&r, "");
	fenv_set(&r.env, "AWS_ROLE_ARN", NULL);
	fenv_set(&r.env, "AWS_WEB_IDENTITY_TOKEN_FILE", tdir_file(&r.dir, "tok", NULL));
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ECHECK);
	ck_assert_ptr_nonnull(strstr(e.msg, "no role ARN"));
	/* a missing token file */
	fenv_set(&r.env, "AWS_ROLE_ARN", "arn:aws:iam::1:role/env");
	fenv_set(&r.env, "AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/fcc/token");
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "cannot read /nonexistent/fcc/token"));
	tdir_done(&r.dir);
}
END_TEST

/* ---- credential_process ---- */

static int process_run(rig *r, const char *command, creds_credentials **out, fcc_err *e)
{
	char cfg[1024];

	snprintf(cfg, sizeof cfg, "[profile proc]\ncredential_process = %s\n", command);
	rig_config(r, cfg);
	r->o.profile = "proc";
	return rig_get(r, out, e);
}

START_TEST(test_creds_process_success)
{
	rig r;
	creds_credentials *cr;
	fcc_err e;

	rig_init(&r);
	ck_assert_int_eq(
		process_run(&r,
			    "printf '%s' '{\"Version\": 1, \"AccessKeyId\": \"AKPROC\", "
			    "\"SecretAccessKey\": \"SKPROC\", \"SessionToken\": \"TKPROC\", "
			    "\"Expiration\": \"2027-01-15T10:30:00Z\"}'",
			    &cr, &e),
		FCC_OK);
	ck_assert_str_eq(cr->source, "credential-process");
	ck_assert_str_eq(cr->access_key_id, "AKPROC");
	ck_assert_str_eq(cr->secret_access_key, "SKPROC");
	ck_assert_str_eq(cr->session_token, "TKPROC");
	ck_assert_int_eq(cr->expiration, 1800009000LL);
	creds_credentials_free(cr);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_process_failures_never_echo_stdout)
{
	rig r;
	creds_credentials *cr;
	fcc_err e;

	rig_init(&r);
	ck_assert_int_eq(
		process_run(&r, "echo SECRET-OUT; echo 'token expired' >&2; exit 3", &cr, &e),
		FCC_EIO);
	ck_assert_ptr_nonnull(
		strstr(e.msg, "credential_process for profile:proc: exited with status 3"));
	ck_assert_ptr_nonnull(strstr(e.msg, "token expired"));
	ck_assert_ptr_null(strstr(e.msg, "SECRET-OUT"));

	ck_assert_int_eq(process_run(&r, "echo 'not json SECRET-OUT'", &cr, &e), FCC_EPARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "profile:proc"));
	ck_assert_ptr_nonnull(strstr(e.msg, "not valid JSON"));
	ck_assert_ptr_null(strstr(e.msg, "SECRET"));

	ck_assert_int_eq(
		process_run(
			&r,
			"echo '{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"SECRET-OUT\"}'",
			&cr, &e),
		FCC_EPARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "Version must be 1"));
	ck_assert_ptr_null(strstr(e.msg, "SECRET"));

	ck_assert_int_eq(process_run(&r, "echo '{\"Version\":1,\"AccessKeyId\":\"A\"}'", &cr, &e),
			 FCC_EPARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "SecretAccessKey missing"));
	ck_assert_ptr_null(cr);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_expired_source_is_refused)
{
	rig r;
	creds_chain *c;
	creds_credentials *cr;
	fcc_err e;
	char cfg[1024];
	const char *f;

	/* a source answering with credentials already past their Expiration:
	 * refused, naming the source and the time, never handed to the signer */
	rig_init(&r);
	ck_assert_int_eq(process_run(&r,
				     "printf '%s' '{\"Version\": 1, \"AccessKeyId\": \"AKOLD\", "
				     "\"SecretAccessKey\": \"SKOLD\", \"SessionToken\": \"TKOLD\", "
				     "\"Expiration\": \"2020-01-01T00:00:00Z\"}'",
				     &cr, &e),
			 FCC_ECHECK);
	ck_assert_ptr_null(cr);
	ck_assert_ptr_nonnull(strstr(e.msg, "credential-process"));
	ck_assert_ptr_nonnull(strstr(e.msg, "expired at 2020-01-01T00:00:00Z"));
	ck_assert_ptr_null(strstr(e.msg, "SKOLD"));
	ck_assert_ptr_null(strstr(e.msg, "TKOLD"));
	tdir_done(&r.dir);

	/* a refresh that brings back expired ones: the old ones serve while
	 * they are valid, then the chain says why it has nothing */
	rig_init(&r);
	f = tdir_file(&r.dir, "creds.json",
		      "{\"Version\": 1, \"AccessKeyId\": \"AK1\", \"SecretAccessKey\": \"S1\", "
		      "\"SessionToken\": \"T1\", \"Expiration\": \"2027-01-15T09:00:00Z\"}");
	snprintf(cfg, sizeof cfg, "[default]\ncredential_process = cat %s\n", f);
	rig_config(&r, cfg);
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK); /* now: 08:00, valid one hour */
	ck_assert_str_eq(cr->access_key_id, "AK1");
	creds_credentials_free(cr);
	tdir_file(&r.dir, "creds.json",
		  "{\"Version\": 1, \"AccessKeyId\": \"AK2\", \"SecretAccessKey\": \"S2\", "
		  "\"SessionToken\": \"T2\", \"Expiration\": \"2027-01-15T08:30:00Z\"}");
	r.now += 3600 - 60; /* inside the refresh margin; the new ones expired at 08:30 */
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	ck_assert_str_eq(cr->access_key_id, "AK1");
	ck_assert_ptr_nonnull(strstr(creds_chain_notes(c), "expired at 2027-01-15T08:30:00Z"));
	creds_credentials_free(cr);
	r.now += 120; /* the old ones are gone too */
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_ECHECK);
	ck_assert_ptr_null(cr);
	ck_assert_ptr_nonnull(strstr(e.msg, "expired at 2027-01-15T08:30:00Z"));
	creds_chain_free(c);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_process_timeout)
{
	rig r;
	creds_credentials *cr;
	fcc_err e;
	struct timespec t0, t1;
	double took;

	rig_init(&r);
	r.o.process_timeout_ms = 300;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(process_run(&r, "sleep 5; echo late", &cr, &e), FCC_ETIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(took >= 0.25 && took < 3.0, "took %.2f s", took);
	ck_assert_ptr_nonnull(strstr(e.msg, "did not finish within 300 ms"));
	tdir_done(&r.dir);
}
END_TEST

/* ---- the loopback credential server (tests/aws/creds_server.py) ---- */

typedef struct server {
	pid_t pid;
	int stdin_fd;
	int port;
	char log[160];
} server;

static void server_start(server *s, const tdir *t, const char *extra1, const char *extra2)
{
	int in[2], out[2];
	posix_spawn_file_actions_t fa;
	char *argv[8];
	char buf[32];
	ssize_t n, got = 0;
	int i = 0;

	snprintf(s->log, sizeof s->log, "%s/server.log", t->path);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addclose(&fa, in[0]);
	posix_spawn_file_actions_addclose(&fa, out[1]);
	argv[i++] = "python3";
	argv[i++] = (char *)tu_path("tests/aws/creds_server.py");
	argv[i++] = s->log;
	if (extra1) {
		argv[i++] = (char *)extra1;
		argv[i++] = (char *)extra2;
	}
	argv[i] = NULL;
	ck_assert_int_eq(posix_spawnp(&s->pid, "python3", &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	s->stdin_fd = in[1];
	while (got < (ssize_t)sizeof buf - 1 &&
	       (n = read(out[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0) {
		got += n;
		if (memchr(buf, '\n', (size_t)got))
			break;
	}
	close(out[0]);
	buf[got > 0 ? got : 0] = '\0';
	s->port = atoi(buf);
	ck_assert_msg(s->port > 0, "creds_server.py did not print a port");
}

static void server_stop(server *s)
{
	int st;

	close(s->stdin_fd);
	kill(s->pid, SIGTERM);
	waitpid(s->pid, &st, 0);
}

START_TEST(test_creds_container_full_uri_with_token)
{
	rig r;
	server srv;
	creds_credentials *cr;
	fcc_err e;
	char url[128];
	char *log;

	rig_init(&r);
	r.o.http = NULL; /* the real libcurl callback */
	server_start(&srv, &r.dir, NULL, NULL);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/creds", srv.port);
	fenv_set(&r.env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
	fenv_set(&r.env, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-auth-token");
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_OK);
	ck_assert_str_eq(cr->source, "container");
	ck_assert_str_eq(cr->access_key_id, "AKCONTAINER");
	ck_assert_str_eq(cr->secret_access_key, "SECRET-AKCONTAINER");
	ck_assert_str_eq(cr->session_token, "TOKEN-AKCONTAINER");
	ck_assert_int_eq(cr->expiration, 4070908800LL);
	creds_credentials_free(cr);
	/* the token file wins over the variable */
	fenv_set(&r.env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		 tdir_file(&r.dir, "auth", "file-auth-token\n"));
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_OK);
	creds_credentials_free(cr);
	server_stop(&srv);
	log = tu_read(srv.log, NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert_str_eq(log, "GET /creds auth=env-auth-token tok=- ttl=-\n"
			      "GET /creds auth=file-auth-token tok=- ttl=-\n");
	free(log);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_container_full_uri_host_rule)
{
	rig r;
	creds_credentials *cr;
	fcc_err e;
	static const char *refused[] = {"http://example.com/creds", "http://10.0.0.1/creds",
					"http://169.254.169.254/x", "ftp://127.0.0.1/creds",
					"http://user@example.com@127.0.0.1/x"};
	static const char *allowed[] = {"http://127.0.0.1:9/creds",
					"http://127.1.2.3/creds",
					"http://localhost/creds",
					"http://[::1]:80/creds",
					"http://169.254.170.2/creds",
					"http://169.254.170.23/v1/credentials",
					"http://[fd00:ec2::23]/v1/credentials",
					"https://creds.example.com/x"};
	size_t i;

	rig_init(&r);
	for (i = 0; i < sizeof refused / sizeof *refused; i++) {
		fenv_set(&r.env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", refused[i]);
		ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ECHECK);
		ck_assert_ptr_nonnull(strstr(e.msg, "must be https"));
	}
	ck_assert_int_eq(r.http.calls, 0);
	for (i = 0; i < sizeof allowed / sizeof *allowed; i++) {
		fenv_set(&r.env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed[i]);
		ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_OK);
		creds_credentials_free(cr);
	}
	ck_assert_int_eq(r.http.calls, (int)(sizeof allowed / sizeof *allowed));
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_imds_v2_put_then_get)
{
	rig r;
	server srv;
	creds_credentials *cr;
	fcc_err e;
	char url[128];
	char *log;

	rig_init(&r);
	r.o.http = NULL;
	server_start(&srv, &r.dir, NULL, NULL);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", srv.port);
	fenv_set(&r.env, "AWS_EC2_METADATA_DISABLED", NULL);
	fenv_set(&r.env, "AWS_EC2_METADATA_SERVICE_ENDPOINT", url);
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_OK);
	ck_assert_str_eq(cr->source, "imds");
	ck_assert_str_eq(cr->access_key_id, "AKIMDS");
	ck_assert_str_eq(cr->session_token, "TOKEN-AKIMDS");
	creds_credentials_free(cr);
	server_stop(&srv);
	log = tu_read(srv.log, NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert_str_eq(
		log,
		"PUT /latest/api/token auth=- tok=- ttl=21600\n"
		"GET /latest/meta-data/iam/security-credentials/ auth=- tok=imds-session-token-1 ttl=-\n"
		"GET /latest/meta-data/iam/security-credentials/fcc-test-role auth=- "
		"tok=imds-session-token-1 ttl=-\n");
	free(log);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_imds_disabled_and_fails_fast)
{
	rig r;
	server srv;
	creds_chain *c;
	creds_credentials *cr;
	fcc_err e;
	char url[128];
	char *log;
	struct timespec t0, t1;
	double took;

	rig_init(&r);
	r.o.http = NULL;
	server_start(&srv, &r.dir, "--slow", "3");
	snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
	fenv_set(&r.env, "AWS_EC2_METADATA_SERVICE_ENDPOINT", url);
	/* disabled (any case of "true"): not a single request */
	fenv_set(&r.env, "AWS_EC2_METADATA_DISABLED", "TRUE");
	ck_assert_int_eq(rig_get(&r, &cr, &e), FCC_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "imds: disabled"));
	/* enabled against a server that answers too slowly: one attempt, 1 s */
	fenv_set(&r.env, "AWS_EC2_METADATA_DISABLED", "false");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_ENOTFOUND);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(took >= 0.9 && took < 2.5, "took %.2f s", took);
	ck_assert_ptr_nonnull(strstr(creds_chain_notes(c), "imds: no answer from"));
	creds_chain_free(c);
	server_stop(&srv);
	log = tu_read(srv.log, NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert_str_eq(log, "PUT /latest/api/token auth=- tok=- ttl=21600\n");
	free(log);
	tdir_done(&r.dir);
}
END_TEST

/* ---- refresh ---- */

START_TEST(test_creds_refresh_before_expiry)
{
	rig r;
	creds_chain *c;
	creds_credentials *cr;
	fcc_err e;
	long long t0;

	rig_init(&r);
	rig_config(&r, "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
		       "[profile base]\naws_access_key_id = AKB\naws_secret_access_key = s\n");
	t0 = r.now;
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	ck_assert_str_eq(cr->access_key_id, "ASIA1-r");
	creds_credentials_free(cr);
	/* 10 minutes before expiry: still outside the 5-minute margin */
	r.now = t0 + 3600 - 600;
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	ck_assert_str_eq(cr->access_key_id, "ASIA1-r");
	creds_credentials_free(cr);
	ck_assert_int_eq(r.sts.n, 1);
	/* 4 minutes before: refreshed through the same provider */
	r.now = t0 + 3600 - 240;
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	ck_assert_str_eq(cr->access_key_id, "ASIA2-r");
	ck_assert_str_eq(cr->source, "profile:default (assume-role via profile:base)");
	ck_assert_int_eq(cr->expiration, r.now + 3600);
	creds_credentials_free(cr);
	ck_assert_int_eq(r.sts.n, 2);
	/* a failed refresh keeps serving credentials that are still valid... */
	r.now += 3600 - 100;
	r.sts.fail_code = "Throttling";
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	ck_assert_str_eq(cr->access_key_id, "ASIA2-r");
	ck_assert_ptr_nonnull(strstr(creds_chain_notes(c), "refresh failed"));
	creds_credentials_free(cr);
	/* ...but not expired ones */
	r.now += 200;
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_EAWS);
	ck_assert_ptr_nonnull(strstr(e.msg, "Throttling"));
	ck_assert_ptr_null(cr);
	creds_chain_free(c);

	/* a configurable margin */
	r.sts.fail_code = NULL;
	r.sts.n = 0;
	r.o.refresh_margin_s = 1200;
	t0 = r.now;
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	creds_credentials_free(cr);
	r.now = t0 + 3600 - 1000;
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	creds_credentials_free(cr);
	ck_assert_int_eq(r.sts.n, 2);
	creds_chain_free(c);
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_static_keys_never_refresh)
{
	rig r;
	creds_chain *c;
	creds_credentials *cr;
	fcc_err e;

	rig_init(&r);
	rig_credentials(&r, STATIC_DEFAULT_CREDS);
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	creds_credentials_free(cr);
	/* the file changes, but long-term keys are not re-read */
	rig_credentials(&r, "[default]\naws_access_key_id = AKNEW\naws_secret_access_key = s\n");
	r.now += 86400 * 365;
	ck_assert_int_eq(creds_get(&cr, c, &e), FCC_OK);
	ck_assert_str_eq(cr->access_key_id, "AKFILE");
	creds_credentials_free(cr);
	creds_chain_free(c);
	tdir_done(&r.dir);
}
END_TEST

/* ---- region ---- */

START_TEST(test_creds_region_order)
{
	rig r;
	creds_chain *c;
	fcc_err e;
	char *region;
	const char *src;

	rig_init(&r);
	rig_config(&r, "[profile dev]\nregion = eu-central-1\n");
	fenv_set(&r.env, "AWS_PROFILE", "dev");
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_chain_region(&region, &src, c, "us-west-2", &e), FCC_OK);
	ck_assert_str_eq(region, "eu-central-1");
	ck_assert_str_eq(src, "profile:dev");
	fcc_free(region);
	creds_chain_free(c);

	fenv_set(&r.env, "AWS_DEFAULT_REGION", "ap-south-1");
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_chain_region(&region, &src, c, "us-west-2", &e), FCC_OK);
	ck_assert_str_eq(region, "ap-south-1");
	ck_assert_str_eq(src, "env:AWS_DEFAULT_REGION");
	fcc_free(region);
	creds_chain_free(c);

	fenv_set(&r.env, "AWS_REGION", "sa-east-1");
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_chain_region(&region, &src, c, "us-west-2", &e), FCC_OK);
	ck_assert_str_eq(region, "sa-east-1");
	ck_assert_str_eq(src, "env:AWS_REGION");
	fcc_free(region);
	creds_chain_free(c);

	r.o.region = "us-east-2";
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_chain_region(&region, &src, c, "us-west-2", &e), FCC_OK);
	ck_assert_str_eq(region, "us-east-2");
	ck_assert_str_eq(src, "option");
	fcc_free(region);
	creds_chain_free(c);

	/* nothing but the caller's fallback, then nothing at all */
	r.o.region = NULL;
	fenv_set(&r.env, "AWS_REGION", NULL);
	fenv_set(&r.env, "AWS_DEFAULT_REGION", NULL);
	fenv_set(&r.env, "AWS_PROFILE", NULL);
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	ck_assert_int_eq(creds_chain_region(&region, &src, c, "us-west-2", &e), FCC_OK);
	ck_assert_str_eq(region, "us-west-2");
	ck_assert_str_eq(src, "fallback");
	fcc_free(region);
	ck_assert_int_eq(creds_chain_region(&region, &src, c, NULL, &e), FCC_ENOTFOUND);
	ck_assert_ptr_null(region);
	creds_chain_free(c);

	/* the STS callback is told the resolved region */
	fenv_set(&r.env, "AWS_REGION", "eu-north-1");
	rig_config(&r, "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
		       "[profile base]\naws_access_key_id = AKB\naws_secret_access_key = s\n");
	ck_assert_str_eq(rig_source(&r), "profile:default (assume-role via profile:base)");
	ck_assert_str_eq(r.sts.calls[0].region, "eu-north-1");
	tdir_done(&r.dir);
}
END_TEST

/* ---- small pieces ---- */

START_TEST(test_creds_parse_time)
{
	long long t;

	ck_assert_int_eq(creds_parse_time(&t, "1970-01-01T00:00:00Z"), FCC_OK);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(creds_parse_time(&t, "2027-01-15T10:30:00Z"), FCC_OK);
	ck_assert_int_eq(t, 1800009000LL);
	ck_assert_int_eq(creds_parse_time(&t, "2027-01-15T10:30:00.123456Z"), FCC_OK);
	ck_assert_int_eq(t, 1800009000LL);
	ck_assert_int_eq(creds_parse_time(&t, "2027-01-15T12:30:00+02:00"), FCC_OK);
	ck_assert_int_eq(t, 1800009000LL);
	ck_assert_int_eq(creds_parse_time(&t, "2027-01-15T10:30:00"), FCC_EPARSE);
	ck_assert_int_eq(creds_parse_time(&t, "2027-13-15T10:30:00Z"), FCC_EPARSE);
	ck_assert_int_eq(creds_parse_time(&t, "yesterday"), FCC_EPARSE);
	ck_assert_int_eq(creds_parse_time(&t, "2027-01-15T10:30:00Zjunk"), FCC_EPARSE);
}
END_TEST

START_TEST(test_creds_home_expansion_and_malformed_file)
{
	rig r;
	creds_chain *c;
	fcc_err e;

	rig_init(&r);
	/* default paths under HOME */
	fenv_set(&r.env, "AWS_CONFIG_FILE", NULL);
	fenv_set(&r.env, "AWS_SHARED_CREDENTIALS_FILE", "~/creds");
	fenv_set(&r.env, "HOME", r.dir.path);
	ck_assert_int_eq(mkdir(tdir_file(&r.dir, ".aws", NULL), 0700), 0);
	tdir_file(&r.dir, ".aws/config", "[profile x]\nregion = r\n");
	tdir_file(&r.dir, "creds", "[y]\naws_access_key_id = A\naws_secret_access_key = S\n");
	r.o.profile = "x";
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	creds_chain_free(c);
	r.o.profile = "y";
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_OK);
	creds_chain_free(c);
	/* a broken file stops the chain with file:line */
	tdir_file(&r.dir, ".aws/config", "[default]\nregion = r\noops\n");
	ck_assert_int_eq(creds_chain_new(&c, &r.o, &e), FCC_EPARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "/.aws/config:3:"));
	tdir_done(&r.dir);
}
END_TEST

START_TEST(test_creds_out_of_memory)
{
	rig r;
	long n;
	int ok = 0;

	rig_init(&r);
	rig_config(
		&r,
		"[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\nregion = x\n"
		"[profile base]\naws_access_key_id = AKB\naws_secret_access_key = s\n");
	for (n = 1; n < 400 && !ok; n++) {
		creds_credentials *cr = NULL;
		fcc_err e;
		int rc;

		r.sts.n = 0;
		fcc_alloc_fail_after(n, 1);
		rc = rig_get(&r, &cr, &e);
		fcc_alloc_fail_after(0, 0);
		if (rc == FCC_OK) {
			ok = 1;
			ck_assert_str_eq(cr->access_key_id, "ASIA1-r");
		} else {
			ck_assert_msg(rc == FCC_ENOMEM, "rc %d at %ld: %s", rc, n, e.msg);
			ck_assert_ptr_null(cr);
		}
		creds_credentials_free(cr);
	}
	ck_assert_int_eq(ok, 1);
	ck_assert_int_gt(n, 10);
	tdir_done(&r.dir);
}
END_TEST

Suite *suite_creds(void)
{
	Suite *s = suite_create("creds");
	TCase *tc = tcase_create("creds");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_creds_env_alone);
	tcase_add_test(tc, test_creds_env_partial_is_skipped_with_note);
	tcase_add_test(tc, test_creds_shared_credentials_file_alone);
	tcase_add_test(tc, test_creds_shared_config_file_alone);
	tcase_add_test(tc, test_creds_nothing_found_lists_notes);
	tcase_add_test(tc, test_creds_profile_selection);
	tcase_add_test(tc, test_creds_explicit_profile_outranks_env);
	tcase_add_test(tc, test_creds_precedence_env_over_assume_role);
	tcase_add_test(tc, test_creds_precedence_assume_role_over_web_identity);
	tcase_add_test(tc, test_creds_precedence_web_identity_over_shared_credentials);
	tcase_add_test(tc, test_creds_precedence_shared_credentials_over_process);
	tcase_add_test(tc, test_creds_precedence_process_over_config);
	tcase_add_test(tc, test_creds_precedence_config_over_container);
	tcase_add_test(tc, test_creds_precedence_container_over_imds);
	tcase_add_test(tc, test_creds_role_chain_source_profiles);
	tcase_add_test(tc, test_creds_role_chain_errors);
	tcase_add_test(tc, test_creds_role_credential_source);
	tcase_add_test(tc, test_creds_web_identity_reads_token_fresh);
	tcase_add_test(tc, test_creds_web_identity_profile_keys_and_errors);
	tcase_add_test(tc, test_creds_process_success);
	tcase_add_test(tc, test_creds_process_failures_never_echo_stdout);
	tcase_add_test(tc, test_creds_process_timeout);
	tcase_add_test(tc, test_creds_expired_source_is_refused);
	tcase_add_test(tc, test_creds_container_full_uri_with_token);
	tcase_add_test(tc, test_creds_container_full_uri_host_rule);
	tcase_add_test(tc, test_creds_imds_v2_put_then_get);
	tcase_add_test(tc, test_creds_imds_disabled_and_fails_fast);
	tcase_add_test(tc, test_creds_refresh_before_expiry);
	tcase_add_test(tc, test_creds_static_keys_never_refresh);
	tcase_add_test(tc, test_creds_region_order);
	tcase_add_test(tc, test_creds_parse_time);
	tcase_add_test(tc, test_creds_home_expansion_and_malformed_file);
	tcase_add_test(tc, test_creds_out_of_memory);
	suite_add_tcase(s, tc);
	return s;
}
