/*
 * http_redact.c — secret redaction for anything that shows HTTP traffic
 * (the --debug stream of runtime/http.c). See http.h for the rules.
 *
 * The body scanners are deliberately not parsers: they must cope with bodies
 * cut to an excerpt, with malformed input and with binary data, never read past
 * `len`, and copy everything they do not recognise unchanged. A scanner that
 * gives up therefore shows more than intended only for fields it could not
 * recognise, never reads out of bounds.
 */
#include "runtime/http.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Token names that are pagination cursors or idempotency keys, not secrets;
 * showing them keeps --debug useful for following a paginated listing. */
static const char *const public_tokens[] = {
	"nexttoken",         "idempotencytoken", "clientrequesttoken",
	"continuationtoken", "paginationtoken",  "startaftertoken",
};

static int has_ci(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle), i;

	for (i = 0; i + m <= n; i++)
		if (strncasecmp(s + i, needle, m) == 0)
			return 1;
	return 0;
}

int http_redact_is_secret_field(const char *name, size_t len)
{
	size_t i, k;

	/* query-protocol keys nest with dots: Credentials.SessionToken */
	for (i = len; i > 0; i--) {
		if (name[i - 1] == '.') {
			name += i;
			len -= i;
			break;
		}
	}
	/* XML tags may carry a namespace prefix: <aws:SecretAccessKey> */
	for (i = 0; i < len; i++) {
		if (name[i] == ':') {
			name += i + 1;
			len -= i + 1;
			break;
		}
	}
	if (len == 0)
		return 0;
	if (has_ci(name, len, "secret") || has_ci(name, len, "password") ||
	    has_ci(name, len, "passwd"))
		return 1;
	if (len >= 5 && strncasecmp(name + len - 5, "token", 5) == 0) {
		for (k = 0; k < sizeof public_tokens / sizeof public_tokens[0]; k++)
			if (strlen(public_tokens[k]) == len &&
			    strncasecmp(name, public_tokens[k], len) == 0)
				return 0;
		return 1;
	}
	return 0;
}

int http_redact_header(fcc_buf *out, const char *name, const char *value)
{
	static const char *const whole[] = {
		"proxy-authorization",
		"x-amz-security-token",
		"x-aws-ec2-metadata-token",
		"cookie",
		"set-cookie",
		"x-amz-server-side-encryption-customer-key",
	};
	const char *sig, *end;
	size_t i;
	int rc;

	for (i = 0; i < sizeof whole / sizeof whole[0]; i++)
		if (strcasecmp(name, whole[i]) == 0)
			return fcc_buf_puts(out, HTTP_REDACTED);
	if (strcasecmp(name, "authorization") != 0)
		return fcc_buf_puts(out, value);
	/* SigV4: "AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=..., Signature=hex".
	 * The access key id and scope identify the caller and help debugging;
	 * only the signature is sensitive (it can be replayed for 15 minutes). */
	if (strncmp(value, "AWS4-", 5) != 0)
		return fcc_buf_puts(out, HTTP_REDACTED);
	sig = strstr(value, "Signature=");
	if (!sig)
		return fcc_buf_puts(out, value);
	sig += strlen("Signature=");
	if ((rc = fcc_buf_append(out, value, (size_t)(sig - value))) != 0)
		return rc;
	if ((rc = fcc_buf_puts(out, HTTP_REDACTED)) != 0)
		return rc;
	end = strchr(sig, ',');
	return end ? fcc_buf_puts(out, end) : FCC_OK;
}

int http_redact_url(fcc_buf *out, const char *url)
{
	const char *p = strchr(url, '?'), *q;
	size_t klen;
	int rc;

	if (!p)
		return fcc_buf_puts(out, url);
	p++;
	if ((rc = fcc_buf_append(out, url, (size_t)(p - url))) != 0)
		return rc;
	while (*p && *p != ' ' && *p != '#') {
		q = p;
		while (*q && *q != '&' && *q != '=' && *q != ' ' && *q != '#')
			q++;
		klen = (size_t)(q - p);
		if ((rc = fcc_buf_append(out, p, klen)) != 0)
			return rc;
		p = q;
		if (*p == '=') {
			int secret =
				(klen == 15 && strncasecmp(q - klen, "X-Amz-Signature", 15) == 0) ||
				(klen == 20 &&
				 strncasecmp(q - klen, "X-Amz-Security-Token", 20) == 0);
			q = p + 1;
			while (*q && *q != '&' && *q != ' ' && *q != '#')
				q++;
			rc = secret ? fcc_buf_puts(out, "=" HTTP_REDACTED)
				    : fcc_buf_append(out, p, (size_t)(q - p));
			if (rc)
				return rc;
			p = q;
		}
		if (*p == '&') {
			if ((rc = fcc_buf_putc(out, '&')) != 0)
				return rc;
			p++;
		}
	}
	return fcc_buf_puts(out, p);
}

