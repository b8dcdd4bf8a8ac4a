/* cfgfile.h - the one line-based format of keymaps, themes and the config.
 *
 * A file is read line by line; blank lines and lines whose first non-blank
 * character is '#' are comments; `include NAME` reads another file of the
 * same kind in place (NAME searched like a top-level file, but first next to
 * the including file). Every other line is split into whitespace-separated
 * words and handed to the caller's line function, which reports problems
 * through cf_error(). Errors read "file:line: message", are collected in the
 * reader and never stop the reading (so --check-config lists them all).
 *
 * Search order for NAME (no '/' in it) of a kind ("themes", "keymaps"):
 *   $XDG_CONFIG_HOME/itrace-tui/NAME.EXT, $XDG_CONFIG_HOME/itrace-tui/KIND/NAME.EXT
 *   (XDG_CONFIG_HOME defaults to ~/.config), ITRACE_DATADIR/KIND/NAME.EXT,
 *   ./KIND/NAME.EXT (running from the checkout).
 * A NAME with a '/' is a path used as is. Files are only ever read.
 */
#ifndef ITRACE_TUI_CFGFILE_H
#define ITRACE_TUI_CFGFILE_H

#include <stddef.h>

#define CF_MAX_WORDS 16

struct cf_reader;

/* Called for each non-comment line that is not an include. words[] point
 * into a buffer owned by the reader, valid during the call. */
typedef void (*cf_line_fn)(struct cf_reader *r, int nwords, char **words,
                           void *udata);

struct cf_reader {
	const char *kind;      /* "themes" / "keymaps" (search subdirectory) */
	const char *ext;       /* "theme" / "keys" */
	cf_line_fn line;
	void *udata;
	/* position, for cf_error() */
	const char *file;
	int lineno;
	int depth;
	/* collected errors: newline-separated "file:line: message", owned */
	char *errors;
	size_t errors_len;
	int nerrors;
};

/* Initialise a reader (no allocation). */
void cf_init(struct cf_reader *r, const char *kind, const char *ext,
             cf_line_fn line, void *udata);
/* Free the collected errors. */
void cf_free(struct cf_reader *r);
/* Record an error at the current file:line (printf format). */
void cf_error(struct cf_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Find NAME of the reader's kind; returns a malloc'd path or NULL. */
char *cf_find(const char *kind, const char *ext, const char *name);
/* Read a file by path. Returns 0, or -1 when the file cannot be opened
 * (also recorded as an error, against the includer when included). */
int cf_read_path(struct cf_reader *r, const char *path);
/* Read a file from a string (for built-in defaults and tests); name is what
 * errors are reported against. */
void cf_read_string(struct cf_reader *r, const char *name, const char *text);
/* Search and read NAME. -1 when not found (error recorded). */
int cf_read_name(struct cf_reader *r, const char *name);

/* XDG directories (malloc'd): $XDG_CONFIG_HOME/itrace-tui and
 * $XDG_STATE_HOME/itrace-tui, with the usual ~/.config and ~/.local/state
 * defaults; NULL when neither the variable nor HOME is set. */
char *cf_config_dir(void);
char *cf_state_dir(void);

#endif
