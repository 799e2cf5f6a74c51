/*
 * project_events.h — the CloudFormation side of a SageMaker project: naming
 * the stack Service Catalog provisions for it and describing why its
 * provisioning failed. Runtime layer, pure (no I/O): the apply executor
 * (apply.c, "project stack events") does the requests and feeds a
 * cfn_event_tracker (cfn_deploy.h); these turn what it gathered into words.
 *
 * SageMaker provisions a project's product through Service Catalog, whose
 * CloudFormation stack is named SC-<account>-<provisioned product id>;
 * SearchProvisionedProducts gives its ARN (PhysicalId). A project whose
 * provisioning failed says only "CreateFailed"; the cause is in the stack's
 * events (the first resource that failed, and why).
 */
#ifndef FCC_PROJECT_EVENTS_H
#define FCC_PROJECT_EVENTS_H

#include "compiler/base/buf.h"
#include "runtime/cfn_deploy.h"

/* "SC-<account>-<provisioned product id>" into out (appends): the name
 * Service Catalog gives a provisioned product's stack. `account` from the
 * project's ARN (projev_arn_account). Buffer codes; FCC_EUSAGE when either
 * is missing or empty. */
int projev_stack_name(fcc_buf *out, const char *account, const char *provisioned_product_id);

/* The account field of an ARN ("arn:PARTITION:SERVICE:REGION:ACCOUNT:...")
 * into out[16] (12 digits); FCC_OK, or FCC_EPARSE when there is none. */
int projev_arn_account(char out[16], const char *arn);

/* The stack's name from a stack ARN (arn:...:stack/NAME/UUID), or `ref`
 * itself when it is not one, into out (appends). Buffer codes. */
int projev_stack_display(fcc_buf *out, const char *ref);

/* What to do about a project in `project_status` after a failed
 * provisioning, "<project>" standing for its name; NULL when nothing is
 * needed. CreateFailed: SageMaker keeps the name of a failed project until
 * it is deleted, so it must be deleted before fcc can create it again.
 * Static text. */
const char *projev_way_out(const char *project_status);

/* The failure line of a project (appends):
 *   "SageMaker project NAME is STATUS[: MESSAGE][; stack STACK: first
 *    failure: LOGICAL (TYPE) STATUS: REASON][; (NOTE)][; way out: TEXT]"
 * `message` is ProvisionedProductStatusMessage, `stack` the stack's name or
 * ARN, `t` the tracker fed with the stack's events (NULL or without a
 * failure: that part is left out), `note` why events are missing (NULL:
 * nothing). Buffer codes. */
int projev_format_failure(fcc_buf *out, const char *project, const char *status,
			  const char *message, const char *stack, const cfn_event_tracker *t,
			  const char *note);

#endif
