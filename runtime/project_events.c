/*
 * project_events.c — naming a SageMaker project's Service Catalog stack and
 * describing its failed provisioning (see project_events.h).
 */
#include "runtime/project_events.h"

#include <ctype.h>
#include <string.h>

int projev_stack_name(fcc_buf *out, const char *account, const char *provisioned_product_id)
{
	if (!account || !*account || !provisioned_product_id || !*provisioned_product_id)
		return FCC_EUSAGE;
	return fcc_buf_printf(out, "SC-%s-%s", account, provisioned_product_id);
}

int projev_arn_account(char out[16], const char *arn)
{
	const char *p = arn;
	size_t i, n;

	out[0] = '\0';
	if (!arn || strncmp(arn, "arn:", 4) != 0)
		return FCC_EPARSE;
	for (i = 0; i < 4; i++) { /* skip arn, partition, service, region */
		if (!(p = strchr(p, ':')))
			return FCC_EPARSE;
		p++;
	}
	n = strcspn(p, ":");
	if (n != 12 || p[n] != ':')
		return FCC_EPARSE;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return FCC_EPARSE;
	memcpy(out, p, n);
	out[n] = '\0';
	return FCC_OK;
}

int projev_stack_display(fcc_buf *out, const char *ref)
{
	const char *s, *e;

	if (!ref)
		return fcc_buf_puts(out, "?");
	if (strncmp(ref, "arn:", 4) == 0 && (s = strstr(ref, ":stack/")) != NULL) {
		s += 7;
		e = strchr(s, '/');
		return fcc_buf_append(out, s, e ? (size_t)(e - s) : strlen(s));
	}
	return fcc_buf_puts(out, ref);
}

const char *projev_way_out(const char *project_status)
{
	if (!project_status)
		return NULL;
	if (strcmp(project_status, "CreateFailed") == 0)
		return "SageMaker keeps a failed project's name until it is deleted: fix the cause, "
		       "delete the project (aws sagemaker delete-project --project-name <project>), "
		       "then apply again";
	if (strcmp(project_status, "UpdateFailed") == 0)
		return "the project's stack rolled back to its previous version: fix the cause and "
		       "apply again";
	if (strcmp(project_status, "DeleteFailed") == 0)
		return "delete the project's stack resources that remain, then delete the project "
		       "(aws sagemaker delete-project --project-name <project>)";
	return NULL;
}

static int put_way_out(fcc_buf *out, const char *text, const char *project)
{
	const char *p;
	int rc = FCC_OK;

	while (!rc && (p = strstr(text, "<project>"))) {
		rc = fcc_buf_append(out, text, (size_t)(p - text));
		if (!rc)
			rc = fcc_buf_puts(out, project ? project : "PROJECT");
		text = p + 9;
	}
	return rc ? rc : fcc_buf_puts(out, text);
}

int projev_format_failure(fcc_buf *out, const char *project, const char *status,
			  const char *message, const char *stack, const cfn_event_tracker *t,
			  const char *note)
{
	const cfn_stack_event *f = t && t->has_failure ? &t->failure : NULL;
	const char *way = projev_way_out(status);
	int rc;

	rc = fcc_buf_printf(out, "SageMaker project %s is %s", project ? project : "?",
			    status ? status : "?");
	/* "AVAILABLE"-style messages say nothing about a failure */
	if (!rc && message && *message)
		rc = fcc_buf_printf(out, ": %s", message);
	if (!rc && f) {
		rc = fcc_buf_puts(out, "; stack ");
		if (!rc)
			rc = projev_stack_display(out, stack ? stack : f->stack_name);
		if (!rc)
			rc = fcc_buf_printf(out, ": first failure: %s (%s) %s: %s",
					    f->logical_id ? f->logical_id : "?",
					    f->resource_type ? f->resource_type : "?",
					    f->status ? f->status : "?",
					    f->status_reason && *f->status_reason
						    ? f->status_reason
						    : "no reason given");
	}
	if (!rc && note && *note)
		rc = fcc_buf_printf(out, "; (%s)", note);
	if (!rc && way) {
		rc = fcc_buf_puts(out, "; way out: ");
		if (!rc)
			rc = put_way_out(out, way, project);
	}
	return rc;
}
