/* test_rules.c - alert state machine and service decisions
 * (src/core/rules.c), with an injected clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/rules.h"
#include "core/sla.h"

static struct cal cal;

static int64_t
jst(int y, int mo, int d, int h, int mi)
{
	return cal_local_us(&cal, y, mo, d, h, mi, 0);
}

static const char *
loc(int64_t t)
{
	static char bufs[8][48];
	static int next;
	char *b = bufs[next++ % 8];
	struct cal_tm tm;

	if (t == CAL_NEVER)
		return "never";
	cal_local_tm(&cal, t, &tm);
	snprintf(b, 48, "%04d-%02d-%02d %02d:%02d", tm.year, tm.month, tm.day,
	    tm.hour, tm.min);
	return b;
}

static int
setup(void **state)
{
	(void)state;
	cal_default(&cal);
	return 0;
}

/* ---- Names ---- */

static void
test_names(void **state)
{
	static const char *const states[] = {
		"onboarding", "new", "claimed", "quick_verdict",
		"quick_published", "explain_needed", "explain_verdict",
		"explain_published", "awaiting_reply", "duplicate", "closed",
	};
	enum rules_state s;
	enum rules_action a;
	enum rules_role r;
	enum rules_verdict v;
	int i;

	(void)state;
	assert_int_equal(sizeof states / sizeof states[0], RULES_STATE_COUNT);
	for (i = 0; i < RULES_STATE_COUNT; i++) {
		assert_string_equal(rules_state_name((enum rules_state)i),
		    states[i]);
		assert_int_equal(rules_state_parse(states[i], &s), 0);
		assert_int_equal(s, i);
	}
	for (i = 0; i < RULES_ACTION_COUNT; i++) {
		const char *n = rules_action_name((enum rules_action)i);

		assert_int_equal(rules_action_parse(n, &a), 0);
		assert_int_equal(a, i);
	}
	for (i = 0; i < RULES_ROLE_COUNT; i++) {
		const char *n = rules_role_name((enum rules_role)i);

		assert_int_equal(rules_role_parse(n, &r), 0);
		assert_int_equal(r, i);
	}
	assert_string_equal(rules_action_name(RULES_UNDO_DUPLICATE),
	    "undo_duplicate");
	assert_string_equal(rules_role_name(RULES_ROLE_LEAD), "lead");
	assert_int_equal(rules_state_parse("New", &s), -1);
	assert_int_equal(rules_state_parse("", &s), -1);
	assert_int_equal(rules_state_parse(NULL, &s), -1);
	assert_int_equal(rules_action_parse("isolate", &a), -1);
	assert_int_equal(rules_role_parse("admin", &r), -1);
	assert_string_equal(rules_state_name(RULES_STATE_COUNT), "?");
	assert_string_equal(rules_verdict_name(RULES_V_GRAY), "gray");
	assert_null(rules_verdict_name(RULES_V_NONE));
	assert_int_equal(rules_verdict_parse("white", &v), 0);
	assert_int_equal(v, RULES_V_WHITE);
	assert_int_equal(rules_verdict_parse("", &v), -1);
	assert_int_equal(rules_verdict_parse("grey", &v), -1);
	assert_true(rules_state_open(RULES_AWAITING_REPLY));
	assert_true(rules_state_open(RULES_ONBOARDING));
	assert_false(rules_state_open(RULES_CLOSED));
	assert_false(rules_state_open(RULES_DUPLICATE));
}

/* ---- The state machine ---- */

static enum rules_state
step(enum rules_state from, enum rules_action a, enum rules_role r,
    enum rules_verdict v, bool needs)
{
	struct rules_facts f = {v, needs};
	enum rules_state next = RULES_STATE_COUNT;
	const char *why = NULL;
	enum rules_check rc = rules_transition(from, a, r, &f, &next, &why);

	if (rc != RULES_OK)
		fail_msg("%s --%s/%s--> refused (%d): %s", rules_state_name(from),
		    rules_action_name(a), rules_role_name(r), (int)rc, why);
	return next;
}

