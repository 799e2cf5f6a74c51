/*
 * cmd_plan.c — `fcc plan [SPEC | BUILD_DIR]`: what `fcc apply` would change.
 *
 * desired state (a spec compiled in memory, or a build directory's
 * manifest.json) ─→ state_read (AWS, reads only, in parallel) ─→ diff_compute
 * ─→ render (text, JSON fcc-plan/1, markdown) and, with -o, a plan file.
 * The runtime never re-parses the spec: with a SPEC, the compiler's
 * manifest.json and pipeline.json bytes are the desired state, exactly as
 * `fcc build` would write them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compiler/base/alloc.h"
#include "compiler/build.h"
#include "compiler/emit_zip.h"
#include "runtime/cli/aws/aws_opts.h"
#include "runtime/cli/cli.h"
#include "runtime/desired.h"
#include "runtime/diff.h"
#include "runtime/plan.h"
#include "runtime/state_read.h"

static void help(FILE *f)
{
	fprintf(f,
		"usage: fcc plan [SPEC | BUILD_DIR] [options]\n"
		"\n"
		"Compare AWS with the desired state and print what `fcc apply` would do, per\n"
		"resource: create, update (field by field), replace, deprecate, delete or\n"
		"nothing. Access that a change broadens (trusted services, attached policies,\n"
		"principals, shares) is flagged. fcc plan only reads: it never changes AWS\n"
		"(a stack fcc owns whose template differs is previewed through a change set\n"
		"that is created and deleted, never executed).\n"
		"\n"
		"SPEC (default ./project.spec) is compiled in memory first; a BUILD_DIR is read\n"
		"as `fcc build` wrote it (its manifest.json).\n"
		"\n"
		"options:\n"
		"  --env NAME           the environment to plan (a BUILD_DIR must have been\n"
		"                       built for it)\n"
		"  -o, --out FILE       save the plan (fcc-planfile/1) for `fcc apply FILE`\n"
		"  --format FMT         text (default), json (fcc-plan/1, spec/plan.md) or\n"
		"                       markdown (a pull-request comment; also appended to\n"
		"                       $GITHUB_STEP_SUMMARY when that is set)\n"
		"  --detailed-exitcode  exit 2 when the plan has changes\n"
		"  --own-principals     the spec owns the portfolio's principal list: plan to\n"
		"                       remove principals it does not name (default: report\n"
		"                       them and leave them alone)\n"
		"  --color WHEN         auto (default), always or never (text format)\n"
		"%s"
		"  -h, --help           show this help\n"
		"\n"
		"exit status: 0 no error (and, with --detailed-exitcode, no changes), 1 error\n"
		"(AWS, credentials, a plan error such as an invalid template), 2 changes with\n"
		"--detailed-exitcode; 2 also for a usage error.\n",
		cli_aws_opts_help());
}

typedef struct plan_args {
	const char *input, *env, *out_file, *color_when;
	int format; /* 0 text, 1 json, 2 markdown */
	int detailed, own_principals;
	cli_aws_opts aws;
} plan_args;

/* Parse argv into `a`: -1 usage error (printed), 1 help shown, 0 go on. */
static int parse_args(plan_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"out", required_argument, NULL, 'o'},
		{"env", required_argument, NULL, 'e'},
		{"format", required_argument, NULL, 'f'},
		{"color", required_argument, NULL, 'c'},
		{"detailed-exitcode", no_argument, NULL, 'd'},
		{"own-principals", no_argument, NULL, 'p'},
		CLI_AWS_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	int ch, r;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if ((r = cli_aws_opts_take(&a->aws, "plan", ch, optarg)) != 0) {
			if (r < 0)
				return -1;
			continue;
		}
		switch (ch) {
		case 'h':
			help(stdout);
			return 1;
		case 'o':
		case 'e':
			if (!*optarg) {
				cli_usage_error("plan", "option '%s' needs a value",
						ch == 'o' ? "-o" : "--env");
				return -1;
			}
			*(ch == 'o' ? &a->out_file : &a->env) = optarg;
			break;
		case 'c':
			a->color_when = optarg;
			break;
		case 'd':
			a->detailed = 1;
			break;
		case 'p':
			a->own_principals = 1;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				a->format = 0;
			else if (strcmp(optarg, "json") == 0)
				a->format = 1;
			else if (strcmp(optarg, "markdown") == 0)
				a->format = 2;
			else {
				cli_usage_error("plan",
						"--format takes text, json or markdown, not '%s'",
						optarg);
				return -1;
			}
			break;
		default:
			cli_getopt_error("plan", argv);
			return -1;
		}
	}
	return cli_one_operand("plan", argc, argv, &a->input) ? -1 : 0;
}

