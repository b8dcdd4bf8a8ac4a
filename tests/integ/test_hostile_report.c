/* test_hostile_report.c - hostile strings from endpoints in the reports
 * (issue 6, "Terminal and report injection", the report side).
 *
 * A corpus of hostile strings (terminal escapes: ESC [ 2J, OSC 52
 * clipboard writes, OSC 8 links, cursor moves, DCS/APC/PM, 8-bit C1
 * controls; bidi overrides and isolates; separators and invisible
 * characters; C0 controls; Markdown and HTML; a 100 KB command line) is
 * placed in every string field of native event lines and of the alert
 * line, each field tagged ("PA:" for the path, "C1:" for the command
 * line ...), one endpoint per string, so that the quick report shows the
 * string in every place it can: the alert, the origin (writer, Zone
 * Identifier URL), the execution, its parent and child, files written,
 * registry, images loaded, files read, network, DNS, the attributes.
 * Everything is loaded with the real itrace-ingest, then
 * `itrace-tui report quick --format md|json` (en and ja) and
 * `itrace-tui report monthly --format html|md` must:
 *   - hold no raw escape, C0/C1 control, DEL, bidi control, separator or
 *     invisible code point and no invalid UTF-8, anywhere (JSON: in no
 *     decoded string either);
 *   - show each string's visible escaped form, in every tagged field the
 *     report displays (the JSON checked field by field);
 *   - neutralise Markdown and HTML: every '<', '[', ']', '`', '*', '&'
 *     and '~' from the data backslash-escaped in Markdown (entities in
 *     HTML), no live link or autolink (http:// defanged to hxxp://), no
 *     heading or quote started by a newline in the data.
 * Strings that are not valid JSON text (a NUL, raw control bytes, invalid
 * UTF-8, lone surrogates) must be rejected at ingest: the lines go to the
 * rejects file, nothing of them is stored, the other lines still load.
 * The counts of strings and placements tried are printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include <jansson.h>

#include "../fuzz/fuzz.h"     /* fz_text_bad_at(): the hostile code point test */
#include "th.h"

/* ---- the corpus ---------------------------------------------------------------- */

struct hostile {
	const char *name;
	const char *json;       /* JSON string text (escapes as a sender writes them) */
	const char *vis;        /* the start of its visible form (san_text) */
	const char *md;         /* the start of its form in Markdown */
	int short_keys;         /* too long for host and path (see the test below) */
};

#define BIG_REPEAT 100
static char big_json[BIG_REPEAT * 1010 + 64];

