/* report_render.c - the quick report's JSON and Markdown forms; see
 * report.h. The model's strings are already sanitized (report.c); the
 * Markdown form escapes them once more for Markdown/HTML syntax.
 */
#include "core/report.h"
#include "core/report_int.h"
#include "core/strbuf.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON ------------------------------------------------------------------ */

struct jb {
	int oom;
};

static json_t *chk(struct jb *j, json_t *v)
{
	if (v == NULL)
		j->oom = 1;
	return v;
}

static void jset(struct jb *j, json_t *o, const char *k, json_t *v)
{
	if (o == NULL || v == NULL || json_object_set_new(o, k, v) != 0)
		j->oom = 1;
}

static void jpush(struct jb *j, json_t *a, json_t *v)
{
	if (a == NULL || v == NULL || json_array_append_new(a, v) != 0)
		j->oom = 1;
}

static json_t *jstr(struct jb *j, const char *s)
{
	return chk(j, s != NULL ? json_string(s) : json_null());
}

static json_t *jtime(struct jb *j, int64_t us)
{
	if (us == RP_NONE)
		return json_null();
	char buf[48];
	ev_format_time(us, buf, sizeof buf);
	return chk(j, json_string(buf));
}

static json_t *jint(struct jb *j, int64_t v)
{
	return chk(j, v >= 0 ? json_integer((json_int_t)v) : json_null());
}

static json_t *jproc(struct jb *j, const struct rp_proc *p, int with_depth)
{
	json_t *o = chk(j, json_object());
	jset(j, o, "guid", jstr(j, p->guid));
	jset(j, o, "pid", jint(j, p->pid));
	jset(j, o, "image", jstr(j, p->image));
	jset(j, o, "cmdline", jstr(j, p->cmdline));
	jset(j, o, "user", jstr(j, p->user));
	jset(j, o, "integrity", jstr(j, p->integrity));
	jset(j, o, "start", jtime(j, p->start_us));
	jset(j, o, "end", jtime(j, p->end_us));
	if (with_depth)
		jset(j, o, "depth", chk(j, json_integer(p->depth)));
	return o;
}

static json_t *jprocs(struct jb *j, const struct rp_proc *v, size_t n, int depth)
{
	json_t *a = chk(j, json_array());
	for (size_t i = 0; i < n; i++)
		jpush(j, a, jproc(j, &v[i], depth));
	return a;
}

static const char *reg_op(enum ev_kind k)
{
	switch (k) {
	case EV_REGISTRY_SET: return "set";
	case EV_REGISTRY_CREATE: return "create";
	case EV_REGISTRY_DELETE: return "delete";
	case EV_REGISTRY_RENAME: return "rename";
	default: return ev_kind_name(k);
	}
}

static json_t *jsigned(struct jb *j, int s)
{
	return chk(j, s < 0 ? json_null() : json_boolean(s));
}

static json_t *jattr_value(struct jb *j, enum rp_attr_field f, const char *v)
{
	if (f == RP_SIGNED && v != NULL)
		return jsigned(j, strcmp(v, "true") == 0);
	return jstr(j, v);
}

