/* SPDX-License-Identifier: MIT */
/*
 * Host tests of apps/http's request parser (apps/http/request.h): every
 * route, keep-alive by version and Connection, every refusal (400, 414,
 * 431, 501, 505), heads split anywhere (every prefix of a good request
 * is INCOMPLETE, never a refusal: a request sent a byte at a time is
 * served), pipelined requests one after the other, and the pattern.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "request.h"

static enum http_parse parse(const char *s, struct http_request *r)
{
	return http_parse_request(s, strlen(s), 2048, r);
}

static void test_routes(void **state)
{
	(void)state;
	struct http_request r;
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.route, HTTP_ROUTE_INDEX);
	assert_true(r.keep_alive);
	assert_false(r.head);
	assert_int_equal(r.length, strlen("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
	assert_int_equal(parse("GET /counter HTTP/1.1\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.route, HTTP_ROUTE_COUNTER);
	assert_int_equal(r.id, 0);
	assert_int_equal(parse("GET /counter?id=41 HTTP/1.1\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.route, HTTP_ROUTE_COUNTER);
	assert_int_equal(r.id, 41);
	assert_int_equal(parse("GET /bytes?n=67108864 HTTP/1.1\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.route, HTTP_ROUTE_BYTES);
	assert_int_equal(r.bytes, 67108864);
	assert_int_equal(parse("GET /bytes?n=0 HTTP/1.1\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.route, HTTP_ROUTE_BYTES);
	assert_int_equal(r.bytes, 0);
	assert_int_equal(parse("GET /stats HTTP/1.1\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.route, HTTP_ROUTE_STATS);
	assert_int_equal(parse("HEAD /counter HTTP/1.1\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_true(r.head);
	/* Not found, the connection kept. */
	const char *nf[] = { "GET /nope HTTP/1.1\r\n\r\n",
			     "GET /bytes?n=x HTTP/1.1\r\n\r\n",
			     "GET /bytes?n= HTTP/1.1\r\n\r\n",
			     "GET /counterx HTTP/1.1\r\n\r\n",
			     "GET /bytes?n=99999999999999999 HTTP/1.1\r\n\r\n",
			     "GET /counter?id=0 HTTP/1.1\r\n\r\n",
			     "GET /counter?id= HTTP/1.1\r\n\r\n",
			     "GET /counter?id=4x HTTP/1.1\r\n\r\n",
			     "GET /counter?id=123456789012345 HTTP/1.1\r\n\r\n" };
	for (size_t i = 0; i < sizeof nf / sizeof nf[0]; i++) {
		assert_int_equal(parse(nf[i], &r), HTTP_PARSE_OK);
		assert_int_equal(r.route, HTTP_ROUTE_NOT_FOUND);
		assert_true(r.keep_alive);
	}
}

static void test_keep_alive(void **state)
{
	(void)state;
	struct http_request r;
	assert_int_equal(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_false(r.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.1\r\nconnection: Keep-Alive, CLOSE\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_false(r.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_false(r.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_true(r.keep_alive);
	/* bare LF line ends */
	assert_int_equal(parse("GET /counter HTTP/1.1\nConnection: close\n\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.route, HTTP_ROUTE_COUNTER);
	assert_false(r.keep_alive);
}

static void test_refusals(void **state)
{
	(void)state;
	struct http_request r;
	const struct {
		const char *req;
		enum http_parse want;
	} cases[] = {
		{ "\r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "GET\r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "GET /\r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "GET  / HTTP/1.1\r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "GET / HTTP/1.1 \r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "GET / FTP/1.1\r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "GET x HTTP/1.1\r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "G(T / HTTP/1.1\r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "GET / HTTP/1.1\r\nHost : x\r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "GET / HTTP/1.1\r\nX: a\001b\r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_PARSE_BAD_REQUEST },
		{ "POST / HTTP/1.1\r\n\r\n", HTTP_PARSE_NOT_IMPLEMENTED },
		{ "DELETE /counter HTTP/1.1\r\n\r\n", HTTP_PARSE_NOT_IMPLEMENTED },
		{ "GET / HTTP/2.0\r\n\r\n", HTTP_PARSE_VERSION },
		{ "GET / HTTP/1.2\r\n\r\n", HTTP_PARSE_VERSION },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (parse(cases[i].req, &r) != cases[i].want)
			fail_msg("case %zu: %s", i, cases[i].req);
	}
	assert_int_equal(http_status(HTTP_PARSE_BAD_REQUEST), 400);
	assert_int_equal(http_status(HTTP_PARSE_TOO_LARGE), 431);
	assert_string_equal(http_reason(414), "URI Too Long");
	/* A target over the bound: 414, complete or not. */
	char big[1200];
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 600);
	strcpy(big + 605, " HTTP/1.1\r\n\r\n");
	assert_int_equal(parse(big, &r), HTTP_PARSE_URI_TOO_LONG);
	big[605] = 0;
	assert_int_equal(parse(big, &r), HTTP_PARSE_URI_TOO_LONG);
	/* A head that fills the buffer without an end: 431. */
	char fill[2048];
	memcpy(fill, "GET / HTTP/1.1\r\n", 16);
	for (size_t i = 16; i < sizeof fill; i++)
		fill[i] = (i % 40 == 39) ? '\n' : 'x';
	assert_int_equal(http_parse_request(fill, sizeof fill, sizeof fill, &r),
			 HTTP_PARSE_TOO_LARGE);
}

static void test_prefixes(void **state)
{
	(void)state;
	const char *req = "GET /counter HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n";
	struct http_request r;
	size_t n = strlen(req);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(http_parse_request(req, i, 2048, &r), HTTP_PARSE_INCOMPLETE);
	assert_int_equal(http_parse_request(req, n, 2048, &r), HTTP_PARSE_OK);
	assert_int_equal(r.length, n);
}

static void test_pipelined(void **state)
{
	(void)state;
	const char *two =
		"GET /counter HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\nConnection: close\r\n\r\n";
	struct http_request r;
	assert_int_equal(parse(two, &r), HTTP_PARSE_OK);
	assert_int_equal(r.route, HTTP_ROUTE_COUNTER);
	assert_true(r.keep_alive);
	const char *rest = two + r.length;
	assert_int_equal(parse(rest, &r), HTTP_PARSE_OK);
	assert_int_equal(r.route, HTTP_ROUTE_NOT_FOUND);
	assert_false(r.keep_alive);
	assert_int_equal(rest + r.length, two + strlen(two));
}

static void test_pattern(void **state)
{
	(void)state;
	uint8_t a[10000], b[3000];
	http_pattern_fill(a, sizeof a, 0);
	for (size_t i = 0; i < sizeof a; i++)
		assert_int_equal(a[i], (uint8_t)((i % 4093) * 7));
	http_pattern_fill(b, sizeof b, 5000);
	assert_memory_equal(b, a + 5000, sizeof b);
	assert_int_equal(http_pattern_byte(4093), http_pattern_byte(0));
	assert_int_not_equal(http_pattern_byte(1), http_pattern_byte(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),    cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_refusals),  cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_pipelined), cmocka_unit_test(test_pattern),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
