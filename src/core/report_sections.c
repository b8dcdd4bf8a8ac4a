/* report_sections.c - what SPEC R-15..R-20 ask each verdict's report to
 * tell the service administrator, beyond the eight items of R-10, in the
 * Markdown and the JSON of the report (report_render.c calls in here).
 *
 *   black: the file and its logs are items 1-8; network isolation
 *     (done at once by the hearing sheet's 「直ちに隔離登録する」, R-1/R-13,
 *     or on request, R-22) and sample deletion (検体削除, on request, R-23)
 *     with the state of the commands tied to the alert;
 *   gray: the security logs the administrator should check with the
 *     user (when and by which process the file was saved, from where, when
 *     and by which user it was run, with what command line), what to answer
 *     (saved / run on purpose or not), by when (the reply due on the tenant's
 *     business calendar) and what happens without an answer (handled as
 *     white); isolation and deletion on request as for black;
 *   white: the file and its logs are items 1-8; whether the file went
 *     into the exception list or why not.
 * The Japanese wording is the service description's
 * (../shared/seed/service-description.ja.txt, 4-2 to 4-4).
 *
 * Pure: the facts come with the model (struct rp_facts, no strings); the
 * only text from an endpoint is the model's, already sanitized, and the
 * Markdown escapes it again (sb_md).
 */
#include "core/report_int.h"

#include <stdio.h>
#include <string.h>

#define CHECK_MAX 5             /* saves / runs listed for the user */
#define REMOTE_MAX 5            /* a writer's destinations listed */
#define REPLY_DAYS 3            /* business days to answer */

/* ---- facts ------------------------------------------------------------------ */

const char *report_verdict_name(enum rp_verdict v)
{
	switch (v) {
	case RP_V_BLACK: return "black";
	case RP_V_GRAY: return "gray";
	case RP_V_WHITE: return "white";
	case RP_V_NONE: break;
	}
	return NULL;
}

enum rp_verdict report_verdict(const struct report *r)
{
	if (!r->has_facts)
		return RP_V_NONE;
	if (r->facts.kind == RP_KIND_EXPLAIN && r->facts.explain != RP_V_NONE)
		return r->facts.explain;
	return r->facts.quick;
}

const char *rp_verdict_label(enum rp_verdict v, enum rp_lang lang)
{
	int ja = lang == RP_JA;
	switch (v) {
	case RP_V_BLACK: return ja ? "ブラック（明らかな脅威）" : "Black (clear threat)";
	case RP_V_GRAY: return ja ? "グレー（要調査）" : "Gray (needs investigation)";
	case RP_V_WHITE:
		return ja ? "ホワイト（過検知、誤検知）" : "White (over-detection or false detection)";
	case RP_V_NONE: break;
	}
	return "-";
}

/* The newest command of a kind, NULL when none. */
static const struct rp_command *last_cmd(const struct rp_facts *f, enum rp_cmd_kind k)
{
	const struct rp_command *c = NULL;
	for (size_t i = 0; i < f->n_cmds && i < RP_MAX_CMDS; i++)
		if (f->cmds[i].kind == k && (c == NULL || f->cmds[i].id > c->id))
			c = &f->cmds[i];
	return c;
}

static const char *cmd_kind_name(enum rp_cmd_kind k)
{
	return k == RP_CMD_ISOLATE ? "isolate" : k == RP_CMD_RELEASE ? "release" : "delete";
}

static const char *cmd_state_name(enum rp_cmd_state s)
{
	static const char *const n[] = {"queued", "delivered", "done", "failed", "expired"};
	return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}

static const char *isolation_name(enum rp_isolation i)
{
	static const char *const n[] = {NULL, "none", "pending", "isolated", "release_pending"};
	return (unsigned)i < sizeof n / sizeof n[0] ? n[i] : NULL;
}

static int pending(const struct rp_command *c)
{
	return c->state == RP_CS_QUEUED || c->state == RP_CS_DELIVERED;
}

/* where the file stands with the exception list. */
enum exc_status { EXC_ADDED, EXC_LISTED, EXC_SCHEDULED, EXC_AFTER_EXPLAIN,
                  EXC_NOT_REQUESTED, EXC_NOT_ADDED };

