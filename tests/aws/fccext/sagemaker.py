"""sagemaker.py — SageMaker Projects and pipeline execution steps for the fcc test endpoint.

Projects are kept next to moto's SageMaker backend (ext_state on
moto.sagemaker.models.sagemaker_backends[account][region]); CreateProject checks the Service
Catalog product and provisioning artifact in moto's Service Catalog backend of the same
account and region, as SageMaker does when it provisions the project's product. Provisioning
itself — the Service Catalog provisioned product and its CloudFormation stack, with stack
events, and failures armed through a test route — is provisioning.py's: CreateProject
provisions, each DescribeProject moves it on (one non-terminal answer, then the end),
UpdateProject updates the stack (also allowed after UpdateFailed: the project still runs its
previous version), DeleteProject terminates it.

ListPipelineExecutionSteps reads moto's pipelines and executions (moto 5.2.1 marks every
execution Succeeded at start, moto/sagemaker/models.py FakePipelineExecution) and reports one
Succeeded step per top-level step of the execution's pipeline definition.
"""

import json
import re

from moto.core.exceptions import ServiceException
from moto.sagemaker.models import sagemaker_backends

from . import provisioning, servicecatalog
from .core import ApiError, TokenStore, ext_state, new_id, now, paginate, register

SVC = "sagemaker"
VALIDATION = "ValidationException"


def _ctx(req):
    be = sagemaker_backends[req.account][req.region]
    return be, ext_state(be, "projects", dict)


def _project(st, name):
    proj = st.get(name)
    if proj is None:
        raise ApiError(VALIDATION, f"Project {name} does not exist.")
    return proj


