/* actions.c - the functions of the action registry (act_<name>) and the
 * jobs they start through the command API.
 *
 * Every state change is an API call (the console's database role only
 * reads). A call becomes a job: sending -> the API's answer (refused with
 * the reason and the next business window, or accepted) -> for endpoint
 * commands the command row's states queued -> delivered -> done|failed,
 * followed live through NOTIFY command:<id>. A call that got no answer, or
 * a 5xx (the daemon stores none), is "failed" and `retry` sends it again
 * with the same Idempotency-Key.
 */
#include <stdlib.h>
#include <string.h>

#include "api/cmdapi.h"
#include "tui/tui.h"

/* ---------------------------------------------------------------- jobs */

struct job *job_new(struct app *a, const char *what, const char *target)
{
	if (a->njobs == JOB_MAX) {
		free(a->jobs[0].body);
		memmove(&a->jobs[0], &a->jobs[1], (JOB_MAX - 1) * sizeof a->jobs[0]);
		a->njobs--;
	}
	struct job *j = &a->jobs[a->njobs++];
	memset(j, 0, sizeof *j);
	j->seq = ++a->job_seq;
	snprintf(j->what, sizeof j->what, "%s", what);
	snprintf(j->target, sizeof j->target, "%s", target);
	snprintf(j->state, sizeof j->state, "sending");
	j->t_us = app_now_us();
	return j;
}

static struct job *job_by_seq(struct app *a, uint64_t seq)
{
	for (size_t i = 0; i < a->njobs; i++)
		if (a->jobs[i].seq == seq)
			return &a->jobs[i];
	return NULL;
}

const struct job *jobs_latest(const struct app *a)
{
	return a->njobs > 0 ? &a->jobs[a->njobs - 1] : NULL;
}

void jobs_free(struct app *a)
{
	for (size_t i = 0; i < a->njobs; i++)
		free(a->jobs[i].body);
	a->njobs = 0;
	free(a->pend.alerts);
	a->pend.alerts = NULL;
}

int job_send(struct app *a, struct job *j, const char *path, json_t *body)
{
	snprintf(j->path, sizeof j->path, "%s", path);
	free(j->body);
	j->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (j->body == NULL ||
	    cmdapi_call(a->api, "POST", j->path, j->body, NULL, (int64_t)j->seq, j->key) != 0) {
		snprintf(j->state, sizeof j->state, "failed");
		snprintf(j->detail, sizeof j->detail, "could not start the HTTP call");
		return -1;
	}
	a->dirty = 1;
	return 0;
}

static void set_state(struct job *j, const char *st)
{
	if (strcmp(j->state, st) == 0)
		return;
	snprintf(j->state, sizeof j->state, "%s", st);
	j->t_us = app_now_us();
	size_t l = strlen(j->trail);
	if (strcmp(st, "sending") != 0 && l + strlen(st) + 8 < sizeof j->trail)
		snprintf(j->trail + l, sizeof j->trail - l, "%s%s",
		         l ? " \xe2\x86\x92 " : "", st);
}

