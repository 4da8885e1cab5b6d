/*
 * output.c: writing what the command prints: JSON strings, base64 for
 * bytes that are not text, and whole-buffer writes.
 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/*
 * Whether S is valid UTF-8: no overlong forms, no surrogates, nothing
 * past U+10FFFF.  Only such bytes can go into a JSON string unchanged.
 */
int
out_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	unsigned int		 cp, min;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			n = 1, cp = p[i] & 0x1f, min = 0x80;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			n = 2, cp = p[i] & 0x0f, min = 0x800;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			n = 3, cp = p[i] & 0x07, min = 0x10000;
		else
			return (0);
		if (len - i <= n)
			return (0);
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += n + 1;
	}
	return (1);
}

/* Append S as a quoted JSON string; S must be valid UTF-8. */
int
out_json_string(struct buf *b, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 esc[6] = { '\\', 'u', '0', '0' };
	size_t			 i, start = 0;
	unsigned char		 ch;

	if (buf_add(b, "\"", 1) == -1)
		return (-1);
	for (i = 0; i < len; i++) {
		ch = s[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		if (buf_add(b, s + start, i - start) == -1)
			return (-1);
		start = i + 1;
		switch (ch) {
		case '"':
		case '\\':
			esc[1] = ch;
			if (buf_add(b, esc, 2) == -1)
				return (-1);
			esc[1] = 'u';
			continue;
		case '\n':
			if (buf_add(b, "\\n", 2) == -1)
				return (-1);
			continue;
		case '\r':
			if (buf_add(b, "\\r", 2) == -1)
				return (-1);
			continue;
		case '\t':
			if (buf_add(b, "\\t", 2) == -1)
				return (-1);
			continue;
		}
		esc[4] = hex[ch >> 4];
		esc[5] = hex[ch & 0xf];
		if (buf_add(b, esc, 6) == -1)
			return (-1);
	}
	if (buf_add(b, s + start, len - start) == -1)
		return (-1);
	return (buf_add(b, "\"", 1));
}

/* Append S as a quoted base64 string. */
int
out_base64(struct buf *b, const char *s, size_t len)
{
	static const char	 abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char	*p = (const unsigned char *)s;
	char			 q[4];
	size_t			 i;
	unsigned int		 v;

	if (buf_add(b, "\"", 1) == -1)
		return (-1);
	for (i = 0; i < len; i += 3) {
		v = p[i] << 16;
		if (i + 1 < len)
			v |= p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		q[0] = abc[(v >> 18) & 63];
		q[1] = abc[(v >> 12) & 63];
		q[2] = i + 1 < len ? abc[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? abc[v & 63] : '=';
		if (buf_add(b, q, 4) == -1)
			return (-1);
	}
	return (buf_add(b, "\"", 1));
}

/*
 * Append PREFIX (up to the field name, without its closing quote) and a
 * value: "name":"text" for UTF-8, "name_base64":"..." for other bytes,
 * so that the JSON stays valid and the bytes can be recovered.
 */
int
out_json_field(struct buf *b, const char *prefix, const char *s, size_t len)
{
	int	 text = out_utf8_valid(s, len);

	if (buf_add(b, prefix, strlen(prefix)) == -1)
		return (-1);
	if (text) {
		if (buf_add(b, "\":", 2) == -1)
			return (-1);
		return (out_json_string(b, s, len));
	}
	if (buf_add(b, "_base64\":", 9) == -1)
		return (-1);
	return (out_base64(b, s, len));
}

/* Write the whole buffer to FD, waiting if FD is non-blocking. */
int
out_write(int fd, struct buf *b)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLOUT };
	ssize_t		 n;

	while (buf_used(b) > 0) {
		n = buf_write(b, fd);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return (-1);
			poll(&pfd, 1, -1);
		}
	}
	return (0);
}
