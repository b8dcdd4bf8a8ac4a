/* test_report.c - the quick report model without a database: origin with
 * Zone.Identifier and hash pivot, executions, descendants, identity join
 * (pid reuse must not leak events), registry naming the file, attribute
 * conflicts, notes; the JSON shape; Markdown escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "core/report.h"

#define SEC 1000000LL
#define T0 (1700000000LL * SEC)
#define FILE_PATH "C:\\Users\\u\\Downloads\\drop.exe"
#define SHA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

struct evs {
	struct ev v[64];
	size_t n;
};

static struct ev *add(struct evs *s, enum ev_kind k, int64_t ts, const char *guid,
                      int64_t pid, const char *image)
{
	struct ev *e = &s->v[s->n++];
	ev_init(e);
	e->kind = k;
	e->ts_us = ts;
	e->proc_guid = guid ? strdup(guid) : NULL;
	e->pid = pid;
	e->image = image ? strdup(image) : NULL;
	return e;
}

#define G_EDGE "10000000-0001-0001-0000-000000000001"
#define G_DROP "10000000-0002-0002-0000-000000000001"
#define G_DROP2 "10000000-0002-0002-ffff-000000000009"   /* alias */
#define G_CHILD "10000000-0003-0003-0000-000000000001"
#define G_REUSE "10000000-0009-0009-0000-000000000001"   /* same pid as drop */
#define G_EXPL "10000000-0000-0007-0000-000000000001"
#define G_SVC "10000000-0000-0008-0000-000000000001"

static void scenario(struct evs *s)
{
	struct ev *e;
	e = add(s, EV_PROCESS_START, T0, G_EDGE, 10, "C:\\Edge\\msedge.exe");
	e->parent_guid = strdup(G_EXPL);
	e->parent_pid = 5;
	e->parent_image = strdup("C:\\Windows\\explorer.exe");
	e = add(s, EV_DNS_QUERY, T0 + 1 * SEC, G_EDGE, 10, "C:\\Edge\\msedge.exe");
	e->target = strdup("evil.example");
	e->details = strdup("::ffff:10.0.0.9;");
	e = add(s, EV_NET_CONNECT, T0 + 2 * SEC, G_EDGE, 10, "C:\\Edge\\msedge.exe");
	e->remote_ip = strdup("10.0.0.9");
	e->remote_port = 80;
	e->proto = strdup("TCP");
	/* The download: a .crdownload with the final hash, then the file. */
	e = add(s, EV_FILE_CREATE, T0 + 3 * SEC, G_EDGE, 10, "C:\\Edge\\msedge.exe");
	e->target = strdup("C:\\Users\\u\\Downloads\\Unconfirmed 1.crdownload");
	e->sha256 = strdup(SHA);
	e = add(s, EV_FILE_STREAM, T0 + 4 * SEC, G_EDGE, 10, "C:\\Edge\\msedge.exe");
	e->target = strdup("c:\\users\\U\\downloads\\DROP.exe:Zone.Identifier");
	e->details = strdup("[ZoneTransfer]  ZoneId=3  HostUrl=http://evil.example/drop.exe  ");
	/* Edge's traffic a day later is not about this file. */
	e = add(s, EV_NET_CONNECT, T0 + 90000 * SEC, G_EDGE, 10, "C:\\Edge\\msedge.exe");
	e->remote_ip = strdup("192.0.2.1");
	e->remote_port = 443;
	/* Explorer runs it; it starts a child; both act. */
	e = add(s, EV_PROCESS_START, T0 + 10 * SEC, G_DROP, 20, FILE_PATH);
	e->parent_guid = strdup(G_EXPL);
	e->parent_pid = 5;
	e->parent_image = strdup("C:\\Windows\\explorer.exe");
	e->sha256 = strdup(SHA);
	e->signed_ = -1;
	e->company = strdup("-");
	e->cmdline = strdup("drop.exe \x1b[2J");
	e = add(s, EV_IMAGE_LOAD, T0 + 11 * SEC, G_DROP2, 20, FILE_PATH);
	e->target = strdup(FILE_PATH);
	e->sha256 = strdup(SHA);
	e->signed_ = 1;
	e->signature = strdup("Totally Legit Ltd");
	e->company = strdup("Legit");
	e = add(s, EV_PROCESS_START, T0 + 12 * SEC, G_CHILD, 30, "C:\\Windows\\cmd.exe");
	e->parent_guid = strdup(G_DROP2);
	e->parent_pid = 20;
	e = add(s, EV_FILE_CREATE, T0 + 13 * SEC, G_CHILD, 30, "C:\\Windows\\cmd.exe");
	e->target = strdup("C:\\Temp\\out.txt");
	e = add(s, EV_REGISTRY_SET, T0 + 14 * SEC, G_CHILD, 30, "C:\\Windows\\cmd.exe");
	e->target = strdup("HKCU\\Software\\x");
	e->details = strdup("1");
	/* Network hours off: still joined by identity. */
	e = add(s, EV_NET_CONNECT, T0 - 5 * 3600 * SEC, G_CHILD, 30, "C:\\Windows\\cmd.exe");
	e->remote_ip = strdup("10.0.0.9");
	e->remote_port = 4444;
	/* A service entry naming the file, by a process outside the tree. */
	e = add(s, EV_REGISTRY_SET, T0 + 9 * SEC, G_SVC, 600, "C:\\Windows\\services.exe");
	e->target = strdup("HKLM\\System\\CurrentControlSet\\Services\\Drop\\ImagePath");
	e->details = strdup("C:\\Users\\u\\Downloads\\drop.exe");
	/* pid 20 reused later by another process: its events must not count. */
	add(s, EV_PROCESS_END, T0 + 20 * SEC, G_DROP2, 20, FILE_PATH);
	e = add(s, EV_PROCESS_START, T0 + 30 * SEC, G_REUSE, 20, "C:\\Windows\\notepad.exe");
	e = add(s, EV_FILE_CREATE, T0 + 31 * SEC, G_REUSE, 20, "C:\\Windows\\notepad.exe");
	e->target = strdup("C:\\Temp\\not-ours.txt");
}