static void
test_paths(void **state)
{
	enum rules_state s;
	const enum rules_role an = RULES_ROLE_ANALYST;

	(void)state;
	/* Quick report only (white, no explanatory). */
	s = step(RULES_NEW, RULES_CLAIM, an, RULES_V_NONE, false);
	assert_int_equal(s, RULES_CLAIMED);
	s = step(s, RULES_VERDICT_QUICK, an, RULES_V_BLACK, false);
	s = step(s, RULES_VERDICT_QUICK, an, RULES_V_WHITE, false);
	assert_int_equal(s, RULES_QUICK_VERDICT);
	s = step(s, RULES_PUBLISH_QUICK, an, RULES_V_WHITE, false);
	assert_int_equal(s, RULES_QUICK_PUBLISHED);
	s = step(s, RULES_CLOSE, an, RULES_V_NONE, false);
	assert_int_equal(s, RULES_CLOSED);

	/* Black with an explanatory report. */
	s = step(RULES_CLAIMED, RULES_VERDICT_QUICK, an, RULES_V_BLACK, true);
	s = step(s, RULES_PUBLISH_QUICK, an, RULES_V_BLACK, true);
	assert_int_equal(s, RULES_EXPLAIN_NEEDED);
	s = step(s, RULES_VERDICT_EXPLAIN, an, RULES_V_BLACK, false);
	assert_int_equal(s, RULES_EXPLAIN_VERDICT);
	s = step(s, RULES_PUBLISH_EXPLAIN, an, RULES_V_BLACK, false);
	assert_int_equal(s, RULES_EXPLAIN_PUBLISHED);
	assert_int_equal(step(s, RULES_CLOSE, an, RULES_V_NONE, false),
	    RULES_CLOSED);

	/* Gray: the explanatory report is forced, then the answer. */
	s = step(RULES_QUICK_VERDICT, RULES_PUBLISH_QUICK, an, RULES_V_GRAY,
	    false);
	assert_int_equal(s, RULES_EXPLAIN_NEEDED);
	s = step(s, RULES_VERDICT_EXPLAIN, an, RULES_V_WHITE, false);
	s = step(s, RULES_VERDICT_EXPLAIN, an, RULES_V_GRAY, false);
	s = step(s, RULES_PUBLISH_EXPLAIN, an, RULES_V_GRAY, false);
	assert_int_equal(s, RULES_AWAITING_REPLY);
	assert_int_equal(step(s, RULES_ANSWER, an, RULES_V_NONE, false),
	    RULES_CLOSED);
	assert_int_equal(step(s, RULES_GRAY_TIMEOUT, RULES_ROLE_SYSTEM,
	    RULES_V_NONE, false), RULES_CLOSED);

	/* Unclaim, onboarding close, duplicate undo, escalation flag. */
	assert_int_equal(step(RULES_CLAIMED, RULES_UNCLAIM, an, RULES_V_NONE,
	    false), RULES_NEW);
	assert_int_equal(step(RULES_ONBOARDING, RULES_CLOSE, an, RULES_V_NONE,
	    false), RULES_CLOSED);
	assert_int_equal(step(RULES_DUPLICATE, RULES_UNDO_DUPLICATE,
	    RULES_ROLE_LEAD, RULES_V_NONE, false), RULES_NEW);
	assert_int_equal(step(RULES_EXPLAIN_VERDICT, RULES_ESCALATE, an,
	    RULES_V_NONE, false), RULES_EXPLAIN_VERDICT);
	assert_int_equal(step(RULES_CLOSED, RULES_ESCALATE, RULES_ROLE_LEAD,
	    RULES_V_NONE, false), RULES_CLOSED);
}

