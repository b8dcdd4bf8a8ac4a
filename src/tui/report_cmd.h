/* report_cmd.h - `itrace-tui report ...` subcommands (no console). */
#ifndef ITRACE_TUI_REPORT_CMD_H
#define ITRACE_TUI_REPORT_CMD_H

/* argv[0] is "report". Prints the report on stdout. Exit status: 0; 1 when
 * the alert does not exist or the report cannot be built; 2 on bad usage
 * or when the database cannot be reached. */
int report_cmd_main(int argc, char **argv);

/* `report monthly` (report_monthly.c); argv as above, argv[1] "monthly".
 * Same exit status (1: no such tenant). */
int report_monthly_main(int argc, char **argv);

/* "--name value" or "--name=value" at argv[*i]: the value (borrowed),
 * advancing *i past it; NULL when argv[*i] is not that option; "" with a
 * message on stderr when the value is missing. */
const char *report_opt(int argc, char **argv, int *i, const char *name);

#endif