static void free_evs(struct evs *s)
{
	for (size_t i = 0; i < s->n; i++)
		ev_clear(&s->v[i]);
}

static const struct rp_alert ALERT = {
	7, "acme", "PC1", FILE_PATH, SHA, "Trojan", "allowed", T0 + 15 * SEC, T0 + 16 * SEC,
};

static int has_note(const struct report *r, const char *needle)
{
	for (size_t i = 0; i < r->n_notes; i++)
		if (strstr(r->notes[i].en, needle) != NULL)
			return 1;
	return 0;
}

static void test_model(void **state)
{
	(void)state;
	struct evs s = {0};
	scenario(&s);
	struct report *r = report_build(&ALERT, s.v, s.n, T0 - 7 * 86400 * SEC, T0 + 86400 * 2 * SEC);
	assert_non_null(r);

	/* 1. origin: the hash pivot and the stream (case-insensitive path). */
	assert_int_equal(r->n_origin, 2);
	assert_true(r->origin[0].by_hash);
	assert_false(r->origin[1].by_hash);
	assert_string_equal(r->origin[1].url, "http://evil.example/drop.exe");
	assert_string_equal(r->origin[1].zone, "3");
	assert_int_equal(r->origin[1].proc.pid, 10);
	assert_int_equal(r->origin[1].n_anc, 1);
	assert_true(r->origin[1].anc[0].parent_only);
	assert_true(has_note(r, "Unconfirmed 1.crdownload"));

	/* 2, 3: one execution (start + load of the same process merge). */
	assert_int_equal(r->n_exec, 1);
	assert_int_equal(r->exec[0].via, RP_VIA_START);
	assert_int_equal(r->exec[0].proc.pid, 20);
	assert_string_equal(r->exec[0].proc.cmdline, "drop.exe \\e[2J");
	assert_int_equal(r->exec[0].n_desc, 1);
	assert_int_equal(r->exec[0].desc[0].pid, 30);
	assert_int_equal(r->exec[0].desc[0].depth, 1);
	assert_true(has_note(r, "the writer is not the parent"));

	/* 4: the child's file, not the pid-reuse process's. */
	assert_int_equal(r->files_written.n, 1);
	assert_string_equal(r->files_written.v[0].path, "C:\\Temp\\out.txt");
	/* 5: the child's change and the service entry naming the file. */
	assert_int_equal(r->registry.n, 2);
	assert_true(r->registry.v[0].names_file);
	assert_false(r->registry.v[1].names_file);
	/* 6: the image load. */
	assert_int_equal(r->files_read.n, 1);
	assert_int_equal(r->files_read.v[0].signed_, 1);
	/* 7: the child's connection hours off; Edge's download traffic with
	 * its DNS name; not Edge's traffic a day later. */
	assert_int_equal(r->network.n, 3);
	assert_int_equal(r->network.v[0].remote_port, 4444);
	assert_false(r->network.v[0].origin_writer);
	assert_string_equal(r->network.v[1].proto, "dns");
	assert_true(r->network.v[1].origin_writer);
	assert_string_equal(r->network.v[2].proto, "tcp");
	assert_string_equal(r->network.v[2].path, "evil.example");

	/* 8: conflicts with sources; "-" not chosen. */
	assert_string_equal(r->attr[RP_SHA256].value, SHA);
	assert_int_equal(r->attr[RP_SHA256].n_vals, 1);
	assert_string_equal(r->attr[RP_SIGNED].value, "true");
	assert_string_equal(r->attr[RP_COMPANY].value, "Legit");
	assert_int_equal(r->attr[RP_COMPANY].n_vals, 2);
	assert_string_equal(r->attr[RP_COMPANY].vals[0].value, "-");
	assert_string_equal(r->attr[RP_COMPANY].vals[0].source,
	                    "process_start 2023-11-14T22:13:30.000Z");

	/* JSON: parses, times RFC 3339, pid numbers, nulls. */
	char *js = report_json(r, RP_EN);
	assert_non_null(js);
	json_t *j = json_loads(js, 0, NULL);
	assert_non_null(j);
	json_t *x = json_array_get(json_object_get(j, "executions"), 0);
	json_t *p = json_object_get(x, "process");
	assert_int_equal(json_integer_value(json_object_get(p, "pid")), 20);
	assert_string_equal(json_string_value(json_object_get(p, "start")),
	                    "2023-11-14T22:13:30.000Z");
	assert_string_equal(json_string_value(json_object_get(p, "end")),
	                    "2023-11-14T22:13:40.000Z");
	json_t *anc0 = json_array_get(json_object_get(x, "ancestors"), 0);
	assert_true(json_is_null(json_object_get(anc0, "start")));
	assert_true(json_is_null(json_object_get(anc0, "user")));
	json_t *conf = json_object_get(json_object_get(j, "attributes"), "conflicts");
	assert_int_equal(json_array_size(conf), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(conf, 0), "field")),
	                    "company");
	json_decref(j);
	free(js);

	char *md = report_markdown(r, RP_JA);
	assert_non_null(md);
	assert_non_null(strstr(md, "## 1. ファイルの生成経緯"));
	assert_non_null(strstr(md, "## 8. ファイル属性"));
	assert_non_null(strstr(md, "hxxp://evil.example/drop.exe"));
	free(md);
	report_free(r);
	free_evs(&s);
}

