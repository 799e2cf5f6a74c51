/*
 * apply.c — the apply executor (see apply.h): a plan's steps as a
 * dependency graph, run asynchronously over aws_submit()/aws_run().
 *
 * How it runs. Each step gets an `srun`: how many of its dependencies are
 * still unfinished, who waits for it, a phase counter and the number of its
 * requests in flight. A step with no unfinished dependency goes on the ready
 * queue; up to `parallelism` steps run at once. Running a step means calling
 * its kind's function with the current phase: the function submits the
 * phase's requests (several at once when they are independent, e.g. the
 * policies attached to one role) and returns 1, or returns 0 when the step
 * has nothing left to do. Every answer lands in done(); when the last
 * request of a phase is back the step advances to the next phase. A step
 * that ends releases its dependents (or, if it failed, skips them and their
 * dependents), and the scheduler starts what became ready — all from inside
 * aws_run()'s callbacks, so a new step goes out the moment its last
 * dependency is done, not at the end of a "wave". The outer loop in
 * apply_run only handles the DescribeProject polls, which need a wait: when
 * aws_run() has nothing left in flight and a project is still being
 * provisioned, it sleeps until the next poll is due and submits it.
 *
 * Failures do not stop the run: a failed step's dependents are skipped, the
 * steps independent of it still run. Every failure keeps the AWS error code
 * and request id (aws_error) for the report.
 */
#include "runtime/apply.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "compiler/base/alloc.h"
#include "compiler/base/hash.h"
#include "runtime/aws/sts.h"
#include "runtime/diff.h"
#include "runtime/lock.h"
#include "runtime/project_events.h"

#define DEFAULT_PARALLELISM 8
#define DEFAULT_POLL_MS 5000
#define DEFAULT_PROJECT_TIMEOUT_MS (15L * 60 * 1000)
/* Largest file fcc uploads in one PutObject (S3's single-PUT limit is 5 GiB;
 * build artifacts and training data for the template are far smaller). */
#define MAX_UPLOAD ((size_t)1 << 30)

typedef struct run run;
typedef struct projev projev;

typedef struct srun {
	run *r;
	size_t idx;
	const plan_step *st;
	apply_result *res;
	size_t *dependents;
	size_t n_dependents, cap_dependents;
	size_t waiting; /* dependencies not finished */
	int phase;
	unsigned pending; /* requests in flight */
	int failed;
	int polling; /* a DescribeProject poll is due at poll_due */
	long long started, poll_due;
	json_t *answer; /* the last JSON answer of a capturing request */
	int tolerated;  /* the last answer was an error the step accepts */
	projev *pe;     /* sagemaker-project: its stack's events (NULL until needed) */
	/* sc-product: the version CreateProduct made as the first one */
	char *created_artifact, *created_artifact_sha;
} srun;

struct run {
	aws_ctx *ctx;
	const plan *p;
	apply_opts o;
	apply_report *rep;
	srun *s;
	size_t n;
	size_t *ready;
	size_t nready, head;
	unsigned active;
	int stop;     /* cancelled or a local failure: start nothing more */
	int local_rc; /* FCC_ENOMEM / FCC_ERROR seen in a callback */
	fcc_err local;
	int lock_rc; /* a lock refresh could not even be queued */
	fcc_err lock_err;
};

/* What done() should do with an answer. */
typedef struct call {
	srun *sr;
	int capture;          /* keep the JSON answer in sr->answer */
	const char *tolerate; /* an error code that means "already so" (with `tolerate_msg`) */
	const char *tolerate_msg;
} call;

static void advance(srun *sr);

/* ---- small helpers ---- */

