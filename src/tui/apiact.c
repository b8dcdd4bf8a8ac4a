/* apiact.c - the actions that change state, each through the command API:
 * claim, unclaim, verdict, publish, answer, escalate, close, undup,
 * isolate, release, delete file, fetch file, exception, retry. Those
 * flagged ACT_CONFIRM run twice: unconfirmed they gather what the dialog
 * must show (raw path and hash, the tenant's allowlist, an earlier
 * escalation, with one read query) and open the dialog; its OK calls
 * reg_run(..., confirmed=1) — the one dispatcher again — which sends.
 * Alert actions send the version the analyst saw when the dialog opened:
 * a change made meanwhile comes back as 409 stale_version, shown on the
 * status line, never silently overwritten. */
#include <stdlib.h>
#include <string.h>

#include "api/cmdapi.h"
#include "core/rules.h"
#include "tui/tui.h"

static struct alert *target_alert(struct app *a)
{
	if (a->view == VIEW_ALERT)
		return as_get(&a->as, a->av.alert_id);
	if (a->view == VIEW_QUEUE)
		return q_current(a);
	return NULL;
}

/* The state machine of core/rules.h, asked before a call the daemon would
 * refuse anyway: 1 when the state allows it (or is unknown here: the
 * daemon decides), else 0 and *why. Asked as a lead: the console does not
 * know its token's role, and the daemon answers a role refusal (403). */
static int state_ok(const struct alert *al, enum rules_action act, enum rules_verdict v,
                    const char **why)
{
	enum rules_state st;
	*why = NULL;
	if (rules_state_parse(al->state, &st) != 0)
		return 1;
	struct rules_facts f = {.verdict = v, .needs_explanatory = al->needs_expl != 0};
	return rules_transition(st, act, RULES_ROLE_LEAD, &f, NULL, why) == RULES_OK;
}

/* The same, saying why on the status line: the analyst learns it at once
 * and no doomed request is sent. */
static int state_allows(struct app *a, const struct alert *al, enum rules_action act,
                        enum rules_verdict v, const char *what)
{
	const char *why;
	if (state_ok(al, act, v, &why))
		return 1;
	app_msg(a, MSG_ERROR, "%s: not in state %s%s%s", what, al->state, why != NULL ? ": " : "",
	        why != NULL ? why : "");
	return 0;
}

static enum rules_verdict rv_of(char v)
{
	return v == 'b' ? RULES_V_BLACK : v == 'g' ? RULES_V_GRAY : v == 'w' ? RULES_V_WHITE
	     : RULES_V_NONE;
}

int apiact_is_workflow(enum reg_id id)
{
	switch (id) {
	case ACT_claim: case ACT_unclaim: case ACT_verdict: case ACT_publish:
	case ACT_answer: case ACT_close: case ACT_undup: case ACT_escalate:
		return 1;
	default:
		return 0;
	}
}

size_t apiact_available(struct app *a, enum reg_id *out, size_t max)
{
	const struct alert *al = target_alert(a);
	if (al == NULL)
		return 0;
	int expl = al->quick_pub != 0 && al->qv != 0;
	char pv = expl ? al->ev : al->qv;
	const struct { enum reg_id id; enum rules_action act; enum rules_verdict v; } w[] = {
		{ACT_claim, RULES_CLAIM, RULES_V_NONE},
		{ACT_unclaim, RULES_UNCLAIM, RULES_V_NONE},
		{ACT_verdict, expl ? RULES_VERDICT_EXPLAIN : RULES_VERDICT_QUICK, RULES_V_BLACK},
		{ACT_publish, expl ? RULES_PUBLISH_EXPLAIN : RULES_PUBLISH_QUICK, rv_of(pv)},
		{ACT_answer, RULES_ANSWER, RULES_V_NONE},
		{ACT_close, RULES_CLOSE, RULES_V_NONE},
		{ACT_undup, RULES_UNDO_DUPLICATE, RULES_V_NONE},
		{ACT_escalate, RULES_ESCALATE, RULES_V_NONE},
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof w / sizeof w[0] && n < max; i++) {
		const char *why;
		if (w[i].id == ACT_publish && pv == 0)
			continue;
		if (state_ok(al, w[i].act, w[i].v, &why))
			out[n++] = w[i].id;
	}
	return n;
}

