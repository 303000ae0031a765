/* SPDX-License-Identifier: MIT */
/*
 * The request parser (request.h). One pass over the head: find its end
 * (the first empty line), then the request line (RFC 9112 §3: method SP
 * request-target SP HTTP-version), then each field line (§5: name ":"
 * OWS value OWS) up to it. Every read is bounded by the head's length;
 * nothing is written. Only the fields that change the answer are looked
 * at: Connection (RFC 9110 §7.6.1), Content-Length and Transfer-Encoding
 * (a body, which this server does not read).
 */
#include "request.h"

#include <string.h>

/* The head's length (up to and including the empty line), or 0 if buf
 * holds no empty line yet. Lines end in LF, optionally preceded by CR. */
static size_t head_length(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		size_t j = i + 1;
		if (j < len && buf[j] == '\n')
			return j + 1;
		if (j + 1 < len && buf[j] == '\r' && buf[j + 1] == '\n')
			return j + 2;
	}
	return 0;
}

static bool is_tchar(char c)
{
	/* RFC 9110 §5.6.2 token characters */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive equality of s[0..n) and the lowercase word w. */
static bool word_is(const char *s, size_t n, const char *w)
{
	size_t m = strlen(w);
	if (n != m)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != w[i])
			return false;
	return true;
}

/* Does the comma-separated list s[0..n) hold the token w? */
static bool list_has(const char *s, size_t n, const char *w)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
			i++;
		size_t start = i;
		while (i < n && s[i] != ',' && s[i] != ' ' && s[i] != '\t')
			i++;
		if (i > start && word_is(s + start, i - start, w))
			return true;
	}
	return false;
}

/* t[0..n) as a decimal of 1..14 digits; false otherwise. */
static bool decimal(const char *t, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 14)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(t[i] - '0');
	}
	*out = v;
	return true;
}

static enum http_route route_of(const char *t, size_t n, uint64_t *bytes, uint64_t *id)
{
	if (n == 1 && t[0] == '/')
		return HTTP_ROUTE_INDEX;
	if (n == 8 && memcmp(t, "/counter", 8) == 0)
		return HTTP_ROUTE_COUNTER;
	if (n > 12 && memcmp(t, "/counter?id=", 12) == 0)
		return decimal(t + 12, n - 12, id) && *id ? HTTP_ROUTE_COUNTER
							  : HTTP_ROUTE_NOT_FOUND;
	if (n == 6 && memcmp(t, "/stats", 6) == 0)
		return HTTP_ROUTE_STATS;
	if (n > 9 && memcmp(t, "/bytes?n=", 9) == 0) {
		uint64_t v = 0;
		for (size_t i = 9; i < n; i++) {
			if (t[i] < '0' || t[i] > '9' || i - 9 >= 14)
				return HTTP_ROUTE_NOT_FOUND;
			v = v * 10 + (uint64_t)(t[i] - '0');
		}
		if (v > HTTP_BYTES_MAX)
			return HTTP_ROUTE_NOT_FOUND;
		*bytes = v;
		return HTTP_ROUTE_BYTES;
	}
	return HTTP_ROUTE_NOT_FOUND;
}

/* The request line, buf[0..n) without its line end. */
static enum http_parse request_line(const char *buf, size_t n, struct http_request *req,
				    bool *http10)
{
	size_t i = 0;
	while (i < n && is_tchar(buf[i]))
		i++;
	size_t method = i;
	if (method == 0 || i >= n || buf[i] != ' ')
		return HTTP_PARSE_BAD_REQUEST;
	size_t t0 = ++i;
	while (i < n && buf[i] > ' ' && buf[i] < 0x7f)
		i++;
	size_t tn = i - t0;
	if (tn == 0 || i >= n || buf[i] != ' ')
		return HTTP_PARSE_BAD_REQUEST;
	const char *ver = buf + i + 1;
	size_t vn = n - i - 1;
	if (vn != 8 || memcmp(ver, "HTTP/", 5) != 0 || ver[6] != '.' || ver[5] < '0' ||
	    ver[5] > '9' || ver[7] < '0' || ver[7] > '9')
		return HTTP_PARSE_BAD_REQUEST;
	if (ver[5] != '1' || (ver[7] != '0' && ver[7] != '1'))
		return HTTP_PARSE_VERSION;
	*http10 = ver[7] == '0';
	if (buf[t0] != '/')
		return HTTP_PARSE_BAD_REQUEST; /* origin-form only (RFC 9112 §3.2.1) */
	if (tn > HTTP_TARGET_MAX)
		return HTTP_PARSE_URI_TOO_LONG;
	if (method == 3 && memcmp(buf, "GET", 3) == 0)
		req->head = false;
	else if (method == 4 && memcmp(buf, "HEAD", 4) == 0)
		req->head = true;
	else
		return HTTP_PARSE_NOT_IMPLEMENTED;
	req->route = route_of(buf + t0, tn, &req->bytes, &req->id);
	return HTTP_PARSE_OK;
}