static long long now_ms(const run *r)
{
	struct timespec ts;

	if (r->o.now_ms)
		return r->o.now_ms(r->o.payload);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(const run *r, long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	if (r->o.sleep_ms) {
		r->o.sleep_ms(r->o.payload, ms);
		return;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL); /* a signal cuts it short: the loop then checks `cancelled` */
}

static const char *attr(const plan_step *st, const char *key)
{
	return json_string_value(json_object_get(st->attrs, key));
}

static int is_kind(const plan_step *st, const char *kind)
{
	return strcmp(st->kind, kind) == 0;
}

/* A local failure of the step (no AWS answer): message in res->err. */
static void fail_local(srun *sr, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail_local(srun *sr, int code, const char *fmt, ...)
{
	va_list ap;

	sr->failed = 1;
	if (sr->res->err.err.code != FCC_OK)
		return; /* the first failure is the one reported */
	va_start(ap, fmt);
	vsnprintf(sr->res->err.err.msg, sizeof sr->res->err.err.msg, fmt, ap);
	va_end(ap);
	sr->res->err.err.code = code;
}

/* A failure of the whole run (out of memory in a callback): remember the
 * first, stop starting steps; the step fails too. */
static void fail_run(srun *sr, int code, const char *what)
{
	run *r = sr->r;

	if (!r->local_rc) {
		r->local_rc = code;
		fcc_err_set(&r->local, code, "%s: %s", sr->st->address, what);
	}
	r->stop = 1;
	fail_local(sr, code, "%s", what);
}

static int set_id(srun *sr, const char *id, int created)
{
	char *c;

	if (!id)
		return FCC_OK;
	if (!(c = fcc_strdup(id))) {
		fail_run(sr, FCC_ENOMEM, "out of memory");
		return FCC_ENOMEM;
	}
	fcc_free(sr->res->id);
	sr->res->id = c;
	sr->res->created = created;
	return FCC_OK;
}

/* ---- the graph ---- */

static srun *find_kind(run *r, const char *kind)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (is_kind(r->s[i].st, kind))
			return &r->s[i];
	return NULL;
}

static srun *find_address(run *r, const char *address)
{
	size_t i;

	for (i = 0; address && i < r->n; i++)
		if (strcmp(r->s[i].st->address, address) == 0)
			return &r->s[i];
	return NULL;
}

/* The id of the step of `kind` (what it created, or the plan's attrs.id). */
static const char *id_of_kind(run *r, const char *kind)
{
	srun *o = find_kind(r, kind);

	if (!o)
		return NULL;
	return o->res->id ? o->res->id : attr(o->st, "id");
}

/* The step of `kind` that `st` hangs on, directly or through up to `depth`
 * steps: a version's, association's, constraint's or project's own product
 * (each product's steps depend only on that product's). NULL when none. */
static srun *dep_of_kind(run *r, const plan_step *st, const char *kind, int depth)
{
	size_t i;

	for (i = 0; i < st->depends_on.n; i++) {
		srun *d = find_address(r, st->depends_on.v[i]);
		if (d && is_kind(d->st, kind))
			return d;
	}
	for (i = 0; depth > 1 && i < st->depends_on.n; i++) {
		srun *d = find_address(r, st->depends_on.v[i]), *x;
		if (d && (x = dep_of_kind(r, d->st, kind, depth - 1)))
			return x;
	}
	return NULL;
}

/* The product step of `sr` (see dep_of_kind), or the plan's only one. */
static srun *product_of(srun *sr)
{
	srun *p = dep_of_kind(sr->r, sr->st, "sc-product", 3);

	return p ? p : find_kind(sr->r, "sc-product");
}

/* The id of sr's product: what it created, or the plan's attrs.id. */
static const char *product_id_of(srun *sr)
{
	srun *p = product_of(sr);

	if (!p)
		return NULL;
	return p->res->id ? p->res->id : attr(p->st, "id");
}

static void finish(srun *sr, apply_status status);

static void schedule(run *r)
{
	while (r->active < (r->o.parallelism ? r->o.parallelism : DEFAULT_PARALLELISM) &&
	       r->head < r->nready && !r->stop) {
		srun *sr = &r->s[r->ready[r->head++]];
		if (r->o.cancelled && r->o.cancelled(r->o.payload)) {
			r->stop = 1;
			r->head--;
			break;
		}
		sr->res->status = APPLY_RUNNING;
		sr->started = now_ms(r);
		r->active++;
		if (r->o.on_step)
			r->o.on_step(r->o.payload, sr->res);
		sr->phase = 0;
		advance(sr);
	}
}

static void skip(srun *sr, const char *because)
{
	size_t i;

	if (sr->res->status != APPLY_PENDING)
		return;
	sr->res->status = APPLY_SKIPPED;
	sr->res->note = fcc_strdup(because); /* NULL on OOM: the report then names no cause */
	if (sr->r->o.on_step)
		sr->r->o.on_step(sr->r->o.payload, sr->res);
	for (i = 0; i < sr->n_dependents; i++)
		skip(&sr->r->s[sr->dependents[i]], because);
}

static void release(srun *sr)
{
	run *r = sr->r;
	size_t i;

	for (i = 0; i < sr->n_dependents; i++) {
		srun *d = &r->s[sr->dependents[i]];
		if (d->waiting && --d->waiting == 0 && d->res->status == APPLY_PENDING)
			r->ready[r->nready++] = d->idx;
	}
}

static void finish(srun *sr, apply_status status)
{
	run *r = sr->r;
	size_t i;

	json_decref(sr->answer);
	sr->answer = NULL;
	sr->res->status = status;
	sr->res->ms = now_ms(r) - sr->started;
	r->active--;
	if (r->o.on_step)
		r->o.on_step(r->o.payload, sr->res);
	if (status == APPLY_OK) {
		release(sr);
	} else {
		for (i = 0; i < sr->n_dependents; i++)
			skip(&r->s[sr->dependents[i]], sr->st->address);
	}
	schedule(r);
}

/* ---- the lock ---- */

static void lock_refreshed(void *payload, lock_handle *l, int rc)
{
	run *r = payload;

	if (rc == FCC_ECONFLICT || l->lost)
		r->stop = 1; /* another run has it: start nothing more */
}

/* Queue the lock's refresh when it is due. Called from aws_run's tick
 * (lock_tick), after every answer, and in the wait between project polls. */
static void keep_lock(run *r)
{
	lock_handle *l = r->o.lock;
	fcc_err e;

	if (!l || r->lock_rc || lock_refresh_in_ms(l) != 0)
		return; /* not due, or nothing to refresh (not held, lost, in flight) */
	fcc_err_clear(&e);
	if (lock_refresh_submit(l, lock_refreshed, r, &e) != FCC_OK) {
		/* out of memory or a broken request: stop rather than run unlocked */
		r->lock_rc = e.code ? e.code : FCC_ERROR;
		fcc_err_set(&r->lock_err, r->lock_rc, "cannot refresh the apply lock: %s", e.msg);
		r->stop = 1;
	}
}

/* aws_run's tick: the refresh goes out on time even while one request is
 * slow to answer and nothing else comes back. */
static long lock_tick(void *payload)
{
	run *r = payload;
	long long in;

	keep_lock(r);
	in = lock_refresh_in_ms(r->o.lock);
	return in < 0 ? -1 : (long)(in > 1000 ? 1000 : in);
}

/* ---- requests ---- */

static void done(void *payload, http_response *resp, aws_error *err)
{
	call *c = payload;
	srun *sr = c->sr;
	json_error_t je;

	sr->pending--;
	sr->tolerated = 0;
	if (err->err.code != FCC_OK) {
		if (c->tolerate && aws_error_is(err, c->tolerate) &&
		    (!c->tolerate_msg || strstr(err->message, c->tolerate_msg))) {
			sr->tolerated = 1;
		} else {
			sr->failed = 1;
			if (sr->res->err.err.code == FCC_OK)
				sr->res->err = *err;
		}
	} else if (c->capture) {
		json_decref(sr->answer);
		sr->answer = json_loadb(resp->body.len ? resp->body.data : "{}",
					resp->body.len ? resp->body.len : 2, 0, &je);
		if (!sr->answer) {
			sr->failed = 1;
			if (sr->res->err.err.code == FCC_OK) {
				sr->res->err = *err;
				fcc_err_set(&sr->res->err.err, FCC_EPARSE,
					    "%s %s: bad response: %s", err->service, err->operation,
					    je.text);
			}
		}
	}
	fcc_free(c);
	keep_lock(sr->r);
	if (sr->pending == 0 && !sr->polling)
		advance(sr);
}

static call *new_call(srun *sr, int capture, const char *tolerate, const char *msg)
{
	call *c = fcc_calloc(1, sizeof *c);

	if (!c) {
		fail_run(sr, FCC_ENOMEM, "out of memory");
		return NULL;
	}
	c->sr = sr;
	c->capture = capture;
	c->tolerate = tolerate;
	c->tolerate_msg = msg;
	return c;
}

static void submit(srun *sr, const aws_request *req, call *c, int write)
{
	fcc_err e;

	if (!c)
		return;
	fcc_err_clear(&e);
	if (aws_submit(sr->r->ctx, req, done, c, &e) != FCC_OK) {
		fcc_free(c);
		fail_local(sr, e.code ? e.code : FCC_ERROR, "%s %s: %s", req->svc->name,
			   req->operation, e.msg);
		if (e.code == FCC_ENOMEM)
			fail_run(sr, FCC_ENOMEM, "out of memory");
		return;
	}
	sr->pending++;
	if (write)
		sr->res->writes++;
}

/* Submit a JSON 1.1 call; `in` is consumed. */
static void submit_json(srun *sr, const aws_service *svc, const char *op, json_t *in, int capture,
			const char *tolerate, const char *msg)
{
	aws_request req;
	char *body = in ? json_dumps(in, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(in);
	if (!body) {
		fail_run(sr, FCC_ENOMEM, "out of memory");
		return;
	}
	aws_json_request(&req, svc, op, body);
	submit(sr, &req, new_call(sr, capture, tolerate, msg),
	       strncmp(op, "Describe", 8) != 0 && strncmp(op, "List", 4) != 0);
	free(body); /* jansson's allocator */
}

/* ---- idempotency tokens and URLs ---- */

void apply_token(char out[37], const char *fingerprint, const char *address)
{
	char hex[FCC_SHA256_HEX_LEN + 1];
	fcc_buf b;
	size_t i, o = 0;

	fcc_buf_init(&b, 1 << 16);
	if (fcc_buf_printf(&b, "fcc-apply/1\n%s\n%s", fingerprint ? fingerprint : "",
			   address ? address : "") != FCC_OK ||
	    fcc_sha256_hex(hex, b.data, b.len) != FCC_OK) {
		/* only on OOM: fall back to hashing the address alone, still stable */
		fcc_sha256_hex(hex, address ? address : "", address ? strlen(address) : 0);
	}
	fcc_buf_dispose(&b);
	/* version 4, RFC 4122 variant: the shape the SDKs' random tokens have */
	hex[12] = '4';
	hex[16] = "89ab"[(hex[16] >= 'a' ? hex[16] - 'a' + 10 : hex[16] - '0') & 3];
	for (i = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[o++] = '-';
		out[o++] = hex[i];
	}
	out[o] = '\0';
}

int apply_template_url(fcc_buf *out, const char *bucket, const char *region, const char *key)
{
	int rc;

	if ((rc = fcc_buf_printf(out, "https://%s.s3.%s.amazonaws.com", bucket, region)))
		return rc;
	return aws_s3_key_path(out, key);
}

/* The step's token. `parents` (NULL for none) are the ids of what the create
 * hangs on (the product of a version; the portfolio and product of a
 * constraint): the same build creating under a new parent (after a destroy,
 * say) is a new request, not a replay that AWS would refuse as "token used
 * with different parameters". */
static void token(char out[37], const srun *sr, const char *parent1, const char *parent2)
{
	char fp[512];

	snprintf(fp, sizeof fp, "%s%s%s%s%s", sr->r->p->manifest_sha256, parent1 ? "\n" : "",
		 parent1 ? parent1 : "", parent2 ? "\n" : "", parent2 ? parent2 : "");
	apply_token(out, fp, sr->st->address);
}

/* ---- step kinds ---- */

static int read_file(fcc_buf *out, const char *dir, const char *name, srun *sr)
{
	char path[4096];
	char chunk[65536];
	FILE *f;
	size_t n;
	int rc = FCC_OK;

	if (!dir || !name) {
		fail_local(sr, FCC_EUSAGE, "no build directory to upload %s from",
			   name ? name : "?");
		return FCC_EUSAGE;
	}
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
		fail_local(sr, FCC_EIO, "%s/%s: path too long", dir, name);
		return FCC_EIO;
	}
	if (!(f = fopen(path, "rb"))) {
		fail_local(sr, FCC_EIO, "cannot read %s: %s", path, strerror(errno));
		return FCC_EIO;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if ((rc = fcc_buf_append(out, chunk, n)) != FCC_OK)
			break;
	if (rc == FCC_OK && ferror(f))
		rc = FCC_EIO;
	fclose(f);
	if (rc == FCC_ENOMEM)
		fail_run(sr, rc, "out of memory");
	else if (rc)
		fail_local(sr, FCC_EIO, "cannot read %s", path);
	return rc;
}

/* PutObject of a build file, with its sha256 as x-amz-meta-fcc-sha256 (what
 * the state reader reads back). The file must still be what the build made. */
static int step_s3(srun *sr)
{
	const plan_step *st = sr->st;
	const char *kind = attr(st, "kind"), *want = attr(st, "sha256");
	const char *dir = sr->r->o.build_dir;
	char parent[4096], sha[FCC_SHA256_HEX_LEN + 1], md5[32];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	http_header h[3];
	aws_request req;
	fcc_buf body, path;

	if (sr->phase++ > 0)
		return 0;
	if (kind && strcmp(kind, "data") == 0) {
		if (sr->r->o.data_dir) {
			dir = sr->r->o.data_dir;
		} else if (dir) {
			snprintf(parent, sizeof parent, "%s/..", dir);
			dir = parent;
		}
	}
	fcc_buf_init(&body, MAX_UPLOAD);
	fcc_buf_init(&path, 1 << 16);
	if (read_file(&body, dir, attr(st, "file"), sr))
		goto out;
	if (fcc_sha256_hex(sha, body.data ? body.data : "", body.len) != FCC_OK) {
		fail_run(sr, FCC_ERROR, "sha256 failed");
		goto out;
	}
	if (!want || strcmp(sha, want) != 0) {
		fail_local(sr, FCC_ECONFLICT,
			   "%s changed since the build (sha256 %.12s, the plan "
			   "wants %.12s): build again",
			   attr(st, "file"), sha, want ? want : "?");
		goto out;
	}
	if (!EVP_Digest(body.data ? body.data : "", body.len, md, &mdlen, EVP_md5(), NULL)) {
		fail_run(sr, FCC_ERROR, "MD5 failed");
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)md5, md, (int)mdlen);
	if (aws_s3_key_path(&path, attr(st, "key")) != FCC_OK) {
		fail_run(sr, FCC_ENOMEM, "out of memory");
		goto out;
	}
	h[0].name = "Content-MD5";
	h[0].value = md5;
	h[1].name = "Content-Type";
	h[1].value = (char *)(kind && strcmp(kind, "template") == 0    ? "application/x-yaml"
			      : kind && strcmp(kind, "seed-code") == 0 ? "application/zip"
								       : "binary/octet-stream");
	h[2].name = "x-amz-meta-fcc-sha256";
	h[2].value = sha;
	memset(&req, 0, sizeof req);
	req.svc = &aws_svc_s3;
	req.operation = "PutObject";
	req.method = "PUT";
	req.path = path.data;
	req.bucket = attr(st, "bucket");
	req.headers = h;
	req.nheaders = 3;
	req.body = body.data ? body.data : "";
	req.body_len = body.len;
	submit(sr, &req, new_call(sr, 0, NULL, NULL), 1);
out:
	fcc_buf_dispose(&body);
	fcc_buf_dispose(&path);
	return 1;
}

/* ---- IAM role patches (iam_patch.h) ----
 * Phases: 0 TagRole with fcc's record of what this project adds (written
 * before the patches, so a crash never leaves a patch fcc does not know it
 * made); 1 AttachRolePolicy / DetachRolePolicy for each policy and
 * UpdateAssumeRolePolicy with the plan's document, all at once (independent
 * writes); 2 UntagRole when the plan drops the record (fcc destroy). A phase
 * with nothing to do falls through to the next. */
static void submit_query_tol(srun *sr, aws_query *q, const char *action, const char *tolerate)
{
	aws_request req;

	if (q->rc != FCC_OK) {
		fail_run(sr, q->rc, "out of memory");
	} else {
		aws_query_request(&req, &aws_svc_iam, action, q);
		submit(sr, &req, new_call(sr, 0, tolerate, NULL), 1);
	}
	aws_query_dispose(q);
}

static int step_role(srun *sr)
{
	const plan_step *st = sr->st;
	const json_t *pol = json_object_get(st->attrs, "attach_policies");
	const json_t *det = json_object_get(st->attrs, "detach_policies");
	const json_t *trust = json_object_get(st->attrs, "trust_policy");
	const char *role = st->name, *key = attr(st, "record_key"), *val = attr(st, "record_value");
	aws_query q;
	size_t i;
	char *doc;

	switch (sr->phase++) {
	case 0:
		if (key && val) {
			aws_query_init(&q, &aws_svc_iam, "TagRole");
			aws_query_add(&q, "RoleName", role);
			aws_query_add(&q, "Tags.member.1.Key", key);
			aws_query_add(&q, "Tags.member.1.Value", val);
			submit_query_tol(sr, &q, "TagRole", NULL);
			return 1;
		}
		/* fall through */
	case 1:
		sr->phase = 2;
		for (i = 0; i < json_array_size(pol); i++) {
			aws_query_init(&q, &aws_svc_iam, "AttachRolePolicy");
			aws_query_add(&q, "RoleName", role);
			aws_query_add(&q, "PolicyArn", json_string_value(json_array_get(pol, i)));
			submit_query_tol(sr, &q, "AttachRolePolicy", NULL);
		}
		/* a retry whose first answer was lost finds it detached: already so */
		for (i = 0; i < json_array_size(det); i++) {
			aws_query_init(&q, &aws_svc_iam, "DetachRolePolicy");
			aws_query_add(&q, "RoleName", role);
			aws_query_add(&q, "PolicyArn", json_string_value(json_array_get(det, i)));
			submit_query_tol(sr, &q, "DetachRolePolicy", "NoSuchEntity");
		}
		if (json_is_object(trust)) {
			if (!(doc = json_dumps(trust, JSON_COMPACT | JSON_SORT_KEYS))) {
				fail_run(sr, FCC_ENOMEM, "out of memory");
				return 1;
			}
			aws_query_init(&q, &aws_svc_iam, "UpdateAssumeRolePolicy");
			aws_query_add(&q, "RoleName", role);
			aws_query_add(&q, "PolicyDocument", doc);
			free(doc);
			submit_query_tol(sr, &q, "UpdateAssumeRolePolicy", NULL);
		}
		if (sr->pending || sr->failed)
			return 1;
		/* fall through */
	case 2:
		sr->phase = 3;
		if (key && json_is_true(json_object_get(st->attrs, "record_remove"))) {
			aws_query_init(&q, &aws_svc_iam, "UntagRole");
			aws_query_add(&q, "RoleName", role);
			aws_query_add(&q, "TagKeys.member.1", key);
			submit_query_tol(sr, &q, "UntagRole", NULL);
			return 1;
		}
		return 0;
	default:
		return 0;
	}
}

static json_t *tag_array(const json_t *tags)
{
	json_t *a = json_array();
	const char *k;
	json_t *v;

	if (!a)
		return NULL;
	json_object_foreach((json_t *)tags, k, v)
		if (json_array_append_new(
			    a, json_pack("{s:s,s:s*}", "Key", k, "Value", json_string_value(v)))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Set in[key] to attrs[akey] when that is a string. Non-zero on OOM. */
static int copy_str(json_t *in, const char *key, const plan_step *st, const char *akey)
{
	const char *v = attr(st, akey);

	return v ? json_object_set_new(in, key, json_string(v)) : 0;
}

static const char *answer_str(const srun *sr, const char *path)
{
	const json_t *j = sr->answer;
	char part[128];
	const char *p = path, *dot;

	while (j && p) {
		dot = strchr(p, '.');
		snprintf(part, sizeof part, "%.*s", (int)(dot ? (size_t)(dot - p) : strlen(p)), p);
		j = json_object_get(j, part);
		p = dot ? dot + 1 : NULL;
	}
	return json_string_value(j);
}

static int step_portfolio(srun *sr)
{
	const plan_step *st = sr->st;
	json_t *in, *tags;
	char tok[37];
	int bad;

	switch (sr->phase++) {
	case 0:
		if (!(in = json_object()) ||
		    !(tags = tag_array(json_object_get(st->attrs, "tags")))) {
			json_decref(in);
			fail_run(sr, FCC_ENOMEM, "out of memory");
			return 1;
		}
		bad = copy_str(in, "DisplayName", st, "name") |
		      copy_str(in, "ProviderName", st, "owner") |
		      copy_str(in, "Description", st, "description");
		if (sr->st->action == PLAN_CREATE) {
			token(tok, sr, NULL, NULL);
			bad |= json_object_set_new(in, "Tags", tags) |
			       json_object_set_new(in, "IdempotencyToken", json_string(tok));
		} else {
			bad |= copy_str(in, "Id", st, "id") |
			       json_object_set_new(in, "AddTags", tags);
		}
		if (bad) {
			json_decref(in);
			fail_run(sr, FCC_ENOMEM, "out of memory");
			return 1;
		}
		submit_json(sr, &aws_svc_servicecatalog,
			    st->action == PLAN_CREATE ? "CreatePortfolio" : "UpdatePortfolio", in,
			    1, NULL, NULL);
		return 1;
	default:
		set_id(sr,
		       st->action == PLAN_CREATE ? answer_str(sr, "PortfolioDetail.Id")
						 : attr(st, "id"),
		       st->action == PLAN_CREATE);
		return 0;
	}
}

/* Product step `prod`'s current version (its sc-artifact step with Guidance
 * DEFAULT), whose template CreateProduct takes as the first version. */
static srun *current_artifact(run *r, const srun *prod)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const plan_step *st = r->s[i].st;
		const char *g = attr(st, "guidance");
		if (is_kind(st, "sc-artifact") && g && strcmp(g, "DEFAULT") == 0 &&
		    attr(st, "template_sha256") && kv_strs_has(&st->depends_on, prod->st->address))
			return &r->s[i];
	}
	return NULL;
}

/* ProvisioningArtifactParameters / Parameters of a version step. NULL on OOM. */
static json_t *artifact_params(srun *sr, const plan_step *a)
{
	fcc_buf url;
	json_t *j;

	fcc_buf_init(&url, 1 << 16);
	if (apply_template_url(&url, attr(a, "bucket"), aws_ctx_region(sr->r->ctx),
			       attr(a, "template_key")) != FCC_OK) {
		fcc_buf_dispose(&url);
		return NULL;
	}
	j = json_pack("{s:s*,s:s*,s:{s:s},s:s}", "Name", attr(a, "name"), "Description",
		      attr(a, "description"), "Info", "LoadTemplateFromURL", fcc_buf_cstr(&url),
		      "Type", "CLOUD_FORMATION_TEMPLATE");
	fcc_buf_dispose(&url);
	return j;
}

static int step_product(srun *sr)
{
	run *r = sr->r;
	const plan_step *st = sr->st;
	srun *art;
	json_t *in, *tags, *rm;
	char tok[37];
	int bad;

	switch (sr->phase++) {
	case 0:
		if (!(in = json_object()) ||
		    !(tags = tag_array(json_object_get(st->attrs, "tags")))) {
			json_decref(in);
			fail_run(sr, FCC_ENOMEM, "out of memory");
			return 1;
		}
		bad = copy_str(in, "Name", st, "name") | copy_str(in, "Owner", st, "owner") |
		      copy_str(in, "Description", st, "description") |
		      copy_str(in, "Distributor", st, "distributor") |
		      copy_str(in, "SupportEmail", st, "support_email") |
		      copy_str(in, "SupportUrl", st, "support_url");
		if (st->action == PLAN_CREATE) {
			if (!(art = current_artifact(r, sr))) {
				json_decref(in);
				json_decref(tags);
				fail_local(sr, FCC_ERROR,
					   "the plan has no product version to create "
					   "the product with");
				return 1;
			}
			token(tok, sr, NULL, NULL);
			bad |= json_object_set_new(in, "Tags", tags) |
			       json_object_set_new(in, "ProductType",
						   json_string("CLOUD_FORMATION_TEMPLATE")) |
			       json_object_set_new(in, "ProvisioningArtifactParameters",
						   artifact_params(sr, art->st)) |
			       json_object_set_new(in, "IdempotencyToken", json_string(tok));
		} else {
			rm = json_object_get(st->attrs, "tags_remove");
			bad |= copy_str(in, "Id", st, "id") |
			       json_object_set_new(in, "AddTags", tags);
			if (json_array_size(rm))
				bad |= json_object_set(in, "RemoveTags", rm);
		}
		if (bad) {
			json_decref(in);
			fail_run(sr, FCC_ENOMEM, "out of memory");
			return 1;
		}
		submit_json(sr, &aws_svc_servicecatalog,
			    st->action == PLAN_CREATE ? "CreateProduct" : "UpdateProduct", in, 1,
			    NULL, NULL);
		return 1;
	default:
		if (st->action != PLAN_CREATE) {
			set_id(sr, attr(st, "id"), 0);
			return 0;
		}
		if (set_id(sr, answer_str(sr, "ProductViewDetail.ProductViewSummary.ProductId"), 1))
			return 0;
		/* CreateProduct made the current version too: its step has nothing left */
		art = current_artifact(r, sr);
		fcc_free(sr->created_artifact);
		fcc_free(sr->created_artifact_sha);
		sr->created_artifact = fcc_strdup(answer_str(sr, "ProvisioningArtifactDetail.Id"));
		sr->created_artifact_sha =
			art ? fcc_strdup(attr(art->st, "template_sha256")) : NULL;
		if (!sr->res->id)
			fail_local(sr, FCC_EPARSE, "CreateProduct answered without a ProductId");
		return 0;
	}
}

static int step_artifact(srun *sr)
{
	const plan_step *st = sr->st;
	srun *prod = product_of(sr);
	const char *product = product_id_of(sr);
	const char *sha = attr(st, "template_sha256");
	json_t *in;
	char tok[37];

	switch (sr->phase++) {
	case 0:
		if (!product || !prod) {
			fail_local(sr, FCC_ERROR, "no product id for the version");
			return 1;
		}
		if (st->action == PLAN_CREATE && prod->created_artifact && sha &&
		    prod->created_artifact_sha && strcmp(sha, prod->created_artifact_sha) == 0) {
			/* CreateProduct already made it as the product's first version */
			set_id(sr, prod->created_artifact, 1);
			sr->phase = 99;
			return 0;
		}
		if (st->action == PLAN_CREATE) {
			token(tok, sr, product, NULL);
			in = json_pack("{s:s,s:o,s:s}", "ProductId", product, "Parameters",
				       artifact_params(sr, st), "IdempotencyToken", tok);
		} else if (st->action == PLAN_DEPRECATE) {
			in = json_pack("{s:s,s:s*,s:s}", "ProductId", product,
				       "ProvisioningArtifactId", attr(st, "id"), "Guidance",
				       "DEPRECATED");
		} else { /* update: fcc's version renamed, deactivated or deprecated by hand */
			in = json_pack("{s:s,s:s*,s:s*,s:b,s:s}", "ProductId", product,
				       "ProvisioningArtifactId", attr(st, "id"), "Name",
				       attr(st, "name"), "Active", 1, "Guidance", "DEFAULT");
		}
		if (!in) {
			fail_run(sr, FCC_ENOMEM, "out of memory");
			return 1;
		}
		submit_json(sr, &aws_svc_servicecatalog,
			    st->action == PLAN_CREATE ? "CreateProvisioningArtifact"
						      : "UpdateProvisioningArtifact",
			    in, 1, NULL, NULL);
		return 1;
	default:
		if (sr->phase > 90)
			return 0;
		set_id(sr,
		       st->action == PLAN_CREATE ? answer_str(sr, "ProvisioningArtifactDetail.Id")
						 : attr(st, "id"),
		       st->action == PLAN_CREATE);
		return 0;
	}
}

static int step_association(srun *sr)
{
	run *r = sr->r;
	const char *product = product_id_of(sr), *portfolio = id_of_kind(r, "sc-portfolio");
	json_t *in;

	if (sr->phase++ > 0)
		return 0;
	if (!product || !portfolio) {
		fail_local(sr, FCC_ERROR, "no product or portfolio id to associate");
		return 1;
	}
	/* AWS answers success to a repeated association: a retry is harmless */
	if (!(in = json_pack("{s:s,s:s}", "ProductId", product, "PortfolioId", portfolio))) {
		fail_run(sr, FCC_ENOMEM, "out of memory");
		return 1;
	}
	submit_json(sr, &aws_svc_servicecatalog, "AssociateProductWithPortfolio", in, 0, NULL,
		    NULL);
	return 1;
}

/* The LAUNCH constraint's Parameters: {"RoleArn": arn}; a role name is made
 * an ARN in the caller's account (STS, fetched once before the run). */
static json_t *launch_params(srun *sr)
{
	const json_t *p = json_object_get(sr->st->attrs, "parameters");
	const char *arn = json_string_value(json_object_get(p, "RoleArn"));
	const char *name = json_string_value(json_object_get(p, "LocalRoleName"));
	char buf[512];

	if (arn)
		return json_pack("{s:s}", "RoleArn", arn);
	if (!name || !sr->r->rep->account[0])
		return NULL;
	snprintf(buf, sizeof buf, "arn:aws:iam::%s:role/%s", sr->r->rep->account, name);
	return json_pack("{s:s}", "RoleArn", buf);
}

static int step_constraint(srun *sr)
{
	run *r = sr->r;
	const plan_step *st = sr->st;
	const char *product = product_id_of(sr), *portfolio = id_of_kind(r, "sc-portfolio");
	json_t *params, *in;
	char tok[37], *text;

	/* update: the launch role changed. A portfolio-product pair holds one
	 * LAUNCH constraint, so the old one goes first (the spec no longer
	 * declares it), then the new one is created. */
	if (sr->phase == 0 && st->action == PLAN_UPDATE && attr(st, "id")) {
		sr->phase = 1;
		if (!(in = json_pack("{s:s}", "Id", attr(st, "id")))) {
			fail_run(sr, FCC_ENOMEM, "out of memory");
			return 1;
		}
		submit_json(sr, &aws_svc_servicecatalog, "DeleteConstraint", in, 0,
			    "ResourceNotFoundException", NULL);
		return 1;
	}
	switch (sr->phase) {
	case 0:
	case 1:
		sr->phase = 2;
		if (!product || !portfolio) {
			fail_local(sr, FCC_ERROR, "no product or portfolio id for the constraint");
			return 1;
		}
		if (!(params = launch_params(sr))) {
			fail_local(sr, FCC_ERROR, "no launch role ARN (the account is unknown)");
			return 1;
		}
		text = json_dumps(params, JSON_COMPACT);
		json_decref(params);
		token(tok, sr, portfolio, product);
		in = text ? json_pack("{s:s,s:s,s:s,s:s,s:s}", "PortfolioId", portfolio,
				      "ProductId", product, "Type", "LAUNCH", "Parameters", text,
				      "IdempotencyToken", tok)
			  : NULL;
		free(text);
		if (!in) {
			fail_run(sr, FCC_ENOMEM, "out of memory");
			return 1;
		}
		submit_json(sr, &aws_svc_servicecatalog, "CreateConstraint", in, 1, NULL, NULL);
		return 1;
	default:
		set_id(sr, answer_str(sr, "ConstraintDetail.ConstraintId"), 1);
		return 0;
	}
}

static int step_principal(srun *sr)
{
	const plan_step *st = sr->st;
	const char *portfolio = id_of_kind(sr->r, "sc-portfolio");
	int disassociate =
		st->action == PLAN_DELETE || (st->action == PLAN_REPLACE && sr->phase == 0);
	json_t *in;

	if (sr->phase >= (st->action == PLAN_REPLACE ? 2 : 1))
		return 0;
	sr->phase++;
	if (!portfolio) {
		fail_local(sr, FCC_ERROR, "no portfolio id for the principal");
		return 1;
	}
	in = disassociate ? json_pack("{s:s,s:s*}", "PortfolioId", portfolio, "PrincipalARN",
				      attr(st, "arn"))
			  : json_pack("{s:s,s:s*,s:s*}", "PortfolioId", portfolio, "PrincipalARN",
				      attr(st, "arn"), "PrincipalType", attr(st, "type"));
	if (!in) {
		fail_run(sr, FCC_ENOMEM, "out of memory");
		return 1;
	}
	/* AWS answers success to a repeated association; a repeated disassociation
	 * (a retry whose first answer was lost) is ResourceNotFound: already so */
	submit_json(sr, &aws_svc_servicecatalog,
		    disassociate ? "DisassociatePrincipalFromPortfolio"
				 : "AssociatePrincipalWithPortfolio",
		    in, 0, disassociate ? "ResourceNotFoundException" : NULL, NULL);
	return 1;
}

/* ---- portfolio shares ----
 * An organization-node share (ORGANIZATION, ORGANIZATIONAL_UNIT) is
 * asynchronous in AWS: Create/DeletePortfolioShare answer a
 * PortfolioShareToken and DescribePortfolioShareStatus says when it is
 * COMPLETED. The step follows it like a SageMaker project: phase 0 the
 * request, 1 DescribePortfolioShareStatus (the poll loop of apply_run comes
 * back here), 2 the verdict, bounded by the project timeout. An account
 * share (AccountId) is done when the request is. The token is kept as the
 * step's id (res->id). */
static int share_is_org(const plan_step *st)
{
	const char *type = attr(st, "type");

	return type && strcmp(type, "ACCOUNT") != 0;
}

static void share_errors(srun *sr, const char *status)
{
	const json_t *errs =
		json_object_get(json_object_get(sr->answer, "ShareDetails"), "ShareErrors");
	const json_t *first = json_array_get(errs, 0);
	const char *msg = json_string_value(json_object_get(first, "Message"));
	const char *code = json_string_value(json_object_get(first, "Error"));

	fail_local(sr, FCC_EAWS, "portfolio share %s with %s is %s%s%s%s%s", sr->res->id,
		   attr(sr->st, "value") ? attr(sr->st, "value") : "?", status, code ? ": " : "",
		   code ? code : "", msg ? ": " : "", msg ? msg : "");
}

/* Poll the step again after poll_ms — unless it has followed `what` for
 * longer than the follow timeout, which fails it naming the last status.
 * Returns 1 either way (the step is not done). */
static int poll_later(srun *sr, const char *what, const char *status)
{
	run *r = sr->r;
	long timeout =
		r->o.project_timeout_ms ? r->o.project_timeout_ms : DEFAULT_PROJECT_TIMEOUT_MS;

	if (now_ms(r) - sr->started > timeout) {
		fail_local(sr, FCC_ETIMEOUT, "%s still %s after %ld s", what,
			   status ? status : "unreported", timeout / 1000);
		return 1;
	}
	sr->polling = 1;
	sr->poll_due = now_ms(r) + (r->o.poll_ms ? r->o.poll_ms : DEFAULT_POLL_MS);
	return 1;
}

static int share_follow(srun *sr)
{
	const char *status;
	char what[300];
	json_t *in;

	if (sr->phase == 1) {
		if (sr->tolerated)
			return 0; /* a delete that found it gone already */
		if (!sr->res->id && set_id(sr, answer_str(sr, "PortfolioShareToken"),
					   sr->st->action == PLAN_CREATE) != FCC_OK)
			return 1;
		if (!sr->res->id)
			return 0; /* no token: nothing to follow */
		sr->phase = 2;
		if (!(in = json_pack("{s:s}", "PortfolioShareToken", sr->res->id))) {
			fail_run(sr, FCC_ENOMEM, "out of memory");
			return 1;
		}
		submit_json(sr, &aws_svc_servicecatalog, "DescribePortfolioShareStatus", in, 1,
			    NULL, NULL);
		return 1;
	}
	status = answer_str(sr, "Status");
	if (status && strcmp(status, "COMPLETED") == 0)
		return 0;
	if (status &&
	    (strcmp(status, "ERROR") == 0 || strcmp(status, "COMPLETED_WITH_ERRORS") == 0)) {
		share_errors(sr, status);
		return 1;
	}
	snprintf(what, sizeof what, "portfolio share %s", sr->res->id);
	return poll_later(sr, what, status);
}

static int step_share(srun *sr)
{
	const plan_step *st = sr->st;
	const char *portfolio = id_of_kind(sr->r, "sc-portfolio");
	const char *type = attr(st, "type"), *value = attr(st, "value");
	int del = st->action == PLAN_DELETE;
	json_t *in;

	if (sr->phase > 0)
		return share_is_org(st) ? share_follow(sr) : 0;
	sr->phase = 1;
	if (!portfolio || !type || !value) {
		fail_local(sr, FCC_ERROR, "no portfolio id or share target");
		return 1;
	}
	in = strcmp(type, "ACCOUNT") == 0
		     ? json_pack("{s:s,s:s}", "PortfolioId", portfolio, "AccountId", value)
		     : json_pack("{s:s,s:{s:s,s:s}}", "PortfolioId", portfolio, "OrganizationNode",
				 "Type", type, "Value", value);
	if (!in) {
		fail_run(sr, FCC_ENOMEM, "out of memory");
		return 1;
	}
	/* a repeated delete (a retry whose first answer was lost) is
	 * ResourceNotFound: already so */
	submit_json(sr, &aws_svc_servicecatalog,
		    del ? "DeletePortfolioShare" : "CreatePortfolioShare", in, share_is_org(st),
		    del ? "ResourceNotFoundException" : NULL, NULL);
	return 1;
}

/* ---- project stack events ----
 *
 * While a sagemaker-project step follows its project (create or update), the
 * CloudFormation stack Service Catalog provisioned for it is resolved once:
 * from DescribeProject's ProvisionedProductId and the project ARN's account,
 * by the name Service Catalog gives it, SC-<account>-<id> — no call. Only if
 * no stack answers to that name is SearchProvisionedProducts "id:<it>" asked
 * for its PhysicalId (the stack's ARN; botocore's model has no PhysicalId in
 * DescribeProvisionedProduct's answer), and the name kept when that search is
 * refused or says nothing. Then every poll reads DescribeStackEvents
 * once, after DescribeProject (so a terminal status is never read before the
 * events that led to it), newest first and only down to the newest event
 * already seen; a cfn_event_tracker hands each new one to on_stack_event
 * once, oldest first, and keeps the first failure for the report. An update
 * first reads one page as the baseline, so the events of earlier operations
 * are not shown again. Everything goes out through aws_json_submit /
 * cfn_describe_stack_events_submit, one request at a time per step.
 * Streaming is best effort: an error stops it (and is named in a failure
 * report); it never fails the step. */

typedef enum pe_call { PE_DESCRIBE = 1, PE_SEARCH, PE_EVENTS, PE_BASELINE } pe_call;

struct projev {
	pe_call what;   /* the request in flight */
	int round_done; /* this poll's events were read */
	int off;        /* streaming stopped (note says why) */
	int prepared, described, searched, baselined;
	int guessed; /* 1: pe->stack is the SC-<account>-<id> name, not searched;
				* -1: no stack of that name, search */
	char *ppid, *stack;
	char account[16];
	char note[300];
	cfn_event_tracker tr;
	cfn_event_list ev;
	json_t *ans; /* the JSON answer of PE_DESCRIBE / PE_SEARCH */
};

static void projev_free(projev *pe)
{
	if (!pe)
		return;
	fcc_free(pe->ppid);
	fcc_free(pe->stack);
	cfn_event_tracker_dispose(&pe->tr);
	aws_pool_dispose(&pe->ev.pool);
	json_decref(pe->ans);
	fcc_free(pe);
}

static projev *projev_get(srun *sr)
{
	if (!sr->pe) {
		if (!(sr->pe = fcc_calloc(1, sizeof *sr->pe))) {
			fail_run(sr, FCC_ENOMEM, "out of memory");
			return NULL;
		}
		cfn_event_tracker_init(&sr->pe->tr);
	}
	return sr->pe;
}

/* Stop streaming; the first reason is kept for the failure report. */
static void projev_off(projev *pe, const char *what, const aws_error *ae)
{
	pe->off = 1;
	if (!pe->note[0])
		snprintf(pe->note, sizeof pe->note, "no stack events: %.200s%s%.64s", what,
			 ae && ae->code[0] ? ": " : "", ae && ae->code[0] ? ae->code : "");
}

static const char *json_path(const json_t *j, const char *a, const char *b)
{
	return json_string_value(json_object_get(b ? json_object_get(j, a) : j, b ? b : a));
}

/* Take the provisioned product id and the account from a DescribeProject answer. */
static int projev_learn(srun *sr, projev *pe, const json_t *project)
{
	const char *pp = json_path(project, "ServiceCatalogProvisionedProductDetails",
				   "ProvisionedProductId");

	if (!pe->account[0])
		projev_arn_account(pe->account, json_path(project, "ProjectArn", NULL));
	if (!pe->ppid && pp && *pp && !(pe->ppid = fcc_strdup(pp))) {
		fail_run(sr, FCC_ENOMEM, "out of memory");
		return FCC_ENOMEM;
	}
	return FCC_OK;
}

/* The stack by Service Catalog's name for it, before any search: saves a
 * call on every project followed. */
static int projev_guess(srun *sr, projev *pe)
{
	fcc_buf name;
	int rc = FCC_OK;

	if (pe->stack || pe->searched || pe->guessed < 0 || !pe->ppid || !pe->account[0])
		return FCC_OK;
	fcc_buf_init(&name, 512);
	if (projev_stack_name(&name, pe->account, pe->ppid) == FCC_OK) {
		if (!(pe->stack = fcc_strdup(fcc_buf_cstr(&name))))
			rc = FCC_ENOMEM;
		else
			pe->guessed = 1;
	}
	fcc_buf_dispose(&name);
	if (rc)
		fail_run(sr, rc, "out of memory");
	return rc;
}

/* No stack of the guessed name: search for it next time. */
static void projev_unguess(projev *pe)
{
	fcc_free(pe->stack);
	pe->stack = NULL;
	pe->guessed = -1;
}

static void projev_emit(void *payload, const cfn_stack_event *ev)
{
	srun *sr = payload;

	if (sr->r->o.on_stack_event)
		sr->r->o.on_stack_event(sr->r->o.payload, sr->res, sr->pe->stack, ev);
}

static int projev_each(void *payload, const json_t *page)
{
	srun *sr = payload;

	json_decref(sr->pe->ans);
	sr->pe->ans = json_incref((json_t *)page);
	return FCC_OK;
}

static void projev_done(void *payload, aws_error *ae)
{
	srun *sr = payload;
	projev *pe = sr->pe;
	const json_t *item;
	fcc_buf name;
	int rc = FCC_OK;

	sr->pending--;
	switch (pe->what) {
	case PE_DESCRIBE:
		if (ae->err.code == FCC_OK)
			rc = projev_learn(sr, pe, pe->ans);
		else
			projev_off(pe, "DescribeProject failed", ae);
		break;
	case PE_SEARCH:
		pe->searched = 1;
		item = json_array_get(json_object_get(pe->ans, "ProvisionedProducts"), 0);
		if (ae->err.code == FCC_OK && json_path(item, "PhysicalId", NULL)) {
			if (!(pe->stack = fcc_strdup(json_path(item, "PhysicalId", NULL))))
				rc = FCC_ENOMEM;
			break;
		}
		/* refused or not there yet: Service Catalog's own name for the stack */
		fcc_buf_init(&name, 512);
		if (projev_stack_name(&name, pe->account, pe->ppid) == FCC_OK) {
			if (!(pe->stack = fcc_strdup(fcc_buf_cstr(&name))))
				rc = FCC_ENOMEM;
		} else {
			projev_off(pe, "the project's stack is unknown", ae->err.code ? ae : NULL);
		}
		fcc_buf_dispose(&name);
		break;
	case PE_BASELINE:
		if (ae->err.code == FCC_OK) {
			rc = cfn_event_tracker_baseline(&pe->tr, pe->ev.items, pe->ev.n);
		} else if (ae->err.code == FCC_ENOTFOUND && pe->guessed > 0) {
			projev_unguess(pe); /* search, then take the baseline again */
			pe->baselined = 0;
		} else if (ae->err.code != FCC_ENOTFOUND) /* no stack: no history either */
			projev_off(pe, "DescribeStackEvents failed", ae);
		break;
	case PE_EVENTS:
		pe->round_done = 1;
		if (ae->err.code == FCC_OK)
			rc = cfn_event_tracker_feed(&pe->tr, pe->ev.items, pe->ev.n, projev_emit,
						    sr);
		else if (ae->err.code == FCC_ENOTFOUND && pe->guessed > 0)
			projev_unguess(
				pe); /* not created yet, or named otherwise: search next poll */
		else if (ae->err.code != FCC_ENOTFOUND) /* not created yet: next poll */
			projev_off(pe, "DescribeStackEvents failed", ae);
		break;
	}
	if (rc == FCC_ENOMEM)
		fail_run(sr, rc, "out of memory");
	aws_pool_dispose(&pe->ev.pool);
	json_decref(pe->ans);
	pe->ans = NULL;
	if (sr->pending == 0 && !sr->polling)
		advance(sr);
}

static int projev_submit(srun *sr, pe_call what)
{
	projev *pe = sr->pe;
	const char *name = attr(sr->st, "name");
	json_t *in = NULL;
	fcc_err e;
	int rc;

	fcc_err_clear(&e);
	pe->what = what;
	switch (what) {
	case PE_DESCRIBE:
		pe->described = 1;
		if (!(in = json_pack("{s:s*}", "ProjectName", name)))
			break;
		rc = aws_json_submit(sr->r->ctx, &aws_svc_sagemaker, "DescribeProject", in, NULL,
				     NULL, projev_each, sr, projev_done, sr, &e);
		break;
	case PE_SEARCH:
		pe->searched = 1;
		if (!(in = json_pack("{s:{s:s,s:s},s:{s:[s+]}}", "AccessLevelFilter", "Key",
				     "Account", "Value", "self", "Filters", "SearchQuery",
				     "id:", pe->ppid)))
			break;
		rc = aws_json_submit(sr->r->ctx, &aws_svc_servicecatalog,
				     "SearchProvisionedProducts", in, NULL, NULL, projev_each, sr,
				     projev_done, sr, &e);
		break;
	default:
		pe->baselined = 1;
		rc = cfn_describe_stack_events_submit(
			&pe->ev, sr->r->ctx, pe->stack, what == PE_EVENTS ? pe->tr.newest_id : NULL,
			what == PE_EVENTS ? 0 : 1, projev_done, sr, &e);
		goto sent;
	}
	if (!in) {
		fail_run(sr, FCC_ENOMEM, "out of memory");
		return 1;
	}
	json_decref(in);
sent:
	if (rc != FCC_OK) {
		if (e.code == FCC_ENOMEM) {
			fail_run(sr, FCC_ENOMEM, "out of memory");
			return 1;
		}
		projev_off(pe, e.msg, NULL);
		return 0;
	}
	sr->pending++;
	return 1;
}

/* Before UpdateProject: find the stack and take its newest events as
 * history. Returns 1 while a request is out (the step's phase 0 runs again
 * when it is back), 0 when done. */
static int projev_prepare(srun *sr)
{
	projev *pe = projev_get(sr);

	if (!pe)
		return 1;
	if (pe->prepared || pe->off) {
		pe->prepared = 1;
		return 0;
	}
	if (!pe->ppid && !pe->described)
		return projev_submit(sr, PE_DESCRIBE);
	if (projev_guess(sr, pe) != FCC_OK)
		return 1;
	if (pe->ppid && !pe->stack && !pe->searched)
		return projev_submit(sr, PE_SEARCH);
	if (pe->stack && !pe->baselined && !pe->off)
		return projev_submit(sr, PE_BASELINE);
	pe->prepared = 1;
	return 0;
}

/* After each DescribeProject answer (in sr->answer): resolve the stack once,
 * then read its new events once. Returns 1 while a request is out
 * (project_poll runs again on the same answer when it is back), 0 when this
 * poll's stack work is done. */
static int projev_poll(srun *sr)
{
	projev *pe = projev_get(sr);

	if (!pe)
		return 1;
	if (pe->off)
		return 0;
	if (pe->round_done) {
		pe->round_done = 0; /* the next call is for the next poll */
		return 0;
	}
	if (projev_learn(sr, pe, sr->answer) != FCC_OK)
		return 1;
	if (!pe->ppid)
		return 0; /* not provisioned yet */
	if (projev_guess(sr, pe) != FCC_OK)
		return 1;
	if (!pe->stack)
		return pe->searched ? 0 : projev_submit(sr, PE_SEARCH);
	return projev_submit(sr, PE_EVENTS);
}

/* The project's provisioning failed: say where, from the stack's events. */
static void projev_failed(srun *sr, const char *status, const char *why)
{
	projev *pe = sr->pe;
	fcc_buf b;

	fcc_buf_init(&b, 4096);
	if (projev_format_failure(&b, sr->st->name, status, why, pe ? pe->stack : NULL,
				  pe ? &pe->tr : NULL,
				  pe && pe->note[0] ? pe->note : NULL) != FCC_OK)
		fail_run(sr, FCC_ENOMEM, "out of memory");
	else
		fail_local(sr, FCC_EAWS, "%s", fcc_buf_cstr(&b));
	fcc_buf_dispose(&b);
}

/* The artifact id a project is to use: the version step's (created now or
 * found by the plan). */
static const char *project_artifact(srun *sr)
{
	srun *a = find_address(sr->r, attr(sr->st, "artifact"));

	if (a && a->res->id)
		return a->res->id;
	if (a && attr(a->st, "id"))
		return attr(a->st, "id");
	return attr(sr->st, "artifact_id");
}

static int project_poll(srun *sr)
{
	const char *status;
	char what[300];

	status = answer_str(sr, "ProjectStatus");
	if (!status) {
		fail_local(sr, FCC_EPARSE, "DescribeProject answered without a ProjectStatus");
		return 1;
	}
	/* the stack's new events, read after each DescribeProject */
	if (projev_poll(sr))
		return 1;
	if (strcmp(status, "CreateCompleted") == 0 || strcmp(status, "UpdateCompleted") == 0) {
		set_id(sr, answer_str(sr, "ProjectId"), sr->st->action == PLAN_CREATE);
		return 0;
	}
	if (strstr(status, "Failed") || strncmp(status, "Delete", 6) == 0) {
		const char *why = answer_str(sr, "ServiceCatalogProvisionedProductDetails."
						 "ProvisionedProductStatusMessage");
		projev_failed(sr, status, why);
		return 1;
	}
	snprintf(what, sizeof what, "SageMaker project %s", sr->st->name);
	return poll_later(sr, what, status);
}

/* Does the update step need UpdateProject: the product version changes, or
 * the last update failed and was rolled back (else only its pipeline
 * definition drifted)? */
static int changes_version(const plan_step *st)
{
	size_t i;

	for (i = 0; i < st->n_changes; i++)
		if (strcmp(st->changes[i].path, "provisioning_artifact") == 0 ||
		    strcmp(st->changes[i].path, "status") == 0)
			return 1;
	return 0;
}

static const json_t *pipeline_doc(const plan_step *st)
{
	size_t i;

	for (i = 0; i < st->n_docs; i++)
		if (strcmp(st->docs[i].name, "pipeline_definition") == 0)
			return st->docs[i].after;
	return NULL;
}

/* The pipeline the project's template creates is named sagemaker-<project>
 * (the CodeBuild environment's SAGEMAKER_PIPELINE_NAME, emit_cfn.c); a drifted
 * definition is put back with UpdatePipeline. */
static int project_pipeline(srun *sr)
{
	const json_t *def = pipeline_doc(sr->st);
	char name[300], *text;
	json_t *in;

	if (!def)
		return 0;
	snprintf(name, sizeof name, "sagemaker-%s",
		 attr(sr->st, "name") ? attr(sr->st, "name") : "");
	if (!(text = json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS))) {
		fail_run(sr, FCC_ENOMEM, "out of memory");
		return 1;
	}
	in = json_pack("{s:s,s:s}", "PipelineName", name, "PipelineDefinition", text);
	free(text);
	if (!in) {
		fail_run(sr, FCC_ENOMEM, "out of memory");
		return 1;
	}
	submit_json(sr, &aws_svc_sagemaker, "UpdatePipeline", in, 0, NULL, NULL);
	return 1;
}