char *report_json(const struct report *r, enum rp_lang lang)
{
	struct jb jb = {0}, *j = &jb;
	json_t *root = chk(j, json_object());

	json_t *al = chk(j, json_object());
	jset(j, al, "id", chk(j, json_integer((json_int_t)r->alert.id)));
	jset(j, al, "tenant", jstr(j, r->alert.tenant));
	jset(j, al, "host", jstr(j, r->alert.host));
	jset(j, al, "path", jstr(j, r->alert.path));
	jset(j, al, "sha256", jstr(j, r->alert.sha256));
	jset(j, al, "detected_at", jtime(j, r->alert.detected_us));
	jset(j, al, "received_at", jtime(j, r->alert.received_us));
	jset(j, root, "alert", al);

	json_t *lb = chk(j, json_object());
	jset(j, lb, "from", jtime(j, r->from_us));
	jset(j, lb, "to", jtime(j, r->to_us));
	jset(j, root, "lookback", lb);

	json_t *org = chk(j, json_array());
	for (size_t i = 0; i < r->n_origin; i++) {
		const struct rp_origin *o = &r->origin[i];
		json_t *x = chk(j, json_object());
		jset(j, x, "time", jtime(j, o->ts));
		jset(j, x, "kind", jstr(j, ev_kind_name(o->kind)));
		jset(j, x, "path", jstr(j, o->path));
		jset(j, x, "process", jproc(j, &o->proc, 0));
		jset(j, x, "ancestors", jprocs(j, o->anc, o->n_anc, 0));
		jset(j, x, "url", jstr(j, o->url));
		jset(j, x, "zone", jstr(j, o->zone));
		jpush(j, org, x);
	}
	jset(j, root, "origin", org);

	json_t *ex = chk(j, json_array());
	for (size_t i = 0; i < r->n_exec; i++) {
		const struct rp_exec *e = &r->exec[i];
		json_t *x = chk(j, json_object());
		jset(j, x, "process", jproc(j, &e->proc, 0));
		jset(j, x, "ancestors", jprocs(j, e->anc, e->n_anc, 0));
		jset(j, x, "descendants", jprocs(j, e->desc, e->n_desc, 1));
		jpush(j, ex, x);
	}
	jset(j, root, "executions", ex);

	json_t *fw = chk(j, json_array());
	for (size_t i = 0; i < r->files_written.n; i++) {
		const struct rp_row *w = &r->files_written.v[i];
		json_t *x = chk(j, json_object());
		jset(j, x, "time", jtime(j, w->ts));
		jset(j, x, "path", jstr(j, w->path));
		jset(j, x, "process_guid", jstr(j, w->guid));
		jset(j, x, "image", jstr(j, w->image));
		jpush(j, fw, x);
	}
	jset(j, root, "files_written", fw);

	json_t *rg = chk(j, json_array());
	for (size_t i = 0; i < r->registry.n; i++) {
		const struct rp_row *w = &r->registry.v[i];
		json_t *x = chk(j, json_object());
		jset(j, x, "time", jtime(j, w->ts));
		jset(j, x, "op", jstr(j, reg_op(w->kind)));
		jset(j, x, "key", jstr(j, w->path));
		jset(j, x, "value", jstr(j, w->value));
		jset(j, x, "process_guid", jstr(j, w->guid));
		jset(j, x, "image", jstr(j, w->image));
		jpush(j, rg, x);
	}
	jset(j, root, "registry", rg);

	json_t *fr = chk(j, json_array());
	for (size_t i = 0; i < r->files_read.n; i++) {
		const struct rp_row *w = &r->files_read.v[i];
		json_t *x = chk(j, json_object());
		jset(j, x, "time", jtime(j, w->ts));
		jset(j, x, "path", jstr(j, w->path));
		jset(j, x, "process_guid", jstr(j, w->guid));
		jset(j, x, "image", jstr(j, w->image));
		jset(j, x, "signed", jsigned(j, w->signed_));
		jset(j, x, "signature", jstr(j, w->signature));
		jpush(j, fr, x);
	}
	jset(j, root, "files_read", fr);

	json_t *nw = chk(j, json_array());
	for (size_t i = 0; i < r->network.n; i++) {
		const struct rp_row *w = &r->network.v[i];
		json_t *x = chk(j, json_object());
		jset(j, x, "time", jtime(j, w->ts));
		jset(j, x, "proto", jstr(j, w->proto));
		jset(j, x, "remote_ip", jstr(j, w->remote_ip));
		jset(j, x, "remote_port", jint(j, w->remote_port));
		jset(j, x, "dns", jstr(j, w->path));
		jset(j, x, "process_guid", jstr(j, w->guid));
		jset(j, x, "image", jstr(j, w->image));
		jpush(j, nw, x);
	}
	jset(j, root, "network", nw);

	json_t *at = chk(j, json_object());
	json_t *conf = chk(j, json_array());
	for (int f = 0; f < RP_ATTR_COUNT; f++) {
		const struct rp_attr *a = &r->attr[f];
		jset(j, at, report_attr_name((enum rp_attr_field)f),
		     jattr_value(j, (enum rp_attr_field)f, a->value));
		if (a->n_vals < 2)
			continue;
		json_t *c = chk(j, json_object());
		json_t *vals = chk(j, json_array());
		jset(j, c, "field", jstr(j, report_attr_name((enum rp_attr_field)f)));
		for (size_t i = 0; i < a->n_vals; i++) {
			json_t *v = chk(j, json_object());
			jset(j, v, "value", jattr_value(j, (enum rp_attr_field)f, a->vals[i].value));
			jset(j, v, "source", jstr(j, a->vals[i].source));
			jpush(j, vals, v);
		}
		jset(j, c, "values", vals);
		jpush(j, conf, c);
	}
	jset(j, at, "conflicts", conf);
	jset(j, root, "attributes", at);

	rp_json_sections(root, r, lang, &j->oom);

	json_t *notes = chk(j, json_array());
	for (size_t i = 0; i < r->n_notes; i++)
		jpush(j, notes, jstr(j, lang == RP_JA ? r->notes[i].ja : r->notes[i].en));
	jset(j, root, "notes", notes);

	char *out = NULL;
	if (!j->oom) {
		char *s = json_dumps(root, JSON_INDENT(2));
		if (s != NULL) {
			size_t l = strlen(s);
			out = malloc(l + 2);
			if (out != NULL) {
				memcpy(out, s, l);
				out[l] = '\n';
				out[l + 1] = '\0';
			}
			free(s);
		}
	}
	json_decref(root);
	return out;
}

