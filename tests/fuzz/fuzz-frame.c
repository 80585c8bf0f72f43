/* fuzz-frame.c: libFuzzer target for the frame splitter. */

#include "p2pchat.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const u_char	*body;
	size_t		 blen, used, off = 0;
	int		 rc;

	while (off < size) {
		rc = wire_frame(data + off, size - off, &body, &blen, &used);
		if (rc != 1)
			break;
		if (blen == 0 || blen > FRAME_MAX || used != blen + 2 ||
		    body != data + off + 2 || used > size - off)
			abort();
		off += used;
	}
	return (0);
}
