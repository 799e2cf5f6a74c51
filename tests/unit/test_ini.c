/*
 * test_ini.c — unit tests of runtime/ini.c, the AWS config/credentials file
 * parser: sections and profiles, configparser's key and value rules, nested
 * blocks, errors with file:line, missing files, size cap, allocation failure.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/base/alloc.h"
#include "runtime/ini.h"
#include "testutil.h"

static ini_file *parse_ok(const char *text)
{
	ini_file *f = NULL;
	fcc_err e;

	fcc_err_clear(&e);
	ck_assert_msg(ini_parse(&f, "cfg", text, strlen(text), &e) == FCC_OK, "parse failed: %s",
		      e.msg);
	return f;
}

static void parse_fails(const char *text, const char *expect_msg)
{
	ini_file *f = (ini_file *)1;
	fcc_err e;

	fcc_err_clear(&e);
	ck_assert_int_eq(ini_parse(&f, "cfg", text, strlen(text), &e), FCC_EPARSE);
	ck_assert_ptr_null(f);
	ck_assert_msg(strstr(e.msg, expect_msg) != NULL, "message '%s' lacks '%s'", e.msg,
		      expect_msg);
}

START_TEST(test_ini_keys_and_values)
{
	ini_file *f = parse_ok("# leading comment\n"
			       "; another\n"
			       "[default]\n"
			       "  region:us-west-2  \n"
			       "AWS_Access_Key_ID = AKIDEXAMPLE\r\n"
			       "    # indented comment\n"
			       "output = json ; not a comment\n"
			       "empty =\n"
			       "\n"
			       "[profile dev]\n"
			       "role_arn = arn:aws:iam::123456789012:role/dev\n");
	const ini_section *s = ini_section_find(f, "default");

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(f->nsections, 2);
	/* top-level keys fold to lower case; lookups fold too */
	ck_assert_str_eq(ini_get(s, "aws_access_key_id"), "AKIDEXAMPLE");
	ck_assert_str_eq(ini_get(s, "AWS_ACCESS_KEY_ID"), "AKIDEXAMPLE");
	/* an indented line right after a header is a key, `:` is a delimiter */
	ck_assert_str_eq(ini_get(s, "region"), "us-west-2");
	/* configparser has no inline comments */
	ck_assert_str_eq(ini_get(s, "output"), "json ; not a comment");
	ck_assert_str_eq(ini_get(s, "empty"), "");
	ck_assert_ptr_null(ini_get(s, "role_arn"));
	ck_assert_uint_eq(s->entries[0].line, 4);
	ck_assert_str_eq(s->entries[0].key, "region");
	/* section names are case-sensitive */
	ck_assert_ptr_null(ini_section_find(f, "Default"));
	ck_assert_str_eq(ini_get(ini_section_find(f, "profile dev"), "role_arn"),
			 "arn:aws:iam::123456789012:role/dev");
	ini_free(f);
}
END_TEST

START_TEST(test_ini_nested_and_continuation)
{
	ini_file *f = parse_ok("[services local]\n"
			       "s3 =\n"
			       "  endpoint_url = http://127.0.0.1:5000\n"
			       "  Addressing_Style = path\n"
			       "sts =\n"
			       "\tendpoint_url = http://127.0.0.1:5001\n"
			       "[profile dev]\n"
			       "services = local\n"
			       "note = first\n"
			       "   second line\n"
			       "region = eu-west-1\n");
	const ini_section *svc = ini_config_services(f, "local");
	const ini_section *dev = ini_config_profile(f, "dev");

	ck_assert_ptr_nonnull(svc);
	ck_assert_str_eq(ini_get_sub(svc, "s3", "endpoint_url"), "http://127.0.0.1:5000");
	ck_assert_str_eq(ini_get_sub(svc, "S3", "Addressing_Style"), "path");
	/* sub-keys keep their case, as botocore's _parse_nested */
	ck_assert_ptr_null(ini_get_sub(svc, "s3", "addressing_style"));
	ck_assert_str_eq(ini_get_sub(svc, "sts", "endpoint_url"), "http://127.0.0.1:5001");
	ck_assert_ptr_null(ini_get_sub(svc, "iam", "endpoint_url"));
	ck_assert_str_eq(ini_get(svc, "s3"), "");
	ck_assert_ptr_nonnull(dev);
	ck_assert_str_eq(ini_get(dev, "services"), "local");
	/* a non-empty value continued by an indented line is multi-line text */
	ck_assert_str_eq(ini_get(dev, "note"), "first\nsecond line");
	ck_assert_str_eq(ini_get(dev, "region"), "eu-west-1");
	ini_free(f);
}
END_TEST

