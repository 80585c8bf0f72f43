/*
 * fuzz-attach.c: libFuzzer target for what an attached client sends
 * (server.c): the input is one line, read as server_line reads it (a
 * command line, or a JSON object: hello, command or read). A parsed
 * object is written back with json.c and parsed again: the same members
 * must come back.
 */

#include "p2pchat.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Write the members back as an object (the "event" key comes first). */
static void
fz_rewrite(struct json *j, const struct json_field *f, int n)
{
	int	i;

	json_begin(j, "x");
	for (i = 0; i < n; i++) {
		/* Keys are written as they are: only plain ones. */
		if (strcmp(f[i].key, "event") == 0 || *f[i].key == '\0' ||
		    strspn(f[i].key, "abcdefghijklmnopqrstuvwxyz_") !=
		    strlen(f[i].key))
			continue;
		if (f[i].type == JSON_STRING)
			json_str(j, f[i].key, f[i].str);
		else if (f[i].type == JSON_NUMBER)
			json_int(j, f[i].key, f[i].num);
		else if (f[i].type == JSON_BOOL)
			json_bool(j, f[i].key, (int)f[i].num);
		else
			json_str(j, f[i].key, NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_field	 f[JSON_FIELDS], g[JSON_FIELDS];
	struct json		 j;
	const char		*line;
	char			*cause, *copy;
	size_t			 len;
	int			 n, m;

	copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (server_line(copy, size, f, &n, &cause) == -1)
		free(cause);
	json_fields_free(f, n);
	if ((n = json_parse(copy, size, f, &cause)) == -1) {
		free(cause);
		free(copy);
		return (0);
	}
	fz_rewrite(&j, f, n);
	line = json_end(&j, &len);
	m = json_parse(line, len, g, &cause);
	if (m == -1)
		fatalx("rewritten object does not parse: %s", cause);
	json_fields_free(g, m);
	buf_free(&j.b);
	json_fields_free(f, n);
	free(copy);
	return (0);
}
