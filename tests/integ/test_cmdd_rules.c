/* test_cmdd_rules.c - the service rules through the real itrace-cmdd:
 * due times, dedup, onboarding, exceptions,
 * auto-isolation and the isolate round trip, long polls,
 * business hours with the lead's urgent override, reports
 * and mail, gray answers and the R-19 job. */
#include "cmdd_fixture.h"

#include <pthread.h>
#include <time.h>

static const char *state_of(long id)
{
	static char buf[64];
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT state FROM alert WHERE id = %ld", id);
	char *v = th_scalar(fx.pg, sql);
	snprintf(buf, sizeof buf, "%s", v != NULL ? v : "?");
	free(v);
	return buf;
}

static void test_due_times(void **state)
{
	(void)state;
	json_t *a = fx_alert(fx.ws1, NULL, NULL);
	assert_string_equal(fx_str(a, "state"), "new");
	/* Received Wed 2026-11-25 10:00 JST (fake clock, a few ms later):
	 * quick due +2 h, explanatory due +5 business hours = 15:00
	 * JST the same day. */
	assert_true(strncmp(fx_str(a, "received_at"), "2026-11-25T01:00:", 17) == 0);
	assert_true(strncmp(fx_str(a, "quick_due"), "2026-11-25T03:00:", 17) == 0);
	assert_true(strncmp(fx_str(a, "explain_due"), "2026-11-25T06:00:", 17) == 0);
	json_decref(a);
}

static void test_dedup(void **state)
{
	(void)state;
	const char *sha = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";
	json_t *a = fx_alert(fx.ws1, sha, NULL);
	json_t *b = fx_alert(fx.ws1, sha, NULL);
	json_t *c = fx_alert(fx.ws2, sha, NULL);          /* another endpoint: new */
	assert_string_equal(fx_str(a, "state"), "new");
	assert_string_equal(fx_str(b, "state"), "duplicate");
	assert_int_equal(fx_int(b, "duplicate_of"), fx_int(a, "id"));
	assert_true(json_is_null(json_object_get(b, "quick_due")));
	assert_string_equal(fx_str(c, "state"), "new");
	/* No report for a duplicate. */
	long bid = fx_int(b, "id");
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/claim", bid), fx.alice, NULL, 409));
	json_t *j = fx_report(bid, "quick", 409);
	assert_string_equal(fx_errcode(j), "invalid_transition");
	json_decref(j);
	/* Only a lead undoes it; the clocks then run from reception. */
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/undup", bid), fx.alice, NULL, 403));
	j = fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/undup", bid), fx.lead, NULL, 200);
	assert_string_equal(fx_str(j, "state"), "new");
	assert_true(json_is_null(json_object_get(j, "duplicate_of")));
	assert_true(strncmp(fx_str(j, "quick_due"), "2026-11-25T03:00:", 17) == 0);
	json_decref(j);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

static void test_onboarding(void **state)
{
	(void)state;
	json_t *a = fx_alert(fx.wn1, NULL, NULL);
	assert_string_equal(fx_str(a, "state"), "onboarding");
	assert_true(json_is_null(json_object_get(a, "quick_due")));
	long id = fx_int(a, "id");
	json_decref(a);
	/* Not triaged: an analyst closes it. */
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/claim", id), fx.alice, NULL, 409));
	json_t *j = fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/close", id), fx.alice,
	                    "{\"comment\":\"over-detection during onboarding\"}", 200);
	assert_string_equal(fx_str(j, "state"), "closed");
	json_decref(j);
}

