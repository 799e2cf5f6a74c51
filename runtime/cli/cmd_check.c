/*
 * cmd_check.c — `fcc check [SPEC]`: load and check a spec, print every
 * diagnostic with file:line:col and a caret line (or as JSON for editors, and
 * as GitHub annotations under GITHUB_ACTIONS=true).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compiler/base/alloc.h"
#include "compiler/base/arena.h"
#include "compiler/check.h"
#include "compiler/diag.h"

static const char usage_text[] =
	"usage: fcc check [SPEC] [--env NAME] [--diagnostics-format text|json]\n"
	"\n"
	"Load SPEC (default ./project.spec) and check every key, type and rule of the\n"
	"spec language (spec/README.md). Without --env, the base spec and every\n"
	"environment are checked; with --env, the base merged with that environment.\n"
	"\n"
	"options:\n"
	"  --env NAME                  check the spec as environment NAME selects it\n"
	"  --diagnostics-format FMT    text (default, on stderr) or json (on stdout)\n"
	"  --color WHEN                auto (default), always or never\n"
	"  -h, --help                  show this help\n"
	"\n"
	"Under GITHUB_ACTIONS=true, errors are also printed as ::error annotations.\n"
	"exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error\n";

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"env", required_argument, NULL, 'e'},
		{"diagnostics-format", required_argument, NULL, 'f'},
		{"color", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *spec = "project.spec", *env = NULL, *color_when = NULL;
	int fmt = DIAG_FORMAT_TEXT;
	chk_options opt = {0};
	spec_model *model = NULL;
	fcc_source *src = NULL;
	fcc_arena arena;
	diag_sink d;
	fcc_err e;
	int ch, rc, color, status;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			env = optarg;
			break;
		case 'f':
			if (cli_diag_format_option("check", optarg, &fmt))
				return CLI_USAGE;
			break;
		case 'c':
			color_when = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return CLI_OK;
		default:
			return cli_getopt_error("check", argv);
		}
	}
	if (cli_spec_operand("check", argc, argv, &spec, color_when, &color))
		return CLI_USAGE;

	fcc_arena_init(&arena);
	diag_init(&d);
	fcc_err_clear(&e);
	opt.env = env;
	rc = chk_spec_file(&model, &src, spec, &opt, &arena, &d, &e);
	if (rc == FCC_ENOMEM || (rc && d.n == 0 && e.code)) {
		fprintf(stderr, "fcc: error: %s\n", e.msg[0] ? e.msg : fcc_err_name(rc));
		status = CLI_FAIL;
	} else {
		cli_print_diagnostics(&d, fmt, color);
		status = rc ? CLI_FAIL : CLI_OK;
		if (!rc && fmt == DIAG_FORMAT_TEXT)
			printf("%s: ok\n", spec);
	}
	diag_dispose(&d);
	fcc_arena_dispose(&arena);
	fcc_source_free(src);
	return status;
}
