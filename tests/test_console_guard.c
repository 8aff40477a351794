/*
 * test_console_guard.c - the console's request guard (rs_console_guard.h):
 * which listen addresses are loopback, and the verdict for each mix of
 * method, Host, Origin, cookie and first-URL key.
 *
 * Does not: start a console (itest_console does, over HTTP).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "rs_console_guard.h"

static void test_listen_parse(void **state)
{
    char host[64];
    uint16_t port = 1;

    (void)state;
    assert_int_equal(rs_console_listen_parse("127.0.0.1:8420", host, sizeof host, &port), RS_OK);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8420);
    assert_int_equal(rs_console_listen_parse("127.3.4.5:0", host, sizeof host, &port), RS_OK);
    assert_int_equal(port, 0);
    assert_int_equal(rs_console_listen_parse("[::1]:9000", host, sizeof host, &port), RS_OK);
    assert_string_equal(host, "::1");
    /* Not loopback, a name DNS could answer otherwise, or not HOST:PORT. */
    assert_int_equal(rs_console_listen_parse("0.0.0.0:8420", host, sizeof host, &port), RS_EINVAL);
    assert_int_equal(rs_console_listen_parse("10.0.0.5:8420", host, sizeof host, &port), RS_EINVAL);
    assert_int_equal(rs_console_listen_parse("localhost:8420", host, sizeof host, &port), RS_EINVAL);
    assert_int_equal(rs_console_listen_parse("[::]:8420", host, sizeof host, &port), RS_EINVAL);
    assert_int_equal(rs_console_listen_parse("127.0.0.1", host, sizeof host, &port), RS_EINVAL);
    assert_int_equal(rs_console_listen_parse("127.0.0.1:70000", host, sizeof host, &port),
                     RS_EINVAL);
    assert_int_equal(rs_console_listen_parse("127.0.0.1:x", host, sizeof host, &port), RS_EINVAL);
}

static void test_verdicts(void **state)
{
    struct rs_console_guard g, g2;
    struct rs_console_req r;
    char wrong[RS_CONSOLE_SECRET_HEX + 1];

    (void)state;
    assert_int_equal(rs_console_guard_init(&g, "10.0.0.1", 80), RS_EINVAL);
    assert_int_equal(rs_console_guard_init(&g, "127.0.0.1", 8420), RS_OK);
    assert_int_equal(rs_console_guard_init(&g2, "127.0.0.1", 8420), RS_OK);
    assert_int_equal(strlen(g.secret), RS_CONSOLE_SECRET_HEX);
    assert_string_not_equal(g.secret, g2.secret);
    assert_string_equal(g.host, "127.0.0.1:8420");
    assert_string_equal(g.origin, "http://127.0.0.1:8420");

    r = (struct rs_console_req){.method = "GET", .host = "127.0.0.1:8420", .cookie = g.secret};
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_ALLOW);
    r.origin = "http://127.0.0.1:8420";
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_ALLOW);
    r.origin = "http://127.0.0.1:8421";
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_DENY);
    r.origin = "null";
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_DENY);
    r.origin = NULL;
    r.host = "localhost:8420";
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_DENY);
    r.host = NULL;
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_DENY);
    r.host = "127.0.0.1:8420";
    r.cookie = g2.secret;
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_DENY);
    memcpy(wrong, g.secret, sizeof wrong);
    wrong[RS_CONSOLE_SECRET_HEX - 1] = wrong[RS_CONSOLE_SECRET_HEX - 1] == 'a' ? 'b' : 'a';
    r.cookie = wrong;
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_DENY);
    r.cookie = "";
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_DENY);

    /* The first URL enters with a GET only. */
    r.cookie = NULL;
    r.key = g.secret;
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_ENTER);
    r.method = "POST";
    r.origin = "http://127.0.0.1:8420";
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_DENY);
    r.key = NULL;

    /* A change needs the cookie and an Origin that is this address. */
    r.cookie = g.secret;
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_ALLOW);
    r.origin = NULL;
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_DENY);
    r.origin = "http://evil.example";
    assert_int_equal(rs_console_guard_check(&g, &r), RS_CONSOLE_DENY);

    assert_int_equal(rs_console_guard_init(&g, "::1", 9000), RS_OK);
    assert_string_equal(g.host, "[::1]:9000");
    assert_string_equal(g.origin, "http://[::1]:9000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_parse),
        cmocka_unit_test(test_verdicts),
    };

    return cmocka_run_group_tests_name("console_guard", tests, NULL, NULL);
}
