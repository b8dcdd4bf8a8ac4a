/* test_report.c - the quick report model without a database: origin with
 * Zone.Identifier and hash pivot, executions, descendants, identity join
 * (pid reuse must not leak events), registry naming the file, attribute
 * conflicts, notes; the JSON shape; Markdown escaping; what each verdict's
 * report tells the administrator (SPEC R-15..R-20: title and verdicts,
 * black: isolation and sample deletion, gray: the logs to check with the
 * user and the reply due, white: the exception list) in Markdown ja/en and
 * JSON. */
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
	e->user = strdup("CORP\\<img src=x>");
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
	7, "acme", "PC1", FILE_PATH, SHA, "Trojan", "allowed", T0 + 15 * SEC, T0 + 16 * SEC, NULL,
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

/* ---- SPEC R-15..R-20: what each verdict's report says ---------------------- */

/* A reply due: Sun 2025-11-30 17:30 JST (08:30 UTC). */
#define DUE (1764491400LL * SEC)

static struct rp_facts facts_of(enum rp_kind kind, enum rp_verdict quick,
                                enum rp_verdict explain)
{
	struct rp_facts f;
	memset(&f, 0, sizeof f);
	f.kind = kind;
	f.quick = quick;
	f.explain = explain;
	f.reply_due_us = f.exception_us = f.exception_due_us = RP_NONE;
	f.has_tz = 1;
	f.tz_min = 9 * 60;
	f.isolation = RP_ISO_NONE;
	return f;
}

/* The scenario's report with facts f, in Markdown (lang) and JSON. */
static struct report *build_with(const struct rp_facts *f, struct evs *s)
{
	struct rp_alert a = ALERT;
	a.facts = f;
	scenario(s);
	struct report *r = report_build(&a, s->v, s->n, T0 - 7 * 86400 * SEC, T0 + 86400 * SEC);
	assert_non_null(r);
	return r;
}

static char *md_of(const struct report *r, enum rp_lang lang)
{
	char *md = report_markdown(r, lang);
	assert_non_null(md);
	return md;
}

static json_t *json_of(const struct report *r, enum rp_lang lang)
{
	char *js = report_json(r, lang);
	assert_non_null(js);
	json_t *j = json_loads(js, 0, NULL);
	free(js);
	assert_non_null(j);
	return j;
}

static void must(const char *md, const char *needle)
{
	if (strstr(md, needle) == NULL) {
		fprintf(stderr, "no \"%s\" in:\n%s\n", needle, md);
		fail();
	}
}

static void must_not(const char *md, const char *needle)
{
	if (strstr(md, needle) != NULL) {
		fprintf(stderr, "\"%s\" should not be in:\n%s\n", needle, md);
		fail();
	}
}

/* Every < of the Markdown is escaped (no HTML from an endpoint). */
static void no_raw_html(const char *md)
{
	for (const char *p = strchr(md, '<'); p != NULL; p = strchr(p + 1, '<'))
		if (p == md || p[-1] != '\\') {
			fprintf(stderr, "raw < at \"%.40s\" in:\n%s\n", p, md);
			fail();
		}
}

/* needle a comes before needle b. */
static void before(const char *md, const char *a, const char *b)
{
	must(md, a);
	must(md, b);
	assert_true(strstr(md, a) < strstr(md, b));
}

