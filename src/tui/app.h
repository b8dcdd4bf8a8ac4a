/* app.h - the console's state and its one poll() loop.
 *
 * Map of src/tui (one job per file):
 *   main.c       flags, `report` subcommand dispatch, --print-keys, --check-config
 *   opts.c       config file + environment + flags -> struct opts
 *   app.c        the poll loop: keyboard, libpq socket, libcurl sockets,
 *                the one-second clock; frame pacing (erase + one doupdate)
 *   term.c       terminal setup: TERM fallback, escdelay, locale, colours
 *   registry.c   the action table and the dispatcher (read-only wallboard)
 *   keymap.c theme.c cfgfile.c   keymaps, themes, the line-based format
 *   state.c      UI state under $XDG_STATE_HOME (never the config file)
 *   pgconn.c     the asynchronous database connection (LISTEN, reconnect)
 *   alerts.c     the alert store: rows from SQL, folding, sort, filters
 *   clocks.c     SLA countdown cells and the breach banner
 *   draw.c       width-aware drawing of sanitized text
 *   list.c       the one list/tree widget (cursor by id, scrolling)
 *   queue.c endpoints.c alertview.c timeline.c wallboard.c   the panes
 *   dialog.c     verdict, confirmation, prompts (`/`, `:`, filter)
 *   actions.c    the registry's functions; API calls and their progress
 *   help.c       the `?` overlay
 */
#ifndef ITRACE_TUI_APP_H
#define ITRACE_TUI_APP_H

#include <stdint.h>

#include "tui/keymap.h"
#include "tui/theme.h"

struct opts;
struct pgc;
struct cmdapi;
struct dlg;

enum app_view { VIEW_QUEUE, VIEW_ENDPOINTS, VIEW_ALERT };
enum msg_level { MSG_INFO, MSG_OK, MSG_ERROR };

struct app;

/* Time: wall clock and monotonic, microseconds / milliseconds. */
int64_t app_now_us(void);
int64_t app_mono_ms(void);

/* Run the console until quit; returns the exit status. */
int app_run(const struct opts *o);

/* Small accessors used by registry.c and the panes. */
int app_is_wallboard(const struct app *a);
int app_have_api(const struct app *a);
void app_msg(struct app *a, enum msg_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void app_dirty(struct app *a);

#endif
