/* rules.c - alert state machine and service decisions; see rules.h for the
 * table of states and actions.
 *
 * Design note.  The transition table is code (one switch per action) rather
 * than data because two of the moves branch on facts of the alert (gray
 * verdicts lead to the explanatory report and to the reply wait); the role
 * check comes first so that a viewer gets "forbidden" for every action,
 * whatever the state, and the console can grey out whole menus.
 */
#include "core/rules.h"

#include <stdio.h>
#include <string.h>

#include "core/sla.h"

/* ---- Names ---- */

static const char *const state_names[RULES_STATE_COUNT] = {
	[RULES_ONBOARDING] = "onboarding",
	[RULES_NEW] = "new",
	[RULES_CLAIMED] = "claimed",
	[RULES_QUICK_VERDICT] = "quick_verdict",
	[RULES_QUICK_PUBLISHED] = "quick_published",
	[RULES_EXPLAIN_NEEDED] = "explain_needed",
	[RULES_EXPLAIN_VERDICT] = "explain_verdict",
	[RULES_EXPLAIN_PUBLISHED] = "explain_published",
	[RULES_AWAITING_REPLY] = "awaiting_reply",
	[RULES_DUPLICATE] = "duplicate",
	[RULES_CLOSED] = "closed",
};

static const char *const action_names[RULES_ACTION_COUNT] = {
	[RULES_CLAIM] = "claim",
	[RULES_UNCLAIM] = "unclaim",
	[RULES_VERDICT_QUICK] = "verdict_quick",
	[RULES_PUBLISH_QUICK] = "publish_quick",
	[RULES_VERDICT_EXPLAIN] = "verdict_explain",
	[RULES_PUBLISH_EXPLAIN] = "publish_explain",
	[RULES_ANSWER] = "answer",
	[RULES_GRAY_TIMEOUT] = "gray_timeout",
	[RULES_CLOSE] = "close",
	[RULES_UNDO_DUPLICATE] = "undo_duplicate",
	[RULES_ESCALATE] = "escalate",
};

static const char *const role_names[RULES_ROLE_COUNT] = {
	[RULES_ROLE_VIEWER] = "viewer",
	[RULES_ROLE_ANALYST] = "analyst",
	[RULES_ROLE_LEAD] = "lead",
	[RULES_ROLE_SYSTEM] = "system",
	[RULES_ROLE_ENDPOINT] = "endpoint",
};