/* Phases: 0 CreateProject / UpdateProject, 1 DescribeProject, 2 follow it
 * (polls go back to 1), 3 UpdatePipeline when the definition drifted, 4 done. */
static int step_project(srun *sr)
{
	const plan_step *st = sr->st;
	const char *product = product_id_of(sr), *art = project_artifact(sr);
	json_t *in, *tags;
	int rc;

	switch (sr->phase) {
	case 0:
		/* an update first marks the stack's past events as history */
		if (st->action == PLAN_UPDATE && changes_version(st) && projev_prepare(sr))
			return 1;
		sr->phase = 1;
		if (st->action == PLAN_UPDATE && !changes_version(st)) {
			sr->phase = 3; /* only the pipeline drifted */
			return step_project(sr);
		}
		if (!product || !art) {
			fail_local(sr, FCC_ERROR, "no product or version id for the project");
			return 1;
		}
		if (st->action == PLAN_CREATE) {
			if (!(tags = tag_array(json_object_get(st->attrs, "tags")))) {
				fail_run(sr, FCC_ENOMEM, "out of memory");
				return 1;
			}
			if (!json_array_size(tags)) {
				json_decref(tags);
				tags = NULL;
			}
			in = json_pack("{s:s*,s:s*,s:{s:s,s:s},s:o*}", "ProjectName",
				       attr(st, "name"), "ProjectDescription",
				       attr(st, "description"), "ServiceCatalogProvisioningDetails",
				       "ProductId", product, "ProvisioningArtifactId", art, "Tags",
				       tags);
			/* CreateProject has no ClientRequestToken: a project name is unique,
			 * so a retry that finds it already there follows it like a new one */
			if (in)
				submit_json(sr, &aws_svc_sagemaker, "CreateProject", in, 0,
					    "ValidationException", "already exists");
		} else {
			/* the project's provisioned product moves to the new version */
			in = json_pack("{s:s*,s:{s:s}}", "ProjectName", attr(st, "name"),
				       "ServiceCatalogProvisioningUpdateDetails",
				       "ProvisioningArtifactId", art);
			if (in)
				submit_json(sr, &aws_svc_sagemaker, "UpdateProject", in, 0, NULL,
					    NULL);
		}
		if (!in)
			fail_run(sr, FCC_ENOMEM, "out of memory");
		return 1;
	case 1:
		sr->phase = 2;
		if (!(in = json_pack("{s:s*}", "ProjectName", attr(st, "name")))) {
			fail_run(sr, FCC_ENOMEM, "out of memory");
			return 1;
		}
		submit_json(sr, &aws_svc_sagemaker, "DescribeProject", in, 1, NULL, NULL);
		return 1;
	case 2:
		if ((rc = project_poll(sr)) != 0 || st->action != PLAN_UPDATE)
			return rc;
		sr->phase = 3;
		return step_project(sr);
	case 3:
		sr->phase = 4;
		return project_pipeline(sr);
	default:
		return 0;
	}
}