static void test_exception_closes(void **state)
{
	(void)state;
	const char *sha = "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1";
	char body[256];
	snprintf(body, sizeof body, "{\"sha256\":\"%s\",\"reason\":\"business application\"}", sha);
	/* Outside business hours: 409 with the next window (R-14 by hand). */
	json_t *j = fx_call(&fx.out, "POST", fx_path("/v1/tenants/%ld/exceptions", fx.acme),
	                    fx.alice, body, 409);
	assert_string_equal(fx_errcode(j), "outside_business_hours");
	json_decref(j);
	j = fx_call(&fx.in, "POST", fx_path("/v1/tenants/%ld/exceptions", fx.acme), fx.alice,
	            body, 202);
	long exc = fx_int(j, "id");
	assert_true(exc > 0);
	/* Every endpoint of the tenant gets an "except" command. */
	assert_true(json_array_size(json_object_get(j, "commands")) >= 2);
	json_decref(j);
	json_t *a = fx_alert(fx.ws2, sha, NULL);
	assert_string_equal(fx_str(a, "state"), "closed");
	assert_int_equal(fx_int(a, "exception_id"), exc);
	assert_string_equal(fx_str(a, "quick_verdict"), "white");
	json_decref(a);
	/* Path entries match too (wildcards, case, separators: rules.c; R-4). */
	j = fx_call(&fx.in, "POST", fx_path("/v1/tenants/%ld/exceptions", fx.acme), fx.alice,
	            "{\"path\":\"C:\\\\Program Files\\\\Acme\\\\*.exe\",\"reason\":\"ERP\"}", 202);
	json_decref(j);
	a = fx_alert(fx.ws2, NULL, "c:/program files/acme/erp.exe");
	assert_string_equal(fx_str(a, "state"), "closed");
	json_decref(a);
}

/* black + auto_isolate queues isolation at once, with the tenant's
 * allowlist; the heartbeat delivers it; the result isolates. */
static void test_auto_isolate_round_trip(void **state)
{
	(void)state;
	json_t *a = fx_alert(fx.ws1, NULL, NULL);
	long id = fx_int(a, "id");
	json_decref(a);
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/claim", id), fx.alice, NULL, 200));
	fx_verdict(id, "quick", "black", 0);
	json_t *e = fx_call(&fx.in, "GET", fx_path("/v1/endpoints/%ld", fx.ep_ws1), fx.alice, NULL, 200);
	assert_string_equal(fx_str(e, "isolation"), "pending");
	json_decref(e);
	json_t *hb = fx_call(&fx.in, "POST", "/v1/agent/heartbeat", fx.ws1,
	                     "{\"client_version\":\"2.0.1\",\"errors\":[\"disk full\"]}", 200);
	json_t *cmds = json_object_get(hb, "commands");
	long cmd = 0;
	for (size_t i = 0; i < json_array_size(cmds); i++) {
		json_t *c = json_array_get(cmds, i);
		if (strcmp(fx_str(c, "kind"), "isolate") == 0) {
			cmd = fx_int(c, "id");
			json_t *allow = json_object_get(json_object_get(c, "args"), "allow");
			assert_int_equal(json_array_size(allow), 1);
			assert_string_equal(fx_str(json_array_get(allow, 0), "net"), "10.0.0.0/8");
			assert_int_equal(fx_int(json_array_get(allow, 0), "port"), 443);
		}
	}
	assert_true(cmd > 0);
	json_decref(hb);
	json_t *c = fx_call(&fx.in, "GET", fx_path("/v1/commands/%ld", cmd), fx.alice, NULL, 200);
	assert_string_equal(fx_str(c, "state"), "delivered");
	json_decref(c);
	/* Another endpoint cannot answer for it. */
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/agent/commands/%ld/result", cmd), fx.ws2,
	                    "{\"status\":\"done\"}", 403));
	c = fx_call(&fx.in, "POST", fx_path("/v1/agent/commands/%ld/result", cmd), fx.ws1,
	            "{\"status\":\"done\",\"detail\":{\"rules\":1}}", 200);
	assert_string_equal(fx_str(c, "state"), "done");
	json_decref(c);
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/agent/commands/%ld/result", cmd), fx.ws1,
	                    "{\"status\":\"done\"}", 409));
	e = fx_call(&fx.in, "GET", fx_path("/v1/endpoints/%ld", fx.ep_ws1), fx.alice, NULL, 200);
	assert_string_equal(fx_str(e, "isolation"), "isolated");
	assert_string_equal(fx_str(e, "client_version"), "2.0.1");
	assert_string_equal(fx_str(e, "last_error"), "disk full");
	json_decref(e);
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE rule = 'R-13'"
	         " AND object = 'endpoint:%ld'", fx.ep_ws1);
	assert_int_equal(fx_num(sql), 1);
	/* Releasing is a manual action: business hours. */
	json_t *r = fx_call(&fx.out, "POST", fx_path("/v1/endpoints/%ld/release", fx.ep_ws1),
	                    fx.alice, "{\"reason\":\"cleaned\"}", 409);
	json_t *win = json_object_get(json_object_get(r, "error"), "next_window");
	assert_string_equal(fx_str(win, "start"), "2026-11-30T00:00:00.000Z");
	assert_string_equal(fx_str(win, "end"), "2026-11-30T08:30:00.000Z");
	json_decref(r);
	r = fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/release", fx.ep_ws1), fx.alice,
	            "{\"reason\":\"cleaned\"}", 202);
	assert_string_equal(fx_str(r, "kind"), "release");
	long rel = fx_int(r, "id");
	json_decref(r);
	json_decref(fx_call(&fx.in, "POST", "/v1/agent/heartbeat", fx.ws1, "{}", 200));
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/agent/commands/%ld/result", rel), fx.ws1,
	                    "{\"status\":\"done\"}", 200));
	e = fx_call(&fx.in, "GET", fx_path("/v1/endpoints/%ld", fx.ep_ws1), fx.alice, NULL, 200);
	assert_string_equal(fx_str(e, "isolation"), "none");
	json_decref(e);
}

