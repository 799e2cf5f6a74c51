/*
 * cli_common.c — what every command of the CLI shares: printing
 * diagnostics, the --color and --diagnostics-format options, getopt errors.
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
#include "compiler/diag.h"

/* Render the sink to stderr (text) or stdout (json), plus GitHub annotations. */
int cli_print_diagnostics(diag_sink *d, int fmt_in, int color)
{
	diag_format fmt = (diag_format)fmt_in;
	fcc_buf out;
	const char *gha = getenv("GITHUB_ACTIONS");
	int rc;

	diag_sort(d);
	fcc_buf_init(&out, 0);
	rc = diag_render(d, fmt, color, &out);
	if (!rc)
		fputs(fcc_buf_cstr(&out), fmt == DIAG_FORMAT_JSON ? stdout : stderr);
	if (!rc && gha && strcmp(gha, "true") == 0 && fmt == DIAG_FORMAT_TEXT) {
		fcc_buf_reset(&out);
		rc = diag_render(d, DIAG_FORMAT_GITHUB, 0, &out);
		if (!rc)
			fputs(fcc_buf_cstr(&out), stdout);
	}
	fcc_buf_dispose(&out);
	if (rc)
		fprintf(stderr, "fcc: out of memory while printing diagnostics\n");
	return rc;
}

int cli_parse_color(const char *when, FILE *f, int *out)
{
	if (!when || strcmp(when, "auto") == 0)
		*out = cli_use_color(f);
	else if (strcmp(when, "always") == 0)
		*out = 1;
	else if (strcmp(when, "never") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

int cli_getopt_error(const char *cmd, char **argv)
{
	if (optopt)
		return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

int cli_parse_diag_format(const char *fmt, int *out)
{
	if (strcmp(fmt, "text") == 0)
		*out = DIAG_FORMAT_TEXT;
	else if (strcmp(fmt, "json") == 0)
		*out = DIAG_FORMAT_JSON;
	else
		return -1;
	return 0;
}

char *cli_find_stdlib(void)
{
	const char *env = getenv("FCC_STDLIB");
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	ssize_t n;
	char *slash;
	int up;
	struct stat st;

	if (env && *env)
		return fcc_strdup(env);
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	for (up = 0; up < 4; up++) {
		slash = strrchr(exe, '/');
		if (!slash)
			break;
		*slash = '\0';
		snprintf(probe, sizeof probe, "%s/stdlib/forecast", exe);
		if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(probe, sizeof probe, "%s/stdlib", exe);
			return fcc_strdup(probe);
		}
		if (up == 0) {
			snprintf(probe, sizeof probe, "%s/../share/fcc/stdlib/forecast", exe);
			if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) {
				snprintf(probe, sizeof probe, "%s/../share/fcc/stdlib", exe);
				return fcc_strdup(probe);
			}
		}
	}
	return NULL;
}

int cli_diag_format_option(const char *cmd, const char *fmt, int *out)
{
	if (cli_parse_diag_format(fmt, out))
		return cli_usage_error(cmd, "unknown diagnostics format '%s' (text or json)", fmt);
	return 0;
}

int cli_spec_operand(const char *cmd, int argc, char **argv, const char **spec,
		     const char *color_when, int *color)
{
	if (optind < argc)
		*spec = argv[optind++];
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (cli_parse_color(color_when, stderr, color))
		return cli_usage_error(cmd, "--color takes auto, always or never");
	return 0;
}
