/*
 * cmd_apply.c — `fcc apply`: make AWS match a build (or a saved plan).
 *
 * CLI layer over runtime/apply.c: load the desired state (a build directory,
 * or a saved plan plus its build directory); read AWS (state_read.h) and
 * diff without the lock, so an apply with nothing to do writes nothing; show
 * the plan and ask on a terminal (else require --auto-approve or a saved
 * plan); take the apply lock (lock.h) and read again under it, re-planning
 * (or, after a human's yes, refusing) if another run changed AWS meanwhile;
 * a saved plan takes the lock first and is refused when stale. Then run the
 * executor with progress (progress.h); release the lock (also on Ctrl-C:
 * lock.h makes the signal a flag the executor polls) and print a summary
 * with durations and the ids created. Exit 0 ok, 1 error
 * (failed steps are reported with the AWS error code and request id), 2
 * usage.
 *
 * `fcc destroy` shares the flow: the plan is destroy_plan's (destroy.h)
 * instead of the diff's, after looking for SageMaker projects outside the
 * spec that still use the product (which forbid destroying it).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/base/alloc.h"
#include "compiler/base/arena.h"
#include "compiler/build.h"
#include "compiler/emit_zip.h"
#include "runtime/apply.h"
#include "runtime/apply_stack.h"
#include "runtime/aws/s3.h"
#include "runtime/cli/aws/aws_opts.h"
#include "runtime/cli/cli.h"
#include "runtime/aws/sagemaker.h"
#include "runtime/desired.h"
#include "runtime/destroy.h"
#include "runtime/diff.h"
#include "runtime/lock.h"
#include "runtime/plan.h"
#include "runtime/progress.h"
#include "runtime/project_events.h"
#include "runtime/state_read.h"

#define CMD cmd_name
#define LOCK_TTL_S (60 * 60)

/* "apply" or "destroy": the two commands share this file's flow */
static const char *cmd_name = "apply";

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fcc %s: ", cmd_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

typedef struct apply_args {
	const char *input;
	const char *build_dir; /* with a plan file */
	const char *env;
	const char *progress;
	int auto_approve;
	int purge; /* destroy */
	unsigned parallelism;
	long lock_timeout_ms;
	cli_aws_opts aws;
} apply_args;

static void help(FILE *f)
{
	fprintf(f,
		"usage: fcc apply [SPEC | BUILD_DIR | PLAN_FILE] [options]\n"
		"\n"
		"Make AWS match a build (a SPEC is built first, into build/ next to it, as\n"
		"fcc build does): read what exists and compute the plan without the lock (with\n"
		"nothing to do, nothing is written, not even the lock); show it; on approval\n"
		"take the project's lock, read again (a change made meanwhile is planned\n"
		"again, or refused after a yes on a terminal), and run the steps as a\n"
		"dependency graph, independent steps in parallel. A stack fcc owns (the\n"
		"bucket of artifacts.create_bucket) is deployed through a change set, its\n"
		"events streamed. A saved plan (fcc plan -o FILE) is applied only if nothing\n"
		"it was computed from has changed since; otherwise it is refused, naming\n"
		"what changed.\n"
		"\n"
		"options:\n"
		"  --build-dir DIR      the build a saved plan belongs to (default: build)\n"
		"  --env NAME           with a SPEC: the environment to build\n"
		"  --auto-approve       do not ask (required without a terminal, unless a\n"
		"                       saved plan is applied)\n"
		"  --parallelism N      steps in flight at once (default 8)\n"
		"  --lock-timeout DUR   wait this long for another apply's lock (e.g. 30s,\n"
		"                       5m; default 0: fail at once)\n"
		"  --progress MODE      auto, plain, tty or json (default auto)\n"
		"%s"
		"  -h, --help           show this help\n"
		"\n"
		"environment: FCC_APPLY_POLL_MS, the wait between DescribeProject polls\n"
		"(default 5000); FCC_LOCK_TTL_S, the lock's TTL in seconds (default 3600;\n"
		"for tests: the lock is refreshed at half of it).\n"
		"exit status: 0 ok, 1 error (a failed step, a stale plan, the lock held), 2 usage.\n",
		cli_aws_opts_help());
}

static void help_destroy(FILE *f)
{
	fprintf(f,
		"usage: fcc destroy [SPEC | BUILD_DIR] [options]\n"
		"\n"
		"Remove what fcc made for a build, in reverse dependency order: the spec's\n"
		"SageMaker projects, the portfolio's principals and shares, the launch\n"
		"constraint, the product-portfolio association, then the product and the\n"
		"portfolio if they carry fcc's fcc:project tag, and the IAM role patches\n"
		"this project recorded (fcc:patch tags) that no other project needs.\n"
		"Refused while SageMaker projects the spec does not declare still use the\n"
		"product. The uploaded objects, and a bucket fcc created with its stack, are\n"
		"kept unless --purge.\n"
		"\n"
		"options:\n"
		"  --purge              delete the build's S3 objects too; with\n"
		"                       artifacts.create_bucket, then the bucket's stack and\n"
		"                       the bucket if nothing else is in it\n"
		"  --env NAME           with a SPEC: the environment to build\n"
		"  --auto-approve       do not ask (required without a terminal)\n"
		"  --parallelism N      steps in flight at once (default 8)\n"
		"  --lock-timeout DUR   wait this long for another run's lock (default 0)\n"
		"  --progress MODE      auto, plain, tty or json (default auto)\n"
		"%s"
		"  -h, --help           show this help\n"
		"\n"
		"exit status: 0 ok, 1 error, 2 usage.\n",
		cli_aws_opts_help());
}