/* outside business hours only a lead's urgent request goes. */
static void test_business_hours(void **state)
{
	(void)state;
	const char *iso = fx_path("/v1/endpoints/%ld/isolate", fx.ep_wb1);
	json_t *j = fx_call(&fx.out, "POST", iso, fx.alice, "{\"reason\":\"user asked\"}", 409);
	assert_string_equal(fx_errcode(j), "outside_business_hours");
	json_decref(j);
	json_decref(fx_call(&fx.out, "POST", iso, fx.alice,
	                    "{\"reason\":\"user asked\",\"urgent\":true}", 403));
	json_decref(fx_call(&fx.out, "POST", iso, fx.lead, "{\"urgent\":true}", 400));
	j = fx_call(&fx.out, "POST", iso, fx.lead, "{\"reason\":\"ransomware spreading\","
	            "\"urgent\":true}", 202);
	assert_string_equal(fx_str(j, "kind"), "isolate");
	assert_string_equal(fx_str(j, "state"), "queued");
	assert_true(json_is_true(json_object_get(json_object_get(j, "args"), "urgent")));
	json_decref(j);
	/* Already pending: 409. */
	j = fx_call(&fx.in, "POST", iso, fx.alice, "{\"reason\":\"again\"}", 409);
	assert_string_equal(fx_errcode(j), "invalid_state");
	json_decref(j);
	const char *del = fx_path("/v1/endpoints/%ld/files/delete", fx.ep_wb1);
	json_decref(fx_call(&fx.out, "POST", del, fx.alice, "{\"path\":\"C:\\\\x.exe\"}", 409));
	json_decref(fx_call(&fx.in, "POST", del, fx.alice, "{\"sha256\":\"00\"}", 400));
	j = fx_call(&fx.in, "POST", del, fx.alice,
	            "{\"path\":\"C:\\\\x.exe\",\"sha256\":\"ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB\"}",
	            202);
	assert_string_equal(fx_str(json_object_get(j, "args"), "sha256"),
	                    "abababababababababababababababababababababababababababababababab");
	json_decref(j);
	const char *fetch = fx_path("/v1/endpoints/%ld/files/fetch", fx.ep_wb1);
	json_decref(fx_call(&fx.in, "POST", fetch, fx.alice, "{\"path\":\"C:\\\\x.exe\"}", 202));
}

