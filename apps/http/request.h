/* SPDX-License-Identifier: MIT */
/*
 * The HTTP/1.1 request parser of apps/http (RFC 9112), portable C with no
 * system calls, so that the host tests (test/http/) run the code the
 * domain runs. It reads one request head (request line and header
 * fields, up to the blank line) out of what a connection has received,
 * and says what to answer:
 *
 *   GET|HEAD /            the index page
 *   GET|HEAD /counter     the persistent counter, incremented
 *   GET|HEAD /bytes?n=N   N bytes of the pattern (http_pattern_byte)
 *   GET|HEAD /stats       requests served and the hart's retired
 *                         instructions (the benchmark's counters)
 *   anything else         404, the connection kept
 *
 * A malformed request line or field is 400, a head longer than the
 * connection's buffer 431, a target longer than HTTP_TARGET_MAX 414, a
 * method other than GET and HEAD 501, a version other than 1.0 and 1.1
 * 505, a request with a body (Content-Length other than 0, or
 * Transfer-Encoding) 400: each of these is answered and the connection
 * closed, since what follows it cannot be trusted to start a request.
 * Bare LF line ends are accepted as CRLF (RFC 9112 §2.2).
 */
#ifndef HTTP_REQUEST_H
#define HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_TARGET_MAX 256u         /* longest request target served */
#define HTTP_BYTES_MAX  (1ull << 40) /* largest n of /bytes */

enum http_route {
	HTTP_ROUTE_INDEX,
	HTTP_ROUTE_COUNTER,
	HTTP_ROUTE_BYTES,
	HTTP_ROUTE_STATS,
	HTTP_ROUTE_NOT_FOUND,
};

/* What the parse found; the status to answer is http_status(). */
#define HTTP_PARSE_RESULTS(X)                                      \
	X(INCOMPLETE, 0, "no blank line yet: receive more")        \
	X(OK, 200, "a request to serve (route and flags)")         \
	X(BAD_REQUEST, 400, "malformed request line or field")     \
	X(TOO_LARGE, 431, "the head does not fit the buffer")      \
	X(URI_TOO_LONG, 414, "the target is over HTTP_TARGET_MAX") \
	X(NOT_IMPLEMENTED, 501, "a method other than GET or HEAD") \
	X(VERSION, 505, "a version other than HTTP/1.0 or 1.1")

enum http_parse {
#define HTTP_X(name, status, desc) HTTP_PARSE_##name,
	HTTP_PARSE_RESULTS(HTTP_X)
#undef HTTP_X
};

struct http_request {
	enum http_route route;
	bool head;       /* HEAD: the answer's head only */
	bool keep_alive; /* 1.1 without "Connection: close", or 1.0 with "keep-alive" */
	uint64_t bytes;  /* /bytes?n= */
	uint64_t id;     /* /counter?id= (0: none): a retried request answers as before */
	size_t length;   /* bytes of the head, blank line included */
};

/* Parse the request head at the start of buf[0..len), of a connection
 * whose buffer holds at most max bytes. */
enum http_parse http_parse_request(const char *buf, size_t len, size_t max,
				   struct http_request *req);

unsigned http_status(enum http_parse r);  /* 200, 400, ... */
const char *http_reason(unsigned status); /* "OK", "Bad Request", ... */

/* Byte i of /bytes: the low byte of (i mod 4093) * 7. The period is a
 * prime, so a stream that lost or repeated any run of bytes shorter than
 * 4093 no longer matches. */
static inline uint8_t http_pattern_byte(uint64_t i)
{
	return (uint8_t)((i % 4093u) * 7u);
}

/* Fill buf with n bytes of the pattern starting at byte off. */
void http_pattern_fill(uint8_t *buf, size_t n, uint64_t off);

#endif /* HTTP_REQUEST_H */
