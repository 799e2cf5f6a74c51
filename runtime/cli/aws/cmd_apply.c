/*
 * cmd_apply.c — `fcc apply`: make AWS match a build (or a saved plan).
 *
 * CLI layer over runtime/apply.c: load the desired state (a build directory,
 * or a saved plan plus its build directory), take the apply lock (lock.h),
 * read AWS (state_read.h) and diff, or re-observe and refuse a stale saved
 * plan; show the plan and ask on a terminal (else require --auto-approve or a
 * saved plan); run the executor with progress (progress.h); release the lock
 * (also on Ctrl-C: lock.h makes the signal a flag the executor polls) and
 * print a summary with durations and the ids created. Exit 0 ok, 1 error
 * (failed steps are reported with the AWS error code and request id), 2
 * usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/base/alloc.h"
#include "runtime/apply.h"
#include "runtime/cli/aws/aws_opts.h"
#include "runtime/cli/cli.h"
#include "runtime/desired.h"
#include "runtime/diff.h"
#include "runtime/lock.h"
#include "runtime/plan.h"
#include "runtime/progress.h"
#include "runtime/state_read.h"

#define CMD "apply"
#define LOCK_TTL_S (60 * 60)

typedef struct apply_args {
	const char *input;
	const char *build_dir; /* with a plan file */
	const char *env;
	const char *progress;
	int auto_approve;
	unsigned parallelism;
	long lock_timeout_ms;
	cli_aws_opts aws;
} apply_args;

