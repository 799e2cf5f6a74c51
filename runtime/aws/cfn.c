/*
 * cfn.c — AWS CloudFormation typed client (see cfn.h).
 */
#include "runtime/aws/cfn.h"

#include <stdio.h>
#include <string.h>

#include "compiler/base/alloc.h"

/* Send `q`; on success *doc holds the answer and the Result element is
 * returned through *res (NULL for operations without one). */
static int call(xmlDoc **doc, const xmlNode **res, aws_ctx *ctx, const char *action,
		const aws_query *q, aws_error *ae)
{
	int rc = aws_query_call(doc, ctx, &aws_svc_cloudformation, action, q, 0, ae);

	if (!rc && res)
		*res = aws_query_result(*doc, action);
	return rc;
}

static int oom(aws_error *ae, aws_pool *p)
{
	aws_pool_dispose(p);
	return fcc_err_set(&ae->err, FCC_ENOMEM, "CloudFormation: out of memory");
}

static int too_many_pages(aws_error *ae, const char *op)
{
	return fcc_err_set(&ae->err, FCC_ERROR, "CloudFormation %s: more than %d pages", op,
			   AWS_MAX_PAGES);
}

int cfn_create_change_set(cfn_change_set_ref *out, aws_ctx *ctx,
			  const cfn_create_change_set_input *in, aws_error *ae)
{
	aws_query q;
	xmlDoc *doc = NULL;
	const xmlNode *r = NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, &aws_svc_cloudformation, "CreateChangeSet");
	aws_query_add(&q, "StackName", in->stack_name);
	aws_query_add(&q, "ChangeSetName", in->change_set_name);
	aws_query_add(&q, "ChangeSetType", in->change_set_type);
	aws_query_add(&q, "TemplateBody", in->template_body);
	aws_query_add(&q, "TemplateURL", in->template_url);
	if (in->use_previous_template)
		aws_query_add(&q, "UsePreviousTemplate", "true");
	aws_query_add(&q, "Description", in->description);
	aws_query_add(&q, "RoleARN", in->role_arn);
	aws_query_add(&q, "ClientToken", in->client_token);
	for (i = 0; i < in->nparameters; i++) {
		aws_query_addf(&q, in->parameters[i].key, "Parameters.member.%zu.ParameterKey",
			       i + 1);
		if (in->parameters[i].use_previous)
			aws_query_addf(&q, "true", "Parameters.member.%zu.UsePreviousValue", i + 1);
		else
			aws_query_addf(&q, in->parameters[i].value ? in->parameters[i].value : "",
				       "Parameters.member.%zu.ParameterValue", i + 1);
	}
	for (i = 0; i < in->ncapabilities; i++)
		aws_query_addf(&q, in->capabilities[i], "Capabilities.member.%zu", i + 1);
	for (i = 0; i < in->ntags; i++) {
		aws_query_addf(&q, in->tags[i].key, "Tags.member.%zu.Key", i + 1);
		aws_query_addf(&q, in->tags[i].value ? in->tags[i].value : "",
			       "Tags.member.%zu.Value", i + 1);
	}
	if ((rc = call(&doc, &r, ctx, "CreateChangeSet", &q, ae)))
		goto out;
	out->id = aws_xml_str(&out->pool, r, "Id");
	out->stack_id = aws_xml_str(&out->pool, r, "StackId");
	if (out->pool.oom)
		rc = oom(ae, &out->pool);
out:
	xmlFreeDoc(doc);
	aws_query_dispose(&q);
	return rc;
}

/* ResourceChange.Details[].Target into c->targets ("Properties.X" or the
 * attribute), each once. Out of memory shows in p->oom. */
static void details(aws_pool *p, cfn_change *c, const xmlNode *rc_)
{
	const xmlNode *d;

	for (d = aws_xml_find(rc_, "Details/member"); d; d = aws_xml_next(d)) {
		const char *attr = aws_xml_str(p, d, "Target/Attribute");
		const char *name = aws_xml_str(p, d, "Target/Name");
		char buf[512];
		const char *t;
		const char **slot;
		size_t i;
		int dup = 0;

		if (!attr)
			continue;
		if (strcmp(attr, "Properties") == 0 && name)
			snprintf(buf, sizeof buf, "Properties.%s", name);
		else
			snprintf(buf, sizeof buf, "%s", attr);
		for (i = 0; i < c->ntargets; i++)
			dup |= strcmp(c->targets[i], buf) == 0;
		if (dup)
			continue;
		if (!(t = aws_pool_strdup(p, buf)) ||
		    !(slot = AWS_PUSH(p, c->targets, c->ntargets, c->tcap)))
			return;
		*slot = t;
	}
}