/* The legal moves, written out independently of rules.c. */
static bool
legal(enum rules_state s, enum rules_action a)
{
	switch (a) {
	case RULES_CLAIM:
		return s == RULES_NEW;
	case RULES_UNCLAIM:
		return s == RULES_CLAIMED;
	case RULES_VERDICT_QUICK:
		return s == RULES_CLAIMED || s == RULES_QUICK_VERDICT;
	case RULES_PUBLISH_QUICK:
		return s == RULES_QUICK_VERDICT;
	case RULES_VERDICT_EXPLAIN:
		return s == RULES_EXPLAIN_NEEDED || s == RULES_EXPLAIN_VERDICT;
	case RULES_PUBLISH_EXPLAIN:
		return s == RULES_EXPLAIN_VERDICT;
	case RULES_ANSWER:
	case RULES_GRAY_TIMEOUT:
		return s == RULES_AWAITING_REPLY;
	case RULES_CLOSE:
		return s == RULES_ONBOARDING || s == RULES_QUICK_PUBLISHED ||
		    s == RULES_EXPLAIN_PUBLISHED;
	case RULES_UNDO_DUPLICATE:
		return s == RULES_DUPLICATE;
	case RULES_ESCALATE:
		return s != RULES_DUPLICATE;
	case RULES_ACTION_COUNT:
		break;
	}
	return false;
}

static bool
role_may(enum rules_role r, enum rules_action a)
{
	switch (r) {
	case RULES_ROLE_ANALYST:
		return a != RULES_UNDO_DUPLICATE && a != RULES_GRAY_TIMEOUT;
	case RULES_ROLE_LEAD:
		return a != RULES_GRAY_TIMEOUT;
	case RULES_ROLE_SYSTEM:
		return a == RULES_GRAY_TIMEOUT;
	default:
		return false;
	}
}

/* Every (role, state, action): allowed exactly when both tables say so;
 * otherwise refused with the right class and a reason, *next untouched. */
static void
test_every_transition(void **state)
{
	struct rules_facts f = {RULES_V_WHITE, false};
	int r, s, a, allowed = 0;

	(void)state;
	for (r = 0; r < RULES_ROLE_COUNT; r++)
		for (s = 0; s < RULES_STATE_COUNT; s++)
			for (a = 0; a < RULES_ACTION_COUNT; a++) {
				enum rules_state next = RULES_STATE_COUNT;
				const char *why = NULL;
				enum rules_check rc = rules_transition(
				    (enum rules_state)s, (enum rules_action)a,
				    (enum rules_role)r, &f, &next, &why);
				bool ok = rules_transition_ok((enum rules_state)s,
				    (enum rules_action)a, (enum rules_role)r, &f,
				    NULL);
				enum rules_check want = !role_may(
				    (enum rules_role)r, (enum rules_action)a) ?
				    RULES_EROLE : !legal((enum rules_state)s,
				    (enum rules_action)a) ? RULES_ESTATE : RULES_OK;

				if (rc != want)
					fail_msg("%s %s by %s: got %d want %d",
					    rules_state_name((enum rules_state)s),
					    rules_action_name((enum rules_action)a),
					    rules_role_name((enum rules_role)r),
					    (int)rc, (int)want);
				assert_int_equal(ok, rc == RULES_OK);
				if (rc == RULES_OK) {
					assert_null(why);
					assert_true(next < RULES_STATE_COUNT);
					allowed++;
				} else {
					assert_non_null(why);
					assert_int_equal(next, RULES_STATE_COUNT);
				}
			}
	/* analyst 22 + lead 23 + system 1 */
	assert_int_equal(allowed, 46);
}

