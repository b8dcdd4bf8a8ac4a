/* termsetup.h - terminal setup (term.c), apart from tui.h because <term.h>
 * defines macros (lines, columns ...) that clash with ordinary names. */
#ifndef ITRACE_TUI_TERMSETUP_H
#define ITRACE_TUI_TERMSETUP_H

#include <stddef.h>

/* Check TERM with setupterm() before initscr: an unknown or missing type
 * falls back to xterm-256color, with the warning written to stderr and
 * into warn. set_escdelay(25) unless ESCDELAY is set. 0, or -1. */
int term_setup(char *warn, size_t len);

#endif
