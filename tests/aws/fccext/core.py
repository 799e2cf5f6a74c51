"""core.py — dispatch, wire formats, validation and shared helpers of the fcc test endpoint.

The extension sits in front of moto's WSGI app. It recognises an operation by its
X-Amz-Target (JSON 1.1 services) or its Action= pair (query protocol), answers those in its
own table and hands every other request to moto untouched. Request and response shapes come
from botocore's service models: inputs are validated against them the way the service's own
front end does, and every response the extension produces is checked against the output
shape before it is sent, so a handler bug shows up as a 500 here rather than as a silently
dropped member in the client.
"""

import base64
import datetime
import io
import json
import os
import random
import re
import string
import threading
import traceback
import urllib.parse
import uuid
from xml.sax.saxutils import escape as xml_escape

import botocore.session

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

# X-Amz-Target prefix -> botocore service name, for the JSON 1.1 services we extend.
JSON_PREFIXES = {
    "AWS242ServiceCatalogService": "servicecatalog",
    "SageMaker": "sagemaker",
    "AmazonForecast": "forecast",
}

# The error code each service uses for a request that breaks its input schema. Service
# Catalog and Forecast model theirs (InvalidParametersException, InvalidInputException);
# SageMaker's front end answers ValidationException (not modelled); CloudFormation, a query
# service, answers ValidationError.
VALIDATION_CODES = {
    "servicecatalog": "InvalidParametersException",
    "sagemaker": "ValidationException",
    "forecast": "InvalidInputException",
    "cloudformation": "ValidationError",
}

QUERY_NAMESPACES = {
    "cloudformation": "http://cloudformation.amazonaws.com/doc/2010-05-15/",
}

_session = botocore.session.get_session()
_models = {}
_registry = {}
_test_routes = {}
LOCK = threading.RLock()
# S3 conditional writes (PutObject/DeleteObject with If-None-Match or If-Match). moto 5.2.1
# honours both headers (moto/s3/responses.py put_object, delete_object) but checks the
# condition and then writes without holding any lock, so on this threaded server two racing
# `If-None-Match: *` puts can both succeed. S3 makes check-and-write atomic (the loser gets
# 412 PreconditionFailed or 409 ConditionalRequestConflict) and fcc's apply lock relies on
# that: every S3 object write carrying a condition is serialised here, response included.
S3_WRITE_LOCK = threading.Lock()
# CloudFormation CreateChangeSet of type CREATE, one at a time: moto 5.2.1 makes a second
# stack of the same name when two arrive together (models.py create_change_set generates a
# new stack id without looking), where CloudFormation answers the second with the first's
# ids when its ClientToken is the same (a retry of the same request). See
# _create_change_set_retry.
CFN_CREATE_LOCK = threading.Lock()
_CFN_CREATE_TOKENS = {}  # (account, region, stack name, change set name) -> ClientToken


class ApiError(Exception):
    """An AWS error response: code, message, HTTP status (400 unless said)."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class Request:
    """One parsed call: service, operation, caller account/region and input parameters."""

    def __init__(self, service, op, account, region, params, headers):
        self.service = service
        self.op = op
        self.account = account
        self.region = region
        self.params = params
        self.headers = headers

    def error(self, message):
        """A validation error in the service's own code."""
        return ApiError(VALIDATION_CODES[self.service], message)


def model(service):
    """The botocore service model, loaded once per process."""
    if service not in _models:
        _models[service] = _session.get_service_model(service)
    return _models[service]


def register(service, op):
    """Decorator: handle `op` of `service`. The handler takes a Request and returns a dict."""

    def wrap(fn):
        model(service).operation_model(op)  # fail at import on a misspelt operation
        _registry[(service, op)] = fn
        return fn

    return wrap


def register_test_route(path):
    """Decorator: a test-only POST endpoint under /__fcc/; handler(body_json, account, region)."""

    def wrap(fn):
        _test_routes[path] = fn
        return fn

    return wrap


def handled_operations():
    """(service, operation) pairs the extension answers, sorted."""
    return sorted(_registry)


# ---------------------------------------------------------------- small helpers


def new_id(prefix, n=13):
    """An id in AWS's style: prefix + n lowercase letters/digits (port-, prod-, pa-, cons-)."""
    return prefix + "".join(random.choices(string.ascii_lowercase + string.digits, k=n))


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def ext_state(backend, name, factory):
    """Extension state kept on a moto backend object, so moto's reset clears it too."""
    store = backend.__dict__.setdefault("_fcc_ext", {})
    if name not in store:
        store[name] = factory()
    return store[name]


