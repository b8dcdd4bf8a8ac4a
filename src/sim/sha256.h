/* sha256.h - SHA-256 (FIPS 180-4) for the simulator's file contents. */
#ifndef ITRACE_SIM_SHA256_H
#define ITRACE_SIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* hex receives 64 lower-case hex digits and a NUL. */
void sim_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