/* One field line, buf[0..n) without its line end. */
static enum http_parse field_line(const char *buf, size_t n, bool *close, bool *keep)
{
	size_t i = 0;
	while (i < n && is_tchar(buf[i]))
		i++;
	if (i == 0 || i >= n || buf[i] != ':')
		return HTTP_PARSE_BAD_REQUEST; /* also a space before the colon (§5.1) */
	size_t name = i++;
	while (i < n && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	size_t v0 = i, vn = n;
	while (vn > v0 && (buf[vn - 1] == ' ' || buf[vn - 1] == '\t'))
		vn--;
	for (size_t k = v0; k < vn; k++)
		if ((unsigned char)buf[k] < ' ' && buf[k] != '\t')
			return HTTP_PARSE_BAD_REQUEST;
	const char *v = buf + v0;
	size_t len = vn - v0;
	if (word_is(buf, name, "connection")) {
		*close = *close || list_has(v, len, "close");
		*keep = *keep || list_has(v, len, "keep-alive");
	} else if (word_is(buf, name, "content-length")) {
		if (!(len == 1 && v[0] == '0'))
			return HTTP_PARSE_BAD_REQUEST;
	} else if (word_is(buf, name, "transfer-encoding")) {
		return HTTP_PARSE_BAD_REQUEST;
	}
	return HTTP_PARSE_OK;
}

enum http_parse http_parse_request(const char *buf, size_t len, size_t max,
				   struct http_request *req)
{
	*req = (struct http_request){ .route = HTTP_ROUTE_NOT_FOUND };
	size_t head = head_length(buf, len);
	if (head == 0) {
		/* A request line already over the target bound is 414 without
		 * waiting for the rest; a head that fills the buffer is 431. */
		const char *lf = memchr(buf, '\n', len);
		if (!lf && len > HTTP_TARGET_MAX + 32)
			return HTTP_PARSE_URI_TOO_LONG;
		return len >= max ? HTTP_PARSE_TOO_LARGE : HTTP_PARSE_INCOMPLETE;
	}
	req->length = head;
	bool http10 = false, close = false, keep = false;
	size_t line = 0;
	enum http_parse r = HTTP_PARSE_OK;
	for (bool first = true; r == HTTP_PARSE_OK;) {
		const char *lf = memchr(buf + line, '\n', head - line);
		size_t end = (size_t)(lf - buf), n = end - line;
		if (n > 0 && buf[end - 1] == '\r')
			n--;
		if (n == 0) {
			if (first)
				return HTTP_PARSE_BAD_REQUEST; /* an empty line first */
			break;
		}
		r = first ? request_line(buf + line, n, req, &http10)
			  : field_line(buf + line, n, &close, &keep);
		first = false;
		line = end + 1;
	}
	if (r != HTTP_PARSE_OK)
		return r;
	req->keep_alive = http10 ? keep && !close : !close;
	return HTTP_PARSE_OK;
}

unsigned http_status(enum http_parse r)
{
	switch (r) {
#define HTTP_X(name, status, desc) \
	case HTTP_PARSE_##name:    \
		return status;
		HTTP_PARSE_RESULTS(HTTP_X)
#undef HTTP_X
	}
	return 500;
}

const char *http_reason(unsigned status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 505:
		return "HTTP Version Not Supported";
	}
	return "Internal Server Error";
}

void http_pattern_fill(uint8_t *buf, size_t n, uint64_t off)
{
	uint32_t k = (uint32_t)(off % 4093u);
	for (size_t i = 0; i < n; i++) {
		buf[i] = (uint8_t)(k * 7u);
		if (++k == 4093u)
			k = 0;
	}
}
