/*
 * test_util.c - dates, money, quantities, UUIDs, UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rs_util.h"

static void test_dates(void **state)
{
    uint32_t d = 0;

    (void)state;
    assert_int_equal(rs_date_parse("2023-04-15", &d), RS_OK);
    assert_int_equal(d, 20230415);
    assert_int_equal(rs_date_parse("2023/4/5", &d), RS_OK);
    assert_int_equal(d, 20230405);
    assert_int_equal(rs_date_parse("2023.12.31", &d), RS_OK);
    assert_int_equal(d, 20231231);
    assert_int_equal(rs_date_parse("20240229", &d), RS_OK);
    assert_int_equal(rs_date_parse("2023年4月15日", &d), RS_OK);
    assert_int_equal(d, 20230415);
    assert_int_equal(rs_date_parse("2023-02-29", &d), RS_EINVAL);
    assert_int_equal(rs_date_parse("2100-02-29", &d), RS_EINVAL);
    assert_int_equal(rs_date_parse("2000-02-29", &d), RS_OK);
    assert_int_equal(rs_date_parse("2023-13-01", &d), RS_EINVAL);
    assert_int_equal(rs_date_parse("2023-04-31", &d), RS_EINVAL);
    assert_int_equal(rs_date_parse("2023-04-15x", &d), RS_EINVAL);
    assert_int_equal(rs_date_parse("", &d), RS_EINVAL);
    assert_int_equal(rs_date_parse("15/04/2023", &d), RS_EINVAL);
    assert_int_equal(rs_date_days(19700101), 0);
    assert_int_equal(rs_date_days(20230101) - rs_date_days(20221231), 1);
    assert_int_equal(rs_date_days(20240301) - rs_date_days(20240228), 2);
    /* rs_date_from_days is its inverse, every day from 1999 to 2101. */
    for (int64_t n = rs_date_days(19990101); n <= rs_date_days(21011231); n++) {
        d = rs_date_from_days(n);
        assert_true(rs_date_valid(d) || d / 10000 > 2100);
        assert_int_equal(rs_date_days(d), n);
    }
    assert_int_equal(rs_date_from_days(0), 19700101);
    assert_int_equal(rs_date_from_days(-1), 19691231);
    /* China Standard Time: 2023-12-31 16:00 UTC is already 2024-01-01 there. */
    assert_int_equal(rs_date_cst(1704038399), 20231231);
    assert_int_equal(rs_date_cst(1704038400), 20240101);
    assert_int_equal(rs_date_cst(-8 * 3600), 19700101);
    assert_int_equal(rs_date_cst(-8 * 3600 - 1), 19691231);
}

static void test_money_parse(void **state)
{
    int64_t f = 0;

    (void)state;
    assert_int_equal(rs_money_parse("158.93", 1000000, &f), RS_OK);
    assert_true(f == 158930000);
    assert_int_equal(rs_money_parse("2026.86", 1000000, &f), RS_OK);
    assert_true(f == 2026860000LL);
    assert_int_equal(rs_money_parse("6000", 100, &f), RS_OK);
    assert_true(f == 600000);
    assert_int_equal(rs_money_parse("0.1", 100, &f), RS_OK);
    assert_true(f == 10);
    assert_int_equal(rs_money_parse("1,234,567.89", 100, &f), RS_OK);
    assert_true(f == 123456789);
    assert_int_equal(rs_money_parse("-3.14", 1000000, &f), RS_OK);
    assert_true(f == -3140000);
    assert_int_equal(rs_money_parse("12.345", 100, &f), RS_EINVAL);  /* never rounded */
    assert_int_equal(rs_money_parse("12.340", 100, &f), RS_OK);
    assert_true(f == 1234);
    assert_int_equal(rs_money_parse("近600", 1000000, &f), RS_EINVAL);
    assert_int_equal(rs_money_parse("400余", 100, &f), RS_EINVAL);
    assert_int_equal(rs_money_parse("", 100, &f), RS_EINVAL);
    assert_int_equal(rs_money_parse(".", 100, &f), RS_EINVAL);
    assert_int_equal(rs_money_parse("99999999999999999999", 100, &f), RS_EINVAL);
    /* "," groups thousands only: a decimal comma or a stray one is refused */
    assert_int_equal(rs_money_parse("1,234", 100, &f), RS_OK);
    assert_true(f == 123400);
    assert_int_equal(rs_money_parse("-12,345,678.5", 100, &f), RS_OK);
    assert_true(f == -1234567850);
    assert_int_equal(rs_money_parse("1,5", 100, &f), RS_EINVAL);
    assert_int_equal(rs_money_parse("12,34", 100, &f), RS_EINVAL);
    assert_int_equal(rs_money_parse("1,2,3", 100, &f), RS_EINVAL);
    assert_int_equal(rs_money_parse("1,234,5", 100, &f), RS_EINVAL);
    assert_int_equal(rs_money_parse("1234,567", 100, &f), RS_EINVAL);
    assert_int_equal(rs_money_parse("1,,234", 100, &f), RS_EINVAL);
    assert_int_equal(rs_money_parse("12,", 100, &f), RS_EINVAL);
    assert_int_equal(rs_money_parse(",123", 100, &f), RS_EINVAL);
    assert_int_equal(rs_money_parse("1,234.5,6", 100, &f), RS_EINVAL);
}