/* "90", "30s", "5m", "1h", "250ms" → milliseconds; -1 when malformed. */
static long parse_duration(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < 0 || v > 24L * 3600)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v * 1000;
	if (strcmp(end, "ms") == 0)
		return v;
	if (strcmp(end, "m") == 0)
		return v * 60000;
	if (strcmp(end, "h") == 0)
		return v * 3600000;
	return -1;
}

static int parse_args(apply_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"auto-approve", no_argument, NULL, 'y'},
		{"purge", no_argument, NULL, 'P'},
		{"env", required_argument, NULL, 'e'},
		{"parallelism", required_argument, NULL, 'p'},
		{"lock-timeout", required_argument, NULL, 't'},
		{"progress", required_argument, NULL, 'g'},
		{"build-dir", required_argument, NULL, 'b'},
		CLI_AWS_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	char *end;
	long n;
	int ch, r;

	memset(a, 0, sizeof *a);
	a->progress = "auto";
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if ((r = cli_aws_opts_take(&a->aws, CMD, ch, optarg)) != 0) {
			if (r < 0)
				return -1;
			continue;
		}
		switch (ch) {
		case 'h':
			if (strcmp(cmd_name, "destroy") == 0)
				help_destroy(stdout);
			else
				help(stdout);
			return 1;
		case 'y':
			a->auto_approve = 1;
			break;
		case 'P':
			if (strcmp(cmd_name, "destroy") != 0) {
				cli_usage_error(CMD,
						"unknown option '--purge' (fcc destroy has it)");
				return -1;
			}
			a->purge = 1;
			break;
		case 'e':
			a->env = optarg;
			break;
		case 'g':
			a->progress = optarg;
			break;
		case 'b':
			a->build_dir = optarg;
			break;
		case 'p':
			n = strtol(optarg, &end, 10);
			if (!*optarg || *end || n < 1 || n > 64) {
				cli_usage_error(CMD, "--parallelism wants 1..64, not '%s'", optarg);
				return -1;
			}
			a->parallelism = (unsigned)n;
			break;
		case 't':
			if ((a->lock_timeout_ms = parse_duration(optarg)) < 0) {
				cli_usage_error(
					CMD,
					"--lock-timeout wants a duration such as 30s or 5m, "
					"not '%s'",
					optarg);
				return -1;
			}
			break;
		default:
			cli_getopt_error(CMD, argv);
			return -1;
		}
	}
	if (cli_one_operand(CMD, argc, argv, &a->input))
		return -1;
	if (!a->input)
		a->input = "build";
	return 0;
}

/* ---- progress glue ---- */

typedef struct glue {
	progress *pg;
} glue;

static void on_step(void *payload, const apply_result *r)
{
	glue *g = payload;
	const plan_step *st = r->step;
	char line[1200];
	fcc_buf b;

	if (strcmp(st->kind, "cfn-stack") == 0)
		return; /* the stack phase reports its own steps */
	switch (r->status) {
	case APPLY_RUNNING:
		snprintf(line, sizeof line, "%s %s", plan_action_name(st->action), st->kind);
		progress_start(g->pg, st->address, line);
		break;
	case APPLY_OK:
		if (r->id) {
			progress_id(g->pg, st->address, r->created ? "created" : "id", r->id);
		}
		snprintf(line, sizeof line, "%s", plan_action_name(st->action));
		progress_finish(g->pg, st->address, 1, line);
		break;
	case APPLY_FAILED:
		fcc_buf_init(&b, 4096);
		if (r->err.operation[0])
			aws_error_format(&b, &r->err);
		else
			fcc_buf_puts(&b, r->err.err.msg);
		progress_fail(g->pg, st->address, fcc_buf_cstr(&b));
		fcc_buf_dispose(&b);
		break;
	case APPLY_SKIPPED:
		snprintf(line, sizeof line, "skipped: %s failed",
			 r->note ? r->note : "a dependency");
		progress_fail(g->pg, st->address, line);
		break;
	default:
		break;
	}
}

/* A stack event of a project being provisioned: shown under its step. */
static void on_stack_event(void *payload, const apply_result *r, const char *stack,
			   const cfn_stack_event *ev)
{
	glue *g = payload;
	progress_cfn_event pe;
	fcc_buf name;

	fcc_buf_init(&name, 1024);
	if (projev_stack_display(&name, stack ? stack : ev->stack_name) != FCC_OK)
		fcc_buf_reset(&name);
	memset(&pe, 0, sizeof pe);
	pe.stack = name.len ? fcc_buf_cstr(&name) : ev->stack_name;
	pe.logical_id = ev->logical_id;
	pe.resource_type = ev->resource_type;
	pe.status = ev->status;
	pe.reason = ev->status_reason;
	pe.time_ms = ev->timestamp * 1000;
	progress_stack_event(g->pg, r->step->address, &pe);
	fcc_buf_dispose(&name);
}