static void
test_transition_inputs(void **state)
{
	struct rules_facts none = {RULES_V_NONE, false};
	enum rules_state next;
	const char *why;

	(void)state;
	/* Verdict actions without a verdict: 400, not a state error. */
	assert_int_equal(rules_transition(RULES_CLAIMED, RULES_VERDICT_QUICK,
	    RULES_ROLE_ANALYST, &none, &next, &why), RULES_EINPUT);
	assert_non_null(strstr(why, "verdict"));
	assert_int_equal(rules_transition(RULES_EXPLAIN_VERDICT,
	    RULES_PUBLISH_EXPLAIN, RULES_ROLE_ANALYST, NULL, &next, NULL),
	    RULES_EINPUT);
	assert_int_equal(rules_transition(RULES_QUICK_VERDICT,
	    RULES_PUBLISH_QUICK, RULES_ROLE_ANALYST, NULL, NULL, NULL),
	    RULES_EINPUT);
	/* Non-verdict actions need no facts. */
	assert_int_equal(rules_transition(RULES_NEW, RULES_CLAIM,
	    RULES_ROLE_ANALYST, NULL, &next, NULL), RULES_OK);
	/* Role before state: a viewer is forbidden even where nothing fits. */
	assert_int_equal(rules_transition(RULES_CLOSED, RULES_CLAIM,
	    RULES_ROLE_VIEWER, NULL, NULL, &why), RULES_EROLE);
	assert_string_equal(why, "a viewer may not change alerts");
	assert_int_equal(rules_transition(RULES_DUPLICATE, RULES_UNDO_DUPLICATE,
	    RULES_ROLE_ANALYST, NULL, NULL, &why), RULES_EROLE);
	assert_non_null(strstr(why, "lead"));
	/* Out of range values. */
	assert_int_equal(rules_transition(RULES_STATE_COUNT, RULES_CLAIM,
	    RULES_ROLE_ANALYST, NULL, NULL, NULL), RULES_ESTATE);
	assert_int_equal(rules_transition(RULES_NEW, RULES_ACTION_COUNT,
	    RULES_ROLE_ANALYST, NULL, NULL, NULL), RULES_EINPUT);
	assert_int_equal(rules_transition(RULES_NEW, RULES_CLAIM,
	    RULES_ROLE_COUNT, NULL, NULL, NULL), RULES_EROLE);
}

/* ---- New alerts ---- */

static void
test_new_alert_plain(void **state)
{
	struct rules_new_in in = {jst(2026, 11, 20, 16, 0), NULL, NULL};
	struct rules_new_out out;

	(void)state;
	rules_new_alert(&cal, NULL, &in, &out);
	assert_int_equal(out.state, RULES_NEW);
	assert_true(out.report);
	assert_string_equal(out.rule, "R-10");
	assert_string_equal(loc(out.quick_due_us), "2026-11-20 18:00");
	assert_string_equal(loc(out.explain_due_us), "2026-11-24 12:30");
	assert_int_equal(out.duplicate_of, 0);
	assert_int_equal(out.verdict, RULES_V_NONE);
	assert_string_equal(out.closed_reason, "");
}

static void
test_new_alert_exception(void **state)
{
	static const struct rules_exception list[] = {
		{7, NULL, "C:\\Program Files\\Vendor\\*"},
		{12, "ABCDEF0123", NULL},
	};
	const struct rules_exception *m;
	struct rules_prev prev = {41, jst(2026, 11, 20, 15, 0), RULES_NEW, 0, 0};
	struct rules_tenant t = {false, true, jst(2026, 11, 1, 0, 0),
		jst(2026, 12, 1, 0, 0)};
	struct rules_new_in in = {jst(2026, 11, 20, 16, 0), &prev, NULL};
	struct rules_new_out out;

	(void)state;
	m = rules_exception_match(list, 2, "abcdef0123",
	    "c:/program files/vendor/tool.exe");
	assert_non_null(m);
	assert_int_equal(m->id, 12);            /* hash before path */
	in.exception = m;
	/* Exception wins over onboarding and dedup. */
	rules_new_alert(&cal, &t, &in, &out);
	assert_int_equal(out.state, RULES_CLOSED);
	assert_int_equal(out.verdict, RULES_V_WHITE);
	assert_int_equal(out.exception_id, 12);
	assert_false(out.report);
	assert_int_equal(out.quick_due_us, 0);
	assert_int_equal(out.explain_due_us, 0);
	assert_string_equal(out.rule, "R-21");
	assert_string_equal(out.closed_reason, "exception 12 (R-21)");
}