/* A waiting heartbeat returns as soon as a command is queued. */
struct lp {
	json_t *answer;
	double secs;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *lp_main(void *arg)
{
	struct lp *l = arg;
	double t0 = mono();
	l->answer = fx_call(&fx.in, "POST", "/v1/agent/heartbeat", fx.ws2, "{\"wait\":true}", 200);
	l->secs = mono() - t0;
	return NULL;
}

static void test_long_poll(void **state)
{
	(void)state;
	/* Drain what is pending for ws2 (except commands etc.). */
	json_decref(fx_call(&fx.in, "POST", "/v1/agent/heartbeat", fx.ws2, "{}", 200));
	struct lp l[3] = {0};
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, lp_main, &l[i]);
	usleep(500000);
	/* Three waiters hold no worker: the daemon (3 threads) still answers. */
	json_t *h = fx_call(&fx.in, "GET", "/v1/health", NULL, NULL, 200);
	assert_int_equal(fx_int(h, "waiting"), 3);
	json_decref(h);
	double t0 = mono();
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/endpoints/%ld/files/fetch", fx.ep_ws2),
	                    fx.alice, "{\"path\":\"C:\\\\evidence.bin\"}", 202));
	int got = 0;
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		got += (int)json_array_size(json_object_get(l[i].answer, "commands"));
		json_decref(l[i].answer);
	}
	/* One of them got the command, all returned quickly. */
	assert_int_equal(got, 1);
	assert_true(mono() - t0 < 3.0);

	/* A command queued through another daemon wakes this one's waiter
	 * (LISTEN itrace). */
	pthread_create(&t[0], NULL, lp_main, &l[0]);
	usleep(500000);
	t0 = mono();
	json_decref(fx_call(&fx.out, "POST", fx_path("/v1/endpoints/%ld/files/fetch", fx.ep_ws2),
	                    fx.lead, "{\"path\":\"C:\\\\a.bin\",\"urgent\":true,"
	                    "\"reason\":\"weekend incident\"}", 202));
	pthread_join(t[0], NULL);
	assert_int_equal(json_array_size(json_object_get(l[0].answer, "commands")), 1);
	json_decref(l[0].answer);
	assert_true(mono() - t0 < 3.0);
}

/* Reports: quick black publishes and mails the contacts; gray needs the
 * explanatory report, which may cover several alerts, then waits
 * for the answer. */
