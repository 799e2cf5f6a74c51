"""provisioning.py — the Service Catalog provisioned product behind a SageMaker project, and
its CloudFormation stack, for the fcc test endpoint.

In AWS, SageMaker CreateProject provisions the project's Service Catalog product
(ProvisionProduct); Service Catalog then creates a CloudFormation stack named
`SC-<account>-<provisioned product id>` (the id is `pp-` + 13 characters) whose events show
the product template's resources being created. UpdateProject updates that provisioned
product (a stack update); DeleteProject terminates it (the stack is deleted).

Emulation choices:
  * The stack is a real moto stack (moto.cloudformation.models.cloudformation_backends), so
    moto's own DescribeStacks and DescribeStackEvents answer for it. moto cannot create the
    product template's resources (it does not know AWS::CodeCommit::Repository, CodeBuild,
    CodePipeline...; CreateStack fails with "GetAtt references undefined resource"), so the
    stack is created from a stand-in template with one AWS::CloudFormation::WaitConditionHandle
    (a no-op type moto accepts, moto/cloudformation/parsing.py NULL_MODELS) per resource of the
    artifact's template, under the same logical ids.
  * moto emits no resource events for those no-op resources, so the stack's event list
    (moto's Event objects in stack.events) is written here: the stack-level and resource-level
    events CloudFormation would write, with the ORIGINAL resource types from the artifact's
    template, so DescribeStackEvents names real logical ids and types.
  * The artifact's template is read from moto's S3 (the artifact's LoadTemplateFromURL,
    https://BUCKET.s3.REGION.amazonaws.com/KEY or path style). When it cannot be read (tests
    that make products with made-up URLs), the stack has stack-level events only.
  * Provisioning is released in three parts so a follower sees events arrive across polls:
    the first third of the events at CreateProject/UpdateProject, the second at the next
    DescribeProject (the project is still Pending / UpdateInProgress), the rest at the one
    after, which then reports the terminal status (CreateCompleted, UpdateCompleted, or
    CreateFailed / UpdateFailed). A project is thus followed through exactly one non-terminal
    DescribeProject, as before this module existed.
  * Failure: the test-only route POST /__fcc/sagemaker/fail-next-provisioning
    {"LogicalResourceId": L, "Reason": R} makes the next provisioning (create or update) in that
    account and region fail at resource L: L gets CREATE_FAILED (UPDATE_FAILED) with reason R,
    the resource after it (if any) "Resource creation cancelled" (a knock-on failure, as
    resources in flight get), then the stack rolls back (ROLLBACK_IN_PROGRESS ... ROLLBACK_COMPLETE,
    or UPDATE_ROLLBACK_*). The provisioned product becomes ERROR (create) or TAINTED (update:
    "the stack rolled back to the current version", Service Catalog's own definition), its
    StatusMessage the stack's status reason; SageMaker reports CreateFailed / UpdateFailed with
    ServiceCatalogProvisionedProductDetails.ProvisionedProductStatusMessage = that message.
  * Stack name: the test-only route POST /__fcc/sagemaker/next-stack-name {"Prefix": P} makes
    the next provisioning name its stack P-<provisioned product id> instead of Service
    Catalog's SC-<account>-<id>, so a client that looks the stack up by that name must fall
    back to SearchProvisionedProducts' PhysicalId.
  * Service Catalog DescribeProvisionedProduct (by Id or Name) and SearchProvisionedProducts
    (Filters SearchQuery "id:X" / "name:X" / "physicalId:X" terms, AND-ed; any
    AccessLevelFilter) answer from this state. Per botocore's model only
    SearchProvisionedProducts' ProvisionedProductAttribute has PhysicalId (the stack ARN);
    DescribeProvisionedProduct's ProvisionedProductDetail has none.
"""

import json
import re
import warnings

import yaml
from moto.cloudformation.models import Event, cloudformation_backends
from moto.servicecatalog.models import servicecatalog_backends

from .core import ApiError, ext_state, new_id, now, paginate, register, register_test_route

SC = "servicecatalog"
CHUNKS = 3