static const char *jstr_at(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

/* Without facts (a preview): a quick report as before, no verdict section;
 * the JSON says kind quick and null for the rest. */
static void test_sections_none(void **state)
{
	(void)state;
	struct evs s = {0};
	struct report *r = build_with(NULL, &s);
	assert_false(r->has_facts);
	assert_int_equal(report_verdict(r), RP_V_NONE);
	char *md = md_of(r, RP_EN);
	assert_true(strncmp(md, "# Quick report: alert 7\n", 24) == 0);
	must_not(md, "Verdict");
	must_not(md, "verdict (");
	free(md);
	json_t *j = json_of(r, RP_JA);
	assert_string_equal(jstr_at(j, "kind"), "quick");
	assert_true(json_is_null(json_object_get(j, "verdict")));
	assert_true(json_is_null(json_object_get(j, "response")));
	assert_true(json_is_null(json_object_get(j, "check_with_user")));
	json_decref(j);
	report_free(r);
	free_evs(&s);
}

/* R-18 black: isolation (automatic, R-1/R-13, and its state) and sample
 * deletion (on request, R-23), ja and en; JSON "response". */
static void test_sections_black(void **state)
{
	(void)state;
	struct rp_facts f = facts_of(RP_KIND_QUICK, RP_V_BLACK, RP_V_NONE);
	f.auto_isolate = 1;
	f.isolation = RP_ISO_ISOLATED;
	f.cmds[0] = (struct rp_command){41, RP_CMD_ISOLATE, RP_CS_DONE, 1, T0 + 20 * SEC,
	                                T0 + 30 * SEC};
	f.n_cmds = 1;
	struct evs s = {0};
	struct report *r = build_with(&f, &s);
	char *ja = md_of(r, RP_JA), *en = md_of(r, RP_EN);
	assert_true(strncmp(ja, "# 速報レポート: アラート 7\n", strlen("# 速報レポート: アラート 7\n")) == 0);
	must(ja, "- 判定結果: ブラック（明らかな脅威）\n");
	before(ja, "## ブラック判定の場合（明らかな脅威）\n", "## 1. ファイルの生成経緯");
	must(ja, "ファイルおよび関連するセキュリティログの内容を以下の項目1〜8でご報告します。");
	must(ja, "### ネットワーク隔離と検体削除\n");
	must(ja, "- ネットワーク隔離: ヒアリングシートのご希望（「直ちに隔離登録する」）により、"
	         "判定結果に基づいてネットワーク隔離を実施しました（指示 #41: 完了、"
	         "2023-11-15 07:13 (UTC+09:00); 2023-11-14T22:13:50.000Z）。");
	must(ja, "ヒアリングシートの通信許可設定以外の宛先には接続できません。");
	must(ja, "- 検体削除: サービス管理者のご依頼に基づき、検知されたファイルの削除が可能です"
	         "（当社営業時間内対応）。");
	must_not(ja, "グレー判定の場合");
	must_not(ja, "例外リスト");
	must(en, "- Verdict: Black (clear threat)\n");
	must(en, "## Black verdict (clear threat)\n");
	must(en, "- Network isolation: as the hearing sheet asks (isolate at once), the endpoint "
	         "was isolated on the verdict: done (command #41: done");
	must(en, "- Sample deletion: the detected file can be deleted on the administrator's "
	         "request (in business hours)");
	free(ja), free(en);
	json_t *j = json_of(r, RP_EN);
	assert_string_equal(jstr_at(j, "kind"), "quick");
	json_t *v = json_object_get(j, "verdict");
	assert_string_equal(jstr_at(v, "reported"), "black");
	assert_true(json_is_null(json_object_get(v, "explanatory")));
	assert_false(json_is_true(json_object_get(v, "changed")));
	json_t *rs = json_object_get(j, "response");
	assert_true(json_is_true(json_object_get(rs, "auto_isolate")));
	assert_string_equal(jstr_at(rs, "isolation"), "isolated");
	json_t *c0 = json_array_get(json_object_get(rs, "commands"), 0);
	assert_int_equal(json_integer_value(json_object_get(c0, "id")), 41);
	assert_string_equal(jstr_at(c0, "kind"), "isolate");
	assert_string_equal(jstr_at(c0, "state"), "done");
	assert_true(json_is_true(json_object_get(c0, "automatic")));
	assert_string_equal(jstr_at(c0, "finished_at"), "2023-11-14T22:13:50.000Z");
	json_t *may = json_object_get(rs, "may_request");
	assert_int_equal(json_array_size(may), 2);
	assert_string_equal(json_string_value(json_array_get(may, 0)), "isolate");
	assert_string_equal(json_string_value(json_array_get(may, 1)), "delete");
	assert_true(json_is_null(json_object_get(rs, "exception")));
	assert_true(json_is_null(json_object_get(j, "check_with_user")));
	json_decref(j);
	report_free(r);
	free_evs(&s);

	/* No auto_isolate, nothing done yet; a deletion asked and queued. */
	f = facts_of(RP_KIND_EXPLAIN, RP_V_BLACK, RP_V_BLACK);
	f.cmds[0] = (struct rp_command){42, RP_CMD_DELETE, RP_CS_QUEUED, 0, T0 + 20 * SEC, RP_NONE};
	f.n_cmds = 1;
	struct evs s2 = {0};
	r = build_with(&f, &s2);
	ja = md_of(r, RP_JA), en = md_of(r, RP_EN);
	assert_true(strncmp(ja, "# 解説レポート: アラート 7\n", strlen("# 解説レポート: アラート 7\n")) == 0);
	must_not(ja, "速報レポートの判定結果");     /* the same verdict: not repeated */
	must(ja, "- ネットワーク隔離: 実施していません（ヒアリングシートで「直ちに隔離登録する」は"
	         "ご希望されていません）。サービス管理者のご依頼に基づきネットワーク隔離が可能です"
	         "（当社営業時間内対応）。");
	must(ja, "- 検体削除: ご依頼に基づき検知されたファイルの削除を実施しています（指示 #42: "
	         "端末への指示の送信待ち）。");
	must(en, "# Explanatory report: alert 7\n");
	must(en, "- Network isolation: not done (the hearing sheet does not ask to isolate at "
	         "once). The endpoint can be isolated on the administrator's request");
	must(en, "- Sample deletion: the deletion of the detected file is in progress (command "
	         "#42: waiting to be sent to the endpoint).");
	free(ja), free(en);
	j = json_of(r, RP_JA);
	assert_string_equal(jstr_at(j, "kind"), "explanatory");
	c0 = json_array_get(json_object_get(json_object_get(j, "response"), "commands"), 0);
	assert_string_equal(jstr_at(c0, "kind"), "delete");
	assert_string_equal(jstr_at(c0, "state"), "queued");
	assert_true(json_is_null(json_object_get(c0, "finished_at")));
	json_decref(j);
	report_free(r);
	free_evs(&s2);
}

/* R-19 gray: the logs to check with the user (saved when, by what, from
 * where; run when, by whom, command line), the question, the reply due in
 * the tenant's zone and UTC, white without an answer; isolation and
 * deletion on request. Endpoint text stays escaped in the new section. */
static void test_sections_gray(void **state)
{
	(void)state;
	struct rp_facts f = facts_of(RP_KIND_EXPLAIN, RP_V_GRAY, RP_V_GRAY);
	f.reply_due_us = DUE;
	struct evs s = {0};
	scenario(&s);
	/* The writer also reached an address no DNS query named. */
	struct ev *e = add(&s, EV_NET_CONNECT, T0 + 2500000, G_EDGE, 10, "C:\\Edge\\msedge.exe");
	e->remote_ip = strdup("198.51.100.7");
	e->remote_port = 8443;
	struct rp_alert a0 = ALERT;
	a0.facts = &f;
	struct report *r = report_build(&a0, s.v, s.n, T0 - 7 * 86400 * SEC, T0 + 86400 * SEC);
	assert_non_null(r);
	char *ja = md_of(r, RP_JA), *en = md_of(r, RP_EN);
	must(ja, "- 判定結果: グレー（要調査）\n");
	before(ja, "## グレー判定の場合（要調査）\n", "## 1. ファイルの生成経緯");
	must(ja, "マルウェアか過検知かを判断するために、検知された端末のサービス利用者に対し"
	         "サービス管理者にて確認すべきセキュリティログの内容をご報告します");
	before(ja, "### サービス利用者にご確認いただきたいセキュリティログ\n",
	       "### ご返信のお願い\n");
	must(ja, "- 検知ファイル: C:\\Users\\u\\Downloads\\drop.exe (SHA-256 " SHA ")\n");
	must(ja, "- 保存: 2023-11-14T22:13:24.000Z、msedge.exe (pid 10)、ユーザー - (file_stream): "
	         "c:\\users\\U\\downloads\\DROP.exe:Zone.Identifier\n");
	must(ja, "  - 起動元プロセス: explorer.exe\n");
	must(ja, "  - ダウンロード元: hxxp://evil.example/drop.exe (ゾーン 3)\n");
	must(ja, "  - 保存したプロセスの通信先: evil.example, 198.51.100.7:8443\n");
	must(ja, "（同一 SHA-256、別パス）");
	must(ja, "- 実行: 2023-11-14T22:13:30.000Z、drop.exe (pid 20)、ユーザー CORP\\\\\\<img "
	         "src=x\\>、起動元プロセス explorer.exe\n  - コマンドライン: drop.exe \\e\\[2J\n");
	no_raw_html(ja);
	must(ja, "- サービス利用者、サービス管理者で検知ファイルを意図して保存もしくは実行していたか"
	         "否かなど、解説レポートを参照の上、ご返信ください。\n");
	must(ja, "- 返信期限: 2025-11-30 17:30 (UTC+09:00); 2025-11-30T08:30:00.000Z"
	         "（本レポートの公開から 3 営業日以内）\n");
	must(ja, "- 3 営業日以内に返信が無い場合はホワイト判定と同様の対応を実施します。\n");
	before(ja, "### ご返信のお願い\n", "### ネットワーク隔離と検体削除\n");
	must(ja, "サービス管理者のご依頼に基づきネットワーク隔離が可能です");
	must(ja, "検知されたファイルの削除が可能です");
	must(en, "## Gray verdict (needs investigation)\n");
	must(en, "### Security logs to check with the user\n");
	must(en, "- Saved: 2023-11-14T22:13:24.000Z by msedge.exe (pid 10), user - (file_stream)");
	must(en, "- Run: 2023-11-14T22:13:30.000Z, drop.exe (pid 20), user CORP\\\\\\<img src=x\\>, "
	         "started by explorer.exe\n");
	no_raw_html(en);
	must(en, "whether the detected file was saved or run on purpose");
	must(en, "- Reply due: 2025-11-30 17:30 (UTC+09:00); 2025-11-30T08:30:00.000Z (3 business "
	         "days after this report)\n");
	must(en, "- With no answer by then, the alert is handled as white (over-detection).\n");
	free(ja), free(en);

	json_t *j = json_of(r, RP_JA);
	json_t *c = json_object_get(j, "check_with_user");
	assert_true(json_is_object(c));
	assert_string_equal(jstr_at(c, "reply_due"), "2025-11-30T08:30:00.000Z");
	assert_string_equal(jstr_at(c, "reply_due_local"), "2025-11-30 17:30 (UTC+09:00)");
	assert_int_equal(json_integer_value(json_object_get(c, "business_days")), 3);
	assert_string_equal(jstr_at(c, "if_no_reply"), "white");
	assert_string_equal(jstr_at(c, "question"),
	                    "検知ファイルを意図して保存もしくは実行していたか否か");
	json_t *saved = json_object_get(c, "saved");
	assert_int_equal(json_array_size(saved), 2);
	json_t *s1 = json_array_get(saved, 1);
	assert_string_equal(jstr_at(s1, "url"), "http://evil.example/drop.exe");
	assert_string_equal(jstr_at(s1, "parent"), "C:\\Windows\\explorer.exe");
	json_t *rem = json_object_get(s1, "remote");
	assert_int_equal(json_array_size(rem), 2);
	assert_string_equal(json_string_value(json_array_get(rem, 0)), "evil.example");
	assert_string_equal(json_string_value(json_array_get(rem, 1)), "198.51.100.7:8443");
	json_t *run0 = json_array_get(json_object_get(c, "run"), 0);
	json_t *p = json_object_get(run0, "process");
	assert_int_equal(json_integer_value(json_object_get(p, "pid")), 20);
	assert_string_equal(jstr_at(p, "cmdline"), "drop.exe \\e[2J");
	assert_string_equal(jstr_at(p, "user"), "CORP\\<img src=x>");
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "response"),
	                                                 "may_request")), 2);
	json_decref(j);
	report_free(r);
	free_evs(&s);

	/* A gray quick report: the logs, and the due date comes with the
	 * explanatory report. */
	f = facts_of(RP_KIND_QUICK, RP_V_GRAY, RP_V_NONE);
	f.needs_explanatory = 1;
	struct evs s2 = {0};
	r = build_with(&f, &s2);
	ja = md_of(r, RP_JA);
	must(ja, "### サービス利用者にご確認いただきたいセキュリティログ\n");
	must(ja, "返信期限（解説レポートの公開から 3 営業日）は解説レポートでお知らせします。");
	must_not(ja, "- 返信期限:");
	free(ja);
	j = json_of(r, RP_EN);
	assert_true(json_is_null(json_object_get(json_object_get(j, "check_with_user"),
	                                         "reply_due")));
	json_decref(j);
	report_free(r);
	free_evs(&s2);

	/* Nothing logged: ask about the file itself. */
	f = facts_of(RP_KIND_EXPLAIN, RP_V_GRAY, RP_V_GRAY);
	struct rp_alert a = ALERT;
	a.facts = &f;
	r = report_build(&a, NULL, 0, 0, 1);
	assert_non_null(r);
	en = md_of(r, RP_EN);
	must(en, "- No save or run of the file is logged in the window: please ask the user "
	         "whether they know the file at this path.\n");
	must(en, "- Reply due: - (3 business days after this report)\n");
	free(en);
	report_free(r);
}