/* ---- the stacks fcc owns (apply_stack.h): self-contained, called from
 * run_cmd at three points: before the lock (the first apply makes the
 * bucket the lock lives in), before the graph (updates), and after a
 * destroy --purge (the stack, then the bucket) ---- */

typedef struct stack_glue {
	progress *pg;
	const char *address; /* the stack step being run */
	char addr[300];
} stack_glue;

static void stack_event(void *payload, const cfn_stack_event *ev)
{
	stack_glue *g = payload;
	char line[1200];

	snprintf(line, sizeof line, "%s %s %s%s%s", ev->logical_id ? ev->logical_id : "?",
		 ev->resource_type ? ev->resource_type : "", ev->status ? ev->status : "",
		 ev->status_reason && *ev->status_reason ? ": " : "",
		 ev->status_reason ? ev->status_reason : "");
	progress_update(g->pg, g->address, line);
}

static int stack_changes(void *payload, const cfn_change_set *cs)
{
	stack_glue *g = payload;
	char line[1200];
	size_t i, j;

	for (i = 0; i < cs->nchanges; i++) {
		const cfn_change *c = &cs->changes[i];
		int n = snprintf(line, sizeof line, "change set %s: %s %s (%s)%s%s",
				 cs->name ? cs->name : "", c->action ? c->action : "?",
				 c->logical_id ? c->logical_id : "?",
				 c->resource_type ? c->resource_type : "",
				 c->replacement ? " replacement " : "",
				 c->replacement ? c->replacement : "");
		for (j = 0; j < c->ntargets && n > 0 && (size_t)n < sizeof line; j++)
			n += snprintf(line + n, sizeof line - (size_t)n, "%s%s", j ? ", " : ": ",
				      c->targets[j]);
		progress_update(g->pg, g->address, line);
	}
	return 0; /* the plan was approved: execute */
}

static void stack_start(void *payload, const char *address, const char *message)
{
	stack_glue *g = payload;

	snprintf(g->addr, sizeof g->addr, "%s", address);
	g->address = g->addr;
	progress_start(g->pg, g->address, message);
}

static void stack_end(void *payload, const char *address, int ok, int changed, const char *message)
{
	stack_glue *g = payload;

	if (ok)
		progress_finish(g->pg, address, changed, message);
	else
		progress_fail(g->pg, address, message);
}

static void stack_hooks(cfn_deploy_hooks *dh, apply_stack_hooks *h, stack_glue *g)
{
	memset(dh, 0, sizeof *dh);
	memset(h, 0, sizeof *h);
	dh->cancelled = lock_cancelled;
	dh->on_event = stack_event;
	dh->on_changes = stack_changes;
	dh->payload = g;
	/* CloudFormation takes minutes; the tests' endpoint answers at once */
	if (getenv("FCC_CFN_POLL_MS"))
		dh->poll_first_ms = dh->poll_max_ms = strtol(getenv("FCC_CFN_POLL_MS"), NULL, 10);
	h->deploy = dh;
	h->on_start = stack_start;
	h->on_end = stack_end;
	h->payload = g;
}

/* Before the lock: when the spec makes the artifacts bucket and its stack
 * does not exist yet (or only a failed first create / a change set left
 * it), deploy it now — the lock is an object in that bucket. A stack that
 * exists in a settled status costs one DescribeStacks and is left to the
 * plan. CLI_OK or CLI_FAIL (reported). */
static int ask_yes(void);

