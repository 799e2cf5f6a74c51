/*
 * cli.h — the fcc command line: the command table and what commands share.
 *
 * Only runtime/cli/ prints to the terminal and decides exit codes. Each
 * command is `int cmd_<name>(int argc, char **argv)` where argv[0] is the
 * command name, and returns the process exit status.
 */
#ifndef FCC_CLI_H
#define FCC_CLI_H

#include <stdio.h>

/* Exit statuses shared by every command. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

int cmd_apply(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_unlock(int argc, char **argv);
int cmd_whoami(int argc, char **argv);

/* Print "fcc <cmd>: <message>" plus a hint to run --help, return CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct diag_sink;
/* Sort and print diagnostics: text to stderr, json to stdout, plus GitHub
 * annotations under GITHUB_ACTIONS=true. Returns 0 or FCC_ENOMEM. */
int cli_print_diagnostics(struct diag_sink *d, int fmt, int color);
/* getopt_long's '?' for command `cmd`: "option needs a value" or "unknown
 * option", naming what the user typed. Returns CLI_USAGE. */
int cli_getopt_error(const char *cmd, char **argv);
/* --diagnostics-format FMT: 0 and *out set, or -1 for an unknown FMT. */
int cli_parse_diag_format(const char *fmt, int *out);
/* The same for command `cmd`, printing the usage error: 0 or CLI_USAGE. */
int cli_diag_format_option(const char *cmd, const char *fmt, int *out);
/* After getopt: the optional SPEC operand (left as is when absent), no
 * other operand, and --color WHEN resolved for stderr into *color.
 * Returns 0 or CLI_USAGE (after printing why). */
int cli_spec_operand(const char *cmd, int argc, char **argv, const char **spec,
		     const char *color_when, int *color);

/* --color WHEN → *out for stream `f`; -1 for an unknown WHEN. */
int cli_parse_color(const char *when, FILE *f, int *out);

/* fcc's stdlib: $FCC_STDLIB, else stdlib/ beside the executable or up to
 * three directories above it (a source checkout's out/<variant>/fcc), else
 * ../share/fcc/stdlib (an installed fcc). Caller frees (fcc_free); NULL when
 * none is found or on ENOMEM. */
char *cli_find_stdlib(void);

/* Non-zero when colour should be used on `f` (a terminal, NO_COLOR unset,
 * TERM not "dumb"). */
int cli_use_color(FILE *f);

#endif