static enum exc_status exc_status(const struct rp_facts *f)
{
	if (f->exception_id > 0)
		return f->exception_this_alert ? EXC_ADDED : EXC_LISTED;
	if (f->exception_due_us != RP_NONE)
		return EXC_SCHEDULED;
	if (!f->auto_exception)
		return EXC_NOT_REQUESTED;
	if (f->kind == RP_KIND_QUICK && f->needs_explanatory)
		return EXC_AFTER_EXPLAIN;
	return EXC_NOT_ADDED;
}

/* "2026-11-30 17:30 (UTC+09:00)" in the tenant calendar's zone; "" when
 * the zone is not known. */
static void local_time(const struct rp_facts *f, int64_t us, char *out, size_t len)
{
	out[0] = '\0';
	if (!f->has_tz || us == RP_NONE)
		return;
	char buf[48];
	ev_format_time(us + (int64_t)f->tz_min * 60 * 1000000, buf, sizeof buf);
	int m = f->tz_min < 0 ? -f->tz_min : f->tz_min;
	snprintf(out, len, "%.10s %.5s (UTC%c%02d:%02d)", buf, buf + 11,
	         f->tz_min < 0 ? '-' : '+', m / 60, m % 60);
}

/* A time for the administrator: local first when known, then UTC. */
static void sb_when(struct sb *b, const struct rp_facts *f, int64_t us)
{
	char loc[64];
	local_time(f, us, loc, sizeof loc);
	if (loc[0] != '\0') {
		sb_puts(b, loc);
		sb_puts(b, "; ");
	}
	sb_time(b, us);
}

/* The process that started p: the last of its ancestors. */
static const struct rp_proc *parent_of(const struct rp_proc *anc, size_t n)
{
	return n > 0 ? &anc[n - 1] : NULL;
}

static const char *base_name(const char *p)
{
	if (p == NULL)
		return NULL;
	const char *s = strrchr(p, '\\');
	return s != NULL && s[1] != '\0' ? s + 1 : p;
}

/* A destination of a writer: a DNS name (port -1) or an address. */
struct dest {
	const char *name;
	int64_t port;
};

/* The first REMOTE_MAX distinct destinations (DNS name, else address and
 * port) of writer o's network rows (item 7); returns how many. One pass;
 * the names are the model's. */
static size_t writer_remotes(const struct report *r, const struct rp_origin *o,
                             struct dest out[REMOTE_MAX])
{
	size_t n = 0;
	if (o->proc.guid == NULL)
		return 0;
	for (size_t k = 0; k < r->network.n && n < REMOTE_MAX; k++) {
		const struct rp_row *w = &r->network.v[k];
		if (!w->origin_writer || w->guid == NULL || strcmp(w->guid, o->proc.guid) != 0)
			continue;
		struct dest d = {w->path, -1};
		if (d.name == NULL)
			d = (struct dest){w->remote_ip, w->remote_port};
		if (d.name == NULL)
			continue;
		int dup = 0;
		for (size_t j = 0; j < n && !dup; j++)
			dup = out[j].port == d.port && strcmp(out[j].name, d.name) == 0;
		if (!dup)
			out[n++] = d;
	}
	return n;
}

/* ---- Markdown ------------------------------------------------------------- */

static void md_cmd_state(struct sb *b, const struct rp_facts *f, const struct rp_command *c)
{
	static const char *const en[] = {
		"waiting to be sent to the endpoint", "sent to the endpoint, waiting for its result",
		"done", "failed", "expired: the endpoint did not connect",
	};
	static const char *const ja[] = {
		"端末への指示の送信待ち", "端末へ指示済み、結果待ち", "完了", "失敗",
		"期限切れ: 端末と通信できませんでした",
	};
	unsigned s = (unsigned)c->state < 5 ? (unsigned)c->state : 3;
	sb_printf(b, "%s #%lld: %s", L(b, "command", "指示"), (long long)c->id,
	          b->lang == RP_JA ? ja[s] : en[s]);
	if (c->state == RP_CS_DONE && c->finished_us != RP_NONE) {
		sb_puts(b, L(b, ", ", "、"));
		sb_when(b, f, c->finished_us);
	}
}

