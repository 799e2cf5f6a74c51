/*
 * state_read.h — the state reader: observe in AWS everything the desired
 * state names and fill a state snapshot (state.h) for the diff.
 *
 * Runtime layer between the typed clients (runtime/aws/) and the pure
 * diff/plan: it only reads (Head/Get/List/Describe/Search/Validate calls),
 * with the fewest calls (a list call that carries the data is never followed
 * by a per-item describe) and in parallel: every read that does not need
 * another's answer is queued at once on the context (aws_submit), and each
 * dependent read is queued from its parent's completion, so the wall time is
 * the longest chain of dependent reads, not the sum. The chains:
 *
 *   HeadObject(template) + ListProvisioningArtifacts ─→ ValidateTemplate
 *        (TemplateURL, else the body), only when no product version of this
 *        template exists yet: Service Catalog validated those very bytes when
 *        it made the version
 *   ListPortfolios ─→ DescribePortfolio (tags), ListPrincipalsForPortfolio,
 *                     ListPortfolioAccess,
 *                     ListConstraintsForPortfolio (up to 20 products in the
 *                     build: no product, every product's constraints in one
 *                     listing)
 *   for each product of the build:
 *   DescribeProductAsAdmin(Name: its exact name; id, fields, tags)
 *                  ─→ ListProvisioningArtifacts
 *         and the portfolio's constraints ─→ DescribeConstraint of its LAUNCH
 *                 constraint (the parameters, which the list does not carry)
 *         (more than 20 products: the product and the portfolio ─→
 *                 ListConstraintsForPortfolio of the product ─→
 *                 DescribeConstraint, so that pages of 20, one after another,
 *                 do not lengthen the chain)
 *   ListPortfolios ─→ SearchProductsAsAdmin(PortfolioId: the portfolio's
 *        products, which says which products are in it; pages of 20 one
 *        after another) ─→ for each product the build does not declare:
 *        DescribeProductAsAdmin (whose it is: its fcc:project tag), and its
 *        constraints (in the portfolio's listing, or
 *        ListConstraintsForPortfolio of it), so that a product dropped from
 *        the spec is removed
 *   (a portfolio of more than 40 products, or a listing of its constraints
 *   of more than 20, makes its chain longer by a page each 20)
 *   GetAWSOrganizationsAccessStatus (only when the spec shares with an
 *        organization or OUs) and the chosen portfolio ─→
 *        ListOrganizationPortfolioAccess, one per node type the spec uses,
 *        only when the access is ENABLED
 *   HeadObject (other objects), GetRole (with its fcc:patch:* tags) +
 *   ListAttachedRolePolicies,
 *   DescribeProject + DescribePipeline(sagemaker-<project>): one step each
 *   DescribeStacks + GetTemplate(Original) of each stack fcc owns: one step
 *
 * so three round trips at most (STATE_READ_CHAIN), pages aside. Every
 * observation is recorded, absent ones included, so a plan's fingerprints
 * cover them.
 */
#ifndef FCC_STATE_READ_H
#define FCC_STATE_READ_H

#include <stddef.h>

#include "compiler/base/err.h"
#include "runtime/aws.h"
#include "runtime/cfn_deploy.h"
#include "runtime/desired.h"
#include "runtime/state.h"

/* The longest chain of dependent reads, pages aside (see above). */
#define STATE_READ_CHAIN 3

typedef struct state_read_options {
	/* The build's product template, validated with TemplateBody when the
	 * template object is not in S3 yet (else through its TemplateURL).
	 * NULL: not validated in that case. Borrowed. */
	const char *template_body;
	size_t template_len;
	/* Filled with the number of AWS calls made (pages included); may be NULL. */
	unsigned *calls;
	/* Non-zero: no ValidateTemplate (no cfn-validate observation). fcc apply
	 * reads so: Service Catalog validates the template itself when it makes
	 * the product or version (fcc never sets DisableTemplateValidation), and
	 * CloudFormation's validation is the slowest call of a read. */
	int skip_validate;
} state_read_options;

/* Read the state `d` names through `ctx` into `out` (any contents ignored;
 * state_init'ed on entry). Absent things are observations, not errors: a 404
 * object, a missing role (NoSuchEntity), no portfolio or product of that
 * name, a project that does not exist. A template CloudFormation rejects
 * (ValidationError) is recorded in out->validation. Returns FCC_OK; on any
 * other AWS or local failure the first one's code (FCC_EAWS, FCC_ETHROTTLED,
 * FCC_EIO, FCC_ENOMEM, ...) with `e` naming the resource being read and the
 * AWS error in full ("reading iam-role:Name: IAM GetRole: AccessDenied (HTTP
 * 403): ... [request id ...]"); `out` is then disposed. */
int state_read(state_snapshot *out, aws_ctx *ctx, const desired *d, const state_read_options *opt,
	       fcc_err *e);

/* After state_read: for each stack fcc owns that exists, accepts an update
 * and differs from the build (diff_stack_differs), preview the update with
 * cfn_deploy_preview — a change set of type UPDATE created, described and
 * deleted, never executed — and record its resource changes in the snapshot
 * (state_stack.changes, previewed). A stack with the same template bytes
 * and tags costs no call at all. The change-set name is derived from the
 * manifest's sha256 (a plan of the same build reuses the name). `hooks` may
 * be NULL (cfn_deploy's defaults). A failed preview (the change set FAILED)
 * is recorded in preview_error, for the diff to report; FCC_OK then. AWS and
 * local failures: their code, `e` naming the stack. `calls` (may be NULL)
 * is incremented by the number of previews run. */
int state_read_stack_previews(state_snapshot *s, aws_ctx *ctx, const desired *d,
			      const cfn_deploy_hooks *hooks, unsigned *calls, fcc_err *e);

/* The virtual-hosted-style HTTPS URL of s3://bucket/key in `region`, as
 * CloudFormation's TemplateURL wants it. Caller frees; NULL on ENOMEM. */
char *state_read_s3_url(const char *bucket, const char *region, const char *key);

#endif
