/* mail.c - the outbox sender of itrace-cmdd: SMTP with libcurl; see mail.h.
 *
 * Each due row is claimed by one UPDATE (state 'sending' with a lease of
 * ten minutes in next_attempt_at, so a sender that dies mid-way does not
 * strand it: an expired lease is due again), sent, then marked:
 *   - sent:    state 'sent', sent_at, attempts + 1;
 *   - 4xx, network trouble: attempts + 1, last_error, next_attempt_at =
 *     now + 30 s * 2^(attempts - 1) (at most one hour), state 'queued';
 *     after MAIL_MAX_ATTEMPTS attempts state 'failed';
 *   - 5xx (the server refuses for good), no valid recipient: 'failed' now.
 * When the server cannot be reached at all the pass stops after that row:
 * the other rows keep their turn instead of each waiting for a timeout.
 *
 * The message (RFC 5322 + MIME): Date, From, To, Subject (RFC 2047
 * encoded-words when not plain ASCII), Message-ID, MIME-Version,
 * Auto-Submitted, X-Itrace-Outbox, then
 *   - a row without html (quick and explanatory reports): Content-Type
 *     text/plain; charset=UTF-8, Content-Transfer-Encoding 7bit for
 *     short-lined ASCII bodies, base64 otherwise, written here;
 *   - a row with html (the monthly report, R-25): multipart/alternative
 *     built with libcurl's MIME API (curl_mime_*): a text/plain part (body,
 *     the Markdown) then a text/html part (html), both charset=UTF-8 and
 *     7bit or base64 by the same rule (base64 lines of 76: no line limit
 *     can cut an HTML line). Mail readers show the last form they can.
 * Text is in canonical form: CRLF line ends (a decoded part is the stored
 * text with LF made CRLF). libcurl does the SMTP dot-stuffing. Subject,
 * addresses and names are cleaned of CR, LF and other controls first: a
 * report title cannot inject headers.
 *
 * Self-contained (libpq, libcurl, jansson): the tests compile it directly.
 */
#include "cmdd/mail.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#define MAIL_MAX_ATTEMPTS 10
#define MAIL_BACKOFF_BASE_S 30
#define MAIL_BACKOFF_MAX_S 3600
#define MAIL_PER_RUN 50
#define MAIL_ADDR_MAX 254
#define MAIL_DEFAULT_FROM "itrace-soc@localhost"

/* A growing string; on allocation failure `bad` is set and appends stop. */
struct mbuf {
	char *s;
	size_t len, cap;
	bool bad;
};

static void mb_add(struct mbuf *b, const char *p, size_t n)
{
	if (b->bad)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap != 0 ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (ns == NULL) {
			b->bad = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void mb_str(struct mbuf *b, const char *s)
{
	mb_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void mb_fmt(struct mbuf *b, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->bad = true;
		return;
	}
	mb_add(b, s, (size_t)n);
	free(s);
}

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of p[0..n) appended to b; a CRLF after every `wrap` output
 * characters when wrap > 0 (and at the end). */
static void mb_base64(struct mbuf *b, const unsigned char *p, size_t n, size_t wrap)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char q[4] = {b64chars[(v >> 18) & 63], b64chars[(v >> 12) & 63],
		             i + 1 < n ? b64chars[(v >> 6) & 63] : '=',
		             i + 2 < n ? b64chars[v & 63] : '='};
		mb_add(b, q, 4);
		col += 4;
		if (wrap > 0 && col >= wrap) {
			mb_add(b, "\r\n", 2);
			col = 0;
		}
	}
	if (wrap > 0 && col > 0)
		mb_add(b, "\r\n", 2);
}