static void test_money_render(void **state)
{
    char b[32], t[40];

    (void)state;
    /* In a sentence: 万元, or 元 where 万元 would print a figure that is not 0 as 0.00. */
    assert_string_equal(rs_money_text(6684100, t), "6.68万元");
    assert_string_equal(rs_money_text(5000, t), "0.01万元");
    assert_string_equal(rs_money_text(4999, t), "49.99元");
    assert_string_equal(rs_money_text(-3000, t), "-30.00元");
    assert_string_equal(rs_money_text(0, t), "0.00万元");
    assert_true(rs_thousands_valid("1,234,567", 9));
    assert_true(rs_thousands_valid("123", 3));
    assert_false(rs_thousands_valid("1234,567", 8));
    assert_false(rs_thousands_valid("1,23", 4));
    assert_false(rs_thousands_valid(",123", 4));
    rs_money_wan(158930000, b);
    assert_string_equal(b, "158.93");
    rs_money_wan(0, b);
    assert_string_equal(b, "0.00");
    rs_money_wan(4999, b);          /* 0.004999万 */
    assert_string_equal(b, "0.00");
    rs_money_wan(5000, b);          /* 0.005万: half rounds away from zero */
    assert_string_equal(b, "0.01");
    rs_money_wan(-5000, b);
    assert_string_equal(b, "-0.01");
    rs_money_wan(-4999, b);
    assert_string_equal(b, "0.00");
    rs_money_wan(2019150000LL, b);
    assert_string_equal(b, "2019.15");
    rs_money_wan(7710000, b);
    assert_string_equal(b, "7.71");
    rs_money_yuan(600000, b);
    assert_string_equal(b, "6000.00");
    rs_money_yuan(-5, b);
    assert_string_equal(b, "-0.05");
}

static void test_milli(void **state)
{
    int64_t v = 0;
    char b[32];

    (void)state;
    assert_int_equal(rs_milli_parse("420", &v), RS_OK);
    assert_true(v == 420000);
    assert_int_equal(rs_milli_parse("1.5", &v), RS_OK);
    assert_true(v == 1500);
    assert_int_equal(rs_milli_parse("-1", &v), RS_EINVAL);
    assert_int_equal(rs_milli_parse("1.2345", &v), RS_EINVAL);
    rs_milli_format(1500, b);
    assert_string_equal(b, "1.5");
    rs_milli_format(420000, b);
    assert_string_equal(b, "420");
    rs_milli_format(-2250, b);
    assert_string_equal(b, "-2.25");
}

static void test_uuid(void **state)
{
    char a[RS_UUID_LEN + 1], b[RS_UUID_LEN + 1];

    (void)state;
    assert_int_equal(rs_uuid_random(a), RS_OK);
    assert_true(rs_uuid_valid(a));
    assert_int_equal(a[14], '4');
    assert_int_equal(rs_uuid_random(b), RS_OK);
    assert_string_not_equal(a, b);
    rs_uuid_from_name("x", 1, a);
    rs_uuid_from_name("x", 1, b);
    assert_string_equal(a, b);
    assert_int_equal(a[14], '8');
    rs_uuid_from_name("y", 1, b);
    assert_string_not_equal(a, b);
    assert_false(rs_uuid_valid("not-a-uuid"));
    assert_false(rs_uuid_valid("0123456789abcdef0123456789abcdef0123"));
}

/* Time-ordered ids: the layout of RFC 9562, and strictly increasing from
 * one clock however the wall clock moves. */
