/* term.c - terminal setup before the first frame; see termsetup.h. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <term.h>

#include "tui/termsetup.h"

int term_setup(char *warn, size_t len)
{
	const char *t = getenv("TERM");
	int err = 0;
	warn[0] = '\0';
	if (t == NULL || t[0] == '\0' || setupterm(NULL, 1, &err) != OK) {
		snprintf(warn, len, "unknown terminal type \"%s\"; using xterm-256color",
		         t != NULL ? t : "");
		fprintf(stderr, "itrace-tui: warning: %s\n", warn);
		setenv("TERM", "xterm-256color", 1);
		if (setupterm(NULL, 1, &err) != OK) {
			fprintf(stderr, "itrace-tui: no terminfo for xterm-256color either\n");
			return -1;
		}
	}
	del_curterm(cur_term);
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	if (initscr() == NULL)
		return -1;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	return 0;
}
