/* test_report.c - the quick report end to end: each shared OTRF file is
 * loaded into a fresh database with itrace-ingest, an alert is written
 * for the file its README names, and `itrace-tui report quick` must show
 * the chain the README describes (JSON contract of issue 2, Markdown in
 * en and ja, sanitized hostile text).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include <jansson.h>

#include "db/conn.h"
#include "th.h"

/* ---- helpers ----------------------------------------------------------------- */

/* A migrated database with `file` (under the shared otrf folder) loaded. */
static char *load(const char *file)
{
	char rel[256];
	snprintf(rel, sizeof rel, "data/otrf/%s", file);
	const char *path = th_shared(rel);
	if (path == NULL)
		return NULL;
	char *ci = th_db_new_migrated();
	assert_non_null(ci);
	struct th_out o;
	const char *argv[] = {"itrace-ingest", "--db", ci, "--tenant", "acme",
	                      "--rejects", "/dev/null", path, NULL};
	int st = th_run(&o, NULL, NULL, argv);
	if (st != 0)
		fprintf(stderr, "ingest %s: %d %s\n", file, st, o.err);
	assert_int_equal(st, 0);
	assert_non_null(strstr(o.err, "rejected 0"));
	th_out_free(&o);
	return ci;
}

/* Store one native line (alert or events) and return the alert id printed
 * ("alert <id> <host> <path>"), or 0 when none was printed. */
static long long ingest_lines(const char *ci, const char *lines)
{
	const char *f = th_write_file("lines.json", lines, strlen(lines));
	struct th_out o;
	const char *argv[] = {"itrace-ingest", "--db", ci, "--tenant", "acme",
	                      "--rejects", "/dev/null", f, NULL};
	int st = th_run(&o, NULL, NULL, argv);
	if (st != 0)
		fprintf(stderr, "ingest lines: %d %s\n", st, o.err);
	assert_int_equal(st, 0);
	long long id = 0;
	const char *p = strstr(o.out, "alert ");
	if (p != NULL)
		id = strtoll(p + 6, NULL, 10);
	th_out_free(&o);
	return id;
}

static char *report(const char *ci, long long id, const char *format, const char *lang,
                    int want_status)
{
	char ids[32];
	snprintf(ids, sizeof ids, "%lld", id);
	struct th_out o;
	const char *argv[] = {"itrace-tui", "report", "quick", "--db", ci, "--alert", ids,
	                      "--format", format, "--lang", lang, NULL};
	int st = th_run(&o, NULL, NULL, argv);
	if (st != want_status)
		fprintf(stderr, "report: status %d: %s\n", st, o.err);
	assert_int_equal(st, want_status);
	char *out = o.out;
	o.out = NULL;
	th_out_free(&o);
	return out;
}

