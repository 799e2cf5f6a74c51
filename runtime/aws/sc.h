/*
 * sc.h — typed client for AWS Service Catalog (JSON 1.1, 2015-12-10): the
 * portfolio, product, version (provisioning artifact), launch constraint,
 * principal and share calls that publish a SageMaker organization template.
 *
 * IdempotencyToken members are filled with a fresh UUIDv4 when the caller
 * passes NULL (as the SDKs do); pass a stable one to make a rerun after a
 * crash converge. List calls follow PageToken to the end. Outputs keep their
 * strings in `pool`: aws_pool_dispose(&out->pool).
 */
#ifndef FCC_AWS_SC_H
#define FCC_AWS_SC_H

#include "runtime/aws.h"

typedef struct sc_portfolio_info {
	const char *id, *arn, *display_name, *description, *provider_name;
	long long created_time;
} sc_portfolio_info;

typedef struct sc_portfolio {
	aws_pool pool;
	sc_portfolio_info info;
	aws_tag *tags;
	size_t ntags;
} sc_portfolio;

typedef struct sc_portfolio_input {
	const char *id;           /* UpdatePortfolio: required */
	const char *display_name; /* CreatePortfolio: required */
	const char *description;
	const char *provider_name; /* CreatePortfolio: required */
	const aws_tag *tags;       /* Create: Tags; Update: AddTags */
	size_t ntags;
	const char *const *remove_tags; /* Update only */
	size_t nremove_tags;
	const char *idempotency_token; /* Create; NULL: a new UUID */
} sc_portfolio_input;

int sc_create_portfolio(sc_portfolio *out, aws_ctx *ctx, const sc_portfolio_input *in,
			aws_error *ae);
int sc_describe_portfolio(sc_portfolio *out, aws_ctx *ctx, const char *id, aws_error *ae);
int sc_update_portfolio(sc_portfolio *out, aws_ctx *ctx, const sc_portfolio_input *in,
			aws_error *ae);

typedef struct sc_portfolio_list {
	aws_pool pool;
	sc_portfolio_info *items;
	size_t n, cap;
} sc_portfolio_list;

int sc_list_portfolios(sc_portfolio_list *out, aws_ctx *ctx, aws_error *ae);

typedef struct sc_artifact_info {
	const char *id, *name, *description, *type, *guidance;
	int active; /* -1 when the answer did not say */
	long long created_time;
} sc_artifact_info;

typedef struct sc_product_info {
	const char *id;      /* ProductId ("prod-…") */
	const char *view_id; /* ProductViewSummary Id ("prodview-…") */
	const char *arn, *name, *owner, *type, *description, *distributor, *status;
	long long created_time;
	const char *support_email, *support_url, *support_description;
} sc_product_info;

typedef struct sc_product {
	aws_pool pool;
	sc_product_info info;
	sc_artifact_info *artifacts; /* Create: the first version; Describe: the summaries */
	size_t nartifacts, acap;
	aws_tag *tags;
	size_t ntags;
} sc_product;

typedef struct sc_artifact_input {
	const char *product_id;  /* CreateProvisioningArtifact / Update: required */
	const char *artifact_id; /* Update: required */
	const char *name, *description;
	const char *template_url; /* Info.LoadTemplateFromURL (Create) */
	const char *type;         /* NULL: CLOUD_FORMATION_TEMPLATE */
	int disable_template_validation;
	int active;           /* Update: -1 leave, 0/1 set */
	const char *guidance; /* Update: DEFAULT / DEPRECATED, NULL leave */
	const char *idempotency_token;
} sc_artifact_input;

typedef struct sc_product_input {
	const char *id;           /* UpdateProduct: required */
	const char *name, *owner; /* CreateProduct: required */
	const char *description, *distributor, *support_email, *support_url, *support_description;
	const char *product_type; /* NULL: CLOUD_FORMATION_TEMPLATE */
	const aws_tag *tags;      /* Create: Tags; Update: AddTags */
	size_t ntags;
	const char *const *remove_tags;
	size_t nremove_tags;
	const sc_artifact_input *artifact; /* Create: the first version, required by AWS */
	const char *idempotency_token;
} sc_product_input;

