/*
 * main.c — fcc's entry point: global options and dispatch to commands,
 * git-style (`fcc <command> [options]`).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "compiler/base/version.h"

typedef struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
} cli_command;

/* Only commands that work are listed. */
static const cli_command commands[] = {
	{"build", "compile a spec into the template, seed code, seed-code.zip and manifest", cmd_build},
	{"check", "load and check a spec, reporting every mistake with file:line:col", cmd_check},
	{"sign", "sign a raw HTTP request with SigV4 and show every step", cmd_sign},
	{"whoami", "show the AWS account, identity, region and credential source in use", cmd_whoami},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: fcc [--version] [--help] <command> [options]\n\n"
		   "fcc compiles a project.spec into a SageMaker MLOps organization template that\n"
		   "trains with Amazon Forecast, and keeps AWS in step with it.\n\n"
		   "commands:\n");
	for (i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nrun 'fcc <command> --help' for a command's options.\n");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fcc%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry 'fcc %s%s--help'\n", cmd ? cmd : "", cmd ? " " : "");
	return CLI_USAGE;
}

int cli_use_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc && *nc)
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fileno(f));
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			char *sub[] = {argv[2], "--help", NULL};
			for (i = 0; i < sizeof commands / sizeof *commands; i++)
				if (strcmp(argv[2], commands[i].name) == 0)
					return commands[i].run(2, sub);
			return cli_usage_error(NULL, "unknown command '%s'", argv[2]);
		}
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("fcc %s\n", FCC_VERSION);
		return CLI_OK;
	}
	for (i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return cli_usage_error(NULL, "unknown option '%s'", argv[1]);
	return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