static json_t *report_json(const char *ci, long long id)
{
	char *s = report(ci, id, "json", "en", 0);
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);
	if (j == NULL)
		fprintf(stderr, "bad JSON: %s at %d\n%s\n", je.text, je.line, s);
	assert_non_null(j);
	free(s);
	return j;
}

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static int ends_ci(const char *s, const char *suffix)
{
	if (s == NULL)
		return 0;
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* The first PROC in array a whose image ends with suffix (and pid, if >= 0). */
static json_t *find_proc(json_t *a, const char *suffix, long long pid)
{
	size_t i;
	json_t *p;
	json_array_foreach(a, i, p) {
		json_t *proc = json_object_get(p, "process");
		if (proc == NULL)
			proc = p;
		if (ends_ci(str(proc, "image"), suffix) && (pid < 0 || num(proc, "pid") == pid))
			return p;
	}
	return NULL;
}

static json_t *proc_of(json_t *item)
{
	json_t *p = json_object_get(item, "process");
	return p != NULL ? p : item;
}

static int any_note(json_t *r, const char *needle)
{
	size_t i;
	json_t *n;
	json_array_foreach(json_object_get(r, "notes"), i, n)
		if (strstr(json_string_value(n), needle) != NULL)
			return 1;
	return 0;
}

/* The first row of list whose field equals val (mode 0), starts with it
 * (1) or ends with it (2), ignoring case. */
static json_t *find_row(json_t *r, const char *list, const char *field, const char *val,
                        int mode)
{
	size_t i;
	json_t *w;
	json_array_foreach(json_object_get(r, list), i, w) {
		const char *s = str(w, field);
		if (s == NULL)
			continue;
		if (mode == 1 ? strncasecmp(s, val, strlen(val)) == 0 :
		    mode == 2 ? ends_ci(s, val) : strcasecmp(s, val) == 0)
			return w;
	}
	return NULL;
}

static json_t *find_net(json_t *r, const char *ip, long long port)
{
	size_t i;
	json_t *w;
	json_array_foreach(json_object_get(r, "network"), i, w) {
		const char *s = str(w, "remote_ip");
		if (s != NULL && strcmp(s, ip) == 0 && num(w, "remote_port") == port)
			return w;
	}
	return NULL;
}

/* Shape of the contract: every top-level key and PROC key is present. */
static void assert_contract(json_t *r)
{
	static const char *const top[] = {"alert", "lookback", "origin", "executions",
	                                   "files_written", "registry", "files_read",
	                                   "network", "attributes", "notes"};
	for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
		assert_non_null(json_object_get(r, top[i]));
	static const char *const ak[] = {"id", "tenant", "host", "path", "sha256",
	                                  "detected_at", "received_at"};
	for (size_t i = 0; i < sizeof ak / sizeof ak[0]; i++)
		assert_non_null(json_object_get(json_object_get(r, "alert"), ak[i]));
	const char *from = str(json_object_get(r, "lookback"), "from");
	assert_non_null(from);
	assert_int_equal(strlen(from), 24);           /* 2020-10-15T07:52:06.000Z */
	assert_int_equal(from[23], 'Z');
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(r, "executions"), i, x) {
		static const char *const pk[] = {"guid", "pid", "image", "cmdline", "user",
		                                  "integrity", "start", "end"};
		for (size_t k = 0; k < sizeof pk / sizeof pk[0]; k++)
			assert_non_null(json_object_get(json_object_get(x, "process"), pk[k]));
		assert_true(json_is_array(json_object_get(x, "ancestors")));
		json_t *d;
		size_t j;
		json_array_foreach(json_object_get(x, "descendants"), j, d)
			assert_true(json_is_integer(json_object_get(d, "depth")));
	}
	assert_non_null(json_object_get(json_object_get(r, "attributes"), "conflicts"));
}

/* ---- the five shared files ---------------------------------------------------- */

#define MSHTA_HTA "C:\\\\Users\\\\wardog\\\\AppData\\\\Roaming\\\\Microsoft\\\\Windows\\\\" \
	"Start Menu\\\\Programs\\\\Startup\\\\T1218.005.hta"

