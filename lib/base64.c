#include "build.h"

#include <string.h>

#include "base64.h"

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void rl_base64_encode(struct rl_buf *out, const unsigned char *d, size_t n,
		      int pad)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		char q[4] = {b64chars[d[i] >> 2],
			     b64chars[((d[i] & 3) << 4) | (d[i + 1] >> 4)],
			     b64chars[((d[i + 1] & 15) << 2) | (d[i + 2] >> 6)],
			     b64chars[d[i + 2] & 63]};
		rl_buf_append(out, q, 4);
	}
	if (n - i == 1) {
		char q[2] = {b64chars[d[i] >> 2], b64chars[(d[i] & 3) << 4]};
		rl_buf_append(out, q, 2);
		if (pad)
			rl_buf_puts(out, "==");
	} else if (n - i == 2) {
		char q[3] = {b64chars[d[i] >> 2],
			     b64chars[((d[i] & 3) << 4) | (d[i + 1] >> 4)],
			     b64chars[(d[i + 1] & 15) << 2]};
		rl_buf_append(out, q, 3);
		if (pad)
			rl_buf_puts(out, "=");
	}
}

size_t rl_base64_decode(char *s, size_t n)
{
	unsigned int acc = 0;
	int bits = 0;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		const char *p;
		unsigned char ch = (unsigned char)s[i];

		if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
			continue;
		if (ch == '\0' || !(p = strchr(b64chars, ch)))
			break;
		acc = (acc << 6) | (unsigned int)(p - b64chars);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			s[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	return o;
}