START_TEST(test_ini_profile_sections)
{
	ini_file *f = parse_ok("[default]\nregion = a\n"
			       "[profile   spaced  ]\nregion = b\n"
			       "[profile \"my dev\"]\nregion = c\n"
			       "[profile two words]\nregion = d\n"
			       "[dev]\nregion = e\n"
			       "[profiledev]\nregion = f\n"
			       "[profile default]\nregion = g\n");

	/* [profile default] comes later in the file, so it wins over [default] */
	ck_assert_str_eq(ini_get(ini_config_profile(f, "default"), "region"), "g");
	ck_assert_str_eq(ini_get(ini_config_profile(f, "spaced"), "region"), "b");
	ck_assert_str_eq(ini_get(ini_config_profile(f, "my dev"), "region"), "c");
	ck_assert_ptr_null(ini_config_profile(f, "two"));
	ck_assert_ptr_null(ini_config_profile(f, "two words"));
	/* in the config file [dev] is not a profile (it is in the credentials file) */
	ck_assert_ptr_null(ini_config_profile(f, "dev"));
	ck_assert_str_eq(ini_get(ini_section_find(f, "dev"), "region"), "e");
	ck_assert_ptr_null(ini_config_profile(f, "profiledev"));
	ini_free(f);
}
END_TEST

START_TEST(test_ini_errors_name_file_and_line)
{
	parse_fails("region = x\n", "cfg:1: key outside any [section]");
	parse_fails("[a]\nk = 1\njust words\n", "cfg:3: expected `key = value`");
	parse_fails("[a]\nk = 1\n[b]\n[a]\n", "cfg:4: duplicate section [a] (first at line 1)");
	parse_fails("[a]\nk = 1\nK = 2\n", "cfg:3: duplicate key 'k'");
	parse_fails("[a]\ns3 =\n  endpoint_url\n",
		    "cfg:3: expected `key = value` in nested block 's3'");
	parse_fails("[a]\n[b\n", "cfg:2: malformed section header");
	parse_fails("[a]\n[]\n", "cfg:2: malformed section header");
	parse_fails("[a]\n = 1\n", "cfg:2: empty key");
	parse_fails("[a]\nk = \xff\n", "cfg:2: not valid UTF-8");
}
END_TEST

START_TEST(test_ini_load_missing_dir_and_cap)
{
	char dir[] = "/tmp/fcc-ini-XXXXXX";
	char path[256];
	ini_file *f = NULL;
	fcc_err e;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* missing files and directories are empty, not errors (botocore) */
	snprintf(path, sizeof path, "%s/none", dir);
	ck_assert_int_eq(ini_load(&f, path, 0, &e), FCC_OK);
	ck_assert_uint_eq(f->nsections, 0);
	ini_free(f);
	snprintf(path, sizeof path, "%s/none/deeper", dir);
	ck_assert_int_eq(ini_load(&f, path, 0, &e), FCC_OK);
	ini_free(f);
	ck_assert_int_eq(ini_load(&f, dir, 0, &e), FCC_OK);
	ck_assert_uint_eq(f->nsections, 0);
	ini_free(f);

	snprintf(path, sizeof path, "%s/config", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("[default]\nregion = us-east-1\n[profile x]\nbroken\n", fp);
	fclose(fp);
	ck_assert_int_eq(ini_load(&f, path, 0, &e), FCC_EPARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "/config:4:"));
	ck_assert_int_eq(ini_load(&f, path, 16, &e), FCC_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "larger than 16 bytes"));
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_ini_out_of_memory)
{
	const char *text = "[default]\nregion = a\ns3 =\n  x = y\n[profile b]\nk = v\n  more\n";
	long n;
	int ok = 0;

	for (n = 1; n < 200 && !ok; n++) {
		ini_file *f = NULL;
		fcc_err e;
		int rc;

		fcc_alloc_fail_after(n, 1);
		rc = ini_parse(&f, "cfg", text, strlen(text), &e);
		fcc_alloc_fail_after(0, 0);
		if (rc == FCC_OK) {
			ok = 1;
			ck_assert_str_eq(ini_get_sub(ini_config_profile(f, "default"), "s3", "x"),
					 "y");
		} else {
			ck_assert_int_eq(rc, FCC_ENOMEM);
			ck_assert_ptr_null(f);
		}
		ini_free(f);
	}
	ck_assert_int_eq(ok, 1);
	ck_assert_int_gt(n, 5);
}
END_TEST

Suite *suite_ini(void)
{
	Suite *s = suite_create("ini");
	TCase *tc = tcase_create("ini");

	tcase_add_test(tc, test_ini_keys_and_values);
	tcase_add_test(tc, test_ini_nested_and_continuation);
	tcase_add_test(tc, test_ini_profile_sections);
	tcase_add_test(tc, test_ini_errors_name_file_and_line);
	tcase_add_test(tc, test_ini_load_missing_dir_and_cap);
	tcase_add_test(tc, test_ini_out_of_memory);
	suite_add_tcase(s, tc);
	return s;
}