/* Length of the UTF-8 sequence starting at p (1 for a stray byte). */
static size_t u8len(const unsigned char *p, size_t left)
{
	size_t n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
	         : (p[0] & 0xf8) == 0xf0 ? 4 : 1;
	if (n > left)
		return 1;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

/* A header value with every control character (CR and LF included) made a
 * space: header text can never end a header line early. Newly malloc'd. */
static char *header_clean(const char *s)
{
	char *o = strdup(s != NULL ? s : "");
	if (o == NULL)
		return NULL;
	for (unsigned char *p = (unsigned char *)o; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return o;
}

static bool plain_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return false;
	return true;
}

/* An unstructured header value (Subject, a display name): as it is when it
 * is printable ASCII that does not look like an encoded-word and fits a
 * line, else RFC 2047 "=?UTF-8?B?...?=" words of whole characters, folded
 * with CRLF SP so no line passes 76 columns. `used` is what the header name
 * already takes on the first line. Returns true when it encoded. */
static bool mb_header_text(struct mbuf *b, const char *value, size_t used)
{
	char *v = header_clean(value);
	if (v == NULL) {
		b->bad = true;
		return false;
	}
	size_t n = strlen(v);
	if (plain_ascii(v) && strstr(v, "=?") == NULL && used + n <= 78) {
		mb_add(b, v, n);
		free(v);
		return false;
	}
	const unsigned char *p = (const unsigned char *)v;
	size_t i = 0;
	bool first = true;
	while (i < n || first) {
		/* Room on this line: 76 columns less the "=?UTF-8?B?" and "?=". */
		size_t col = first ? used : 1;
		size_t room = col + 12 + 4 <= 76 ? 76 - col - 12 : 4;
		size_t maxbytes = room / 4 * 3;
		size_t take = 0;
		while (i + take < n) {
			size_t l = u8len(p + i + take, n - i - take);
			if (take + l > maxbytes)
				break;
			take += l;
		}
		if (take == 0 && i < n) {
			/* Not even one character fits after a long header name. */
			if (!first) {
				take = u8len(p + i, n - i);
			} else {
				mb_add(b, "\r\n ", 3);
				used = 1;
				first = false;
				continue;
			}
		}
		if (!first)
			mb_add(b, "\r\n ", 3);
		mb_add(b, "=?UTF-8?B?", 10);
		mb_base64(b, p + i, take, 0);
		mb_add(b, "?=", 2);
		i += take;
		first = false;
	}
	free(v);
	return true;
}

/* A bare address fit for SMTP and a To: header: ASCII, one '@', no spaces,
 * controls or specials, at most 254 bytes. */
static bool mail_addr_ok(const char *a)
{
	size_t n = strlen(a);
	const char *at = strchr(a, '@');
	if (n < 3 || n > MAIL_ADDR_MAX || at == NULL || at == a || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return false;
	for (const unsigned char *p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p) != NULL)
			return false;
	return true;
}

/* Split "Name <addr>" or "addr" into a display name (may be empty) and the
 * bare address. 0, or -1 when the address is not usable. */
static int split_from(const char *from, char **name, char **addr)
{
	*name = NULL;
	*addr = NULL;
	const char *lt = strrchr(from, '<');
	const char *gt = lt != NULL ? strchr(lt, '>') : NULL;
	if (lt != NULL && gt != NULL) {
		*addr = strndup(lt + 1, (size_t)(gt - lt - 1));
		size_t nl = (size_t)(lt - from);
		while (nl > 0 && (from[nl - 1] == ' ' || from[nl - 1] == '\t'))
			nl--;
		size_t st = 0;
		while (st < nl && (from[st] == ' ' || from[st] == '\t'))
			st++;
		if (nl - st >= 2 && from[st] == '"' && from[nl - 1] == '"') {
			st++;
			nl--;
		}
		*name = strndup(from + st, nl - st);
	} else {
		*addr = strdup(from);
		*name = strdup("");
	}
	if (*addr == NULL || *name == NULL || !mail_addr_ok(*addr)) {
		free(*addr);
		free(*name);
		*addr = *name = NULL;
		return -1;
	}
	return 0;
}

/* RFC 5322 date of a UTC instant: "Fri, 20 Nov 2026 07:00:00 +0000". */
static void rfc5322_date(int64_t us, char *buf, size_t len)
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday % 7],
	         tm.tm_mday, mo[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	         tm.tm_sec);
}

/* Body with every line end made CRLF; *ascii tells whether it can go as
 * 7bit (ASCII, no controls but tab, lines of at most 998 bytes). */
static char *body_crlf(const char *body, size_t *len, bool *ascii)
{
	struct mbuf b = {0};
	size_t line = 0;
	*ascii = true;
	for (const char *p = body; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '\r' && p[1] == '\n')
			continue;
		if (ch == '\n' || ch == '\r') {
			mb_add(&b, "\r\n", 2);
			line = 0;
			continue;
		}
		if (ch >= 0x80 || (ch < 0x20 && ch != '\t') || ch == 0x7f || ++line > 998)
			*ascii = false;
		mb_add(&b, p, 1);
	}
	if (b.len < 2 || memcmp(b.s + b.len - 2, "\r\n", 2) != 0)
		mb_add(&b, "\r\n", 2);
	if (b.bad) {
		free(b.s);
		return NULL;
	}
	*len = b.len;
	return b.s;
}

