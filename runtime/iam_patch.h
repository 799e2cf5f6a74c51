/*
 * iam_patch.h — fcc's record of the IAM patches it made, kept on the role
 * itself as one tag per project/environment, so `fcc destroy` removes only
 * what fcc added and what no other fcc project still needs.
 *
 * Runtime layer beside the diff (diff.h) and the destroy planner
 * (destroy.h); pure: no I/O. `roles[]` patches roles fcc does not own (the
 * Service Catalog product roles every product of the account shares), so
 * "what fcc added" cannot be told from the role alone. The record says it:
 *
 *   key    fcc:patch:<project>[:<environment>]  (IAM_PATCH_PREFIX + hash
 *          when that is longer than IAM's 128-character tag key limit)
 *   value  space-separated items, sorted: "p" + the first 8 hex digits of the
 *          sha256 of a managed policy ARN fcc attached, "s" + the same of a
 *          service principal fcc added to its trust statement (Sid
 *          FccTrustedServices). 25 items fit IAM's 256-character value limit;
 *          the manifest has the full names.
 *
 * A project records an item when its apply adds it, or when the spec asks
 * for it and another project's record already holds it (so destroying that
 * other project leaves it for this one). Something attached or trusted before
 * any fcc touched it is never recorded, so it is never removed. Apply writes
 * the record before the patches (a crash in between leaves a record of an
 * item not yet attached, which the rerun attaches; never an unrecorded one).
 */
#ifndef FCC_IAM_PATCH_H
#define FCC_IAM_PATCH_H

#include <jansson.h>

#include "compiler/base/err.h"
#include "runtime/desired.h"
#include "runtime/kv.h"
#include "runtime/state.h"

#define IAM_PATCH_PREFIX "fcc:patch:"
#define IAM_PATCH_KEY_MAX 128   /* IAM tag key limit */
#define IAM_PATCH_VALUE_MAX 256 /* IAM tag value limit */
#define IAM_PATCH_ITEM_LEN 9    /* kind letter + 8 hex digits */

/* The record tag key of `project` / `environment` (NULL: the default
 * build) into `out`. Keys longer than IAM_PATCH_KEY_MAX become
 * IAM_PATCH_PREFIX + the sha256 (hex) of "<project>[:<env>]". */
void iam_patch_key(char out[IAM_PATCH_KEY_MAX + 1], const char *project, const char *environment);

/* The record item of a policy ARN (`kind` 'p') or a service principal
 * (`kind` 's'): kind + 8 hex digits of sha256(name). */
void iam_patch_item(char out[IAM_PATCH_ITEM_LEN + 1], char kind, const char *name);

/* Parse a record tag value into its items (appended to `out`, empty on
 * entry). An empty value is no items. FCC_EPARSE when an item is not
 * [ps]<8 lowercase hex> ("fcc:patch tag: bad item 'x'"); FCC_ENOMEM. On
 * failure `out` is disposed. */
int iam_patch_decode(kv_strs *out, const char *value, fcc_err *e);

/* The tag value of `items`: sorted, duplicates dropped, space-separated, in
 * *out (caller frees with fcc_free); NULL when there are no items. FCC_OK;
 * FCC_ECONFLICT when it would exceed IAM_PATCH_VALUE_MAX; FCC_ENOMEM. */
int iam_patch_encode(char **out, const kv_strs *items, fcc_err *e);

/* Non-zero when a record on the role other than `self_key` holds `item`
 * (records that do not parse count as holding nothing). */
int iam_patch_claimed_by_others(const kv_tags *records, const char *self_key, const char *item);

/* The services of fcc's trust statement (Sid DIFF_TRUST_SID) in `doc` (may
 * be NULL), appended to `out`. FCC_OK or FCC_ENOMEM. */
int iam_patch_fcc_services(kv_strs *out, const json_t *doc);

/* The services fcc's trust statement must keep for this spec: the spec's
 * own plus those already in the statement that another project's record
 * holds (diff_trust_merge would otherwise drop them). Appended to `out`.
 * FCC_OK or FCC_ENOMEM. */
int iam_patch_services(kv_strs *out, const state_role *have, const desired_role *want,
		       const char *self_key);

/* This project's record after the apply: of the policies attached after it
 * (have's plus `attach`) and the services of fcc's statement in `trust_after`
 * (the merged document; NULL: have's), every one that this project's record
 * already holds, that the apply adds (`attach`, `added`), or that the spec
 * asks for and another record holds. *out as iam_patch_encode (NULL: no
 * record). FCC_OK; FCC_EPARSE when this project's record does not parse;
 * FCC_ECONFLICT when it would not fit; FCC_ENOMEM. */
int iam_patch_record_after(char **out, const state_role *have, const desired_role *want,
			   const char *self_key, const kv_strs *attach, const json_t *trust_after,
			   const kv_strs *added, fcc_err *e);

/* What destroy takes back on one role: the attached policies (`detach`) and
 * the services of fcc's trust statement (`untrust`) this project's record
 * holds and no other record does, and *trust_after, the trust policy without
 * those services (fcc's statement dropped when it ends empty; NULL when the
 * policy does not change; caller decrefs). Lists appended to (empty on
 * entry). FCC_OK (nothing when this project has no record); FCC_EPARSE when
 * its record does not parse; FCC_ENOMEM. On failure the outputs are empty. */
int iam_patch_undo(kv_strs *detach, kv_strs *untrust, json_t **trust_after, const state_role *have,
		   const char *self_key, fcc_err *e);

#endif