static int
find_name(const char *const *names, int count, const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < count; i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *
rules_state_name(enum rules_state s)
{
	if ((unsigned)s >= RULES_STATE_COUNT)
		return "?";
	return state_names[s];
}

int
rules_state_parse(const char *name, enum rules_state *out)
{
	int i = find_name(state_names, RULES_STATE_COUNT, name);

	if (i < 0)
		return -1;
	*out = (enum rules_state)i;
	return 0;
}

const char *
rules_action_name(enum rules_action a)
{
	if ((unsigned)a >= RULES_ACTION_COUNT)
		return "?";
	return action_names[a];
}

int
rules_action_parse(const char *name, enum rules_action *out)
{
	int i = find_name(action_names, RULES_ACTION_COUNT, name);

	if (i < 0)
		return -1;
	*out = (enum rules_action)i;
	return 0;
}

const char *
rules_role_name(enum rules_role r)
{
	if ((unsigned)r >= RULES_ROLE_COUNT)
		return "?";
	return role_names[r];
}

int
rules_role_parse(const char *name, enum rules_role *out)
{
	int i = find_name(role_names, RULES_ROLE_COUNT, name);

	if (i < 0)
		return -1;
	*out = (enum rules_role)i;
	return 0;
}

const char *
rules_verdict_name(enum rules_verdict v)
{
	switch (v) {
	case RULES_V_BLACK:
		return "black";
	case RULES_V_GRAY:
		return "gray";
	case RULES_V_WHITE:
		return "white";
	case RULES_V_NONE:
		break;
	}
	return NULL;
}

int
rules_verdict_parse(const char *name, enum rules_verdict *out)
{
	static const char *const names[] = {"", "black", "gray", "white"};
	int i = find_name(names, 4, name);

	if (i < 1)
		return -1;
	*out = (enum rules_verdict)i;
	return 0;
}

bool
rules_state_open(enum rules_state s)
{
	return (unsigned)s < RULES_STATE_COUNT && s != RULES_DUPLICATE &&
	    s != RULES_CLOSED;
}

/* ---- The state machine ---- */

static const char *
role_refusal(enum rules_action a, enum rules_role r)
{
	switch (r) {
	case RULES_ROLE_ANALYST:
		if (a == RULES_UNDO_DUPLICATE)
			return "only a lead may undo a duplicate (R-12)";
		if (a == RULES_GRAY_TIMEOUT)
			return "only the daemon's timed job turns an unanswered "
			    "gray alert white (R-19)";
		return NULL;
	case RULES_ROLE_LEAD:
		if (a == RULES_GRAY_TIMEOUT)
			return "only the daemon's timed job turns an unanswered "
			    "gray alert white (R-19)";
		return NULL;
	case RULES_ROLE_SYSTEM:
		if (a == RULES_GRAY_TIMEOUT)
			return NULL;
		return "the daemon's jobs only time out gray alerts";
	case RULES_ROLE_VIEWER:
		return "a viewer may not change alerts";
	case RULES_ROLE_ENDPOINT:
		return "an endpoint may not change alerts";
	case RULES_ROLE_COUNT:
		break;
	}
	return "unknown role";
}

static bool
has_verdict(const struct rules_facts *f)
{
	return f != NULL && (f->verdict == RULES_V_BLACK ||
	    f->verdict == RULES_V_GRAY || f->verdict == RULES_V_WHITE);
}

enum rules_check
rules_transition(enum rules_state from, enum rules_action action,
    enum rules_role role, const struct rules_facts *facts,
    enum rules_state *next, const char **why)
{
	const char *msg = NULL;
	enum rules_state to = from;
	enum rules_check rc = RULES_OK;
	bool need_verdict = false;

	if ((unsigned)action >= RULES_ACTION_COUNT) {
		rc = RULES_EINPUT;
		msg = "unknown action";
		goto out;
	}
	if ((msg = role_refusal(action, role)) != NULL) {
		rc = RULES_EROLE;
		goto out;
	}
	if ((unsigned)from >= RULES_STATE_COUNT) {
		rc = RULES_ESTATE;
		msg = "unknown state";
		goto out;
	}

	switch (action) {
	case RULES_CLAIM:
		if (from == RULES_NEW)
			to = RULES_CLAIMED;
		else
			msg = "only a new alert can be claimed";
		break;
	case RULES_UNCLAIM:
		if (from == RULES_CLAIMED)
			to = RULES_NEW;
		else
			msg = "only a claimed alert without a verdict can be "
			    "unclaimed";
		break;
	case RULES_VERDICT_QUICK:
		need_verdict = true;
		if (from == RULES_CLAIMED || from == RULES_QUICK_VERDICT)
			to = RULES_QUICK_VERDICT;
		else
			msg = "a quick verdict needs a claimed alert whose quick "
			    "report is not yet published";
		break;
	case RULES_PUBLISH_QUICK:
		need_verdict = true;
		if (from != RULES_QUICK_VERDICT)
			msg = "a quick report needs a quick verdict first";
		else if (facts != NULL && (facts->needs_explanatory ||
		    facts->verdict == RULES_V_GRAY))
			to = RULES_EXPLAIN_NEEDED;
		else
			to = RULES_QUICK_PUBLISHED;
		break;
	case RULES_VERDICT_EXPLAIN:
		need_verdict = true;
		if (from == RULES_EXPLAIN_NEEDED || from == RULES_EXPLAIN_VERDICT)
			to = RULES_EXPLAIN_VERDICT;
		else
			msg = "an explanatory verdict needs an alert whose quick "
			    "report asked for one (R-15)";
		break;
	case RULES_PUBLISH_EXPLAIN:
		need_verdict = true;
		if (from != RULES_EXPLAIN_VERDICT)
			msg = "an explanatory report needs an explanatory verdict "
			    "first";
		else if (facts != NULL && facts->verdict == RULES_V_GRAY)
			to = RULES_AWAITING_REPLY;
		else
			to = RULES_EXPLAIN_PUBLISHED;
		break;
	case RULES_ANSWER:
	case RULES_GRAY_TIMEOUT:
		if (from == RULES_AWAITING_REPLY)
			to = RULES_CLOSED;
		else
			msg = "only a gray alert awaiting the administrator's "
			    "answer can be answered or timed out (R-19)";
		break;
	case RULES_CLOSE:
		if (from == RULES_ONBOARDING || from == RULES_QUICK_PUBLISHED ||
		    from == RULES_EXPLAIN_PUBLISHED)
			to = RULES_CLOSED;
		else
			msg = "only an onboarding alert or one whose last report "
			    "is published (and not gray) can be closed";
		break;
	case RULES_UNDO_DUPLICATE:
		if (from == RULES_DUPLICATE)
			to = RULES_NEW;
		else
			msg = "the alert is not a duplicate";
		break;
	case RULES_ESCALATE:
		if (from == RULES_DUPLICATE)
			msg = "escalate the first alert, not its duplicate";
		break;
	case RULES_ACTION_COUNT:
		break;
	}
	if (msg != NULL) {
		rc = RULES_ESTATE;
		goto out;
	}
	if (need_verdict && !has_verdict(facts)) {
		rc = RULES_EINPUT;
		msg = "a verdict (black, gray or white) is required";
		goto out;
	}
out:
	if (rc == RULES_OK && next != NULL)
		*next = to;
	if (why != NULL)
		*why = msg;
	return rc;
}

bool
rules_transition_ok(enum rules_state from, enum rules_action action,
    enum rules_role role, const struct rules_facts *facts,
    enum rules_state *next)
{
	return rules_transition(from, action, role, facts, next, NULL) ==
	    RULES_OK;
}

/* ---- A new alert ---- */

/* */
void
rules_due_times(const struct cal *c, int64_t received_us,
    int64_t *quick_due_us, int64_t *explain_due_us)
{
	if (quick_due_us != NULL)
		*quick_due_us = sla_quick_due(received_us);
	if (explain_due_us != NULL)
		*explain_due_us = sla_explain_due(c, received_us);
}

/* */
void
rules_onboarding_window(const struct cal *c, int year, int month, int day,
    int days, int64_t *start_us, int64_t *end_us)
{
	int64_t s = cal_local_us(c, year, month, day, 0, 0, 0);

	if (days < 0)
		days = 0;
	if (start_us != NULL)
		*start_us = s;
	if (end_us != NULL)
		*end_us = s + (int64_t)days * CAL_US_PER_DAY;
}

/* */
void
rules_new_alert(const struct cal *c, const struct rules_tenant *tenant,
    const struct rules_new_in *in, struct rules_new_out *out)
{
	const struct rules_prev *prev = in->prev;

	memset(out, 0, sizeof *out);
	out->verdict = RULES_V_NONE;

	/* harmless by its file information: closed white, no report. */
	if (in->exception != NULL) {
		out->state = RULES_CLOSED;
		out->verdict = RULES_V_WHITE;
		out->exception_id = in->exception->id;
		out->rule = "R-21";
		snprintf(out->closed_reason, sizeof out->closed_reason,
		    "exception %lld (R-21)", (long long)in->exception->id);
		return;
	}

	/* not triaged during onboarding, no clocks. */
	if (tenant != NULL &&
	    tenant->onboarding_start_us < tenant->onboarding_end_us &&
	    in->received_us >= tenant->onboarding_start_us &&
	    in->received_us < tenant->onboarding_end_us) {
		out->state = RULES_ONBOARDING;
		out->rule = "R-8";
		return;
	}

	/* the window is opened by the first alert of a chain. */
	if (prev != NULL && prev->id != 0 && prev->state != RULES_ONBOARDING) {
		int64_t first = prev->id, first_at = prev->received_us;

		if (prev->duplicate_of != 0) {
			first = prev->duplicate_of;
			first_at = prev->first_received_us;
		}
		if (sla_in_dedup_window(first_at, in->received_us)) {
			out->state = RULES_DUPLICATE;
			out->duplicate_of = first;
			out->rule = "R-12";
			return;
		}
	}

	out->state = RULES_NEW;
	out->report = true;
	out->rule = "R-10";
	rules_due_times(c, in->received_us, &out->quick_due_us,
	    &out->explain_due_us);
}

/* ---- After a verdict ---- */

/* */
void
rules_after_verdict(const struct cal *c, const struct rules_tenant *tenant,
    const struct rules_verdict_in *in, struct rules_verdict_out *out)
{
	bool auto_isolate = tenant != NULL && tenant->auto_isolate;
	bool auto_exception = tenant != NULL && tenant->auto_exception;

	memset(out, 0, sizeof *out);
	switch (in->phase) {
	case RULES_PHASE_QUICK:
		out->needs_explanatory = in->needs_explanatory ||
		    in->verdict == RULES_V_GRAY;
		out->final = !out->needs_explanatory;
		break;
	case RULES_PHASE_EXPLAIN:
		out->await_reply = in->verdict == RULES_V_GRAY;
		out->final = !out->await_reply;
		break;
	case RULES_PHASE_REPLY:
		out->final = in->verdict != RULES_V_GRAY;
		break;
	}
	out->isolate_now = in->verdict == RULES_V_BLACK && auto_isolate &&
	    !in->endpoint_isolated;
	if (out->final && in->verdict == RULES_V_WHITE && auto_exception) {
		out->add_exception = true;
		out->exception_at_us = cal_next_business_instant(c, in->now_us);
	}
}

/* */
enum rules_verdict
rules_answer_verdict(bool intended)
{
	return intended ? RULES_V_WHITE : RULES_V_BLACK;
}

/* */
bool
rules_gray_overdue(enum rules_state s, int64_t reply_due_us, int64_t now_us)
{
	return s == RULES_AWAITING_REPLY && reply_due_us != 0 &&
	    now_us > reply_due_us;
}

/* */
bool
rules_report_mails(enum rules_phase phase, enum rules_verdict v)
{
	if (phase == RULES_PHASE_QUICK)
		return v == RULES_V_BLACK;
	if (phase == RULES_PHASE_EXPLAIN)
		return v == RULES_V_BLACK || v == RULES_V_GRAY;
	return false;
}

/* */
enum rules_gate
rules_business_gate(const struct cal *c, int64_t now_us, enum rules_role role,
    bool urgent, int64_t *win_start_us, int64_t *win_end_us)
{
	int64_t s, e;

	cal_next_window(c, now_us, &s, &e);
	if (win_start_us != NULL)
		*win_start_us = s;
	if (win_end_us != NULL)
		*win_end_us = e;
	if (s != CAL_NEVER && s <= now_us && now_us < e)
		return RULES_GATE_OPEN;
	if (urgent && role == RULES_ROLE_LEAD)
		return RULES_GATE_URGENT;
	return RULES_GATE_CLOSED;
}

/* ---- Exception matching ---- */

static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

bool
rules_sha256_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return false;
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return false;
	return *a == '\0' && *b == '\0';
}