/* R-20 white (R-16: changed from the quick gray): the exception list
 * added, scheduled, not asked for; JSON "exception". */
static void test_sections_white(void **state)
{
	(void)state;
	struct rp_facts f = facts_of(RP_KIND_EXPLAIN, RP_V_GRAY, RP_V_WHITE);
	f.auto_exception = 1;
	f.exception_id = 12;
	f.exception_us = T0 + 40 * SEC;
	f.exception_this_alert = 1;
	struct evs s = {0};
	struct report *r = build_with(&f, &s);
	char *ja = md_of(r, RP_JA), *en = md_of(r, RP_EN);
	must(ja, "# 解説レポート: アラート 7\n");
	must(ja, "- 判定結果: ホワイト（過検知、誤検知）\n- 速報レポートの判定結果: グレー（要調査）"
	         "（分析の結果、本レポートで判定結果が変わりました）\n");
	before(ja, "## ホワイト判定の場合（過検知、誤検知）\n", "## 1. ファイルの生成経緯");
	must(ja, "- 例外リスト: ヒアリングシートのご希望（「例外リストに登録する」）により、"
	         "検知ファイルを例外リストに登録しました（2023-11-15 07:14 (UTC+09:00); "
	         "2023-11-14T22:14:00.000Z、例外 #12）。設定が反映されると、検知されたファイルは"
	         "実行可能になります。\n");
	must_not(ja, "ネットワーク隔離");
	must_not(ja, "サービス利用者にご確認");
	must(en, "- Verdict: White (over-detection or false detection)\n- Quick report's verdict: "
	         "Gray (needs investigation) (changed by this report's analysis)\n");
	must(en, "- Exception list: as the hearing sheet asks (register in the exception list), "
	         "the detected file was added to the exception list (");
	must(en, ", exception #12). Once the setting reaches the endpoints, the file can run.\n");
	free(ja), free(en);
	json_t *j = json_of(r, RP_EN);
	json_t *v = json_object_get(j, "verdict");
	assert_string_equal(jstr_at(v, "reported"), "white");
	assert_string_equal(jstr_at(v, "quick"), "gray");
	assert_string_equal(jstr_at(v, "explanatory"), "white");
	assert_true(json_is_true(json_object_get(v, "changed")));
	json_t *e = json_object_get(json_object_get(j, "response"), "exception");
	assert_string_equal(jstr_at(e, "status"), "added");
	assert_int_equal(json_integer_value(json_object_get(e, "id")), 12);
	assert_string_equal(jstr_at(e, "added_at"), "2023-11-14T22:14:00.000Z");
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "response"),
	                                                 "may_request")), 0);
	json_decref(j);
	report_free(r);
	free_evs(&s);

	/* Outside business hours: scheduled. */
	f = facts_of(RP_KIND_QUICK, RP_V_WHITE, RP_V_NONE);
	f.auto_exception = 1;
	f.exception_due_us = DUE;
	struct evs s2 = {0};
	r = build_with(&f, &s2);
	ja = md_of(r, RP_JA);
	must(ja, "当社営業時間内に例外リストに登録します（予定: 2025-11-30 17:30 (UTC+09:00); "
	         "2025-11-30T08:30:00.000Z）。");
	free(ja);
	j = json_of(r, RP_JA);
	e = json_object_get(json_object_get(j, "response"), "exception");
	assert_string_equal(jstr_at(e, "status"), "scheduled");
	assert_string_equal(jstr_at(e, "scheduled_for"), "2025-11-30T08:30:00.000Z");
	assert_true(json_is_null(json_object_get(e, "id")));
	json_decref(j);
	report_free(r);
	free_evs(&s2);

	/* The hearing sheet does not ask for it (R-2 off). */
	f = facts_of(RP_KIND_QUICK, RP_V_WHITE, RP_V_NONE);
	struct evs s3 = {0};
	r = build_with(&f, &s3);
	ja = md_of(r, RP_JA), en = md_of(r, RP_EN);
	must(ja, "- 例外リスト: ヒアリングシートで「例外リストに登録する」をご希望されていないため、"
	         "例外リストには登録していません。\n");
	must(en, "- Exception list: not added: the hearing sheet does not ask to register white "
	         "files in the exception list.\n");
	free(ja), free(en);
	j = json_of(r, RP_EN);
	assert_string_equal(jstr_at(json_object_get(json_object_get(j, "response"), "exception"),
	                            "status"), "not_requested");
	json_decref(j);
	report_free(r);
	free_evs(&s3);

	/* A quick white that still needs the explanatory report. */
	f = facts_of(RP_KIND_QUICK, RP_V_WHITE, RP_V_NONE);
	f.auto_exception = 1;
	f.needs_explanatory = 1;
	struct evs s4 = {0};
	r = build_with(&f, &s4);
	ja = md_of(r, RP_JA);
	must(ja, "解説レポートでホワイト判定が確定した後、当社営業時間内に例外リストに登録します。");
	free(ja);
	report_free(r);
	free_evs(&s4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_no_events),
		cmocka_unit_test(test_md_escape),
		cmocka_unit_test(test_sections_none),
		cmocka_unit_test(test_sections_black),
		cmocka_unit_test(test_sections_gray),
		cmocka_unit_test(test_sections_white),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