/* ---- deletes (fcc destroy) ---- */

static int step_delete_project(srun *sr)
{
	const char *name = attr(sr->st, "name");
	const char *status;
	char what[300];
	json_t *in;

	switch (sr->phase) {
	case 0:
	case 1:
		if (sr->phase == 1 && sr->tolerated)
			return 0; /* DescribeProject: it is gone */
		in = json_pack("{s:s*}", "ProjectName", name);
		if (!in) {
			fail_run(sr, FCC_ENOMEM, "out of memory");
			return 1;
		}
		/* a retry whose first answer was lost finds it gone: already so */
		submit_json(sr, &aws_svc_sagemaker,
			    sr->phase == 0 ? "DeleteProject" : "DescribeProject", in,
			    sr->phase == 1, "ValidationException", "does not exist");
		sr->phase = sr->phase == 0 ? 1 : 2;
		return 1;
	default:
		if (sr->tolerated)
			return 0;
		status = answer_str(sr, "ProjectStatus");
		if (status && strcmp(status, "DeleteFailed") == 0) {
			fail_local(sr, FCC_EAWS, "SageMaker project %s is DeleteFailed", name);
			return 1;
		}
		sr->phase = 1; /* follow it until it is gone */
		json_decref(sr->answer);
		sr->answer = NULL;
		sr->tolerated = 0;
		snprintf(what, sizeof what, "SageMaker project %s", name);
		return poll_later(sr, what, status ? status : "there");
	}
}