int sc_create_product(sc_product *out, aws_ctx *ctx, const sc_product_input *in, aws_error *ae);
/* DescribeProductAsAdmin by `id` or (id NULL) `name`. */
int sc_describe_product_as_admin(sc_product *out, aws_ctx *ctx, const char *id, const char *name,
				 aws_error *ae);
int sc_update_product(sc_product *out, aws_ctx *ctx, const sc_product_input *in, aws_error *ae);

typedef struct sc_product_list {
	aws_pool pool;
	sc_product_info *items;
	size_t n, cap;
} sc_product_list;

/* SearchProductsAsAdmin, optionally within a portfolio and with a
 * FullTextSearch filter (both may be NULL). */
int sc_search_products_as_admin(sc_product_list *out, aws_ctx *ctx, const char *portfolio_id,
				const char *full_text, aws_error *ae);

typedef struct sc_artifact {
	aws_pool pool;
	sc_artifact_info info;
	const char *status;
} sc_artifact;

int sc_create_provisioning_artifact(sc_artifact *out, aws_ctx *ctx, const sc_artifact_input *in,
				    aws_error *ae);
int sc_update_provisioning_artifact(sc_artifact *out, aws_ctx *ctx, const sc_artifact_input *in,
				    aws_error *ae);

typedef struct sc_artifact_list {
	aws_pool pool;
	sc_artifact_info *items;
	size_t n, cap;
} sc_artifact_list;

int sc_list_provisioning_artifacts(sc_artifact_list *out, aws_ctx *ctx, const char *product_id,
				   aws_error *ae);

int sc_associate_product_with_portfolio(aws_ctx *ctx, const char *product_id,
					const char *portfolio_id, aws_error *ae);

typedef struct sc_constraint_info {
	const char *id, *type, *description, *owner, *product_id, *portfolio_id;
} sc_constraint_info;

typedef struct sc_constraint {
	aws_pool pool;
	sc_constraint_info info;
	const char *parameters, *status;
} sc_constraint;

typedef struct sc_constraint_input {
	const char *portfolio_id, *product_id; /* required */
	const char *type;                      /* required: LAUNCH, NOTIFICATION, … */
	const char *parameters;                /* required JSON text, e.g. {"RoleArn": "arn:…"} */
	const char *description;
	const char *idempotency_token;
} sc_constraint_input;

int sc_create_constraint(sc_constraint *out, aws_ctx *ctx, const sc_constraint_input *in,
			 aws_error *ae);

typedef struct sc_constraint_list {
	aws_pool pool;
	sc_constraint_info *items;
	size_t n, cap;
} sc_constraint_list;

/* ListConstraintsForPortfolio; `product_id` may be NULL. */
int sc_list_constraints_for_portfolio(sc_constraint_list *out, aws_ctx *ctx,
				      const char *portfolio_id, const char *product_id,
				      aws_error *ae);

/* `type`: "IAM" or "IAM_PATTERN". */
int sc_associate_principal_with_portfolio(aws_ctx *ctx, const char *portfolio_id,
					  const char *principal_arn, const char *type,
					  aws_error *ae);

typedef struct sc_principal {
	const char *arn, *type;
} sc_principal;

typedef struct sc_principal_list {
	aws_pool pool;
	sc_principal *items;
	size_t n, cap;
} sc_principal_list;

int sc_list_principals_for_portfolio(sc_principal_list *out, aws_ctx *ctx, const char *portfolio_id,
				     aws_error *ae);

typedef struct sc_share {
	aws_pool pool;
	const char *token; /* PortfolioShareToken (organization shares); NULL otherwise */
} sc_share;

/* CreatePortfolioShare with one of `account_id` or an organization node
 * (`org_type` ORGANIZATION / ORGANIZATIONAL_UNIT / ACCOUNT + `org_value`). */
int sc_create_portfolio_share(sc_share *out, aws_ctx *ctx, const char *portfolio_id,
			      const char *account_id, const char *org_type, const char *org_value,
			      int share_principals, aws_error *ae);