class _State:
    def __init__(self):
        self.products = {}  # provisioned product id -> record
        self.fail_next = None  # {"LogicalResourceId", "Reason"}
        self.next_stack_prefix = None  # the next stack is <prefix>-<ppid>, not SC-<account>-<ppid>


def _state(account, region):
    return ext_state(servicecatalog_backends[account][region], "provisioned", _State)


def _cfn(account, region):
    return cloudformation_backends[account][region]


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form intrinsics (!Sub, !GetAtt...) read as plain nodes."""


def _any_tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_Loader.add_multi_constructor("!", _any_tag)


def template_resources(account, artifact):
    """[(logical id, type)] of the artifact's template, read from moto's S3; [] if unreadable."""
    from moto.s3.models import s3_backends

    url = (artifact.get("Info") or {}).get("LoadTemplateFromURL") or ""
    m = re.match(r"^https://([^/.]+)\.s3[.-][^/]*amazonaws\.com/(.+)$", url) or re.match(
        r"^https://s3[.-][^/]*amazonaws\.com/([^/]+)/(.+)$", url
    )
    if not m:
        return []
    from urllib.parse import unquote

    try:
        key = s3_backends[account]["aws"].get_object(m.group(1), unquote(m.group(2)))
        doc = yaml.load(key.value.decode("utf-8"), Loader=_Loader) if key is not None else None
    except Exception:  # a missing bucket or a template that is not YAML: nothing to show
        return []
    res = doc.get("Resources") if isinstance(doc, dict) else None
    if not isinstance(res, dict):
        return []
    return [(k, str(v.get("Type", "AWS::CloudFormation::CustomResource"))) for k, v in res.items() if isinstance(v, dict)]


def _stand_in(resources):
    body = {"Resources": {lid: {"Type": "AWS::CloudFormation::WaitConditionHandle"} for lid, _ in resources}}
    if not resources:
        body["Resources"] = {}
    return json.dumps(body)


def _script(stack_name, resources, op, fail):
    """The events (logical id, type, status, reason) CloudFormation writes for `op` (CREATE or
    UPDATE) of a stack with `resources`, failing at fail["LogicalResourceId"] when `fail`."""
    stack = (stack_name, "AWS::CloudFormation::Stack")
    ev = [stack + (f"{op}_IN_PROGRESS", "User Initiated")]
    done = []
    at = fail["LogicalResourceId"] if fail else None
    for i, (lid, rtype) in enumerate(resources):
        ev.append((lid, rtype, f"{op}_IN_PROGRESS", None))
        if lid == at:
            ev.append((lid, rtype, f"{op}_IN_PROGRESS", "Resource creation Initiated" if op == "CREATE" else None))
            failed = [lid]
            nxt = resources[i + 1] if i + 1 < len(resources) else None
            if nxt:  # in flight at the same time: cancelled
                ev.append((nxt[0], nxt[1], f"{op}_IN_PROGRESS", None))
            ev.append((lid, rtype, f"{op}_FAILED", fail["Reason"]))
            if nxt:
                ev.append((nxt[0], nxt[1], f"{op}_FAILED", "Resource creation cancelled" if op == "CREATE" else "Resource update cancelled"))
                failed.append(nxt[0])
            verb = "create" if op == "CREATE" else "update"
            reason = f"The following resource(s) failed to {verb}: [{', '.join(sorted(failed))}]. "
            if op == "CREATE":
                ev.append(stack + ("ROLLBACK_IN_PROGRESS", reason + "Rollback requested by user."))
                for d_lid, d_type in reversed(done + [(lid, rtype)] + ([nxt] if nxt else [])):
                    ev.append((d_lid, d_type, "DELETE_IN_PROGRESS", None))
                    ev.append((d_lid, d_type, "DELETE_COMPLETE", None))
                ev.append(stack + ("ROLLBACK_COMPLETE", None))
                return ev, "ROLLBACK_COMPLETE", reason + "Rollback requested by user."
            ev.append(stack + ("UPDATE_ROLLBACK_IN_PROGRESS", reason))
            for d_lid, d_type in reversed(done):
                ev.append((d_lid, d_type, "UPDATE_IN_PROGRESS", None))
                ev.append((d_lid, d_type, "UPDATE_COMPLETE", None))
            ev.append(stack + ("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", None))
            ev.append(stack + ("UPDATE_ROLLBACK_COMPLETE", None))
            return ev, "UPDATE_ROLLBACK_COMPLETE", reason
        ev.append((lid, rtype, f"{op}_COMPLETE", None))
        done.append((lid, rtype))
    if at is not None:
        raise ApiError("ValidationException", f"no resource {at} in the product's template")
    if op == "UPDATE":
        ev.append(stack + ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", None))
    ev.append(stack + (f"{op}_COMPLETE", None))
    return ev, f"{op}_COMPLETE", None


def _split(events):
    n = len(events)
    cuts = [round(n * (i + 1) / CHUNKS) for i in range(CHUNKS)]
    out, start = [], 0
    for c in cuts:
        out.append(events[start:c])
        start = c
    return out


def _release(rec):
    """Write the next part of the scripted events onto the moto stack; True when none are left."""
    stack = _cfn(rec["Account"], rec["Region"]).get_stack(rec["PhysicalId"])
    part = rec["pending"].pop(0) if rec["pending"] else []
    for lid, rtype, status, reason in part:
        physical = stack.stack_id if rtype == "AWS::CloudFormation::Stack" else f"{rec['StackName']}-{lid}"
        stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=lid,
                                  physical_resource_id=physical, resource_type=rtype, resource_status=status,
                                  resource_status_reason=reason, resource_properties=None))
        if rtype == "AWS::CloudFormation::Stack":
            stack.status = status
    return not rec["pending"]


def _start(rec, op, resources):
    st = _state(rec["Account"], rec["Region"])
    fail, st.fail_next = st.fail_next, None
    events, final, reason = _script(rec["StackName"], resources, op, fail)
    rec["pending"] = _split(events)
    rec["final"] = (final, reason, op)
    rec["Status"] = "UNDER_CHANGE"
    rec["StatusMessage"] = ""
    _release(rec)


def provision(account, region, product, artifact, name, token=None):
    """ProvisionProduct as SageMaker asks for it: a new provisioned product and its stack.
    Returns the record (its Id is the ProvisionedProductId)."""
    st = _state(account, region)
    ppid = new_id("pp-")
    stack_name = f"SC-{account}-{ppid}"
    if st.next_stack_prefix:  # test route: a stack not named the way Service Catalog names it
        stack_name, st.next_stack_prefix = f"{st.next_stack_prefix}-{ppid}", None
    resources = template_resources(account, artifact)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # moto warns about WaitConditionHandle, which it ignores
        stack = _cfn(account, region).create_stack(stack_name, _stand_in(resources), {})
    stack.events = []
    rec = {
        "Account": account,
        "Region": region,
        "Id": ppid,
        "Name": name,
        "Arn": f"arn:aws:servicecatalog:{region}:{account}:stack/{name}/{ppid}",
        "Type": "CFN_STACK",
        "CreatedTime": now(),
        "IdempotencyToken": token or new_id("", 32),
        "LastRecordId": new_id("rec-"),
        "ProductId": product.id,
        "ProductName": product.name,
        "ProvisioningArtifactId": artifact["Id"],
        "ProvisioningArtifactName": artifact.get("Name"),
        "PhysicalId": stack.stack_id,
        "StackName": stack_name,
        "resources": resources,
    }
    st.products[ppid] = rec
    _start(rec, "CREATE", resources)
    return rec


def update(account, region, ppid, artifact):
    """UpdateProvisionedProduct to `artifact`: the stack is updated."""
    rec = _state(account, region).products[ppid]
    resources = template_resources(account, artifact) or rec["resources"]
    rec["ProvisioningArtifactId"] = artifact["Id"]
    rec["ProvisioningArtifactName"] = artifact.get("Name")
    rec["LastRecordId"] = new_id("rec-")
    rec["resources"] = resources
    _start(rec, "UPDATE", resources)


def advance(account, region, ppid):
    """One DescribeProject's worth of provisioning. Returns None while it goes on, else
    (succeeded, status message)."""
    rec = _state(account, region).products.get(ppid)
    if rec is None or rec["Status"] != "UNDER_CHANGE":
        return None if rec is None else (rec["Status"] == "AVAILABLE", rec["StatusMessage"])
    if not _release(rec):
        return None
    final, reason, op = rec["final"]
    ok = final.endswith("_COMPLETE") and "ROLLBACK" not in final
    rec["Status"] = "AVAILABLE" if ok else ("ERROR" if op == "CREATE" else "TAINTED")
    rec["StatusMessage"] = "" if ok else (reason or final)
    return ok, rec["StatusMessage"]


def terminate(account, region, ppid):
    """TerminateProvisionedProduct: the stack is deleted (idempotent)."""
    rec = _state(account, region).products.pop(ppid, None)
    if rec is not None:
        try:
            _cfn(account, region).delete_stack(rec["PhysicalId"])
        except Exception:  # already gone
            pass


_DETAIL = ("Name", "Arn", "Type", "Id", "Status", "StatusMessage", "CreatedTime", "IdempotencyToken",
           "LastRecordId", "ProductId", "ProvisioningArtifactId")
_ATTRIBUTE = _DETAIL + ("PhysicalId", "ProductName", "ProvisioningArtifactName")


def _public(rec, keys):
    return {k: rec[k] for k in keys if rec.get(k) not in (None, "")}


@register(SC, "DescribeProvisionedProduct")
def describe_provisioned_product(req):
    st = _state(req.account, req.region)
    p = req.params
    if bool(p.get("Id")) == bool(p.get("Name")):
        raise ApiError("InvalidParametersException", "Exactly one of Id or Name is required")
    rec = st.products.get(p["Id"]) if p.get("Id") else next(
        (r for r in st.products.values() if r["Name"] == p["Name"]), None)
    if rec is None:
        raise ApiError("ResourceNotFoundException", f"Provisioned product {p.get('Id') or p.get('Name')} not found.")
    return {"ProvisionedProductDetail": _public(rec, _DETAIL), "CloudWatchDashboards": []}


_TERM = re.compile(r"^(id|name|physicalId|productId|status):(.+)$")


@register(SC, "SearchProvisionedProducts")
def search_provisioned_products(req):
    st = _state(req.account, req.region)
    p = req.params
    terms = []
    for q in (p.get("Filters") or {}).get("SearchQuery", []):
        for part in q.split():
            m = _TERM.match(part)
            if not m:
                raise ApiError("InvalidParametersException", f"unsupported search term {part}")
            terms.append((m.group(1)[0].upper() + m.group(1)[1:], m.group(2)))
    items = [r for r in st.products.values() if all(str(r.get(k)) == v for k, v in terms)]
    items.sort(key=lambda r: r["CreatedTime"], reverse=p.get("SortOrder") == "DESCENDING")
    page, nxt = paginate(req, [_public(r, _ATTRIBUTE) for r in items], p.get("PageToken"), p.get("PageSize"), 20)
    return {"ProvisionedProducts": page, "TotalResultsCount": len(items), "NextPageToken": nxt}


@register_test_route("/__fcc/sagemaker/fail-next-provisioning")
def fail_next(body, account, region):
    """Test-only: the next project provisioning in this account/region fails at a resource."""
    lid, reason = body["LogicalResourceId"], body["Reason"]
    if not isinstance(lid, str) or not isinstance(reason, str) or not lid:
        raise ApiError("BadRequest", "LogicalResourceId and Reason must be strings")
    _state(account, region).fail_next = {"LogicalResourceId": lid, "Reason": reason}
    return {"armed": True}


@register_test_route("/__fcc/sagemaker/next-stack-name")
def next_stack_name(body, account, region):
    """Test-only: the next project provisioning names its stack <Prefix>-<ppid>, so a client
    that finds the stack by Service Catalog's usual name must fall back to
    SearchProvisionedProducts' PhysicalId."""
    prefix = body.get("Prefix")
    if not isinstance(prefix, str) or not prefix:
        raise ApiError("BadRequest", "Prefix must be a non-empty string")
    _state(account, region).next_stack_prefix = prefix
    return {"armed": True}