int cfn_describe_change_set(cfn_change_set *out, aws_ctx *ctx, const char *change_set,
			    const char *stack_name, aws_error *ae)
{
	aws_pool *p = &out->pool;
	char *token = NULL;
	size_t cap = 0;
	unsigned page;
	int rc = FCC_OK;

	memset(out, 0, sizeof *out);
	for (page = 0; page < AWS_MAX_PAGES; page++) {
		aws_query q;
		xmlDoc *doc = NULL;
		const xmlNode *r = NULL, *m;
		const char *next;

		aws_query_init(&q, &aws_svc_cloudformation, "DescribeChangeSet");
		aws_query_add(&q, "ChangeSetName", change_set);
		aws_query_add(&q, "StackName", stack_name);
		aws_query_add(&q, "NextToken", token);
		rc = call(&doc, &r, ctx, "DescribeChangeSet", &q, ae);
		aws_query_dispose(&q);
		if (rc)
			goto out;
		if (page == 0) {
			out->id = aws_xml_str(p, r, "ChangeSetId");
			out->name = aws_xml_str(p, r, "ChangeSetName");
			out->stack_id = aws_xml_str(p, r, "StackId");
			out->stack_name = aws_xml_str(p, r, "StackName");
			out->description = aws_xml_str(p, r, "Description");
			out->status = aws_xml_str(p, r, "Status");
			out->status_reason = aws_xml_str(p, r, "StatusReason");
			out->execution_status = aws_xml_str(p, r, "ExecutionStatus");
			out->creation_time = aws_xml_time(r, "CreationTime");
		}
		for (m = aws_xml_find(r, "Changes/member"); m; m = aws_xml_next(m)) {
			cfn_change *c = AWS_PUSH(p, out->changes, out->nchanges, cap);
			const xmlNode *rc_ = aws_xml_find(m, "ResourceChange");
			if (!c)
				break;
			c->action = aws_xml_str(p, rc_, "Action");
			c->logical_id = aws_xml_str(p, rc_, "LogicalResourceId");
			c->physical_id = aws_xml_str(p, rc_, "PhysicalResourceId");
			c->resource_type = aws_xml_str(p, rc_, "ResourceType");
			c->replacement = aws_xml_str(p, rc_, "Replacement");
			details(p, c, rc_);
		}
		next = aws_xml_str(p, r, "NextToken");
		xmlFreeDoc(doc);
		if (p->oom) {
			rc = oom(ae, p);
			goto out;
		}
		if (!next || !*next)
			goto out;
		token = (char *)next;
	}
	rc = too_many_pages(ae, "DescribeChangeSet");
out:
	if (rc)
		aws_pool_dispose(p);
	return rc;
}

static int simple(aws_ctx *ctx, const char *action, const char *change_set, const char *stack_name,
		  const char *token, aws_error *ae)
{
	aws_query q;
	xmlDoc *doc = NULL;
	int rc;

	aws_query_init(&q, &aws_svc_cloudformation, action);
	aws_query_add(&q, "ChangeSetName", change_set);
	aws_query_add(&q, "StackName", stack_name);
	aws_query_add(&q, "ClientRequestToken", token);
	rc = call(&doc, NULL, ctx, action, &q, ae);
	xmlFreeDoc(doc);
	aws_query_dispose(&q);
	return rc;
}

int cfn_execute_change_set(aws_ctx *ctx, const char *change_set, const char *stack_name,
			   const char *client_request_token, aws_error *ae)
{
	return simple(ctx, "ExecuteChangeSet", change_set, stack_name, client_request_token, ae);
}

int cfn_delete_change_set(aws_ctx *ctx, const char *change_set, const char *stack_name,
			  aws_error *ae)
{
	return simple(ctx, "DeleteChangeSet", change_set, stack_name, NULL, ae);
}