static int stacks_before_lock(aws_ctx *ctx, const desired *d, progress_mode mode, int approved)
{
	const desired_stack *ds = desired_stack_of_purpose(d, DESIRED_STACK_ARTIFACTS);
	cfn_deploy_hooks dh;
	apply_stack_hooks h;
	stack_glue g;
	progress_options po;
	cfn_stack_list sl;
	aws_error ae;
	fcc_err e;
	int rc, changed = 0;

	if (!ds)
		return CLI_OK;
	aws_error_clear(&ae);
	rc = cfn_describe_stacks(&sl, ctx, ds->name, &ae);
	if (rc && rc != FCC_ENOTFOUND) {
		say("reading cfn-stack:%s: %s\n", ds->name, ae.err.msg);
		return CLI_FAIL;
	}
	if (!rc && sl.n && sl.items[0].status && cfn_deploy_status_updatable(sl.items[0].status)) {
		aws_pool_dispose(&sl.pool);
		return CLI_OK; /* it exists: the plan updates it under the lock */
	}
	aws_pool_dispose(&sl.pool);
	/* this happens before the plan is shown: ask for it on its own */
	if (!approved) {
		if (!isatty(STDIN_FILENO)) {
			say("stack %s (the artifacts bucket %s) must be created before the apply lock "
			    "can be taken: pass --auto-approve or apply a saved plan "
			    "(fcc plan -o FILE)\n",
			    ds->name, ds->bucket);
			return CLI_FAIL;
		}
		printf("fcc apply: the artifacts bucket %s does not exist yet: stack %s (%s) is "
		       "created first, because the apply lock lives in that bucket.\n",
		       ds->bucket, ds->name, ds->template_path);
		fflush(stdout);
		if (!ask_yes()) {
			say("cancelled; nothing was changed\n");
			return CLI_FAIL;
		}
	}
	memset(&po, 0, sizeof po);
	po.mode = mode;
	po.out = stderr;
	po.color = cli_use_color(stderr);
	memset(&g, 0, sizeof g);
	fcc_err_clear(&e);
	if (progress_new(&g.pg, &po, &e) != FCC_OK) {
		say("%s\n", e.msg);
		return CLI_FAIL;
	}
	stack_hooks(&dh, &h, &g);
	rc = apply_stack_bootstrap(ctx, d, ds, &h, &changed, &e);
	progress_free(g.pg);
	if (rc) {
		say("%s\n", e.msg);
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* Before the graph: the plan's cfn-stack steps (under the lock). */
static int stacks_before_graph(aws_ctx *ctx, const plan *p, const desired *d, progress *pg)
{
	cfn_deploy_hooks dh;
	apply_stack_hooks h;
	stack_glue g;
	fcc_err e;

	if (!apply_stack_pending(p))
		return CLI_OK;
	memset(&g, 0, sizeof g);
	g.pg = pg;
	stack_hooks(&dh, &h, &g);
	fcc_err_clear(&e);
	if (apply_stack_run(ctx, p, d, &h, NULL, &e) != FCC_OK) {
		say("%s\n", e.msg);
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* Delete every version and delete marker under `prefix` (what fcc wrote:
 * a versioned bucket keeps them after DeleteObject), then the bucket when
 * nothing else is in it; otherwise say what is left. */
static int purge_bucket(aws_ctx *ctx, const char *bucket, const char *prefix)
{
	s3_version_list vl;
	aws_error ae;
	size_t i;
	int rc;

	if ((rc = s3_list_object_versions(&vl, ctx, bucket, prefix, 0, &ae)) == FCC_ENOTFOUND)
		return CLI_OK; /* no bucket */
	if (rc) {
		say("listing s3://%s/%s/: %s\n", bucket, prefix, ae.err.msg);
		return CLI_FAIL;
	}
	for (i = 0; rc == FCC_OK && i < vl.n; i++)
		if ((rc = s3_delete_object_version(ctx, bucket, vl.items[i].key,
						   vl.items[i].version_id, &ae)))
			say("deleting s3://%s/%s (version %s): %s\n", bucket, vl.items[i].key,
			    vl.items[i].version_id ? vl.items[i].version_id : "-", ae.err.msg);
	aws_pool_dispose(&vl.pool);
	if (rc)
		return CLI_FAIL;
	if ((rc = s3_list_object_versions(&vl, ctx, bucket, NULL, 1000, &ae))) {
		say("listing s3://%s: %s\n", bucket, ae.err.msg);
		return CLI_FAIL;
	}
	if (vl.n) {
		printf("Kept bucket %s: it holds %s%zu object version%s fcc did not upload "
		       "(delete them and the bucket by hand if they can go).\n",
		       bucket, vl.truncated ? "more than " : "", vl.n, vl.n == 1 ? "" : "s");
		aws_pool_dispose(&vl.pool);
		return CLI_OK;
	}
	aws_pool_dispose(&vl.pool);
	if ((rc = s3_delete_bucket(ctx, bucket, &ae))) {
		say("deleting bucket %s: %s\n", bucket, ae.err.msg);
		return CLI_FAIL;
	}
	printf("Deleted bucket %s.\n", bucket);
	return CLI_OK;
}

/* After destroy --purge ran the graph and released the lock (it lives in
 * the bucket): DeleteStack with its events, then the bucket. */
static int stacks_after_purge(aws_ctx *ctx, const plan *p, const desired *d, progress *pg)
{
	cfn_deploy_hooks dh;
	apply_stack_hooks h;
	stack_glue g;
	fcc_err e;
	size_t i;
	int deleted;

	memset(&g, 0, sizeof g);
	g.pg = pg;
	stack_hooks(&dh, &h, &g);
	for (i = 0; i < p->n_steps; i++) {
		const plan_step *st = &p->steps[i];
		const char *name = json_string_value(json_object_get(st->attrs, "stack_name"));
		const char *bucket = json_string_value(json_object_get(st->attrs, "bucket"));
		if (strcmp(st->kind, "cfn-stack") != 0 || st->action != PLAN_DELETE || !name)
			continue;
		stack_start(&g, st->address, "deleting the stack");
		fcc_err_clear(&e);
		if (apply_stack_delete(ctx, name, &dh, &deleted, &e) != FCC_OK) {
			progress_fail(pg, st->address, e.msg);
			say("%s\n", e.msg);
			return CLI_FAIL;
		}
		progress_finish(pg, st->address, deleted, "stack deleted");
		if (bucket && purge_bucket(ctx, bucket, d->prefix) != CLI_OK)
			return CLI_FAIL;
	}
	return CLI_OK;
}

/* ---- the command ---- */

static int ask_yes(void)
{
	char line[64];

	fprintf(stderr, "\nDo you want to apply these changes? Only 'yes' will be accepted: ");
	fflush(stderr);
	if (!fgets(line, sizeof line, stdin))
		return 0;
	return strcmp(line, "yes\n") == 0 || strcmp(line, "yes") == 0;
}

static int read_template(fcc_buf *out, const char *dir, const char *name)
{
	char path[4096], chunk[65536];
	FILE *f;
	size_t n;
	int rc = FCC_OK;

	if (!name || (size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return FCC_EIO;
	if (!(f = fopen(path, "rb")))
		return FCC_EIO;
	while (rc == FCC_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = fcc_buf_append(out, chunk, n);
	if (rc == FCC_OK && ferror(f))
		rc = FCC_EIO;
	fclose(f);
	return rc;
}

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

/* SPEC: compile it into build/ next to it (as `fcc build` does) and return
 * that directory in *dir (caller frees). CLI_OK or CLI_FAIL (printed). */
static int build_spec(char **dir, const char *spec, const char *env)
{
	build_options opt;
	build_result r;
	fcc_source *src = NULL;
	fcc_arena arena;
	diag_sink ds;
	fcc_err e;
	const char *slash = strrchr(spec, '/');
	char *stdlib = cli_find_stdlib();
	int rc, status = CLI_FAIL;

	build_result_init(&r);
	fcc_arena_init(&arena);
	diag_init(&ds);
	*dir = NULL;
	if (!stdlib) {
		say("cannot find fcc's stdlib directory; set FCC_STDLIB\n");
		goto out;
	}
	if (!(*dir = fcc_malloc(strlen(spec) + 8))) {
		say("out of memory\n");
		goto out;
	}
	sprintf(*dir, "%.*s%sbuild", slash ? (int)(slash - spec) : 0, spec, slash ? "/" : "");
	memset(&opt, 0, sizeof opt);
	opt.env = env;
	opt.stdlib_dir = stdlib;
	opt.epoch = emit_zip_epoch(env_lookup);
	fcc_err_clear(&e);
	rc = build_compile(&r, &src, spec, &opt, &arena, &ds, &e);
	if (ds.n)
		cli_print_diagnostics(&ds, 0, cli_use_color(stderr));
	if (rc) {
		if (rc != FCC_ECHECK && e.msg[0])
			say("%s\n", e.msg);
		goto out;
	}
	if ((rc = build_write(&r, *dir, &e))) {
		say("%s\n", e.msg);
		goto out;
	}
	status = CLI_OK;
out:
	if (status != CLI_OK) {
		fcc_free(*dir);
		*dir = NULL;
	}
	build_result_dispose(&r);
	diag_dispose(&ds);
	fcc_arena_dispose(&arena);
	fcc_source_free(src);
	fcc_free(stdlib);
	return status;
}

/* The lock's TTL: LOCK_TTL_S, or FCC_LOCK_TTL_S (seconds, 1..86400) — for
 * tests only, so one can watch a refresh or a takeover within seconds. */
static long lock_ttl_s(void)
{
	const char *v = getenv("FCC_LOCK_TTL_S");
	char *end;
	long n;

	if (!v || !*v)
		return LOCK_TTL_S;
	n = strtol(v, &end, 10);
	return *end || n < 1 || n > 86400 ? LOCK_TTL_S : n;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_dir(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* SageMaker projects the spec does not declare whose product is `product_id`
 * (ListProjects, then DescribeProject for each), into `out`. */
typedef struct others_ctx {
	kv_strs names;
	const desired *d;
} others_ctx;

static int each_project(void *payload, const json_t *page)
{
	others_ctx *o = payload;
	const json_t *list = json_object_get(page, "ProjectSummaryList"), *it;
	size_t i, j;
	int mine;

	json_array_foreach(list, i, it) {
		const char *name = json_string_value(json_object_get(it, "ProjectName"));
		for (j = 0, mine = 0; name && j < o->d->n_instances; j++)
			mine |= strcmp(o->d->instances[j].name, name) == 0;
		if (name && !mine && kv_strs_push(&o->names, name) != FCC_OK)
			return FCC_ENOMEM;
	}
	return FCC_OK;
}

/* SageMaker projects outside the spec made from one of the products in `s`,
 * as "NAME (product PRODUCT)" into `out`. */
static int other_projects(kv_strs *out, aws_ctx *ctx, const desired *d, const state_snapshot *s)
{
	others_ctx o;
	json_t *in = json_object();
	aws_error ae;
	sm_project pj;
	size_t i, j;
	int rc;

	for (i = 0; i < s->n_products && !(s->products[i].present && s->products[i].id); i++)
		;
	if (i == s->n_products) {
		json_decref(in);
		return FCC_OK; /* no product of the spec exists: nothing can use one */
	}
	memset(&o, 0, sizeof o);
	o.d = d;
	if (!in)
		return FCC_ENOMEM;
	rc = aws_json_pages(ctx, &aws_svc_sagemaker, "ListProjects", in, "NextToken", "NextToken",
			    each_project, &o, &ae);
	json_decref(in);
	if (rc) {
		cli_aws_print_error(cmd_name, &ae);
		goto out;
	}
	for (i = 0; i < o.names.n; i++) {
		if ((rc = sm_describe_project(&pj, ctx, o.names.v[i], &ae))) {
			if (rc == FCC_ENOTFOUND || aws_error_is(&ae, "ValidationException"))
				continue; /* deleted meanwhile */
			cli_aws_print_error(cmd_name, &ae);
			goto out;
		}
		for (j = 0; pj.product_id && j < s->n_products && !rc; j++)
			if (s->products[j].present && s->products[j].id &&
			    strcmp(pj.product_id, s->products[j].id) == 0) {
				char who[1024];
				snprintf(who, sizeof who, "%s (product %s)", o.names.v[i],
					 s->products[j].name);
				rc = kv_strs_push(out, who);
			}
		aws_pool_dispose(&pj.pool);
		if (rc)
			goto out;
	}
out:
	kv_strs_dispose(&o.names);
	return rc;
}

/* The plan from snapshot `s`: destroy_plan's (after looking for SageMaker
 * projects outside the spec that still use the product) or the diff's.
 * CLI_OK, or CLI_FAIL with the reason printed. */
static int make_plan(plan *out, aws_ctx *ctx, const desired *d, const state_snapshot *s,
		     int destroy, int purge, kv_strs *others)
{
	destroy_opts dop;
	fcc_err e;
	int rc;

	fcc_err_clear(&e);
	if (destroy) {
		kv_strs_dispose(others);
		if (other_projects(others, ctx, d, s) != FCC_OK)
			return CLI_FAIL;
		memset(&dop, 0, sizeof dop);
		dop.purge = purge;
		dop.others = others;
		rc = destroy_plan(out, d, s, &dop, &e);
	} else {
		rc = diff_compute(out, d, s, NULL, &e);
	}
	if (rc) {
		say("%s\n", e.msg);
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* Take the apply lock (waiting up to timeout_ms). CLI_OK, or CLI_FAIL with
 * the reason printed. */
static int take_lock(lock_handle *lk, aws_ctx *ctx, const desired *d, const fcc_buf *key,
		     const lock_info *holder, long timeout_ms, const lock_hooks *hooks)
{
	fcc_err e;

	fcc_err_clear(&e);
	if (lock_acquire(lk, ctx, d->bucket, fcc_buf_cstr(key), holder, lock_ttl_s(), timeout_ms,
			 hooks, &e)) {
		say("%s\n", e.msg);
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* The observations that differ between two snapshots of the same desired
 * state, as plan_stale lists them. FCC_OK or FCC_ENOMEM. */
static int snapshot_changes(plan_stale_report *out, const state_snapshot *before,
			    const state_snapshot *after, fcc_err *e)
{
	plan tmp;
	int rc;

	plan_init(&tmp);
	if ((rc = state_observations(&tmp.observations, before, e)) == FCC_OK)
		rc = plan_stale(out, &tmp, after, e);
	plan_dispose(&tmp);
	return rc;
}

/* show_plan's answer when the plan has changes and was shown. */
#define PLAN_SHOWN (-1)

/* A plan just made: its errors (CLI_FAIL, each printed), nothing to do
 * (CLI_OK, said so), or changes: rendered on stdout (not under --progress
 * json, whose stdout is for events) and PLAN_SHOWN. */
static int show_plan(const plan *p, int destroy, progress_mode mode, fcc_buf *text)
{
	plan_text_opts to;
	fcc_err e;
	size_t i;

	if (plan_has_errors(p)) {
		for (i = 0; i < p->errors.n; i++)
			say("error: %s\n", p->errors.v[i]);
		return CLI_FAIL;
	}
	if (!plan_has_changes(p)) {
		printf(destroy ? "Nothing to destroy.\n" : "No changes. AWS matches the build.\n");
		return CLI_OK;
	}
	memset(&to, 0, sizeof to);
	to.color = cli_use_color(stdout);
	fcc_buf_reset(text);
	fcc_err_clear(&e);
	if (plan_render_text(text, p, &to, &e) == FCC_OK && mode != PROGRESS_JSON)
		fputs(fcc_buf_cstr(text), stdout);
	fflush(stdout);
	return PLAN_SHOWN;
}

/* "plan_stale: WHAT no longer matches AWS ...; run fcc RERUN again", then
 * each observation. */
static void report_stale(const plan_stale_report *stale, const char *what, const char *rerun)
{
	size_t i;

	say("plan_stale: %s no longer matches AWS (%zu observation%s changed); run fcc %s again:\n",
	    what, stale->n, stale->n == 1 ? "" : "s", rerun);
	for (i = 0; i < stale->n; i++)
		fprintf(stderr, "  %s: %s\n", stale->v[i].id, stale->v[i].what);
}

static int run_cmd(int argc, char **argv, int destroy)
{
	apply_args a;
	desired d;
	state_snapshot s, s2;
	apply_account acct = {0};
	plan p, saved;
	plan_stale_report stale = {0};
	apply_report rep = {0};
	apply_opts ao;
	lock_handle lk;
	lock_info holder;
	aws_ctx *ctx = NULL;
	progress *pg = NULL;
	progress_options po;
	progress_mode mode;
	state_read_options ro;
	glue g;
	fcc_buf key, text, tmpl;
	fcc_err e;
	const char *build_dir;
	char *built = NULL;
	char cmdline[256], data_dir[4096];
	int r, rc, status = CLI_FAIL, from_plan_file, locked = 0, have_saved = 0, purge_stacks;
	kv_strs others = {0};
	size_t i;

	memset(&d, 0, sizeof d);
	state_init(&s);
	state_init(&s2);
	plan_init(&p);
	plan_init(&saved);
	lock_init(&lk);
	fcc_buf_init(&key, 4096);
	fcc_buf_init(&text, 1 << 24);
	fcc_buf_init(&tmpl, 1 << 26);
	if ((r = parse_args(&a, argc, argv)) != 0)
		return r > 0 ? CLI_OK : CLI_USAGE;
	if (progress_mode_parse(&mode, a.progress, isatty(STDERR_FILENO)) != FCC_OK)
		return cli_usage_error(CMD, "--progress wants auto, plain, tty or json, not '%s'",
				       a.progress);
	from_plan_file = !is_dir(a.input) && !ends_with(a.input, ".spec");
	if (destroy && from_plan_file) {
		say("%s is neither a spec (*.spec) nor a build directory\n", a.input);
		return CLI_USAGE;
	}
	build_dir = from_plan_file ? (a.build_dir ? a.build_dir : "build") : a.input;
	fcc_err_clear(&e);
	if (!from_plan_file && !is_dir(a.input)) {
		if (build_spec(&built, a.input, a.env) != CLI_OK)
			goto out;
		build_dir = built;
	}
	if (from_plan_file) {
		if ((rc = plan_load(&saved, a.input, &e))) {
			/* plan_load's message names the file */
			say("%s\n", e.msg);
			goto out;
		}
		have_saved = 1;
	}
	if ((rc = desired_load(&d, build_dir, &e))) {
		say("%s: %s\n", build_dir, e.msg);
		goto out;
	}
	if (have_saved && strcmp(saved.manifest_sha256, d.manifest_sha256) != 0) {
		say("plan_stale: %s was made from another build of %s "
		    "(manifest %.12s, the build is %.12s): run fcc plan again\n",
		    a.input, build_dir, saved.manifest_sha256, d.manifest_sha256);
		goto out;
	}
	/* the reads go as wide as fcc plan's; --parallelism caps steps, not reads */
	a.aws.max_in_flight = CLI_AWS_READS_IN_FLIGHT;
	if (cli_aws_ctx_open(&ctx, &a.aws, CMD, d.region))
		goto out;

	if (lock_key(&key, d.prefix, d.project, d.environment) != FCC_OK) {
		say("cannot name the lock\n");
		goto out;
	}
	snprintf(cmdline, sizeof cmdline, "fcc %s %s", cmd_name, a.input);
	lock_holder_default(&holder, cmdline, NULL, NULL);
	if (lock_install_signal_release(&lk) != FCC_OK) {
		say("cannot install the Ctrl-C handler\n");
		goto out;
	}
	if (!destroy && stacks_before_lock(ctx, &d, mode, a.auto_approve || have_saved) != CLI_OK)
		goto out;
	memset(&ro, 0, sizeof ro);
	if (have_saved) {
		/* reviewed already: nothing to do needs no reads; else the lock
		 * first, then the re-observation the plan must still match */
		if (!plan_has_changes(&saved) && !plan_has_errors(&saved)) {
			printf("No changes. AWS matches the build.\n");
			status = CLI_OK;
			goto out;
		}
		/* the template is validated as plan does it (by its body while it
		 * is not uploaded), so the saved cfn-validate observation compares */
		if (read_template(&tmpl, build_dir, d.products[0].version.template_path) !=
		    FCC_OK) {
			say("cannot read %s/%s\n", build_dir, d.products[0].version.template_path);
			goto out;
		}
		ro.template_body = tmpl.data;
		ro.template_len = tmpl.len;
		if (take_lock(&lk, ctx, &d, &key, &holder, a.lock_timeout_ms, NULL))
			goto out;
		locked = 1;
		if ((rc = state_read(&s, ctx, &d, &ro, &e))) {
			say("%s\n", e.msg);
			goto out;
		}
		if ((rc = plan_stale(&stale, &saved, &s, &e))) {
			say("%s\n", e.msg);
			goto out;
		}
		if (stale.n) {
			report_stale(&stale, a.input, "plan");
			goto out;
		}
		p = saved;
		plan_init(&saved);
	} else {
		/* read and diff without the lock: an apply that finds nothing to
		 * do writes nothing, so it costs what fcc plan costs; with changes,
		 * the lock is taken below and AWS read again under it. No
		 * ValidateTemplate: Service Catalog validates the template when it
		 * makes the product or version (state_read.h skip_validate) */
		ro.skip_validate = 1;
		if ((rc = state_read(&s, ctx, &d, &ro, &e))) {
			say("%s\n", e.msg);
			goto out;
		}
		if (make_plan(&p, ctx, &d, &s, destroy, a.purge, &others) != FCC_OK)
			goto out;
	}
	if ((r = show_plan(&p, destroy, mode, &text)) != PLAN_SHOWN) {
		status = r;
		goto out;
	}
	if (!have_saved && !a.auto_approve) {
		if (!isatty(STDIN_FILENO)) {
			say("no terminal to ask on: pass --auto-approve or "
			    "apply a saved plan (fcc plan -o FILE)\n");
			goto out;
		}
		if (!ask_yes()) {
			say("cancelled; nothing was changed\n");
			goto out;
		}
	}
	if (!locked && lock_cancelled(NULL)) {
		say("interrupted; nothing was changed\n");
		goto out;
	}
	if (!locked) {
		/* the launch role's ARN needs the account: ask STS while the lock
		 * and the re-read run (apply_run asks again if this fails) */
		if (apply_needs_account(&p) && apply_account_submit(&acct, ctx, &e) != FCC_OK)
			fcc_err_clear(&e);
		if (take_lock(&lk, ctx, &d, &key, &holder, a.lock_timeout_ms, NULL))
			goto out;
		locked = 1;
		/* another apply may have written between the read and the lock:
		 * read again under it, and go on only from what this one sees */
		if ((rc = state_read(&s2, ctx, &d, &ro, &e))) {
			say("%s\n", e.msg);
			goto out;
		}
		if ((rc = snapshot_changes(&stale, &s, &s2, &e))) {
			say("%s\n", e.msg);
			goto out;
		}
		if (stale.n) {
			if (!a.auto_approve) {
				report_stale(&stale, "the plan shown above", cmd_name);
				goto out;
			}
			printf("AWS changed while this apply was planning (%zu observation%s); "
			       "planning again:\n",
			       stale.n, stale.n == 1 ? "" : "s");
			plan_dispose(&p);
			plan_init(&p);
			if (make_plan(&p, ctx, &d, &s2, destroy, a.purge, &others) != FCC_OK)
				goto out;
			if ((r = show_plan(&p, destroy, mode, &text)) != PLAN_SHOWN) {
				status = r;
				goto out;
			}
		}
	}

	memset(&po, 0, sizeof po);
	po.mode = mode;
	po.out = stderr;
	po.color = cli_use_color(stderr);
	if (progress_new(&pg, &po, &e) != FCC_OK) {
		say("%s\n", e.msg);
		goto out;
	}
	progress_set_total(pg, p.n_steps - plan_count(&p, PLAN_NOOP));
	g.pg = pg;
	memset(&ao, 0, sizeof ao);
	ao.build_dir = build_dir;
	snprintf(data_dir, sizeof data_dir, "%s/..", build_dir);
	ao.data_dir = data_dir;
	ao.parallelism = a.parallelism;
	/* SageMaker projects take minutes; the tests' endpoint takes one poll */
	if (getenv("FCC_APPLY_POLL_MS"))
		ao.poll_ms = strtol(getenv("FCC_APPLY_POLL_MS"), NULL, 10);
	ao.cancelled = lock_cancelled;
	ao.lock = &lk; /* refreshed while the steps run (a project can outlast the TTL) */
	ao.on_step = on_step;
	ao.on_stack_event = on_stack_event;
	ao.payload = &g;
	ao.account = acct.done && !acct.rc ? acct.account : NULL;
	ao.stacks_done = 1;
	if (!destroy && stacks_before_graph(ctx, &p, &d, pg) != CLI_OK) {
		progress_summary(pg);
		goto out;
	}
	rc = apply_run(&rep, ctx, &p, &ao, &e);
	purge_stacks = destroy && a.purge && rc == FCC_OK && apply_stack_pending(&p);
	if (!purge_stacks)
		progress_summary(pg);
	if (lock_check_interrupt(&e) != FCC_OK) {
		locked = 0; /* released by lock_check_interrupt */
		say("%s\n", e.msg);
		goto out;
	}
	if (rc) {
		say("%s\n", e.msg);
		for (i = 0; i < rep.n; i++) {
			fcc_buf b;
			if (rep.v[i].status != APPLY_FAILED)
				continue;
			fcc_buf_init(&b, 4096);
			if (rep.v[i].err.operation[0])
				aws_error_format(&b, &rep.v[i].err);
			else
				fcc_buf_puts(&b, rep.v[i].err.err.msg);
			fprintf(stderr, "  failed %s: %s\n", rep.v[i].step->address,
				fcc_buf_cstr(&b));
			fcc_buf_dispose(&b);
		}
		goto out;
	}
	if (purge_stacks) {
		/* the lock lives in the bucket about to go: release it first */
		if (locked && lk.held && lock_release(&lk, &e) != FCC_OK) {
			say("could not release the lock: %s\n", e.msg);
			goto out;
		}
		locked = 0;
		r = stacks_after_purge(ctx, &p, &d, pg);
		progress_summary(pg);
		if (r != CLI_OK)
			goto out;
	}
	printf("%s complete: %zu changed, %zu unchanged in %.1fs.\n", destroy ? "Destroy" : "Apply",
	       rep.n_ok, rep.n_noop, (double)rep.ms / 1000.0);
	status = CLI_OK;
out:
	if (locked && lk.held && lock_release(&lk, &e) != FCC_OK) {
		say("could not release the lock: %s\n", e.msg);
		status = CLI_FAIL;
	}
	lock_restore_signals();
	progress_free(pg);
	apply_report_dispose(&rep);
	plan_stale_report_dispose(&stale);
	plan_dispose(&p);
	plan_dispose(&saved);
	state_dispose(&s);
	state_dispose(&s2);
	desired_dispose(&d);
	lock_dispose(&lk);
	fcc_buf_dispose(&key);
	fcc_buf_dispose(&text);
	fcc_buf_dispose(&tmpl);
	aws_ctx_free(ctx);
	fcc_free(built);
	kv_strs_dispose(&others);
	return status;
}

int cmd_apply(int argc, char **argv)
{
	cmd_name = "apply";
	return run_cmd(argc, argv, 0);
}

int cmd_destroy(int argc, char **argv)
{
	cmd_name = "destroy";
	return run_cmd(argc, argv, 1);
}
