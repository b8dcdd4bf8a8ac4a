/* main.c - itrace-tui: the analyst console, `report` subcommands, and the
 * hidden helpers --print-keys (the man page's key table) and
 * --check-config.
 *
 * Exit status: 0 normal; 1 configuration errors (--check-config) or a
 * runtime failure; 2 bad usage or an unusable token file.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/registry.h"
#include "tui/tui.h"

#if defined(__has_include)
#if __has_include("tui/report_cmd.h")
#include "tui/report_cmd.h"
#define HAVE_REPORT_CMD 1
#endif
#endif

static int check_config(const struct opts *o)
{
	int errs = 0;
	struct keymap km;
	struct cf_reader r;
	km_init(&km);
	errs += km_load(&km, o->keymap, &r);
	if (r.errors != NULL)
		fputs(r.errors, stdout);
	cf_free(&r);
	km_free(&km);

	struct theme th;
	thm_init(&th);
	const char *tname = o->theme != NULL ? o->theme : "default";
	errs += thm_load(&th, tname, &r);
	if (r.errors != NULL)
		fputs(r.errors, stdout);
	cf_free(&r);
	if (o->token_file != NULL) {
		struct opts copy = *o;
		char err[512];
		copy.token = NULL;
		if (opt_load_token(&copy, err, sizeof err) != 0) {
			printf("%s\n", err);
			errs++;
		}
		free(copy.token);
	}
	if (errs == 0)
		printf("itrace-tui: configuration ok (keymap %s, theme %s)\n",
		       o->keymap != NULL ? o->keymap : "default", tname);
	return errs == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc > 1 && strcmp(argv[1], "report") == 0) {
#ifdef HAVE_REPORT_CMD
		return report_cmd_main(argc - 1, argv + 1);
#else
		fprintf(stderr, "itrace-tui: report: not built in this version\n");
		return 2;
#endif
	}
	struct opts o;
	int rc = opt_parse(&o, argc, argv);
	if (rc != 0) {
		/* configuration errors under --check-config are status 1 */
		int status = rc > 0 ? 0 : o.check_config ? 1 : 2;
		opt_free(&o);
		return status;
	}
	if (o.print_keys) {
		reg_print_keys(stdout);
		opt_free(&o);
		return 0;
	}
	if (o.check_config) {
		rc = check_config(&o);
		opt_free(&o);
		return rc;
	}
	char err[512];
	if (opt_load_token(&o, err, sizeof err) != 0) {
		fprintf(stderr, "itrace-tui: %s\n", err);
		opt_free(&o);
		return 2;
	}
	rc = app_run(&o);
	opt_free(&o);
	return rc;
}