static void label_alert(const struct alert *al, char *buf, size_t len)
{
	snprintf(buf, len, "#%lld %s", (long long)al->id, al->host);
}

/* The answer's second step: who answered (optional; the last name given
 * is offered again), then the confirmed call. */
static void answered_by_cb(struct app *a, struct dlg *d, int ok)
{
	if (!ok) {
		app_msg(a, MSG_INFO, "%s: cancelled", reg_actions[d->act].name);
		return;
	}
	snprintf(a->pend.by, sizeof a->pend.by, "%s", dlg_text(d));
	if (a->pend.by[0] != '\0')
		snprintf(a->pend.last_by, sizeof a->pend.last_by, "%s", a->pend.by);
	reg_run(a, d->act, 1);
}

static void confirmed_cb(struct app *a, struct dlg *d, int ok)
{
	if (!ok) {
		app_msg(a, MSG_INFO, "%s: cancelled", reg_actions[d->act].name);
		return;
	}
	if (d->kind == DLG_PROMPT || d->kind == DLG_VERDICT) {
		snprintf(a->pend.text, sizeof a->pend.text, "%s", dlg_text(d));
	}
	if (d->kind == DLG_CHOICE) {
		snprintf(a->pend.text, sizeof a->pend.text, "%s", dlg_text(d));
		a->pend.verdict = d->choice;
		if (d->act == ACT_answer) {
			struct dlg *p = dlg_prompt("Who answered? (name or mail; empty: not recorded)",
			                           "answered by: ",
			                           a->pend.last_by[0] != '\0' ? a->pend.last_by : NULL,
			                           answered_by_cb);
			p->act = ACT_answer;
			app_dialog(a, p);
			return;
		}
	}
	if (d->kind == DLG_VERDICT) {
		a->pend.verdict = d->verdict;
		a->pend.expl = d->phase_expl;
		a->pend.needs = d->needs_expl;
	}
	reg_run(a, d->act, 1);
}

/* --------------------------------------------------------------- claim */

int act_claim(struct app *a, int confirmed)
{
	(void)confirmed;
	struct alert *al = target_alert(a);
	if (al == NULL) {
		app_msg(a, MSG_ERROR, "claim: select an alert first");
		return -1;
	}
	if (!state_allows(a, al, RULES_CLAIM, RULES_V_NONE, "claim"))
		return -1;
	char t[96], path[64];
	label_alert(al, t, sizeof t);
	struct job *j = job_new(a, "claim", t);
	j->alert_id = al->id;
	snprintf(path, sizeof path, "/v1/alerts/%lld/claim", (long long)al->id);
	return job_send(a, j, path, json_object());
}

/* ------------------------------------------------------------- unclaim */

/* Title of a job on the alert a dialog was opened for. */
static void pend_label(struct app *a, char *t, size_t len)
{
	struct alert *al = as_get(&a->as, a->pend.alert_id);
	if (al != NULL)
		label_alert(al, t, len);
	else
		snprintf(t, len, "#%lld", (long long)a->pend.alert_id);
}

/* POST body to /v1/alerts/{pend.alert_id}/sub as job `what`, with the
 * version seen when the dialog opened. */
static int send_alert(struct app *a, const char *what, const char *sub, json_t *body)
{
	char t[96], path[80];
	pend_label(a, t, sizeof t);
	json_object_set_new(body, "version", json_integer(a->pend.version));
	struct job *j = job_new(a, what, t);
	j->alert_id = a->pend.alert_id;
	snprintf(path, sizeof path, "/v1/alerts/%lld/%s", (long long)a->pend.alert_id, sub);
	return job_send(a, j, path, body);
}