static bool
is_sep(char ch)
{
	return ch == '\\' || ch == '/';
}

/* Skip a Win32 namespace prefix "\\?\" or "\\.\" (either separator). */
static const char *
skip_prefix(const char *s)
{
	if (is_sep(s[0]) && is_sep(s[1]) && (s[2] == '?' || s[2] == '.') &&
	    is_sep(s[3]))
		return s + 4;
	return s;
}

/* One comparison unit at s: a run of separators (as '\\'), an ASCII byte
 * folded to lower case, or one other byte.  Sets *len to its size. */
static int
unit(const char *s, size_t *len)
{
	size_t n = 1;

	if (is_sep(*s)) {
		while (is_sep(s[n]))
			n++;
		*len = n;
		return '\\';
	}
	*len = 1;
	return lower((unsigned char)*s);
}

/* Size of the character at s: a separator run, or one UTF-8 sequence
 * (a lead byte and the continuation bytes that follow it). */
static size_t
char_len(const char *s)
{
	size_t n = 1;

	if (is_sep(*s)) {
		unit(s, &n);
		return n;
	}
	if ((unsigned char)*s >= 0xc0)
		while (n < 4 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n++;
	return n;
}

bool
rules_path_match(const char *pattern, const char *path)
{
	const char *p, *s, *star_p = NULL, *star_s = NULL;

	if (pattern == NULL || path == NULL || *pattern == '\0' ||
	    *path == '\0')
		return false;
	p = skip_prefix(pattern);
	s = skip_prefix(path);

	while (*s != '\0') {
		size_t pl, sl;

		if (*p == '*') {
			while (*p == '*')
				p++;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*p == '?' && !is_sep(*s)) {
			p++;
			s += char_len(s);
			continue;
		}
		if (*p != '\0' && *p != '?' && unit(p, &pl) == unit(s, &sl)) {
			p += pl;
			s += sl;
			continue;
		}
		if (star_p == NULL)
			return false;
		star_s += char_len(star_s);
		s = star_s;
		p = star_p;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

const struct rules_exception *
rules_exception_match(const struct rules_exception *list, size_t n,
    const char *sha256, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rules_sha256_equal(list[i].sha256, sha256))
			return &list[i];
	for (i = 0; i < n; i++)
		if (rules_path_match(list[i].path, path))
			return &list[i];
	return NULL;
}
