/* app.h - the console's state and its one poll() loop.
 *
 * Map of src/tui (one job per file; shared declarations in tui.h):
 *   main.c       flags, `report` subcommand dispatch, --print-keys, --check-config
 *   opts.c       config file + environment + flags -> struct opts; token file
 *   app.c        the poll loop: keyboard, libpq socket, libcurl sockets, the
 *                evidence pipe, the one-second clock; frame pacing (erase +
 *                one doupdate); title, banners, status line; stats
 *   term.c       terminal setup: TERM fallback, escdelay (termsetup.h)
 *   registry.c   the action table and the one dispatcher (read-only wallboard)
 *   keymap.c theme.c cfgfile.c   keymaps, themes, the line-based format
 *   state.c      UI state under $XDG_STATE_HOME (never the config file)
 *   pgconn.c     the asynchronous database connection (LISTEN, reconnect)
 *   alerts.c     the alert store: rows from SQL, sync, deadlines
 *   clocks.c     SLA countdown cells, the SLA line, breach count
 *   draw.c       width-aware drawing of sanitized text
 *   list.c       the one list widget (cursor follows its row id, scrolling)
 *   queue.c      the alert queue pane (folding, filters, search, new, freeze)
 *   endpoints.c  the endpoints pane
 *   alertview.c avdraw.c timeline.c   one alert: tree, timeline, report, attributes
 *   evworker.c   the shared evidence loader + report model on a worker thread
 *   wallboard.c  --wallboard
 *   dialog.c     verdict form, confirmations, prompts
 *   actions.c    the registry's functions that do not change state; jobs;
 *                the `:` command line
 *   apiact.c     the registry's functions that change state (command API)
 *   help.c       the `?` overlay
 * src/api/cmdapi.c is the asynchronous API client (libcurl multi).
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