int cfn_delete_stack(aws_ctx *ctx, const char *stack_name, aws_error *ae)
{
	aws_query q;
	xmlDoc *doc = NULL;
	int rc;

	aws_query_init(&q, &aws_svc_cloudformation, "DeleteStack");
	aws_query_add(&q, "StackName", stack_name);
	rc = call(&doc, NULL, ctx, "DeleteStack", &q, ae);
	xmlFreeDoc(doc);
	aws_query_dispose(&q);
	return rc;
}

/* One StackEvents member `m` (its EventId already read as `id`). */
static void read_event(cfn_stack_event *ev, aws_pool *p, const xmlNode *m, const char *id)
{
	ev->event_id = id;
	ev->stack_id = aws_xml_str(p, m, "StackId");
	ev->stack_name = aws_xml_str(p, m, "StackName");
	ev->logical_id = aws_xml_str(p, m, "LogicalResourceId");
	ev->physical_id = aws_xml_str(p, m, "PhysicalResourceId");
	ev->resource_type = aws_xml_str(p, m, "ResourceType");
	ev->status = aws_xml_str(p, m, "ResourceStatus");
	ev->status_reason = aws_xml_str(p, m, "ResourceStatusReason");
	ev->timestamp = aws_xml_time(m, "Timestamp");
}

static void read_stack(cfn_stack *s, aws_pool *p, const xmlNode *m)
{
	const xmlNode *x;
	size_t cap = 0;

	s->id = aws_xml_str(p, m, "StackId");
	s->name = aws_xml_str(p, m, "StackName");
	s->status = aws_xml_str(p, m, "StackStatus");
	s->status_reason = aws_xml_str(p, m, "StackStatusReason");
	s->description = aws_xml_str(p, m, "Description");
	s->change_set_id = aws_xml_str(p, m, "ChangeSetId");
	s->creation_time = aws_xml_time(m, "CreationTime");
	s->last_updated_time = aws_xml_time(m, "LastUpdatedTime");
	for (x = aws_xml_find(m, "Outputs/member"); x; x = aws_xml_next(x)) {
		cfn_output *o = AWS_PUSH(p, s->outputs, s->noutputs, cap);
		if (!o)
			return;
		o->key = aws_xml_str(p, x, "OutputKey");
		o->value = aws_xml_str(p, x, "OutputValue");
		o->description = aws_xml_str(p, x, "Description");
		o->export_name = aws_xml_str(p, x, "ExportName");
	}
	cap = 0;
	for (x = aws_xml_find(m, "Parameters/member"); x; x = aws_xml_next(x)) {
		cfn_parameter *o = AWS_PUSH(p, s->parameters, s->nparameters, cap);
		if (!o)
			return;
		o->key = aws_xml_str(p, x, "ParameterKey");
		o->value = aws_xml_str(p, x, "ParameterValue");
	}
	aws_xml_tags(&s->tags, &s->ntags, p, aws_xml_find(m, "Tags"));
}

static int each_stacks(void *payload, const xmlNode *result, const char **next);

int cfn_describe_stacks(cfn_stack_list *out, aws_ctx *ctx, const char *stack_name, aws_error *ae)
{
	aws_pool *p = &out->pool;
	const char *token = NULL;
	unsigned page;
	int rc = FCC_OK;

	memset(out, 0, sizeof *out);
	for (page = 0; page < AWS_MAX_PAGES; page++) {
		aws_query q;
		xmlDoc *doc = NULL;
		const xmlNode *r = NULL;

		aws_query_init(&q, &aws_svc_cloudformation, "DescribeStacks");
		aws_query_add(&q, "StackName", stack_name);
		aws_query_add(&q, "NextToken", token);
		rc = call(&doc, &r, ctx, "DescribeStacks", &q, ae);
		aws_query_dispose(&q);
		if (rc)
			goto out;
		(void)each_stacks(out, r, &token); /* the async reader's page parser; oom below */
		xmlFreeDoc(doc);
		if (p->oom) {
			rc = oom(ae, p);
			goto out;
		}
		if (!token || !*token)
			goto out;
	}
	rc = too_many_pages(ae, "DescribeStacks");
out:
	if (rc)
		aws_pool_dispose(p);
	return rc;
}

