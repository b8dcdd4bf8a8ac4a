/* rejects.c - the rejects file; see ingest.h. */
#include "ingest/ingest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *errf(const char *path, const char *what, int e)
{
	char *s = NULL;
	if (asprintf(&s, "%s: %s: %s", path, what, strerror(e)) < 0)
		abort();
	return s;
}

void ing_rejects_init(struct ing_rejects *r, const char *path)
{
	r->path = strdup(path);
	if (r->path == NULL)
		abort();
	r->f = NULL;
}

int ing_rejects_put(struct ing_rejects *r, const char *line, size_t len, char **err)
{
	if (r->f == NULL) {
		r->f = fopen(r->path, "w");
		if (r->f == NULL) {
			*err = errf(r->path, "cannot create the rejects file", errno);
			return -1;
		}
	}
	errno = 0;
	if (fwrite(line, 1, len, r->f) != len || putc('\n', r->f) == EOF || fflush(r->f) != 0) {
		*err = errf(r->path, "cannot write the rejects file", errno != 0 ? errno : EIO);
		return -1;
	}
	return 0;
}

int ing_rejects_close(struct ing_rejects *r, char **err)
{
	int rc = 0;
	if (r->f != NULL) {
		errno = 0;
		int bad = ferror(r->f);
		if (fclose(r->f) != 0 || bad) {
			*err = errf(r->path, "cannot write the rejects file", errno != 0 ? errno : EIO);
			rc = -1;
		}
		r->f = NULL;
	}
	free(r->path);
	r->path = NULL;
	return rc;
}