/* The alert in hand for action `what`, allowed by its state; remembered
 * in a->pend with the version seen. NULL (said on the status line). */
static struct alert *begin_alert(struct app *a, enum rules_action act, const char *what)
{
	struct alert *al = target_alert(a);
	if (al == NULL) {
		app_msg(a, MSG_ERROR, "%s: select an alert first", what);
		return NULL;
	}
	if (!state_allows(a, al, act, RULES_V_NONE, what))
		return NULL;
	a->pend.alert_id = al->id;
	a->pend.version = al->version;
	a->pend.text[0] = '\0';   /* nothing of an earlier dialog carries over */
	a->pend.by[0] = '\0';
	return al;
}

int act_unclaim(struct app *a, int confirmed)
{
	(void)confirmed;
	if (begin_alert(a, RULES_UNCLAIM, "unclaim") == NULL)
		return -1;
	return send_alert(a, "unclaim", "unclaim", json_object());
}

/* ------------------------------------------------- answer (gray, R-19) */

int act_answer(struct app *a, int confirmed)
{
	if (confirmed) {
		json_t *body = json_pack("{s:b}", "intended", a->pend.verdict == 'y');
		if (a->pend.text[0] != '\0')
			json_object_set_new(body, "note", json_string(a->pend.text));
		if (a->pend.by[0] != '\0')
			json_object_set_new(body, "by", json_string(a->pend.by));
		return send_alert(a, "answer", "answer", body);
	}
	struct alert *al = begin_alert(a, RULES_ANSWER, "answer");
	if (al == NULL)
		return -1;
	char title[128];
	snprintf(title, sizeof title, "Administrator's answer for #%lld (R-19)", (long long)al->id);
	struct dlg *d = dlg_new(DLG_CHOICE, title, confirmed_cb);
	d->act = ACT_answer;
	dlg_add_line(d, "%s  %s", al->host, al->path);
	dlg_add_line(d, "Was the file saved or run on purpose by the user?");
	dlg_add_choice(d, 'y', "yes, on purpose: closed %s",
	               rules_answer_verdict(true) == RULES_V_WHITE ? "WHITE (W)" : "BLACK (B)");
	dlg_add_choice(d, 'n', "no, not on purpose: closed %s",
	               rules_answer_verdict(false) == RULES_V_BLACK ? "BLACK (B)" : "WHITE (W)");
	app_dialog(a, d);
	return 0;
}

/* ---------------------------------------------- escalate, close */

static void on_escalation(struct app *a, PGresult *r, const char *err, int64_t alert_id)
{
	if (err != NULL || PQntuples(r) == 0) {
		app_msg(a, MSG_ERROR, "escalate: cannot read alert #%lld: %s", (long long)alert_id,
		        err != NULL ? err : "not found");
		return;
	}
	if (a->pend.alert_id != alert_id)
		return;   /* another action started meanwhile */
	struct alert *al = as_get(&a->as, alert_id);
	char title[128];
	snprintf(title, sizeof title, "Escalate #%lld to professional services (R-29)",
	         (long long)alert_id);
	struct dlg *d = dlg_new(DLG_PROMPT, title, confirmed_cb);
	d->act = ACT_escalate;
	if (al != NULL)
		dlg_add_line(d, "%s  %s", al->host, al->path);
	dlg_add_line(d, "Forensics or evidence preservation outside the console; the SOC");
	dlg_add_line(d, "work on the alert goes on. The reason is kept with the alert.");
	if (strcmp(PQgetvalue(r, 0, 0), "1") == 0)
		dlg_add_line(d, "Already escalated: %.300s (a new reason replaces it)",
		             PQgetvalue(r, 0, 1));
	snprintf(d->prompt, sizeof d->prompt, "reason: ");
	snprintf(d->need, sizeof d->need, "a reason is required to escalate (R-29)");
	app_dialog(a, d);
}