@register(SVC, "CreateProject")
def create_project(req):
    _, st = _ctx(req)
    p = req.params
    name = p["ProjectName"]
    if not re.match(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$", name):
        raise ApiError(VALIDATION, f"Value '{name}' at 'projectName' failed to satisfy the name pattern")
    if name in st:
        raise ApiError(VALIDATION, f"Project {name} already exists.")
    if p.get("TemplateProviders"):
        raise ApiError(VALIDATION, "TemplateProviders are not supported by the fcc test endpoint")
    details = p.get("ServiceCatalogProvisioningDetails")
    if not details:
        raise ApiError(VALIDATION, "ServiceCatalogProvisioningDetails is required")
    product, artifact = servicecatalog.find_artifact(
        req.account, req.region, details["ProductId"], details.get("ProvisioningArtifactId")
    )
    if product is None:
        raise ApiError(VALIDATION, f"Product {details['ProductId']} does not exist or access was denied")
    if artifact is None:
        which = details.get("ProvisioningArtifactId") or "(default)"
        raise ApiError(
            VALIDATION,
            f"Provisioning artifact {which} of product {details['ProductId']} does not exist or access was denied",
        )
    if not artifact["Active"]:
        raise ApiError(VALIDATION, f"Provisioning artifact {artifact['Id']} is not active")
    created = now()
    # SageMaker provisions the product through Service Catalog: a provisioned product and its
    # CloudFormation stack (provisioning.py), followed by DescribeProject
    project_id = new_id("p-", 12)
    pp = provisioning.provision(req.account, req.region, product, artifact, f"sagemaker-{name}-{project_id}")
    proj = {
        "ProjectArn": f"arn:aws:sagemaker:{req.region}:{req.account}:project/{name}",
        "ProjectName": name,
        "ProjectId": project_id,
        "ProjectDescription": p.get("ProjectDescription"),
        "ServiceCatalogProvisioningDetails": dict(details, ProvisioningArtifactId=artifact["Id"]),
        "ServiceCatalogProvisionedProductDetails": {
            "ProvisionedProductId": pp["Id"],
            "ProvisionedProductStatusMessage": "",
        },
        "ProjectStatus": "Pending",
        "CreationTime": created,
        "LastModifiedTime": created,
        "Tags": p.get("Tags", []),
    }
    st[name] = proj
    return {"ProjectArn": proj["ProjectArn"], "ProjectId": proj["ProjectId"]}


@register(SVC, "DescribeProject")
def describe_project(req):
    _, st = _ctx(req)
    proj = _project(st, req.params["ProjectName"])
    # Each describe moves the provisioning on (provisioning.advance): the first still shows
    # the project Pending (UpdateInProgress), the second its end, so a poller sees one
    # non-terminal state before CreateCompleted / UpdateCompleted (or *Failed).
    if proj["ProjectStatus"] in ("Pending", "UpdateInProgress"):
        end = provisioning.advance(req.account, req.region,
                                   proj["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"])
        if end is not None:
            creating = proj["ProjectStatus"] == "Pending"
            ok, message = end
            proj["ProjectStatus"] = ("Create" if creating else "Update") + ("Completed" if ok else "Failed")
            proj["LastModifiedTime"] = now()
            proj["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductStatusMessage"] = (
                "AVAILABLE" if ok else message)
    return {k: (dict(v) if isinstance(v, dict) else v) for k, v in proj.items() if k != "Tags"}


@register(SVC, "UpdateProject")
def update_project(req):
    """A new product version for the project (or a new description): the
    provisioned product is updated, UpdateInProgress until the next
    DescribeProject, as CreateProject's Pending is."""
    _, st = _ctx(req)
    p = req.params
    proj = _project(st, p["ProjectName"])
    if p.get("TemplateProvidersToUpdate"):
        raise ApiError(VALIDATION, "TemplateProviders are not supported by the fcc test endpoint")
    # after a failed update the project still runs its previous version and can be updated
    if proj["ProjectStatus"] not in ("CreateCompleted", "UpdateCompleted", "UpdateFailed"):
        raise ApiError(VALIDATION, f"Project {proj['ProjectName']} is {proj['ProjectStatus']} and cannot be updated.")
    details = p.get("ServiceCatalogProvisioningUpdateDetails") or {}
    if details.get("ProvisioningArtifactId"):
        prod_id = proj["ServiceCatalogProvisioningDetails"]["ProductId"]
        _, artifact = servicecatalog.find_artifact(req.account, req.region, prod_id, details["ProvisioningArtifactId"])
        if artifact is None:
            raise ApiError(
                VALIDATION,
                f"Provisioning artifact {details['ProvisioningArtifactId']} of product {prod_id} does not exist or access was denied",
            )
        if not artifact["Active"]:
            raise ApiError(VALIDATION, f"Provisioning artifact {artifact['Id']} is not active")
        proj["ServiceCatalogProvisioningDetails"] = dict(proj["ServiceCatalogProvisioningDetails"],
                                                         ProvisioningArtifactId=artifact["Id"])
        provisioning.update(req.account, req.region,
                            proj["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"], artifact)
    if "ProjectDescription" in p:
        proj["ProjectDescription"] = p["ProjectDescription"]
    proj["ProjectStatus"] = "UpdateInProgress"
    proj["LastModifiedTime"] = now()
    return {"ProjectArn": proj["ProjectArn"]}


@register(SVC, "ListProjects")
def list_projects(req):
    _, st = _ctx(req)
    p = req.params
    items = list(st.values())
    if p.get("NameContains"):
        items = [x for x in items if p["NameContains"] in x["ProjectName"]]
    if "CreationTimeAfter" in p:
        items = [x for x in items if x["CreationTime"].timestamp() > float(p["CreationTimeAfter"])]
    if "CreationTimeBefore" in p:
        items = [x for x in items if x["CreationTime"].timestamp() < float(p["CreationTimeBefore"])]
    key = "ProjectName" if p.get("SortBy") == "Name" else "CreationTime"
    items.sort(key=lambda x: x[key], reverse=p.get("SortOrder", "Descending") == "Descending")
    summaries = [
        {k: x[k] for k in ("ProjectName", "ProjectDescription", "ProjectArn", "ProjectId", "CreationTime", "ProjectStatus")}
        for x in items
    ]
    page, nxt = paginate(req, summaries, p.get("NextToken"), p.get("MaxResults"), 10)
    return {"ProjectSummaryList": page, "NextToken": nxt}


@register(SVC, "DeleteProject")
def delete_project(req):
    _, st = _ctx(req)
    proj = _project(st, req.params["ProjectName"])
    # Service Catalog terminates the provisioned product: its stack is deleted
    provisioning.terminate(req.account, req.region,
                           proj["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"])
    del st[req.params["ProjectName"]]
    return {}


# ---------------------------------------------------------------- pipeline idempotency
# moto 5.2.1 ignores ClientRequestToken (moto/sagemaker/models.py create_pipeline,
# start_pipeline_execution): a retried CreatePipeline fails with "names must be unique" and a
# retried StartPipelineExecution starts a second execution. SageMaker completes an
# idempotent call no more than once, so the retry gets the first answer back.


def _moto_call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except ServiceException as e:
        raise ApiError(e.code, getattr(e, "message", str(e)))


@register(SVC, "CreatePipeline")
def create_pipeline(req):
    be, _ = _ctx(req)
    tokens = ext_state(be, "tokens", TokenStore)
    p = req.params
    arn = tokens.lookup("CreatePipeline", p["ClientRequestToken"], p, VALIDATION)
    if arn is None:
        pipe = _moto_call(
            be.create_pipeline,
            pipeline_name=p["PipelineName"],
            pipeline_display_name=p.get("PipelineDisplayName"),
            pipeline_definition=p.get("PipelineDefinition"),
            pipeline_definition_s3_location=p.get("PipelineDefinitionS3Location"),
            pipeline_description=p.get("PipelineDescription"),
            role_arn=p["RoleArn"],
            tags=p.get("Tags"),
            parallelism_configuration=p.get("ParallelismConfiguration"),
        )
        arn = pipe.arn
        tokens.store("CreatePipeline", p["ClientRequestToken"], p, arn)
    return {"PipelineArn": arn}


@register(SVC, "StartPipelineExecution")
def start_pipeline_execution(req):
    be, _ = _ctx(req)
    tokens = ext_state(be, "tokens", TokenStore)
    p = req.params
    arn = tokens.lookup("StartPipelineExecution", p["ClientRequestToken"], p, VALIDATION)
    if arn is None:
        arn = _moto_call(
            be.start_pipeline_execution,
            pipeline_name=p["PipelineName"],
            pipeline_execution_display_name=p.get("PipelineExecutionDisplayName"),
            pipeline_parameters=p.get("PipelineParameters"),
            pipeline_execution_description=p.get("PipelineExecutionDescription"),
            parallelism_configuration=p.get("ParallelismConfiguration"),
            client_request_token=p["ClientRequestToken"],
        )["PipelineExecutionArn"]
        tokens.store("StartPipelineExecution", p["ClientRequestToken"], p, arn)
    return {"PipelineExecutionArn": arn}


# ---------------------------------------------------------------- pipeline execution steps

_JOB_METADATA = {
    "Processing": ("ProcessingJob", "processing-job"),
    "Training": ("TrainingJob", "training-job"),
    "Transform": ("TransformJob", "transform-job"),
    "Tuning": ("TuningJob", "hyper-parameter-tuning-job"),
    "Model": ("Model", "model"),
    "RegisterModel": ("RegisterModel", "model-package"),
}


def _steps_of(definition):
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except ValueError:
            return []
    if not isinstance(definition, dict):
        return []
    steps = definition.get("Steps")
    return [s for s in steps if isinstance(s, dict) and s.get("Name")] if isinstance(steps, list) else []


@register(SVC, "ListPipelineExecutionSteps")
def list_pipeline_execution_steps(req):
    be, _ = _ctx(req)
    p = req.params
    arn = p.get("PipelineExecutionArn")
    if not arn:
        raise ApiError(VALIDATION, "PipelineExecutionArn is required")
    m = re.match(r"^arn:aws[a-z-]*:sagemaker:[^:]*:\d{12}:pipeline/([^/]+)/execution/([^/]+)$", arn)
    pipeline = be.pipelines.get(m.group(1)) if m else None
    execution = pipeline.pipeline_executions.get(arn) if pipeline else None
    if execution is None:
        raise ApiError("ResourceNotFound", f"Pipeline execution {arn} not found.")
    exec_id = m.group(2)
    start = execution.start_time.timestamp()
    steps = []
    for i, s in enumerate(_steps_of(execution.pipeline_definition_for_execution)):
        step = {
            "StepName": s["Name"],
            "StepDisplayName": s.get("DisplayName"),
            "StepDescription": s.get("Description"),
            "StartTime": start + i,
            "EndTime": start + i + 1,
            "StepStatus": "Succeeded",
            "AttemptCount": 1,
        }
        stype = s.get("Type", "")
        if stype in _JOB_METADATA:
            member, kind = _JOB_METADATA[stype]
            job = re.sub(r"[^a-zA-Z0-9]+", "-", f"pipelines-{exec_id}-{s['Name']}").strip("-")[:63].lower()
            step["Metadata"] = {member: {"Arn": f"arn:aws:sagemaker:{req.region}:{req.account}:{kind}/{job}"}}
        elif stype == "Condition":
            step["Metadata"] = {"Condition": {"Outcome": "True"}}
        elif stype == "Fail":
            step["StepStatus"] = "Failed"
            step["FailureReason"] = str(s.get("Arguments", {}).get("ErrorMessage", "Fail step reached"))
            step["Metadata"] = {"Fail": {"ErrorMessage": step["FailureReason"]}}
        steps.append(step)
    steps.sort(key=lambda x: x["StartTime"], reverse=p.get("SortOrder", "Descending") == "Descending")
    page, nxt = paginate(req, steps, p.get("NextToken"), p.get("MaxResults"), 50)
    return {"PipelineExecutionSteps": page, "NextToken": nxt}
