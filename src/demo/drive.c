/* drive.c - itrace-demo-gen drive: replay the analysts' work of the demo
 * (actions.txt) through the command API, so that every state beyond "new"
 * is reached the way a console would reach it: the daemon owns every
 * write.  The database is only read, to find an alert's id from its
 * tenant, host and detection time.
 *
 * Steps: claim, quick:VERDICT[:explain], explain:VERDICT,
 * publish:quick|explain, answer:yes|no, close, escalate.  Each POST
 * carries the alert's version (from the previous answer) and an
 * Idempotency-Key derived from the alert and the step, so replaying the
 * file is harmless. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "demo/demo.h"

struct resp {
	char *p;
	size_t n;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct resp *r = ud;
	size_t n = size * nmemb;
	r->p = xrealloc(r->p, r->n + n + 1);
	memcpy(r->p + r->n, ptr, n);
	r->n += n;
	r->p[r->n] = '\0';
	return n;
}

struct api {
	CURL *c;
	const char *base;
	char *auth;
};

/* POST body to path; returns the HTTP status (0: no answer) and the
 * parsed answer in *out (NULL if not JSON). Retries while the daemon
 * answers 503 or cannot be reached. */
static long post(struct api *a, const char *path, const char *idem, json_t *body, json_t **out)
{
	char *data = json_dumps(body, JSON_COMPACT);
	char *url = xprintf("%s%s", a->base, path);
	char *ik = xprintf("Idempotency-Key: %s", idem);
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, a->auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, ik);
	long status = 0;
	*out = NULL;
	for (int attempt = 0; attempt < 20; attempt++) {
		struct resp r = {0};
		curl_easy_reset(a->c);
		curl_easy_setopt(a->c, CURLOPT_URL, url);
		curl_easy_setopt(a->c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(a->c, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(a->c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(a->c, CURLOPT_WRITEDATA, &r);
		curl_easy_setopt(a->c, CURLOPT_TIMEOUT, 30L);
		curl_easy_setopt(a->c, CURLOPT_NOSIGNAL, 1L);
		CURLcode cc = curl_easy_perform(a->c);
		status = 0;
		if (cc == CURLE_OK)
			curl_easy_getinfo(a->c, CURLINFO_RESPONSE_CODE, &status);
		if (cc == CURLE_OK && status != 503) {
			json_error_t je;
			*out = r.p != NULL ? json_loads(r.p, 0, &je) : NULL;
			if (*out == NULL && r.p != NULL)
				fprintf(stderr, "itrace-demo-gen: %s: answer is not JSON: %.200s\n", path, r.p);
			free(r.p);
			break;
		}
		free(r.p);
		struct timespec ts = {0, 250 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	curl_slist_free_all(h);
	free(ik);
	free(url);
	free(data);
	return status;
}

/* Comments the analysts wrote (Japanese, as the service's reports are). */
static const char *comment_for(const char *chain, const char *phase, const char *verdict)
{
	static const struct {
		const char *chain, *phase, *verdict, *text;
	} C[] = {
		{"macro", "quick", "black", "Outlook の添付ファイル（マクロ付き文書）から PowerShell が起動し、"
		 "外部から実行ファイルをダウンロード・実行しています。C2 と思われる通信が継続しています。"},
		{"macro", "quick", "gray", "マクロ付き文書から PowerShell が起動していますが、通信先の評価が定まりません。"
		 "ご利用者様に文書の受信経緯をご確認ください。"},
		{"macro", "explain", "gray", "通信先は既に停止しており、ダウンロードされたファイルは実行されていません"
		 "（ブロックモード）。受信したメールが業務上想定されたものか、ご確認をお願いします。"},
		{"lateral", "quick", "black", "PC から PsExec 相当の手段でファイルサーバにサービスが作成され、"
		 "認証情報窃取ツールが実行されています。横展開の可能性が高いため、解説レポートで詳細を報告します。"},
		{"lolbin", "quick", "black", "regsvr32 がリモートのスクリプトレットを読み込み、DLL を作成・実行しています"
		 "（Squiblydoo）。"},
		{"lolbin", "explain", "black", "regsvr32 経由で作成された DLL が rundll32 で実行され、外部への定期通信と"
		 "タスク登録が確認されました。検体の削除と端末の隔離を推奨します。"},
		{"pua", "quick", "white", "フリーの PDF 変換ソフトに同梱されたアップデータの検知です。"
		 "悪性の挙動は確認されませんでした（過検知）。"},
		{"pua", "quick", "gray", "PDF 変換ソフトのアップデータです。ご利用者様が意図してインストールしたか"
		 "ご確認ください。"},
		{"pua", "explain", "gray", "ブラウザからダウンロードされたインストーラにより導入されています。"
		 "業務での利用有無をご回答ください。"},
		{"runkey", "quick", "black", "偽の更新プログラムが Run キーに自身を登録し、ログオン時に起動して"
		 "ブラウザの認証情報ファイルを読み取っています。"},
		{"runkey", "explain", "black", "Run キー経由で起動した検体が SMTP(587) で外部へ通信しており、"
		 "情報窃取型マルウェアと判断します。"},
		{"inhouse", "quick", "white", "社内で配布されている勤怠入力ツールの検知です。"
		 "機械学習による過検知と判断します。"},
	};
	for (size_t i = 0; i < NELEM(C); i++)
		if (strcmp(C[i].chain, chain) == 0 && strcmp(C[i].phase, phase) == 0 &&
		    strcmp(C[i].verdict, verdict) == 0)
			return C[i].text;
	return strcmp(verdict, "black") == 0 ? "不審な挙動が確認されました。" :
	       strcmp(verdict, "gray") == 0 ? "ご利用者様への確認が必要です。" : "過検知と判断します。";
}

/* The alert object in an answer: the object itself, or in "alerts". */
static json_t *alert_of(json_t *ans, long long id)
{
	if (ans == NULL)
		return NULL;
	json_t *v = json_object_get(ans, "id");
	if (json_is_integer(v) && json_integer_value(v) == id)
		return ans;
	json_t *arr = json_object_get(ans, "alerts");
	size_t i;
	json_t *el;
	json_array_foreach(arr, i, el) {
		v = json_object_get(el, "id");
		if (json_is_integer(v) && json_integer_value(v) == id)
			return el;
	}
	return NULL;
}

static char *read_token(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char buf[512];
	char *ok = fgets(buf, sizeof buf, f);
	fclose(f);
	if (ok == NULL)
		return NULL;
	size_t n = strcspn(buf, "\r\n \t");
	buf[n] = '\0';
	return n > 0 ? xstrdup(buf) : NULL;
}

/* One action line; returns 0 or -1. */
static int drive_line(struct api *api, PGconn *db, char *line, int lineno)
{
	char *save = NULL;
	char *tenant = strtok_r(line, " \t", &save);
	char *host = strtok_r(NULL, " \t", &save);
	char *det = strtok_r(NULL, " \t", &save);
	char *chain = strtok_r(NULL, " \t", &save);
	if (tenant == NULL || host == NULL || det == NULL || chain == NULL) {
		fprintf(stderr, "itrace-demo-gen: actions line %d: TENANT HOST DETECTED_AT CHAIN STEP...\n", lineno);
		return -1;
	}
	const char *params[3] = {tenant, host, det};
	PGresult *r = PQexecParams(db,
	        "SELECT a.id, a.version FROM alert a JOIN tenant t ON t.id = a.tenant_id"
	        " JOIN endpoint e ON e.id = a.endpoint_id"
	        " WHERE t.name = $1 AND e.name = lower($2) AND a.detected_at = $3::timestamptz"
	        " ORDER BY a.id LIMIT 1", 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		fprintf(stderr, "itrace-demo-gen: actions line %d: no alert of %s/%s detected at %s%s%s\n", lineno,
		        tenant, host, det, PQresultStatus(r) != PGRES_TUPLES_OK ? ": " : "",
		        PQresultStatus(r) != PGRES_TUPLES_OK ? PQerrorMessage(db) : "");
		PQclear(r);
		return -1;
	}
	long long id = atoll(PQgetvalue(r, 0, 0));
	long long version = atoll(PQgetvalue(r, 0, 1));
	PQclear(r);
	printf("alert %lld %s %s:", id, tenant, host);
	int step = 0;
	const char *state = "?";
	char state_buf[32] = "";
	for (char *s = strtok_r(NULL, " \t", &save); s != NULL; s = strtok_r(NULL, " \t", &save), step++) {
		char path[96], idem[96];
		json_t *body = NULL;
		char verb[24] = "", arg1[24] = "", arg2[24] = "";
		sscanf(s, "%23[^:]:%23[^:]:%23s", verb, arg1, arg2);
		if (strcmp(verb, "claim") == 0) {
			snprintf(path, sizeof path, "/v1/alerts/%lld/claim", id);
			body = json_pack("{s:I}", "version", (json_int_t)version);
		} else if (strcmp(verb, "quick") == 0 || strcmp(verb, "explain") == 0) {
			bool quick = verb[0] == 'q';
			snprintf(path, sizeof path, "/v1/alerts/%lld/verdict", id);
			body = json_pack("{s:s,s:s,s:s,s:I}", "phase", quick ? "quick" : "explanatory",
			                 "verdict", arg1, "comment", comment_for(chain, verb, arg1),
			                 "version", (json_int_t)version);
			if (quick)
				json_object_set_new(body, "needs_explanatory", json_boolean(strcmp(arg2, "explain") == 0));
		} else if (strcmp(verb, "publish") == 0) {
			snprintf(path, sizeof path, "/v1/alerts/%lld/reports", id);
			body = json_pack("{s:s,s:s,s:I}", "kind", strcmp(arg1, "quick") == 0 ? "quick" : "explanatory",
			                 "lang", "ja", "version", (json_int_t)version);
		} else if (strcmp(verb, "answer") == 0) {
			snprintf(path, sizeof path, "/v1/alerts/%lld/answer", id);
			body = json_pack("{s:b,s:s,s:s,s:I}", "intended", strcmp(arg1, "yes") == 0,
			                 "by", "情報システム部 管理者",
			                 "note", "業務で使用している PDF 変換ソフトで、利用者が意図してインストールしました。",
			                 "version", (json_int_t)version);
		} else if (strcmp(verb, "close") == 0) {
			snprintf(path, sizeof path, "/v1/alerts/%lld/close", id);
			body = json_pack("{s:s,s:I}", "comment", "対応完了。", "version", (json_int_t)version);
		} else if (strcmp(verb, "escalate") == 0) {
			snprintf(path, sizeof path, "/v1/alerts/%lld/escalate", id);
			body = json_pack("{s:s,s:I}", "reason", "横展開の疑い: フォレンジック調査を依頼",
			                 "version", (json_int_t)version);
		} else {
			fprintf(stderr, "\nitrace-demo-gen: actions line %d: unknown step %s\n", lineno, s);
			return -1;
		}
		snprintf(idem, sizeof idem, "demo-%lld-%d-%s", id, step, verb);
		json_t *ans = NULL;
		long st = post(api, path, idem, body, &ans);
		json_decref(body);
		json_t *al = alert_of(ans, id);
		if (st < 200 || st >= 300 || al == NULL) {
			char *txt = ans != NULL ? json_dumps(ans, JSON_COMPACT) : NULL;
			fprintf(stderr, "\nitrace-demo-gen: alert %lld: %s: HTTP %ld %s\n", id, s, st,
			        txt != NULL ? txt : "(no answer)");
			free(txt);
			json_decref(ans);
			return -1;
		}
		json_t *v = json_object_get(al, "version");
		if (json_is_integer(v))
			version = json_integer_value(v);
		const char *stt = json_string_value(json_object_get(al, "state"));
		snprintf(state_buf, sizeof state_buf, "%s", stt != NULL ? stt : "?");
		state = state_buf;
		printf(" %s", s);
		json_decref(ans);
	}
	printf(" -> %s\n", state);
	fflush(stdout);
	return 0;
}

int drive_main(int argc, char **argv)
{
	const char *db_s = NULL, *api_s = NULL, *tok_s = NULL, *file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--db") == 0 && v != NULL)
			db_s = v, i++;
		else if (strcmp(a, "--api") == 0 && v != NULL)
			api_s = v, i++;
		else if (strcmp(a, "--token-file") == 0 && v != NULL)
			tok_s = v, i++;
		else if (a[0] != '-' && file == NULL)
			file = a;
		else {
			fprintf(stderr, "usage: itrace-demo-gen drive --db CONNINFO --api URL --token-file F ACTIONS\n");
			return 2;
		}
	}
	if (db_s == NULL || api_s == NULL || tok_s == NULL || file == NULL) {
		fprintf(stderr, "usage: itrace-demo-gen drive --db CONNINFO --api URL --token-file F ACTIONS\n");
		return 2;
	}
	char *token = read_token(tok_s);
	if (token == NULL) {
		fprintf(stderr, "itrace-demo-gen: %s: no token\n", tok_s);
		return 1;
	}
	FILE *f = fopen(file, "r");
	if (f == NULL) {
		fprintf(stderr, "itrace-demo-gen: %s: cannot open\n", file);
		free(token);
		return 1;
	}
	PGconn *db = PQconnectdb(db_s);
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "itrace-demo-gen: database: %s", PQerrorMessage(db));
		PQfinish(db);
		fclose(f);
		free(token);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct api api = {curl_easy_init(), api_s, xprintf("Authorization: Bearer %s", token)};
	char *base = xstrdup(api_s);
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		base[--bl] = '\0';
	api.base = base;
	int bad = 0, lineno = 0, done = 0;
	char line[4096];
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (drive_line(&api, db, p, lineno) != 0)
			bad++;
		else
			done++;
	}
	fclose(f);
	fprintf(stderr, "itrace-demo-gen: drive: %d alerts worked, %d failed\n", done, bad);
	curl_easy_cleanup(api.c);
	curl_global_cleanup();
	free(api.auth);
	free(base);
	PQfinish(db);
	free(token);
	return bad != 0 ? 1 : 0;
}
