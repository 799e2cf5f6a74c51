#!/usr/bin/env python3
"""gen_schema.py — write spec/fcc.schema.json, the JSON Schema of spec language v1.

The schema is built here rather than edited by hand because an environment
overlay (`environments.NAME`) has the same shape as the base sections with
nothing required on the paths that are merged key by key: writing each section
twice by hand would let the two copies drift. `partial()` derives the overlay
form; lists replace rather than merge, so list items keep their required keys.

Pattern-checked strings accept an interpolation placeholder instead
(`${NAME}` or `${var.NAME}`): the schema sees the text before interpolation,
so `bucket: sagemaker-${region}-${account}` is only checked loosely. `fcc check`
checks the interpolated value. tests/schema/run_schema.py fails when the
committed file differs from this script's output:

    python3 tools/gen_schema.py > spec/fcc.schema.json
"""
import copy
import json
import sys

# Kept in step with the checker's region table: every commercial region of the
# `aws` partition, the two China regions and the two GovCloud regions.
REGIONS = [
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6",
    "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
    "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1",
]

NAME_RE = r"^[a-zA-Z](-*[a-zA-Z0-9])*$"
ROLE_NAME_RE = r"^[\w+=,.@-]{1,64}$"
ROLE_ARN_RE = r"^arn:aws[-a-z]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$"
POLICY_ARN_RE = r"^arn:aws[-a-z]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]{1,512}$"
PRINCIPAL_ARN_RE = (r"^arn:aws[-a-z]*:iam::(\d{12}:(role|user|group)/[\w+=,.@/-]{1,512}"
                    r"|:(role|user|group)/[\w+=,.@/*-]{1,512})$")
