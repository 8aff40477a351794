/*
 * test_arena.c - the bump allocator: alignment, growth, the cap, and
 * protobuf-c unpacking into it.
 */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "resettle.pb-c.h"
#include "rs_arena.h"

static void test_alignment_and_growth(void **state)
{
    struct rs_arena a;
    uint8_t *prev = NULL;

    (void)state;
    rs_arena_init(&a, 0, (size_t)1 << 20);
    for (size_t n = 0; n < 3000; n += 7) {
        uint8_t *p = rs_arena_alloc(&a, n);

        assert_non_null(p);
        assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
        assert_true(p != prev);
        memset(p, 0xab, n);
        prev = p;
    }
    assert_false(a.over_cap);
    assert_true(a.bytes <= a.cap);
    rs_arena_free(&a);
    assert_null(a.head);
    assert_int_equal(a.bytes, 0);
    /* Usable again after free. */
    assert_non_null(rs_arena_alloc(&a, 10));
    rs_arena_free(&a);
}

static void test_cap_refuses_and_says_so(void **state)
{
    struct rs_arena a;
    void *p;

    (void)state;
    rs_arena_init(&a, 1024, 4096);
    assert_non_null(rs_arena_alloc(&a, 1000));
    assert_non_null(rs_arena_alloc(&a, 2000));     /* the next chunk would be 2048: fits */
    assert_null(rs_arena_alloc(&a, 4000));          /* 3072 allocated, 1024 left */
    assert_true(a.over_cap);
    /* What still fits under the cap is given. */
    p = rs_arena_alloc(&a, 900);
    assert_non_null(p);
    assert_true(a.bytes <= 4096);
    assert_null(rs_arena_calloc(&a, SIZE_MAX / 2, 4));
    rs_arena_free(&a);
}

static void test_calloc_and_strndup(void **state)
{
    struct rs_arena a;
    uint32_t *z;
    char *s;

    (void)state;
    rs_arena_init(&a, 256, 1 << 16);
    z = rs_arena_calloc(&a, 100, sizeof(*z));
    assert_non_null(z);
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    s = rs_arena_strndup(&a, "abcdef", 3);
    assert_non_null(s);
    assert_string_equal(s, "abc");
    s = rs_arena_strndup(&a, NULL, 0);
    assert_non_null(s);
    assert_string_equal(s, "");
    rs_arena_free(&a);
}

static void test_protobuf_c_unpacks_into_it(void **state)
{
    Rs__Record r = RS__RECORD__INIT, *u;
    Rs__Relief rel = RS__RELIEF__INIT;
    uint8_t buf[256];
    size_t n;
    struct rs_arena a;

    (void)state;
    r.id = "0190f5a2-7b1c-7def-8123-456789abcdef";
    r.division_code = "430602001";
    r.body_case = RS__RECORD__BODY_RELIEF;
    r.relief = &rel;
    rel.household_ref = "HH1";
    rel.has_amount_fen = 1;
    rel.amount_fen = 600000;
    n = rs__record__pack(&r, buf);
    rs_arena_init(&a, 64, 1 << 16);
    u = rs__record__unpack(rs_arena_pb(&a), n, buf);
    assert_non_null(u);
    assert_string_equal(u->id, r.id);
    assert_string_equal(u->relief->household_ref, "HH1");
    assert_int_equal(u->relief->amount_fen, 600000);
    /* Too small a cap: unpack fails cleanly, and the arena says why. */
    rs_arena_free(&a);
    rs_arena_init(&a, 64, 128);
    assert_null(rs__record__unpack(rs_arena_pb(&a), n, buf));
    assert_true(a.over_cap);
    rs_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_growth),
        cmocka_unit_test(test_cap_refuses_and_says_so),
        cmocka_unit_test(test_calloc_and_strndup),
        cmocka_unit_test(test_protobuf_c_unpacks_into_it),
    };

    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