void actions_api_done(struct app *a, int64_t tag, long status, json_t *body,
                      const char *err)
{
	struct job *j = job_by_seq(a, (uint64_t)tag);
	if (j == NULL)
		return;
	j->t_us = app_now_us();
	if (status == 0 || status >= 500) {
		/* no answer, or the daemon could not do it now (503
		 * db_unavailable): nothing was stored under the key, r sends it
		 * again with it */
		set_state(j, "failed");
		char *clean = dr_clean(err != NULL ? err : "no answer");
		snprintf(j->detail, sizeof j->detail, "%.150s; r retries with the same key", clean);
		free(clean);
		return;
	}
	if (status >= 400) {
		set_state(j, "refused");
		json_t *e = json_object_get(body, "error");
		json_t *nw = json_object_get(e, "next_window");
		const char *start = json_string_value(json_object_get(nw, "start"));
		const char *end = json_string_value(json_object_get(nw, "end"));
		char win[128] = "";
		if (start != NULL)
			snprintf(win, sizeof win, "; next business window %.40s%s%.40s", start,
			         end != NULL ? " to " : "", end != NULL ? end : "");
		/* a 409 on an alert carries its state now: say what won */
		const char *now = json_string_value(json_object_get(e, "state"));
		if (now != NULL && start == NULL) {
			char *cs = dr_clean(now);
			snprintf(win, sizeof win, "; now %.40s", cs);
			free(cs);
		}
		/* "code: message": the code and the window first, they matter most */
		char *clean = dr_clean(err != NULL ? err : "refused");
		char *msg = strstr(clean, ": ");
		if (msg != NULL)
			*msg = '\0';
		snprintf(j->detail, sizeof j->detail, "%.60s%s%s%.100s", clean, win,
		         msg != NULL ? " - " : "", msg != NULL ? msg + 2 : "");
		free(clean);
		a->triage_next = 0;
		return;
	}
	/* accepted: endpoint commands answer with the command object, an
	 * exception with the commands it sends to the tenant's endpoints */
	json_t *id = json_object_get(body, "id");
	const char *st = json_string_value(json_object_get(body, "state"));
	const char *kind = json_string_value(json_object_get(body, "kind"));
	json_t *cmds = json_object_get(body, "commands");
	if (kind != NULL && json_is_integer(id)) {
		j->cmd_id = json_integer_value(id);
		set_state(j, st != NULL ? st : "queued");
		j->detail[0] = '\0';
	} else if (json_is_array(cmds) && json_array_size(cmds) > 0 &&
	           json_is_integer(json_array_get(cmds, 0))) {
		j->cmd_id = json_integer_value(json_array_get(cmds, 0));
		set_state(j, "queued");
		snprintf(j->detail, sizeof j->detail, "exception added; %zu endpoint command%s",
		         json_array_size(cmds), json_array_size(cmds) == 1 ? "" : "s");
	} else {
		set_state(j, "done");
		j->detail[0] = '\0';
		json_t *rep = json_object_get(body, "report");
		if (json_is_object(rep))
			snprintf(j->detail, sizeof j->detail, "report #%lld published%s",
			         (long long)json_integer_value(json_object_get(rep, "id")),
			         json_is_true(json_object_get(rep, "mailed")) ? ", mail queued" : "");
	}
	if (j->alert_id != 0)
		app_fetch_alerts(a, &j->alert_id, 1);
	if (j->after == 1 && a->triage_next != 0) {
		/* sequential triage: the next alert by deadline opens */
		int64_t next = a->triage_next;
		a->triage_next = 0;
		av_open(a, next);
		app_msg(a, MSG_OK, "report published; next alert #%lld by deadline", (long long)next);
	}
}

static void on_command(struct app *a, PGresult *r, const char *err, int64_t cmd_id)
{
	if (err != NULL || PQntuples(r) == 0)
		return;
	for (size_t i = 0; i < a->njobs; i++) {
		struct job *j = &a->jobs[i];
		if (j->cmd_id != cmd_id)
			continue;
		set_state(j, PQgetvalue(r, 0, 0));
		char *clean = dr_clean(PQgetvalue(r, 0, 1));
		snprintf(j->detail, sizeof j->detail, "%s", clean);
		free(clean);
		a->dirty = 1;
	}
}

void jobs_command_notify(struct app *a, int64_t cmd_id)
{
	for (size_t i = 0; i < a->njobs; i++)
		if (a->jobs[i].cmd_id == cmd_id) {
			char ids[24];
			snprintf(ids, sizeof ids, "%lld", (long long)cmd_id);
			const char *p[1] = {ids};
			pgc_query(a->db, "SELECT state, coalesce(result->>'detail', result::text, '')"
			          " FROM command WHERE id = $1", 1, p, on_command, cmd_id);
			return;
		}
}

/* -------------------------------------------------------- plain actions */

int act_back(struct app *a, int confirmed)
{
	(void)confirmed;
	if (a->view == VIEW_ALERT) {
		av_close(a);
		a->view = VIEW_QUEUE;
	} else if (a->view == VIEW_ENDPOINTS && !a->wallboard) {
		a->view = VIEW_QUEUE;
	} else {
		a->running = 0;
	}
	return 0;
}

int act_help(struct app *a, int confirmed)
{
	(void)confirmed;
	a->help = 1;
	a->help_top = 0;
	return 0;
}

int act_redraw(struct app *a, int confirmed)
{
	(void)confirmed;
	(void)a;
	clearok(curscr, TRUE);   /* asked for by the user: a full repaint */
	return 0;
}

int act_next_pane(struct app *a, int confirmed)
{
	(void)confirmed;
	if (a->view == VIEW_ALERT)
		a->av.sub = (enum av_sub)((a->av.sub + 1) % AV_SUBCOUNT);
	else
		a->view = a->view == VIEW_QUEUE ? VIEW_ENDPOINTS : VIEW_QUEUE;
	return 0;
}