/* End of a JSON string whose opening quote is at s[i]: the index just past
 * the closing quote, or n when the string is unterminated. */
static size_t json_string_end(const char *s, size_t i, size_t n)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

static int redact_json(fcc_buf *out, const char *s, size_t n)
{
	size_t i = 0, start, end, j;
	int rc;

	while (i < n) {
		if (s[i] != '"') {
			if ((rc = fcc_buf_putc(out, s[i])) != 0)
				return rc;
			i++;
			continue;
		}
		start = i;
		end = json_string_end(s, i, n);
		if ((rc = fcc_buf_append(out, s + start, end - start)) != 0)
			return rc;
		i = end;
		j = end;
		while (j < n && isspace((unsigned char)s[j]))
			j++;
		if (j >= n || s[j] != ':' || end - start < 2 ||
		    !http_redact_is_secret_field(s + start + 1, end - start - 2))
			continue;
		/* a secret key: copy up to the value, replace the value */
		j++;
		while (j < n && isspace((unsigned char)s[j]))
			j++;
		if ((rc = fcc_buf_append(out, s + i, j - i)) != 0)
			return rc;
		i = j;
		if (i >= n || s[i] == '{' || s[i] == '[')
			continue; /* nested fields are judged by their own names */
		if (s[i] == '"') {
			end = json_string_end(s, i, n);
			rc = fcc_buf_puts(out, "\"" HTTP_REDACTED "\"");
		} else {
			end = i;
			while (end < n && s[end] != ',' && s[end] != '}' && s[end] != ']' &&
			       !isspace((unsigned char)s[end]))
				end++;
			rc = fcc_buf_puts(out, HTTP_REDACTED);
		}
		if (rc)
			return rc;
		i = end;
	}
	return FCC_OK;
}

static int redact_xml(fcc_buf *out, const char *s, size_t n)
{
	size_t i = 0, name, nend, gt;
	int rc;

	while (i < n) {
		if (s[i] != '<' || i + 1 >= n || s[i + 1] == '/' || s[i + 1] == '?' ||
		    s[i + 1] == '!') {
			if ((rc = fcc_buf_putc(out, s[i])) != 0)
				return rc;
			i++;
			continue;
		}
		name = i + 1;
		nend = name;
		while (nend < n && s[nend] != '>' && s[nend] != '/' &&
		       !isspace((unsigned char)s[nend]))
			nend++;
		gt = nend;
		while (gt < n && s[gt] != '>')
			gt++;
		if (gt >= n)
			return fcc_buf_append(out, s + i, n - i); /* tag cut off */
		if ((rc = fcc_buf_append(out, s + i, gt + 1 - i)) != 0)
			return rc;
		i = gt + 1;
		if (s[gt - 1] == '/' || !http_redact_is_secret_field(s + name, nend - name))
			continue;
		/* the element's text, up to the next tag (or the end of an excerpt) */
		while (i < n && s[i] != '<')
			i++;
		if ((rc = fcc_buf_puts(out, HTTP_REDACTED)) != 0)
			return rc;
	}
	return FCC_OK;
}

static int redact_form(fcc_buf *out, const char *s, size_t n)
{
	size_t i = 0, k, v;
	int rc;

	while (i < n) {
		k = i;
		while (k < n && s[k] != '=' && s[k] != '&')
			k++;
		if ((rc = fcc_buf_append(out, s + i, k - i)) != 0)
			return rc;
		v = k;
		if (k < n && s[k] == '=') {
			v = k + 1;
			while (v < n && s[v] != '&')
				v++;
			if (http_redact_is_secret_field(s + i, k - i))
				rc = fcc_buf_puts(out, "=" HTTP_REDACTED);
			else
				rc = fcc_buf_append(out, s + k, v - k);
			if (rc)
				return rc;
		}
		i = v;
		if (i < n) { /* the '&' */
			if ((rc = fcc_buf_putc(out, s[i])) != 0)
				return rc;
			i++;
		}
	}
	return FCC_OK;
}

int http_redact_body(fcc_buf *out, const void *body, size_t len)
{
	const char *s = body;
	size_t i = 0;

	if (!len)
		return FCC_OK;
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (i < len && (s[i] == '{' || s[i] == '['))
		return redact_json(out, s, len);
	if (i < len && s[i] == '<')
		return redact_xml(out, s, len);
	if (memchr(s, '=', len))
		return redact_form(out, s, len);
	return fcc_buf_append(out, s, len);
}