int cfn_describe_stack_events(cfn_event_list *out, aws_ctx *ctx, const char *stack_name,
			      const char *stop_event_id, unsigned max_pages, aws_error *ae)
{
	aws_pool *p = &out->pool;
	const char *token = NULL;
	unsigned page;
	int rc = FCC_OK;

	memset(out, 0, sizeof *out);
	if (!max_pages || max_pages > AWS_MAX_PAGES)
		max_pages = AWS_MAX_PAGES;
	for (page = 0; page < max_pages; page++) {
		aws_query q;
		xmlDoc *doc = NULL;
		const xmlNode *r = NULL, *m;
		int stop = 0;

		aws_query_init(&q, &aws_svc_cloudformation, "DescribeStackEvents");
		aws_query_add(&q, "StackName", stack_name);
		aws_query_add(&q, "NextToken", token);
		rc = call(&doc, &r, ctx, "DescribeStackEvents", &q, ae);
		aws_query_dispose(&q);
		if (rc)
			goto out;
		for (m = aws_xml_find(r, "StackEvents/member"); m && !stop; m = aws_xml_next(m)) {
			const char *id = aws_xml_str(p, m, "EventId");
			cfn_stack_event *ev;
			if (stop_event_id && id && strcmp(id, stop_event_id) == 0) {
				stop = 1;
				break;
			}
			if (!(ev = AWS_PUSH(p, out->items, out->n, out->cap)))
				break;
			read_event(ev, p, m, id);
		}
		token = aws_xml_str(p, r, "NextToken");
		xmlFreeDoc(doc);
		if (p->oom) {
			rc = oom(ae, p);
			goto out;
		}
		if (stop || !token || !*token)
			goto out;
	}
out:
	if (rc)
		aws_pool_dispose(p);
	return rc;
}

int cfn_get_template(cfn_template *out, aws_ctx *ctx, const char *stack_name,
		     const char *change_set, const char *stage, aws_error *ae)
{
	aws_query q;
	xmlDoc *doc = NULL;
	const xmlNode *r = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, &aws_svc_cloudformation, "GetTemplate");
	aws_query_add(&q, "StackName", stack_name);
	aws_query_add(&q, "ChangeSetName", change_set);
	aws_query_add(&q, "TemplateStage", stage);
	if ((rc = call(&doc, &r, ctx, "GetTemplate", &q, ae)))
		goto out;
	out->body = aws_xml_str(&out->pool, r, "TemplateBody");
	if (out->pool.oom)
		rc = oom(ae, &out->pool);
out:
	xmlFreeDoc(doc);
	aws_query_dispose(&q);
	return rc;
}

static void read_validation(cfn_validation *out, const xmlNode *r);

int cfn_validate_template(cfn_validation *out, aws_ctx *ctx, const char *body, const char *url,
			  aws_error *ae)
{
	aws_pool *p = &out->pool;
	aws_query q;
	xmlDoc *doc = NULL;
	const xmlNode *r = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, &aws_svc_cloudformation, "ValidateTemplate");
	aws_query_add(&q, "TemplateBody", body);
	aws_query_add(&q, "TemplateURL", url);
	if ((rc = call(&doc, &r, ctx, "ValidateTemplate", &q, ae)))
		goto out;
	read_validation(out, r);
	if (p->oom)
		rc = oom(ae, p);
out:
	xmlFreeDoc(doc);
	aws_query_dispose(&q);
	return rc;
}

/* The ValidateTemplateResult `r` into `out`; OOM is left in out->pool.oom. */
static void read_validation(cfn_validation *out, const xmlNode *r)
{
	aws_pool *p = &out->pool;
	const xmlNode *m;

	out->description = aws_xml_str(p, r, "Description");
	out->capabilities_reason = aws_xml_str(p, r, "CapabilitiesReason");
	for (m = aws_xml_find(r, "Parameters/member"); m; m = aws_xml_next(m)) {
		cfn_template_parameter *tp =
			AWS_PUSH(p, out->parameters, out->nparameters, out->pcap);
		if (!tp)
			break;
		tp->key = aws_xml_str(p, m, "ParameterKey");
		tp->default_value = aws_xml_str(p, m, "DefaultValue");
		tp->description = aws_xml_str(p, m, "Description");
		tp->no_echo = aws_xml_bool(m, "NoEcho");
	}
	for (m = aws_xml_find(r, "Capabilities/member"); m; m = aws_xml_next(m)) {
		const char **c = AWS_PUSH(p, out->capabilities, out->ncapabilities, out->ccap);
		if (!c)
			break;
		*c = aws_xml_str(p, m, "");
	}
}