static void test_reports_and_answer(void **state)
{
	(void)state;
	json_t *a = fx_alert(fx.wb1, NULL, NULL);
	long id = fx_int(a, "id");
	json_decref(a);
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/claim", id), fx.bob, NULL, 200));
	fx_verdict(id, "quick", "black", 0);
	json_t *r = fx_report(id, "quick", 201);
	json_t *rep = json_object_get(r, "report");
	assert_string_equal(fx_str(rep, "verdict"), "black");
	assert_true(json_is_true(json_object_get(rep, "mailed")));
	long rid = fx_int(rep, "id");
	json_decref(r);
	assert_string_equal(state_of(id), "quick_published");
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE report_id = %ld"
	         " AND recipients = '{sec@beta.example}' AND state = 'queued'", rid);
	assert_int_equal(fx_num(sql), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM report WHERE id = %ld AND body LIKE"
	         " '%%Quick report%%' AND purge_after > published_at + interval '12 months'", rid);
	assert_int_equal(fx_num(sql), 1);
	/* Twice: 409. */
	json_decref(fx_report(id, "quick", 409));

	/* Two gray alerts, one explanatory report. */
	long g[2];
	for (int i = 0; i < 2; i++) {
		json_t *x = fx_alert(fx.wb1, NULL, NULL);
		g[i] = fx_int(x, "id");
		json_decref(x);
		json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/claim", g[i]), fx.alice,
		                    NULL, 200));
		fx_verdict(g[i], "quick", "gray", 0);
		json_t *q = fx_report(g[i], "quick", 201);
		/* A gray quick report is not mailed (R-10: black only). */
		assert_false(json_is_true(json_object_get(json_object_get(q, "report"), "mailed")));
		json_decref(q);
		assert_string_equal(state_of(g[i]), "explain_needed");
		fx_verdict(g[i], "explanatory", "gray", 0);
	}
	/* An alert of another tenant cannot join. */
	json_t *other = fx_alert(fx.ws2, NULL, NULL);
	char body[200];
	snprintf(body, sizeof body, "{\"kind\":\"explanatory\",\"alerts\":[%ld]}", fx_int(other, "id"));
	json_decref(other);
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/reports", g[0]), fx.alice,
	                    body, 400));
	snprintf(body, sizeof body, "{\"kind\":\"explanatory\",\"alerts\":[%ld],"
	         "\"comment\":\"Two downloads of the same tool\"}", g[1]);
	r = fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/reports", g[0]), fx.alice, body, 201);
	assert_int_equal(json_array_size(json_object_get(json_object_get(r, "report"), "alert_ids")), 2);
	assert_true(json_is_true(json_object_get(json_object_get(r, "report"), "mailed")));
	json_decref(r);
	for (int i = 0; i < 2; i++) {
		json_t *x = fx_call(&fx.in, "GET", fx_path("/v1/alerts/%ld", g[i]), fx.alice, NULL, 200);
		assert_string_equal(fx_str(x, "state"), "awaiting_reply");
		/* Published Wed 25th: 3 business days -> end of Mon 30th. */
		assert_string_equal(fx_str(x, "reply_due"), "2026-11-30T08:30:00.000Z");
		json_decref(x);
	}
	/* The administrator says the file was not run on purpose: black,
	 * closed. */
	json_t *x = fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/answer", g[0]), fx.alice,
	                    "{\"intended\":false,\"by\":\"admin@beta\",\"note\":\"unknown file\"}", 200);
	assert_string_equal(fx_str(x, "state"), "closed");
	assert_string_equal(fx_str(x, "explain_verdict"), "black");
	assert_false(json_is_true(json_object_get(json_object_get(x, "answer"), "intended")));
	json_decref(x);
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/answer", g[0]), fx.alice,
	                    "{\"intended\":true}", 409));
	json_decref(fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/answer", g[1]), fx.alice,
	                    "{\"intended\":\"yes\"}", 400));

	/* no answer in time -> white, by the job, audited. Make the
	 * second one overdue. */
	snprintf(sql, sizeof sql, "UPDATE alert SET reply_due = '2026-11-20T00:00:00Z'"
	         " WHERE id = %ld", g[1]);
	PQclear(PQexec(fx.pg, sql));
	snprintf(sql, sizeof sql, "SELECT count(*) FROM alert WHERE id = %ld AND state = 'closed'"
	         " AND explain_verdict = 'white'", g[1]);
	assert_int_equal(fx_wait_count(sql, 1, 5000), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE object = 'alert:%ld'"
	         " AND rule = 'R-19' AND actor = 'system'", g[1]);
	assert_int_equal(fx_num(sql), 1);
	/* beta has auto_exception: a final white adds the file in business
	 * hours; the in-daemon's clock is inside them. */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM exception e JOIN alert a ON a.sha256 ="
	         " e.sha256 WHERE a.id = %ld AND e.tenant_id = %ld", g[1], fx.beta);
	assert_int_equal(fx_num(sql), 1);
}