static void test_mshta(void **state)
{
	(void)state;
	char *ci = load("psh_mshta_html_application_execution.json");
	if (ci == NULL)
		skip();
	long long id = ingest_lines(ci,
		"{\"type\":\"alert\",\"host\":\"WORKSTATION5\",\"detected_at\":\"2020-10-22T07:52:06Z\","
		"\"path\":\"" MSHTA_HTA "\",\"detection\":\"Test\",\"action\":\"allowed\"}\n");
	assert_true(id > 0);
	json_t *r = report_json(ci, id);
	assert_contract(r);
	assert_string_equal(str(json_object_get(r, "alert"), "host"), "WORKSTATION5");

	/* 1: the HTA in Startup was written by powershell.exe (pid 10848). */
	json_t *org = find_proc(json_object_get(r, "origin"), "\\powershell.exe", 10848);
	assert_non_null(org);
	assert_string_equal(str(org, "kind"), "file_create");
	assert_string_equal(str(org, "time"), "2020-10-22T07:52:05.767Z");
	assert_true(json_is_array(json_object_get(org, "ancestors")));
	const char *writer_guid = str(proc_of(org), "guid");
	assert_non_null(writer_guid);

	/* 2, 3: mshta (9160) ran it; cmd.exe and calc.exe below, not Calculator. */
	json_t *ex = find_proc(json_object_get(r, "executions"), "\\mshta.exe", 9160);
	assert_non_null(ex);
	json_t *anc = json_object_get(ex, "ancestors");
	assert_true(json_array_size(anc) >= 1);
	json_t *parent = json_array_get(anc, json_array_size(anc) - 1);
	assert_true(ends_ci(str(parent, "image"), "\\powershell.exe"));
	assert_string_equal(str(parent, "guid"), writer_guid);
	json_t *desc = json_object_get(ex, "descendants");
	json_t *cmd = find_proc(desc, "\\cmd.exe", 7144);
	json_t *calc = find_proc(desc, "\\calc.exe", -1);
	assert_non_null(cmd);
	assert_non_null(calc);
	assert_int_equal(num(cmd, "depth"), 1);
	assert_int_equal(num(calc, "depth"), 2);
	assert_null(find_proc(desc, "\\Calculator.exe", -1));
	assert_int_equal(json_array_size(json_object_get(r, "executions")), 1);

	/* 7: the writer's download: DNS and the connection, marked by a note. */
	json_t *net = find_net(r, "151.101.208.133", 443);
	assert_non_null(net);
	assert_string_equal(str(net, "process_guid"), writer_guid);
	assert_string_equal(str(net, "dns"), "raw.githubusercontent.com");
	json_t *dns = find_row(r, "network", "dns", "raw.githubusercontent.com", 0);
	assert_non_null(dns);
	assert_true(any_note(r, "origin writer powershell.exe (pid 10848)"));
	json_decref(r);

	/* Markdown: eight numbered sections, English then Japanese. */
	char *md = report(ci, id, "md", "en", 0);
	const char *en[] = {"## 1. How the detected file was created",
	                    "## 2. Processes up to the detected file's execution",
	                    "## 3. Processes the detected file started",
	                    "## 4. Files written", "## 5. Registry edited",
	                    "## 6. Files read", "## 7. Network communication",
	                    "## 8. File attributes"};
	const char *last = md;
	for (size_t i = 0; i < 8; i++) {
		const char *p = strstr(md, en[i]);
		assert_non_null(p);
		assert_true(p > last);
		last = p;
	}
	assert_non_null(strstr(md, "mshta.exe (pid 9160)"));
	assert_non_null(strstr(md, "calc.exe (pid 10068)"));
	free(md);
	md = report(ci, id, "md", "ja", 0);
	const char *ja[] = {"## 1. ファイルの生成経緯",
	                    "## 2. 検知ファイルが実行されるまでのプロセス",
	                    "## 3. 検知ファイルが実行したプロセス",
	                    "## 4. 書き込まれたファイル", "## 5. 編集されたレジストリ",
	                    "## 6. 読み込まれたファイル", "## 7. 通信",
	                    "## 8. ファイル属性"};
	last = md;
	for (size_t i = 0; i < 8; i++) {
		const char *p = strstr(md, ja[i]);
		assert_non_null(p);
		assert_true(p > last);
		last = p;
	}
	assert_null(strstr(md, "ブラック（明らかな脅威）"));   /* no verdict yet */
	free(md);
	/* With a verdict stored, `report quick` renders the report the daemon
	 * would publish: the verdict and what the administrator may request
	 * (SPEC ), not the logs alone. */
	PGconn *vc = th_connect(ci);
	char sql[160];
	snprintf(sql, sizeof sql, "UPDATE alert SET quick_verdict = 'black' WHERE id = %lld", id);
	PGresult *vr = PQexec(vc, sql);
	assert_int_equal(PQresultStatus(vr), PGRES_COMMAND_OK);
	PQclear(vr);
	PQfinish(vc);
	md = report(ci, id, "md", "ja", 0);
	assert_non_null(strstr(md, "ブラック（明らかな脅威）"));
	assert_non_null(strstr(md, "## 1. ファイルの生成経緯"));
	free(md);
	r = report_json(ci, id);
	assert_string_equal(str(r, "kind"), "quick");
	assert_non_null(json_object_get(r, "verdict"));
	assert_string_equal(str(json_object_get(r, "verdict"), "reported"), "black");
	assert_true(json_is_object(json_object_get(r, "response")));
	json_decref(r);
	th_db_drop(ci);
}

