/*
 * aws_s3.c — the REST-XML pieces S3 needs beyond the generic pipeline: keys
 * are percent-encoded per segment with '/' kept (greedy label), and signed as
 * sent (SIGV4_S3: no normalisation, no second encoding).
 */
#include "runtime/aws.h"

#include <string.h>

int aws_s3_key_path(fcc_buf *out, const char *key)
{
	int rc;

	if ((rc = fcc_buf_putc(out, '/')))
		return rc;
	return aws_percent_encode(out, key, strlen(key), 1);
}