/* ---- Markdown escaping ------------------------------------------------------ */

static int is_punct(int c)
{
	return c > 0x20 && c < 0x7F &&
	       !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

static int is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       c >= 0x80;
}

static int prefix_ci(const char *s, const char *p)
{
	for (; *p != '\0'; s++, p++) {
		int c = (unsigned char)*s;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != *p)
			return 0;
	}
	return 1;
}

char *report_md_escape(const char *s, int in_table)
{
	if (s == NULL)
		s = "";
	size_t len = strlen(s);
	/* Each byte at most doubles; defanging adds at most 4 per "www.". */
	char *out = malloc(len * 3 + 1);
	if (out == NULL)
		return NULL;
	char *o = out;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];
		int prev = i > 0 ? (unsigned char)s[i - 1] : ' ';
		int next = (unsigned char)s[i + 1];
		if ((prev == ' ' || !is_alnum(prev)) && prefix_ci(s + i, "http")) {
			size_t sl = prefix_ci(s + i, "http://") ? 4 :
			            prefix_ci(s + i, "https://") ? 5 : 0;
			if (sl > 0) {
				*o++ = s[i];
				*o++ = 'x';
				*o++ = 'x';
				memcpy(o, s + i + 3, sl - 3);
				o += sl - 3;
				i += sl - 1;
				continue;
			}
		}
		if ((i == 0 || !is_alnum(prev)) && prefix_ci(s + i, "ftp://")) {
			*o++ = s[i];
			*o++ = 'x';
			*o++ = 'p';
			i += 2;
			continue;
		}
		if ((i == 0 || !is_alnum(prev)) && prefix_ci(s + i, "www.")) {
			memcpy(o, s + i, 3);
			o += 3;
			memcpy(o, "\\[.\\]", 5);
			o += 5;
			i += 3;
			continue;
		}
		switch (c) {
		case '\\':
			if (next == '\0' || is_punct(next))
				*o++ = '\\';
			*o++ = '\\';
			break;
		case '<': case '>': case '[': case ']': case '`': case '*':
		case '&': case '~':
			*o++ = '\\';
			*o++ = (char)c;
			break;
		case '_':
			if (!is_alnum(prev) || !is_alnum(next))
				*o++ = '\\';
			*o++ = '_';
			break;
		case '|':
			if (in_table)
				*o++ = '\\';
			*o++ = '|';
			break;
		default:
			*o++ = (char)c;
			break;
		}
	}
	*o = '\0';
	return out;
}