int act_prev_pane(struct app *a, int confirmed)
{
	(void)confirmed;
	if (a->view == VIEW_ALERT)
		a->av.sub = (enum av_sub)((a->av.sub + AV_SUBCOUNT - 1) % AV_SUBCOUNT);
	else
		a->view = a->view == VIEW_QUEUE ? VIEW_ENDPOINTS : VIEW_QUEUE;
	return 0;
}

static void prompt_done_command(struct app *a, struct dlg *d, int ok)
{
	if (ok)
		app_command(a, dlg_text(d));
}

struct dlg *dlg_prompt(const char *title, const char *label, const char *init,
                          dlg_done done)
{
	struct dlg *d = dlg_new(DLG_PROMPT, title, done);
	snprintf(d->prompt, sizeof d->prompt, "%s", label);
	if (init != NULL) {
		mbstate_t st;
		memset(&st, 0, sizeof st);
		const char *s = init;
		size_t n = mbsrtowcs(d->input, &s, sizeof d->input / sizeof d->input[0] - 1, &st);
		d->ilen = d->icur = n == (size_t)-1 ? 0 : n;
	}
	return d;
}

int act_command(struct app *a, int confirmed)
{
	(void)confirmed;
	app_dialog(a, dlg_prompt("Command", ":", NULL, prompt_done_command));
	return 0;
}

static void nav(struct app *a, long delta, int home, int end)
{
	if (a->view == VIEW_ALERT) {
		av_move(a, home ? -1000000000 : end ? 1000000000 : (int)delta);
		return;
	}
	if (a->view == VIEW_ENDPOINTS) {
		if (home || end)
			ep_home(a, end);
		else
			ep_move(a, delta);
		return;
	}
	if (home || end)
		q_home(a, end);
	else
		q_move(a, delta);
}

static long page(void) { return LINES > 8 ? LINES - 6 : 1; }

int act_down(struct app *a, int c) { (void)c; nav(a, 1, 0, 0); return 0; }
int act_up(struct app *a, int c) { (void)c; nav(a, -1, 0, 0); return 0; }
int act_page_down(struct app *a, int c) { (void)c; nav(a, page(), 0, 0); return 0; }
int act_page_up(struct app *a, int c) { (void)c; nav(a, -page(), 0, 0); return 0; }
int act_top(struct app *a, int c) { (void)c; nav(a, 0, 1, 0); return 0; }
int act_bottom(struct app *a, int c) { (void)c; nav(a, 0, 0, 1); return 0; }

int act_open(struct app *a, int confirmed)
{
	(void)confirmed;
	if (a->view == VIEW_ALERT) {
		av_enter(a);
	} else if (a->view == VIEW_QUEUE) {
		struct alert *al = q_current(a);
		if (al != NULL)
			av_open(a, al->id);
	} else {
		app_msg(a, MSG_INFO, "endpoints: I isolate, R release");
	}
	return 0;
}

static void search_done(struct app *a, struct dlg *d, int ok)
{
	if (!ok)
		return;
	char err[200];
	if (a->view == VIEW_ALERT) {
		av_set_regex(a, dlg_text(d));
		return;
	}
	if (q_set_search(a, dlg_text(d), err, sizeof err) != 0)
		app_msg(a, MSG_ERROR, "%s", err);
}

int act_search(struct app *a, int confirmed)
{
	(void)confirmed;
	const char *init = a->view == VIEW_ALERT ? a->av.tl_re : a->q.search;
	app_dialog(a, dlg_prompt(a->view == VIEW_ALERT ? "Timeline filter (regex)" : "Search",
	                     "/", init, search_done));
	return 0;
}

int act_search_next(struct app *a, int confirmed)
{
	(void)confirmed;
	if (a->view == VIEW_QUEUE)
		q_search_next(a);
	return 0;
}

int act_fold(struct app *a, int confirmed)
{
	(void)confirmed;
	if (a->view == VIEW_ALERT)
		av_fold(a);
	else if (a->view == VIEW_QUEUE)
		q_toggle_fold(a);
	return 0;
}

int act_freeze(struct app *a, int confirmed)
{
	(void)confirmed;
	a->q.frozen = !a->q.frozen;
	if (!a->q.frozen)
		q_rebuild(a);
	app_msg(a, MSG_INFO, a->q.frozen ? "queue frozen (F thaws)" : "queue live");
	return 0;
}

static void filter_done(struct app *a, struct dlg *d, int ok)
{
	char err[200];
	if (ok && q_set_filter(a, dlg_text(d), err, sizeof err) != 0)
		app_msg(a, MSG_ERROR, "%s", err);
}