int act_escalate(struct app *a, int confirmed)
{
	if (confirmed)
		return send_alert(a, "escalate", "escalate",
		                  json_pack("{s:s}", "reason", a->pend.text));
	struct alert *al = begin_alert(a, RULES_ESCALATE, "escalate");
	if (al == NULL)
		return -1;
	/* an earlier escalation and its reason are not in the queue's rows */
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)al->id);
	const char *p[1] = {ids};
	if (pgc_query(a->db, "SELECT escalated::int, coalesce(escalation_reason, '')"
	              " FROM alert WHERE id = $1", 1, p, on_escalation, al->id) != 0) {
		app_msg(a, MSG_ERROR, "escalate: the database is not connected");
		return -1;
	}
	return 0;
}

int act_close(struct app *a, int confirmed)
{
	if (confirmed) {
		json_t *body = json_object();
		if (a->pend.text[0] != '\0')
			json_object_set_new(body, "comment", json_string(a->pend.text));
		return send_alert(a, "close", "close", body);
	}
	struct alert *al = begin_alert(a, RULES_CLOSE, "close");
	if (al == NULL)
		return -1;
	char title[96];
	snprintf(title, sizeof title, "Close #%lld", (long long)al->id);
	struct dlg *d = dlg_new(DLG_PROMPT, title, confirmed_cb);
	d->act = ACT_close;
	dlg_add_line(d, "%s  %s", al->host, al->path);
	dlg_add_line(d, "state %s, verdict %s; closed, it leaves the queue.", al->state,
	             as_verdict(al) == 'b' ? "BLACK (B)" : as_verdict(al) == 'g' ? "GRAY (G)"
	             : as_verdict(al) == 'w' ? "WHITE (W)" : "none");
	dlg_add_line(d, "An empty reason is stored as \"closed by an analyst\".");
	snprintf(d->prompt, sizeof d->prompt, "reason: ");
	app_dialog(a, d);
	return 0;
}

/* ------------------------------------------------------- undup */

int act_undup(struct app *a, int confirmed)
{
	if (confirmed)
		return send_alert(a, "undup", "undup", json_object());
	struct alert *al = begin_alert(a, RULES_UNDO_DUPLICATE, "undup");
	if (al == NULL)
		return -1;
	char title[96];
	snprintf(title, sizeof title, "Undo duplicate #%lld (R-12)", (long long)al->id);
	struct dlg *d = dlg_new(DLG_CONFIRM, title, confirmed_cb);
	d->act = ACT_undup;
	dlg_add_line(d, "%s  %s", al->host, al->path);
	dlg_add_line(d, "A duplicate of #%lld: same endpoint and file within 72 h.",
	             (long long)al->dup_of);
	dlg_add_line(d, "Undone, it is a new alert: its quick and explanatory clocks run");
	dlg_add_line(d, "from its reception and a report is owed. Only a lead may.");
	app_dialog(a, d);
	return 0;
}

/* ------------------------------------------------------------- verdict */