/* ---- Markdown --------------------------------------------------------------- */

static const char *base_of(const char *p)
{
	if (p == NULL)
		return NULL;
	const char *s = strrchr(p, '\\');
	return s != NULL && s[1] != '\0' ? s + 1 : p;
}

/* "image (pid N)" with its marks; full = also GUID and start. */
static void sb_proc(struct sb *b, const struct rp_proc *p, int in_table, int full)
{
	sb_md(b, full ? p->image : base_of(p->image), in_table);
	if (p->pid >= 0)
		sb_printf(b, " (pid %lld)", (long long)p->pid);
	if (p->parent_only)
		sb_puts(b, L(b, " [known only from a child's parent fields]",
		             " [子プロセスの親情報からのみ判明]"));
	else if (p->seen_only)
		sb_puts(b, L(b, " [no process start logged]", " [起動イベントなし]"));
	if (full && p->start_us != RP_NONE) {
		sb_puts(b, L(b, ", started ", "、起動 "));
		sb_time(b, p->start_us);
	}
}

static void sb_proc_detail(struct sb *b, const struct rp_proc *p, const char *indent)
{
	sb_printf(b, "%s- %s: ", indent, L(b, "Command line", "コマンドライン"));
	sb_md(b, p->cmdline, 0);
	sb_printf(b, "\n%s- %s: ", indent, L(b, "User", "ユーザー"));
	sb_md(b, p->user, 0);
	if (p->integrity != NULL) {
		sb_puts(b, " (");
		sb_md(b, p->integrity, 0);
		sb_puts(b, ")");
	}
	sb_printf(b, "\n%s- GUID: ", indent);
	sb_md(b, p->guid, 0);
	sb_puts(b, "\n");
}

static void sb_chain(struct sb *b, const struct rp_proc *anc, size_t n,
                     const struct rp_proc *last, const char *indent)
{
	sb_printf(b, "%s- %s:\n", indent, L(b, "Chain (oldest first)", "プロセスの流れ（古い順）"));
	for (size_t i = 0; i < n; i++) {
		sb_printf(b, "%s  %zu. ", indent, i + 1);
		sb_proc(b, &anc[i], 0, 1);
		sb_puts(b, "\n");
	}
	sb_printf(b, "%s  %zu. **", indent, n + 1);
	sb_proc(b, last, 0, 1);
	sb_puts(b, "**\n");
}

/* The verdict line(s): an explanatory report also names the quick
 * report's verdict when it differs. */
static void md_verdict(struct sb *b, const struct report *r)
{
	enum rp_verdict v = report_verdict(r);
	if (v == RP_V_NONE)
		return;
	sb_printf(b, "- %s: %s\n", L(b, "Verdict", "判定結果"), rp_verdict_label(v, b->lang));
	const struct rp_facts *f = &r->facts;
	if (f->kind == RP_KIND_EXPLAIN && f->quick != RP_V_NONE && f->quick != v)
		sb_printf(b, "- %s: %s%s\n", L(b, "Quick report's verdict", "速報レポートの判定結果"),
		          rp_verdict_label(f->quick, b->lang),
		          L(b, " (changed by this report's analysis)",
		            "（分析の結果、本レポートで判定結果が変わりました）"));
}

static void md_header(struct sb *b, const struct report *r)
{
	int explain = r->has_facts && r->facts.kind == RP_KIND_EXPLAIN;
	sb_printf(b, "# %s %lld\n\n",
	          explain ? L(b, "Explanatory report: alert", "解説レポート: アラート")
	                  : L(b, "Quick report: alert", "速報レポート: アラート"),
	          (long long)r->alert.id);
	const struct {
		const char *en, *ja, *v;
	} rows[] = {
		{"Tenant", "テナント", r->alert.tenant},
		{"Host", "端末", r->alert.host},
		{"Detected file", "検知ファイル", r->alert.path},
		{"SHA-256", "SHA-256", r->alert.sha256},
		{"Detection", "検知名", r->alert.detection},
		{"Action", "対処", r->alert.action},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		sb_printf(b, "- %s: ", L(b, rows[i].en, rows[i].ja));
		sb_md(b, rows[i].v, 0);
		sb_puts(b, "\n");
	}
	md_verdict(b, r);
	sb_printf(b, "- %s: ", L(b, "Detected at", "検知日時"));
	sb_time(b, r->alert.detected_us);
	sb_printf(b, "\n- %s: ", L(b, "Received at", "受信日時"));
	sb_time(b, r->alert.received_us);
	sb_printf(b, "\n- %s: ", L(b, "Logs examined", "調査範囲"));
	sb_time(b, r->from_us);
	sb_puts(b, " – ");
	sb_time(b, r->to_us);
	sb_puts(b, "\n\n");
}