/* The header fields of every message, each ending in CRLF: Date, From,
 * To, Subject, Message-ID, MIME-Version, Auto-Submitted, X-Itrace-Outbox.
 * rcpts are valid bare addresses. */
static void mail_headers(struct mbuf *b, const char *from_name, const char *from_addr,
                         const char *const *rcpts, size_t nrcpt, const char *subject,
                         int64_t outbox_id, int64_t now_us)
{
	char date[64];
	rfc5322_date(now_us, date, sizeof date);
	mb_fmt(b, "Date: %s\r\n", date);
	mb_str(b, "From: ");
	if (from_name != NULL && from_name[0] != '\0') {
		/* An encoded name fills its line: the address goes on the next. */
		if (mb_header_text(b, from_name, 6) || 6 + strlen(from_name) + strlen(from_addr) + 3 > 76)
			mb_str(b, "\r\n");
		mb_str(b, " ");
	}
	mb_fmt(b, "<%s>\r\n", from_addr);
	mb_str(b, "To: ");
	size_t col = 4;
	for (size_t i = 0; i < nrcpt; i++) {
		size_t l = strlen(rcpts[i]);
		if (i > 0) {
			mb_str(b, ",");
			if (col + l + 2 > 76) {
				mb_str(b, "\r\n");
				col = 0;
			}
			mb_str(b, " ");
			col += 2;
		}
		mb_str(b, rcpts[i]);
		col += l;
	}
	mb_str(b, "\r\nSubject: ");
	mb_header_text(b, subject, 9);
	const char *dom = strchr(from_addr, '@');
	mb_fmt(b, "\r\nMessage-ID: <itrace-outbox-%lld-%lld@%s>\r\n", (long long)outbox_id,
	       (long long)now_us, dom != NULL ? dom + 1 : "localhost");
	mb_str(b, "MIME-Version: 1.0\r\n"
	          "Auto-Submitted: auto-generated\r\n");
	mb_fmt(b, "X-Itrace-Outbox: %lld\r\n", (long long)outbox_id);
}

/* The whole single-part message: the headers, then the body as text/plain.
 * Newly malloc'd. */
static char *mail_build(const char *headers, const char *body, size_t *len)
{
	struct mbuf b = {0};
	mb_str(&b, headers);
	mb_str(&b, "Content-Type: text/plain; charset=UTF-8\r\n");
	size_t blen = 0;
	bool ascii = true;
	char *text = body_crlf(body != NULL ? body : "", &blen, &ascii);
	if (text == NULL) {
		free(b.s);
		return NULL;
	}
	mb_fmt(&b, "Content-Transfer-Encoding: %s\r\n\r\n", ascii ? "7bit" : "base64");
	if (ascii)
		mb_add(&b, text, blen);
	else
		mb_base64(&b, (const unsigned char *)text, blen, 76);
	free(text);
	if (b.bad) {
		free(b.s);
		return NULL;
	}
	*len = b.len;
	return b.s;
}

/* The header block as libcurl's list, one field an entry (a folded field
 * keeps its CRLF SP inside its entry), then the Content-Type that makes the
 * message multipart/alternative (libcurl adds the boundary). NULL on
 * allocation failure. */
static struct curl_slist *header_list(const char *headers)
{
	struct curl_slist *l = NULL;
	const char *p = headers;
	while (*p != '\0') {
		const char *e = p;
		for (;;) {
			e = strstr(e, "\r\n");
			if (e == NULL || (e[2] != ' ' && e[2] != '\t'))
				break;
			e += 2;
		}
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
		char *f = strndup(p, n);
		struct curl_slist *nl = f != NULL ? curl_slist_append(l, f) : NULL;
		free(f);
		if (nl == NULL) {
			curl_slist_free_all(l);
			return NULL;
		}
		l = nl;
		p += n;
		if (*p != '\0')
			p += 2;
	}
	struct curl_slist *nl = curl_slist_append(l, "Content-Type: multipart/alternative");
	if (nl == NULL)
		curl_slist_free_all(l);
	return nl;
}

/* What goes out: a whole single-part message (raw), or the header fields
 * and the two parts of a multipart/alternative one (hdrs set). */
