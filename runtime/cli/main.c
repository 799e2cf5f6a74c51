/*
 * main.c — fcc's entry point: global options and dispatch to commands,
 * git-style (`fcc <command> [options]`).
 *
 * Compiled twice. `fcc` (FCC_FRONT) holds the compiler commands and nothing
 * that links libcurl or libxml2: those two bring some 35 shared libraries
 * whose loading would make `fcc check` take 7 ms and 11 MiB instead of 3 ms
 * and 4 MiB. For an AWS command it execs `fcc-runtime` from its own
 * directory (as git runs git-<command> helpers), which holds every command.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "compiler/base/version.h"

#ifdef FCC_FRONT
#include <openssl/crypto.h>
#define AWS_CMD(fn) NULL /* lives in fcc-runtime */
#else
#define AWS_CMD(fn) fn
#endif

typedef struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
} cli_command;

/* Only commands that work are listed. */
static const cli_command commands[] = {
	{"apply", "make AWS match a build or a saved plan (asks first on a terminal)",
	 AWS_CMD(cmd_apply)},
	{"build", "compile a spec into the template, seed code, seed-code.zip and manifest",
	 cmd_build},
	{"check", "load and check a spec, reporting every mistake with file:line:col", cmd_check},
	{"destroy", "remove what fcc made for a build (reverse order; keeps S3 unless --purge)",
	 AWS_CMD(cmd_destroy)},
	{"plan", "show what fcc apply would change in AWS (reads only)", AWS_CMD(cmd_plan)},
	{"sign", "sign a raw HTTP request with SigV4 and show every step", AWS_CMD(cmd_sign)},
	{"unlock", "release an apply lock left by a run that died (by its lock id)",
	 AWS_CMD(cmd_unlock)},
	{"whoami", "show the AWS account, identity, region and credential source in use",
	 AWS_CMD(cmd_whoami)},
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

/* Run `fcc-runtime` from the directory of this executable with the same
 * arguments; returns only on failure. */
static int exec_runtime(char **argv)
{
	char exe[4096], path[4160];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	if (n <= 0) {
		fprintf(stderr, "fcc: error: cannot find my own executable\n");
		return CLI_FAIL;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(path, sizeof path, "%s/fcc-runtime", exe);
	argv[0] = path;
	execv(path, argv);
	fprintf(stderr, "fcc: error: %s: %s (fcc's AWS commands live there; reinstall fcc)\n", path,
		strerror(errno));
	return CLI_FAIL;
}

static int run_command(const cli_command *c, int argc, char **argv, char **full_argv)
{
	if (!c->run)
		return exec_runtime(full_argv);
	return c->run(argc, argv);
}

int main(int argc, char **argv)
{
	size_t i;

#ifdef FCC_FRONT
	/* The compiler uses OpenSSL only to hash; reading openssl.cnf is a fifth
	 * of a build's instructions (callgrind) and changes nothing for SHA-256.
	 * fcc-runtime, which speaks TLS, keeps the system configuration. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
#endif
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			char *sub[] = {argv[2], "--help", NULL};
			char *full[] = {argv[0], argv[2], "--help", NULL};
			for (i = 0; i < sizeof commands / sizeof *commands; i++)
				if (strcmp(argv[2], commands[i].name) == 0)
					return run_command(&commands[i], 2, sub, full);
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
			return run_command(&commands[i], argc - 1, argv + 1, argv);
	if (argv[1][0] == '-')
		return cli_usage_error(NULL, "unknown option '%s'", argv[1]);
	return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