/* Escalation is a flag; client upgrades reach endpoints. */
static void test_escalate_and_upgrade(void **state)
{
	(void)state;
	json_t *a = fx_alert(fx.ws2, NULL, NULL);
	long id = fx_int(a, "id");
	json_decref(a);
	json_t *j = fx_call(&fx.in, "POST", fx_path("/v1/alerts/%ld/escalate", id), fx.alice,
	                    "{\"reason\":\"forensics requested\"}", 200);
	assert_true(json_is_true(json_object_get(j, "escalated")));
	assert_string_equal(fx_str(j, "escalation_reason"), "forensics requested"); /* */
	assert_string_equal(fx_str(j, "state"), "new");
	json_decref(j);
	free(ADMIN("release", "add", "3.0.0"));
	const char *bad[] = {"tenant", "set", "acme", "--client-version", "9.9", NULL};
	assert_null(cmdd_admin(fx.db, bad));
	free(ADMIN("tenant", "set", "acme", "--client-version", "3.0.0"));
	json_t *hb = fx_call(&fx.in, "POST", "/v1/agent/heartbeat", fx.ws2,
	                     "{\"client_version\":\"2.0.0\"}", 200);
	int upgrades = 0;
	json_t *cmds = json_object_get(hb, "commands");
	for (size_t i = 0; i < json_array_size(cmds); i++) {
		json_t *c = json_array_get(cmds, i);
		if (strcmp(fx_str(c, "kind"), "upgrade") == 0) {
			upgrades++;
			assert_string_equal(fx_str(json_object_get(c, "args"), "version"), "3.0.0");
		}
	}
	assert_int_equal(upgrades, 1);
	json_decref(hb);
	json_t *e = fx_call(&fx.in, "GET", fx_path("/v1/endpoints/%ld", fx.ep_ws2), fx.alice, NULL, 200);
	assert_string_equal(fx_str(e, "upgrade"), "pending");
	json_decref(e);
	json_decref(fx_call(&fx.in, "POST", "/v1/agent/heartbeat", fx.ws2,
	                    "{\"client_version\":\"3.0.0\"}", 200));
	e = fx_call(&fx.in, "GET", fx_path("/v1/endpoints/%ld", fx.ep_ws2), fx.alice, NULL, 200);
	assert_string_equal(fx_str(e, "upgrade"), "current");
	json_decref(e);
}

/* a final white outside business hours schedules the exception for
 * the next business window; the job adds it when that window comes. */
static void test_auto_exception_later(void **state)
{
	(void)state;
	json_t *a = fx_alert(fx.wb1, NULL, NULL);
	long id = fx_int(a, "id");
	json_decref(a);
	json_decref(fx_call(&fx.out, "POST", fx_path("/v1/alerts/%ld/claim", id), fx.alice, NULL, 200));
	char body[128];
	snprintf(body, sizeof body, "{\"phase\":\"quick\",\"verdict\":\"white\",\"version\":%ld}",
	         fx_version(id));
	json_decref(fx_call(&fx.out, "POST", fx_path("/v1/alerts/%ld/verdict", id), fx.alice, body, 200));
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM exception_pending WHERE alert_id = %ld"
	         " AND done_at IS NULL AND not_before = '2026-11-30T00:00:00Z'", id);
	assert_int_equal(fx_num(sql), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM exception WHERE alert_id = %ld", id);
	assert_int_equal(fx_num(sql), 0);
	/* Let the window come (for the `in` daemon's clock). */
	snprintf(sql, sizeof sql, "UPDATE exception_pending SET not_before = '2026-11-24T00:00:00Z'"
	         " WHERE alert_id = %ld", id);
	PQclear(PQexec(fx.pg, sql));
	snprintf(sql, sizeof sql, "SELECT count(*) FROM exception WHERE alert_id = %ld"
	         " AND created_by = 'system'", id);
	assert_int_equal(fx_wait_count(sql, 1, 5000), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE rule = 'R-14'"
	         " AND action = 'exception.add' AND after->>'alert_id' = '%ld'", id);
	assert_int_equal(fx_num(sql), 1);
}