SERVICE_RE = r"^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$"
# S3 general-purpose bucket names. Lookaheads: no "..", not an IPv4 address,
# no xn-- prefix, no -s3alias / --ol-s3 suffix.
BUCKET_RE = (r"^(?!.*\.\.)(?!\d{1,3}(\.\d{1,3}){3}$)(?!xn--)(?!.*-s3alias$)(?!.*--ol-s3$)"
             r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
PREFIX_RE = r"^(?!/)(?!.*/$)(?!.*//).+$"
ATTR_RE = r"^[a-zA-Z][a-zA-Z0-9_]*$"
INSTANCE_RE = r"^ml\.[a-z0-9]+\.[a-z0-9]+$"
LOGICAL_ID_RE = r"^[A-Za-z0-9]{1,255}$"
VAR_NAME_RE = r"^[A-Za-z_][A-Za-z0-9_]*$"
ENV_NAME_RE = r"^[a-z][a-z0-9-]*$"
# A ${NAME} or ${var.NAME} placeholder that is not escaped as $${.
INTERP_RE = r"(^|[^$])\$\{(var\.)?[A-Za-z_][A-Za-z0-9_]*\}"

INTRINSIC_KEYS = [
    "Ref", "Condition", "Fn::Base64", "Fn::Cidr", "Fn::FindInMap", "Fn::GetAtt",
    "Fn::GetAZs", "Fn::If", "Fn::ImportValue", "Fn::Join", "Fn::Select", "Fn::Split",
    "Fn::Sub", "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Fn::Length",
    "Fn::ToJsonString", "Fn::Transform",
]

INTERP = {"$ref": "#/$defs/interpolated"}


def text(desc, pattern=None, min_len=None, max_len=None, enum=None, default=None,
         examples=None, interp=True):
    """A string field. With constraints and interp, a placeholder is accepted too."""
    s = {"type": "string"}
    if pattern:
        s["pattern"] = pattern
    if min_len is not None:
        s["minLength"] = min_len
    if max_len is not None:
        s["maxLength"] = max_len
    if enum:
        s["enum"] = enum
    constrained = len(s) > 1
    out = {"description": desc}
    if constrained and interp:
        out["anyOf"] = [s, INTERP]
    else:
        out.update(s)
    if default is not None:
        out["default"] = default
    if examples:
        out["examples"] = examples
    return out


def integer(desc, lo, hi, default=None):
    s = {"description": desc, "type": "integer", "minimum": lo, "maximum": hi}
    if default is not None:
        s["default"] = default
    return s


def boolean(desc, default):
    return {"description": desc, "type": "boolean", "default": default}


def obj(desc, props, required=(), **extra):
    s = {"description": desc, "type": "object", "properties": props,
         "additionalProperties": False}
    if required:
        s["required"] = list(required)
    s.update(extra)
    return s


def array(desc, items, **extra):
    s = {"description": desc, "type": "array", "items": items}
    s.update(extra)
    return s


def has_attr(name, types):
    """`contains` clause: an attribute `name` whose type is one of `types`."""
    return {"contains": {"type": "object", "required": ["name", "type"], "properties": {
        "name": {"const": name}, "type": {"enum": types}}}}


def defs():
    tags = {
        "description": "Tags: at most 50; key 1..128 characters, value at most 256; keys "
                       "starting with aws: or fcc: (any case) are reserved.",
        "type": "object",
        "maxProperties": 50,
        "propertyNames": {"minLength": 1, "maxLength": 128,
                          "not": {"pattern": "^([aA][wW][sS]|[fF][cC][cC]):"}},
        "additionalProperties": {"type": "string", "maxLength": 256},
    }
    attribute = obj("A Forecast schema attribute.", {
        "name": {"description": "Attribute name, unique in its schema.", "type": "string",
                 "pattern": ATTR_RE, "maxLength": 63},
        "type": {"description": "Attribute type.", "type": "string",
                 "enum": ["string", "integer", "float", "timestamp", "geolocation"]},
    }, required=["name", "type"])
    intrinsic = {
        "description": "A CloudFormation intrinsic function in long form. In YAML the short "
                       "tags (!Ref, !Sub, !GetAtt, ...) mean the same.",
        "type": "object", "minProperties": 1, "maxProperties": 1,
        "propertyNames": {"enum": INTRINSIC_KEYS},
        "properties": {
            "Ref": {"type": "string"},
            "Condition": {"type": "string"},
            "Fn::GetAtt": {"anyOf": [
                {"type": "string", "pattern": r"^[A-Za-z0-9]+\..+$"},
                {"type": "array", "minItems": 2, "maxItems": 2}]},
            "Fn::Sub": {"anyOf": [
                {"type": "string"},
                {"type": "array", "minItems": 2, "maxItems": 2,
                 "prefixItems": [{"type": "string"}, {"type": "object"}]}]},
            "Fn::Join": {"type": "array", "minItems": 2, "maxItems": 2,
                         "prefixItems": [{"type": "string"}, {}]},
            "Fn::Select": {"type": "array", "minItems": 2, "maxItems": 2},
            "Fn::Split": {"type": "array", "minItems": 2, "maxItems": 2},
            "Fn::If": {"type": "array", "minItems": 3, "maxItems": 3,
                       "prefixItems": [{"type": "string"}]},
            "Fn::Equals": {"type": "array", "minItems": 2, "maxItems": 2},
            "Fn::And": {"type": "array", "minItems": 2, "maxItems": 10},
            "Fn::Or": {"type": "array", "minItems": 2, "maxItems": 10},
            "Fn::Not": {"type": "array", "minItems": 1, "maxItems": 1},
            "Fn::FindInMap": {"type": "array", "minItems": 3, "maxItems": 4},
        },
    }
    cfn_value = {
        "description": "A CloudFormation value: a scalar, a list, an intrinsic function, "
                       "or a map of values.",
    }
    return {
        "interpolated": {
            "description": "Text with a ${NAME} or ${var.NAME} placeholder; checked by fcc "
                           "after interpolation.",
            "type": "string", "pattern": INTERP_RE},
        "name": text("A SageMaker project name: letters, digits and single or repeated "
                     "hyphens, starting with a letter, 1..32 characters.",
                     pattern=NAME_RE, min_len=1, max_len=32),
        "tags": tags,
        "role": text("An IAM role name (1..64 of letters, digits and +=,.@_-) or a role ARN.",
                     pattern="(" + ROLE_NAME_RE + ")|(" + ROLE_ARN_RE + ")",
                     examples=["AmazonSageMakerServiceCatalogProductsLaunchRole"]),
        "instance_type": text("A SageMaker instance type.", pattern=INSTANCE_RE,
                              default="ml.m5.large", examples=["ml.m5.large", "ml.c5.xlarge"]),
        "attribute": attribute,
        "attributes": array("Attributes, names unique within the schema.",
                            {"$ref": "#/$defs/attribute"}, minItems=1),
        "intrinsic": intrinsic,
        "cfn_value": cfn_value,
        "logical_ids": {"pattern": LOGICAL_ID_RE},
    }


def sections():
    """The top-level sections except `fcc` and `environments`."""
    vars_ = {
        "description": "Values substituted for ${NAME} or ${var.NAME} in every string "
                       "outside `template` (inside it only ${var.NAME}). A value may use "
                       "other vars; cycles are errors.",
        "type": "object",
        "propertyNames": {"pattern": VAR_NAME_RE},
        "additionalProperties": {"type": ["string", "number", "boolean"]},
    }
    project = obj("The SageMaker project template as Studio lists it.", {
        "name": {"$ref": "#/$defs/name"},
        "description": text("Shown in Studio.", max_len=1024, default=""),
        "region": text("The AWS region everything is deployed to.", enum=REGIONS,
                       examples=["us-east-1"]),
        "tags": {"$ref": "#/$defs/tags"},
    }, required=["name", "region"])
    artifacts = obj("Where training data, seed code and templates are uploaded (steps 1 and 4).", {
        "bucket": text("An S3 bucket name (not an s3:// URL): 3..63 lowercase letters, digits, "
                       "dots and hyphens.", pattern=BUCKET_RE, min_len=3, max_len=63,
                       examples=["sagemaker-us-east-1-111122223333"]),
        "prefix": text("Key prefix for everything fcc uploads; defaults to project.name. No "
                       "leading or trailing /, no //.", pattern=PREFIX_RE, max_len=512),
        "create_bucket": boolean("fcc creates and owns the bucket through a CloudFormation "
                                 "stack fcc-<project.name>[-<env>]-artifacts (Retain, SSE-S3, "
                                 "public access blocked, versioned). Default: the bucket "
                                 "already exists.", False),
    }, required=["bucket"])
    data = array("Files uploaded to the artifacts bucket (step 1). Keys must be unique.", obj(
        "One data file.", {
            "file": text("Path relative to the spec's directory; must be a regular file "
                         "inside that directory tree unless allow_outside is true.", min_len=1),
            "key": text("S3 key relative to artifacts.prefix; default data/<basename of file>.",
                        pattern="^(?!/).+$"),
            "allow_outside": boolean("Allow `file` to be absolute or to leave the spec's "
                                     "directory tree with `..`.", False),
        }, required=["file"]))
    roles = array("IAM roles fcc patches so the product can use Forecast (step 5).", obj(
        "A role and what to add to it. At least one of attach_policies and trust_services.", {
            "name": {"$ref": "#/$defs/role"},
            "attach_policies": array("Managed policy ARNs to attach.", text(
                "A managed policy ARN.", pattern=POLICY_ARN_RE,
                examples=["arn:aws:iam::aws:policy/AmazonForecastFullAccess"])),
            "trust_services": array("Service principals added to the trust policy.", text(
                "A service principal.", pattern=SERVICE_RE,
                examples=["forecast.amazonaws.com"])),
        }, required=["name"],
        anyOf=[{"required": ["attach_policies"]}, {"required": ["trust_services"]}]))
    schema = obj("The Forecast dataset schemas.", {
        "target": {"allOf": [{"$ref": "#/$defs/attributes"},
                             has_attr("item_id", ["string"]),
                             has_attr("timestamp", ["timestamp"]),
                             has_attr("target_value", ["float", "integer"])],
                   "description": "Target time series: item_id (string), timestamp "
                                  "(timestamp) and target_value (float or integer)."},
        "related": {"allOf": [{"$ref": "#/$defs/attributes"},
                              has_attr("item_id", ["string"]),
                              has_attr("timestamp", ["timestamp"])],
                    "description": "Related time series: item_id and timestamp, then "
                                   "the related attributes."},
        "metadata": {"allOf": [{"$ref": "#/$defs/attributes"},
                               has_attr("item_id", ["string"]),
                               {"not": {"contains": {"type": "object", "properties": {
                                   "name": {"const": "timestamp"}}, "required": ["name"]}}}],
                     "description": "Item metadata: item_id and no timestamp."},
    }, required=["target"])
    pipeline = obj("The Forecast SageMaker pipeline in the seed code (steps 2 and 3).", {
        "module": text("Python package of the pipeline (pipelines/<module>/ in the seed code).",
                       pattern=r"^[a-z_][a-z0-9_]*$", examples=["forecast"]),
        "branch": text("Commits to this branch start the pipeline.", min_len=1,
                       default="main"),
        "train_data": text("The `key` of the data entry to train on.", min_len=1),
        "frequency": text("Forecast frequency the data is resampled to.",
                          enum=["Y", "M", "W", "D", "H", "30min", "15min", "10min", "5min",
                                "1min"]),
        "horizon": integer("Points to forecast (1..500; at most a third of the series, "
                           "checked at build time).", 1, 500),
        "algorithm": text("Forecast algorithm.", enum=["CNN-QR", "DeepAR+", "NPTS", "Prophet",
                                                       "ARIMA", "ETS", "AutoPredictor"],
                          default="AutoPredictor"),
        "backtest_windows": integer("Backtest windows for evaluation.", 1, 5, default=1),
        "timestamp_format": text("Format of the timestamps in the data.",
                                 enum=["yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss"],
                                 default="yyyy-MM-dd HH:mm:ss"),
        "evaluation": obj("When to keep the predictor.", {
            "metric": text("Accuracy metric compared with max_score.",
                           enum=["WAPE", "RMSE", "MASE", "MAPE"], default="WAPE"),
            "max_score": {"description": "Delete the predictor when the metric is above this.",
                          "type": "number", "exclusiveMinimum": 0},
        }, required=["max_score"]),
        "schema": schema,
        "extra_files": array("More files for the seed repository, copied verbatim.", obj(
            "A file from the spec's directory and where it goes in the seed code.", {
                "file": text("Path relative to the spec's directory, inside its tree.",
                             min_len=1, max_len=4096),
                "path": text("Destination in the seed repository, relative, no '..'.",
                             min_len=1, max_len=1024),
            }, required=["file", "path"])),
        "instances": obj("Instance types of the pipeline steps.", {
            "processing": {"$ref": "#/$defs/instance_type"},
            "processing_count": integer("Processing instances.", 1, 100, default=1),
            "training": {"$ref": "#/$defs/instance_type"},
        }),
    }, required=["module", "train_data", "frequency", "horizon", "evaluation", "schema"])
    product = obj("A product (a SageMaker organization template).", {
        "name": text("Product name; unique in the catalog.", min_len=1, max_len=8191),
        "owner": text("Product owner.", min_len=1, max_len=8191),
        "description": text("Description.", max_len=8191),
        "distributor": text("Distributor.", max_len=8191),
        "support_email": text("Support e-mail address.", max_len=254),
        "support_url": text("Support URL.", max_len=2083),
        "version": text("Provisioning artifact name, e.g. \"1.0\" (quote it: a string).",
                        min_len=1, max_len=100),
    }, required=["name", "owner", "version"])
    catalog = obj("The Service Catalog portfolio and its products (step 7).", {
        "portfolio": obj("The portfolio.", {
            "name": text("Display name.", min_len=1, max_len=100),
            "owner": text("Provider name.", min_len=1, max_len=50),
            "description": text("Description.", max_len=2000),
        }, required=["name", "owner"]),
        "product": dict(product, description="The product (the SageMaker project template). "
                                             "Exclusive with products."),
        "products": array("Several products, 1 to 100, names unique, each made from the same "
                          "template. Exclusive with product (an environment overlay must use "
                          "the base's form: the merged catalog may not hold both).", product,
                          minItems=1, maxItems=100),
        "launch_role": {"$ref": "#/$defs/role"},
        "principals": array("IAM roles, users or groups given access; * in the resource part "
                            "makes a pattern (IAM_PATTERN), written without an account "
                            "(arn:aws:iam:::role/NAME-*) as Service Catalog requires.", text(
                                "An IAM role, user or group ARN.", pattern=PRINCIPAL_ARN_RE)),
        "studio_visibility": boolean("Tag the product sagemaker:studio-visibility=true so "
                                     "Studio lists it.", True),
        "share": obj("Share the portfolio.", {
            "accounts": array("Account ids.", text("A 12-digit account id.",
                                                   pattern=r"^\d{12}$")),
            "organization": text("An organization id.", pattern=r"^o-[a-z0-9]{10,32}$"),
            "organizational_units": array("Organizational unit ids.", text(
                "An OU id.", pattern=r"^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$")),
        }),
    }, required=["portfolio", "launch_role"],
        oneOf=[{"required": ["product"]}, {"required": ["products"]}])
    instances = array("SageMaker projects created from the template (step 8). Names unique.",
                      obj("A project.", {
                          "name": {"$ref": "#/$defs/name"},
                          "description": text("Description.", max_len=1024),
                          "product": text("The catalog product the project is created from; "
                                          "required when the catalog lists more than one.",
                                          min_len=1, max_len=8191),
                          "tags": {"$ref": "#/$defs/tags"},
                      }, required=["name"]))
    resource = obj("A CloudFormation resource.", {
        "Type": {"description": "Resource type.", "type": "string",
                 "pattern": r"^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$",
                 "examples": ["AWS::SNS::Topic"]},
        "Properties": {"type": "object", "description": "Resource properties."},
        "DependsOn": {"anyOf": [{"type": "string", "pattern": LOGICAL_ID_RE},
                                {"type": "array", "items": {"type": "string",
                                                            "pattern": LOGICAL_ID_RE}}]},
        "Condition": {"type": "string"},
        "Metadata": {"type": "object"},
        "DeletionPolicy": {"enum": ["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"]},
        "UpdateReplacePolicy": {"enum": ["Delete", "Retain", "Snapshot"]},
        "CreationPolicy": {"type": "object"},
        "UpdatePolicy": {"type": "object"},
    }, required=["Type"])
    parameter = obj("A template parameter.", {
        "Type": {"type": "string"},
        "Default": {}, "Description": {"type": "string"},
        "AllowedValues": {"type": "array"}, "AllowedPattern": {"type": "string"},
        "ConstraintDescription": {"type": "string"},
        "MinLength": {"type": "integer"}, "MaxLength": {"type": "integer"},
        "MinValue": {"type": "number"}, "MaxValue": {"type": "number"},
        "NoEcho": {"type": "boolean"},
    }, required=["Type"])
    output = obj("A template output.", {
        "Value": {"$ref": "#/$defs/cfn_value"},
        "Description": {"type": "string"},
        "Condition": {"type": "string"},
        "Export": obj("Export.", {"Name": {"$ref": "#/$defs/cfn_value"}}, required=["Name"]),
    }, required=["Value"])

    def idmap(desc, value):
        return {"description": desc, "type": "object",
                "propertyNames": {"$ref": "#/$defs/logical_ids"},
                "additionalProperties": value}

    template = obj("Additions to the generated CloudFormation template. Strings are "
                   "CloudFormation's own: only ${var.NAME} is replaced.", {
                       "parameters": idmap("Parameters merged into the template.", parameter),
                       "conditions": idmap("Conditions merged into the template.",
                                           {"$ref": "#/$defs/intrinsic"}),
                       "resources": idmap("Resources merged into the template.", resource),
                       "outputs": idmap("Outputs merged into the template.", output),
                       "overrides": idmap("Partial resources deep-merged into the generated "
                                          "ones (maps merge, lists and scalars replace).",
                                          {"type": "object"}),
                   })
    return {
        "vars": vars_, "project": project, "artifacts": artifacts, "data": data,
        "roles": roles, "pipeline": pipeline, "catalog": catalog, "instances": instances,
        "template": template,
    }


def partial(s):
    """The overlay form of a schema: no `required` on paths merged key by key.

    Maps (properties, additionalProperties) merge, so their members may be
    partial; lists replace, so `items` keep their required keys."""
    s = copy.deepcopy(s)
    if not isinstance(s, dict):
        return s
    s.pop("required", None)
    # Same for the roles-style "at least one of" and catalog's "exactly one of"
    # clauses on merged objects.
    for k in ("anyOf", "oneOf"):
        if k in s and all(set(a) == {"required"} for a in s[k]):
            s.pop(k)
    if isinstance(s.get("properties"), dict):
        s["properties"] = {k: partial(v) for k, v in s["properties"].items()}
    if isinstance(s.get("additionalProperties"), dict):
        s["additionalProperties"] = partial(s["additionalProperties"])
    return s


def build():
    sec = sections()
    overlay = {"description": "An environment overlay: any top-level section but fcc and "
                              "environments, deep-merged over the base (maps merge key by "
                              "key, lists and scalars replace).",
               "type": "object", "additionalProperties": False,
               "properties": {k: partial(v) for k, v in sec.items()}}
    props = {"fcc": {"description": "Spec language version; must be 1.", "const": 1}}
    props.update(sec)
    props["environments"] = {
        "description": "Overlays selected with `fcc ... --env NAME`.",
        "type": "object",
        "propertyNames": {"pattern": ENV_NAME_RE},
        "additionalProperties": {"$ref": "#/$defs/overlay"},
    }
    d = defs()
    d["overlay"] = overlay
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "fcc project spec, language v1",
        "description": "A project.spec: one SageMaker MLOps organization template that trains "
                       "with Amazon Forecast. Reference: spec/README.md. Strings with "
                       "${...} placeholders are checked loosely; `fcc check` is authoritative.",
        "type": "object",
        "additionalProperties": False,
        "required": ["fcc", "project", "artifacts", "pipeline", "catalog"],
        "properties": props,
        "$defs": d,
    }


def render():
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