int cfn_detect_stack_drift(cfn_drift_detection *out, aws_ctx *ctx, const char *stack_name,
			   aws_error *ae)
{
	aws_query q;
	xmlDoc *doc = NULL;
	const xmlNode *r = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, &aws_svc_cloudformation, "DetectStackDrift");
	aws_query_add(&q, "StackName", stack_name);
	if ((rc = call(&doc, &r, ctx, "DetectStackDrift", &q, ae)))
		goto out;
	out->id = aws_xml_str(&out->pool, r, "StackDriftDetectionId");
	if (out->pool.oom)
		rc = oom(ae, &out->pool);
out:
	xmlFreeDoc(doc);
	aws_query_dispose(&q);
	return rc;
}

int cfn_describe_stack_resource_drifts(cfn_drift_list *out, aws_ctx *ctx, const char *stack_name,
				       aws_error *ae)
{
	aws_pool *p = &out->pool;
	const char *token = NULL;
	unsigned page;
	int rc = FCC_OK;

	memset(out, 0, sizeof *out);
	for (page = 0; page < AWS_MAX_PAGES; page++) {
		aws_query q;
		xmlDoc *doc = NULL;
		const xmlNode *r = NULL, *m;

		aws_query_init(&q, &aws_svc_cloudformation, "DescribeStackResourceDrifts");
		aws_query_add(&q, "StackName", stack_name);
		aws_query_add(&q, "NextToken", token);
		rc = call(&doc, &r, ctx, "DescribeStackResourceDrifts", &q, ae);
		aws_query_dispose(&q);
		if (rc)
			goto out;
		for (m = aws_xml_find(r, "StackResourceDrifts/member"); m; m = aws_xml_next(m)) {
			cfn_resource_drift *d = AWS_PUSH(p, out->items, out->n, out->cap);
			if (!d)
				break;
			d->logical_id = aws_xml_str(p, m, "LogicalResourceId");
			d->physical_id = aws_xml_str(p, m, "PhysicalResourceId");
			d->resource_type = aws_xml_str(p, m, "ResourceType");
			d->status = aws_xml_str(p, m, "StackResourceDriftStatus");
			d->expected_properties = aws_xml_str(p, m, "ExpectedProperties");
			d->actual_properties = aws_xml_str(p, m, "ActualProperties");
			d->timestamp = aws_xml_time(m, "Timestamp");
		}
		token = aws_xml_str(p, r, "NextToken");
		xmlFreeDoc(doc);
		if (p->oom) {
			rc = oom(ae, p);
			goto out;
		}
		if (!token || !*token)
			goto out;
	}
	rc = too_many_pages(ae, "DescribeStackResourceDrifts");
out:
	if (rc)
		aws_pool_dispose(p);
	return rc;
}

/* ---- asynchronous ValidateTemplate ---- */

static int each_validation(void *payload, const xmlNode *result, const char **next)
{
	cfn_validation *out = payload;

	(void)next;
	read_validation(out, result);
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int cfn_validate_template_submit(cfn_validation *out, aws_ctx *ctx, const char *body,
				 const char *url, aws_finish_fn done, void *payload, fcc_err *e)
{
	aws_query q;
	int rc;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, &aws_svc_cloudformation, "ValidateTemplate");
	aws_query_add(&q, "TemplateBody", body);
	aws_query_add(&q, "TemplateURL", url);
	rc = aws_query_submit(ctx, &aws_svc_cloudformation, "ValidateTemplate", &q, NULL,
			      each_validation, out, done, payload, e);
	aws_query_dispose(&q);
	return rc;
}

/* ---- asynchronous DescribeStacks / GetTemplate (the state reader's wave) ---- */

