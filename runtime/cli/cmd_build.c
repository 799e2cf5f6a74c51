/*
 * cmd_build.c — `fcc build [SPEC]`: compile the spec into the build
 * directory (template, seed code, seed-code.zip, manifest), or with --check
 * prove that the directory is what the spec compiles to.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "compiler/base/alloc.h"
#include "compiler/build.h"
#include "compiler/emit_zip.h"

static const char usage_text[] =
	"usage: fcc build [SPEC] [-o DIR] [--env NAME] [--template-format yaml|json] [--check]\n"
	"\n"
	"Compile SPEC (default ./project.spec) into DIR (default: build/ next to the spec):\n"
	"  template.yaml    the Service Catalog product: the SageMaker project template\n"
	"  seed-code/       the model-build repository (Forecast stage scripts, pipeline.json,\n"
	"                   codebuild-buildspec.yml) as plain files, for review\n"
	"  seed-code.zip    the same tree, byte-reproducible (SOURCE_DATE_EPOCH is honoured)\n"
	"  manifest.json    the desired state `fcc plan` and `fcc apply` reconcile\n"
	"DIR is replaced atomically: on any error the previous build stays as it was.\n"
	"\n"
	"options:\n"
	"  -o, --output DIR            where to write (fcc owns everything in it)\n"
	"  --env NAME                  build the spec as environment NAME selects it\n"
	"  --template-format FMT       yaml (default) or json (writes template.json)\n"
	"  --check                     write nothing; exit 1 listing the files in DIR that\n"
	"                              differ from what SPEC compiles to\n"
	"  --diagnostics-format FMT    text (default) or json\n"
	"  --color WHEN                auto (default), always or never\n"
	"  -h, --help                  show this help\n"
	"\n"
	"environment: FCC_STDLIB overrides where fcc finds its stdlib/ directory.\n"
	"exit status: 0 built (or up to date with --check), 1 errors or differences, 2 usage\n";

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

static void human_size(char *buf, size_t n, size_t bytes)
{
	if (bytes < 1024)
		snprintf(buf, n, "%zu B", bytes);
	else
		snprintf(buf, n, "%.1f KiB", (double)bytes / 1024.0);
}

static void print_summary(const build_result *r, const char *dir)
{
	const spec_model *m = r->model;
	char size[32];
	size_t i;

	printf("fcc: built %s from project %s%s%s\n", dir, m->project.name.s,
	       m->env ? ", environment " : "", m->env ? m->env : "");
	for (i = 0; i < r->n; i++) {
		const build_file *f = &r->files[i];
		if (strncmp(f->path, "seed-code/", 10) == 0)
			continue;
		human_size(size, sizeof size, f->len);
		if (strcmp(f->path, "seed-code.zip") == 0)
			printf("  %-16s %10s  sha256 %.12s  s3://%s/%s\n", f->path, size, f->sha256,
			       m->artifacts.bucket.s, r->seed_key);
		else if (strcmp(f->path, r->template_path) == 0)
			printf("  %-16s %10s  sha256 %.12s  s3://%s/%s\n", f->path, size, f->sha256,
			       m->artifacts.bucket.s, r->template_key);
		else
			printf("  %-16s %10s  sha256 %.12s\n", f->path, size, f->sha256);
	}
	printf("  %-16s %10zu files (pipelines/%s: %s, %s, horizon %ld)\n", "seed-code/",
	       r->seed_files, m->pipeline.module.s, m->pipeline.algorithm.s,
	       m->pipeline.frequency.s, m->pipeline.horizon);
}

int cmd_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"env", required_argument, NULL, 'e'},
		{"template-format", required_argument, NULL, 't'},
		{"check", no_argument, NULL, 'k'},
		{"diagnostics-format", required_argument, NULL, 'f'},
		{"color", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *spec = "project.spec", *outdir = NULL, *color_when = NULL;
	char *dir = NULL, *stdlib = NULL;
	build_options opt;
	build_result r;
	fcc_source *src = NULL;
	fcc_arena arena;
	diag_sink d;
	fcc_err e;
	int ch, rc, color, check = 0, status = CLI_FAIL;
	int fmt = DIAG_FORMAT_TEXT;

	memset(&opt, 0, sizeof opt);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			outdir = optarg;
			break;
		case 'e':
			opt.env = optarg;
			break;
		case 't':
			if (strcmp(optarg, "yaml") == 0)
				opt.template_json = 0;
			else if (strcmp(optarg, "json") == 0)
				opt.template_json = 1;
			else
				return cli_usage_error("build",
						       "--template-format takes yaml or json, "
						       "not '%s'",
						       optarg);
			break;
		case 'k':
			check = 1;
			break;
		case 'f':
			if (cli_diag_format_option("build", optarg, &fmt))
				return CLI_USAGE;
			break;
		case 'c':
			color_when = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return CLI_OK;
		default:
			return cli_getopt_error("build", argv);
		}
	}
	if (cli_spec_operand("build", argc, argv, &spec, color_when, &color))
		return CLI_USAGE;

	stdlib = cli_find_stdlib();
	if (!stdlib) {
		fprintf(stderr, "fcc: error: cannot find fcc's stdlib directory; set FCC_STDLIB\n");
		return CLI_FAIL;
	}
	if (outdir) {
		dir = fcc_strdup(outdir);
	} else {
		const char *slash = strrchr(spec, '/');
		dir = fcc_malloc(strlen(spec) + 8);
		if (dir)
			sprintf(dir, "%.*s%sbuild", slash ? (int)(slash - spec) : 0, spec,
				slash ? "/" : "");
	}
	if (!dir) {
		fcc_free(stdlib);
		fprintf(stderr, "fcc: error: out of memory\n");
		return CLI_FAIL;
	}
	opt.stdlib_dir = stdlib;
	opt.epoch = emit_zip_epoch(env_lookup);

	fcc_arena_init(&arena);
	diag_init(&d);
	fcc_err_clear(&e);
	rc = build_compile(&r, &src, spec, &opt, &arena, &d, &e);
	if (d.n)
		cli_print_diagnostics(&d, fmt, color);
	if (rc) {
		/* FCC_ECHECK: the diagnostics above already say everything */
		if (rc != FCC_ECHECK && e.code && e.msg[0])
			fprintf(stderr, "fcc: error: %s\n", e.msg);
		goto out;
	}
	if (check) {
		fcc_buf report;
		int differs = 0;
		fcc_buf_init(&report, 0);
		rc = build_compare(&r, dir, &report, &differs, &e);
		if (rc) {
			fprintf(stderr, "fcc: error: %s\n", e.msg);
		} else if (differs) {
			fprintf(stderr, "fcc: %s is not what %s compiles to; run fcc build:\n%s",
				dir, spec, fcc_buf_cstr(&report));
		} else {
			printf("fcc: %s is up to date\n", dir);
			status = CLI_OK;
		}
		fcc_buf_dispose(&report);
		goto out;
	}
	rc = build_write(&r, dir, &e);
	if (rc) {
		fprintf(stderr, "fcc: error: %s\n", e.msg);
		goto out;
	}
	print_summary(&r, dir);
	status = CLI_OK;
out:
	build_result_dispose(&r);
	diag_dispose(&d);
	fcc_arena_dispose(&arena);
	fcc_source_free(src);
	fcc_free(stdlib);
	fcc_free(dir);
	return status;
}
