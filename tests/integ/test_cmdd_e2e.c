/* test_cmdd_e2e.c - itrace-cmdd with the real neighbours: the endpoint
 * simulator executing an isolation and a release end to end,
 * and a black quick report's mail reaching its contact on a real SMTP server (R-10,
 * tests/lib/smtp_sink.py, Debian's python3-aiosmtpd); a gray explanatory
 * report asking the administrator to check logs with the user by the reply
 * due. */
#include "cmdd_fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static pid_t spawn(const char *const argv[], const char *out_path)
{
	pid_t pid = fork();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || out < 0)
			_exit(126);
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int reap(pid_t pid)
{
	int st = 0;
	kill(pid, SIGTERM);
	for (int i = 0; i < 300; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *isolation(long ep)
{
	static char buf[32];
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT isolation FROM endpoint WHERE id = %ld", ep);
	char *v = th_scalar(fx.pg, sql);
	snprintf(buf, sizeof buf, "%s", v != NULL ? v : "?");
	free(v);
	return buf;
}

static int wait_isolation(long ep, const char *want, int ms)
{
	for (int i = 0; i < ms / 50; i++) {
		if (strcmp(isolation(ep), want) == 0)
			return 1;
		usleep(50000);
	}
	return 0;
}

/* The simulator long-polls; an isolation reaches it, it isolates itself
 * and reports; the endpoint row follows. Then the release. */
static void test_isolate_via_simulator(void **state)
{
	(void)state;
	char line[512];
	snprintf(line, sizeof line, "ws2 %s\n", fx.ws2);
	const char *tokens = th_write_file("sim.tokens", line, strlen(line));
	chmod(tokens, 0600);
	char out[600];
	snprintf(out, sizeof out, "%s/sim.out", th_tmpdir());
	const char *argv[] = {th_bin("itrace-endpoint-sim"), "--api", fx.in.url, "--tokens", tokens,
	                      "--wait", "--interval", "1", NULL};
	if (access(argv[0], X_OK) != 0) {
		print_message("itrace-endpoint-sim not built: simulator round trip skipped\n");
		return;
	}
	pid_t sim = spawn(argv, out);
	/* Wait until it is polling. */
	int polling = 0;
	for (int i = 0; i < 100 && !polling; i++) {
		json_t *h = fx_call(&fx.in, "GET", "/v1/health", NULL, NULL, 200);
		polling = fx_int(h, "waiting") > 0;
		json_decref(h);
		if (!polling)
			usleep(50000);
	}
	assert_true(polling);
	double t0 = mono();
	json_t *c = fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/isolate", fx.ep_ws2),
	                    fx.alice, "{\"reason\":\"e2e\"}", 202);
	long cmd = fx_int(c, "id");
	json_decref(c);
	assert_true(wait_isolation(fx.ep_ws2, "isolated", 10000));
	double secs = mono() - t0;
	print_message("isolate -> isolated via the simulator: %.3f s\n", secs);
	assert_true(secs < 3.0);
	c = fx_call(&fx.in, "GET", fx_path("/v1/commands/%ld", cmd), fx.alice, NULL, 200);
	assert_string_equal(fx_str(c, "state"), "done");
	json_decref(c);
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/release", fx.ep_ws2),
	                    fx.alice, "{\"reason\":\"e2e done\"}", 202));
	assert_true(wait_isolation(fx.ep_ws2, "none", 10000));
	assert_int_equal(reap(sim), 0);
}

static int count_messages(const char *dir, char *first, size_t len)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (d == NULL)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "msg-", 4) != 0 || strstr(e->d_name, ".json") == NULL)
			continue;
		if (n++ == 0 && first != NULL && strlen(dir) + strlen(e->d_name) + 2 <= len)
			sprintf(first, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	return n;
}

