/* term.c - terminal setup before the first frame; see termsetup.h.
 *
 * Home and End. ncurses knows a key only by the sequence terminfo gives
 * it (khome, kend), but what arrives is chosen by the terminal in front:
 * tmux sends \e[1~ and \e[4~ whatever TERM says inside it, xterm sends
 * \eOH \eOF with the keypad on and \e[H \e[F with it off, rxvt \e[7~
 * \e[8~. With TERM=xterm-256color inside tmux (a common default-terminal)
 * terminfo says \eOH, tmux sends \e[1~ and the key arrived as Esc [ 1 ~
 * (M-[, 1, ~: "not bound"). So every one of these sequences that the
 * terminfo entry leaves undefined is defined as Home or End here; the ones
 * it defines as something else (vt220 and rxvt call \e[1~ Find and \e[4~
 * Select) are mapped by km_from_curses. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <term.h>

#include "tui/termsetup.h"

static void define_home_end(void)
{
	static const struct {
		const char *seq;
		int code;
	} k[] = {
		{"\033[1~", KEY_HOME}, {"\033[7~", KEY_HOME}, {"\033[H", KEY_HOME},
		{"\033OH", KEY_HOME},
		{"\033[4~", KEY_END}, {"\033[8~", KEY_END}, {"\033[F", KEY_END},
		{"\033OF", KEY_END},
	};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		if (key_defined(k[i].seq) == 0)   /* neither defined nor a prefix */
			define_key(k[i].seq, k[i].code);
}

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
	define_home_end();
	nodelay(stdscr, TRUE);
	curs_set(0);
	return 0;
}
