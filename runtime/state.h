/*
 * state.h — the state snapshot: what fcc observed in AWS, as plain data.
 *
 * The state reader (which calls AWS) fills one of these; the diff (diff.h)
 * compares it with the desired state without any I/O. Snapshots also read and
 * write JSON (format fcc-state/2, spec/plan.md), so tests use JSON fixtures.
 *
 * Every observation has a stable id and a fingerprint (sha256 of its
 * canonical JSON). A plan file records the fingerprints it was computed from,
 * absent things included, so `plan_stale` can tell which observation changed.
 * Observation ids:
 *   s3:<bucket>/<key>                      one object (present or not)
 *   iam-role:<name>                        one role: attached policies, trust policy
 *   sc-portfolio:<name>                    the portfolio looked up by name (+ count)
 *   sc-product:<name>                      the product looked up by name
 *   sc-artifacts:<product>                 its provisioning artifacts
 *   sc-association:<portfolio>/<product>   product-portfolio association
 *   sc-constraints:<portfolio>/<product>   constraints on that association
 *   sc-principals:<portfolio>              principals of the portfolio
 *   sc-shares:<portfolio>                  account and organization shares
 *   sc-org-access                          Service Catalog's AWS Organizations access
 *                                          (read only when the spec shares with an
 *                                          organization or OU)
 *   cfn-validate:<template key>            ValidateTemplate of the product template
 *   sagemaker-project:<name>               one SageMaker project and its pipeline
 *   cfn-stack:<name>                       a stack fcc owns: status, template sha256, tags
 *                                          (the change-set preview is derived, not observed)
 */
#ifndef FCC_STATE_H
#define FCC_STATE_H

#include <jansson.h>
#include <stddef.h>

#include "compiler/base/err.h"
#include "compiler/base/hash.h"
#include "runtime/kv.h"

#define STATE_FORMAT "fcc-state/2"

typedef struct state_object {
	char *bucket;
	char *key;
	int present;
	char *sha256; /* user metadata x-amz-meta-fcc-sha256 (what fcc writes on upload), or NULL */
	long long size;
} state_object;

typedef struct state_role {
	char *name;
	int present;
	kv_strs attached_policies; /* policy ARNs */
	json_t *trust_policy;      /* the decoded AssumeRolePolicyDocument, or NULL */
	/* the role's fcc:patch:* tags: what each fcc project added (iam_patch.h) */
	kv_tags patch_records;
} state_role;

typedef struct state_portfolio {
	char *name; /* the name looked up; set even when nothing matched */
	int count;  /* portfolios found by that name (and fcc's tags): 0 absent, >1 ambiguous */
	char *id, *owner, *description; /* of the match when count == 1 */
	kv_tags tags;
} state_portfolio;

typedef struct state_artifact {
	char *id, *name, *description;
	int active;
	char *guidance; /* "DEFAULT" or "DEPRECATED" */
	char *created;  /* CreatedTime as AWS printed it; informative only */
} state_artifact;

typedef struct state_constraint {
	char *id;
	char *type;         /* "LAUNCH", "TEMPLATE", ... */
	json_t *parameters; /* decoded Parameters document, or NULL */
} state_constraint;

/* One product of the catalog (desired.products[i]), with what hangs off it. */
typedef struct state_product {
	char *name; /* the name looked up; set even when absent */
	int present;
	char *id, *owner, *description, *distributor, *support_email, *support_url;
	kv_tags tags;
	state_artifact *artifacts; /* its provisioning artifacts */
	size_t n_artifacts;
	int association;               /* associated with the portfolio */
	state_constraint *constraints; /* constraints on that association */
	size_t n_constraints;
} state_product;

typedef struct state_principal {
	char *arn;
	char *type; /* "IAM" or "IAM_PATTERN" */
} state_principal;

typedef struct state_org_node {
	char *type; /* "ORGANIZATION", "ORGANIZATIONAL_UNIT" or "ACCOUNT" */
	char *value;
} state_org_node;

typedef struct state_project {
	char *name;
	int present;
	char *status;     /* ProjectStatus, or NULL */
	char *product_id; /* ServiceCatalogProvisioningDetails, or NULL */
	char *artifact_id;
	json_t *pipeline; /* the project's pipeline definition (decoded), or NULL */
} state_project;

/* One resource change of a change-set preview (cfn_deploy_preview). */
typedef struct state_stack_change {
	char *action; /* Add, Modify, Remove, ... */
	char *logical_id;
	char *resource_type;
	char *replacement; /* True, False, Conditional, or NULL */
	kv_strs targets;   /* "Properties.VersioningConfiguration", "Tags", ... */
} state_stack_change;