/* Network isolation. */
static void md_isolation(struct sb *b, const struct report *r, enum rp_verdict v)
{
	const struct rp_facts *f = &r->facts;
	const struct rp_command *iso = last_cmd(f, RP_CMD_ISOLATE);
	const struct rp_command *rel = last_cmd(f, RP_CMD_RELEASE);
	sb_printf(b, "- %s: ", L(b, "Network isolation", "ネットワーク隔離"));
	if (rel != NULL && (iso == NULL || rel->id > iso->id)) {
		sb_puts(b, rel->state == RP_CS_DONE
		           ? L(b, "the isolation of the endpoint was released (",
		                  "端末のネットワーク隔離は解除されました（")
		           : L(b, "the release of the endpoint's isolation was requested (",
		                  "端末のネットワーク隔離の解除を手配しています（"));
		md_cmd_state(b, f, rel);
		sb_puts(b, L(b, ").", "）。"));
	} else if (iso != NULL) {
		if (iso->automatic)
			sb_puts(b, L(b, "as the hearing sheet asks (isolate at once), the endpoint was "
			                "isolated on the verdict",
			                "ヒアリングシートのご希望（「直ちに隔離登録する」）により、判定結果に"
			                "基づいてネットワーク隔離を"));
		else
			sb_puts(b, L(b, "the endpoint's isolation was requested",
			                "ご依頼に基づきネットワーク隔離を"));
		sb_puts(b, iso->state == RP_CS_DONE ? L(b, ": done (", "実施しました（")
		           : pending(iso) ? L(b, ": in progress (", "実施しています（")
		           : L(b, ": not completed (", "実施しましたが完了していません（"));
		md_cmd_state(b, f, iso);
		sb_puts(b, L(b, ").", "）。"));
		if (iso->state == RP_CS_DONE || pending(iso))
			sb_puts(b, L(b, " While isolated, the endpoint can reach only the destinations "
			                "allowed on the hearing sheet.",
			                "隔離中は、ヒアリングシートの通信許可設定以外の宛先には接続"
			                "できません。"));
	} else if (f->isolation == RP_ISO_ISOLATED || f->isolation == RP_ISO_PENDING) {
		sb_puts(b, f->isolation == RP_ISO_ISOLATED
		           ? L(b, "the endpoint is already isolated.",
		               "この端末は既にネットワーク隔離されています。")
		           : L(b, "the endpoint's isolation is already in progress.",
		               "この端末は既にネットワーク隔離の手続き中です。"));
	} else {
		sb_puts(b, L(b, "not done", "実施していません"));
		if (v == RP_V_BLACK && !f->auto_isolate)
			sb_puts(b, L(b, " (the hearing sheet does not ask to isolate at once)",
			                "（ヒアリングシートで「直ちに隔離登録する」はご希望されて"
			                "いません）"));
		sb_puts(b, L(b, ". The endpoint can be isolated on the administrator's request "
		                "(in business hours); it then reaches only the destinations "
		                "allowed on the hearing sheet.",
		                "。サービス管理者のご依頼に基づきネットワーク隔離が可能です"
		                "（当社営業時間内対応）。隔離後は、ヒアリングシートの通信許可設定"
		                "以外の宛先には接続できません。"));
	}
	sb_puts(b, "\n");
}

