/* state.c - UI state file; see state.h. */
#include "tui/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/cfgfile.h"
#include "tui/tui.h"

static char *state_path(int mkdirs)
{
	char *dir = cf_state_dir();
	if (dir == NULL)
		return NULL;
	if (mkdirs) {
		/* create the parents one by one (~/.local/state may be missing) */
		for (char *p = dir + 1; *p != '\0'; p++)
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0700);
				*p = '/';
			}
		mkdir(dir, 0700);
	}
	char *path = NULL;
	if (asprintf(&path, "%s/state", dir) < 0)
		path = NULL;
	free(dir);
	return path;
}

void st_load(struct app *a)
{
	if (a->wallboard)
		return;
	char *path = state_path(0);
	FILE *f = path != NULL ? fopen(path, "r") : NULL;
	free(path);
	if (f == NULL)
		return;
	char line[1024];
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		char *eq = strstr(line, " = ");
		if (eq == NULL)
			continue;
		*eq = '\0';
		const char *k = line, *v = eq + 3;
		if (strcmp(k, "view") == 0)
			a->view = strcmp(v, "endpoints") == 0 ? VIEW_ENDPOINTS : VIEW_QUEUE;
		else if (strcmp(k, "filter") == 0) {
			char err[128];
			q_set_filter(a, v, err, sizeof err);
		} else if (strcmp(k, "lang") == 0)
			a->av.lang_en = strcmp(v, "en") == 0;
		else if (strcmp(k, "unfolded") == 0) {
			char *save = NULL, *dup = strdup(v);
			for (char *t = dup != NULL ? strtok_r(dup, ",", &save) : NULL; t != NULL;
			     t = strtok_r(NULL, ",", &save)) {
				int64_t *nu = realloc(a->q.unfolded, (a->q.nunfolded + 1) * sizeof *nu);
				if (nu == NULL)
					break;
				a->q.unfolded = nu;
				a->q.unfolded[a->q.nunfolded++] = strtoll(t, NULL, 10);
			}
			free(dup);
		}
	}
	fclose(f);
}

void st_save(const struct app *a)
{
	if (a->wallboard)
		return;
	char *path = state_path(1);
	if (path == NULL)
		return;
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.%ld.tmp", path, (long)getpid()) < 0) {
		free(path);
		return;
	}
	FILE *f = fopen(tmp, "w");
	if (f != NULL) {
		fprintf(f, "# itrace-tui UI state, rewritten on exit; safe to delete\n");
		fprintf(f, "view = %s\n", a->view == VIEW_ENDPOINTS ? "endpoints" : "queue");
		fprintf(f, "filter = %s%s%s%s%s%s\n",
		        a->q.f_tenant ? "tenant=" : "", a->q.f_tenant ? a->q.f_tenant : "",
		        a->q.f_state ? " state=" : "", a->q.f_state ? a->q.f_state : "",
		        a->q.f_verdict ? " verdict=" : "",
		        a->q.f_verdict == 'b' ? "b" : a->q.f_verdict == 'g' ? "g" :
		        a->q.f_verdict == 'w' ? "w" : a->q.f_verdict == '-' ? "none" : "");
		fprintf(f, "lang = %s\n", a->av.lang_en ? "en" : "ja");
		fprintf(f, "unfolded = ");
		for (size_t i = 0; i < a->q.nunfolded && i < 200; i++)
			fprintf(f, "%s%lld", i ? "," : "", (long long)a->q.unfolded[i]);
		fprintf(f, "\n");
		if (fclose(f) == 0)
			rename(tmp, path);
		else
			unlink(tmp);
	}
	free(tmp);
	free(path);
}
