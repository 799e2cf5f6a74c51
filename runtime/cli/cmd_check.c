/*
 * cmd_check.c — `fcc check [SPEC]`: load and check a spec (placeholder until
 * the loader lands).
 */
#include "cli.h"

int cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return CLI_OK;
}