static void
test_new_alert_onboarding(void **state)
{
	struct rules_tenant t;
	struct rules_new_in in = {0, NULL, NULL};
	struct rules_new_out out;

	(void)state;
	memset(&t, 0, sizeof t);
	rules_onboarding_window(&cal, 2026, 11, 1, 30, &t.onboarding_start_us,
	    &t.onboarding_end_us);
	assert_string_equal(loc(t.onboarding_start_us), "2026-11-01 00:00");
	assert_string_equal(loc(t.onboarding_end_us), "2026-12-01 00:00");

	in.received_us = jst(2026, 11, 20, 16, 0);
	rules_new_alert(&cal, &t, &in, &out);
	assert_int_equal(out.state, RULES_ONBOARDING);
	assert_int_equal(out.quick_due_us, 0);      /* no clocks */
	assert_int_equal(out.explain_due_us, 0);
	assert_false(out.report);
	assert_string_equal(out.rule, "R-8");

	in.received_us = t.onboarding_start_us;
	rules_new_alert(&cal, &t, &in, &out);
	assert_int_equal(out.state, RULES_ONBOARDING);
	in.received_us = t.onboarding_end_us - 1;
	rules_new_alert(&cal, &t, &in, &out);
	assert_int_equal(out.state, RULES_ONBOARDING);
	in.received_us = t.onboarding_end_us;       /* end excluded */
	rules_new_alert(&cal, &t, &in, &out);
	assert_int_equal(out.state, RULES_NEW);
	assert_int_equal(out.quick_due_us, t.onboarding_end_us + SLA_QUICK_US);

	/* An onboarding alert opens no dedup window. */
	{
		struct rules_prev prev = {5, t.onboarding_end_us - CAL_US_PER_HOUR,
			RULES_ONBOARDING, 0, 0};

		in.prev = &prev;
		rules_new_alert(&cal, &t, &in, &out);
		assert_int_equal(out.state, RULES_NEW);
		assert_int_equal(out.duplicate_of, 0);
	}
}

static void
test_new_alert_dedup(void **state)
{
	int64_t t0 = jst(2026, 11, 20, 16, 0);
	struct rules_prev a = {100, t0, RULES_CLOSED, 0, 0};
	struct rules_new_in in = {0, &a, NULL};
	struct rules_new_out out;
	struct rules_tenant ten = {true, true, 0, 0};

	(void)state;
	/* 71 h 59 min after the first: duplicate, no report, no clocks. */
	in.received_us = t0 + 71 * CAL_US_PER_HOUR + 59 * CAL_US_PER_MIN;
	rules_new_alert(&cal, &ten, &in, &out);
	assert_int_equal(out.state, RULES_DUPLICATE);
	assert_int_equal(out.duplicate_of, 100);
	assert_false(out.report);
	assert_int_equal(out.quick_due_us, 0);
	assert_string_equal(out.rule, "R-12");

	/* 72 h 01 min: a new alert. */
	in.received_us = t0 + 72 * CAL_US_PER_HOUR + CAL_US_PER_MIN;
	rules_new_alert(&cal, &ten, &in, &out);
	assert_int_equal(out.state, RULES_NEW);
	assert_int_equal(out.duplicate_of, 0);
	assert_true(out.report);

	/* A chain counts from the FIRST alert: B (t0+50h) duplicates A;
	 * C (t0+71h59m) whose previous is B still duplicates A; D (t0+73h),
	 * only 1 h after C, is outside A's window and opens its own; E
	 * (t0+74h) duplicates D. */
	{
		struct rules_prev b = {101, t0 + 50 * CAL_US_PER_HOUR,
			RULES_DUPLICATE, 100, t0};
		struct rules_prev c = {102,
			t0 + 71 * CAL_US_PER_HOUR + 59 * CAL_US_PER_MIN,
			RULES_DUPLICATE, 100, t0};
		struct rules_prev d = {103, t0 + 73 * CAL_US_PER_HOUR, RULES_NEW,
			0, 0};

		in.prev = &a;
		in.received_us = b.received_us;
		rules_new_alert(&cal, &ten, &in, &out);
		assert_int_equal(out.state, RULES_DUPLICATE);
		assert_int_equal(out.duplicate_of, 100);

		in.prev = &b;
		in.received_us = c.received_us;
		rules_new_alert(&cal, &ten, &in, &out);
		assert_int_equal(out.state, RULES_DUPLICATE);
		assert_int_equal(out.duplicate_of, 100);

		in.prev = &c;
		in.received_us = d.received_us;
		rules_new_alert(&cal, &ten, &in, &out);
		assert_int_equal(out.state, RULES_NEW);
		assert_int_equal(out.duplicate_of, 0);

		in.prev = &d;
		in.received_us = t0 + 74 * CAL_US_PER_HOUR;
		rules_new_alert(&cal, &ten, &in, &out);
		assert_int_equal(out.state, RULES_DUPLICATE);
		assert_int_equal(out.duplicate_of, 103);
	}

	/* Undoing a duplicate: the clocks still run from reception. */
	{
		int64_t q, e;

		rules_due_times(&cal, t0, &q, &e);
		assert_int_equal(q, t0 + 2 * CAL_US_PER_HOUR);
		assert_string_equal(loc(e), "2026-11-24 12:30");
		rules_due_times(&cal, t0, NULL, NULL);
	}
}