struct outmsg {
	const char *raw;
	size_t len;
	struct curl_slist *hdrs;
	const char *text, *html;        /* the parts, CRLF line ends */
	size_t text_len, html_len;
	bool text_ascii, html_ascii;    /* 7bit will do */
};

/* Add one text part of type ctype to mime: 7bit when ascii, else base64
 * (libcurl's encoder: lines of 76). 0, or -1. */
static int mime_text(curl_mime *mime, const char *ctype, const char *p, size_t n, bool ascii)
{
	curl_mimepart *part = curl_mime_addpart(mime);
	if (part == NULL)
		return -1;
	return curl_mime_data(part, p, n) == CURLE_OK && curl_mime_type(part, ctype) == CURLE_OK &&
	       curl_mime_encoder(part, ascii ? "7bit" : "base64") == CURLE_OK ? 0 : -1;
}

/* ---- SMTP ---- */

struct upload {
	const char *p;
	size_t left;
};

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
	struct upload *u = ud;
	size_t n = size * nitems;
	if (n > u->left)
		n = u->left;
	memcpy(buf, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

enum send_result { SEND_OK, SEND_RETRY, SEND_UNREACHABLE, SEND_PERMANENT };

/* One message by SMTP. err receives a one-line reason on failure. */
static enum send_result smtp_send(const char *url, const char *from_addr,
                                  const char *const *rcpts, size_t nrcpt,
                                  const struct outmsg *msg, char *err, size_t errlen)
{
	CURL *e = curl_easy_init();
	if (e == NULL) {
		snprintf(err, errlen, "libcurl: cannot make a handle");
		return SEND_RETRY;
	}
	struct curl_slist *rl = NULL;
	curl_mime *mime = NULL;
	char *from = NULL;
	enum send_result res = SEND_RETRY;
	char ebuf[CURL_ERROR_SIZE] = "";
	if (asprintf(&from, "<%s>", from_addr) < 0) {
		from = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nrcpt; i++) {
		char *r = NULL;
		struct curl_slist *n = NULL;
		if (asprintf(&r, "<%s>", rcpts[i]) >= 0) {
			n = curl_slist_append(rl, r);
			free(r);
		}
		if (n == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		rl = n;
	}
	struct upload up = {msg->raw, msg->len};
	unsigned bad = 0;
	bad |= (unsigned)curl_easy_setopt(e, CURLOPT_URL, url);
	bad |= (unsigned)curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	bad |= (unsigned)curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	bad |= (unsigned)curl_easy_setopt(e, CURLOPT_MAIL_FROM, from);
	bad |= (unsigned)curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rl);
	if (msg->hdrs != NULL) {
		/* multipart/alternative by libcurl's MIME API: it writes the
		 * boundaries, the part headers and the encodings. */
		mime = curl_mime_init(e);
		if (mime == NULL ||
		    mime_text(mime, "text/plain; charset=UTF-8", msg->text, msg->text_len,
		              msg->text_ascii) != 0 ||
		    mime_text(mime, "text/html; charset=UTF-8", msg->html, msg->html_len,
		              msg->html_ascii) != 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		bad |= (unsigned)curl_easy_setopt(e, CURLOPT_HTTPHEADER, msg->hdrs);
		bad |= (unsigned)curl_easy_setopt(e, CURLOPT_MIMEPOST, mime);
	} else {
		bad |= (unsigned)curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
		bad |= (unsigned)curl_easy_setopt(e, CURLOPT_READDATA, &up);
		bad |= (unsigned)curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		bad |= (unsigned)curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
	}
	bad |= (unsigned)curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	bad |= (unsigned)curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	bad |= (unsigned)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	bad |= (unsigned)curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ebuf);
	if (bad != 0) {
		snprintf(err, errlen, "libcurl refused the SMTP settings (URL %s?)", url);
		res = SEND_PERMANENT;
		goto out;
	}
	CURLcode cc = curl_easy_perform(e);
	long code = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	if (cc == CURLE_OK) {
		res = SEND_OK;
	} else {
		snprintf(err, errlen, "%s (SMTP %ld)", ebuf[0] != '\0' ? ebuf : curl_easy_strerror(cc),
		         code);
		if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
		    cc == CURLE_OPERATION_TIMEDOUT)
			res = SEND_UNREACHABLE;
		else if (code >= 500 && code < 600)
			res = SEND_PERMANENT;
		else if (cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT)
			res = SEND_PERMANENT;
		else
			res = SEND_RETRY;
	}
out:
	curl_easy_cleanup(e);
	curl_mime_free(mime);
	curl_slist_free_all(rl);
	free(from);
	return res;
}

