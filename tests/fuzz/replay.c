/* replay.c - a plain main() for a fuzz target built without libFuzzer:
 *
 *   cc ... tests/fuzz/fuzz_logline.c tests/fuzz/replay.c -o replay_logline
 *   ./replay_logline FILE|DIR...
 *
 * Feeds every file named (and every regular file directly inside a named
 * directory) to LLVMFuzzerTestOneInput, one call each, and prints how many
 * ran. A crash or broken invariant aborts, as under libFuzzer; exit 1 when
 * a file cannot be read. tests/fuzz/run.sh builds these with gcc to check
 * that a crash reproduces without clang; `make check` replays the
 * regression inputs through tests/unit/test_fuzz_regress.c instead. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path, long *count)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	size_t got;
	while (buf != NULL && (got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf == NULL) {
		fprintf(stderr, "replay: %s: out of memory\n", path);
		return -1;
	}
	/* An exact-size copy, so that a read past the end is caught by
	 * ASan or valgrind as it would be under libFuzzer. */
	uint8_t *exact = malloc(len > 0 ? len : 1);
	if (exact == NULL) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	(*count)++;
	return 0;
}

int main(int argc, char **argv)
{
	long count = 0;
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= run_file(argv[i], &count) != 0;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (d == NULL) {
			bad = 1;
			continue;
		}
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				bad |= run_file(path, &count) != 0;
		}
		closedir(d);
	}
	printf("replay: %ld inputs\n", count);
	return bad;
}