/* ---- After a verdict ---- */

static void
test_after_verdict(void **state)
{
	struct rules_tenant t = {true, true, 0, 0};
	struct rules_tenant plain = {false, false, 0, 0};
	struct rules_verdict_in in;
	struct rules_verdict_out out;
	int64_t sat = jst(2026, 11, 21, 10, 0);
	int64_t tue = jst(2026, 11, 24, 10, 0);

	(void)state;
	/* black quick verdict isolates at once, at any hour, even when
	 * an explanatory report is to follow. */
	in = (struct rules_verdict_in){RULES_PHASE_QUICK, RULES_V_BLACK, true,
		false, sat};
	rules_after_verdict(&cal, &t, &in, &out);
	assert_true(out.isolate_now);
	assert_true(out.needs_explanatory);
	assert_false(out.final);
	assert_false(out.add_exception);
	/* ... but not twice, and not without auto_isolate. */
	in.endpoint_isolated = true;
	rules_after_verdict(&cal, &t, &in, &out);
	assert_false(out.isolate_now);
	in.endpoint_isolated = false;
	rules_after_verdict(&cal, &plain, &in, &out);
	assert_false(out.isolate_now);
	rules_after_verdict(&cal, NULL, &in, &out);
	assert_false(out.isolate_now);

	/* Gray quick verdict: the explanatory report is forced. */
	in = (struct rules_verdict_in){RULES_PHASE_QUICK, RULES_V_GRAY, false,
		false, sat};
	rules_after_verdict(&cal, &t, &in, &out);
	assert_true(out.needs_explanatory);
	assert_false(out.final);
	assert_false(out.await_reply);
	assert_false(out.isolate_now);

	/* final white quick verdict on Saturday: exception Tuesday 09:00
	 * (Monday 23rd is a holiday). */
	in = (struct rules_verdict_in){RULES_PHASE_QUICK, RULES_V_WHITE, false,
		false, sat};
	rules_after_verdict(&cal, &t, &in, &out);
	assert_true(out.final);
	assert_true(out.add_exception);
	assert_string_equal(loc(out.exception_at_us), "2026-11-24 09:00");
	/* In business hours: now. */
	in.now_us = tue;
	rules_after_verdict(&cal, &t, &in, &out);
	assert_int_equal(out.exception_at_us, tue);
	/* White but explanatory to come: wait for the final verdict. */
	in.needs_explanatory = true;
	rules_after_verdict(&cal, &t, &in, &out);
	assert_false(out.add_exception);
	/* No auto_exception: nothing. */
	in.needs_explanatory = false;
	rules_after_verdict(&cal, &plain, &in, &out);
	assert_false(out.add_exception);

	/* gray explanatory verdict waits for the answer. */
	in = (struct rules_verdict_in){RULES_PHASE_EXPLAIN, RULES_V_GRAY, false,
		false, tue};
	rules_after_verdict(&cal, &t, &in, &out);
	assert_true(out.await_reply);
	assert_false(out.final);
	assert_false(out.add_exception);
	assert_false(out.isolate_now);
	assert_false(out.needs_explanatory);

	/* Explanatory black: isolate. */
	in.verdict = RULES_V_BLACK;
	rules_after_verdict(&cal, &t, &in, &out);
	assert_true(out.isolate_now);
	assert_true(out.final);

	/* The answer: used on purpose -> white (exception), not -> black. */
	assert_int_equal(rules_answer_verdict(true), RULES_V_WHITE);
	assert_int_equal(rules_answer_verdict(false), RULES_V_BLACK);
	in = (struct rules_verdict_in){RULES_PHASE_REPLY,
		rules_answer_verdict(true), false, false, sat};
	rules_after_verdict(&cal, &t, &in, &out);
	assert_true(out.add_exception);
	assert_false(out.isolate_now);
	in.verdict = rules_answer_verdict(false);
	rules_after_verdict(&cal, &t, &in, &out);
	assert_true(out.isolate_now);
	assert_false(out.add_exception);
}