/* Sample deletion. */
static void md_deletion(struct sb *b, const struct report *r)
{
	const struct rp_command *del = last_cmd(&r->facts, RP_CMD_DELETE);
	sb_printf(b, "- %s: ", L(b, "Sample deletion", "検体削除"));
	if (del != NULL) {
		sb_puts(b, del->state == RP_CS_DONE
		           ? L(b, "the detected file was deleted on request (",
		               "ご依頼に基づき検知されたファイルを削除しました（")
		           : pending(del)
		           ? L(b, "the deletion of the detected file is in progress (",
		               "ご依頼に基づき検知されたファイルの削除を実施しています（")
		           : L(b, "the deletion of the detected file did not complete (",
		               "検知されたファイルの削除は完了していません（"));
		md_cmd_state(b, &r->facts, del);
		sb_puts(b, L(b, ").\n", "）。\n"));
		return;
	}
	sb_puts(b, L(b, "the detected file can be deleted on the administrator's request (in "
	                "business hours); on request it can also be fetched and what can be "
	                "found about the cause of the detection reported.\n",
	                "サービス管理者のご依頼に基づき、検知されたファイルの削除が可能です"
	                "（当社営業時間内対応）。検知の原因の調査をご希望の場合は、ファイルを"
	                "取得し、調査可能な範囲で追加情報をご提供します。\n"));
}

static void md_actions(struct sb *b, const struct report *r, enum rp_verdict v)
{
	sb_printf(b, "### %s\n\n", L(b, "Network isolation and sample deletion",
	                               "ネットワーク隔離と検体削除"));
	md_isolation(b, r, v);
	md_deletion(b, r);
	sb_puts(b, "\n");
}

/* the saves and runs of the file the user should recognise. */
static void md_check_logs(struct sb *b, const struct report *r)
{
	sb_printf(b, "### %s\n\n", L(b, "Security logs to check with the user",
	                               "サービス利用者にご確認いただきたいセキュリティログ"));
	sb_printf(b, "- %s: ", L(b, "Detected file", "検知ファイル"));
	sb_md(b, r->alert.path, 0);
	if (r->alert.sha256 != NULL) {
		sb_puts(b, " (SHA-256 ");
		sb_md(b, r->alert.sha256, 0);
		sb_puts(b, ")");
	}
	sb_puts(b, "\n");
	for (size_t i = 0; i < r->n_origin && i < CHECK_MAX; i++) {
		const struct rp_origin *o = &r->origin[i];
		sb_printf(b, "- %s: ", L(b, "Saved", "保存"));
		sb_time(b, o->ts);
		sb_puts(b, L(b, " by ", "、"));
		sb_md(b, base_name(o->proc.image), 0);
		if (o->proc.pid >= 0)
			sb_printf(b, " (pid %lld)", (long long)o->proc.pid);
		sb_puts(b, L(b, ", user ", "、ユーザー "));
		sb_md(b, o->proc.user, 0);
		sb_printf(b, " (%s): ", ev_kind_name(o->kind));
		sb_md(b, o->path, 0);
		if (o->by_hash)
			sb_puts(b, L(b, " (same SHA-256, other path)", "（同一 SHA-256、別パス）"));
		sb_puts(b, "\n");
		const struct rp_proc *par = parent_of(o->anc, o->n_anc);
		if (par != NULL) {
			sb_printf(b, "  - %s: ", L(b, "Started by", "起動元プロセス"));
			sb_md(b, base_name(par->image), 0);
			sb_puts(b, "\n");
		}
		if (o->url != NULL || o->zone != NULL) {
			sb_printf(b, "  - %s: ", L(b, "Downloaded from", "ダウンロード元"));
			sb_md(b, o->url, 0);
			if (o->zone != NULL) {
				sb_printf(b, " (%s ", L(b, "zone", "ゾーン"));
				sb_md(b, o->zone, 0);
				sb_puts(b, ")");
			}
			sb_puts(b, "\n");
		}
		struct dest dest[REMOTE_MAX];
		size_t nd = writer_remotes(r, o, dest);
		for (size_t k = 0; k < nd; k++) {
			if (k == 0)
				sb_printf(b, "  - %s: ", L(b, "Its network destinations around the save",
				                             "保存したプロセスの通信先"));
			else
				sb_puts(b, ", ");
			sb_md(b, dest[k].name, 0);
			if (dest[k].port >= 0)
				sb_printf(b, ":%lld", (long long)dest[k].port);
		}
		if (nd > 0)
			sb_puts(b, "\n");
	}
	for (size_t i = 0; i < r->n_exec && i < CHECK_MAX; i++) {
		const struct rp_exec *x = &r->exec[i];
		sb_printf(b, "- %s: ", x->via == RP_VIA_LOAD ? L(b, "Loaded", "読み込み")
		                                             : L(b, "Run", "実行"));
		sb_time(b, x->proc.start_us);
		sb_puts(b, L(b, ", ", "、"));
		sb_md(b, base_name(x->proc.image), 0);
		if (x->proc.pid >= 0)
			sb_printf(b, " (pid %lld)", (long long)x->proc.pid);
		sb_puts(b, L(b, ", user ", "、ユーザー "));
		sb_md(b, x->proc.user, 0);
		const struct rp_proc *par = parent_of(x->anc, x->n_anc);
		if (par != NULL) {
			sb_puts(b, L(b, ", started by ", "、起動元プロセス "));
			sb_md(b, base_name(par->image), 0);
		}
		sb_printf(b, "\n  - %s: ", L(b, "Command line", "コマンドライン"));
		sb_md(b, x->proc.cmdline, 0);
		sb_puts(b, "\n");
	}
	size_t more = (r->n_origin > CHECK_MAX ? r->n_origin - CHECK_MAX : 0) +
	              (r->n_exec > CHECK_MAX ? r->n_exec - CHECK_MAX : 0);
	if (more > 0)
		sb_printf(b, b->lang == RP_JA ? "- ほか %zu 件（項目1、2を参照）。\n"
		                              : "- %zu more in items 1 and 2.\n", more);
	if (r->n_origin == 0 && r->n_exec == 0)
		sb_puts(b, L(b, "- No save or run of the file is logged in the window: please ask "
		                "the user whether they know the file at this path.\n",
		                "- 調査範囲内に検知ファイルの保存・実行の記録はありません。"
		                "サービス利用者に、このパスのファイルに心当たりがあるかをご確認"
		                "ください。\n"));
	sb_puts(b, "\n");
}

