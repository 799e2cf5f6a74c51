/*
 * cfn.h — typed client for AWS CloudFormation (query protocol, 2010-05-15):
 * the change-set workflow, stacks and their events, templates, and drift.
 * Thin over aws.h; list calls follow NextToken to the end (AWS_MAX_PAGES).
 *
 * Every output struct starts with an aws_pool holding its strings and
 * arrays: release it with aws_pool_dispose(&out->pool). Outputs are zeroed
 * on entry and empty on failure. Errors: the aws_error's code (FCC_EAWS,
 * FCC_ENOTFOUND for a missing stack or change set, …).
 */
#ifndef FCC_AWS_CFN_H
#define FCC_AWS_CFN_H

#include "runtime/aws.h"

typedef struct cfn_parameter {
	const char *key;
	const char *value;
	int use_previous;
} cfn_parameter;

typedef struct cfn_create_change_set_input {
	const char *stack_name;      /* required */
	const char *change_set_name; /* required */
	const char *change_set_type; /* "CREATE", "UPDATE" (NULL: UPDATE) */
	const char *template_body;   /* one of body / url / use_previous_template */
	const char *template_url;
	int use_previous_template;
	const char *description;
	const char *role_arn;
	const char *client_token;
	const cfn_parameter *parameters;
	size_t nparameters;
	const char *const *capabilities;
	size_t ncapabilities;
	const aws_tag *tags;
	size_t ntags;
} cfn_create_change_set_input;

typedef struct cfn_change_set_ref {
	aws_pool pool;
	const char *id;
	const char *stack_id;
} cfn_change_set_ref;

int cfn_create_change_set(cfn_change_set_ref *out, aws_ctx *ctx,
			  const cfn_create_change_set_input *in, aws_error *ae);

typedef struct cfn_change {
	const char *action; /* Add, Modify, Remove, Import, Dynamic */
	const char *logical_id;
	const char *physical_id;
	const char *resource_type;
	const char *replacement; /* True, False, Conditional */
	/* What changes: Details[].Target — "Properties.<Name>" for a property,
	 * else the attribute ("Tags", "Metadata", ...); no duplicates, in
	 * CloudFormation's order. */
	const char **targets;
	size_t ntargets, tcap;
} cfn_change;

typedef struct cfn_change_set {
	aws_pool pool;
	const char *id, *name, *stack_id, *stack_name, *description;
	const char *status, *status_reason, *execution_status;
	long long creation_time;
	cfn_change *changes;
	size_t nchanges;
} cfn_change_set;

/* DescribeChangeSet (all pages of Changes). `stack_name` may be NULL when
 * `change_set` is an ARN. */
int cfn_describe_change_set(cfn_change_set *out, aws_ctx *ctx, const char *change_set,
			    const char *stack_name, aws_error *ae);
int cfn_execute_change_set(aws_ctx *ctx, const char *change_set, const char *stack_name,
			   const char *client_request_token, aws_error *ae);
int cfn_delete_change_set(aws_ctx *ctx, const char *change_set, const char *stack_name,
			  aws_error *ae);

/* DeleteStack (idempotent on AWS: deleting a missing stack succeeds). Used
 * to clean up a REVIEW_IN_PROGRESS stack that only a change set made. */
int cfn_delete_stack(aws_ctx *ctx, const char *stack_name, aws_error *ae);

typedef struct cfn_output {
	const char *key, *value, *description, *export_name;
} cfn_output;

typedef struct cfn_stack {
	const char *id, *name, *status, *status_reason, *description, *change_set_id;
	long long creation_time, last_updated_time;
	cfn_output *outputs;
	size_t noutputs;
	cfn_parameter *parameters;
	size_t nparameters;
	aws_tag *tags;
	size_t ntags;
} cfn_stack;

typedef struct cfn_stack_list {
	aws_pool pool;
	cfn_stack *items;
	size_t n, cap;
} cfn_stack_list;

/* DescribeStacks: one stack (`stack_name`) or all (NULL), every page.
 * A missing stack is FCC_ENOTFOUND. */
int cfn_describe_stacks(cfn_stack_list *out, aws_ctx *ctx, const char *stack_name, aws_error *ae);