def strip_none(value):
    """Drop None members (moto models keep absent optional fields as None)."""
    if isinstance(value, dict):
        return {k: strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_none(v) for v in value]
    return value


def fingerprint(params, drop=("IdempotencyToken", "ClientRequestToken", "AcceptLanguage")):
    """Canonical text of the request parameters an idempotency token must match."""
    return json.dumps({k: v for k, v in params.items() if k not in drop}, sort_keys=True, default=str)


class TokenStore:
    """Idempotency tokens: same token + same parameters -> the same resource id.

    AWS keeps a token for a while and rejects its reuse with different parameters; we keep it
    for the life of the server and raise `mismatch_code` on a reuse with other parameters.
    """

    def __init__(self):
        self.tokens = {}

    def lookup(self, op, token, params, mismatch_code):
        hit = self.tokens.get((op, token))
        if hit is None:
            return None
        if hit[0] != fingerprint(params):
            raise ApiError(
                mismatch_code,
                f"Idempotency token {token} was already used with different parameters",
            )
        return hit[1]

    def store(self, op, token, params, resource_id):
        self.tokens[(op, token)] = (fingerprint(params), resource_id)


def paginate(req, items, token, size, default_size, bad_token_code=None):
    """One page of `items`. Tokens are opaque to clients; here base64 of op + offset.

    Returns (page, next_token or None). A token from another operation or a mangled one is
    rejected with `bad_token_code` (the service's validation code by default).
    """
    start = 0
    if token:
        try:
            raw = base64.urlsafe_b64decode(token.encode()).decode()
            op, off = raw.rsplit(":", 1)
            if op != req.op:
                raise ValueError(op)
            start = int(off)
            if start < 0 or start > len(items):
                raise ValueError(off)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(bad_token_code or VALIDATION_CODES[req.service], "The page token is not valid")
    size = default_size if not size else size
    page = items[start : start + size]
    nxt = None
    if start + size < len(items):
        nxt = base64.urlsafe_b64encode(f"{req.op}:{start + size}".encode()).decode()
    return page, nxt


# ---------------------------------------------------------------- shape checks