int act_verdict(struct app *a, int confirmed)
{
	if (!confirmed) {
		struct alert *al = target_alert(a);
		if (al == NULL) {
			app_msg(a, MSG_ERROR, "verdict: select an alert first");
			return -1;
		}
		int expl = al->quick_pub != 0 && al->qv != 0;
		if (!state_allows(a, al, expl ? RULES_VERDICT_EXPLAIN : RULES_VERDICT_QUICK,
		                  RULES_V_BLACK, "verdict"))
			return -1;
		char title[128];
		snprintf(title, sizeof title, "Verdict for #%lld", (long long)al->id);
		struct dlg *d = dlg_new(DLG_VERDICT, title, confirmed_cb);
		d->act = ACT_verdict;
		dlg_add_line(d, "%s  %s", al->host, al->path);
		dlg_add_line(d, "%s  sha256 %.16s...", al->detection, al->sha256);
		d->phase_expl = expl;
		d->needs_expl = al->needs_expl;
		a->pend.alert_id = al->id;
		a->pend.version = al->version;
		app_dialog(a, d);
		return 0;
	}
	struct alert *al = as_get(&a->as, a->pend.alert_id);
	char t[96], path[64];
	if (al != NULL)
		label_alert(al, t, sizeof t);
	else
		snprintf(t, sizeof t, "#%lld", (long long)a->pend.alert_id);
	const char *v = a->pend.verdict == 'b' ? "black" : a->pend.verdict == 'g' ? "gray" : "white";
	/* the version the analyst saw when the dialog opened: a change made
	 * meanwhile (another analyst's verdict) is refused as stale_version,
	 * never silently overwritten */
	json_t *body = json_pack("{s:s, s:s, s:i}", "phase", a->pend.expl ? "explanatory" : "quick",
	                         "verdict", v, "version", a->pend.version);
	/* the API rejects unknown or misplaced members: send only what applies */
	if (!a->pend.expl)
		json_object_set_new(body, "needs_explanatory", json_boolean(a->pend.needs));
	if (a->pend.text[0] != '\0')
		json_object_set_new(body, "comment", json_string(a->pend.text));
	struct job *j = job_new(a, "verdict", t);
	j->alert_id = a->pend.alert_id;
	snprintf(path, sizeof path, "/v1/alerts/%lld/verdict", (long long)a->pend.alert_id);
	return job_send(a, j, path, body);
}

/* ------------------------------------------------------------- publish */

int act_publish(struct app *a, int confirmed)
{
	if (!confirmed) {
		struct alert *al = target_alert(a);
		if (al == NULL) {
			app_msg(a, MSG_ERROR, "publish: select an alert first");
			return -1;
		}
		/* marked alerts of one tenant aggregate into one explanatory report */
		json_t *ids = json_array();
		size_t nmarked = 0;
		for (size_t i = 0; i < a->as.n; i++) {
			struct alert *m = a->as.v[i];
			if (!m->marked)
				continue;
			if (m->tenant_id != al->tenant_id) {
				json_decref(ids);
				app_msg(a, MSG_ERROR, "publish: marked alerts belong to several tenants");
				return -1;
			}
			json_array_append_new(ids, json_integer(m->id));
			nmarked++;
		}
		int expl = nmarked > 0 || (al->quick_pub != 0);
		if (nmarked == 0 || !al->marked)   /* the alert in hand is always covered */
			json_array_append_new(ids, json_integer(al->id));
		free(a->pend.alerts);
		a->pend.alerts = json_dumps(ids, JSON_COMPACT);
		json_decref(ids);
		a->pend.alert_id = al->id;
		a->pend.expl = expl;
		char v = expl ? al->ev : al->qv;
		enum rules_verdict rv = v == 'b' ? RULES_V_BLACK : v == 'g' ? RULES_V_GRAY
		                      : v == 'w' ? RULES_V_WHITE : RULES_V_NONE;
		if (v != 0 && nmarked == 0 &&
		    !state_allows(a, al, expl ? RULES_PUBLISH_EXPLAIN : RULES_PUBLISH_QUICK, rv,
		                  "publish"))
			return -1;
		if (v == 0) {
			app_msg(a, MSG_ERROR, "publish: give the %s verdict first (v)",
			        expl ? "explanatory" : "quick");
			return -1;
		}
		struct dlg *d = dlg_new(DLG_PROMPT, expl ? "Publish explanatory report"
		                                         : "Publish quick report", confirmed_cb);
		d->act = ACT_publish;
		snprintf(d->prompt, sizeof d->prompt, "comment: ");
		dlg_add_line(d, "alert #%lld %s, verdict %s%s", (long long)al->id, al->host,
		             v == 'b' ? "BLACK (B)" : v == 'g' ? "GRAY (G)" : "WHITE (W)",
		             v == 'b' ? ": mailed to the tenant's contacts" : "");
		if (nmarked > 0)
			dlg_add_line(d, "aggregates %zu marked alerts: %s", nmarked, a->pend.alerts);
		app_dialog(a, d);
		return 0;
	}
	json_t *alerts = json_loads(a->pend.alerts != NULL ? a->pend.alerts : "[]", 0, NULL);
	json_t *body = json_pack("{s:s, s:o, s:s}", "kind", a->pend.expl ? "explanatory" : "quick",
	                         "alerts", alerts != NULL ? alerts : json_array(), "lang",
	                         a->av.lang_en ? "en" : "ja");
	if (a->pend.text[0] != '\0')
		json_object_set_new(body, "comment", json_string(a->pend.text));
	char t[96], path[64];
	struct alert *al = as_get(&a->as, a->pend.alert_id);
	if (al != NULL)
		label_alert(al, t, sizeof t);
	else
		snprintf(t, sizeof t, "#%lld", (long long)a->pend.alert_id);
	struct job *j = job_new(a, a->pend.expl ? "explanatory report" : "quick report", t);
	j->alert_id = a->pend.alert_id;
	j->after = 1;
	/* sequential triage: remember the next alert by deadline now */
	a->triage_next = q_next_after(a, a->pend.alert_id);
	for (size_t i = 0; i < a->as.n; i++)
		a->as.v[i]->marked = 0;
	snprintf(path, sizeof path, "/v1/alerts/%lld/reports", (long long)a->pend.alert_id);
	return job_send(a, j, path, body);
}

