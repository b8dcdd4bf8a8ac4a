/* clock.c - the daemon's clock, with the ITRACE_FAKE_NOW test hook.
 *
 * ITRACE_FAKE_NOW=2026-11-20T07:00:00Z (any RFC 3339 time) makes the
 * daemon believe it started at that instant; its clock then advances with
 * real time. Tests use it to be inside or outside business hours
 * deterministically. Not meant for production. */
#include "cmdd/cmdd.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/event.h"

static int64_t fake_base_us = -1;  /* fake wall clock at fake_mono_ms */
static int64_t fake_mono_ms;

int64_t clk_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int clk_init(void)
{
	const char *v = getenv("ITRACE_FAKE_NOW");
	if (v == NULL || v[0] == '\0')
		return 0;
	int64_t us;
	if (ev_parse_time(v, &us) != 0) {
		fprintf(stderr, "itrace-cmdd: ITRACE_FAKE_NOW: not an RFC 3339 time: %s\n", v);
		return -1;
	}
	fake_base_us = us;
	fake_mono_ms = mono_us();
	return 0;
}

int64_t clk_now_us(void)
{
	if (fake_base_us >= 0)
		return fake_base_us + (mono_us() - fake_mono_ms);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *clk_fmt(int64_t us, char *buf, size_t len)
{
	ev_format_time(us, buf, len);
	return buf;
}