int act_filter(struct app *a, int confirmed)
{
	(void)confirmed;
	char cur[256];
	snprintf(cur, sizeof cur, "%s%s%s%s%s%s", a->q.f_tenant ? "tenant=" : "",
	         a->q.f_tenant ? a->q.f_tenant : "", a->q.f_state ? " state=" : "",
	         a->q.f_state ? a->q.f_state : "", a->q.f_verdict ? " verdict=" : "",
	         a->q.f_verdict == 'b' ? "b" : a->q.f_verdict == 'g' ? "g" :
	         a->q.f_verdict == 'w' ? "w" : a->q.f_verdict == '-' ? "none" : "");
	struct dlg *d = dlg_prompt("Filter the queue", "filter: ", cur[0] == ' ' ? cur + 1 : cur,
	                       filter_done);
	dlg_add_line(d, "tenant=NAME state=STATE verdict=b|g|w|none (empty: everything)");
	app_dialog(a, d);
	return 0;
}

int act_mark(struct app *a, int confirmed)
{
	(void)confirmed;
	struct alert *al = q_current(a);
	if (al == NULL)
		return 0;
	al->marked = !al->marked;
	q_move(a, 1);
	size_t n = 0;
	for (size_t i = 0; i < a->as.n; i++)
		n += a->as.v[i]->marked != 0;
	app_msg(a, MSG_INFO, "%zu alert%s marked for one explanatory report (p publishes)", n,
	        n == 1 ? "" : "s");
	return 0;
}

int act_lang(struct app *a, int confirmed)
{
	(void)confirmed;
	a->av.lang_en = !a->av.lang_en;
	app_msg(a, MSG_INFO, "report preview: %s", a->av.lang_en ? "English" : "Japanese");
	return 0;
}

int act_item_filter(struct app *a, int confirmed)
{
	(void)confirmed;
	av_next_item(a);
	return 0;
}

/* The `:` prompt: any action by name (`:isolate`, `:delete-file`), and
 * quit, open ID, filter SPEC, tenant NAME, search PATTERN, theme NAME. */
void app_command(struct app *a, const char *line)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", line);
	char *cmd = buf;
	while (*cmd == ' ' || *cmd == ':')
		cmd++;
	char *arg = strchr(cmd, ' ');
	if (arg != NULL) {
		*arg++ = '\0';
		while (*arg == ' ')
			arg++;
	} else {
		arg = cmd + strlen(cmd);
	}
	char err[200];
	if (*cmd == '\0')
		return;
	if (strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0) {
		a->running = 0;
	} else if (strcmp(cmd, "open") == 0) {
		int64_t id = strtoll(arg, NULL, 10);
		if (id <= 0 || as_get(&a->as, id) == NULL)
			app_msg(a, MSG_ERROR, "open: no open alert #%s", arg);
		else if (!a->wallboard)
			av_open(a, id);
	} else if (strcmp(cmd, "filter") == 0) {
		if (q_set_filter(a, arg, err, sizeof err) != 0)
			app_msg(a, MSG_ERROR, "%s", err);
	} else if (strcmp(cmd, "tenant") == 0) {
		char spec[300];
		snprintf(spec, sizeof spec, "%s%s", *arg ? "tenant=" : "", arg);
		if (q_set_filter(a, spec, err, sizeof err) != 0)
			app_msg(a, MSG_ERROR, "%s", err);
	} else if (strcmp(cmd, "search") == 0) {
		if (q_set_search(a, arg, err, sizeof err) != 0)
			app_msg(a, MSG_ERROR, "%s", err);
	} else if (strcmp(cmd, "theme") == 0) {
		struct cf_reader r;
		struct theme th;
		thm_init(&th);
		if (thm_load(&th, arg, &r) == 0) {
			a->th = th;
			thm_apply(&a->th, getenv("NO_COLOR") == NULL || getenv("NO_COLOR")[0] == '\0');
			app_msg(a, MSG_OK, "theme %s", arg);
		} else {
			char *nl = strchr(r.errors, '\n');
			if (nl != NULL)
				*nl = '\0';
			app_msg(a, MSG_ERROR, "%s", r.errors);
		}
		cf_free(&r);
	} else {
		const struct reg_action *ra = reg_find(cmd);
		if (ra == NULL)
			app_msg(a, MSG_ERROR, "unknown command \"%s\" (? lists the actions)", cmd);
		else
			reg_run(a, ra->id, 0);
	}
}