/* ------------------------------------- endpoint actions: gather first */

enum { G_ISOLATE = 1, G_RELEASE, G_DELETE, G_FETCH, G_EXCEPTION };

static void allowlist_lines(struct dlg *d, const char *json)
{
	json_t *j = json_loads(json, 0, NULL);
	size_t n = json_is_array(j) ? json_array_size(j) : 0;
	dlg_add_line(d, "While isolated the endpoint reaches only the service system and:");
	if (n == 0)
		dlg_add_line(d, "  (no allowlist entries: nothing else)");
	for (size_t i = 0; i < n && i < 8; i++) {
		json_t *e = json_array_get(j, i);
		const char *net = json_string_value(json_object_get(e, "net"));
		json_t *port = json_object_get(e, "port");
		char ps[16];
		if (json_is_integer(port))
			snprintf(ps, sizeof ps, "%lld", (long long)json_integer_value(port));
		else
			snprintf(ps, sizeof ps, "%s", json_string_value(port) ? json_string_value(port) : "*");
		dlg_add_line(d, "  %s port %s", net != NULL ? net : "?", ps);
	}
	if (n > 8)
		dlg_add_line(d, "  ... and %zu more", n - 8);
	json_decref(j);
}

static void on_gathered(struct app *a, PGresult *r, const char *err, int64_t what)
{
	if (err != NULL || PQntuples(r) == 0) {
		app_msg(a, MSG_ERROR, "cannot read the target: %s", err != NULL ? err : "not found");
		return;
	}
	snprintf(a->pend.path, sizeof a->pend.path, "%s", PQgetvalue(r, 0, 0));
	snprintf(a->pend.sha256, sizeof a->pend.sha256, "%s", PQgetvalue(r, 0, 1));
	char *host = dr_clean(PQgetvalue(r, 0, 3));
	snprintf(a->pend.host, sizeof a->pend.host, "%s", host);
	free(host);
	a->pend.endpoint_id = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
	a->pend.tenant_id = strtoll(PQgetvalue(r, 0, 5), NULL, 10);
	char *spath = dr_clean(a->pend.path);
	struct dlg *d = NULL;
	switch (what) {
	case G_ISOLATE:
		d = dlg_new(DLG_PROMPT, "Isolate endpoint", confirmed_cb);
		d->act = ACT_isolate;
		dlg_add_line(d, "host %s", a->pend.host);
		allowlist_lines(d, PQgetvalue(r, 0, 2));
		snprintf(d->prompt, sizeof d->prompt, "reason: ");
		break;
	case G_RELEASE:
		d = dlg_new(DLG_PROMPT, "Release endpoint from isolation", confirmed_cb);
		d->act = ACT_release;
		dlg_add_line(d, "host %s", a->pend.host);
		snprintf(d->prompt, sizeof d->prompt, "reason: ");
		break;
	case G_DELETE:
		d = dlg_new(DLG_TYPED, "Delete the detected file", confirmed_cb);
		d->act = ACT_delete_file;
		dlg_add_line(d, "host   %s", a->pend.host);
		dlg_add_line(d, "file   %s", spath);
		dlg_add_line(d, "sha256 %s", a->pend.sha256);
		dlg_add_line(d, "This deletes the file on the endpoint. Type the host name:");
		snprintf(d->expect, sizeof d->expect, "%s", a->pend.host);
		snprintf(d->prompt, sizeof d->prompt, "host: ");
		break;
	case G_FETCH:
		d = dlg_new(DLG_CONFIRM, "Fetch the detected file", confirmed_cb);
		d->act = ACT_fetch_file;
		dlg_add_line(d, "host   %s", a->pend.host);
		dlg_add_line(d, "file   %s", spath);
		dlg_add_line(d, "sha256 %s", a->pend.sha256);
		break;
	case G_EXCEPTION:
		d = dlg_new(DLG_PROMPT, "Add to the tenant's exception list", confirmed_cb);
		d->act = ACT_exception;
		if (a->pend.sha256[0] != '\0')
			dlg_add_line(d, "sha256 %s", a->pend.sha256);
		else
			dlg_add_line(d, "path %s", spath);
		dlg_add_line(d, "Future alerts of this file close white (R-21).");
		snprintf(d->prompt, sizeof d->prompt, "reason: ");
		break;
	}
	free(spath);
	if (d != NULL)
		app_dialog(a, d);
}