/* Commands never delivered expire after 14 days; a pending isolation
 * falls back to none. */
static void test_command_expiry(void **state)
{
	(void)state;
	char sql[512];
	snprintf(sql, sizeof sql,
	         "WITH c AS (INSERT INTO command (tenant_id, endpoint_id, kind, args, state, created_at)"
	         " VALUES (%ld, %ld, 'isolate', '{}', 'queued', '2026-11-01T00:00:00Z') RETURNING id)"
	         " UPDATE endpoint SET isolation = 'pending' WHERE id = %ld", fx.beta, fx.ep_wb1,
	         fx.ep_wb1);
	PQclear(PQexec(fx.pg, sql));
	assert_int_equal(fx_wait_count("SELECT count(*) FROM command WHERE state = 'expired'"
	                               " AND created_at = '2026-11-01T00:00:00Z'", 1, 5000), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM endpoint WHERE id = %ld"
	         " AND isolation = 'none'", fx.ep_wb1);
	long n = fx_num(sql);
	/* test_business_hours left a younger isolate queued for wb1: only
	 * when none is pending any more does the endpoint fall back. */
	assert_true(n == 0 || n == 1);
	assert_int_equal(fx_num("SELECT count(*) FROM audit WHERE action = 'command.expire'"), 1);
}

/* Admin subcommands validate their options. */
static void test_admin_validation(void **state)
{
	(void)state;
	const char *const bad[][8] = {
		{"tenant", "add", "x1", "--allow", "10.0.0.0/33:443", NULL},
		{"tenant", "add", "x2", "--allow", "10.0.0.1:0", NULL},
		{"tenant", "add", "x3", "--mode", "strict", NULL},
		{"tenant", "add", "x4", "--service-start", "2026-02-30", NULL},
		{"tenant", "add", "x5", "--contact", "not-a-mail", NULL},
		{"tenant", "add", "x6", "--onboarding-days", "-1", NULL},
		{"tenant", "add", "acme", NULL},
		{"tenant", "set", "nosuch", "--auto-isolate", NULL},
		{"token", "add", "--analyst", "z", "--role", "root", NULL},
		{"token", "add", "--endpoint", "h", NULL},
		{"token", "add", "--analyst", "z", "--role", "analyst", "--tenant", "nosuch"},
		{"release", "add", "1.0;drop", NULL},
		{"frobnicate", NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *out = cmdd_admin(fx.db, bad[i]);
		if (out != NULL)
			fail_msg("admin case %zu accepted: %s", i, out);
	}
	const char *cal = th_write_file("bad.cal", "hours 18:00-09:00\n", 18);
	const char *badcal[] = {"tenant", "set", "beta", "--calendar", cal, NULL};
	assert_null(cmdd_admin(fx.db, badcal));
	cal = th_write_file("good.cal", "hours 10:00-18:00\n", 18);
	const char *goodcal[] = {"tenant", "set", "beta", "--calendar", cal, NULL};
	char *out = cmdd_admin(fx.db, goodcal);
	assert_non_null(out);
	free(out);
	assert_int_equal(fx_num("SELECT count(*) FROM audit WHERE action = 'tenant.set'"
	                        " AND actor LIKE 'admin:%'"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_times),
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_onboarding),
		cmocka_unit_test(test_exception_closes),
		cmocka_unit_test(test_auto_isolate_round_trip),
		cmocka_unit_test(test_business_hours),
		cmocka_unit_test(test_long_poll),
		cmocka_unit_test(test_reports_and_answer),
		cmocka_unit_test(test_escalate_and_upgrade),
		cmocka_unit_test(test_auto_exception_later),
		cmocka_unit_test(test_command_expiry),
		cmocka_unit_test(test_admin_validation),
	};
	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