static void test_no_events(void **state)
{
	(void)state;
	struct report *r = report_build(&ALERT, NULL, 0, 0, 1);
	assert_non_null(r);
	assert_int_equal(r->n_origin, 0);
	assert_int_equal(r->n_exec, 0);
	assert_true(has_note(r, "before the recording"));
	assert_true(has_note(r, "No execution"));
	/* The alert's own hash is still an attribute. */
	assert_string_equal(r->attr[RP_SHA256].value, SHA);
	char *js = report_json(r, RP_JA);
	assert_non_null(strstr(js, "\"origin\": []"));
	free(js);
	char *md = report_markdown(r, RP_EN);
	assert_non_null(strstr(md, "None logged."));
	free(md);
	report_free(r);
}

static void expect_md(const char *in, int table, const char *want)
{
	char *o = report_md_escape(in, table);
	assert_non_null(o);
	assert_string_equal(o, want);
	free(o);
}

static void test_md_escape(void **state)
{
	(void)state;
	expect_md("C:\\Users\\x\\a.exe", 0, "C:\\Users\\x\\a.exe");
	expect_md("<script>", 0, "\\<script\\>");
	expect_md("[x](javascript:1)", 0, "\\[x\\](javascript:1)");
	expect_md("![i](u)", 0, "!\\[i\\](u)");
	expect_md("`code`", 0, "\\`code\\`");
	expect_md("a|b", 1, "a\\|b");
	expect_md("a|b", 0, "a|b");
	expect_md("*bold* _it_ ~s~ &amp;", 0, "\\*bold\\* \\_it\\_ \\~s\\~ \\&amp;");
	expect_md("snake_case_name", 0, "snake_case_name");
	/* A backslash before punctuation is doubled so it cannot escape. */
	expect_md("x\\[y", 0, "x\\\\\\[y");
	expect_md("end\\", 0, "end\\\\");
	expect_md("\\\\server\\share", 0, "\\\\\\server\\share");
	/* Sanitized escapes stay readable. */
	expect_md("\\e[2J", 0, "\\e\\[2J");
	/* No autolinks. */
	expect_md("see http://a.example/x and HTTPS://b", 0,
	          "see hxxp://a.example/x and HxxPS://b");
	expect_md("www.evil.example", 0, "www\\[.\\]evil.example");
	expect_md("ftp://h/f", 0, "fxp://h/f");
	expect_md("", 0, "");
	char *o = report_md_escape(NULL, 0);
	assert_string_equal(o, "");
	free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_no_events),
		cmocka_unit_test(test_md_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
