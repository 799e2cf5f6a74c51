/*
 * main.c — the unit-test runner: one Check suite per tests/unit/test_<module>.c,
 * collected by the Makefile into suites.inc. Run one suite or case with
 * CK_RUN_SUITE / CK_RUN_CASE. Prints Check's summary line.
 */
#include <check.h>
#include <stdlib.h>

#define FCC_SUITE(fn) Suite *fn(void);
#include "suites.inc"
#undef FCC_SUITE

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

#define FCC_SUITE(fn) srunner_add_suite(sr, fn());
#include "suites.inc"
#undef FCC_SUITE

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	if (srunner_ntests_run(sr) == 0)
		failed = 1;
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