static int step_delete_s3(srun *sr)
{
	const plan_step *st = sr->st;
	aws_request req;
	fcc_buf path;

	if (sr->phase++ > 0)
		return 0;
	fcc_buf_init(&path, 1 << 16);
	if (aws_s3_key_path(&path, attr(st, "key")) != FCC_OK) {
		fcc_buf_dispose(&path);
		fail_run(sr, FCC_ENOMEM, "out of memory");
		return 1;
	}
	memset(&req, 0, sizeof req);
	req.svc = &aws_svc_s3;
	req.operation = "DeleteObject";
	req.method = "DELETE";
	req.path = path.data;
	req.bucket = attr(st, "bucket");
	submit(sr, &req, new_call(sr, 0, NULL, NULL), 1);
	fcc_buf_dispose(&path);
	return 1;
}

/* The Service Catalog deletes: one call each; ResourceNotFound (a retry
 * whose first answer was lost) means it is already gone. */
static int step_delete_sc(srun *sr)
{
	const plan_step *st = sr->st;
	const char *op;
	json_t *in;

	if (sr->phase++ > 0)
		return 0;
	if (is_kind(st, "sc-constraint")) {
		op = "DeleteConstraint";
		in = json_pack("{s:s*}", "Id", attr(st, "id"));
	} else if (is_kind(st, "sc-association")) {
		op = "DisassociateProductFromPortfolio";
		in = json_pack("{s:s*,s:s*}", "ProductId", attr(st, "product_id"), "PortfolioId",
			       attr(st, "portfolio_id"));
	} else if (is_kind(st, "sc-product")) {
		op = "DeleteProduct";
		in = json_pack("{s:s*}", "Id", attr(st, "id"));
	} else { /* sc-portfolio (shares go through step_share) */
		op = "DeletePortfolio";
		in = json_pack("{s:s*}", "Id", attr(st, "id"));
	}
	if (!in) {
		fail_run(sr, FCC_ENOMEM, "out of memory");
		return 1;
	}
	submit_json(sr, &aws_svc_servicecatalog, op, in, 0, "ResourceNotFoundException", NULL);
	return 1;
}

