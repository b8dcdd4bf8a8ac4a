/* test_fuzz_regress.c - the fuzz targets' regression inputs in `make check`.
 *
 * Every file under tests/fuzz/regress/<target>/ is an input that once
 * crashed that target (or broke one of its invariants) and was fixed. This
 * test compiles the five targets of tests/fuzz into itself with gcc (their
 * entry points renamed; see tests/fuzz/fuzz.h) and feeds each file to its
 * target, so the plain, ASan+UBSan and valgrind passes of `make check`
 * replay them without clang. A few hand-made inputs per target run too, so
 * each target's invariants are exercised even before anything crashed.
 * A regression shows up as an abort (invariant) or a sanitizer report. */
#define LLVMFuzzerTestOneInput fz_entry_logline
#include "../fuzz/fuzz_logline.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_entry_sanitize
#include "../fuzz/fuzz_sanitize.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_entry_ptree
#include "../fuzz/fuzz_ptree.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_entry_api
#include "../fuzz/fuzz_api.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_entry_config
#include "../fuzz/fuzz_config.c"
#undef LLVMFuzzerTestOneInput

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

typedef int (*fz_entry)(const uint8_t *data, size_t size);

/* The regression folder, from the working directory (make check runs at
 * the top of the tree) or next to this source file. */
static const char *regress_dir(const char *target, char *buf, size_t len)
{
	struct stat st;
	snprintf(buf, len, "tests/fuzz/regress/%s", target);
	if (stat(buf, &st) == 0)
		return buf;
	const char *src = __FILE__;
	const char *slash = strrchr(src, '/');
	if (slash != NULL) {
		snprintf(buf, len, "%.*s/../fuzz/regress/%s", (int)(slash - src), src, target);
		if (stat(buf, &st) == 0)
			return buf;
	}
	return NULL;
}

static int feed_file(fz_entry fn, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	size_t cap = 4096, len = 0, got;
	uint8_t *buf = malloc(cap);
	while (buf != NULL && (got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap * 2);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf == NULL)
		return -1;
	uint8_t *exact = malloc(len > 0 ? len : 1);
	if (exact == NULL) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	fn(exact, len);
	free(exact);
	return 0;
}

/* Replays the target's folder; returns the number of files. */
static int replay(const char *target, fz_entry fn)
{
	char dbuf[1024];
	const char *dir = regress_dir(target, dbuf, sizeof dbuf);
	if (dir == NULL) {
		print_message("%s: no regression folder\n", target);
		return 0;
	}
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char path[2048];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (feed_file(fn, path) != 0)
			fail_msg("cannot read %s", path);
		n++;
	}
	closedir(d);
	print_message("%s: %d regression inputs replayed\n", target, n);
	return n;
}

static void feed(fz_entry fn, const char *s, size_t n)
{
	uint8_t *p = malloc(n > 0 ? n : 1);
	assert_non_null(p);
	memcpy(p, s, n);
	fn(p, n);
	free(p);
}
#define FEED(fn, lit) feed(fn, lit, sizeof(lit) - 1)

static void test_logline(void **state)
{
	(void)state;
	replay("fuzz_logline", fz_entry_logline);
	FEED(fz_entry_logline, "");
	FEED(fz_entry_logline, "{\"type\":\"event\",\"kind\":\"process_start\",\"time\":"
	     "\"2024-05-01T10:00:00Z\",\"host\":\"PC1\",\"pid\":1,\"cmdline\":\"a\\u001b[2J\"}");
	FEED(fz_entry_logline, "{\"type\":\"alert\",\"host\":\"h\",\"detected_at\":"
	     "\"2024-05-01T10:00:00Z\",\"path\":\"p\",\"\\u202e\":1}");
	FEED(fz_entry_logline, "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
	     "\"Hostname\":\"h\",\"UtcTime\":\"2019-04-03 17:36:47.343\"}");
}

static void test_sanitize(void **state)
{
	(void)state;
	replay("fuzz_sanitize", fz_entry_sanitize);
	FEED(fz_entry_sanitize, "");
	FEED(fz_entry_sanitize, "\x1b[2J\x1b]52;c;eA==\x07\xc2\x9b\xe2\x80\xae\xff\xf4\x90\x80\x80");
	FEED(fz_entry_sanitize, "\xe6\xa4\x9c\xe6\x9f\xbb a\xcc\x81 \xf0\x9f\x98\x80\x00x");
}

static void test_ptree(void **state)
{
	(void)state;
	replay("fuzz_ptree", fz_entry_ptree);
	FEED(fz_entry_ptree, "\x20\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e"
	     "\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\xff\xfe\xfd\xfc\x01");
	FEED(fz_entry_ptree, "{\"type\":\"event\",\"kind\":\"process_start\",\"time\":"
	     "\"2024-05-01T10:00:00Z\",\"host\":\"PC1\",\"proc_guid\":"
	     "\"{11111111-2222-3333-4444-555555555555}\",\"pid\":100,\"image\":\"C:\\\\e.exe\","
	     "\"parent_guid\":\"{11111111-2222-3333-4444-555555555555}\",\"parent_pid\":100}\n\x01");
}

static void test_api(void **state)
{
	(void)state;
	replay("fuzz_api", fz_entry_api);
	FEED(fz_entry_api, "POST /v1/alerts/1/verdict\nkey\n\x01{\"phase\":\"quick\","
	     "\"verdict\":\"black\",\"version\":1,\"\\u001b\":2}");
	FEED(fz_entry_api, "POST /v1/tenants/1/exceptions\n\n\x01{\"sha256\":\"AB\"}");
	FEED(fz_entry_api, "GET /v1/alerts/0\n\x7f\n");
	FEED(fz_entry_api, "POST /v1/agent/events\nk\n\x03{\"type\":\"x\"}\n");
}

static void test_config(void **state)
{
	(void)state;
	replay("fuzz_config", fz_entry_config);
	FEED(fz_entry_config, "\x00tz +09:00\nhours 09:00-17:30\noff 2026-08-13\n");
	FEED(fz_entry_config, "\x01exclude image /a(b/\n");
	FEED(fz_entry_config, "\x02" "bind global M-x quit\nunbind list j\nbind x \x1b y\n");
	FEED(fz_entry_config, "\x03style normal fg=#ff0000 bg=colour300 bold\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_logline),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_ptree),
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