/* One query: raw path and hash of the alert (or none), the tenant's
 * allowlist, the host, endpoint and tenant ids. */
static int gather(struct app *a, int what, const char *name)
{
	char ids[24];
	const char *p[1] = {ids};
	struct alert *al = target_alert(a);
	a->pend.alert_id = 0;
	a->pend.text[0] = '\0';   /* nothing of an earlier dialog carries over */
	a->pend.by[0] = '\0';
	if (a->view == VIEW_ENDPOINTS && (what == G_ISOLATE || what == G_RELEASE)) {
		struct endpoint *e = ep_current(a);
		if (e == NULL) {
			app_msg(a, MSG_ERROR, "%s: select an endpoint first", name);
			return -1;
		}
		snprintf(ids, sizeof ids, "%lld", (long long)e->id);
		return pgc_query(a->db, "SELECT '', '', t.allowlist::text, e.hostname, e.id, t.id"
		                 " FROM endpoint e JOIN tenant t ON t.id = e.tenant_id WHERE e.id = $1",
		                 1, p, on_gathered, what);
	}
	if (al == NULL) {
		app_msg(a, MSG_ERROR, "%s: select an alert first", name);
		return -1;
	}
	a->pend.alert_id = al->id;
	snprintf(ids, sizeof ids, "%lld", (long long)al->id);
	int rc = pgc_query(a->db, "SELECT a.path, coalesce(a.sha256,''), t.allowlist::text,"
	                   " e.hostname, e.id, t.id FROM alert a"
	                   " JOIN endpoint e ON e.id = a.endpoint_id"
	                   " JOIN tenant t ON t.id = a.tenant_id WHERE a.id = $1",
	                   1, p, on_gathered, what);
	if (rc != 0)
		app_msg(a, MSG_ERROR, "%s: the database is not connected", name);
	return rc;
}