/* Read a whole file (NUL-terminated). FCC_OK, FCC_ENOTFOUND, FCC_EIO, FCC_ENOMEM. */
static int slurp(char **out, size_t *len, const char *path, fcc_err *e)
{
	FILE *f = fopen(path, "rb");
	fcc_buf b;
	char chunk[65536];
	size_t n;
	int rc = FCC_OK;

	*out = NULL;
	*len = 0;
	if (!f)
		return fcc_err_set(e, errno == ENOENT ? FCC_ENOTFOUND : FCC_EIO, "%s: %s", path,
				   strerror(errno));
	fcc_buf_init(&b, 64u << 20);
	while (rc == FCC_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = fcc_buf_append(&b, chunk, n);
	if (rc == FCC_OK && ferror(f))
		rc = FCC_EIO;
	fclose(f);
	if (rc) {
		fcc_buf_dispose(&b);
		return fcc_err_set(e, rc, "%s: %s", path,
				   rc == FCC_ENOMEM ? "out of memory" : "cannot read it");
	}
	if (!b.len && (rc = fcc_buf_putc(&b, '\0')) == FCC_OK)
		b.len = 0;
	if (rc) {
		fcc_buf_dispose(&b);
		return fcc_err_set(e, rc, "out of memory");
	}
	*out = fcc_buf_take(&b, len);
	return FCC_OK;
}

static const build_file *build_find(const build_result *r, const char *path)
{
	size_t i;

	for (i = 0; path && i < r->n; i++)
		if (strcmp(r->files[i].path, path) == 0)
			return &r->files[i];
	return NULL;
}

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

/* The desired state and the template bytes from a spec compiled in memory.
 * Diagnostics are printed; returns CLI_OK or CLI_FAIL. */
static int from_spec(desired *d, char **tmpl, size_t *tmpl_len, const plan_args *a, int color)
{
	size_t i;
	build_options opt;
	build_result r;
	fcc_source *src = NULL;
	fcc_arena arena;
	diag_sink ds;
	fcc_err e;
	const build_file *f;
	char *stdlib = cli_find_stdlib();
	int rc, status = CLI_FAIL;

	build_result_init(&r);
	fcc_arena_init(&arena);
	diag_init(&ds);
	if (!stdlib) {
		fprintf(stderr, "fcc plan: cannot find fcc's stdlib directory; set FCC_STDLIB\n");
		goto out;
	}
	memset(&opt, 0, sizeof opt);
	opt.env = a->env;
	opt.stdlib_dir = stdlib;
	opt.epoch = emit_zip_epoch(env_lookup);
	fcc_err_clear(&e);
	rc = build_compile(&r, &src, a->input, &opt, &arena, &ds, &e);
	if (ds.n)
		cli_print_diagnostics(&ds, 0, color);
	if (rc) {
		if (rc != FCC_ECHECK && e.msg[0])
			fprintf(stderr, "fcc plan: %s\n", e.msg);
		goto out;
	}
	if (!(f = build_find(&r, "manifest.json"))) {
		fprintf(stderr, "fcc plan: the build of %s has no manifest.json\n", a->input);
		goto out;
	}
	if ((rc = desired_from_json(d, (const char *)f->data, f->len, &e))) {
		fprintf(stderr, "fcc plan: %s: %s\n", a->input, e.msg);
		goto out;
	}
	if ((f = build_find(&r, d->pipeline.definition_path)) &&
	    (rc = desired_set_pipeline(d, (const char *)f->data, f->len, &e))) {
		fprintf(stderr, "fcc plan: %s: %s\n", a->input, e.msg);
		goto out;
	}
	for (i = 0; i < d->n_stacks; i++)
		if ((f = build_find(&r, d->stacks[i].template_path)) &&
		    (rc = desired_set_stack_body(d, i, (const char *)f->data, f->len, &e))) {
			fprintf(stderr, "fcc plan: %s: %s\n", a->input, e.msg);
			goto out;
		}
	if ((f = build_find(&r, d->products[0].version.template_path))) {
		if (!(*tmpl = fcc_malloc(f->len + 1))) {
			fprintf(stderr, "fcc plan: out of memory\n");
			goto out;
		}
		memcpy(*tmpl, f->data, f->len);
		(*tmpl)[f->len] = '\0';
		*tmpl_len = f->len;
	}
	status = CLI_OK;
out:
	build_result_dispose(&r);
	diag_dispose(&ds);
	fcc_arena_dispose(&arena);
	fcc_source_free(src);
	fcc_free(stdlib);
	return status;
}

/* The desired state and the template bytes from a build directory. */
static int from_dir(desired *d, char **tmpl, size_t *tmpl_len, const plan_args *a)
{
	fcc_err e;
	char *path;
	int rc;

	fcc_err_clear(&e);
	if ((rc = desired_load(d, a->input, &e))) {
		fprintf(stderr, "fcc plan: %s: %s\n", a->input, e.msg);
		return CLI_FAIL;
	}
	if (a->env && (!d->environment || strcmp(a->env, d->environment) != 0)) {
		fprintf(stderr,
			"fcc plan: %s was built for %s%s, not environment %s: run fcc build "
			"--env %s\n",
			a->input, d->environment ? "environment " : "the default environment",
			d->environment ? d->environment : "", a->env, a->env);
		return CLI_FAIL;
	}
	if (!(path = fcc_malloc(strlen(a->input) + strlen(d->products[0].version.template_path) +
				2))) {
		fprintf(stderr, "fcc plan: out of memory\n");
		return CLI_FAIL;
	}
	sprintf(path, "%s/%s", a->input, d->products[0].version.template_path);
	rc = slurp(tmpl, tmpl_len, path, &e);
	fcc_free(path);
	if (rc) {
		fprintf(stderr, "fcc plan: %s\n", e.msg);
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* Append `text` to $GITHUB_STEP_SUMMARY when set. 0 or -1 (printed). */
static int step_summary(const char *text)
{
	const char *path = getenv("GITHUB_STEP_SUMMARY");
	FILE *f;

	if (!path || !*path)
		return 0;
	if (!(f = fopen(path, "a")) || fputs(text, f) < 0) {
		fprintf(stderr, "fcc plan: GITHUB_STEP_SUMMARY %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "fcc plan: GITHUB_STEP_SUMMARY %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int cmd_plan(int argc, char **argv)
{
	plan_args a;
	desired d;
	state_snapshot s;
	plan p;
	aws_ctx *ctx = NULL;
	creds_credentials *cr = NULL;
	state_read_options ro;
	cfn_deploy_hooks cfh;
	diff_opts dop;
	plan_text_opts to;
	fcc_buf out;
	fcc_err e;
	char *tmpl = NULL;
	size_t tmpl_len = 0;
	unsigned calls = 0;
	struct stat st;
	int color, rc, status = CLI_FAIL;

	memset(&a, 0, sizeof a);
	memset(&d, 0, sizeof d);
	state_init(&s);
	plan_init(&p);
	fcc_buf_init(&out, 0);
	if ((rc = parse_args(&a, argc, argv)))
		return rc > 0 ? CLI_OK : CLI_USAGE;
	if (cli_parse_color(a.color_when, stdout, &color))
		return cli_usage_error("plan", "--color takes auto, always or never");
	if (!a.input)
		a.input = "project.spec";

	/* the desired state */
	if (stat(a.input, &st) == 0 && S_ISDIR(st.st_mode))
		rc = from_dir(&d, &tmpl, &tmpl_len, &a);
	else
		rc = from_spec(&d, &tmpl, &tmpl_len, &a, cli_use_color(stderr));
	if (rc)
		goto out;

	/* AWS: the spec's region unless something else names one */
	a.aws.max_in_flight = CLI_AWS_READS_IN_FLIGHT;
	if (cli_aws_ctx_open(&ctx, &a.aws, "plan", d.region))
		goto out;
	fcc_err_clear(&e);
	if (creds_get(&cr, aws_ctx_creds(ctx), &e)) {
		fprintf(stderr, "fcc plan: no credentials: %s\n", e.msg);
		goto out;
	}
	memset(&ro, 0, sizeof ro);
	ro.template_body = tmpl;
	ro.template_len = tmpl_len;
	ro.calls = &calls;
	if ((rc = state_read(&s, ctx, &d, &ro, &e))) {
		fprintf(stderr, "fcc plan: %s\n", e.msg);
		goto out;
	}
	/* the stacks fcc owns whose template differs: a change set each, created,
	 * described and deleted (never executed) */
	memset(&cfh, 0, sizeof cfh);
	/* CloudFormation takes seconds; the tests' endpoint answers at once */
	if (getenv("FCC_CFN_POLL_MS"))
		cfh.poll_first_ms = cfh.poll_max_ms = strtol(getenv("FCC_CFN_POLL_MS"), NULL, 10);
	if ((rc = state_read_stack_previews(&s, ctx, &d, &cfh, &calls, &e))) {
		fprintf(stderr, "fcc plan: %s\n", e.msg);
		goto out;
	}
	if (a.aws.debug)
		fprintf(stderr, "debug: * state read with %u calls in region %s\n", calls,
			aws_ctx_region(ctx));

	memset(&dop, 0, sizeof dop);
	dop.own_principals = a.own_principals;
	if ((rc = diff_compute(&p, &d, &s, &dop, &e))) {
		fprintf(stderr, "fcc plan: %s\n", e.msg);
		goto out;
	}

	/* render */
	memset(&to, 0, sizeof to);
	to.color = color;
	if (a.format == 1)
		rc = plan_render_json(&out, &p, &e);
	else if (a.format == 2)
		rc = plan_render_markdown(&out, &p, PLAN_MARKDOWN_LIMIT, &e);
	else
		rc = plan_render_text(&out, &p, &to, &e);
	if (rc) {
		fprintf(stderr, "fcc plan: %s\n", e.msg);
		goto out;
	}
	if (fputs(fcc_buf_cstr(&out), stdout) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "fcc plan: cannot write the output\n");
		goto out;
	}
	if (a.format == 2 && step_summary(fcc_buf_cstr(&out)))
		goto out;
	if (a.out_file) {
		if ((rc = plan_save(&p, a.out_file, &e))) {
			fprintf(stderr, "fcc plan: cannot save the plan to %s: %s\n", a.out_file,
				e.msg);
			goto out;
		}
		if (a.format == 0)
			printf("\nSaved the plan to %s: fcc apply %s\n", a.out_file, a.out_file);
	}
	if (plan_has_errors(&p)) {
		fprintf(stderr, "fcc plan: the plan has %zu error%s: fix %s before applying\n",
			p.errors.n, p.errors.n == 1 ? "" : "s", p.errors.n == 1 ? "it" : "them");
		goto out;
	}
	status = a.detailed && plan_has_changes(&p) ? 2 : CLI_OK;
out:
	fcc_buf_dispose(&out);
	plan_dispose(&p);
	state_dispose(&s);
	desired_dispose(&d);
	creds_credentials_free(cr);
	aws_ctx_free(ctx);
	fcc_free(tmpl);
	return status;
}