/* what to answer, by when, and what happens without an answer. */
static void md_reply(struct sb *b, const struct report *r)
{
	const struct rp_facts *f = &r->facts;
	sb_printf(b, "### %s\n\n", L(b, "Your answer", "ご返信のお願い"));
	if (f->kind == RP_KIND_QUICK) {
		sb_printf(b, "%s\n\n", L(b, "An analyst's explanatory report follows. Please check the "
		                           "logs above with the user; the explanatory report gives "
		                           "the date by which to answer whether the file was saved or "
		                           "run on purpose (3 business days after it is published).",
		                           "担当アナリストの分析結果は解説レポートでご報告します。"
		                           "上記のセキュリティログをサービス利用者にご確認ください。"
		                           "検知ファイルを意図して保存もしくは実行していたか否かの"
		                           "返信期限（解説レポートの公開から 3 営業日）は解説レポートで"
		                           "お知らせします。"));
		return;
	}
	sb_printf(b, "- %s\n", L(b, "Please answer, after checking with the user and reading this "
	                           "report, whether the detected file was saved or run on purpose "
	                           "(reply to this mail).",
	                           "サービス利用者、サービス管理者で検知ファイルを意図して保存"
	                           "もしくは実行していたか否かなど、解説レポートを参照の上、"
	                           "ご返信ください。"));
	sb_printf(b, "- %s: ", L(b, "Reply due", "返信期限"));
	if (f->reply_due_us != RP_NONE)
		sb_when(b, f, f->reply_due_us);
	else
		sb_puts(b, "-");
	if (b->lang == RP_JA)
		sb_printf(b, "（本レポートの公開から %d 営業日以内）\n", REPLY_DAYS);
	else
		sb_printf(b, " (%d business days after this report)\n", REPLY_DAYS);
	sb_printf(b, "- %s\n\n", L(b, "With no answer by then, the alert is handled as white "
	                             "(over-detection).",
	                             "3 営業日以内に返信が無い場合はホワイト判定と同様の対応を"
	                             "実施します。"));
}