/* A CloudFormation stack fcc owns (desired.stacks[]). */
typedef struct state_stack {
	char *name;
	int present; /* DescribeStacks found it (absent: "does not exist") */
	char *id, *status, *status_reason;
	char *template_sha256; /* sha256 of GetTemplate's Original body, or NULL */
	kv_tags tags;
	/* The change-set preview `fcc plan` ran when the template differs
	 * (state_read_stack_previews): derived from the observation above, so not
	 * part of its fingerprint. */
	int previewed;
	int preview_no_changes; /* CloudFormation found nothing to change */
	char *preview_error;    /* the preview failed: why */
	state_stack_change *changes;
	size_t n_changes;
} state_stack;

typedef struct state_snapshot {
	state_object *objects;
	size_t n_objects;
	state_role *roles;
	size_t n_roles;
	state_portfolio portfolio;
	state_product *products; /* one per desired product, in manifest order */
	size_t n_products;
	state_principal *principals;
	size_t n_principals;
	kv_strs share_accounts;
	state_org_node *share_nodes;
	size_t n_share_nodes;
	/* GetAWSOrganizationsAccessStatus ("ENABLED", "DISABLED", ...), read only
	 * when the spec shares with an organization or OU; NULL otherwise. Org/OU
	 * shares (share_nodes) are read only when it is ENABLED. */
	char *org_access;
	struct {
		char *template; /* the template key validated; NULL when not checked */
		int ok;
		char *error; /* CloudFormation's message when !ok */
	} validation;
	state_project *projects;
	size_t n_projects;
	state_stack *stacks;
	size_t n_stacks;
} state_snapshot;

/* One observation's id and fingerprint. */
typedef struct state_obs {
	char *id;
	char fingerprint[FCC_SHA256_HEX_LEN + 1];
} state_obs;

typedef struct state_obs_list {
	state_obs *v; /* sorted by id */
	size_t n;
} state_obs_list;

/* Zero `s`; state_dispose() frees what was filled in. */
void state_init(state_snapshot *s);
void state_dispose(state_snapshot *s);

/* Append a zeroed element to the matching array and return it (owned by the
 * snapshot; fill its fields with fcc-allocated strings), or NULL on ENOMEM
 * (snapshot unchanged). The pointer is valid until the next add of that kind. */
state_object *state_add_object(state_snapshot *s);
state_role *state_add_role(state_snapshot *s);
state_product *state_add_product(state_snapshot *s);
state_principal *state_add_principal(state_snapshot *s);
state_org_node *state_add_share_node(state_snapshot *s);
state_project *state_add_project(state_snapshot *s);
state_stack *state_add_stack(state_snapshot *s);
/* Append a zeroed artifact / constraint to product `p` (NULL on ENOMEM, `p`
 * unchanged). */
state_artifact *state_product_add_artifact(state_product *p);
state_constraint *state_product_add_constraint(state_product *p);
/* Append a zeroed change to `st` (NULL on ENOMEM, `st` unchanged). */
state_stack_change *state_stack_add_change(state_stack *st);

/* Lookups (borrowed; NULL when not observed). */
const state_object *state_find_object(const state_snapshot *s, const char *bucket, const char *key);
const state_role *state_find_role(const state_snapshot *s, const char *name);
const state_product *state_find_product(const state_snapshot *s, const char *name);
const state_project *state_find_project(const state_snapshot *s, const char *name);
const state_stack *state_find_stack(const state_snapshot *s, const char *name);

/* Fill `out` (state_init'ed or zeroed) from fcc-state/2 JSON. FCC_EPARSE
 * names the field at fault ("state: roles[0].trust_policy: expected an object")
 * and refuses an unknown format; FCC_ENOMEM. On failure `out` is disposed. */
int state_from_json(state_snapshot *out, const json_t *root, fcc_err *e);
/* Same from text. */
int state_from_text(state_snapshot *out, const char *text, size_t len, fcc_err *e);

/* New JSON (fcc-state/2) for `s`; caller decrefs. NULL on ENOMEM. */
json_t *state_to_json(const state_snapshot *s);

/* Every observation of `s` with its fingerprint, sorted by id, into `out`
 * (zeroed). Lists inside an observation are fingerprinted in sorted order, so
 * the order AWS pages them in does not matter. FCC_OK or FCC_ENOMEM (out
 * empty). */
int state_observations(state_obs_list *out, const state_snapshot *s, fcc_err *e);
void state_obs_list_dispose(state_obs_list *l);

#endif