static void md_none(struct sb *b)
{
	sb_printf(b, "%s\n\n", L(b, "None logged.", "記録なし。"));
}

static void md_origin(struct sb *b, const struct report *r)
{
	sb_printf(b, "## 1. %s\n\n", L(b, "How the detected file was created", "ファイルの生成経緯"));
	if (r->n_origin == 0)
		md_none(b);
	for (size_t i = 0; i < r->n_origin; i++) {
		const struct rp_origin *o = &r->origin[i];
		sb_printf(b, "%zu. ", i + 1);
		sb_time(b, o->ts);
		sb_printf(b, " %s: ", ev_kind_name(o->kind));
		sb_md(b, o->path, 0);
		if (o->by_hash)
			sb_puts(b, L(b, " (same SHA-256, other path)", "（同一 SHA-256、別パス）"));
		sb_printf(b, "\n   - %s: ", L(b, "Process", "プロセス"));
		sb_proc(b, &o->proc, 0, 1);
		sb_puts(b, "\n");
		if (o->url != NULL) {
			sb_printf(b, "   - %s: ", L(b, "Downloaded from", "ダウンロード元"));
			sb_md(b, o->url, 0);
			sb_puts(b, "\n");
		}
		if (o->zone != NULL) {
			sb_printf(b, "   - %s: ", L(b, "Zone", "ゾーン"));
			sb_md(b, o->zone, 0);
			sb_puts(b, "\n");
		}
		sb_chain(b, o->anc, o->n_anc, &o->proc, "   ");
	}
	if (r->n_origin > 0)
		sb_puts(b, "\n");
}

static const char *via_text(const struct sb *b, enum rp_via v)
{
	switch (v) {
	case RP_VIA_START: return L(b, "process start of the file", "ファイルのプロセス起動");
	case RP_VIA_HASH: return L(b, "process start of the same SHA-256", "同一 SHA-256 のプロセス起動");
	case RP_VIA_CMDLINE: return L(b, "command line names the file", "コマンドラインでファイルを指定");
	case RP_VIA_LOAD: return L(b, "loaded the file (image load)", "ファイルを読み込み（イメージロード）");
	}
	return "?";
}

static void md_exec(struct sb *b, const struct report *r)
{
	sb_printf(b, "## 2. %s\n\n", L(b, "Processes up to the detected file's execution",
	                                 "検知ファイルが実行されるまでのプロセス"));
	if (r->n_exec == 0)
		md_none(b);
	for (size_t i = 0; i < r->n_exec; i++) {
		const struct rp_exec *x = &r->exec[i];
		sb_printf(b, "%zu. ", i + 1);
		sb_proc(b, &x->proc, 0, 1);
		sb_printf(b, " (%s)\n", via_text(b, x->via));
		sb_proc_detail(b, &x->proc, "   ");
		sb_chain(b, x->anc, x->n_anc, &x->proc, "   ");
	}
	if (r->n_exec > 0)
		sb_puts(b, "\n");

	sb_printf(b, "## 3. %s\n\n", L(b, "Processes the detected file started",
	                                 "検知ファイルが実行したプロセス"));
	size_t total = 0;
	for (size_t i = 0; i < r->n_exec; i++)
		total += r->exec[i].n_desc;
	if (total == 0)
		md_none(b);
	for (size_t i = 0; i < r->n_exec; i++) {
		const struct rp_exec *x = &r->exec[i];
		if (x->n_desc == 0)
			continue;
		sb_printf(b, "- %s ", L(b, "Under", "起点"));
		sb_proc(b, &x->proc, 0, 0);
		sb_puts(b, ":\n");
		for (size_t k = 0; k < x->n_desc; k++) {
			const struct rp_proc *d = &x->desc[k];
			int ind = d->depth < 8 ? d->depth : 8;
			for (int s = 0; s < ind; s++)
				sb_puts(b, "  ");
			sb_printf(b, "- [%d] ", d->depth);
			sb_proc(b, d, 0, 0);
			sb_puts(b, " ");
			sb_time(b, d->start_us);
			sb_puts(b, ": ");
			sb_md(b, d->cmdline, 0);
			sb_puts(b, "\n");
		}
	}
	if (total > 0)
		sb_puts(b, "\n");
}