static void test_psexec(void **state)
{
	(void)state;
	char *ci = load("cmd_psexec_lsa_secrets_dump.json");
	if (ci == NULL)
		skip();
	long long id = ingest_lines(ci,
		"{\"type\":\"alert\",\"host\":\"WORKSTATION5\",\"detected_at\":\"2020-10-19T07:30:47Z\","
		"\"path\":\"C:\\\\Windows\\\\PSEXESVC.exe\",\"sha256\":"
		"\"141b2190f51397dbd0dfde0e3904b264c91b6f81febc823ff0c33da980b69944\","
		"\"detection\":\"Test\",\"action\":\"allowed\"}\n");
	assert_true(id > 0);
	json_t *r = report_json(ci, id);
	assert_contract(r);

	/* Written by PsExec.exe (7256)... */
	json_t *org = find_proc(json_object_get(r, "origin"), "\\PsExec.exe", 7256);
	assert_non_null(org);
	const char *writer = str(proc_of(org), "guid");
	/* ...but started by services.exe: the writer is not the parent. */
	json_t *ex = find_proc(json_object_get(r, "executions"), "\\PSEXESVC.exe", 1460);
	assert_non_null(ex);
	json_t *anc = json_object_get(ex, "ancestors");
	assert_true(json_array_size(anc) >= 1);
	json_t *parent = json_array_get(anc, json_array_size(anc) - 1);
	assert_true(ends_ci(str(parent, "image"), "\\services.exe"));
	assert_string_not_equal(str(parent, "guid"), writer);
	assert_true(any_note(r, "the writer is not the parent"));
	/* reg.exe below it, writing the secrets hive. */
	assert_non_null(find_proc(json_object_get(ex, "descendants"), "\\reg.exe", -1));
	json_t *fw = find_row(r, "files_written", "path",
	                      "C:\\Users\\wardog\\AppData\\Local\\Temp\\secrets", 0);
	assert_non_null(fw);
	assert_true(ends_ci(str(fw, "image"), "\\reg.exe"));
	/* The service key, created (and deleted) by services.exe. */
	json_t *key = find_row(r, "registry", "key",
	                       "HKLM\\System\\CurrentControlSet\\Services\\PSEXESVC", 0);
	assert_non_null(key);
	assert_string_equal(str(key, "op"), "create");
	assert_non_null(find_row(r, "registry", "value", "%\\PSEXESVC.exe", 2));
	/* Attributes from the process start. */
	json_t *at = json_object_get(r, "attributes");
	assert_string_equal(str(at, "sha256"),
	                    "141b2190f51397dbd0dfde0e3904b264c91b6f81febc823ff0c33da980b69944");
	assert_string_equal(str(at, "original_file_name"), "psexesvc.exe");
	json_decref(r);
	th_db_drop(ci);
}

static void test_vbs(void **state)
{
	(void)state;
	char *ci = load("empire_launcher_vbs.json");
	if (ci == NULL)
		skip();
	long long id = ingest_lines(ci,
		"{\"type\":\"alert\",\"host\":\"WORKSTATION5\",\"detected_at\":\"2020-09-04T20:09:56Z\","
		"\"path\":\"C:\\\\Users\\\\pgustavo\\\\Desktop\\\\launcher.vbs\","
		"\"detection\":\"Test\",\"action\":\"allowed\"}\n");
	assert_true(id > 0);
	json_t *r = report_json(ci, id);
	assert_contract(r);
	/* No creation event: created before the recording. */
	assert_int_equal(json_array_size(json_object_get(r, "origin")), 0);
	assert_true(any_note(r, "before the recording"));
	/* explorer -> wscript -> powershell (2316) -> whoami. */
	json_t *ex = find_proc(json_object_get(r, "executions"), "\\wscript.exe", -1);
	assert_non_null(ex);
	assert_non_null(find_proc(json_object_get(ex, "ancestors"), "\\explorer.exe", -1));
	json_t *desc = json_object_get(ex, "descendants");
	json_t *ps = find_proc(desc, "\\powershell.exe", 2316);
	assert_non_null(ps);
	assert_int_equal(num(ps, "depth"), 1);
	json_t *who = find_proc(desc, "\\whoami.exe", -1);
	assert_non_null(who);
	assert_int_equal(num(who, "depth"), 2);
	/* The C2 connection of that powershell. */
	json_t *net = find_net(r, "10.10.10.5", 80);
	assert_non_null(net);
	assert_string_equal(str(net, "process_guid"), str(ps, "guid"));
	json_decref(r);
	th_db_drop(ci);
}

