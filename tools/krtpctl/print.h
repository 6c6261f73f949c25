/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One printer for text and JSON, in the manner of iproute2's json_print:
 * every print call names a JSON key and a text format, and the output mode
 * decides which one is used. PRINT_FP prints only in text, PRINT_JSON only
 * in JSON, PRINT_ANY in both.
 */
#ifndef KRTPCTL_PRINT_H
#define KRTPCTL_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

enum color {
	COLOR_NONE,
	COLOR_ADDR,	/* endpoints */
	COLOR_ID,	/* flow ids */
	COLOR_WARN,	/* wrong sources, deletions */
	COLOR_HEAD,	/* table headers */
};

/* json: emit JSON; color: use ANSI colours in text (callers pass isatty()) */
void print_init(bool json, bool color);
bool print_json(void);

/* Objects and arrays exist only in JSON; key is NULL inside an array or at the top */
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);
/* Ends a top-level JSON document with a newline, and flushes */
void print_json_end(void);

void print_string(enum output_type t, const char *key, const char *fmt, const char *value);
void print_color_string(enum output_type t, enum color c, const char *key, const char *fmt,
			const char *value);
void print_u64(enum output_type t, const char *key, const char *fmt, uint64_t value);
void print_bool(enum output_type t, const char *key, const char *fmt, bool value);
/* Opaque bytes as printable text: JSON-escaped, or C-escaped in text */
void print_bytes(enum output_type t, const char *key, const char *fmt, const uint8_t *s,
		 size_t len);
/* Text only, printf-style */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Text only, coloured */
void print_color_text(enum color c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* KRTPCTL_PRINT_H */