def _type_ok(shape, value):
    t = shape.type_name
    if t == "string":
        return isinstance(value, str)
    if t == "boolean":
        return isinstance(value, bool)
    if t in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if t in ("float", "double"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "timestamp":
        return isinstance(value, (int, float, datetime.datetime)) and not isinstance(value, bool)
    if t == "blob":
        return isinstance(value, (str, bytes))
    if t == "structure":
        return isinstance(value, dict)
    if t == "list":
        return isinstance(value, list)
    if t == "map":
        return isinstance(value, dict)
    return True


def shape_errors(shape, value, path, out, check_ranges=True):
    """Append to `out` every way `value` breaks `shape`: types, required and unknown members,
    enums, and (for inputs) the model's length and range limits."""
    if not _type_ok(shape, value):
        out.append(f"{path}: expected {shape.type_name}, got {type(value).__name__}")
        return
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        for name in shape.required_members:
            if name not in value:
                out.append(f"{path}.{name}: required member missing")
        for name, v in value.items():
            if name not in shape.members:
                out.append(f"{path}.{name}: unknown member")
                continue
            shape_errors(shape.members[name], v, f"{path}.{name}", out, check_ranges)
    elif t == "list":
        if check_ranges and "min" in meta and len(value) < meta["min"]:
            out.append(f"{path}: fewer than {meta['min']} items")
        if check_ranges and "max" in meta and len(value) > meta["max"]:
            out.append(f"{path}: more than {meta['max']} items")
        for i, v in enumerate(value):
            shape_errors(shape.member, v, f"{path}[{i}]", out, check_ranges)
    elif t == "map":
        for k, v in value.items():
            shape_errors(shape.key, k, f"{path}<key>", out, check_ranges)
            shape_errors(shape.value, v, f"{path}[{k}]", out, check_ranges)
    elif t == "string":
        if shape.enum and value not in shape.enum:
            out.append(f"{path}: '{value}' is not one of {shape.enum}")
        if check_ranges and "min" in meta and len(value) < meta["min"]:
            out.append(f"{path}: length less than {meta['min']}")
        if check_ranges and "max" in meta and len(value) > meta["max"]:
            out.append(f"{path}: length greater than {meta['max']}")
    elif t in ("integer", "long") and check_ranges:
        if "min" in meta and value < meta["min"]:
            out.append(f"{path}: value less than {meta['min']}")
        if "max" in meta and value > meta["max"]:
            out.append(f"{path}: value greater than {meta['max']}")


def validate_input(req):
    """Raise the service's validation error when the input breaks the operation's shape."""
    shape = model(req.service).operation_model(req.op).input_shape
    errs = []
    if shape is not None:
        shape_errors(shape, req.params, req.op, errs)
    elif req.params:
        errs.append(f"{req.op}: takes no parameters")
    if errs:
        n = len(errs)
        raise req.error(f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(errs))


def check_output(service, op, result):
    """Raise AssertionError when a handler's result is not a valid output of `op`."""
    shape = model(service).operation_model(op).output_shape
    errs = []
    if shape is not None:
        shape_errors(shape, result, op, errs, check_ranges=False)
    elif result:
        errs.append(f"{op}: has no output members")
    if errs:
        raise AssertionError("extension response breaks the model: " + "; ".join(errs))


# ---------------------------------------------------------------- account and region


def scope_of(headers):
    """(region, signing name) from a SigV4 Authorization credential scope, or (None, None)."""
    auth = headers.get("authorization", "")
    m = re.search(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request", auth)
    if not m:
        return None, None
    return m.group(3), m.group(4)


def access_key_of(headers):
    m = re.search(r"Credential=([^/,\s]+)/", headers.get("authorization", ""))
    return m.group(1) if m else None


def account_of(headers):
    """The caller's account, decided as moto does: MOTO_ACCOUNT_ID, then the
    x-moto-account-id header, then the account owning the access key, else the default."""
    if os.environ.get("MOTO_ACCOUNT_ID"):
        return os.environ["MOTO_ACCOUNT_ID"]
    if headers.get("x-moto-account-id"):
        return headers["x-moto-account-id"]
    key = access_key_of(headers)
    if key:
        from moto.iam.models import get_account_id_from

        return get_account_id_from(key)
    return DEFAULT_ACCOUNT


# ---------------------------------------------------------------- wire encodings


def _epoch(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return round(value.timestamp(), 3)
    return value


def _json_ready(value):
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return _epoch(value)


def _iso(value):
    if isinstance(value, (int, float)):
        value = datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _xml_value(shape, value, out):
    t = shape.type_name
    if t == "structure":
        for name, v in value.items():
            out.append(f"<{name}>")
            _xml_value(shape.members[name], v, out)
            out.append(f"</{name}>")
    elif t == "list":
        for v in value:
            out.append("<member>")
            _xml_value(shape.member, v, out)
            out.append("</member>")
    elif t == "map":
        for k, v in value.items():
            out.append(f"<entry><key>{xml_escape(k)}</key><value>")
            _xml_value(shape.value, v, out)
            out.append("</value></entry>")
    elif t == "timestamp":
        out.append(_iso(value))
    elif t == "boolean":
        out.append("true" if value else "false")
    else:
        out.append(xml_escape(str(value)))


def query_response(service, op, result, request_id):
    shape = model(service).operation_model(op).output_shape
    ns = QUERY_NAMESPACES[service]
    out = [f'<{op}Response xmlns="{ns}"><{op}Result>']
    if shape is not None:
        _xml_value(shape, result, out)
    out.append(f"</{op}Result><ResponseMetadata><RequestId>{request_id}</RequestId>")
    out.append(f"</ResponseMetadata></{op}Response>")
    return "".join(out).encode()


def query_error(err, request_id):
    kind = "Sender" if err.status < 500 else "Receiver"
    return (
        f"<ErrorResponse><Error><Type>{kind}</Type><Code>{xml_escape(err.code)}</Code>"
        f"<Message>{xml_escape(err.message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


def _scalar_from_query(shape, text):
    t = shape.type_name
    if t in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            return text  # left as a string so validation reports the type
    if t in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            return text
    if t == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text


def _from_query(shape, pairs, prefix):
    """Rebuild the structure `shape` from flat query pairs under `prefix` (query protocol)."""
    t = shape.type_name
    if t == "structure":
        out = {}
        for name, member in shape.members.items():
            key = f"{prefix}{name}"
            if member.type_name in ("structure", "list", "map"):
                if key in pairs and pairs[key] == "" and member.type_name == "list":
                    out[name] = []
                    continue
                sub = _from_query(member, pairs, key + ".")
                if sub not in (None, {}, []):
                    out[name] = sub
            elif key in pairs:
                out[name] = _scalar_from_query(member, pairs[key])
        return out
    if t == "list":
        items = []
        i = 1
        while True:
            key = f"{prefix}member.{i}"
            if shape.member.type_name == "structure":
                sub = _from_query(shape.member, pairs, key + ".")
                if not sub:
                    break
                items.append(sub)
            elif key in pairs:
                items.append(_scalar_from_query(shape.member, pairs[key]))
            else:
                break
            i += 1
        return items
    if t == "map":
        out = {}
        i = 1
        while f"{prefix}entry.{i}.key" in pairs:
            out[pairs[f"{prefix}entry.{i}.key"]] = _scalar_from_query(shape.value, pairs.get(f"{prefix}entry.{i}.value", ""))
            i += 1
        return out
    return None


def query_params(service, op, pairs):
    shape = model(service).operation_model(op).input_shape
    known = {"Action", "Version"}
    params = _from_query(shape, pairs, "") if shape is not None else {}
    # Names that map to no member at all are reported the way the JSON side reports them.
    tops = set(shape.members) if shape is not None else set()
    for k in pairs:
        if k in known:
            continue
        if k.split(".", 1)[0] not in tops:
            params.setdefault("__unknown__", []).append(k)
    return params


# ---------------------------------------------------------------- WSGI dispatcher


def _headers(environ):
    h = {}
    for k, v in environ.items():
        if k.startswith("HTTP_"):
            h[k[5:].replace("_", "-").lower()] = v
    if environ.get("CONTENT_TYPE"):
        h["content-type"] = environ["CONTENT_TYPE"]
    return h


def _read_body(environ):
    try:
        n = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        n = -1
    if n >= 0:
        body = environ["wsgi.input"].read(n)
    elif environ.get("wsgi.input_terminated"):  # chunked: werkzeug ends the stream for us
        body = environ["wsgi.input"].read()
        environ["CONTENT_LENGTH"] = str(len(body))
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again when we pass through
    return body


def _create_change_set_retry(pairs, headers):
    """A CREATE change set whose stack already exists: when a change set of this name is on it
    and was asked for with the same ClientToken, CloudFormation's answer to the retry (the same
    ids), as XML bytes; otherwise None (moto handles the request, as it does today). Records
    the token of a request moto is about to handle. Called under CFN_CREATE_LOCK."""
    from moto.cloudformation.models import cloudformation_backends

    region, _ = scope_of(headers)
    account = account_of(headers)
    region = region or DEFAULT_REGION
    key = (account, region, pairs.get("StackName"), pairs.get("ChangeSetName"))
    token = pairs.get("ClientToken")
    be = cloudformation_backends[account][region]
    live = [st for st in be.stacks.values()
            if st.name == key[2] and st.status != "DELETE_COMPLETE"]
    if live and token and _CFN_CREATE_TOKENS.get(key) == token:
        for cs in be.change_sets.values():
            if cs.stack_id == live[0].stack_id and cs.change_set_name == key[3]:
                return ('<CreateChangeSetResponse xmlns="http://cloudformation.amazonaws.com/doc/'
                        '2010-05-15/"><CreateChangeSetResult><Id>%s</Id><StackId>%s</StackId>'
                        '</CreateChangeSetResult><ResponseMetadata><RequestId>%s</RequestId>'
                        '</ResponseMetadata></CreateChangeSetResponse>'
                        % (xml_escape(cs.change_set_id), xml_escape(live[0].stack_id),
                           uuid.uuid4())).encode()
    if token:
        _CFN_CREATE_TOKENS[key] = token
    return None


class ExtensionApp:
    """WSGI middleware: extension operations here, everything else to `inner` (moto)."""

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/__fcc/"):
            return self._test_route(environ, start_response, path)
        headers = _headers(environ)
        target = headers.get("x-amz-target")
        if target and "." in target:
            prefix, op = target.split(".", 1)
            service = JSON_PREFIXES.get(prefix)
            if service and (service, op) in _registry:
                return self._json(environ, start_response, service, op, headers)
        elif environ.get("REQUEST_METHOD") == "POST" and headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            body = _read_body(environ)
            pairs = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            pairs.update(urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
            _, signing = scope_of(headers)
            for service in QUERY_NAMESPACES:
                if (service, pairs.get("Action")) in _registry and signing in (None, service):
                    return self._query(start_response, service, pairs, headers)
            if (pairs.get("Action") == "CreateChangeSet" and signing in (None, "cloudformation")
                    and pairs.get("ChangeSetType") == "CREATE"):
                with CFN_CREATE_LOCK:
                    retry = _create_change_set_retry(pairs, headers)
                    if retry is not None:
                        start_response("200 OK", [("Content-Type", "text/xml"),
                                                  ("Content-Length", str(len(retry)))])
                        return [retry]
                    return list(self.inner(environ, start_response))
        if self._is_s3_conditional_write(environ, headers):
            _read_body(environ)
            with S3_WRITE_LOCK:
                return list(self.inner(environ, start_response))
        return self.inner(environ, start_response)

    @staticmethod
    def _is_s3_conditional_write(environ, headers):
        if environ.get("REQUEST_METHOD") not in ("PUT", "DELETE"):
            return False
        if "if-none-match" not in headers and "if-match" not in headers:
            return False
        _, signing = scope_of(headers)
        return signing == "s3"

    def _call(self, service, op, params, headers):
        region, _ = scope_of(headers)
        req = Request(service, op, account_of(headers), region or DEFAULT_REGION, params, headers)
        with LOCK:
            validate_input(req)
            result = strip_none(_registry[(service, op)](req) or {})
        check_output(service, op, result)
        return result

    def _json(self, environ, start_response, service, op, headers):
        request_id = str(uuid.uuid4())
        body = _read_body(environ)
        try:
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                raise ApiError("SerializationException", "Request body is not valid JSON")
            if not isinstance(params, dict):
                raise ApiError("SerializationException", "Request body must be a JSON object")
            status, payload = 200, _json_ready(self._call(service, op, params, headers))
            extra = []
        except ApiError as e:
            status = e.status
            payload = {"__type": e.code, "message": e.message}
            extra = [("x-amzn-ErrorType", e.code)]
        except Exception as e:  # a bug here: say so as AWS would, and log it
            traceback.print_exc()
            status, payload = 500, {"__type": "InternalFailure", "message": f"{type(e).__name__}: {e}"}
            extra = [("x-amzn-ErrorType", "InternalFailure")]
        data = json.dumps(payload).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'Error'}",
            [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("Content-Length", str(len(data))),
                ("x-amzn-RequestId", request_id),
            ]
            + extra,
        )
        return [data]

    def _query(self, start_response, service, pairs, headers):
        request_id = str(uuid.uuid4())
        op = pairs["Action"]
        try:
            params = query_params(service, op, pairs)
            unknown = params.pop("__unknown__", None)
            if unknown:
                raise ApiError(VALIDATION_CODES[service], f"Unknown parameters: {', '.join(sorted(unknown))}")
            status, data = 200, query_response(service, op, self._call(service, op, params, headers), request_id)
        except ApiError as e:
            status, data = e.status, query_error(e, request_id)
        except Exception as e:
            traceback.print_exc()
            status, data = 500, query_error(ApiError("InternalFailure", f"{type(e).__name__}: {e}", 500), request_id)
        start_response(
            f"{status} {'OK' if status == 200 else 'Error'}",
            [("Content-Type", "text/xml"), ("Content-Length", str(len(data))), ("x-amzn-RequestId", request_id)],
        )
        return [data]

    def _test_route(self, environ, start_response, path):
        fn = _test_routes.get(path)
        headers = _headers(environ)
        if fn is None or environ.get("REQUEST_METHOD") != "POST":
            status, payload = 404, {"message": f"no test route {path}"}
        else:
            try:
                body = json.loads(_read_body(environ) or b"{}")
                region = body.pop("Region", None) or DEFAULT_REGION
                account = body.pop("Account", None) or account_of(headers)
                with LOCK:
                    status, payload = 200, _json_ready(fn(body, account, region))
            except ApiError as e:
                status, payload = e.status, {"__type": e.code, "message": e.message}
            except (ValueError, KeyError, TypeError) as e:
                status, payload = 400, {"__type": "BadRequest", "message": str(e)}
        data = json.dumps(payload).encode()
        start_response(
            f"{status} X", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        )
        return [data]