static void test_procdump(void **state)
{
	(void)state;
	char *ci = load("metasploit_procdump_lsass_memory_dump.json");
	if (ci == NULL)
		skip();
	long long id = ingest_lines(ci,
		"{\"type\":\"alert\",\"host\":\"ACCT01\",\"detected_at\":\"2023-08-16T00:34:47Z\","
		"\"path\":\"C:\\\\Users\\\\nora.quemona\\\\Downloads\\\\happy_image.jpeg.exe\","
		"\"sha256\":\"469cbfe8648f2713d2dd11e835cecdf6d7f6a29c86a94e3e9b1a072980207784\","
		"\"detection\":\"Test\",\"action\":\"allowed\"}\n");
	assert_true(id > 0);
	json_t *r = report_json(ci, id);
	assert_contract(r);
	/* Downloaded by msedge, URL from the Zone.Identifier stream. */
	json_t *org = json_object_get(r, "origin");
	json_t *url = find_row(r, "origin", "url", "http://10.0.5.13/happy_image.jpeg.exe", 0);
	assert_non_null(url);
	assert_true(ends_ci(str(proc_of(url), "image"), "\\msedge.exe"));
	assert_string_equal(str(url, "zone"), "3");
	assert_non_null(find_proc(org, "\\msedge.exe", -1));
	/* Hash pivot: the same content as the .crdownload. */
	assert_true(any_note(r, "Unconfirmed 554240.crdownload"));
	/* Run by explorer as pid 6740. */
	json_t *ex = find_proc(json_object_get(r, "executions"), "\\happy_image.jpeg.exe", 6740);
	assert_non_null(ex);
	json_t *anc = json_object_get(ex, "ancestors");
	assert_true(ends_ci(str(json_array_get(anc, json_array_size(anc) - 1), "image"),
	                    "\\explorer.exe"));
	/* payload -> cmd -> systeminfo / whoami; procdump. */
	json_t *desc = json_object_get(ex, "descendants");
	json_t *pay = find_proc(desc, "\\winx64_payload.exe", 6984);
	assert_non_null(pay);
	assert_int_equal(num(pay, "depth"), 1);
	json_t *cmd = find_proc(desc, "\\cmd.exe", -1);
	assert_non_null(cmd);
	assert_int_equal(num(cmd, "depth"), 2);
	json_t *si = find_proc(desc, "\\systeminfo.exe", -1);
	assert_non_null(si);
	assert_int_equal(num(si, "depth"), 3);
	assert_non_null(find_proc(desc, "\\whoami.exe", -1));
	assert_non_null(find_proc(desc, "\\procdump.exe", -1));
	assert_non_null(find_proc(desc, "\\procdump64.exe", -1));
	/* Meterpreter's connection, the dump file. */
	json_t *net = find_net(r, "10.0.5.13", 4433);
	assert_non_null(net);
	assert_string_equal(str(net, "process_guid"), str(pay, "guid"));
	assert_non_null(find_row(r, "files_written", "path",
	                         "C:\\Windows\\Temp\\lsass_dump-3.dmp", 0));
	assert_non_null(find_row(r, "files_written", "path", "C:\\Program Files\\procdump.exe", 0));
	json_t *at = json_object_get(r, "attributes");
	assert_string_equal(str(at, "sha256"),
	                    "469cbfe8648f2713d2dd11e835cecdf6d7f6a29c86a94e3e9b1a072980207784");
	assert_true(json_is_false(json_object_get(at, "signed")));
	json_decref(r);
	th_db_drop(ci);
}