static void cell_proc(struct sb *b, const struct rp_row *w)
{
	sb_md(b, base_of(w->image), 1);
	if (w->pid >= 0)
		sb_printf(b, " (pid %lld)", (long long)w->pid);
	if (w->origin_writer)
		sb_puts(b, L(b, " [origin writer]", " [書き込み元]"));
	if (w->names_file)
		sb_puts(b, L(b, " [names the file]", " [ファイルを指す]"));
}

static void md_rows(struct sb *b, const struct report *r)
{
	sb_printf(b, "## 4. %s\n\n", L(b, "Files written", "書き込まれたファイル"));
	if (r->files_written.n == 0)
		md_none(b);
	else
		sb_printf(b, "| %s | %s | %s |\n|---|---|---|\n", L(b, "Time", "日時"),
		          L(b, "Path", "パス"), L(b, "Process", "プロセス"));
	for (size_t i = 0; i < r->files_written.n; i++) {
		const struct rp_row *w = &r->files_written.v[i];
		sb_puts(b, "| ");
		sb_time(b, w->ts);
		sb_puts(b, " | ");
		sb_md(b, w->path, 1);
		sb_puts(b, " | ");
		cell_proc(b, w);
		sb_puts(b, " |\n");
	}
	if (r->files_written.n > 0)
		sb_puts(b, "\n");

	sb_printf(b, "## 5. %s\n\n", L(b, "Registry edited", "編集されたレジストリ"));
	if (r->registry.n == 0)
		md_none(b);
	else
		sb_printf(b, "| %s | %s | %s | %s | %s |\n|---|---|---|---|---|\n",
		          L(b, "Time", "日時"), L(b, "Operation", "操作"), L(b, "Key", "キー"),
		          L(b, "Value", "値"), L(b, "Process", "プロセス"));
	for (size_t i = 0; i < r->registry.n; i++) {
		const struct rp_row *w = &r->registry.v[i];
		sb_puts(b, "| ");
		sb_time(b, w->ts);
		sb_printf(b, " | %s | ", reg_op(w->kind));
		sb_md(b, w->path, 1);
		sb_puts(b, " | ");
		sb_md(b, w->value, 1);
		sb_puts(b, " | ");
		cell_proc(b, w);
		sb_puts(b, " |\n");
	}
	if (r->registry.n > 0)
		sb_puts(b, "\n");

	sb_printf(b, "## 6. %s\n\n", L(b, "Files read and images loaded", "読み込まれたファイル"));
	if (r->files_read.n == 0)
		md_none(b);
	else
		sb_printf(b, "| %s | %s | %s | %s | %s |\n|---|---|---|---|---|\n",
		          L(b, "Time", "日時"), L(b, "Path", "パス"), L(b, "Signed", "署名"),
		          L(b, "Signature", "署名者"), L(b, "Process", "プロセス"));
	for (size_t i = 0; i < r->files_read.n; i++) {
		const struct rp_row *w = &r->files_read.v[i];
		sb_puts(b, "| ");
		sb_time(b, w->ts);
		sb_puts(b, " | ");
		sb_md(b, w->path, 1);
		sb_printf(b, " | %s | ", w->signed_ < 0 ? "-" : w->signed_ ? "true" : "false");
		sb_md(b, w->signature, 1);
		sb_puts(b, " | ");
		cell_proc(b, w);
		sb_puts(b, " |\n");
	}
	if (r->files_read.n > 0)
		sb_puts(b, "\n");

	sb_printf(b, "## 7. %s\n\n", L(b, "Network communication", "通信"));
	if (r->network.n == 0)
		md_none(b);
	else
		sb_printf(b, "| %s | %s | %s | %s | %s |\n|---|---|---|---|---|\n",
		          L(b, "Time", "日時"), L(b, "Protocol", "プロトコル"),
		          L(b, "Remote address", "接続先"), L(b, "DNS name", "DNS 名"),
		          L(b, "Process", "プロセス"));
	for (size_t i = 0; i < r->network.n; i++) {
		const struct rp_row *w = &r->network.v[i];
		sb_puts(b, "| ");
		sb_time(b, w->ts);
		sb_puts(b, " | ");
		sb_md(b, w->proto, 1);
		sb_puts(b, " | ");
		if (w->remote_ip != NULL) {
			sb_md(b, w->remote_ip, 1);
			if (w->remote_port >= 0)
				sb_printf(b, ":%lld", (long long)w->remote_port);
		} else {
			sb_puts(b, "-");
		}
		sb_puts(b, " | ");
		sb_md(b, w->path, 1);
		sb_puts(b, " | ");
		cell_proc(b, w);
		sb_puts(b, " |\n");
	}
	if (r->network.n > 0)
		sb_puts(b, "\n");
}

