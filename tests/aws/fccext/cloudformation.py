"""cloudformation.py — CloudFormation drift detection and seeded stack failures for the fcc
test endpoint.

moto 5.2.1 has no drift operations. DetectStackDrift here compares each resource of a moto
stack (moto.cloudformation.models.cloudformation_backends[account][region]) with nothing at
all — moto never changes resources behind a stack's back — so every resource is IN_SYNC
unless a test marked it drifted through the test-only route POST /__fcc/cloudformation/drift.
Detection runs synchronously, but the first DescribeStackDriftDetectionStatus reports
DETECTION_IN_PROGRESS so a poller sees a non-terminal state once.

moto 5.2.1 never fails a resource either ("TODO: handle execution errors and implement
rollback", moto/cloudformation/models.py execute_change_set): a stack whose create fails,
rolls back and ends ROLLBACK_COMPLETE cannot happen there. ExecuteChangeSet is therefore
answered here: moto's own execute_change_set does the work, unless a test seeded a failure
for the stack through POST /__fcc/cloudformation/fail; the next CREATE execution of that
stack then writes the events CloudFormation would (stack CREATE_IN_PROGRESS, the resource
CREATE_IN_PROGRESS then CREATE_FAILED with the reason, stack ROLLBACK_IN_PROGRESS, the
resource DELETE_COMPLETE, stack ROLLBACK_COMPLETE), creates nothing, and leaves the stack
ROLLBACK_COMPLETE, as AWS does after a failed first create.
"""

import json
import uuid

from moto.cloudformation.exceptions import ValidationError as MotoValidationError
from moto.cloudformation.models import Event, cloudformation_backends

from .core import ApiError, ext_state, now, paginate, register, register_test_route

SVC = "cloudformation"
INVALID = "ValidationError"


class _State:
    def __init__(self):
        self.overrides = {}  # (stack id, logical id) -> seeded drift
        self.detections = {}  # detection id -> dict
        self.results = {}  # stack id -> [resource drift], from the latest detection
        self.failures = {}  # stack name -> seeded failure of its next CREATE execution


def _ctx(account, region):
    be = cloudformation_backends[account][region]
    return be, ext_state(be, "drift", _State)


def _stack(be, name):
    try:
        return be.get_stack(name)
    except MotoValidationError:
        raise ApiError(INVALID, f"Stack with id {name} does not exist")


def _resources(stack):
    """(logical id, type, physical id, properties) for each resource of the stack's template."""
    # A stack created by a change set starts empty and is updated on execution: moto then
    # keeps the live template on its resource map, not in stack.template_dict.
    template = getattr(stack.resource_map, "_template", None)
    if not isinstance(template, dict) or not template.get("Resources"):
        template = stack.template_dict if isinstance(stack.template_dict, dict) else {}
    out = []
    for logical, body in (template.get("Resources") or {}).items():
        res = stack.resource_map._parsed_resources.get(logical)
        physical = getattr(res, "physical_resource_id", None) if res is not None else None
        out.append((logical, body.get("Type", "AWS::CloudFormation::CustomResource"), physical, body.get("Properties", {})))
    return out


@register(SVC, "DetectStackDrift")
def detect_stack_drift(req):
    be, st = _ctx(req.account, req.region)
    stack = _stack(be, req.params["StackName"])
    if stack.status.endswith("_IN_PROGRESS") or stack.status == "REVIEW_IN_PROGRESS" or stack.status.startswith("DELETE"):
        raise ApiError(INVALID, f"Drift detection is not supported for a stack in status {stack.status}")
    wanted = req.params.get("LogicalResourceIds")
    resources = _resources(stack)
    known = {r[0] for r in resources}
    for lid in wanted or []:
        if lid not in known:
            raise ApiError(INVALID, f"Resource {lid} does not exist in stack {stack.name}")
    stamp = now()
    results = []
    for logical, rtype, physical, props in resources:
        if wanted and logical not in wanted:
            continue
        seeded = st.overrides.get((stack.stack_id, logical), {})
        expected = json.dumps(props, sort_keys=True)
        rec = {
            "StackId": stack.stack_id,
            "LogicalResourceId": logical,
            "PhysicalResourceId": physical,
            "ResourceType": rtype,
            "ExpectedProperties": expected,
            "ActualProperties": seeded.get("ActualProperties", expected),
            "PropertyDifferences": seeded.get("PropertyDifferences", []),
            "StackResourceDriftStatus": seeded.get("Status", "IN_SYNC"),
            "Timestamp": stamp,
        }
        if rec["StackResourceDriftStatus"] == "DELETED":
            rec.pop("ActualProperties")
        results.append(rec)
    st.results[stack.stack_id] = results
    drifted = sum(1 for r in results if r["StackResourceDriftStatus"] in ("MODIFIED", "DELETED"))
    det_id = str(uuid.uuid4())
    st.detections[det_id] = {
        "StackId": stack.stack_id,
        "StackDriftDetectionId": det_id,
        "StackDriftStatus": "DRIFTED" if drifted else "IN_SYNC",
        "DetectionStatus": "DETECTION_COMPLETE",
        "DriftedStackResourceCount": drifted,
        "Timestamp": stamp,
        "_polled": False,
    }
    return {"StackDriftDetectionId": det_id}


