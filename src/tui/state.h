/* state.h - UI state kept between runs in $XDG_STATE_HOME/itrace-tui/state
 * (default ~/.local/state/itrace-tui/state): last view, queue filters,
 * unfolded duplicate groups, report language. `key = value` lines written
 * atomically (temporary file + rename). The user's config is never
 * written; a state file that cannot be read or written is ignored. */
#ifndef ITRACE_TUI_STATE_H
#define ITRACE_TUI_STATE_H

struct app;

void st_load(struct app *a);
void st_save(const struct app *a);

#endif