static int dispatch(srun *sr)
{
	const plan_step *st = sr->st;

	if (st->action == PLAN_NOOP)
		return 0;
	if (is_kind(st, "cfn-stack")) {
		/* deployed synchronously before the graph (apply_stack.h) */
		if (sr->r->o.stacks_done)
			return 0;
		if (sr->phase++ == 0)
			fail_local(sr, FCC_EUSAGE,
				   "%s: stacks are deployed by the stack phase "
				   "(apply_stack_run), which did not run",
				   st->address);
		return 1;
	}
	if (st->action == PLAN_DELETE) {
		if (is_kind(st, "sagemaker-project"))
			return step_delete_project(sr);
		if (is_kind(st, "s3-object"))
			return step_delete_s3(sr);
		if (is_kind(st, "sc-principal"))
			return step_principal(sr);
		if (is_kind(st, "sc-share"))
			return step_share(sr);
		if (is_kind(st, "sc-constraint") || is_kind(st, "sc-association") ||
		    is_kind(st, "sc-product") || is_kind(st, "sc-portfolio"))
			return step_delete_sc(sr);
	}
	if (is_kind(st, "s3-object") && (st->action == PLAN_CREATE || st->action == PLAN_UPDATE))
		return step_s3(sr);
	if (is_kind(st, "iam-role") && st->action == PLAN_UPDATE)
		return step_role(sr);
	if (is_kind(st, "sc-portfolio") && (st->action == PLAN_CREATE || st->action == PLAN_UPDATE))
		return step_portfolio(sr);
	if (is_kind(st, "sc-product") && (st->action == PLAN_CREATE || st->action == PLAN_UPDATE))
		return step_product(sr);
	if (is_kind(st, "sc-artifact") && st->action != PLAN_DELETE && st->action != PLAN_REPLACE)
		return step_artifact(sr);
	if (is_kind(st, "sc-association") && st->action == PLAN_CREATE)
		return step_association(sr);
	if (is_kind(st, "sc-constraint") &&
	    (st->action == PLAN_CREATE || st->action == PLAN_UPDATE))
		return step_constraint(sr);
	if (is_kind(st, "sc-principal"))
		return step_principal(sr);
	if (is_kind(st, "sc-share") && st->action == PLAN_CREATE)
		return step_share(sr);
	if (is_kind(st, "sagemaker-project") &&
	    (st->action == PLAN_CREATE || st->action == PLAN_UPDATE))
		return step_project(sr);
	if (sr->phase++ == 0)
		fail_local(sr, FCC_EUSAGE, "fcc apply cannot %s a %s", plan_action_name(st->action),
			   st->kind);
	return 1;
}