static void test_ikeext(void **state)
{
	(void)state;
	char *ci = load("empire_scm_dll_hijack_ikeext.json");
	if (ci == NULL)
		skip();
	long long id = ingest_lines(ci,
		"{\"type\":\"alert\",\"host\":\"HR001\",\"detected_at\":\"2019-04-03T17:40:11Z\","
		"\"path\":\"C:\\\\Windows\\\\System32\\\\wlbsctrl.dll\","
		"\"sha256\":\"87fcf04326a90f64c24d2a236bb64dbca33c9bb45ed4b5ddaefbba44a80d2b6b\","
		"\"detection\":\"Test\",\"action\":\"allowed\"}\n");
	assert_true(id > 0);
	json_t *r = report_json(ci, id);
	assert_contract(r);
	assert_int_equal(strncasecmp(str(json_object_get(r, "alert"), "host"), "HR001", 5), 0);
	/* Written over SMB by System (pid 4): only HR001's events count. */
	json_t *org = json_object_get(r, "origin");
	assert_int_equal(json_array_size(org), 1);
	json_t *sys = find_proc(org, "System", 4);
	assert_non_null(sys);
	/* Loaded (never started) by the IKEEXT svchost, pid 4500. */
	json_t *ex = find_proc(json_object_get(r, "executions"), "\\svchost.exe", 4500);
	assert_non_null(ex);
	assert_true(any_note(r, "loaded the file as a module"));
	json_t *desc = json_object_get(ex, "descendants");
	json_t *net = find_proc(desc, "\\net.exe", -1);
	json_t *net1 = find_proc(desc, "\\net1.exe", -1);
	assert_non_null(net);
	assert_non_null(net1);
	assert_int_equal(num(net1, "depth"), num(net, "depth") + 1);
	/* The load says unsigned. */
	json_t *at = json_object_get(r, "attributes");
	assert_true(json_is_false(json_object_get(at, "signed")));
	assert_string_equal(str(at, "sha256"),
	                    "87fcf04326a90f64c24d2a236bb64dbca33c9bb45ed4b5ddaefbba44a80d2b6b");
	json_t *fr = find_row(r, "files_read", "path", "C:\\Windows\\System32\\wlbsctrl.dll", 0);
	assert_non_null(fr);
	assert_true(json_is_false(json_object_get(fr, "signed")));
	json_decref(r);
	th_db_drop(ci);
}

/* ---- hostile text, conflicts, errors ------------------------------------------ */