static void help(FILE *f)
{
	fprintf(f,
		"usage: fcc apply [BUILD_DIR | PLAN_FILE] [options]\n"
		"\n"
		"Make AWS match a build: read what exists, compute the plan, show it, and on\n"
		"approval run its steps as a dependency graph, independent steps in parallel.\n"
		"A saved plan (fcc plan -out FILE) is applied only if nothing it was computed\n"
		"from has changed since (else: plan_stale, naming what changed).\n"
		"\n"
		"options:\n"
		"  --build-dir DIR        the build a saved plan belongs to (default: build)\n"
		"  --env NAME             the environment the build was made for (informative)\n"
		"  --auto-approve         do not ask (required without a terminal, unless a\n"
		"                         saved plan is applied)\n"
		"  --parallelism N        steps in flight at once (default 8)\n"
		"  --lock-timeout DUR     wait this long for another apply's lock (e.g. 30s,\n"
		"                         5m; default 0: fail at once)\n"
		"  --progress MODE        auto, plain, tty or json (default auto)\n"
		"%s"
		"  -h, --help             show this help\n"
		"\n"
		"exit status: 0 ok, 1 error (a failed step, a stale plan, the lock held), 2 usage.\n",
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
	int i, r;

	memset(a, 0, sizeof *a);
	a->progress = "auto";
	for (i = 1; i < argc; i++) {
		const char *v = argv[i];
		if (strcmp(v, "-h") == 0 || strcmp(v, "--help") == 0) {
			help(stdout);
			return 1;
		}
		if ((r = cli_aws_opts_parse(&a->aws, CMD, argc, argv, &i)) < 0)
			return -1;
		if (r)
			continue;
		if (strcmp(v, "--auto-approve") == 0) {
			a->auto_approve = 1;
		} else if (strcmp(v, "--env") == 0 || strcmp(v, "--parallelism") == 0 ||
			   strcmp(v, "--lock-timeout") == 0 || strcmp(v, "--progress") == 0 ||
			   strcmp(v, "--build-dir") == 0) {
			const char *val;
			if (i + 1 >= argc) {
				cli_usage_error(CMD, "%s needs a value", v);
				return -1;
			}
			val = argv[++i];
			if (strcmp(v, "--env") == 0) {
				a->env = val;
			} else if (strcmp(v, "--progress") == 0) {
				a->progress = val;
			} else if (strcmp(v, "--build-dir") == 0) {
				a->build_dir = val;
			} else if (strcmp(v, "--parallelism") == 0) {
				char *end;
				long n = strtol(val, &end, 10);
				if (*end || n < 1 || n > 64) {
					cli_usage_error(CMD, "--parallelism wants 1..64, not '%s'", val);
					return -1;
				}
				a->parallelism = (unsigned)n;
			} else if ((a->lock_timeout_ms = parse_duration(val)) < 0) {
				cli_usage_error(CMD, "--lock-timeout wants a duration such as 30s or 5m, "
						     "not '%s'", val);
				return -1;
			}
		} else if (v[0] == '-') {
			cli_usage_error(CMD, "unknown option '%s'", v);
			return -1;
		} else if (a->input) {
			cli_usage_error(CMD, "unexpected argument '%s'", v);
			return -1;
		} else {
			a->input = v;
		}
	}
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
		snprintf(line, sizeof line, "skipped: %s failed", r->note ? r->note : "a dependency");
		progress_fail(g->pg, st->address, line);
		break;
	default:
		break;
	}
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

static int is_dir(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int cmd_apply(int argc, char **argv)
{
	apply_args a;
	desired d;
	state_snapshot s;
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
	plan_text_opts to;
	glue g;
	fcc_buf key, text, tmpl;
	fcc_err e;
	const char *build_dir;
	char cmdline[256], data_dir[4096];
	int r, rc, status = CLI_FAIL, from_plan_file, locked = 0, have_saved = 0;
	size_t i;

	memset(&d, 0, sizeof d);
	state_init(&s);
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
	from_plan_file = !is_dir(a.input);
	build_dir = from_plan_file ? (a.build_dir ? a.build_dir : "build") : a.input;
	fcc_err_clear(&e);
	if (from_plan_file) {
		if ((rc = plan_load(&saved, a.input, &e))) {
			fprintf(stderr, "fcc apply: %s: %s\n", a.input, e.msg);
			goto out;
		}
		have_saved = 1;
	}
	if ((rc = desired_load(&d, build_dir, &e))) {
		fprintf(stderr, "fcc apply: %s: %s\n", build_dir, e.msg);
		goto out;
	}
	if (have_saved && strcmp(saved.manifest_sha256, d.manifest_sha256) != 0) {
		fprintf(stderr, "fcc apply: plan_stale: %s was made from another build of %s "
				"(manifest %.12s, the build is %.12s): run fcc plan again\n",
			a.input, build_dir, saved.manifest_sha256, d.manifest_sha256);
		goto out;
	}
	if (cli_aws_ctx_open(&ctx, &a.aws, CMD, d.region))
		goto out;

	/* the lock, before anything is read: the plan must not go stale under us */
	if (lock_key(&key, d.prefix, d.project, d.environment) != FCC_OK) {
		fprintf(stderr, "fcc apply: cannot name the lock\n");
		goto out;
	}
	snprintf(cmdline, sizeof cmdline, "fcc apply %s", a.input);
	lock_holder_default(&holder, cmdline, NULL, NULL);
	if (lock_install_signal_release(&lk) != FCC_OK) {
		fprintf(stderr, "fcc apply: cannot install the Ctrl-C handler\n");
		goto out;
	}
	if ((rc = lock_acquire(&lk, ctx, d.bucket, fcc_buf_cstr(&key), &holder, LOCK_TTL_S,
			       a.lock_timeout_ms, NULL, &e))) {
		fprintf(stderr, "fcc apply: %s\n", e.msg);
		goto out;
	}
	locked = 1;

	/* the template is validated as plan does it (by its body while it is not
	 * uploaded), so a saved plan's cfn-validate observation compares */
	if (read_template(&tmpl, build_dir, d.version.template_path) != FCC_OK) {
		fprintf(stderr, "fcc apply: cannot read %s/%s\n", build_dir, d.version.template_path);
		goto out;
	}
	memset(&ro, 0, sizeof ro);
	ro.template_body = tmpl.data;
	ro.template_len = tmpl.len;
	if ((rc = state_read(&s, ctx, &d, &ro, &e))) {
		fprintf(stderr, "fcc apply: %s\n", e.msg);
		goto out;
	}
	if (have_saved) {
		if ((rc = plan_stale(&stale, &saved, &s, &e))) {
			fprintf(stderr, "fcc apply: %s\n", e.msg);
			goto out;
		}
		if (stale.n) {
			fprintf(stderr, "fcc apply: plan_stale: %s no longer matches AWS "
					"(%zu observation%s changed); run fcc plan again:\n",
				a.input, stale.n, stale.n == 1 ? "" : "s");
			for (i = 0; i < stale.n; i++)
				fprintf(stderr, "  %s: %s\n", stale.v[i].id, stale.v[i].what);
			goto out;
		}
		p = saved;
		plan_init(&saved);
	} else if ((rc = diff_compute(&p, &d, &s, NULL, &e))) {
		fprintf(stderr, "fcc apply: %s\n", e.msg);
		goto out;
	}
	if (plan_has_errors(&p)) {
		for (i = 0; i < p.errors.n; i++)
			fprintf(stderr, "fcc apply: error: %s\n", p.errors.v[i]);
		goto out;
	}
	if (!plan_has_changes(&p)) {
		printf("No changes. AWS matches the build.\n");
		status = CLI_OK;
		goto out;
	}
	memset(&to, 0, sizeof to);
	to.color = cli_use_color(stdout);
	if (plan_render_text(&text, &p, &to, &e) == FCC_OK && mode != PROGRESS_JSON)
		fputs(fcc_buf_cstr(&text), stdout);
	fflush(stdout);
	if (!have_saved && !a.auto_approve) {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "fcc apply: no terminal to ask on: pass --auto-approve or "
					"apply a saved plan (fcc plan -out FILE)\n");
			goto out;
		}
		if (!ask_yes()) {
			fprintf(stderr, "fcc apply: cancelled; nothing was changed\n");
			goto out;
		}
	}

	memset(&po, 0, sizeof po);
	po.mode = mode;
	po.out = stderr;
	po.color = cli_use_color(stderr);
	if (progress_new(&pg, &po, &e) != FCC_OK) {
		fprintf(stderr, "fcc apply: %s\n", e.msg);
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
	ao.on_step = on_step;
	ao.payload = &g;
	rc = apply_run(&rep, ctx, &p, &ao, &e);
	progress_summary(pg);
	if (lock_check_interrupt(&e) != FCC_OK) {
		locked = 0; /* released by lock_check_interrupt */
		fprintf(stderr, "fcc apply: %s\n", e.msg);
		goto out;
	}
	if (rc) {
		fprintf(stderr, "fcc apply: %s\n", e.msg);
		for (i = 0; i < rep.n; i++) {
			fcc_buf b;
			if (rep.v[i].status != APPLY_FAILED)
				continue;
			fcc_buf_init(&b, 4096);
			if (rep.v[i].err.operation[0])
				aws_error_format(&b, &rep.v[i].err);
			else
				fcc_buf_puts(&b, rep.v[i].err.err.msg);
			fprintf(stderr, "  failed %s: %s\n", rep.v[i].step->address, fcc_buf_cstr(&b));
			fcc_buf_dispose(&b);
		}
		goto out;
	}
	printf("Apply complete: %zu changed, %zu unchanged in %.1fs.\n", rep.n_ok, rep.n_noop,
	       (double)rep.ms / 1000.0);
	status = CLI_OK;
out:
	if (locked && lk.held && lock_release(&lk, &e) != FCC_OK) {
		fprintf(stderr, "fcc apply: could not release the lock: %s\n", e.msg);
		status = CLI_FAIL;
	}
	lock_restore_signals();
	progress_free(pg);
	apply_report_dispose(&rep);
	plan_stale_report_dispose(&stale);
	plan_dispose(&p);
	plan_dispose(&saved);
	state_dispose(&s);
	desired_dispose(&d);
	lock_dispose(&lk);
	fcc_buf_dispose(&key);
	fcc_buf_dispose(&text);
	fcc_buf_dispose(&tmpl);
	aws_ctx_free(ctx);
	return status;
}
