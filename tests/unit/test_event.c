/* test_event.c - kind names, GUIDs, times and host keys (src/core/event.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/event.h"

static void test_kind_names(void **state)
{
	(void)state;
	for (int k = 0; k < EV_KIND_COUNT; k++) {
		const char *n = ev_kind_name((enum ev_kind)k);
		assert_non_null(n);
		assert_int_equal(ev_kind_from_name(n), k);
	}
	assert_string_equal(ev_kind_name(EV_PROCESS_START), "process_start");
	assert_string_equal(ev_kind_name(EV_FILE_STREAM), "file_stream");
	assert_string_equal(ev_kind_name(EV_REGISTRY_RENAME), "registry_rename");
	assert_string_equal(ev_kind_name(EV_PIPE_CONNECT), "pipe_connect");
	assert_int_equal(ev_kind_from_name("Process_Start"), -1);
	assert_int_equal(ev_kind_from_name(""), -1);
	assert_int_equal(ev_kind_from_name(NULL), -1);
	assert_string_equal(ev_kind_name(EV_KIND_COUNT), "unknown");
}

static void test_init_clear(void **state)
{
	(void)state;
	struct ev e;
	ev_init(&e);
	assert_int_equal(e.pid, -1);
	assert_int_equal(e.parent_pid, -1);
	assert_int_equal(e.remote_port, -1);
	assert_int_equal(e.local_port, -1);
	assert_int_equal(e.record_id, -1);
	assert_int_equal(e.signed_, -1);
	assert_int_equal(e.initiated, -1);
	assert_null(e.host);
	assert_null(e.extra);
	e.host = strdup("h");
	e.image = strdup("i");
	e.product = strdup("p");
	e.extra = json_object();
	e.pid = 4;
	ev_clear(&e);   /* leak-free under ASan */
	assert_null(e.host);
	assert_null(e.extra);
	assert_int_equal(e.pid, -1);

	struct ev_alert a = {0};
	a.host = strdup("h");
	a.sha256 = strdup("x");
	ev_alert_clear(&a);
	assert_null(a.host);
	assert_null(a.sha256);
}

static void test_guid_canon(void **state)
{
	(void)state;
	char *g = ev_guid_canon("{AA6B4A20-BC60-5CA4-0000-0010B9F5C401}");
	assert_string_equal(g, "aa6b4a20-bc60-5ca4-0000-0010b9f5c401");
	free(g);
	g = ev_guid_canon("aa6b4a20-bc60-5ca4-0000-0010b9f5c401");
	assert_string_equal(g, "aa6b4a20-bc60-5ca4-0000-0010b9f5c401");
	free(g);
	g = ev_guid_canon("{39e4a257-F1B3-5f8b-a700-000000000700}");
	assert_string_equal(g, "39e4a257-f1b3-5f8b-a700-000000000700");
	free(g);

	assert_null(ev_guid_canon(NULL));
	assert_null(ev_guid_canon(""));
	assert_null(ev_guid_canon("-"));
	assert_null(ev_guid_canon("{aa6b4a20-bc60-5ca4-0000-0010b9f5c401"));   /* one brace */
	assert_null(ev_guid_canon("aa6b4a20-bc60-5ca4-0000-0010b9f5c401}"));
	assert_null(ev_guid_canon("aa6b4a20bc605ca400000010b9f5c401"));        /* no dashes */
	assert_null(ev_guid_canon("aa6b4a20-bc60-5ca4-0000-0010b9f5c40g"));   /* not hex */
	assert_null(ev_guid_canon("aa6b4a20-bc60-5ca4-0000-0010b9f5c4011"));  /* long */
	assert_null(ev_guid_canon("aa6b4a2-0bc60-5ca4-0000-0010b9f5c401"));   /* dash moved */
}

static void test_guid_prefix(void **state)
{
	(void)state;
	/* Sysmon can change the last two groups for one process: same prefix. */
	int64_t a = ev_guid_prefix("19de6d3b-1978-64dc-100c-000000000c00");
	int64_t b = ev_guid_prefix("19de6d3b-1978-64dc-1a0c-000000000d00");
	assert_true(a != 0);
	assert_true(a == b);
	assert_true(a == (int64_t)0x19de6d3b197864dcULL);
	/* any case, braces: same key */
	assert_true(ev_guid_prefix("{19DE6D3B-1978-64DC-100C-000000000C00}") == a);
	/* top bit set: still a key (negative as int64) */
	assert_true(ev_guid_prefix("ffffffff-ffff-ffff-0000-000000000000") == -1);
	assert_true(ev_guid_prefix("19de6d3b-1978-64dd-100c-000000000c00") != a);
	assert_true(ev_guid_prefix(NULL) == 0);
	assert_true(ev_guid_prefix("") == 0);
	assert_true(ev_guid_prefix("19de6d3b-1978-64dc") == 0);
	assert_true(ev_guid_prefix("zzde6d3b-1978-64dc-100c-000000000c00") == 0);
}

static int64_t t_ok(const char *s)
{
	int64_t us = 0;
	assert_int_equal(ev_parse_time(s, &us), 0);
	return us;
}

static void t_bad(const char *s)
{
	int64_t us = 12345;
	assert_int_equal(ev_parse_time(s, &us), -1);
	assert_true(us == 12345);   /* untouched */
}