static void md_attrs(struct sb *b, const struct report *r)
{
	static const char *const ja[RP_ATTR_COUNT] = {
		"SHA256", "SHA1", "MD5", "IMPHASH", "署名有無", "署名者",
		"元のファイル名", "会社名", "説明",
	};
	static const char *const en[RP_ATTR_COUNT] = {
		"SHA256", "SHA1", "MD5", "IMPHASH", "Signed", "Signature",
		"Original file name", "Company", "Description",
	};
	sb_printf(b, "## 8. %s\n\n", L(b, "File attributes", "ファイル属性"));
	sb_printf(b, "| %s | %s |\n|---|---|\n", L(b, "Attribute", "属性"), L(b, "Value", "値"));
	int conflicts = 0;
	for (int f = 0; f < RP_ATTR_COUNT; f++) {
		sb_printf(b, "| %s | ", L(b, en[f], ja[f]));
		sb_md(b, r->attr[f].value, 1);
		sb_puts(b, " |\n");
		conflicts += r->attr[f].n_vals > 1;
	}
	sb_puts(b, "\n");
	if (conflicts == 0)
		return;
	sb_printf(b, "%s:\n\n", L(b, "Sources disagree", "情報源による不一致"));
	for (int f = 0; f < RP_ATTR_COUNT; f++) {
		const struct rp_attr *a = &r->attr[f];
		if (a->n_vals < 2)
			continue;
		sb_printf(b, "- %s:\n", L(b, en[f], ja[f]));
		for (size_t i = 0; i < a->n_vals; i++) {
			sb_puts(b, "  - ");
			sb_md(b, a->vals[i].value, 0);
			sb_puts(b, " (");
			sb_md(b, a->vals[i].source, 0);
			sb_puts(b, ")\n");
		}
	}
	sb_puts(b, "\n");
}

char *report_markdown(const struct report *r, enum rp_lang lang)
{
	struct sb b = {0};
	b.lang = lang;
	md_header(&b, r);
	rp_md_sections(&b, r);
	md_origin(&b, r);
	md_exec(&b, r);
	md_rows(&b, r);
	md_attrs(&b, r);
	if (r->n_notes > 0) {
		sb_printf(&b, "## %s\n\n", L(&b, "Notes", "補足"));
		for (size_t i = 0; i < r->n_notes; i++) {
			sb_puts(&b, "- ");
			sb_md(&b, lang == RP_JA ? r->notes[i].ja : r->notes[i].en, 0);
			sb_puts(&b, "\n");
		}
	}
	return strbuf_take(&b.buf);
}