/* Run the step's next phase, or end it. Called when the step starts and
 * whenever its last request in flight is back. */
static void advance(srun *sr)
{
	for (;;) {
		if (sr->failed) {
			finish(sr, APPLY_FAILED);
			return;
		}
		if (!dispatch(sr)) {
			finish(sr, sr->failed ? APPLY_FAILED : APPLY_OK);
			return;
		}
		if (sr->pending || sr->polling)
			return;
		if (!sr->failed) /* nothing went out and nothing failed: a bug */
			fail_local(sr, FCC_ERROR, "internal error: step %s stalled",
				   sr->st->address);
	}
}

/* ---- the run ---- */

int apply_needs_account(const plan *p)
{
	size_t i;

	for (i = 0; i < p->n_steps; i++) {
		const plan_step *st = &p->steps[i];
		if (is_kind(st, "sc-constraint") && st->action != PLAN_NOOP &&
		    json_object_get(json_object_get(st->attrs, "parameters"), "LocalRoleName"))
			return 1;
	}
	return 0;
}

/* GetCallerIdentity, synchronously, before any step runs. */
static int fetch_account(apply_report *rep, aws_ctx *ctx, fcc_err *e)
{
	sts_identity id;
	aws_error ae;
	int rc;

	if ((rc = sts_get_caller_identity(&id, ctx, &ae))) {
		fcc_buf b;
		fcc_buf_init(&b, 4096);
		aws_error_format(&b, &ae);
		rc = fcc_err_set(e, rc, "cannot find the account for the launch role's ARN: %s",
				 fcc_buf_cstr(&b));
		fcc_buf_dispose(&b);
		return rc;
	}
	if (strlen(id.account) >= sizeof rep->account)
		rc = fcc_err_set(e, FCC_EPARSE, "STS GetCallerIdentity answered a bad account");
	else
		snprintf(rep->account, sizeof rep->account, "%s", id.account);
	aws_pool_dispose(&id.pool);
	return rc;
}

