/* fuzz-config.c: libFuzzer target for the INI configuration reader. */

#define _GNU_SOURCE
#include "p2pchat.h"

#include <sys/mman.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	path[64], *cause = NULL;
	int	fd;

	fd = memfd_create("fuzz-config", 0);
	if (fd == -1)
		return (0);
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return (0);
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	cfg_reset();
	if (cfg_load(path, 1, &cause) != 0) {
		if (cause == NULL || strncmp(cause, path, strlen(path)) != 0)
			abort();
		free(cause);
	}
	close(fd);
	return (0);
}