static int send_endpoint(struct app *a, const char *what, const char *sub, json_t *body)
{
	char path[96];
	snprintf(path, sizeof path, "/v1/endpoints/%lld/%s", (long long)a->pend.endpoint_id, sub);
	struct job *j = job_new(a, what, a->pend.host);
	j->alert_id = a->pend.alert_id;
	return job_send(a, j, path, body);
}

static json_t *with_alert(struct app *a, json_t *body)
{
	if (a->pend.alert_id != 0)
		json_object_set_new(body, "alert_id", json_integer(a->pend.alert_id));
	return body;
}

/* Optional members only when given: the API refuses empty strings. */
static json_t *reason(struct app *a, json_t *body)
{
	if (a->pend.text[0] != '\0')
		json_object_set_new(body, "reason", json_string(a->pend.text));
	return body;
}

static json_t *file_body(struct app *a)
{
	json_t *body = json_pack("{s:s}", "path", a->pend.path);
	if (a->pend.sha256[0] != '\0')
		json_object_set_new(body, "sha256", json_string(a->pend.sha256));
	return body;
}

int act_isolate(struct app *a, int confirmed)
{
	if (!confirmed)
		return gather(a, G_ISOLATE, "isolate");
	return send_endpoint(a, "isolate", "isolate", with_alert(a, reason(a, json_object())));
}

int act_release(struct app *a, int confirmed)
{
	if (!confirmed)
		return gather(a, G_RELEASE, "release");
	return send_endpoint(a, "release", "release", with_alert(a, reason(a, json_object())));
}

int act_delete_file(struct app *a, int confirmed)
{
	if (!confirmed)
		return gather(a, G_DELETE, "delete");
	return send_endpoint(a, "delete file", "files/delete", with_alert(a, file_body(a)));
}

int act_fetch_file(struct app *a, int confirmed)
{
	if (!confirmed)
		return gather(a, G_FETCH, "fetch");
	return send_endpoint(a, "fetch file", "files/fetch", with_alert(a, file_body(a)));
}

int act_exception(struct app *a, int confirmed)
{
	if (!confirmed)
		return gather(a, G_EXCEPTION, "exception");
	json_t *body = reason(a, json_object());
	if (a->pend.sha256[0] != '\0')
		json_object_set_new(body, "sha256", json_string(a->pend.sha256));
	else
		json_object_set_new(body, "path", json_string(a->pend.path));
	with_alert(a, body);
	char path[64];
	snprintf(path, sizeof path, "/v1/tenants/%lld/exceptions", (long long)a->pend.tenant_id);
	struct job *j = job_new(a, "exception", a->pend.host);
	j->alert_id = a->pend.alert_id;
	return job_send(a, j, path, body);
}

int act_retry(struct app *a, int confirmed)
{
	(void)confirmed;
	for (size_t i = a->njobs; i-- > 0;) {
		struct job *j = &a->jobs[i];
		if (strcmp(j->state, "failed") != 0 || j->cmd_id != 0 || j->body == NULL)
			continue;
		snprintf(j->state, sizeof j->state, "sending");
		size_t tl = strlen(j->trail);
		if (tl + 16 < sizeof j->trail)
			snprintf(j->trail + tl, sizeof j->trail - tl, " \xe2\x86\x92 retry");
		char key[12];
		snprintf(key, sizeof key, "%.8s", j->key);
		snprintf(j->detail, sizeof j->detail, "retry, same key %s...", key);
		j->t_us = app_now_us();
		if (cmdapi_call(a->api, "POST", j->path, j->body, j->key, (int64_t)j->seq, NULL) != 0)
			snprintf(j->state, sizeof j->state, "failed");
		return 0;
	}
	app_msg(a, MSG_INFO, "nothing to retry");
	return 0;
}
