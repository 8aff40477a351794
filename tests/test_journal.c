/*
 * test_journal.c - the journal fields of a log line and when the journal
 * is used (server/service/rs_journal.h).
 *
 * Does not: send to a journal (itest_service.c does, to a socket of its
 * own in a private mount namespace).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "rs_journal.h"

/* The fields as one "A=x|B=y" string. */
static void joined(char *out, size_t len, const struct iovec *iov, size_t n)
{
    size_t o = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, len - o, "%s%.*s", i ? "|" : "", (int)iov[i].iov_len,
                              (const char *)iov[i].iov_base);
}

static void test_fields(void **state)
{
    char buf[RS_JOURNAL_BUF], s[2048];
    struct iovec iov[RS_JOURNAL_FIELDS];
    size_t n;

    (void)state;
    n = rs_journal_fields(RS_LOG_WARN, 7, "10.0.0.1:5000", "430602001",
                          "conn=7 peer=10.0.0.1:5000 error RS_EAUTH: token refused", buf, iov);
    assert_int_equal(n, 6);
    joined(s, sizeof(s), iov, n);
    assert_string_equal(s, "PRIORITY=4|SYSLOG_IDENTIFIER=resettled|CONN=7|PEER=10.0.0.1:5000|"
                           "OFFICE=430602001|MESSAGE=conn=7 peer=10.0.0.1:5000 error RS_EAUTH: "
                           "token refused");
    /* No connection, peer or office: those fields are left out. */
    n = rs_journal_fields(RS_LOG_INFO, 0, NULL, "", "listening on 0.0.0.0:7420", buf, iov);
    joined(s, sizeof(s), iov, n);
    assert_string_equal(s, "PRIORITY=6|SYSLOG_IDENTIFIER=resettled|"
                           "MESSAGE=listening on 0.0.0.0:7420");
    n = rs_journal_fields(RS_LOG_ERROR, 0, NULL, NULL, "x", buf, iov);
    joined(s, sizeof(s), iov, n);
    assert_string_equal(s, "PRIORITY=3|SYSLOG_IDENTIFIER=resettled|MESSAGE=x");
    n = rs_journal_fields(RS_LOG_DEBUG, 0, NULL, NULL, "x", buf, iov);
    assert_memory_equal(iov[0].iov_base, "PRIORITY=7", 10);
}

static void test_long_message_is_cut_not_the_fields(void **state)
{
    char buf[RS_JOURNAL_BUF], line[4096];
    struct iovec iov[RS_JOURNAL_FIELDS];
    size_t n, total = 0;

    (void)state;
    memset(line, 'm', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    n = rs_journal_fields(RS_LOG_INFO, 12, "127.0.0.1:1", "430602", line, buf, iov);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++)
        total += iov[i].iov_len + 1;
    assert_true(total <= RS_JOURNAL_BUF);
    assert_memory_equal(iov[5].iov_base, "MESSAGE=mmm", 11);
    assert_memory_equal(iov[4].iov_base, "OFFICE=430602", 13);
}

static void test_when_the_journal_is_used(void **state)
{
    char stream[64];
    struct stat sb;

    (void)state;
    assert_int_equal(fstat(2, &sb), 0);
    snprintf(stream, sizeof(stream), "%llu:%llu", (unsigned long long)sb.st_dev,
             (unsigned long long)sb.st_ino);
    /* auto: only when JOURNAL_STREAM names this very stderr. */
    assert_true(rs_journal_wanted(RS_LOG_TO_AUTO, stream, 2));
    assert_false(rs_journal_wanted(RS_LOG_TO_AUTO, NULL, 2));
    assert_false(rs_journal_wanted(RS_LOG_TO_AUTO, "", 2));
    assert_false(rs_journal_wanted(RS_LOG_TO_AUTO, "1:2", 2));
    assert_false(rs_journal_wanted(RS_LOG_TO_AUTO, "garbage", 2));
    {
        char trailing[80];

        snprintf(trailing, sizeof(trailing), "%sx", stream);
        assert_false(rs_journal_wanted(RS_LOG_TO_AUTO, trailing, 2));
    }
    /* The explicit settings ignore the environment. */
    assert_false(rs_journal_wanted(RS_LOG_TO_STDERR, stream, 2));
    assert_true(rs_journal_wanted(RS_LOG_TO_JOURNAL, NULL, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_long_message_is_cut_not_the_fields),
        cmocka_unit_test(test_when_the_journal_is_used),
    };

    return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