/* the exception list. */
static void md_exception(struct sb *b, const struct report *r)
{
	const struct rp_facts *f = &r->facts;
	sb_printf(b, "- %s: ", L(b, "Exception list", "例外リスト"));
	switch (exc_status(f)) {
	case EXC_ADDED:
		if (f->auto_exception)
			sb_puts(b, L(b, "as the hearing sheet asks (register in the exception list), ",
			                "ヒアリングシートのご希望（「例外リストに登録する」）により、"));
		sb_puts(b, L(b, "the detected file was added to the exception list (",
		                "検知ファイルを例外リストに登録しました（"));
		sb_when(b, f, f->exception_us);
		sb_printf(b, "%s #%lld", L(b, ", exception", "、例外"), (long long)f->exception_id);
		sb_puts(b, L(b, "). Once the setting reaches the endpoints, the file can run.",
		                "）。設定が反映されると、検知されたファイルは実行可能になります。"));
		break;
	case EXC_LISTED:
		sb_puts(b, L(b, "the detected file is already in the exception list (",
		                "検知ファイルは既に例外リストに登録されています（"));
		sb_when(b, f, f->exception_us);
		sb_printf(b, "%s #%lld", L(b, ", exception", "、例外"), (long long)f->exception_id);
		sb_puts(b, L(b, ").", "）。"));
		break;
	case EXC_SCHEDULED:
		sb_puts(b, L(b, "as the hearing sheet asks (register in the exception list), the "
		                "file is added to the exception list in business hours (from ",
		                "ヒアリングシートのご希望（「例外リストに登録する」）により、当社営業"
		                "時間内に例外リストに登録します（予定: "));
		sb_when(b, f, f->exception_due_us);
		sb_puts(b, L(b, ").", "）。"));
		break;
	case EXC_AFTER_EXPLAIN:
		sb_puts(b, L(b, "as the hearing sheet asks (register in the exception list), the "
		                "file is added in business hours once the explanatory report "
		                "confirms the white verdict.",
		                "ヒアリングシートのご希望（「例外リストに登録する」）により、解説"
		                "レポートでホワイト判定が確定した後、当社営業時間内に例外リストに"
		                "登録します。"));
		break;
	case EXC_NOT_REQUESTED:
		sb_puts(b, L(b, "not added: the hearing sheet does not ask to register white "
		                "files in the exception list.",
		                "ヒアリングシートで「例外リストに登録する」をご希望されていない"
		                "ため、例外リストには登録していません。"));
		break;
	case EXC_NOT_ADDED:
		sb_puts(b, L(b, "not added.", "例外リストには登録していません。"));
		break;
	}
	sb_puts(b, "\n\n");
}

void rp_md_sections(struct sb *b, const struct report *r)
{
	enum rp_verdict v = report_verdict(r);
	if (v == RP_V_NONE)
		return;
	const char *head = v == RP_V_BLACK ? L(b, "Black verdict (clear threat)",
	                                       "ブラック判定の場合（明らかな脅威）")
	                 : v == RP_V_GRAY ? L(b, "Gray verdict (needs investigation)",
	                                      "グレー判定の場合（要調査）")
	                 : L(b, "White verdict (over-detection or false detection)",
	                      "ホワイト判定の場合（過検知、誤検知）");
	sb_printf(b, "## %s\n\n", head);
	if (v == RP_V_GRAY) {
		sb_printf(b, "%s\n\n", L(b, "To decide between malware and over-detection, please "
		                           "check the security logs below with the user of the "
		                           "endpoint (details in items 1-8).",
		                           "マルウェアか過検知かを判断するために、検知された端末の"
		                           "サービス利用者に対しサービス管理者にて確認すべき"
		                           "セキュリティログの内容をご報告します（詳細は項目1〜8）。"));
		md_check_logs(b, r);
		md_reply(b, r);
		md_actions(b, r, v);
		return;
	}
	sb_printf(b, "%s\n\n", L(b, "The detected file and its related security logs are "
	                           "reported in items 1-8 below.",
	                           "検知されたファイルについて、ファイルおよび関連するセキュリティ"
	                           "ログの内容を以下の項目1〜8でご報告します。"));
	if (v == RP_V_BLACK)
		md_actions(b, r, v);
	else
		md_exception(b, r);
}

/* ---- JSON ------------------------------------------------------------------ */

struct js {
	int *oom;
};

