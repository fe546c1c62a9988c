/* tests/unit/check_wire.c — byte order, checksums, address text, the buffer pool. */
#include <string.h>

#include "stack/csum.h"
#include "stack/pkb.h"
#include "stack/wire.h"
#include "tests/unit/harness.h"

START_TEST(test_be_roundtrip)
{
	uint8_t b[4];
	be16_put(b, 0xbeef);
	ck_assert_uint_eq(b[0], 0xbe);
	ck_assert_uint_eq(b[1], 0xef);
	ck_assert_uint_eq(be16_get(b), 0xbeef);
	be32_put(b, 0xc0000201u);
	ck_assert_mem_eq(b, ((uint8_t[]){ 192, 0, 2, 1 }), 4);
	ck_assert_uint_eq(be32_get(b), 0xc0000201u);
}
END_TEST

START_TEST(test_csum_rfc1071)
{
	/* RFC 1071 section 3's example: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
	const uint8_t d[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	ck_assert_uint_eq(csum_buf(d, sizeof(d)), (uint16_t)~0xddf2);
	/* Odd length pads with a zero byte. */
	const uint8_t o[] = { 0x01, 0x02, 0x03 };
	ck_assert_uint_eq(csum_buf(o, 3), (uint16_t)~(0x0102 + 0x0300));
	ck_assert_uint_eq(csum_buf(o, 0), 0xffff);
}
END_TEST

START_TEST(test_csum_incremental_matches_full)
{
	uint8_t b[64];
	uint32_t x = 12345;
	for (int round = 0; round < 1000; round++) {
		for (size_t i = 0; i < sizeof(b); i++) {
			x = x * 1103515245 + 12345;
			b[i] = (uint8_t)(x >> 16);
		}
		be16_put(b + 2, 0);
		be16_put(b + 2, csum_buf(b, sizeof(b)));
		uint16_t old = be16_get(b + 10);
		x = x * 1103515245 + 12345;
		be16_put(b + 10, (uint16_t)(x >> 8));
		be16_put(b + 2, csum_update16(be16_get(b + 2), old, be16_get(b + 10)));
		ck_assert_uint_eq(csum_buf(b, sizeof(b)), 0);
	}
}
END_TEST

START_TEST(test_csum_equals_reference)
{
	uint8_t b[1501];
	for (size_t len = 0; len < sizeof(b); len += 37) {
		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)(i * 31 + len);
		ck_assert_uint_eq(csum_buf(b, len), cksum(b, len));
	}
}
END_TEST

START_TEST(test_aton)
{
	uint32_t a;
	char buf[16];
	ck_assert_int_eq(ip4_aton("192.0.2.1", &a), 0);
	ck_assert_uint_eq(a, IP(192, 0, 2, 1));
	ck_assert_str_eq(ip4_ntoa(a, buf), "192.0.2.1");
	const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 ", "1.2.3.0004" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ip4_aton(bad[i], &a) != 0, "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(test_pool)
{
	struct pkb_pool pool;
	struct pkb *p[5];
	ck_assert_int_eq(pkb_pool_init(&pool, 4), 0);
	for (int i = 0; i < 4; i++) {
		p[i] = pkb_alloc(&pool, 1518);
		ck_assert_ptr_nonnull(p[i]);
		ck_assert_uint_eq(pkb_headroom(p[i]), PKB_HEADROOM);
		ck_assert_uint_ge(pkb_tailroom(p[i]), 1518);
	}
	ck_assert_ptr_null(pkb_alloc(&pool, 100)); /* exhausted */
	p[4] = pkb_alloc(&pool, 65535);            /* large: from the heap, still counted */
	ck_assert_ptr_nonnull(p[4]);
	ck_assert_uint_eq(pool.in_use, 5);
	ck_assert_uint_ge(pkb_tailroom(p[4]), 65535);
	for (int i = 0; i < 5; i++)
		pkb_free(&pool, p[i]);
	ck_assert_uint_eq(pool.in_use, 0);
	ck_assert_uint_eq(pool.heap_in_use, 0);
	pkb_pool_destroy(&pool);
}
END_TEST

Suite *wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("wire");
	tcase_add_test(tc, test_be_roundtrip);
	tcase_add_test(tc, test_csum_rfc1071);
	tcase_add_test(tc, test_csum_incremental_matches_full);
	tcase_add_test(tc, test_csum_equals_reference);
	tcase_add_test(tc, test_aton);
	tcase_add_test(tc, test_pool);
	suite_add_tcase(s, tc);
	return s;
}