static void
test_gray_timeout(void **state)
{
	int64_t published = jst(2026, 11, 26, 15, 0);
	int64_t due = sla_reply_due(&cal, published);

	(void)state;
	assert_string_equal(loc(due), "2026-12-01 17:30");
	assert_false(rules_gray_overdue(RULES_AWAITING_REPLY, due, due));
	assert_true(rules_gray_overdue(RULES_AWAITING_REPLY, due, due + 1));
	assert_false(rules_gray_overdue(RULES_CLOSED, due, due + 1));
	assert_false(rules_gray_overdue(RULES_AWAITING_REPLY, 0, due + 1));
}

static void
test_report_mails(void **state)
{
	(void)state;
	assert_true(rules_report_mails(RULES_PHASE_QUICK, RULES_V_BLACK));
	assert_false(rules_report_mails(RULES_PHASE_QUICK, RULES_V_GRAY));
	assert_false(rules_report_mails(RULES_PHASE_QUICK, RULES_V_WHITE));
	assert_true(rules_report_mails(RULES_PHASE_EXPLAIN, RULES_V_BLACK));
	assert_true(rules_report_mails(RULES_PHASE_EXPLAIN, RULES_V_GRAY));
	assert_false(rules_report_mails(RULES_PHASE_EXPLAIN, RULES_V_WHITE));
	assert_false(rules_report_mails(RULES_PHASE_REPLY, RULES_V_BLACK));
}

static void
test_business_gate(void **state)
{
	int64_t s, e;
	int64_t sat = jst(2026, 11, 21, 22, 0), tue = jst(2026, 11, 24, 10, 0);

	(void)state;
	assert_int_equal(rules_business_gate(&cal, tue, RULES_ROLE_ANALYST,
	    false, &s, &e), RULES_GATE_OPEN);
	assert_string_equal(loc(s), "2026-11-24 09:00");
	assert_int_equal(rules_business_gate(&cal, sat, RULES_ROLE_ANALYST,
	    true, &s, &e), RULES_GATE_CLOSED);
	assert_string_equal(loc(s), "2026-11-24 09:00");
	assert_string_equal(loc(e), "2026-11-24 17:30");
	assert_int_equal(rules_business_gate(&cal, sat, RULES_ROLE_LEAD,
	    false, NULL, NULL), RULES_GATE_CLOSED);
	assert_int_equal(rules_business_gate(&cal, sat, RULES_ROLE_LEAD,
	    true, NULL, NULL), RULES_GATE_URGENT);
}

/* ---- Exception matching (R-21, R-4 business applications by path) ---- */

