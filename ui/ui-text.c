/*
 * ui-text.c: text on the screen: UTF-8 decoded into characters with their
 * widths (CJK and emoji take two columns, combining marks none), drawn a
 * cell at a time, wrapped into rows, and cleaned of control characters
 * before anything a peer wrote reaches the terminal.
 */

#include "ui.h"

#define UI_TEXT_REPLACEMENT	0xfffd

/* The width of a character on the screen; -1 if it cannot be shown. */
int
ui_text_wcwidth(wchar_t wc)
{
	int	w;

	if (wc < 0x20 || (wc >= 0x7f && wc < 0xa0))
		return (-1);
	if (!ui.utf8 && wc > 0x7e)
		return (-1);
	w = wcwidth(wc);
	if (w > 2)
		w = 2;
	return (w);
}

/*
 * Decode one character at s (len bytes left): returns the bytes used (at
 * least one) and the character and its width. Bad bytes and characters
 * that cannot be shown become U+FFFD ('?' without UTF-8); a tab or a
 * newline becomes a space.
 */
int
ui_text_next(const char *s, size_t len, wchar_t *wc, int *width)
{
	uint32_t	cp;
	int		n;

	n = utf8_decode((const u_char *)s, len, &cp);
	if (n < 1) {
		n = 1;
		cp = UI_TEXT_REPLACEMENT;
	}
	if (cp == '\t' || cp == '\n')
		cp = ' ';
	*wc = (wchar_t)cp;
	if ((*width = ui_text_wcwidth(*wc)) < 0) {
		*wc = ui.utf8 ? UI_TEXT_REPLACEMENT : '?';
		*width = 1;
	}
	return (n);
}

/* The width of len bytes of text in columns. */
u_int
ui_text_width(const char *s, size_t len)
{
	wchar_t	wc;
	u_int	w = 0;
	size_t	i = 0;
	int	cw;

	while (i < len) {
		i += ui_text_next(s + i, len - i, &wc, &cw);
		w += cw;
	}
	return (w);
}

/*
 * Draw text at the cursor, at most maxw columns. A character with its
 * combining marks goes into one cell. Returns the columns used.
 */
u_int
ui_text_put(WINDOW *w, const char *s, size_t len, u_int maxw, attr_t attr,
    short pair)
{
	wchar_t	 wcs[CCHARW_MAX + 1], wc;
	cchar_t	 cc;
	u_int	 used = 0, room;
	size_t	 i = 0, j;
	int	 cw, nw, n;

	room = getmaxx(w) > getcurx(w) ? getmaxx(w) - getcurx(w) : 0;
	if (maxw > room)
		maxw = room;
	while (i < len) {
		n = ui_text_next(s + i, len - i, &wc, &cw);
		if (cw == 0) {		/* a mark with nothing to sit on */
			i += n;
			continue;
		}
		if (used + cw > maxw)
			break;
		i += n;
		wcs[0] = wc;
		j = 1;
		while (i < len) {
			n = ui_text_next(s + i, len - i, &wc, &nw);
			if (nw != 0)
				break;
			if (j < CCHARW_MAX)
				wcs[j++] = wc;
			i += n;
		}
		wcs[j] = L'\0';
		if (setcchar(&cc, wcs, attr, pair, NULL) == OK)
			wadd_wch(w, &cc);
		used += cw;
	}
	return (used);
}

/* Write n spaces at the cursor. */
void
ui_text_fill(WINDOW *w, u_int n, attr_t attr, short pair)
{
	cchar_t	cc;
	wchar_t	sp[2] = { L' ', L'\0' };
	u_int	room;

	room = getmaxx(w) > getcurx(w) ? getmaxx(w) - getcurx(w) : 0;
	if (n > room)
		n = room;
	setcchar(&cc, sp, attr, pair, NULL);
	while (n-- > 0)
		wadd_wch(w, &cc);
}

/*
 * Find the first row of text that fits in width columns: returns its
 * length in bytes and sets *next to where the following row starts. A
 * newline ends a row; a long row breaks after its last space, or inside
 * a word longer than the row.
 */
size_t
ui_text_wrap(const char *s, size_t len, u_int width, size_t *next)
{
	size_t	i = 0, brk = 0;
	u_int	used = 0;
	wchar_t	wc;
	int	cw, n;

	while (i < len) {
		if (s[i] == '\n') {
			*next = i + 1;
			return (i);
		}
		n = ui_text_next(s + i, len - i, &wc, &cw);
		if (used + cw > width && i > 0) {
			if (brk != 0) {
				*next = brk;
				return (brk - 1);
			}
			*next = i;
			return (i);
		}
		used += cw;
		i += n;
		if (s[i - 1] == ' ')
			brk = i;
	}
	*next = len;
	return (len);
}

/* Encode n characters as UTF-8 into out (size bytes, NUL-terminated). */
size_t
ui_text_encode(const wchar_t *w, size_t n, char *out, size_t size)
{
	size_t		 o = 0, i;
	uint32_t	 c;
	u_char		 b[4];
	size_t		 k;

	for (i = 0; i < n; i++) {
		c = (uint32_t)w[i];
		if (c < 0x80) {
			b[0] = c;
			k = 1;
		} else if (c < 0x800) {
			b[0] = 0xc0 | (c >> 6);
			b[1] = 0x80 | (c & 0x3f);
			k = 2;
		} else if (c < 0x10000) {
			b[0] = 0xe0 | (c >> 12);
			b[1] = 0x80 | ((c >> 6) & 0x3f);
			b[2] = 0x80 | (c & 0x3f);
			k = 3;
		} else {
			b[0] = 0xf0 | (c >> 18);
			b[1] = 0x80 | ((c >> 12) & 0x3f);
			b[2] = 0x80 | ((c >> 6) & 0x3f);
			b[3] = 0x80 | (c & 0x3f);
			k = 4;
		}
		if (o + k >= size)
			break;
		memcpy(out + o, b, k);
		o += k;
	}
	out[o] = '\0';
	return (o);
}

/*
 * A copy of text safe to put into a terminal escape sequence (a title or
 * a notification): valid UTF-8 with every control character a space.
 */
char *
ui_text_clean(const char *s, size_t len)
{
	char		*out;
	uint32_t	 cp;
	size_t		 i = 0, o = 0;
	int		 n;

	out = xmalloc(len + 1);
	while (i < len) {
		n = utf8_decode((const u_char *)s + i, len - i, &cp);
		if (n < 1 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			out[o++] = ' ';
			i += n < 1 ? 1 : n;
			continue;
		}
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return (out);
}