/* The same queued on `ctx` (every page): `out` is filled by the time `done`
 * runs from aws_run() with ae->err.code FCC_OK; a missing stack is
 * FCC_ENOTFOUND there. Returns FCC_OK, or an error in `e` and `done` is
 * never called. Dispose out->pool either way. */
int cfn_describe_stacks_submit(cfn_stack_list *out, aws_ctx *ctx, const char *stack_name,
			       aws_finish_fn done, void *payload, fcc_err *e);

typedef struct cfn_stack_event {
	const char *event_id, *stack_id, *stack_name, *logical_id, *physical_id, *resource_type;
	const char *status, *status_reason;
	long long timestamp;
} cfn_stack_event;

typedef struct cfn_event_list {
	aws_pool pool;
	cfn_stack_event *items; /* newest first, as CloudFormation returns them */
	size_t n, cap;
} cfn_event_list;

/* DescribeStackEvents, newest first. Stops after `max_pages` pages (0:
 * AWS_MAX_PAGES) or at event `stop_event_id` (exclusive; NULL: none), so a
 * follower can fetch only what is new since the last event it saw. */
int cfn_describe_stack_events(cfn_event_list *out, aws_ctx *ctx, const char *stack_name,
			      const char *stop_event_id, unsigned max_pages, aws_error *ae);
/* The same queued on `ctx` (aws_query_submit): `out` is filled by the time
 * `done` runs from aws_run() with ae->err.code FCC_OK (a missing stack:
 * FCC_ENOTFOUND). Pages stop at `stop_event_id` or after `max_pages`. Returns
 * FCC_OK, or an error in `e` and `done` is never called. Dispose out->pool
 * either way. */
int cfn_describe_stack_events_submit(cfn_event_list *out, aws_ctx *ctx, const char *stack_name,
				     const char *stop_event_id, unsigned max_pages,
				     aws_finish_fn done, void *payload, fcc_err *e);

typedef struct cfn_template {
	aws_pool pool;
	const char *body;
} cfn_template;

/* GetTemplate of a stack or a change set (`stage`: "Original", "Processed"
 * or NULL). */
int cfn_get_template(cfn_template *out, aws_ctx *ctx, const char *stack_name,
		     const char *change_set, const char *stage, aws_error *ae);

/* GetTemplate of a stack queued on `ctx` (as cfn_describe_stacks_submit). */
int cfn_get_template_submit(cfn_template *out, aws_ctx *ctx, const char *stack_name,
			    const char *stage, aws_finish_fn done, void *payload, fcc_err *e);

typedef struct cfn_template_parameter {
	const char *key, *default_value, *description;
	int no_echo;
} cfn_template_parameter;

typedef struct cfn_validation {
	aws_pool pool;
	const char *description, *capabilities_reason;
	cfn_template_parameter *parameters;
	size_t nparameters, pcap;
	const char **capabilities;
	size_t ncapabilities, ccap;
} cfn_validation;

/* ValidateTemplate with one of `body` / `url`. An invalid template is
 * FCC_EAWS with code ValidationError. */
int cfn_validate_template(cfn_validation *out, aws_ctx *ctx, const char *body, const char *url,
			  aws_error *ae);
/* The same queued on `ctx`: `out` is filled by the time `done` runs from
 * aws_run() with ae->err.code FCC_OK. Returns FCC_OK, or an error in `e` and
 * `done` is never called. Dispose out->pool either way. */
int cfn_validate_template_submit(cfn_validation *out, aws_ctx *ctx, const char *body,
				 const char *url, aws_finish_fn done, void *payload, fcc_err *e);

typedef struct cfn_drift_detection {
	aws_pool pool;
	const char *id;
} cfn_drift_detection;

int cfn_detect_stack_drift(cfn_drift_detection *out, aws_ctx *ctx, const char *stack_name,
			   aws_error *ae);

typedef struct cfn_resource_drift {
	const char *logical_id, *physical_id, *resource_type, *status;
	const char *expected_properties, *actual_properties; /* JSON text */
	long long timestamp;
} cfn_resource_drift;

typedef struct cfn_drift_list {
	aws_pool pool;
	cfn_resource_drift *items;
	size_t n, cap;
} cfn_drift_list;

/* DescribeStackResourceDrifts, every page (no status filter). */
int cfn_describe_stack_resource_drifts(cfn_drift_list *out, aws_ctx *ctx, const char *stack_name,
				       aws_error *ae);

#endif
