/*
 * fuzz-record.c: libFuzzer target for the record decoder (and the LAN
 * announcement parser). A record that
 * parses is also escaped as JSON, as the headless frontend would print it.
 */

#include "p2pchat.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct record	 r;
	struct buf		 b;
	int			 rc;

	uint8_t			 id[PEER_ID_LEN];
	u_short			 port;

	if (size > RECORD_MAX)
		return (0);
	/* LAN announcements are parsed from untrusted datagrams too. */
	if (lan_parse(data, size, id, &port) == 0 && port == 0)
		abort();
	rc = wire_parse(data, size, &r);
	if (rc == 0 && r.type == REC_CHAT) {
		if (r.u.chat.len == 0 || r.u.chat.len > TEXT_MAX ||
		    !utf8_valid(r.u.chat.text, r.u.chat.len, UTF8_ALLOW_NUL))
			abort();
		buf_init(&b);
		json_escape(&b, r.u.chat.text, r.u.chat.len);
		buf_free(&b);
	}
	if (rc == 0 && r.type == REC_HELLO &&
	    strlen(r.u.hello.nick) > NICK_MAX)
		abort();
	return (0);
}