static const struct hostile corpus[] = {
	{"ESC [ 2J (clear screen)", "\\u001b[2J\\u001b[3J", "\\e[2J\\e[3J", "\\e\\[2J\\e\\[3J", 0},
	{"OSC 52 clipboard write", "\\u001b]52;c;Y3VybCBldmlsfHNo\\u0007",
	 "\\e]52;c;Y3VybCBldmlsfHNo\\x07", "\\e\\]52;c;Y3VybCBldmlsfHNo\\x07", 0},
	{"OSC 8 hyperlink", "\\u001b]8;;http://evil.example/x\\u001b\\\\click\\u001b]8;;\\u001b\\\\",
	 "\\e]8;;http://evil.example/x\\e\\click", "\\e\\]8;;hxxp://evil.example/x\\e\\click", 0},
	{"cursor moves, erase line, CR, backspace",
	 "\\u001b[10;20H\\u001b[1A\\u001b[2K\\u001b7\\u001b8\\r\\b\\b",
	 "\\e[10;20H\\e[1A\\e[2K\\e7\\e8\\r\\x08\\x08", "\\e\\[10;20H\\e\\[1A\\e\\[2K\\e7\\e8\\r", 0},
	{"8-bit CSI U+009B (escaped in JSON)", "\\u009b31mred", "\\u{9B}31mred", "\\u{9B}31mred", 0},
	{"8-bit CSI U+009B (raw UTF-8 C2 9B)", "\xc2\x9b" "32mgreen", "\\u{9B}32mgreen",
	 "\\u{9B}32mgreen", 0},
	{"8-bit OSC U+009D title, ST U+009C", "\\u009d0;pwned\\u009c", "\\u{9D}0;pwned\\u{9C}",
	 "\\u{9D}0;pwned\\u{9C}", 0},
	{"DCS, APC, PM strings", "\\u001bP+q544e\\u001b\\\\\\u001b_apc\\u001b\\\\\\u001b^pm",
	 "\\eP+q544e\\e\\", "\\eP+q544e\\e\\", 0},
	{"bidi override U+202E", "invoice\\u202efdp.exe", "invoice\\u{202E}fdp.exe",
	 "invoice\\u{202E}fdp.exe", 0},
	{"bidi isolates U+2066..2069, RLM U+200F, ALM U+061C",
	 "a\\u2066b\\u2069\\u2067c\\u2069\\u2068d\\u2069\\u200f\\u061c",
	 "a\\u{2066}b\\u{2069}\\u{2067}c\\u{2069}\\u{2068}d\\u{2069}\\u{200F}\\u{061C}",
	 "a\\u{2066}b\\u{2069}\\u{2067}c\\u{2069}\\u{2068}d\\u{2069}\\u{200F}\\u{061C}", 0},
	{"line/paragraph separators, BOM, zero-width space",
	 "x\\u2028y\\u2029z\\ufeff\\u200bw\\u2060v", "x\\u{2028}y\\u{2029}z\\u{FEFF}\\u{200B}w\\u{2060}v",
	 "x\\u{2028}y\\u{2029}z\\u{FEFF}\\u{200B}w\\u{2060}v", 0},
	{"C0 controls BEL, DEL, TAB, LF, VT, FF",
	 "a\\u0007b\\u007fc\\td\\ne\\u000bf\\fg", "a\\x07b\\x7fc\\td\\ne\\x0bf\\x0cg",
	 "a\\x07b\\x7fc\\td\\ne\\x0bf\\x0cg", 0},
	{"HTML img onerror", "<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>",
	 "\\<img src=x onerror=alert(1)\\>", 0},
	{"HTML script", "<script>alert(document.cookie)</script>",
	 "<script>alert(document.cookie)</script>",
	 "\\<script\\>alert(document.cookie)\\</script\\>", 0},
	{"Markdown link and image", "[click](http://evil.example/a) ![i](https://evil.example/i.png)",
	 "[click](http://evil.example/a) ![i](https://evil.example/i.png)",
	 "\\[click\\](hxxp://evil.example/a) !\\[i\\](hxxps://evil.example/i.png)", 0},
	{"Markdown code, emphasis, strike, entity, table pipe",
	 "`rm -rf /` *bold* _it_ ~~s~~ &amp; &#x3c; |a|b|", "`rm -rf /` *bold* _it_ ~~s~~ &amp; &#x3c; ",
	 "\\`rm -rf /\\` \\*bold\\* \\_it\\_ \\~\\~s\\~\\~ \\&amp; \\&#x3c; ", 0},
	{"Markdown heading, list and quote after newlines", "x\\n# H1\\n- item\\n> quote\\n---",
	 "x\\n# H1\\n- item\\n> quote\\n---", "x\\n# H1\\n- item\\n\\> quote\\n---", 0},
	{"autolinks (www, mailto, ftp)", "www.evil.example mailto:a@evil.example ftp://evil.example/",
	 "www.evil.example mailto:a@evil.example ftp://evil.example/",
	 "www\\[.\\]evil.example mailto:a@evil.example fxp://evil.example/", 0},
	{"look-alike escapes typed as text", "\\\\e[2J \\\\x1b \\\\u{202E}", "\\e[2J \\x1b \\u{202E}",
	 "\\e\\[2J \\x1b \\u{202E}", 0},
	{"CJK and emoji (kept)", "\xe6\xa4\x9c\xe6\x9f\xbb\\u3000\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4"
	 "\xe3\x83\xab\xf0\x9f\x98\x80", "\xe6\xa4\x9c\xe6\x9f\xbb\xe3\x80\x80\xe3\x83\x95\xe3\x82\xa1"
	 "\xe3\x82\xa4\xe3\x83\xab\xf0\x9f\x98\x80", "\xe6\xa4\x9c\xe6\x9f\xbb\xe3\x80\x80\xe3\x83\x95"
	 "\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab\xf0\x9f\x98\x80", 0},
	{"100 KB command line with escapes", big_json, "cmd.exe /c BBBBBBBBBB", "cmd.exe /c BBBBBBBBBB",
	 1},
};
#define N_CORPUS (sizeof corpus / sizeof corpus[0])

/* Not JSON text: must be rejected at ingest (raw bytes inside a string). */
struct bad {
	const char *name;
	const char *bytes;
	size_t len;
};
static const struct bad rejected[] = {
	{"NUL as \\u0000", "a\\u0000b", 8},
	{"raw NUL byte", "a\0b", 3},
	{"raw ESC byte", "\x1b[2J", 4},
	{"raw BEL and CR bytes", "a\x07\rb", 4},
	{"raw 8-bit CSI byte 0x9B", "\x9b" "31m", 4},
	{"invalid UTF-8 0xFF 0xFE", "\xff\xfe", 2},
	{"overlong '/' C0 AF", "\xc0\xaf", 2},
	{"UTF-8 surrogate ED A0 80", "\xed\xa0\x80", 3},
	{"truncated sequence E2 80", "a\xe2\x80", 3},
	{"lone surrogate escape \\ud800", "\\ud800x", 7},
	{"code point past U+10FFFF F4 90 80 80", "\xf4\x90\x80\x80", 4},
};
#define N_REJECTED (sizeof rejected / sizeof rejected[0])