static int each_stacks(void *payload, const xmlNode *result, const char **next)
{
	cfn_stack_list *out = payload;
	const xmlNode *m;

	for (m = aws_xml_find(result, "Stacks/member"); m; m = aws_xml_next(m)) {
		cfn_stack *s = AWS_PUSH(&out->pool, out->items, out->n, out->cap);
		if (!s)
			break;
		read_stack(s, &out->pool, m);
	}
	*next = aws_xml_str(&out->pool, result, "NextToken");
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int cfn_describe_stacks_submit(cfn_stack_list *out, aws_ctx *ctx, const char *stack_name,
			       aws_finish_fn done, void *payload, fcc_err *e)
{
	aws_query q;
	int rc;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, &aws_svc_cloudformation, "DescribeStacks");
	aws_query_add(&q, "StackName", stack_name);
	rc = aws_query_submit(ctx, &aws_svc_cloudformation, "DescribeStacks", &q, "NextToken",
			      each_stacks, out, done, payload, e);
	aws_query_dispose(&q);
	return rc;
}

static int each_template(void *payload, const xmlNode *result, const char **next)
{
	cfn_template *out = payload;

	(void)next;
	out->body = aws_xml_str(&out->pool, result, "TemplateBody");
	return out->pool.oom ? FCC_ENOMEM : FCC_OK;
}

int cfn_get_template_submit(cfn_template *out, aws_ctx *ctx, const char *stack_name,
			    const char *stage, aws_finish_fn done, void *payload, fcc_err *e)
{
	aws_query q;
	int rc;

	memset(out, 0, sizeof *out);
	aws_query_init(&q, &aws_svc_cloudformation, "GetTemplate");
	aws_query_add(&q, "StackName", stack_name);
	aws_query_add(&q, "TemplateStage", stage);
	rc = aws_query_submit(ctx, &aws_svc_cloudformation, "GetTemplate", &q, NULL, each_template,
			      out, done, payload, e);
	aws_query_dispose(&q);
	return rc;
}

/* ---- asynchronous DescribeStackEvents ---- */

typedef struct events_call {
	cfn_event_list *out;
	char *stop; /* stop event id (copy) or NULL */
	unsigned pages, max_pages;
	aws_finish_fn done;
	void *payload;
} events_call;

static int each_events(void *payload, const xmlNode *result, const char **next)
{
	events_call *c = payload;
	aws_pool *p = &c->out->pool;
	const xmlNode *m;
	const char *token;

	c->pages++;
	for (m = aws_xml_find(result, "StackEvents/member"); m; m = aws_xml_next(m)) {
		const char *id = aws_xml_str(p, m, "EventId");
		cfn_stack_event *ev;
		if (c->stop && id && strcmp(id, c->stop) == 0)
			return p->oom ? FCC_ENOMEM : FCC_OK; /* the rest is known: no next page */
		if (!(ev = AWS_PUSH(p, c->out->items, c->out->n, c->out->cap)))
			return FCC_ENOMEM;
		read_event(ev, p, m, id);
	}
	token = aws_xml_str(p, result, "NextToken");
	if (p->oom)
		return FCC_ENOMEM;
	if (token && *token && c->pages < c->max_pages)
		*next = token;
	return FCC_OK;
}

static void events_done(void *payload, aws_error *ae)
{
	events_call *c = payload;

	c->done(c->payload, ae);
	fcc_free(c->stop);
	fcc_free(c);
}

int cfn_describe_stack_events_submit(cfn_event_list *out, aws_ctx *ctx, const char *stack_name,
				     const char *stop_event_id, unsigned max_pages,
				     aws_finish_fn done, void *payload, fcc_err *e)
{
	events_call *c;
	aws_query q;
	int rc;

	memset(out, 0, sizeof *out);
	if (!(c = fcc_calloc(1, sizeof *c)) ||
	    (stop_event_id && !(c->stop = fcc_strdup(stop_event_id)))) {
		fcc_free(c);
		return fcc_err_set(e, FCC_ENOMEM, "out of memory");
	}
	c->out = out;
	c->max_pages = !max_pages || max_pages > AWS_MAX_PAGES ? AWS_MAX_PAGES : max_pages;
	c->done = done;
	c->payload = payload;
	aws_query_init(&q, &aws_svc_cloudformation, "DescribeStackEvents");
	aws_query_add(&q, "StackName", stack_name);
	rc = aws_query_submit(ctx, &aws_svc_cloudformation, "DescribeStackEvents", &q, "NextToken",
			      each_events, c, events_done, c, e);
	aws_query_dispose(&q);
	if (rc) {
		fcc_free(c->stop);
		fcc_free(c);
	}
	return rc;
}