static json_t *ck(struct js *j, json_t *v)
{
	if (v == NULL)
		*j->oom = 1;
	return v;
}

static void put(struct js *j, json_t *o, const char *k, json_t *v)
{
	if (o == NULL || v == NULL || json_object_set_new(o, k, v) != 0)
		*j->oom = 1;
}

static void push(struct js *j, json_t *a, json_t *v)
{
	if (a == NULL || v == NULL || json_array_append_new(a, v) != 0)
		*j->oom = 1;
}

static json_t *str(struct js *j, const char *s)
{
	return ck(j, s != NULL ? json_string(s) : json_null());
}

static json_t *tm(struct js *j, int64_t us)
{
	if (us == RP_NONE)
		return ck(j, json_null());
	char buf[48];
	ev_format_time(us, buf, sizeof buf);
	return ck(j, json_string(buf));
}

static json_t *num(struct js *j, int64_t v)
{
	return ck(j, v >= 0 ? json_integer((json_int_t)v) : json_null());
}

static json_t *proc(struct js *j, const struct rp_proc *p)
{
	json_t *o = ck(j, json_object());
	put(j, o, "image", str(j, p->image));
	put(j, o, "pid", num(j, p->pid));
	put(j, o, "user", str(j, p->user));
	put(j, o, "cmdline", str(j, p->cmdline));
	put(j, o, "start", tm(j, p->start_us));
	return o;
}

static json_t *j_response(struct js *j, const struct report *r, enum rp_verdict v)
{
	const struct rp_facts *f = &r->facts;
	json_t *o = ck(j, json_object());
	put(j, o, "auto_isolate", ck(j, json_boolean(f->auto_isolate)));
	put(j, o, "auto_exception", ck(j, json_boolean(f->auto_exception)));
	put(j, o, "isolation", str(j, isolation_name(f->isolation)));
	json_t *cmds = ck(j, json_array());
	for (size_t i = 0; i < f->n_cmds && i < RP_MAX_CMDS; i++) {
		const struct rp_command *c = &f->cmds[i];
		json_t *x = ck(j, json_object());
		put(j, x, "id", num(j, c->id));
		put(j, x, "kind", str(j, cmd_kind_name(c->kind)));
		put(j, x, "state", str(j, cmd_state_name(c->state)));
		put(j, x, "automatic", ck(j, json_boolean(c->automatic)));
		put(j, x, "requested_at", tm(j, c->created_us));
		put(j, x, "finished_at", tm(j, c->finished_us));
		push(j, cmds, x);
	}
	put(j, o, "commands", cmds);
	/* what the administrator may ask for. */
	json_t *may = ck(j, json_array());
	if (v == RP_V_BLACK || v == RP_V_GRAY) {
		push(j, may, str(j, "isolate"));
		push(j, may, str(j, "delete"));
	}
	put(j, o, "may_request", may);
	if (v != RP_V_WHITE) {
		put(j, o, "exception", ck(j, json_null()));
		return o;
	}
	static const char *const st[] = {
		"added", "listed", "scheduled", "after_explanatory", "not_requested", "not_added",
	};
	enum exc_status s = exc_status(f);
	json_t *e = ck(j, json_object());
	put(j, e, "status", str(j, st[s]));
	put(j, e, "id", f->exception_id > 0 ? num(j, f->exception_id) : ck(j, json_null()));
	put(j, e, "added_at", f->exception_id > 0 ? tm(j, f->exception_us) : ck(j, json_null()));
	put(j, e, "scheduled_for", s == EXC_SCHEDULED ? tm(j, f->exception_due_us)
	                                              : ck(j, json_null()));
	put(j, o, "exception", e);
	return o;
}