static void
test_exception_match(void **state)
{
	static const struct rules_exception list[] = {
		{1, "", ""},
		{2, NULL, "C:\\Tools\\build.exe"},
		{3, NULL, "C:\\Users\\*\\AppData\\Local\\Vendor\\*.exe"},
		{4, "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
			NULL},
		{5, NULL, "D:\\共有\\??.exe"},
	};
	const struct rules_exception *m;
	const char *h = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

	(void)state;
	assert_true(rules_sha256_equal(h, list[3].sha256));
	assert_false(rules_sha256_equal(h, "9f86"));
	assert_false(rules_sha256_equal("", ""));
	assert_false(rules_sha256_equal(NULL, h));

	m = rules_exception_match(list, 5, h, "C:\\elsewhere\\x.exe");
	assert_non_null(m);
	assert_int_equal(m->id, 4);
	m = rules_exception_match(list, 5, NULL, "c:/tools//BUILD.EXE");
	assert_non_null(m);
	assert_int_equal(m->id, 2);
	m = rules_exception_match(list, 5, "",
	    "\\\\?\\C:\\Users\\sato\\AppData\\Local\\Vendor\\up\\agent.EXE");
	assert_non_null(m);
	assert_int_equal(m->id, 3);
	assert_null(rules_exception_match(list, 5, "00",
	    "C:\\Users\\sato\\AppData\\Roaming\\Vendor\\agent.exe"));
	assert_null(rules_exception_match(list, 5, "", ""));
	assert_null(rules_exception_match(list, 0, h, "C:\\Tools\\build.exe"));
	/* An empty entry matches nothing. */
	assert_null(rules_exception_match(list, 1, "", "C:\\x"));

	/* Path rules one by one. */
	assert_true(rules_path_match("C:\\Tools\\build.exe", "c:\\tools\\build.exe"));
	assert_false(rules_path_match("C:\\Tools\\build.exe",
	    "C:\\Tools\\build.exe.bak"));
	assert_false(rules_path_match("C:\\Tools\\build.exe", "C:\\Tools\\build"));
	assert_true(rules_path_match("C:\\Tools\\*", "C:\\Tools\\a\\b\\c.dll"));
	assert_false(rules_path_match("C:\\Tools\\*", "C:\\Toolsx\\a.dll"));
	assert_true(rules_path_match("*\\build.exe", "E:\\x\\build.exe"));
	assert_true(rules_path_match("C:\\a?c\\x", "C:\\abc\\x"));
	assert_false(rules_path_match("C:\\a?c\\x", "C:\\a\\c\\x"));
	/* '?' is one character, also a multi-byte one. */
	assert_true(rules_path_match("D:\\共有\\??.exe", "d:\\共有\\資料.EXE"));
	assert_false(rules_path_match("D:\\共有\\??.exe", "d:\\共有\\資.EXE"));
	assert_false(rules_path_match("D:\\共有\\??.exe", "d:\\共有\\資料x.EXE"));
	assert_false(rules_path_match("*??x", "あx"));
	assert_true(rules_path_match("*?x", "あx"));
	/* Non-ASCII letters are compared as they are. */
	assert_false(rules_path_match("C:\\Ä", "C:\\ä"));
	assert_true(rules_path_match("**", "anything"));
	assert_false(rules_path_match("", "C:\\x"));
	assert_false(rules_path_match(NULL, "C:\\x"));
	assert_false(rules_path_match("C:\\x", NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_names, setup),
		cmocka_unit_test_setup(test_paths, setup),
		cmocka_unit_test_setup(test_every_transition, setup),
		cmocka_unit_test_setup(test_transition_inputs, setup),
		cmocka_unit_test_setup(test_new_alert_plain, setup),
		cmocka_unit_test_setup(test_new_alert_exception, setup),
		cmocka_unit_test_setup(test_new_alert_onboarding, setup),
		cmocka_unit_test_setup(test_new_alert_dedup, setup),
		cmocka_unit_test_setup(test_after_verdict, setup),
		cmocka_unit_test_setup(test_gray_timeout, setup),
		cmocka_unit_test_setup(test_report_mails, setup),
		cmocka_unit_test_setup(test_business_gate, setup),
		cmocka_unit_test_setup(test_exception_match, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