static void test_hostile_and_conflicts(void **state)
{
	(void)state;
	char *ci = th_db_new_migrated();
	assert_non_null(ci);
	/* A process start of the detected file whose command line clears the
	 * screen and writes the clipboard (OSC 52), a child with a bidi
	 * override and Markdown/HTML in its command line, and an image load
	 * that disagrees about the signature. */
	const char *lines =
		"{\"type\":\"event\",\"kind\":\"process_start\",\"time\":\"2024-05-01T10:00:00Z\","
		"\"host\":\"PC1\",\"proc_guid\":\"{11111111-2222-3333-4444-555555555555}\","
		"\"pid\":100,\"image\":\"C:\\\\Users\\\\x\\\\evil.exe\","
		"\"cmdline\":\"evil.exe \\u001b[2J\\u001b]52;c;cHduZWQ=\\u0007 \\u009b31m\","
		"\"parent_guid\":\"{11111111-2222-0000-4444-555555555555}\",\"parent_pid\":50,"
		"\"parent_image\":\"C:\\\\Windows\\\\explorer.exe\",\"signed\":false,"
		"\"company\":\"-\"}\n"
		"{\"type\":\"event\",\"kind\":\"process_start\",\"time\":\"2024-05-01T10:00:01Z\","
		"\"host\":\"PC1\",\"proc_guid\":\"{11111111-2222-3334-4444-555555555555}\","
		"\"pid\":101,\"image\":\"C:\\\\Windows\\\\cmd.exe\","
		"\"cmdline\":\"cmd /c <img src=x onerror=alert(1)> [a](http://evil.example) `x` | y \\u202egpj.exe\","
		"\"parent_guid\":\"{11111111-2222-3333-4444-000000000000}\",\"parent_pid\":100}\n"
		"{\"type\":\"event\",\"kind\":\"image_load\",\"time\":\"2024-05-01T10:00:00.5Z\","
		"\"host\":\"PC1\",\"proc_guid\":\"{11111111-2222-3333-4444-555555555555}\","
		"\"pid\":100,\"image\":\"C:\\\\Users\\\\x\\\\evil.exe\","
		"\"target\":\"C:\\\\Users\\\\x\\\\evil.exe\",\"signed\":true,"
		"\"signature\":\"Evil Corp\",\"company\":\"Evil Corp\"}\n"
		"{\"type\":\"alert\",\"host\":\"PC1\",\"detected_at\":\"2024-05-01T10:00:02Z\","
		"\"path\":\"C:\\\\Users\\\\x\\\\evil.exe\",\"detection\":\"Test\\u001b[31m\","
		"\"action\":\"allowed\"}\n";
	long long id = ingest_lines(ci, lines);
	assert_true(id > 0);

	char *raw = report(ci, id, "json", "en", 0);
	assert_null(strchr(raw, 0x1b));
	assert_null(strstr(raw, "\\u001b"));       /* not even JSON-escaped */
	assert_null(strstr(raw, "\\u0007"));
	json_t *r = json_loads(raw, 0, NULL);
	assert_non_null(r);
	json_t *ex = find_proc(json_object_get(r, "executions"), "\\evil.exe", 100);
	assert_non_null(ex);
	const char *cmd = str(json_object_get(ex, "process"), "cmdline");
	assert_non_null(strstr(cmd, "\\e[2J\\e]52;c;cHduZWQ=\\x07"));
	assert_non_null(strstr(cmd, "\\u{9B}31m"));
	json_t *child = find_proc(json_object_get(ex, "descendants"), "\\cmd.exe", 101);
	assert_non_null(child);
	assert_non_null(strstr(str(child, "cmdline"), "\\u{202E}gpj.exe"));
	/* The parent is known only from the child's parent fields. */
	assert_true(any_note(r, "known only from a child's parent fields"));
	/* Conflicts: signed false (process start) vs true (image load). */
	json_t *at = json_object_get(r, "attributes");
	size_t i;
	json_t *c;
	int signed_conflict = 0, company_conflict = 0;
	json_array_foreach(json_object_get(at, "conflicts"), i, c) {
		const char *f = str(c, "field");
		json_t *vals = json_object_get(c, "values");
		if (strcmp(f, "signed") == 0) {
			signed_conflict = 1;
			assert_int_equal(json_array_size(vals), 2);
			assert_string_equal(str(json_array_get(vals, 0), "source"),
			                    "process_start 2024-05-01T10:00:00.000Z");
			assert_true(json_is_false(json_object_get(json_array_get(vals, 0), "value")));
			assert_string_equal(str(json_array_get(vals, 1), "source"),
			                    "image_load 2024-05-01T10:00:00.500Z");
		}
		if (strcmp(f, "company") == 0)
			company_conflict = 1;
	}
	assert_true(signed_conflict);
	assert_true(company_conflict);
	assert_string_equal(str(at, "company"), "Evil Corp");   /* "-" is not chosen */
	json_decref(r);
	free(raw);

	char *md = report(ci, id, "md", "en", 0);
	assert_null(strchr(md, 0x1b));
	assert_null(strchr(md, 0x07));
	assert_null(strstr(md, "\xc2\x9b"));
	assert_null(strstr(md, "\xe2\x80\xae"));
	assert_non_null(strstr(md, "\\e\\[2J\\e\\]52;c;cHduZWQ=\\x07"));
	/* No live HTML, link or code span from the logs. */
	for (const char *p = strchr(md, '<'); p != NULL; p = strchr(p + 1, '<'))
		assert_int_equal(p[-1], '\\');      /* every '<' escaped */
	assert_null(strstr(md, "http://evil"));
	assert_non_null(strstr(md, "\\<img src=x onerror=alert(1)\\>"));
	assert_non_null(strstr(md, "\\[a\\](hxxp://evil.example)"));
	assert_non_null(strstr(md, "\\`x\\`"));
	assert_non_null(strstr(md, "Test\\e\\[31m"));
	free(md);

	/* The one-shot session (issue 2, p50 of the report): a PE file's
	 * evidence is three statements (alert, file events, processes) and
	 * no SET, whatever the caller's PGTZ; --timing says where the time
	 * went. Every session db_connect() opens is in UTC: by the startup
	 * packet (PGTZ=UTC, as the report sends it) or by a SET (another
	 * PGTZ, or none and a cluster default of another name). */
	{
		struct th_out ot;
		char ids[32];
		snprintf(ids, sizeof ids, "%lld", id);
		const char *av[] = {"itrace-tui", "report", "quick", "--db", ci, "--alert", ids,
		                    "--format", "json", "--timing", NULL};
		char *const env[] = {"PGTZ=Asia/Tokyo", NULL};
		assert_int_equal(th_run(&ot, NULL, env, av), 0);
		assert_non_null(strstr(ot.out, "\"executions\""));
		assert_non_null(strstr(ot.err, "itrace-tui: timing: connect "));
		assert_non_null(strstr(ot.err, " (3 queries, "));
		assert_non_null(strstr(ot.err, ", main "));
		assert_non_null(strstr(ot.err, "evidence: processes, registry"));
		th_out_free(&ot);
		const char *tzs[] = {"Asia/Tokyo", "UTC", NULL};
		for (size_t k = 0; k < sizeof tzs / sizeof tzs[0]; k++) {
			if (tzs[k] != NULL)
				assert_int_equal(setenv("PGTZ", tzs[k], 1), 0);
			else
				assert_int_equal(unsetenv("PGTZ"), 0);
			char *err = NULL;
			PGconn *sc = db_connect(ci, "test_report", &err);
			assert_non_null(sc);
			PGresult *q = PQexec(sc, "SELECT current_setting('TimeZone'),"
			                     " ('2024-05-01 00:30:00+09'::timestamptz)::date::text");
			assert_int_equal(PQresultStatus(q), PGRES_TUPLES_OK);
			assert_string_equal(PQgetvalue(q, 0, 0), "UTC");
			assert_string_equal(PQgetvalue(q, 0, 1), "2024-04-30");
			PQclear(q);
			PQfinish(sc);
		}
	}

	/* Unknown alert: exit 1 with the message. */
	struct th_out o;
	const char *argv[] = {"itrace-tui", "report", "quick", "--db", ci, "--alert", "999999", NULL};
	assert_int_equal(th_run(&o, NULL, NULL, argv), 1);
	assert_non_null(strstr(o.err, "itrace-tui: alert 999999 not found"));
	th_out_free(&o);
	th_db_drop(ci);

	/* No database: exit 2. */
	const char *argv2[] = {"itrace-tui", "report", "quick", "--db",
	                       "host=/nonexistent-socket-dir dbname=x connect_timeout=2",
	                       "--alert", "1", NULL};
	assert_int_equal(th_run(&o, NULL, NULL, argv2), 2);
	th_out_free(&o);
	/* Bad usage: exit 2. */
	const char *argv3[] = {"itrace-tui", "report", "quick", "--format", "pdf", NULL};
	assert_int_equal(th_run(&o, NULL, NULL, argv3), 2);
	th_out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mshta),
		cmocka_unit_test(test_psexec),
		cmocka_unit_test(test_vbs),
		cmocka_unit_test(test_procdump),
		cmocka_unit_test(test_ikeext),
		cmocka_unit_test(test_hostile_and_conflicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
