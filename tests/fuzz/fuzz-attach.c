/*
 * fuzz-attach.c: libFuzzer target for what an attached client sends
 * (server.c): the input is one line, read as server_line reads it (a
 * command line, or a JSON object: hello, command, read or send). A
 * parsed object is written back with json.c and parsed again: the same
 * members must come back.
 */

#include "p2pchat.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Write the members back as an object (the "event" key comes first, so
 * at most JSON_FIELDS - 1 of them fit); the ones written are listed in w.
 */
static int
fz_rewrite(struct json *j, const struct json_field *f, int n, int *w)
{
	int	i, k = 0;

	json_begin(j, "x");
	for (i = 0; i < n && k < JSON_FIELDS - 1; i++) {
		/* Keys are written as they are: only plain ones. */
		if (strcmp(f[i].key, "event") == 0 || *f[i].key == '\0' ||
		    strspn(f[i].key, "abcdefghijklmnopqrstuvwxyz_") !=
		    strlen(f[i].key))
			continue;
		w[k++] = i;
		if (f[i].type == JSON_STRING)
			json_str(j, f[i].key, f[i].str);
		else if (f[i].type == JSON_NUMBER)
			json_int(j, f[i].key, f[i].num);
		else if (f[i].type == JSON_BOOL)
			json_bool(j, f[i].key, (int)f[i].num);
		else
			json_str(j, f[i].key, NULL);
	}
	return (k);
}

/* The members read back must be the ones written, in order. */
static void
fz_compare(const struct json_field *f, const int *w, int k,
    const struct json_field *g, int m)
{
	const struct json_field	*a, *b;
	int			 i;

	if (m != k + 1)
		fatalx("%d members written, %d read back", k + 1, m);
	for (i = 0; i < k; i++) {
		a = &f[w[i]];
		b = &g[i + 1];
		if (strcmp(a->key, b->key) != 0 || a->type != b->type)
			fatalx("member %d: %s came back as %s", i, a->key,
			    b->key);
		if (a->type == JSON_STRING && strcmp(a->str, b->str) != 0)
			fatalx("member %s: the string changed", a->key);
		if ((a->type == JSON_NUMBER || a->type == JSON_BOOL) &&
		    a->num != b->num)
			fatalx("member %s: %lld came back as %lld", a->key,
			    a->num, b->num);
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
	int			 n, m, k, w[JSON_FIELDS];

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
	k = fz_rewrite(&j, f, n, w);
	line = json_end(&j, &len);
	m = json_parse(line, len, g, &cause);
	if (m == -1)
		fatalx("rewritten object does not parse: %s", cause);
	fz_compare(f, w, k, g, m);
	json_fields_free(g, m);
	buf_free(&j.b);
	json_fields_free(f, n);
	free(copy);
	return (0);
}