/* ---- the outbox ---- */

static int64_t backoff_s(int attempts)
{
	int64_t s = MAIL_BACKOFF_BASE_S;
	for (int i = 1; i < attempts && s < MAIL_BACKOFF_MAX_S; i++)
		s *= 2;
	return s < MAIL_BACKOFF_MAX_S ? s : MAIL_BACKOFF_MAX_S;
}

#define TS(n) "(timestamptz 'epoch' + $" #n "::bigint * interval '1 microsecond')"

static PGresult *q(PGconn *c, const char *sql, int n, const char *const *p)
{
	return PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
}

static bool q_ok(PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Record the outcome of one attempt. state: "sent", "queued", "failed". */
static int mark(PGconn *c, int64_t id, const char *state, const char *err,
                int64_t now_us, int64_t next_us)
{
	char ib[24], nb[24], xb[24];
	snprintf(ib, sizeof ib, "%lld", (long long)id);
	snprintf(nb, sizeof nb, "%lld", (long long)now_us);
	snprintf(xb, sizeof xb, "%lld", (long long)next_us);
	const char *p[5] = {ib, state, err, nb, xb};
	PGresult *r = q(c,
		"UPDATE outbox SET state = $2, attempts = attempts + 1, last_error = $3,"
		" sent_at = CASE WHEN $2 = 'sent' THEN " TS(4) " END,"
		" next_attempt_at = CASE WHEN $2 = 'queued' THEN " TS(5) " ELSE next_attempt_at END"
		" WHERE id = $1::bigint", 5, p);
	bool ok = q_ok(r);
	if (!ok)
		fprintf(stderr, "itrace-cmdd: mail: outbox %lld: %s", (long long)id, PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

struct row {
	int64_t id;
	int attempts;
	char **rcpt;
	size_t nrcpt;
	char *subject, *body;
	char *html;                   /* NULL: a text/plain message */
	bool html_missing;            /* it has one, but out of memory */
	char skipped[512];            /* recipients dropped as invalid */
};

static void row_free(struct row *w)
{
	for (size_t i = 0; i < w->nrcpt; i++)
		free(w->rcpt[i]);
	free(w->rcpt);
	free(w->subject);
	free(w->body);
	free(w->html);
	memset(w, 0, sizeof *w);
}

/* Claim the next due row. 1 claimed, 0 none due, -1 database error. */
static int claim(PGconn *c, int64_t now_us, struct row *w)
{
	char nb[24];
	snprintf(nb, sizeof nb, "%lld", (long long)now_us);
	const char *p[1] = {nb};
	PGresult *r = q(c,
		"UPDATE outbox SET state = 'sending',"
		" next_attempt_at = " TS(1) " + interval '600 seconds'"
		" WHERE id = (SELECT id FROM outbox"
		"   WHERE state IN ('queued', 'sending') AND next_attempt_at <= " TS(1)
		"   ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
		" RETURNING id, attempts, array_to_json(recipients)::text, subject, body, html",
		1, p);
	if (!q_ok(r)) {
		fprintf(stderr, "itrace-cmdd: mail: %s", PQerrorMessage(c));
		PQclear(r);
		return -1;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	memset(w, 0, sizeof *w);
	w->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	w->attempts = atoi(PQgetvalue(r, 0, 1));
	w->subject = strdup(PQgetvalue(r, 0, 3));
	w->body = strdup(PQgetvalue(r, 0, 4));
	w->html = PQgetisnull(r, 0, 5) ? NULL : strdup(PQgetvalue(r, 0, 5));
	w->html_missing = !PQgetisnull(r, 0, 5) && w->html == NULL;
	json_t *a = json_loads(PQgetvalue(r, 0, 2), 0, NULL);
	PQclear(r);
	size_t n = json_array_size(a);
	w->rcpt = calloc(n + 1, sizeof *w->rcpt);
	size_t sk = 0;
	for (size_t i = 0; w->rcpt != NULL && i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (s != NULL && mail_addr_ok(s)) {
			w->rcpt[w->nrcpt] = strdup(s);
			if (w->rcpt[w->nrcpt] != NULL)
				w->nrcpt++;
		} else if (sk + 40 < sizeof w->skipped) {
			/* Name the bad entry by position: it may hold anything. */
			sk += (size_t)snprintf(w->skipped + sk, sizeof w->skipped - sk,
			                       "%srecipient %zu is not a mail address",
			                       sk > 0 ? "; " : "", i + 1);
		}
	}
	json_decref(a);
	return 1;
}

/* Build the message of row w and send it. */
static enum send_result send_row(const char *url, const char *from_name,
                                 const char *from_addr, const struct row *w,
                                 int64_t now_us, char *err, size_t errlen)
{
	const char *const *rcpt = (const char *const *)w->rcpt;
	struct mbuf h = {0};
	mail_headers(&h, from_name, from_addr, rcpt, w->nrcpt, w->subject, w->id, now_us);
	struct outmsg m = {0};
	char *raw = NULL, *text = NULL, *html = NULL;
	enum send_result res = SEND_RETRY;
	snprintf(err, errlen, "out of memory");
	if (h.bad)
		goto out;
	if (w->html == NULL) {
		raw = mail_build(h.s, w->body, &m.len);
		m.raw = raw;
		if (raw == NULL)
			goto out;
	} else {
		text = body_crlf(w->body, &m.text_len, &m.text_ascii);
		html = body_crlf(w->html, &m.html_len, &m.html_ascii);
		m.text = text;
		m.html = html;
		if (text == NULL || html == NULL || (m.hdrs = header_list(h.s)) == NULL)
			goto out;
	}
	err[0] = '\0';
	res = smtp_send(url, from_addr, rcpt, w->nrcpt, &m, err, errlen);
out:
	curl_slist_free_all(m.hdrs);
	free(raw);
	free(text);
	free(html);
	free(h.s);
	return res;
}

int mail_outbox_run(PGconn *c, const struct mail_cfg *cfg, int64_t now_us)
{
	if (cfg == NULL || cfg->smtp_url == NULL || cfg->smtp_url[0] == '\0')
		return 0;
	char *from_name = NULL, *from_addr = NULL;
	const char *from = cfg->from != NULL && cfg->from[0] != '\0' ? cfg->from : MAIL_DEFAULT_FROM;
	char *clean = header_clean(from);
	if (clean == NULL || split_from(clean, &from_name, &from_addr) != 0) {
		fprintf(stderr, "itrace-cmdd: mail: From address \"%s\" is not usable; "
		        "mail stays queued\n", clean != NULL && plain_ascii(clean) ? clean : "?");
		free(clean);
		return 0;
	}
	free(clean);
	int sent = 0;
	for (int k = 0; k < MAIL_PER_RUN; k++) {
		struct row w;
		int got = claim(c, now_us, &w);
		if (got < 0) {
			sent = -1;
			break;
		}
		if (got == 0)
			break;
		char err[600] = "";
		enum send_result res;
		if (w.subject == NULL || w.body == NULL || w.rcpt == NULL || w.html_missing) {
			snprintf(err, sizeof err, "out of memory");
			res = SEND_RETRY;
		} else if (w.nrcpt == 0) {
			snprintf(err, sizeof err, "no valid recipient%s%s", w.skipped[0] ? ": " : "",
			         w.skipped);
			res = SEND_PERMANENT;
		} else {
			res = send_row(cfg->smtp_url, from_name, from_addr, &w, now_us, err,
			               sizeof err);
		}
		int attempts = w.attempts + 1;
		int rc;
		if (res == SEND_OK) {
			rc = mark(c, w.id, "sent", w.skipped[0] != '\0' ? w.skipped : NULL, now_us, 0);
			if (rc == 0) {
				sent++;
				fprintf(stderr, "itrace-cmdd: mail: outbox %lld sent to %zu recipient%s\n",
				        (long long)w.id, w.nrcpt, w.nrcpt == 1 ? "" : "s");
			}
		} else {
			bool give_up = res == SEND_PERMANENT || attempts >= MAIL_MAX_ATTEMPTS;
			int64_t next = now_us + backoff_s(attempts) * 1000000;
			rc = mark(c, w.id, give_up ? "failed" : "queued", err, now_us, next);
			fprintf(stderr, "itrace-cmdd: mail: outbox %lld attempt %d failed: %s%s\n",
			        (long long)w.id, attempts, err,
			        give_up ? " (given up)" : " (will retry)");
		}
		row_free(&w);
		if (rc < 0) {
			sent = -1;
			break;
		}
		if (res == SEND_UNREACHABLE)
			break;
	}
	free(from_name);
	free(from_addr);
	return sent;
}