static void test_mail_reaches_smtp(void **state)
{
	(void)state;
	const char *py = "/usr/bin/python3";
	char dir[512], portf[600], log[600], script[600];
	snprintf(dir, sizeof dir, "%s/smtp", th_tmpdir());
	mkdir(dir, 0755);
	snprintf(portf, sizeof portf, "%s/port", dir);
	snprintf(log, sizeof log, "%s/smtp.log", th_tmpdir());
	/* Tests run from the top of the tree (tests/run-checks.sh). */
	snprintf(script, sizeof script, "tests/lib/smtp_sink.py");
	if (system("/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null") != 0 ||
	    access(script, R_OK) != 0) {
		print_message("python3-aiosmtpd or %s missing: mail end to end skipped\n", script);
		return;
	}
	const char *argv[] = {py, script, "--dir", dir, "--port", "0", NULL};
	pid_t sink = spawn(argv, log);
	char port[16] = "";
	for (int i = 0; i < 200 && port[0] == '\0'; i++) {
		FILE *f = fopen(portf, "r");
		if (f != NULL) {
			if (fgets(port, sizeof port, f) == NULL)
				port[0] = '\0';
			fclose(f);
		}
		if (port[0] == '\0')
			usleep(50000);
	}
	assert_true(port[0] != '\0');
	port[strcspn(port, "\r\n")] = '\0';
	char url[64];
	snprintf(url, sizeof url, "smtp://127.0.0.1:%s", port);
	static char env[] = FX_INSIDE;
	char *e[] = {env, NULL};
	const char *args[] = {"--smtp", url, "--job-interval", "0.2", NULL};
	struct cmdd m;
	assert_int_equal(cmdd_start(&m, fx.db, args, e), 0);

	json_t *a = fx_alert(fx.ws1, NULL, NULL);
	long id = fx_int(a, "id");
	json_decref(a);
	json_decref(fx_call(&m, "POST", fx_path("/v1/alerts/%ld/claim", id), fx.alice, NULL, 200));
	char body[128];
	snprintf(body, sizeof body, "{\"phase\":\"quick\",\"verdict\":\"black\",\"version\":%ld}",
	         fx_version(id));
	json_decref(fx_call(&m, "POST", fx_path("/v1/alerts/%ld/verdict", id), fx.alice, body, 200));
	json_decref(fx_call(&m, "POST", fx_path("/v1/alerts/%ld/reports", id), fx.alice,
	                    "{\"kind\":\"quick\"}", 201));
	char first[1024] = "";
	int n = 0;
	for (int i = 0; i < 200 && n == 0; i++) {
		n = count_messages(dir, first, sizeof first);
		if (n == 0)
			usleep(50000);
	}
	assert_int_equal(n, 1);
	struct th_out o;
	const char *cat[] = {"/bin/cat", first, NULL};
	th_run(&o, NULL, NULL, cat);
	assert_non_null(strstr(o.out, "soc@acme.example"));
	th_out_free(&o);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox o JOIN report r ON r.id = o.report_id"
	         " WHERE %ld = ANY (r.alert_ids) AND o.state = 'sent'", id);
	assert_int_equal(fx_wait_count(sql, 1, 3000), 1);
	assert_int_equal(cmdd_stop(&m), 0);
	reap(sink);
}

/* R-19 through the real daemon: a gray explanatory report (Japanese, the
 * daemon's default) tells the administrator which logs to check with the
 * user (the save, the run with its user, parent and command line), what to
 * answer, and the reply due on the tenant's business calendar: published
 * Wed 2026-11-25 10:00 JST, 3 business days -> Mon 30th 17:30 JST, the
 * same instant the alert stores; without an answer, white. The mail to the
 * contacts carries the same body. R-15: titled 解説レポート. */