/* The fields, by tag, and whether the quick report shows them in JSON and
 * in Markdown (found by this test; a field that starts or stops showing
 * fails it, so the table stays true). The rest are never shown: the
 * test checks that they are absent rather than present. */
struct field {
	const char *tag;
	const char *what;
	int json, md;
};
static const struct field fields[] = {
	{"HO", "alert/event host", 1, 1}, {"PA", "alert path = image = file written", 1, 1},
	{"AD", "alert detection", 0, 1}, {"WI", "origin writer image", 1, 1},
	{"WC", "origin writer cmdline", 1, 0}, {"ZU", "Zone.Identifier HostUrl", 1, 1},
	{"C1", "execution cmdline", 1, 1}, {"U1", "execution user", 1, 1},
	{"IN", "execution integrity", 1, 1}, {"PI", "parent image", 1, 1},
	{"PC", "parent cmdline", 1, 0}, {"SG", "signature", 1, 1}, {"CO", "company", 1, 1},
	{"OF", "original file name", 1, 1}, {"DE", "description", 1, 1},
	{"PR", "product", 0, 0}, {"CI", "child image (Markdown: its base name)", 1, 0},
	{"CC", "child cmdline", 1, 1}, {"CU", "child user", 1, 0}, {"FW", "file written", 1, 1},
	{"RK", "registry key", 1, 1}, {"RV", "registry value", 1, 1},
	{"IL", "image loaded", 1, 1}, {"IS", "image load signature", 1, 1},
	{"NP", "network protocol (lower-cased)", 1, 1}, {"NI", "remote address", 1, 1},
	{"DQ", "DNS query", 1, 1}, {"DD", "DNS results", 0, 0}, {"FR", "file read", 1, 1},
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

/* ---- helpers ------------------------------------------------------------------- */


#define SHA "5f3c1b0a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"

/* The lines of scenario i with hostile JSON text h in every field. */
static void scenario(struct th_buf *b, int i, const char *h, int short_keys)
{
	char host[64], path[128];
	const char *hk = short_keys ? "long" : h;
	snprintf(host, sizeof host, "h%02d-HO:", i);
	snprintf(path, sizeof path, "C:\\\\Users\\\\PA:");
	const char *t = "2026-11-24T10:00";
#define HOST "\"host\":\"%s%s\""
#define PATH "\"%s%s\\\\evil.exe\""
	/* Origin: a writer (known only from its events) creates the file and
	 * its Zone.Identifier stream. */
	th_buf_printf(b, "{\"type\":\"event\",\"kind\":\"file_create\",\"time\":\"%s:00Z\"," HOST ","
	       "\"proc_guid\":\"{aaaaaaaa-0000-0001-0000-000000000001}\",\"pid\":150,"
	       "\"image\":\"C:\\\\Windows\\\\WI:%s\\\\browser.exe\",\"cmdline\":\"WC:%s\","
	       "\"target\":" PATH ",\"sha256\":\"" SHA "\"}\n",
	    t, host, hk, h, h, path, hk);
	th_buf_printf(b, "{\"type\":\"event\",\"kind\":\"file_stream\",\"time\":\"%s:01Z\"," HOST ","
	       "\"proc_guid\":\"{aaaaaaaa-0000-0001-0000-000000000001}\",\"pid\":150,"
	       "\"image\":\"C:\\\\Windows\\\\WI:%s\\\\browser.exe\","
	       "\"target\":\"%s%s\\\\evil.exe:Zone.Identifier\","
	       "\"details\":\"[ZoneTransfer]\\r\\nZoneId=3\\r\\nHostUrl=http://evil.example/ZU:%s\"}\n",
	    t, host, hk, h, path, hk, h);
	/* The execution, its parent (known only from it) and a child. */
	th_buf_printf(b, "{\"type\":\"event\",\"kind\":\"process_start\",\"time\":\"%s:10Z\"," HOST ","
	       "\"proc_guid\":\"{bbbbbbbb-0000-0002-0000-000000000002}\",\"pid\":200,"
	       "\"image\":" PATH ",\"cmdline\":\"C1:%s\",\"user\":\"U1:%s\",\"integrity\":\"IN:%s\","
	       "\"parent_guid\":\"{cccccccc-0000-0003-0000-000000000003}\",\"parent_pid\":100,"
	       "\"parent_image\":\"C:\\\\Windows\\\\PI:%s\\\\explorer.exe\",\"parent_cmdline\":\"PC:%s\","
	       "\"sha256\":\"" SHA "\",\"signed\":false,\"signature\":\"SG:%s\",\"company\":\"CO:%s\","
	       "\"original_file_name\":\"OF:%s\",\"description\":\"DE:%s\",\"product\":\"PR:%s\"}\n",
	    t, host, hk, path, hk, h, h, h, h, h, h, h, h, h, h);
	th_buf_printf(b, "{\"type\":\"event\",\"kind\":\"process_start\",\"time\":\"%s:20Z\"," HOST ","
	       "\"proc_guid\":\"{dddddddd-0000-0004-0000-000000000004}\",\"pid\":300,"
	       "\"image\":\"C:\\\\Windows\\\\CI:%s\\\\cmd.exe\",\"cmdline\":\"CC:%s\",\"user\":\"CU:%s\","
	       "\"parent_guid\":\"{bbbbbbbb-0000-0002-0000-000000000002}\",\"parent_pid\":200,"
	       "\"parent_image\":" PATH "}\n",
	    t, host, hk, h, h, h, path, hk);
	/* What the execution did. */
#define BY_EXEC "\"proc_guid\":\"{bbbbbbbb-0000-0002-0000-000000000002}\",\"pid\":200,\"image\":" PATH
	th_buf_printf(b, "{\"type\":\"event\",\"kind\":\"file_create\",\"time\":\"%s:30Z\"," HOST "," BY_EXEC ","
	       "\"target\":\"C:\\\\tmp\\\\FW:%s\"}\n", t, host, hk, path, hk, h);
	th_buf_printf(b, "{\"type\":\"event\",\"kind\":\"registry_set\",\"time\":\"%s:31Z\"," HOST "," BY_EXEC ","
	       "\"target\":\"HKLM\\\\Software\\\\RK:%s\",\"details\":\"RV:%s\"}\n",
	    t, host, hk, path, hk, h, h);
	th_buf_printf(b, "{\"type\":\"event\",\"kind\":\"image_load\",\"time\":\"%s:32Z\"," HOST "," BY_EXEC ","
	       "\"target\":\"C:\\\\dll\\\\IL:%s.dll\",\"signed\":true,\"signature\":\"IS:%s\"}\n",
	    t, host, hk, path, hk, h, h);
	th_buf_printf(b, "{\"type\":\"event\",\"kind\":\"net_connect\",\"time\":\"%s:33Z\"," HOST "," BY_EXEC ","
	       "\"proto\":\"NP:%s\",\"remote_ip\":\"NI:%s\",\"remote_port\":443,\"initiated\":true}\n",
	    t, host, hk, path, hk, h, h);
	th_buf_printf(b, "{\"type\":\"event\",\"kind\":\"dns_query\",\"time\":\"%s:34Z\"," HOST "," BY_EXEC ","
	       "\"target\":\"DQ:%s.evil.example\",\"details\":\"DD:%s\"}\n",
	    t, host, hk, path, hk, h, h);
	th_buf_printf(b, "{\"type\":\"event\",\"kind\":\"file_read\",\"time\":\"%s:35Z\"," HOST ","
	       "\"proc_guid\":\"{dddddddd-0000-0004-0000-000000000004}\",\"pid\":300,"
	       "\"target\":\"FR:%s\"}\n", t, host, hk, h);
	/* The alert. */
	th_buf_printf(b, "{\"type\":\"alert\"," HOST ",\"detected_at\":\"%s:50Z\",\"path\":" PATH ","
	       "\"sha256\":\"" SHA "\",\"detection\":\"AD:%s\",\"action\":\"blocked\"}\n",
	    host, hk, t, path, hk, h);
#undef BY_EXEC
#undef HOST
#undef PATH
}
#define LINES_PER_SCENARIO 11
#define FIELDS_PER_SCENARIO N_FIELDS

static char *ingest(const char *ci, const char *file, const char *rejects, int want,
                    struct th_out *o)
{
	const char *argv[] = {"itrace-ingest", "--db", ci, "--tenant", "hostile", "--rejects",
	                      rejects, file, NULL};
	int st = th_run(o, NULL, NULL, argv);
	if (st != want) {
		fprintf(stderr, "ingest: status %d, want %d: %.2000s\n", st, want, o->err);
		fail();
	}
	return o->out;
}

static char *run_tui(const char *const *args, int want)
{
	const char *argv[24];
	size_t n = 0;
	argv[n++] = "itrace-tui";
	for (size_t i = 0; args[i] != NULL && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	struct th_out o;
	int st = th_run(&o, NULL, NULL, argv);
	if (st != want)
		fail_msg("itrace-tui %s %s: status %d: %.1000s", args[0], args[1], st, o.err);
	char *out = o.out;
	o.out = NULL;
	th_out_free(&o);
	return out;
}

/* No hostile byte anywhere (newlines are the format's own). */
static void assert_clean(const char *what, const char *s)
{
	size_t n = strlen(s);
	size_t bad = fz_text_bad_at(s, n, 1, 0);
	if (bad != n)
		fail_msg("%s: hostile byte 0x%02x at offset %zu: \"%.60s\"", what,
		         (unsigned char)s[bad], bad, s + (bad > 20 ? bad - 20 : 0));
	/* Nor an escape that a later decoder could turn back into one. */
	static const char *const enc[] = {"\\u001b", "\\u001B", "\\u009b", "\\u009B", "\\u0007",
	                                  "\\u202e", "\\u202E", "&#27;", "&#x1b;", "&#x1B;", NULL};
	for (size_t i = 0; enc[i] != NULL; i++)
		if (strstr(s, enc[i]) != NULL)
			fail_msg("%s: encoded control \"%s\" in the output", what, enc[i]);
}

/* Every string of a JSON document, checked, appended to *all (NUL-separated
 * in one buffer, for searching). */
static void json_strings(const json_t *j, const char *what, struct th_buf *all)
{
	const char *k;
	json_t *v;
	size_t i;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		json_object_foreach((json_t *)j, k, v)
			json_strings(v, what, all);
		break;
	case JSON_ARRAY:
		json_array_foreach(j, i, v)
			json_strings(v, what, all);
		break;
	case JSON_STRING: {
		const char *s = json_string_value(j);
		size_t n = json_string_length(j);
		size_t bad = fz_text_bad_at(s, n, 0, 0);
		if (bad != n)
			fail_msg("%s: JSON string with hostile byte 0x%02x at %zu: \"%.80s\"", what,
			         (unsigned char)s[bad], bad, s);
		th_buf_add(all, s, n);
		th_buf_add(all, "\n", 1);
		break;
	}
	default:
		break;
	}
}

/* "TAG:" + the start of a visible form, as a field would show it. */
static void field_needle(char *needle, size_t len, const struct field *f, const char *form)
{
	snprintf(needle, len, "%s:%s", f->tag, form);
	/* The URL of a Zone.Identifier's HostUrl= line ends at the first
	 * blank, CR or LF. */
	if (strcmp(f->tag, "ZU") == 0) {
		const char *const stops[] = {"\\r", "\\n", "\\t", " "};
		for (size_t k = 0; k < 4; k++) {
			char *x = strstr(needle, stops[k]);
			if (x != NULL)
				*x = '\0';
		}
	}
}

/* Is the field shown in text as it should be (or absent if not shown)?
 * Returns 1 when shown. */
static int check_field(const char *what, const char *text, const struct field *f,
                       const char *form, int want)
{
	char needle[256];
	field_needle(needle, sizeof needle, f, form);
	/* The protocol is shown lower-case. */
	int found = strcmp(f->tag, "NP") == 0 ? strcasestr(text, needle) != NULL
	                                      : strstr(text, needle) != NULL;
	if (want && !found)
		fail_msg("%s: field %s (%s) does not show \"%s\"", what, f->tag, f->what, needle);
	if (!want && found)
		fail_msg("%s: field %s (%s) is shown now: update the fields table", what, f->tag,
		         f->what);
	return found;
}

/* The renderer's own bracketed words (report_render.c); any other
 * unescaped bracket came from the data. */
static const char *const md_own_brackets[] = {
	"no process start logged", "known only from a child's parent fields",
	"names the file", "origin writer",
	"起動イベントなし", "子プロセスの親情報からのみ判明", "ファイルを指す", "書き込み元",
	NULL};

static int escaped_at(const char *md, const char *p)
{
	size_t bs = 0;
	for (const char *q = p; q > md && q[-1] == '\\'; q--)
		bs++;
	return bs % 2 == 1;
}

/* Markdown: every active character that came from the data is escaped.
 * The renderer's own syntax is headings at line start, tables, '**'
 * emphasis, '-' and '1.' lists, code fences at line start (the monthly
 * chart) and a few bracketed words ("[1]", "[no process start logged]"),
 * never followed by '(' '[' or ':' (no link). */
static void assert_md_inert(const char *what, const char *md)
{
	for (const char *p = md; *p != '\0'; p++) {
		if (strchr("<>[]`&~", *p) == NULL || escaped_at(md, p))
			continue;
		/* A code fence of the renderer's (the monthly chart). */
		if (*p == '`' && (p == md || p[-1] == '\n') && strncmp(p, "```", 3) == 0) {
			p += 2;
			continue;
		}
		if (*p == '[') {
			const char *e = strchr(p, ']');
			size_t n = e != NULL ? (size_t)(e - p - 1) : 0;
			int own = e != NULL && n > 0 && strspn(p + 1, "0123456789") == n;
			for (size_t k = 0; !own && e != NULL && md_own_brackets[k] != NULL; k++)
				own = strlen(md_own_brackets[k]) == n &&
				      strncmp(p + 1, md_own_brackets[k], n) == 0;
			if (own && (p == md || p[-1] != '!') && e[1] != '(' && e[1] != '[' &&
			    e[1] != ':') {
				p = e;
				continue;
			}
		}
		fail_msg("%s: unescaped '%c' at %zu: \"%.60s\"", what, *p, (size_t)(p - md),
		         p > md + 30 ? p - 30 : md);
	}
	if (strstr(md, "http://") != NULL || strstr(md, "https://") != NULL ||
	    strstr(md, "ftp://") != NULL || strstr(md, "www.evil") != NULL)
		fail_msg("%s: a live URL is left", what);
	/* The data never starts a line. */
	for (const char *l = md; l != NULL && *l != '\0'; l = strchr(l, '\n')) {
		if (*l == '\n')
			l++;
		if (strncmp(l, "# H1", 4) == 0 || strncmp(l, "> quote", 7) == 0 ||
		    strncmp(l, "- item", 6) == 0)
			fail_msg("%s: data starts a Markdown line: \"%.40s\"", what, l);
	}
}

/* HTML text escaping, the oracle for the monthly report's HTML. */
static char *html_escape(const char *s)
{
	struct th_buf b = {0};
	th_buf_add(&b, "", 0);
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': th_buf_printf(&b, "&amp;"); break;
		case '<': th_buf_printf(&b, "&lt;"); break;
		case '>': th_buf_printf(&b, "&gt;"); break;
		case '"': th_buf_printf(&b, "&quot;"); break;
		case '\'': th_buf_printf(&b, "&#39;"); break;
		default: th_buf_add(&b, s, 1); break;
		}
	}
	return b.p;
}

