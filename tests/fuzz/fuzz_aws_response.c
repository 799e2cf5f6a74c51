/*
 * fuzz_aws_response.c — libFuzzer harness for what fcc parses from AWS
 * answers: error bodies (query/S3 XML, JSON 1.1) through
 * aws_error_parse_response, and XML documents through the finders the typed
 * clients use (aws_xml_find/next/str/tags/time). The first byte picks the
 * status and headers so HEAD-style bodiless errors are reached too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/aws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {400, 403, 404, 409, 412, 429, 500, 503};
	http_response r;
	aws_error ae;
	xmlDoc *doc = NULL;
	fcc_err e;
	aws_pool pool;

	if (size == 0)
		return 0;
	http_response_init(&r);
	r.status = statuses[data[0] % 8];
	if (data[0] & 8)
		http_headers_add(&r.headers, "x-amzn-RequestId", "fuzz-request");
	if (data[0] & 16)
		http_headers_add(&r.headers, "x-amzn-ErrorType",
				 "Fuzz#ThrottlingException:http://x");
	fcc_buf_append(&r.body, data + 1, size - 1);
	memset(&ae, 0, sizeof ae);
	aws_error_parse_response(&ae, &r);
	/* the fields are NUL-terminated within their buffers */
	if (strlen(ae.code) >= sizeof ae.code || strlen(ae.message) >= sizeof ae.message ||
	    strlen(ae.request_id) >= sizeof ae.request_id)
		abort();

	memset(&pool, 0, sizeof pool);
	if (aws_xml_parse(&doc, data + 1, size - 1, &e) == FCC_OK) {
		const xmlNode *root = xmlDocGetRootElement(doc), *n;
		aws_tag *tags = NULL;
		size_t ntags = 0, k = 0;
		for (n = aws_xml_find(root, "//member"); n && k < 1000; n = aws_xml_next(n), k++)
			(void)aws_xml_str(&pool, n, "Name");
		(void)aws_xml_time(root, "//CreationTime");
		(void)aws_xml_bool(root, "//IsTruncated");
		if ((n = aws_xml_find(root, "//Tags")))
			aws_xml_tags(&tags, &ntags, &pool, n);
		xmlFreeDoc(doc);
	}
	aws_pool_dispose(&pool);
	http_response_dispose(&r);
	return 0;
}
