/* opts.c - options: config file, then environment, then flags (later wins).
 *
 * Config file $XDG_CONFIG_HOME/itrace-tui/config: `key = value` lines,
 * '#' comments; keys db, api, token-file, tenant (repeatable), theme,
 * keymap, ascii, mask. Environment: PG* (libpq reads them itself when no
 * db is given), ITRACE_API_URL, ITRACE_TOKEN_FILE. Never written back.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/cfgfile.h"
#include "tui/tui.h"

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
}

static void add_tenant(struct opts *o, const char *t)
{
	char **nv = realloc(o->tenants, (size_t)(o->ntenants + 1) * sizeof *nv);
	if (nv == NULL)
		return;
	o->tenants = nv;
	o->tenants[o->ntenants++] = strdup(t);
}

static void clear_tenants(struct opts *o)
{
	for (int i = 0; i < o->ntenants; i++)
		free(o->tenants[i]);
	free(o->tenants);
	o->tenants = NULL;
	o->ntenants = 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	                 s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

static int truthy(const char *v)
{
	return strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	       strcmp(v, "on") == 0;
}

/* Returns the number of errors (printed as file:line: message). */
static int read_config(struct opts *o)
{
	char *dir = cf_config_dir();
	if (dir == NULL)
		return 0;
	char *path = NULL;
	if (asprintf(&path, "%s/config", dir) < 0)
		path = NULL;
	free(dir);
	if (path == NULL)
		return 0;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		free(path);
		return 0;
	}
	char line[1024];
	int lineno = 0, errs = 0, cleared = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			fprintf(stderr, "%s:%d: expected key = value\n", path, lineno);
			errs++;
			continue;
		}
		*eq = '\0';
		char *k = trim(s), *v = trim(eq + 1);
		if (strcmp(k, "db") == 0)
			set_str(&o->db, v);
		else if (strcmp(k, "api") == 0)
			set_str(&o->api, v);
		else if (strcmp(k, "token-file") == 0 || strcmp(k, "token_file") == 0)
			set_str(&o->token_file, v);
		else if (strcmp(k, "theme") == 0)
			set_str(&o->theme, v);
		else if (strcmp(k, "keymap") == 0)
			set_str(&o->keymap, v);
		else if (strcmp(k, "tenant") == 0) {
			if (!cleared)
				clear_tenants(o);
			cleared = 1;
			add_tenant(o, v);
		} else if (strcmp(k, "ascii") == 0)
			o->ascii = truthy(v);
		else if (strcmp(k, "mask") == 0)
			o->mask = truthy(v);
		else {
			fprintf(stderr, "%s:%d: unknown key \"%s\"\n", path, lineno, k);
			errs++;
		}
	}
	fclose(f);
	free(path);
	return errs;
}

void opt_usage(FILE *f)
{
	fputs("usage: itrace-tui [--db CONNINFO] [--api URL] [--token-file F] [--tenant T]...\n"
	      "                  [--theme NAME] [--keymap NAME] [--wallboard [--mask]]\n"
	      "                  [--ascii] [--check-config]\n"
	      "       itrace-tui report quick [--db CONNINFO] --alert ID [--format md|json] [--lang en|ja]\n"
	      "       itrace-tui report monthly [--db CONNINFO] --tenant NAME --month YYYY-MM ...\n", f);
}

int opt_parse(struct opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	int cfg_errs = read_config(o);
	const char *v;
	if ((v = getenv("ITRACE_API_URL")) != NULL && v[0] != '\0')
		set_str(&o->api, v);
	if ((v = getenv("ITRACE_TOKEN_FILE")) != NULL && v[0] != '\0')
		set_str(&o->token_file, v);

	enum { O_DB = 256, O_API, O_TOKEN, O_TENANT, O_THEME, O_KEYMAP, O_WALL,
	       O_MASK, O_ASCII, O_CHECK, O_PRINTKEYS, O_HELP };
	static const struct option lo[] = {
		{"db", required_argument, NULL, O_DB},
		{"api", required_argument, NULL, O_API},
		{"token-file", required_argument, NULL, O_TOKEN},
		{"tenant", required_argument, NULL, O_TENANT},
		{"theme", required_argument, NULL, O_THEME},
		{"keymap", required_argument, NULL, O_KEYMAP},
		{"wallboard", no_argument, NULL, O_WALL},
		{"mask", no_argument, NULL, O_MASK},
		{"ascii", no_argument, NULL, O_ASCII},
		{"check-config", no_argument, NULL, O_CHECK},
		{"print-keys", no_argument, NULL, O_PRINTKEYS},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	int c, flag_tenants = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_DB: set_str(&o->db, optarg); break;
		case O_API: set_str(&o->api, optarg); break;
		case O_TOKEN: set_str(&o->token_file, optarg); break;
		case O_TENANT:
			if (!flag_tenants)
				clear_tenants(o);
			flag_tenants = 1;
			add_tenant(o, optarg);
			break;
		case O_THEME: set_str(&o->theme, optarg); break;
		case O_KEYMAP: set_str(&o->keymap, optarg); break;
		case O_WALL: o->wallboard = 1; break;
		case O_MASK: o->mask = 1; break;
		case O_ASCII: o->ascii = 1; break;
		case O_CHECK: o->check_config = 1; break;
		case O_PRINTKEYS: o->print_keys = 1; break;
		case O_HELP: opt_usage(stdout); return 1;
		default:
			fprintf(stderr, "itrace-tui: unknown or incomplete option \"%s\"\n",
			        argv[optind - 1]);
			opt_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "itrace-tui: unexpected argument \"%s\"\n", argv[optind]);
		opt_usage(stderr);
		return -1;
	}
	if (o->db == NULL)
		o->db = strdup("");     /* libpq: PG* variables and defaults */
	o->resync_s = o->wallboard ? 15 : 60;
	if (cfg_errs > 0 && o->check_config)
		return -1;
	return 0;
}

int opt_load_token(struct opts *o, char *err, size_t errlen)
{
	if (o->token_file == NULL)
		return 0;
	int fd = open(o->token_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "token file %s: %s", o->token_file, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "token file %s: not a regular file", o->token_file);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
		         "token file %s is readable by group or others (mode %03o); "
		         "refusing it: run chmod 600 %s",
		         o->token_file, (unsigned)(st.st_mode & 0777), o->token_file);
		close(fd);
		return -1;
	}
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0) {
		snprintf(err, errlen, "token file %s is empty", o->token_file);
		return -1;
	}
	buf[n] = '\0';
	char *t = trim(buf);
	if (*t == '\0' || strpbrk(t, " \t\r\n") != NULL) {
		snprintf(err, errlen, "token file %s: expected one token on one line",
		         o->token_file);
		return -1;
	}
	set_str(&o->token, t);
	explicit_bzero(buf, sizeof buf);
	return 0;
}

void opt_free(struct opts *o)
{
	free(o->db);
	free(o->api);
	free(o->token_file);
	if (o->token != NULL) {
		explicit_bzero(o->token, strlen(o->token));
		free(o->token);
	}
	free(o->theme);
	free(o->keymap);
	clear_tenants(o);
	memset(o, 0, sizeof *o);
}