static json_t *j_check(struct js *j, const struct report *r, enum rp_lang lang)
{
	const struct rp_facts *f = &r->facts;
	json_t *o = ck(j, json_object());
	json_t *saved = ck(j, json_array());
	for (size_t i = 0; i < r->n_origin && i < CHECK_MAX; i++) {
		const struct rp_origin *g = &r->origin[i];
		json_t *x = ck(j, json_object());
		put(j, x, "time", tm(j, g->ts));
		put(j, x, "kind", str(j, ev_kind_name(g->kind)));
		put(j, x, "path", str(j, g->path));
		put(j, x, "same_hash_other_path", ck(j, json_boolean(g->by_hash)));
		put(j, x, "process", proc(j, &g->proc));
		const struct rp_proc *par = parent_of(g->anc, g->n_anc);
		put(j, x, "parent", str(j, par != NULL ? par->image : NULL));
		put(j, x, "url", str(j, g->url));
		put(j, x, "zone", str(j, g->zone));
		json_t *rem = ck(j, json_array());
		struct dest dest[REMOTE_MAX];
		size_t nd = writer_remotes(r, g, dest);
		for (size_t k = 0; k < nd; k++)
			push(j, rem, dest[k].port >= 0
			             ? ck(j, json_sprintf("%s:%lld", dest[k].name, (long long)dest[k].port))
			             : str(j, dest[k].name));
		put(j, x, "remote", rem);
		push(j, saved, x);
	}
	put(j, o, "saved", saved);
	json_t *run = ck(j, json_array());
	for (size_t i = 0; i < r->n_exec && i < CHECK_MAX; i++) {
		const struct rp_exec *e = &r->exec[i];
		json_t *x = ck(j, json_object());
		put(j, x, "time", tm(j, e->proc.start_us));
		put(j, x, "loaded", ck(j, json_boolean(e->via == RP_VIA_LOAD)));
		put(j, x, "process", proc(j, &e->proc));
		const struct rp_proc *par = parent_of(e->anc, e->n_anc);
		put(j, x, "parent", str(j, par != NULL ? par->image : NULL));
		push(j, run, x);
	}
	put(j, o, "run", run);
	size_t more = (r->n_origin > CHECK_MAX ? r->n_origin - CHECK_MAX : 0) +
	              (r->n_exec > CHECK_MAX ? r->n_exec - CHECK_MAX : 0);
	put(j, o, "more", ck(j, json_integer((json_int_t)more)));
	put(j, o, "question", str(j, lang == RP_JA
		? "検知ファイルを意図して保存もしくは実行していたか否か"
		: "Was the detected file saved or run on purpose?"));
	int64_t due = f->kind == RP_KIND_EXPLAIN ? f->reply_due_us : RP_NONE;
	put(j, o, "reply_due", tm(j, due));
	char loc[64];
	local_time(f, due, loc, sizeof loc);
	put(j, o, "reply_due_local", str(j, loc[0] != '\0' ? loc : NULL));
	put(j, o, "business_days", ck(j, json_integer(REPLY_DAYS)));
	put(j, o, "if_no_reply", str(j, "white"));
	return o;
}

void rp_json_sections(json_t *root, const struct report *r, enum rp_lang lang, int *oom)
{
	struct js jj = {oom}, *j = &jj;
	const struct rp_facts *f = &r->facts;
	int explain = r->has_facts && f->kind == RP_KIND_EXPLAIN;
	put(j, root, "kind", str(j, explain ? "explanatory" : "quick"));
	enum rp_verdict v = report_verdict(r);
	if (!r->has_facts) {
		put(j, root, "verdict", ck(j, json_null()));
		put(j, root, "response", ck(j, json_null()));
		put(j, root, "check_with_user", ck(j, json_null()));
		return;
	}
	json_t *vo = ck(j, json_object());
	put(j, vo, "reported", str(j, report_verdict_name(v)));
	put(j, vo, "quick", str(j, report_verdict_name(f->quick)));
	put(j, vo, "explanatory", str(j, report_verdict_name(f->explain)));
	put(j, vo, "changed", ck(j, json_boolean(explain && f->quick != RP_V_NONE &&
	                                         f->explain != RP_V_NONE &&
	                                         f->quick != f->explain)));
	put(j, root, "verdict", vo);
	put(j, root, "response", v != RP_V_NONE ? j_response(j, r, v) : ck(j, json_null()));
	put(j, root, "check_with_user", v == RP_V_GRAY ? j_check(j, r, lang) : ck(j, json_null()));
}
