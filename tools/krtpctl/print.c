// SPDX-License-Identifier: GPL-2.0
/*
 * Text and JSON output from the same print calls (see print.h).
 *
 * The JSON writer keeps one "first member" flag per nesting level so that
 * commas go between members; at the top level each document stands alone
 * (krtpctl monitor prints one per line).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "print.h"

#define JSON_DEPTH 16

static struct {
	bool json;
	bool color;
	int depth;
	bool first[JSON_DEPTH];
} out;

static const char *const color_on[] = {
	[COLOR_NONE] = "",
	[COLOR_ADDR] = "\033[34m",
	[COLOR_ID] = "\033[1m",
	[COLOR_WARN] = "\033[31m",
	[COLOR_HEAD] = "\033[4m",
};

void print_init(bool json, bool color)
{
	out.json = json;
	out.color = color && !json;
	out.depth = 0;
	out.first[0] = true;
}

bool print_json(void)
{
	return out.json;
}

static bool want(enum output_type t)
{
	return out.json ? (t & PRINT_JSON) : (t & PRINT_FP);
}

/* A JSON string from bytes: quotes, backslashes and anything not printable ASCII escaped */
static void json_str(const uint8_t *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		uint8_t c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Separator and key before a JSON member */
static void json_member(const char *key)
{
	if (out.depth > 0) {
		if (!out.first[out.depth])
			putchar(',');
		out.first[out.depth] = false;
	}
	if (key) {
		json_str((const uint8_t *)key, strlen(key));
		putchar(':');
	}
}

static void json_open(const char *key, char c)
{
	if (!out.json)
		return;
	json_member(key);
	putchar(c);
	if (out.depth < JSON_DEPTH - 1)
		out.depth++;
	out.first[out.depth] = true;
}

static void json_close(char c)
{
	if (!out.json)
		return;
	putchar(c);
	if (out.depth > 0)
		out.depth--;
}

void open_json_object(const char *key)
{
	json_open(key, '{');
}

void close_json_object(void)
{
	json_close('}');
}

void open_json_array(const char *key)
{
	json_open(key, '[');
}

void close_json_array(void)
{
	json_close(']');
}

void print_json_end(void)
{
	if (out.json && out.depth == 0)
		putchar('\n');
	fflush(stdout);
}

static void text_colored(enum color c, const char *s)
{
	if (out.color && c != COLOR_NONE)
		printf("%s%s\033[0m", color_on[c], s);
	else
		fputs(s, stdout);
}

void print_color_string(enum output_type t, enum color c, const char *key, const char *fmt,
			const char *value)
{
	const char *conv = strchr(fmt, '%');
	char buf[512];

	if (!want(t))
		return;
	if (out.json) {
		json_member(key);
		json_str((const uint8_t *)value, strlen(value));
		return;
	}
	/* as iproute2: the words before the value stay plain */
	if (!conv)
		conv = fmt + strlen(fmt);
	fwrite(fmt, 1, conv - fmt, stdout);
	snprintf(buf, sizeof(buf), conv, value);
	text_colored(c, buf);
}

void print_string(enum output_type t, const char *key, const char *fmt, const char *value)
{
	print_color_string(t, COLOR_NONE, key, fmt, value);
}

void print_u64(enum output_type t, const char *key, const char *fmt, uint64_t value)
{
	if (!want(t))
		return;
	if (out.json) {
		json_member(key);
		printf("%llu", (unsigned long long)value);
		return;
	}
	printf(fmt, value);
}

void print_bool(enum output_type t, const char *key, const char *fmt, bool value)
{
	if (!want(t))
		return;
	if (out.json) {
		json_member(key);
		fputs(value ? "true" : "false", stdout);
		return;
	}
	printf(fmt, value ? "true" : "false");
}

void print_bytes(enum output_type t, const char *key, const char *fmt, const uint8_t *s,
		 size_t len)
{
	char buf[4 * 256 + 1];
	size_t i, n = 0;

	if (!want(t))
		return;
	if (out.json) {
		json_member(key);
		json_str(s, len);
		return;
	}
	for (i = 0; i < len && n + 5 < sizeof(buf); i++) {
		if (s[i] == '"' || s[i] == '\\')
			n += snprintf(buf + n, sizeof(buf) - n, "\\%c", s[i]);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			buf[n++] = s[i];
		else
			n += snprintf(buf + n, sizeof(buf) - n, "\\x%02x", s[i]);
	}
	buf[n] = '\0';
	printf(fmt, buf);
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (out.json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void print_color_text(enum color c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (out.json)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	text_colored(c, buf);
}