static void test_gray_report_asks_the_user(void **state)
{
	(void)state;
	char *tok = ADMIN("token", "add", "--endpoint", "E2E-GRAY", "--tenant", "acme");
	const char *sha = "9999999999999999999999999999999999999999999999999999999999999999";
#define GW "{5eec0e2e-0000-0000-0000-000000000001}"
#define GF "{5eec0e2e-0000-0000-0000-000000000002}"
#define GRAYFILE "C:\\\\Users\\\\yamada\\\\Downloads\\\\tool.exe"
	char body[4000];
	snprintf(body, sizeof body,
		"{\"type\":\"event\",\"host\":\"E2E-GRAY\",\"time\":\"2026-11-24T04:59:00Z\","
		"\"kind\":\"process_start\",\"proc_guid\":\"" GW "\",\"pid\":100,"
		"\"image\":\"C:\\\\Program Files\\\\Mozilla Firefox\\\\firefox.exe\","
		"\"user\":\"CORP\\\\yamada\"}\n"
		"{\"type\":\"event\",\"host\":\"E2E-GRAY\",\"time\":\"2026-11-24T04:59:20Z\","
		"\"kind\":\"dns_query\",\"proc_guid\":\"" GW "\",\"pid\":100,"
		"\"image\":\"C:\\\\Program Files\\\\Mozilla Firefox\\\\firefox.exe\","
		"\"target\":\"tools.example.net\"}\n"
		"{\"type\":\"event\",\"host\":\"E2E-GRAY\",\"time\":\"2026-11-24T04:59:30Z\","
		"\"kind\":\"file_create\",\"proc_guid\":\"" GW "\",\"pid\":100,"
		"\"image\":\"C:\\\\Program Files\\\\Mozilla Firefox\\\\firefox.exe\","
		"\"target\":\"" GRAYFILE "\"}\n"
		"{\"type\":\"event\",\"host\":\"E2E-GRAY\",\"time\":\"2026-11-24T05:00:00Z\","
		"\"kind\":\"process_start\",\"proc_guid\":\"" GF "\",\"pid\":200,"
		"\"image\":\"" GRAYFILE "\",\"sha256\":\"%s\",\"user\":\"CORP\\\\yamada\","
		"\"cmdline\":\"tool.exe --sync <all>\",\"parent_guid\":\"" GW "\",\"parent_pid\":100,"
		"\"parent_image\":\"C:\\\\Program Files\\\\Mozilla Firefox\\\\firefox.exe\"}\n", sha);
	json_t *j = fx_call(&fx.in, "POST", "/v1/agent/events", tok, body, 200);
	assert_int_equal(fx_int(j, "events"), 4);
	json_decref(j);
	j = fx_alert(tok, sha, GRAYFILE);
	long id = fx_int(j, "id");
	json_decref(j);
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/claim", id), fx.alice, NULL,
	                    200));
	fx_verdict(id, "quick", "gray", 0);
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/reports", id), fx.alice,
	                    "{\"kind\":\"quick\"}", 201));
	fx_verdict(id, "explanatory", "gray", 0);
	j = fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/reports", id), fx.alice,
	            "{\"kind\":\"explanatory\"}", 201);
	long rid = fx_int(json_object_get(j, "report"), "id");
	json_decref(j);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT itrace_ts(reply_due) FROM alert WHERE id = %ld", id);
	char *due = th_scalar(fx.pg, sql);
	assert_string_equal(due, "2026-11-30T08:30:00.000Z");
	free(due);
	snprintf(sql, sizeof sql, "SELECT body FROM report WHERE id = %ld", rid);
	char *md = th_scalar(fx.pg, sql);
	assert_non_null(md);
	char head[64];
	snprintf(head, sizeof head, "# 解説レポート: アラート %ld\n", id);
	const char *says[] = {
		"# 解説レポート: acme (gray)\n",
		head,
		"- 判定結果: グレー（要調査）\n",
		"## グレー判定の場合（要調査）\n",
		"### サービス利用者にご確認いただきたいセキュリティログ\n",
		"- 保存: 2026-11-24T04:59:30.000Z、firefox.exe (pid 100)、ユーザー CORP\\yamada "
		"(file_create): C:\\Users\\yamada\\Downloads\\tool.exe\n",
		"  - 保存したプロセスの通信先: tools.example.net\n",
		"- 実行: 2026-11-24T05:00:00.000Z、tool.exe (pid 200)、ユーザー CORP\\yamada、"
		"起動元プロセス firefox.exe\n  - コマンドライン: tool.exe --sync \\<all\\>\n",
		"### ご返信のお願い\n",
		"検知ファイルを意図して保存もしくは実行していたか否かなど、解説レポートを参照の上、"
		"ご返信ください。\n",
		"- 返信期限: 2026-11-30 17:30 (UTC+09:00); 2026-11-30T08:30:00.000Z"
		"（本レポートの公開から 3 営業日以内）\n",
		"- 3 営業日以内に返信が無い場合はホワイト判定と同様の対応を実施します。\n",
		"### ネットワーク隔離と検体削除\n",
		"サービス管理者のご依頼に基づきネットワーク隔離が可能です（当社営業時間内対応）。",
	};
	for (size_t i = 0; i < sizeof says / sizeof says[0]; i++)
		if (strstr(md, says[i]) == NULL)
			fail_msg("no \"%s\" in the gray explanatory report:\n%s", says[i], md);
	if (strstr(md, "速報レポート: アラート") != NULL || strstr(md, "<all>") != NULL)
		fail_msg("a quick title or an unescaped command line:\n%s", md);
	free(md);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox o JOIN report r ON r.id = o.report_id"
	         " WHERE r.id = %ld AND o.body = r.body AND o.body LIKE '%%返信期限: 2026-11-30 17:30%%'",
	         rid);
	assert_int_equal(fx_num(sql), 1);
	free(tok);
#undef GW
#undef GF
#undef GRAYFILE
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isolate_via_simulator),
		cmocka_unit_test(test_mail_reaches_smtp),
		cmocka_unit_test(test_gray_report_asks_the_user),
	};
	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