static void account_done(void *payload, aws_error *ae)
{
	apply_account *a = payload;

	a->done = 1;
	a->rc = ae->err.code;
	if (!a->rc && strlen(a->id.account) < sizeof a->account)
		snprintf(a->account, sizeof a->account, "%s", a->id.account);
	else if (!a->rc)
		a->rc = FCC_EPARSE;
	aws_pool_dispose(&a->id.pool);
}

int apply_account_submit(apply_account *out, aws_ctx *ctx, fcc_err *e)
{
	memset(out, 0, sizeof *out);
	return sts_get_caller_identity_submit(&out->id, ctx, account_done, out, e);
}

static int build_graph(run *r)
{
	size_t i, j;

	for (i = 0; i < r->n; i++) {
		srun *sr = &r->s[i];
		for (j = 0; j < sr->st->depends_on.n; j++) {
			srun *d = find_address(r, sr->st->depends_on.v[j]);
			if (!d || d->st->action == PLAN_NOOP || d == sr)
				continue; /* not in the plan or nothing to do: already done */
			if (d->n_dependents == d->cap_dependents) {
				size_t nc = d->cap_dependents ? d->cap_dependents * 2 : 4;
				size_t *nv = fcc_realloc(d->dependents, nc * sizeof *nv);
				if (!nv)
					return FCC_ENOMEM;
				d->dependents = nv;
				d->cap_dependents = nc;
			}
			d->dependents[d->n_dependents++] = i;
			sr->waiting++;
		}
	}
	return FCC_OK;
}

/* A dependency cycle leaves steps waiting forever; the plan never makes one,
 * but a hand-edited plan file could. */
static int has_cycle(run *r)
{
	size_t *indeg = fcc_calloc(r->n ? r->n : 1, sizeof *indeg), *q, qh = 0, qt = 0, seen = 0, i,
	       j;
	int cyc;

	q = fcc_calloc(r->n ? r->n : 1, sizeof *q);
	if (!indeg || !q) {
		fcc_free(indeg);
		fcc_free(q);
		return -1;
	}
	for (i = 0; i < r->n; i++)
		indeg[i] = r->s[i].waiting;
	for (i = 0; i < r->n; i++)
		if (!indeg[i])
			q[qt++] = i;
	while (qh < qt) {
		srun *s = &r->s[q[qh++]];
		seen++;
		for (j = 0; j < s->n_dependents; j++)
			if (--indeg[s->dependents[j]] == 0)
				q[qt++] = s->dependents[j];
	}
	cyc = seen != r->n;
	fcc_free(indeg);
	fcc_free(q);
	return cyc;
}

int apply_run(apply_report *out, aws_ctx *ctx, const plan *p, const apply_opts *o, fcc_err *e)
{
	run r;
	size_t i;
	long long t0;
	int rc = FCC_OK, cyc;

	memset(out, 0, sizeof *out);
	memset(&r, 0, sizeof r);
	if (plan_has_errors(p))
		return fcc_err_set(e, FCC_ECONFLICT,
				   "the plan has errors and cannot be applied: %s", p->errors.v[0]);
	r.ctx = ctx;
	r.p = p;
	r.rep = out;
	if (o)
		r.o = *o;
	t0 = now_ms(&r);
	r.n = p->n_steps;
	out->n = p->n_steps;
	if (r.n) {
		out->v = fcc_calloc(r.n, sizeof *out->v);
		r.s = fcc_calloc(r.n, sizeof *r.s);
		r.ready = fcc_calloc(r.n, sizeof *r.ready);
		if (!out->v || !r.s || !r.ready) {
			out->n = 0;
			r.n = 0; /* nothing to walk at out: */
			rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < r.n; i++) {
		r.s[i].r = &r;
		r.s[i].idx = i;
		r.s[i].st = &p->steps[i];
		r.s[i].res = &out->v[i];
		out->v[i].step = &p->steps[i];
		aws_error_clear(&out->v[i].err);
	}
	if (build_graph(&r) != FCC_OK) {
		rc = fcc_err_set(e, FCC_ENOMEM, "out of memory");
		goto out;
	}
	if ((cyc = has_cycle(&r)) != 0) {
		rc = cyc < 0 ? fcc_err_set(e, FCC_ENOMEM, "out of memory")
			     : fcc_err_set(e, FCC_ECONFLICT,
					   "the plan's dependencies form a cycle");
		goto out;
	}
	if (o && o->account && *o->account && strlen(o->account) < sizeof out->account)
		snprintf(out->account, sizeof out->account, "%s", o->account);
	else if (apply_needs_account(p) && (rc = fetch_account(out, ctx, e)) != FCC_OK)
		goto out;
	/* no-ops are done at once; the rest wait for their dependencies */
	for (i = 0; i < r.n; i++)
		if (p->steps[i].action == PLAN_NOOP)
			out->v[i].status = APPLY_NOOP;
	for (i = 0; i < r.n; i++)
		if (p->steps[i].action != PLAN_NOOP && r.s[i].waiting == 0)
			r.ready[r.nready++] = i;
	if (r.o.lock)
		aws_ctx_set_tick(ctx, lock_tick, &r);
	schedule(&r);
	for (;;) {
		fcc_err re;
		long long due = 0, t;
		fcc_err_clear(&re);
		if (aws_run(ctx, &re) != FCC_OK) {
			rc = fcc_err_set(e, re.code ? re.code : FCC_ERROR, "%s", re.msg);
			goto out;
		}
		/* the polls: everything else is drained, wait for the earliest */
		for (i = 0; i < r.n; i++)
			if (r.s[i].polling && (!due || r.s[i].poll_due < due))
				due = r.s[i].poll_due;
		if (!due)
			break; /* nothing in flight, nothing to poll: every step ended */
		if (r.o.cancelled && r.o.cancelled(r.o.payload))
			r.stop = 1;
		t = now_ms(&r);
		if (r.o.lock && !r.stop) {
			/* wake for the lock's refresh too: a project may take longer than its TTL */
			long long in = lock_refresh_in_ms(r.o.lock);
			if (in >= 0 && t + in < due) {
				sleep_ms(&r, (long)in);
				keep_lock(&r);
				continue; /* aws_run sends it */
			}
		}
		if (due > t && !r.stop)
			sleep_ms(&r, (long)(due - t));
		t = now_ms(&r);
		for (i = 0; i < r.n; i++) {
			srun *sr = &r.s[i];
			if (!sr->polling || (sr->poll_due > t && !r.stop))
				continue;
			sr->polling = 0;
			if (r.stop) {
				fail_local(sr, FCC_ERROR,
					   "interrupted while following the project");
				advance(sr);
				continue;
			}
			sr->phase = 1; /* DescribeProject / DescribePortfolioShareStatus again */
			advance(sr);
		}
	}
	if (r.local_rc) {
		rc = r.local_rc;
		*e = r.local;
	}
	if (!rc && r.lock_rc) {
		rc = r.lock_rc;
		*e = r.lock_err;
	}
	if (!rc && r.o.lock && r.o.lock->lost)
		rc = lock_lost_describe(r.o.lock, e); /* FCC_ECONFLICT, naming who has it now */
out:
	if (r.o.lock)
		aws_ctx_set_tick(ctx, NULL, NULL);
	for (i = 0; i < r.n; i++) {
		if (r.s && r.s[i].res->status == APPLY_PENDING)
			r.s[i].res->status = APPLY_CANCELLED;
		if (r.s) {
			fcc_free(r.s[i].dependents);
			json_decref(r.s[i].answer);
			projev_free(r.s[i].pe);
		}
	}
	for (i = 0; i < out->n; i++) {
		switch (out->v[i].status) {
		case APPLY_OK:
			out->n_ok++;
			break;
		case APPLY_NOOP:
			out->n_noop++;
			break;
		case APPLY_FAILED:
			out->n_failed++;
			break;
		case APPLY_SKIPPED:
			out->n_skipped++;
			break;
		case APPLY_CANCELLED:
			out->n_cancelled++;
			break;
		default:
			break;
		}
	}
	out->ms = now_ms(&r) - t0;
	for (i = 0; r.s && i < r.n; i++) {
		fcc_free(r.s[i].created_artifact);
		fcc_free(r.s[i].created_artifact_sha);
	}
	fcc_free(r.s);
	fcc_free(r.ready);
	if (rc == FCC_OK && out->n_cancelled)
		rc = fcc_err_set(e, FCC_ERROR, "interrupted: %zu step%s not started",
				 out->n_cancelled, out->n_cancelled == 1 ? "" : "s");
	else if (rc == FCC_OK && out->n_failed)
		rc = fcc_err_set(e, FCC_EAWS, "%zu step%s failed, %zu skipped", out->n_failed,
				 out->n_failed == 1 ? "" : "s", out->n_skipped);
	return rc;
}

void apply_report_dispose(apply_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n && r->v; i++) {
		fcc_free(r->v[i].id);
		fcc_free(r->v[i].note);
	}
	fcc_free(r->v);
	memset(r, 0, sizeof *r);
}

const char *apply_status_name(apply_status s)
{
	switch (s) {
	case APPLY_PENDING:
		return "pending";
	case APPLY_RUNNING:
		return "running";
	case APPLY_OK:
		return "ok";
	case APPLY_NOOP:
		return "no-op";
	case APPLY_FAILED:
		return "failed";
	case APPLY_SKIPPED:
		return "skipped";
	case APPLY_CANCELLED:
		return "cancelled";
	}
	return "?";
}