static void test_uuid_v7(void **state)
{
    struct rs_uuid_clock clk = {0};
    char prev[RS_UUID_LEN + 1], id[RS_UUID_LEN + 1];
    uint64_t t = 0x0123456789abULL;

    (void)state;
    assert_int_equal(rs_uuid_v7(&clk, t, prev), RS_OK);
    assert_true(rs_uuid_valid(prev));
    assert_memory_equal(prev, "01234567-89ab-7", 15);
    assert_true(strchr("89ab", prev[19]) != NULL);
    assert_true(clk.counter < 0x800);
    /* 10,000 ids in one millisecond: the counter runs out and the time is
     * carried past the last id's. */
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(rs_uuid_v7(&clk, t, id), RS_OK);
        assert_true(strcmp(prev, id) < 0);
        assert_int_equal(id[14], '7');
        memcpy(prev, id, sizeof id);
    }
    assert_true(clk.last_ms > t && clk.last_ms < t + 6);
    /* The wall clock goes back an hour: ids still increase. */
    assert_int_equal(rs_uuid_v7(&clk, t - 3600000, id), RS_OK);
    assert_true(strcmp(prev, id) < 0);
    memcpy(prev, id, sizeof id);
    /* And forward: the id carries the new time. */
    assert_int_equal(rs_uuid_v7(&clk, t + 1000, id), RS_OK);
    assert_true(strcmp(prev, id) < 0);
    assert_memory_equal(id, "01234567-8d93-7", 15);
    /* Two clocks in the same millisecond give different ids. */
    {
        struct rs_uuid_clock c2 = {0};

        assert_int_equal(rs_uuid_v7(&c2, t + 1000, prev), RS_OK);
        assert_string_not_equal(prev, id);
    }
    assert_true(rs_now_unix_ms() / 1000 - (uint64_t)rs_now_unix() <= 1);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(rs_utf8_valid("金鹗山街道", strlen("金鹗山街道")));
    assert_int_equal(rs_utf8_len("金鹗山街道", strlen("金鹗山街道")), 5);
    assert_false(rs_utf8_valid("\xc0\xaf", 2));             /* overlong */
    assert_false(rs_utf8_valid("\xed\xa0\x80", 3));         /* surrogate */
    assert_false(rs_utf8_valid("\xe9\x87", 2));             /* truncated */
    assert_false(rs_utf8_valid("\xf4\x90\x80\x80", 4));     /* > U+10FFFF */
    assert_true(rs_utf8_valid("\xf0\xa0\x80\x80", 4));      /* U+20000 */
    {
        char b[8];

        /* Cut on a character boundary: two characters fit in 7 bytes, not three. */
        assert_false(rs_utf8_copy(b, sizeof b, "金鹗山"));
        assert_string_equal(b, "金鹗");
        assert_true(rs_utf8_copy(b, sizeof b, "金鹗"));
        assert_string_equal(b, "金鹗");
        assert_true(rs_utf8_copy(b, sizeof b, NULL));
        assert_string_equal(b, "");
    }
}

/* A reused context gives every input the digest rs_sha256 gives, and the known one. */
static void test_sha256_with(void **state)
{
    static const uint8_t abc[RS_SHA256_LEN] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22,
        0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00,
        0x15, 0xad};
    struct rs_sha256_ctx *ctx = rs_sha256_ctx_new();
    uint8_t buf[300], a[RS_SHA256_LEN], b[RS_SHA256_LEN];

    (void)state;
    assert_non_null(ctx);
    rs_sha256_with(ctx, "abc", 3, a);
    assert_memory_equal(a, abc, RS_SHA256_LEN);
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7 + 1);
    for (size_t n = 0; n <= sizeof(buf); n += 37) {
        rs_sha256(buf, n, a);
        rs_sha256_with(ctx, buf, n, b);
        assert_memory_equal(a, b, RS_SHA256_LEN);
        rs_sha256_with(NULL, buf, n, b);
        assert_memory_equal(a, b, RS_SHA256_LEN);
    }
    rs_sha256_with(ctx, "abc", 3, a);
    assert_memory_equal(a, abc, RS_SHA256_LEN);
    rs_sha256_ctx_free(ctx);
    rs_sha256_ctx_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),      cmocka_unit_test(test_money_parse),
        cmocka_unit_test(test_money_render), cmocka_unit_test(test_milli),
        cmocka_unit_test(test_uuid),       cmocka_unit_test(test_uuid_v7),
        cmocka_unit_test(test_sha256_with),
        cmocka_unit_test(test_utf8),
    };

    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