static void test_parse_time(void **state)
{
	(void)state;
	assert_true(t_ok("1970-01-01T00:00:00Z") == 0);
	assert_true(t_ok("1970-01-01 00:00:00") == 0);
	/* Sysmon UtcTime, RFC 3339 Z, and no zone: the same instant */
	int64_t s = t_ok("2019-04-03 17:36:47.343");
	assert_true(s == 1554313007343000LL);
	assert_true(t_ok("2019-04-03T17:36:47.343Z") == s);
	assert_true(t_ok("2019-04-03T17:36:47.343") == s);
	assert_true(t_ok("2019-04-03t17:36:47.343z") == s);
	assert_true(t_ok("2019-04-03T17:36:47.343000") == s);
	/* offsets: local time minus offset */
	assert_true(t_ok("2019-04-03T13:36:47.343-04:00") == s);
	assert_true(t_ok("2019-04-04T02:36:47.343+09:00") == s);
	assert_true(t_ok("2019-04-03T17:36:47.343+00:00") == s);
	/* fractions: 1..6 digits exact, more truncated */
	assert_true(t_ok("2020-01-01T00:00:00.5Z") % 1000000 == 500000);
	assert_true(t_ok("2020-01-01T00:00:00.123456Z") % 1000000 == 123456);
	assert_true(t_ok("2020-01-01T00:00:00.1234567Z") % 1000000 == 123456);
	assert_true(t_ok("2020-01-01T00:00:00.123456789Z") % 1000000 == 123456);
	/* leap days */
	assert_true(t_ok("2020-02-29 12:00:00") - t_ok("2020-02-28 12:00:00") ==
	            86400LL * 1000000);
	assert_true(t_ok("2020-03-01 00:00:00") - t_ok("2020-02-29 00:00:00") ==
	            86400LL * 1000000);
	t_ok("2000-02-29 00:00:00");          /* divisible by 400 */
	t_bad("1900-02-29 00:00:00");         /* divisible by 100 */
	t_bad("2019-02-29 00:00:00");
	t_bad("2023-04-31 00:00:00");
	assert_true(t_ok("2023-12-31T23:59:59Z") + 1000000 == t_ok("2024-01-01T00:00:00Z"));
	/* before the epoch */
	assert_true(t_ok("1969-12-31T23:59:59Z") == -1000000);
	/* ranges */
	t_bad("2019-13-01 00:00:00");
	t_bad("2019-00-01 00:00:00");
	t_bad("2019-01-00 00:00:00");
	t_bad("2019-01-32 00:00:00");
	t_bad("2019-01-01 24:00:00");
	t_bad("2019-01-01 23:60:00");
	t_bad("2019-01-01 23:59:60");
	t_bad("2019-01-01T00:00:00+24:00");
	t_bad("2019-01-01T00:00:00+05:60");
	/* shapes */
	t_bad(NULL);
	t_bad("");
	t_bad("x");
	t_bad("2019");
	t_bad("2019-04-03");
	t_bad("2019-04-03 17:36");
	t_bad("2019-4-03 17:36:47");
	t_bad("2019-04-03_17:36:47");
	t_bad(" 2019-04-03 17:36:47");
	t_bad("2019-04-03 17:36:47 ");
	t_bad("2019-04-03 17:36:47.");
	t_bad("2019-04-03 17:36:47.x");
	t_bad("2019-04-03 17:36:47ZZ");
	t_bad("2019-04-03T17:36:47+0400");
	t_bad("2019-04-03T17:36:47+04");
	t_bad("2019-04-03T17:36:47.343Zjunk");
	t_bad("\xef\xbc\x92\xef\xbc\x90\xef\xbc\x91\xef\xbc\x99");  /* fullwidth digits */
}

static void test_format_time(void **state)
{
	(void)state;
	char b[32];
	ev_format_time(0, b, sizeof b);
	assert_string_equal(b, "1970-01-01T00:00:00.000Z");
	ev_format_time(1554313007343999LL, b, sizeof b);   /* truncates to ms */
	assert_string_equal(b, "2019-04-03T17:36:47.343Z");
	ev_format_time(t_ok("2020-02-29 23:59:59.999"), b, sizeof b);
	assert_string_equal(b, "2020-02-29T23:59:59.999Z");
	ev_format_time(-1, b, sizeof b);
	assert_string_equal(b, "1969-12-31T23:59:59.999Z");
	ev_format_time(t_ok("1600-03-01T00:00:00Z"), b, sizeof b);
	assert_string_equal(b, "1600-03-01T00:00:00.000Z");
	/* round trip over many days, through leap years and centuries */
	for (int64_t d = -719000; d <= 2900000; d += 997) {
		int64_t us = d * 86400LL * 1000000 + 45296789000LL;
		char f[32];
		ev_format_time(us, f, sizeof f);
		int64_t back;
		assert_int_equal(ev_parse_time(f, &back), 0);
		assert_true(back == us);
	}
	/* a short buffer is truncated, not overrun */
	char small[8];
	ev_format_time(0, small, sizeof small);
	assert_string_equal(small, "1970-01");
}

static void test_host_key(void **state)
{
	(void)state;
	char *k = ev_host_key("WORKSTATION5.theshire.local");
	assert_string_equal(k, "workstation5");
	free(k);
	k = ev_host_key("WORKSTATION5");
	assert_string_equal(k, "workstation5");
	free(k);
	k = ev_host_key("ACCT01.pandalab.com");
	assert_string_equal(k, "acct01");
	free(k);
	k = ev_host_key("10.0.5.13");   /* an address is not cut at the dot */
	assert_string_equal(k, "10.0.5.13");
	free(k);
	k = ev_host_key("Host-\xe6\x9d\xb1\xe4\xba\xac.example");   /* UTF-8 kept */
	assert_string_equal(k, "host-\xe6\x9d\xb1\xe4\xba\xac");
	free(k);
	assert_null(ev_host_key(""));
	assert_null(ev_host_key(NULL));
	assert_null(ev_host_key(".local"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_init_clear),
		cmocka_unit_test(test_guid_canon),
		cmocka_unit_test(test_guid_prefix),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_host_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
