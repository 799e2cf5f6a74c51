/*
 * test_base.c — unit tests of compiler/base: allocation hook, buffers,
 * sources and line tables, UTF-8 validation.
 */
#include <check.h>
#include <string.h>

#include "compiler/base/alloc.h"
#include "compiler/base/buf.h"
#include "compiler/base/err.h"
#include "compiler/base/source.h"

START_TEST(test_base_alloc_fail_nth)
{
	void *a, *b;

	fcc_alloc_fail_after(2, 0);
	a = fcc_malloc(8);
	b = fcc_malloc(8);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_null(b);
	ck_assert_int_eq(fcc_alloc_failed(), 1);
	fcc_alloc_fail_after(0, 0);
	b = fcc_malloc(8);
	ck_assert_ptr_nonnull(b);
	fcc_free(a);
	fcc_free(b);
}
END_TEST

START_TEST(test_base_buf_cap)
{
	fcc_buf b;

	fcc_buf_init(&b, 8);
	ck_assert_int_eq(fcc_buf_puts(&b, "12345678"), FCC_OK);
	ck_assert_int_eq(fcc_buf_putc(&b, '9'), FCC_EIO);
	ck_assert_str_eq(fcc_buf_cstr(&b), "12345678");
	fcc_buf_reset(&b);
	ck_assert_int_eq(fcc_buf_printf(&b, "%d-%s", 42, "x"), FCC_OK);
	ck_assert_str_eq(fcc_buf_cstr(&b), "42-x");
	fcc_buf_dispose(&b);
}
END_TEST

START_TEST(test_base_source_locate)
{
	fcc_source *s;
	fcc_err e;
	unsigned line, col;
	size_t len;
	const char *text = "a: 1\nb: \xc3\xa9t\xc3\xa9\r\nc: x";
	const char *l;

	ck_assert_int_eq(fcc_source_from_mem(&s, "t.spec", text, strlen(text), &e), FCC_OK);
	ck_assert_uint_eq(s->nlines, 3);
	fcc_source_locate(s, 0, &line, &col);
	ck_assert_uint_eq(line, 1);
	ck_assert_uint_eq(col, 1);
	/* "t" after the two-byte é is character column 5 of line 2 */
	fcc_source_locate(s, 5 + 5, &line, &col);
	ck_assert_uint_eq(line, 2);
	ck_assert_uint_eq(col, 5);
	ck_assert_uint_eq(fcc_source_offset(s, 1, 4), 10);
	l = fcc_source_line(s, 2, &len);
	ck_assert_uint_eq(len, 8); /* CR stripped */
	ck_assert_int_eq(memcmp(l, "b: ", 3), 0);
	fcc_source_free(s);
}
END_TEST

START_TEST(test_base_utf8)
{
	ck_assert_uint_eq(fcc_utf8_invalid_at("ok \xc3\xa9", 5), (size_t)-1);
	ck_assert_uint_eq(fcc_utf8_invalid_at("ab\xff", 3), 2);
	ck_assert_uint_eq(fcc_utf8_invalid_at("ab\xc3", 3), 2);        /* truncated */
	ck_assert_uint_eq(fcc_utf8_invalid_at("\xc0\x80", 2), 0);      /* overlong */
	ck_assert_uint_eq(fcc_utf8_invalid_at("x\xed\xa0\x80", 4), 1); /* surrogate */
	ck_assert_uint_eq(fcc_utf8_invalid_at("\xf0\x9f\x98\x80", 4), (size_t)-1);
}
END_TEST

START_TEST(test_base_source_load_limit)
{
	fcc_source *s = NULL;
	fcc_err e;

	ck_assert_int_eq(fcc_source_load(&s, "/nonexistent/x.spec", 100, &e), FCC_ENOTFOUND);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(fcc_source_load(&s, "/proc/self/status", 16, &e), FCC_EIO);
	ck_assert_ptr_nonnull(strstr(e.msg, "larger than the 16-byte limit"));
}
END_TEST

Suite *suite_base(void)
{
	Suite *s = suite_create("base");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_base_alloc_fail_nth);
	tcase_add_test(tc, test_base_buf_cap);
	tcase_add_test(tc, test_base_source_locate);
	tcase_add_test(tc, test_base_utf8);
	tcase_add_test(tc, test_base_source_load_limit);
	suite_add_tcase(s, tc);
	return s;
}