/* ListPortfolioAccess: the accounts the portfolio is shared with. */
typedef struct sc_account_list {
	aws_pool pool;
	const char **items;
	size_t n, cap;
} sc_account_list;

int sc_list_portfolio_access(sc_account_list *out, aws_ctx *ctx, const char *portfolio_id,
			     aws_error *ae);

/* DescribeConstraint: the detail plus its Parameters (JSON text), which
 * ListConstraintsForPortfolio does not carry. */
int sc_describe_constraint(sc_constraint *out, aws_ctx *ctx, const char *id, aws_error *ae);

/* ---- asynchronous reads ----
 * The same calls queued on `ctx` (aws_json_submit): `out` is filled by the
 * time `done` runs from aws_run() (ae->err.code FCC_OK), list calls follow
 * PageToken to the end. Return FCC_OK, or an error in `e` and `done` is
 * never called. Dispose out->pool either way. fcc plan's state reader uses
 * them to read independent things in parallel. */
int sc_list_portfolios_submit(sc_portfolio_list *out, aws_ctx *ctx, aws_finish_fn done,
			      void *payload, fcc_err *e);
int sc_describe_portfolio_submit(sc_portfolio *out, aws_ctx *ctx, const char *id,
				 aws_finish_fn done, void *payload, fcc_err *e);
int sc_describe_product_as_admin_submit(sc_product *out, aws_ctx *ctx, const char *id,
					const char *name, aws_finish_fn done, void *payload,
					fcc_err *e);
int sc_search_products_as_admin_submit(sc_product_list *out, aws_ctx *ctx, const char *portfolio_id,
				       const char *full_text, aws_finish_fn done, void *payload,
				       fcc_err *e);
int sc_list_provisioning_artifacts_submit(sc_artifact_list *out, aws_ctx *ctx,
					  const char *product_id, aws_finish_fn done, void *payload,
					  fcc_err *e);
int sc_list_constraints_for_portfolio_submit(sc_constraint_list *out, aws_ctx *ctx,
					     const char *portfolio_id, const char *product_id,
					     aws_finish_fn done, void *payload, fcc_err *e);
int sc_describe_constraint_submit(sc_constraint *out, aws_ctx *ctx, const char *id,
				  aws_finish_fn done, void *payload, fcc_err *e);
int sc_list_principals_for_portfolio_submit(sc_principal_list *out, aws_ctx *ctx,
					    const char *portfolio_id, aws_finish_fn done,
					    void *payload, fcc_err *e);
int sc_list_portfolio_access_submit(sc_account_list *out, aws_ctx *ctx, const char *portfolio_id,
				    aws_finish_fn done, void *payload, fcc_err *e);

/* ---- organization shares ----
 * Sharing with an organization, an OU or an organization's account needs
 * Service Catalog's AWS Organizations access (EnableAWSOrganizationsAccess,
 * from the management account); GetAWSOrganizationsAccessStatus tells. */

/* One OrganizationNode: Type ORGANIZATION / ORGANIZATIONAL_UNIT / ACCOUNT. */
typedef struct sc_org_node {
	const char *type, *value;
} sc_org_node;

typedef struct sc_org_node_list {
	aws_pool pool;
	sc_org_node *items;
	size_t n, cap;
} sc_org_node_list;

typedef struct sc_org_access {
	aws_pool pool;
	const char *status; /* "ENABLED", "UNDER_CHANGE", "DISABLED"; NULL when unsaid */
} sc_org_access;

/* ListOrganizationPortfolioAccess of one `node_type`, every page
 * (PageToken / NextPageToken). Queued like the reads above. */
int sc_list_organization_portfolio_access_submit(sc_org_node_list *out, aws_ctx *ctx,
						 const char *portfolio_id, const char *node_type,
						 aws_finish_fn done, void *payload, fcc_err *e);
/* GetAWSOrganizationsAccessStatus, queued like the reads above. */
int sc_get_aws_organizations_access_status_submit(sc_org_access *out, aws_ctx *ctx,
						  aws_finish_fn done, void *payload, fcc_err *e);

#endif