/* ITRACE_TEST_DUMP=DIR keeps every report looked at, for a human eye. */
static void dump(const char *id, const char *lang, const char *fmt, const char *text)
{
	const char *dir = getenv("ITRACE_TEST_DUMP");
	if (dir == NULL || dir[0] == '\0')
		return;
	char path[600];
	snprintf(path, sizeof path, "%s/report-%s-%s.%s", dir, id, lang, fmt);
	FILE *f = fopen(path, "w");
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* ---- the test ------------------------------------------------------------------ */

static void make_big(void)
{
	size_t o = 0;
	o += (size_t)snprintf(big_json + o, sizeof big_json - o, "cmd.exe /c ");
	for (int r = 0; r < BIG_REPEAT; r++) {
		memset(big_json + o, 'B', 990);
		o += 990;
		o += (size_t)snprintf(big_json + o, sizeof big_json - o, "\\u001b[2J%03d", r);
	}
	big_json[o] = '\0';
}

static void test_hostile_strings_in_reports(void **state)
{
	(void)state;
	make_big();
	char *ci = th_db_new_migrated();
	assert_non_null(ci);
	struct th_buf all = {0};
	for (size_t i = 0; i < N_CORPUS; i++)
		scenario(&all, (int)i, corpus[i].json, corpus[i].short_keys);
	const char *file = th_write_file("hostile.json", all.p, all.n);
	char rej[600];
	snprintf(rej, sizeof rej, "%s/hostile.rejects", th_tmpdir());
	struct th_out o;
	char *out = ingest(ci, file, rej, 0, &o);
	if (strstr(o.err, "rejected 0") == NULL)
		fail_msg("hostile lines were rejected: %.3000s", o.err);
	assert_clean("itrace-ingest stderr", o.err);
	/* The ids of the alerts, in scenario order ("alert ID HOST PATH"). */
	long ids[N_CORPUS];
	size_t nid = 0;
	for (const char *p = strstr(out, "alert "); p != NULL && nid < N_CORPUS;
	     p = strstr(p + 1, "\nalert ")) {
		if (*p == '\n')
			p++;
		ids[nid++] = strtol(p + 6, NULL, 10);
	}
	assert_int_equal(nid, N_CORPUS);
	assert_clean("itrace-ingest stdout", out);
	th_out_free(&o);

	int reports = 0, placements = 0, shown_json = 0, shown_md = 0;
	for (size_t i = 0; i < N_CORPUS; i++) {
		const struct hostile *h = &corpus[i];
		char ids_s[32];
		snprintf(ids_s, sizeof ids_s, "%ld", ids[i]);
		for (int lang = 0; lang < 2; lang++) {
			const char *ln = lang ? "ja" : "en";
			char what[160];
			/* JSON: clean, and every shown field holds the visible form. */
			char *js = run_tui((const char *const[]){"report", "quick", "--db", ci, "--alert",
			                   ids_s, "--format", "json", "--lang", ln, NULL}, 0);
			snprintf(what, sizeof what, "quick json %s, %s", ln, h->name);
			dump(ids_s, ln, "json", js);
			assert_clean(what, js);
			json_error_t je;
			json_t *j = json_loads(js, 0, &je);
			if (j == NULL)
				fail_msg("%s: not JSON: %s", what, je.text);
			struct th_buf strs = {0};
			th_buf_add(&strs, "", 0);
			json_strings(j, what, &strs);
			json_decref(j);
			for (size_t f = 0; f < N_FIELDS; f++) {
				if (h->short_keys && (strcmp(fields[f].tag, "HO") == 0 ||
				                      strcmp(fields[f].tag, "PA") == 0))
					continue;
				int got = check_field(what, strs.p, &fields[f], h->vis, fields[f].json);
				if (lang == 0) {
					placements++;
					shown_json += got;
				}
			}
			/* The 100 KB line is shown whole: every escape in it. */
			if (h == &corpus[N_CORPUS - 1])
				assert_true(th_count_str(strs.p, "\\e[2J") >= BIG_REPEAT);
			free(strs.p);
			free(js);
			reports++;

			/* Markdown: clean, inert, visible forms present. */
			char *md = run_tui((const char *const[]){"report", "quick", "--db", ci, "--alert",
			                   ids_s, "--format", "md", "--lang", ln, NULL}, 0);
			snprintf(what, sizeof what, "quick md %s, %s", ln, h->name);
			dump(ids_s, ln, "md", md);
			assert_clean(what, md);
			assert_md_inert(what, md);
			for (size_t f = 0; f < N_FIELDS; f++) {
				if (h->short_keys && (strcmp(fields[f].tag, "HO") == 0 ||
				                      strcmp(fields[f].tag, "PA") == 0))
					continue;
				int got = check_field(what, md, &fields[f], h->md, fields[f].md);
				if (lang == 0)
					shown_md += got;
			}
			free(md);
			reports++;
		}
	}

	/* The monthly report of the tenant lists these alerts (host, path,
	 * detection): HTML and Markdown. */
	const char *fmts[] = {"html", "md"};
	for (size_t k = 0; k < 2; k++) {
		char *m = run_tui((const char *const[]){"report", "monthly", "--db", ci, "--tenant",
		                  "hostile", "--month", "2026-11", "--format", fmts[k], "--lang", "en",
		                  NULL}, 0);
		char what[64];
		snprintf(what, sizeof what, "monthly %s", fmts[k]);
		dump("monthly", "en", fmts[k], m);
		assert_clean(what, m);
		if (k == 0) {
			/* Markup only from the renderer: the data's is entities. */
			if (strcasestr(m, "<script") != NULL || strstr(m, "<img") != NULL ||
			    strstr(m, "onerror=alert(1)>") != NULL || strstr(m, "href=\"http") != NULL)
				fail_msg("monthly html: live markup from the data");
		} else {
			assert_md_inert(what, m);
		}
		/* Each alert's host and path, in the format's escaped form. */
		for (size_t i = 0; i < N_CORPUS; i++) {
			if (corpus[i].short_keys)
				continue;
			char *e = k == 0 ? html_escape(corpus[i].vis) : strdup(corpus[i].md);
			for (int t = 0; t < 2; t++) {
				char needle[512];
				snprintf(needle, sizeof needle, "%s:%s", t ? "PA" : "HO", e);
				if (strstr(m, needle) == NULL)
					fail_msg("%s: %s is not shown as \"%s\"", what, corpus[i].name, needle);
			}
			free(e);
		}
		free(m);
		reports++;
	}
	print_message("hostile report: %zu hostile strings x %zu fields = %d placements loaded; "
	              "shown and checked: %d in JSON, %d in Markdown (each in en and ja); "
	              "%d reports checked (quick json/md en/ja, monthly html/md)\n",
	              N_CORPUS, N_FIELDS, placements, shown_json, shown_md, reports);
	free(all.p);
	th_db_drop(ci);
}

/* Not JSON text: each line is rejected (rejects file, nothing stored); the
 * good lines around it still load. */
static void test_rejected_at_ingest(void **state)
{
	(void)state;
	char *ci = th_db_new_migrated();
	assert_non_null(ci);
	int lines = 0;
	for (size_t i = 0; i < N_REJECTED; i++) {
		struct th_buf b = {0};
		th_buf_printf(&b, "{\"type\":\"event\",\"kind\":\"process_start\",\"time\":\"2026-11-24T10:00:00Z\","
		        "\"host\":\"r%02zu\",\"pid\":1,\"image\":\"C:\\\\ok.exe\"}\n", i);
		/* The hostile bytes in an event's command line and in an alert. */
		th_buf_printf(&b, "{\"type\":\"event\",\"kind\":\"process_start\",\"time\":\"2026-11-24T10:00:01Z\","
		        "\"host\":\"r%02zu\",\"pid\":2,\"cmdline\":\"x", i);
		th_buf_add(&b, rejected[i].bytes, rejected[i].len);
		th_buf_printf(&b, "y\"}\n{\"type\":\"alert\",\"host\":\"r%02zu\","
		        "\"detected_at\":\"2026-11-24T10:00:02Z\",\"path\":\"C:\\\\a\",\"detection\":\"", i);
		th_buf_add(&b, rejected[i].bytes, rejected[i].len);
		th_buf_printf(&b, "\"}\n{\"type\":\"alert\",\"host\":\"r%02zu\",\"detected_at\":\"2026-11-24T10:00:03Z\","
		        "\"path\":\"C:\\\\ok.exe\"}\n", i);
		char name[32], rej[600];
		snprintf(name, sizeof name, "bad%02zu.json", i);
		const char *f = th_write_file(name, b.p, b.n);
		snprintf(rej, sizeof rej, "%s/bad%02zu.rejects", th_tmpdir(), i);
		remove(rej);
		struct th_out o;
		ingest(ci, f, rej, 1, &o);
		if (strstr(o.err, "loaded 2,") == NULL || strstr(o.err, "rejected 2") == NULL)
			fail_msg("%s: want 2 loaded, 2 rejected: %.2000s", rejected[i].name, o.err);
		assert_clean("itrace-ingest stderr (reasons quote the bytes)", o.err);
		th_out_free(&o);
		/* The rejects file holds exactly the two lines, bytes unchanged. */
		FILE *rf = fopen(rej, "rb");
		assert_non_null(rf);
		char *got = calloc(1, b.n + 1);
		size_t n = fread(got, 1, b.n, rf);
		fclose(rf);
		const char *l2 = memchr(b.p, '\n', b.n) + 1;
		const char *l4 = b.p;
		for (int k = 0; k < 3; k++)
			l4 = (const char *)memchr(l4, '\n', b.n - (size_t)(l4 - b.p)) + 1;
		size_t want = (size_t)(l4 - l2);
		if (n != want || memcmp(got, l2, want) != 0)
			fail_msg("%s: rejects file differs from the two bad lines", rejected[i].name);
		free(got);
		free(b.p);
		lines += 2;
	}
	/* Nothing of them stored. */
	PGconn *c = th_connect(ci);
	assert_int_equal(th_count(c, "SELECT count(*) FROM event WHERE pid = 2"), 0);
	assert_int_equal(th_count(c, "SELECT count(*) FROM alert WHERE path = 'C:\\a'"), 0);
	assert_int_equal(th_count(c, "SELECT count(*) FROM alert WHERE path = 'C:\\ok.exe'"),
	                 (long)N_REJECTED);
	PQfinish(c);
	print_message("rejected at ingest: %zu hostile byte strings, %d lines, none stored\n",
	              N_REJECTED, lines);
	th_db_drop(ci);
}

/* A 100 KB host name or alert path (endpoint data): the line may be
 * rejected or stored, but the lines after it must still load. */
static void test_long_host_and_path_do_not_stop_ingest(void **state)
{
	(void)state;
	char *ci = th_db_new_migrated();
	assert_non_null(ci);
	/* Incompressible, so that nothing hides it from an index. */
	char *big = malloc(100001);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < 100000; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		big[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[x % 36];
	}
	big[100000] = '\0';
	const char *cases[] = {"host", "path"};
	int failed = 0;
	for (size_t k = 0; k < 2; k++) {
		struct th_buf b = {0};
		if (k == 0)
			th_buf_printf(&b, "{\"type\":\"event\",\"kind\":\"process_start\",\"time\":\"2026-11-24T10:00:00Z\","
			        "\"host\":\"%s\",\"pid\":1,\"image\":\"C:\\\\x.exe\"}\n", big);
		else
			th_buf_printf(&b, "{\"type\":\"alert\",\"host\":\"lp\",\"detected_at\":\"2026-11-24T10:00:00Z\","
			        "\"path\":\"C:\\\\%s\"}\n", big);
		th_buf_printf(&b, "{\"type\":\"alert\",\"host\":\"after%zu\",\"detected_at\":\"2026-11-24T10:00:01Z\","
		        "\"path\":\"C:\\\\after.exe\"}\n", k);
		char name[32], rej[600];
		snprintf(name, sizeof name, "long-%s.json", cases[k]);
		const char *f = th_write_file(name, b.p, b.n);
		snprintf(rej, sizeof rej, "%s/long-%s.rejects", th_tmpdir(), cases[k]);
		const char *argv[] = {"itrace-ingest", "--db", ci, "--tenant", "long", "--rejects", rej,
		                      f, NULL};
		struct th_out o;
		int st = th_run(&o, NULL, NULL, argv);
		if (st == 2 || strstr(o.out, "after.exe") == NULL) {
			print_message("a 100 KB %s stops the load (status %d), the alert after it is "
			              "not stored: %.240s\n", cases[k], st, o.err);
			failed++;
		}
		th_out_free(&o);
		free(b.p);
	}
	free(big);
	th_db_drop(ci);
	if (failed > 0)
		fail_msg("%d of 2 long endpoint strings stop itrace-ingest (unique btree indexes on "
		         "endpoint(tenant_id, name) and alert(endpoint_id, detected_at, path, sha256) "
		         "cannot hold values over 2704 bytes)", failed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_strings_in_reports),
		cmocka_unit_test(test_rejected_at_ingest),
		cmocka_unit_test(test_long_host_and_path_do_not_stop_ingest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