@register(SVC, "DescribeStackDriftDetectionStatus")
def describe_stack_drift_detection_status(req):
    _, st = _ctx(req.account, req.region)
    det = st.detections.get(req.params["StackDriftDetectionId"])
    if det is None:
        raise ApiError(INVALID, f"Drift detection {req.params['StackDriftDetectionId']} does not exist")
    out = {k: v for k, v in det.items() if not k.startswith("_")}
    if not det["_polled"]:
        det["_polled"] = True
        out = {"StackId": det["StackId"], "StackDriftDetectionId": det["StackDriftDetectionId"],
               "DetectionStatus": "DETECTION_IN_PROGRESS", "Timestamp": det["Timestamp"]}
    return out


@register(SVC, "DescribeStackResourceDrifts")
def describe_stack_resource_drifts(req):
    be, st = _ctx(req.account, req.region)
    p = req.params
    stack = _stack(be, p["StackName"])
    items = list(st.results.get(stack.stack_id, []))
    if p.get("StackResourceDriftStatusFilters"):
        items = [r for r in items if r["StackResourceDriftStatus"] in p["StackResourceDriftStatusFilters"]]
    page, nxt = paginate(req, items, p.get("NextToken"), p.get("MaxResults"), 100)
    return {"StackResourceDrifts": page, "NextToken": nxt}


@register_test_route("/__fcc/cloudformation/drift")
def seed_drift(body, account, region):
    """Test-only: mark one resource of a stack drifted for the next DetectStackDrift."""
    be, st = _ctx(account, region)
    stack = _stack(be, body["StackName"])
    logical = body["LogicalResourceId"]
    if logical not in {r[0] for r in _resources(stack)}:
        raise ApiError(INVALID, f"Resource {logical} does not exist in stack {stack.name}")
    status = body.get("Status", "MODIFIED")
    if status not in ("IN_SYNC", "MODIFIED", "DELETED", "NOT_CHECKED"):
        raise ApiError(INVALID, f"bad drift status {status}")
    seeded = {"Status": status}
    if "ActualProperties" in body:
        seeded["ActualProperties"] = json.dumps(body["ActualProperties"], sort_keys=True)
    diffs = body.get("PropertyDifferences", [])
    for d in diffs:
        if set(d) != {"PropertyPath", "ExpectedValue", "ActualValue", "DifferenceType"}:
            raise ApiError(INVALID, "PropertyDifferences entries need PropertyPath, ExpectedValue, ActualValue, DifferenceType")
    seeded["PropertyDifferences"] = diffs
    st.overrides[(stack.stack_id, logical)] = seeded
    return {"StackId": stack.stack_id}


def _event(stack, logical, rtype, status, reason=None, physical=""):
    stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name,
                              logical_resource_id=logical, physical_resource_id=physical,
                              resource_type=rtype, resource_status=status,
                              resource_status_reason=reason, resource_properties=None))


@register(SVC, "ExecuteChangeSet")
def execute_change_set(req):
    be, st = _ctx(req.account, req.region)
    p = req.params
    try:
        cs = be.describe_change_set(p["ChangeSetName"])
    except MotoValidationError:
        raise ApiError("ChangeSetNotFound", f"ChangeSet [{p['ChangeSetName']}] does not exist")
    if cs.execution_status != "AVAILABLE":
        raise ApiError("InvalidChangeSetStatus",
                       f"ChangeSet [{cs.change_set_id}] cannot be executed in its current status of [{cs.status}]")
    failure = st.failures.get(cs.stack_name) if cs.change_set_type == "CREATE" else None
    if failure is None:
        be.execute_change_set(p["ChangeSetName"], p.get("StackName"))
        return {}
    del st.failures[cs.stack_name]
    stack = be.stacks[cs.stack_id]
    logical = failure["LogicalResourceId"]
    rtype = failure.get("ResourceType", "AWS::S3::Bucket")
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    _event(stack, logical, rtype, "CREATE_IN_PROGRESS")
    _event(stack, logical, rtype, "CREATE_FAILED", failure["Reason"])
    stack._add_stack_event("ROLLBACK_IN_PROGRESS",
                           resource_status_reason="The following resource(s) failed to create: "
                                                  f"[{logical}]. Rollback requested by user.")
    _event(stack, logical, rtype, "DELETE_COMPLETE")
    stack._add_stack_event("ROLLBACK_COMPLETE")
    stack.status = "ROLLBACK_COMPLETE"
    stack.template = cs.template
    cs.execution_status = "EXECUTE_FAILED"
    return {}


@register_test_route("/__fcc/cloudformation/fail")
def seed_failure(body, account, region):
    """Test-only: the next CREATE execution of StackName fails on LogicalResourceId."""
    _, st = _ctx(account, region)
    if not body.get("StackName") or not body.get("LogicalResourceId") or not body.get("Reason"):
        raise ApiError(INVALID, "StackName, LogicalResourceId and Reason are required")
    st.failures[body["StackName"]] = dict(body)
    return {"StackName": body["StackName"]}
