"""servicecatalog.py — Service Catalog operations for the fcc test endpoint.

State lives in moto's own backend (moto.servicecatalog.models.servicecatalog_backends
[account][region]): portfolios and products are moto's Portfolio/Product objects in
backend.portfolios / backend.products, so moto's own handlers (DescribeProduct,
ListPortfolioAccess...) see what the extension creates and the reverse. What moto does not
model (provisioning artifacts, product-portfolio associations, constraints, principals,
idempotency fingerprints) is kept next to it in ext_state(backend, ...).

moto 5.2.1 gaps fixed here (moto/servicecatalog/models.py, responses.py):
  * ids are UUIDs; AWS uses port-/prod-/prodview-/pa-/cons- + 13 characters;
  * DescribePortfolio / CreatePortfolioShare on an unknown id answer 200 with empty members
    instead of ResourceNotFoundException;
  * CreateProduct ignores ProvisioningArtifactParameters (ProvisioningArtifactDetail is {});
  * ListPortfolios ignores PageSize/PageToken;
  * an idempotency token reused with different parameters silently returns the old resource;
  * organization-node shares are strings parsed back by substring (an ORGANIZATIONAL_UNIT share
    matches "ORGANIZATION"), are never asynchronous, ignore whether AWS Organizations access is
    enabled, and ListOrganizationPortfolioAccess / DescribePortfolioShareStatus /
    Enable/Disable/GetAWSOrganizationsAccess(Status) are missing. The extension keeps
    organization shares itself (_State.org_shares, _State.share_tokens), see "organization
    shares" below.
"""

import json
import re

import time

from moto.organizations.models import organizations_backends
from moto.servicecatalog.models import Portfolio, servicecatalog_backends

from .core import ApiError, TokenStore, ext_state, new_id, now, paginate, register, register_test_route

SVC = "servicecatalog"
INVALID = "InvalidParametersException"
CONSTRAINT_TYPES = ("LAUNCH", "NOTIFICATION", "RESOURCE_UPDATE", "STACKSET", "TEMPLATE")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
IAM_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(user|role|group)/[\w+=,.@/-]+$")
# IAM_PATTERN principals leave the account field empty and may use * and ? wildcards.
IAM_PATTERN_ARN = re.compile(r"^arn:aws[a-z-]*:iam:::(user|role|group)/[\w+=,.@/*?-]+$")


class _State:
    def __init__(self):
        self.tokens = TokenStore()
        self.artifacts = {}  # product id -> [artifact dict], creation order
        self.assoc = {}  # portfolio id -> [product id]
        self.constraints = {}  # constraint id -> dict
        self.principals = {}  # portfolio id -> [{"PrincipalARN", "PrincipalType"}]
        self.view_ids = {}  # product id -> prodview id
        self.org_access = "DISABLED"  # GetAWSOrganizationsAccessStatus
        self.org_shares = {}  # portfolio id -> [{"Type", "Value"}], completed shares, in order
        self.share_tokens = {}  # PortfolioShareToken -> dict (see _org_share)
        self.next_share = {}  # test route: how the next organization share behaves


def _ctx(req):
    be = servicecatalog_backends[req.account][req.region]
    return be, ext_state(be, "servicecatalog", _State)


def _portfolio(be, pid):
    p = be.portfolios.get(pid)
    if p is None:
        raise ApiError("ResourceNotFoundException", f"Portfolio {pid} not found.")
    return p


def _product(be, pid):
    p = be.products.get(pid)
    if p is None:
        raise ApiError("ResourceNotFoundException", f"Product {pid} not found.")
    return p


def _tags_apply(be, obj, add, remove):
    tags = {t["Key"]: t["Value"] for t in obj.tags or []}
    for k in remove or []:
        tags.pop(k, None)
    for t in add or []:
        tags[t["Key"]] = t["Value"]
    if len(tags) > 20:
        raise ApiError("LimitExceededException", "A resource can have at most 20 tags")
    obj.tags = [{"Key": k, "Value": v} for k, v in tags.items()]
    be.tagger.delete_all_tags_for_resource(obj.arn)
    if obj.tags:
        be._tag_resource(obj.arn, obj.tags)


def _portfolio_detail(p):
    d = {
        "Id": p.id,
        "ARN": p.arn,
        "DisplayName": p.display_name,
        "CreatedTime": p.created_time,
        "ProviderName": p.provider_name,
    }
    if p.description:
        d["Description"] = p.description
    return d


def _view_detail(st, prod):
    summary = {
        "Id": st.view_ids.setdefault(prod.id, new_id("prodview-")),
        "ProductId": prod.id,
        "Name": prod.name,
        "Owner": prod.owner,
        "ShortDescription": prod.description,
        "Type": prod.product_type,
        "Distributor": prod.distributor,
        "HasDefaultPath": False,
        "SupportEmail": prod.support_email,
        "SupportDescription": prod.support_description,
        "SupportUrl": prod.support_url,
    }
    d = {
        "ProductViewSummary": summary,
        "Status": "AVAILABLE",
        "ProductARN": prod.arn,
        "CreatedTime": prod.created_time,
    }
    if prod.source_connection:
        d["SourceConnection"] = {
            "Type": prod.source_connection.get("Type", "CODESTAR"),
            "ConnectionParameters": prod.source_connection.get("ConnectionParameters", {}),
        }
    return d


def _artifact_public(a):
    return {k: a[k] for k in ("Id", "Name", "Description", "Type", "CreatedTime", "Active", "Guidance") if k in a}


def _new_artifact(st, product, params):
    """Validate ProvisioningArtifactProperties and append a new artifact to `product`."""
    info = params.get("Info") or {}
    atype = params.get("Type", "CLOUD_FORMATION_TEMPLATE")
    if atype == "CLOUD_FORMATION_TEMPLATE":
        sources = [k for k in ("LoadTemplateFromURL", "ImportFromPhysicalId") if k in info]
        if len(sources) != 1:
            raise ApiError(INVALID, "Info must contain exactly one of LoadTemplateFromURL, ImportFromPhysicalId")
        url = info.get("LoadTemplateFromURL")
        if url is not None and not re.match(r"^https://\S+$", url):
            raise ApiError(INVALID, f"LoadTemplateFromURL must be an https URL: {url}")
    name = params.get("Name") or f"v{len(st.artifacts.get(product.id, [])) + 1}"
    existing = st.artifacts.setdefault(product.id, [])
    if any(a["Name"] == name for a in existing):
        raise ApiError(INVALID, f"Provisioning artifact name {name} already exists in product {product.id}")
    art = {
        "Id": new_id("pa-"),
        "Name": name,
        "Type": atype,
        "CreatedTime": now(),
        "Active": True,
        "Guidance": "DEFAULT",
        "Info": dict(info),
    }
    if params.get("Description"):
        art["Description"] = params["Description"]
    existing.append(art)
    return art


def find_artifact(account, region, product_id, artifact_id):
    """(product, artifact) for other services (SageMaker CreateProject); None where unknown."""
    be = servicecatalog_backends[account][region]
    st = ext_state(be, "servicecatalog", _State)
    prod = be.products.get(product_id)
    if prod is None:
        return None, None
    arts = st.artifacts.get(product_id, [])
    if artifact_id is None:
        live = [a for a in arts if a["Active"] and a["Guidance"] == "DEFAULT"]
        return prod, (live[-1] if live else None)
    return prod, next((a for a in arts if a["Id"] == artifact_id), None)


# ---------------------------------------------------------------- portfolios


@register(SVC, "CreatePortfolio")
def create_portfolio(req):
    be, st = _ctx(req)
    p = req.params
    pid = st.tokens.lookup("CreatePortfolio", p["IdempotencyToken"], p, INVALID)
    if pid is None or pid not in be.portfolios:
        pid = new_id("port-")
        port = Portfolio(
            portfolio_id=pid,
            display_name=p["DisplayName"],
            description=p.get("Description", ""),
            provider_name=p["ProviderName"],
            tags=[],
            region_name=req.region,
            account_id=req.account,
            backend=be,
        )
        be.portfolios[pid] = port
        be.portfolio_access[pid] = []
        _tags_apply(be, port, p.get("Tags"), None)
        st.tokens.store("CreatePortfolio", p["IdempotencyToken"], p, pid)
    port = be.portfolios[pid]
    return {"PortfolioDetail": _portfolio_detail(port), "Tags": port.tags}


@register(SVC, "DescribePortfolio")
def describe_portfolio(req):
    be, _ = _ctx(req)
    port = _portfolio(be, req.params["Id"])
    return {"PortfolioDetail": _portfolio_detail(port), "Tags": port.tags, "TagOptions": [], "Budgets": []}


@register(SVC, "ListPortfolios")
def list_portfolios(req):
    be, _ = _ctx(req)
    items = [_portfolio_detail(p) for p in be.portfolios.values()]
    page, nxt = paginate(req, items, req.params.get("PageToken"), req.params.get("PageSize"), 20)
    return {"PortfolioDetails": page, "NextPageToken": nxt}


@register(SVC, "UpdatePortfolio")
def update_portfolio(req):
    be, _ = _ctx(req)
    p = req.params
    port = _portfolio(be, p["Id"])
    if "DisplayName" in p:
        port.display_name = p["DisplayName"]
    if "Description" in p:
        port.description = p["Description"]
    if "ProviderName" in p:
        port.provider_name = p["ProviderName"]
    _tags_apply(be, port, p.get("AddTags"), p.get("RemoveTags"))
    return {"PortfolioDetail": _portfolio_detail(port), "Tags": port.tags}


@register(SVC, "DeletePortfolio")
def delete_portfolio(req):
    be, st = _ctx(req)
    pid = req.params["Id"]
    port = _portfolio(be, pid)
    _settle_shares(st)
    if st.assoc.get(pid) or st.principals.get(pid) or be.portfolio_access.get(pid) or st.org_shares.get(pid):
        raise ApiError(
            "ResourceInUseException",
            f"Portfolio {pid} still has associated products, principals or shares",
        )
    be.tagger.delete_all_tags_for_resource(port.arn)
    be.delete_portfolio(accept_language=None, id=pid)
    st.assoc.pop(pid, None)
    st.principals.pop(pid, None)
    return {}


@register(SVC, "CreatePortfolioShare")
def create_portfolio_share(req):
    be, st = _ctx(req)
    p = req.params
    _portfolio(be, p["PortfolioId"])
    if ("AccountId" in p) == ("OrganizationNode" in p):
        raise ApiError(INVALID, "Exactly one of AccountId and OrganizationNode must be given")
    if "OrganizationNode" in p:
        return _org_share(req, be, st, p["PortfolioId"], p["OrganizationNode"], "CREATE")
    if "AccountId" in p and not re.match(r"^\d{12}$", p["AccountId"]):
        raise ApiError(INVALID, f"Invalid AccountId {p['AccountId']}")
    if "AccountId" in p and p["AccountId"] == req.account:
        raise ApiError(INVALID, "A portfolio cannot be shared with its own account")
    token = be.create_portfolio_share(
        accept_language=None,
        portfolio_id=p["PortfolioId"],
        account_id=p.get("AccountId"),
        organization_node=p.get("OrganizationNode"),
        share_tag_options=p.get("ShareTagOptions", False),
        share_principals=p.get("SharePrincipals", False),
    )
    return {"PortfolioShareToken": token}


@register(SVC, "DeletePortfolioShare")
def delete_portfolio_share(req):
    be, st = _ctx(req)
    p = req.params
    _portfolio(be, p["PortfolioId"])
    if ("AccountId" in p) == ("OrganizationNode" in p):
        raise ApiError(INVALID, "Exactly one of AccountId and OrganizationNode must be given")
    if "OrganizationNode" in p:
        return _org_share(req, be, st, p["PortfolioId"], p["OrganizationNode"], "DELETE")
    if "AccountId" in p and p["AccountId"] not in be.portfolio_access.get(p["PortfolioId"], []):
        raise ApiError("ResourceNotFoundException", f"Portfolio {p['PortfolioId']} is not shared with {p['AccountId']}")
    token = be.delete_portfolio_share(
        accept_language=None,
        portfolio_id=p["PortfolioId"],
        account_id=p.get("AccountId"),
        organization_node=p.get("OrganizationNode"),
    )
    return {"PortfolioShareToken": token}


@register(SVC, "ListPortfolioAccess")
def list_portfolio_access(req):
    be, _ = _ctx(req)
    p = req.params
    _portfolio(be, p["PortfolioId"])
    accounts = list(be.portfolio_access.get(p["PortfolioId"], []))
    page, nxt = paginate(req, accounts, p.get("PageToken"), p.get("PageSize"), 20)
    return {"AccountIds": page, "NextPageToken": nxt}


# ---------------------------------------------------------------- organization shares
#
# AWS shares a portfolio with an organization, an OU or an account of the caller's organization
# asynchronously: CreatePortfolioShare / DeletePortfolioShare with an OrganizationNode answer a
# PortfolioShareToken at once and DescribePortfolioShareStatus reports IN_PROGRESS until the
# share is COMPLETED (or ERROR). Here a share settles on the first DescribePortfolioShareStatus
# of its token, or SETTLE_SECONDS after the call, whichever comes first; until then
# ListOrganizationPortfolioAccess does not list a new share (and still lists a removed one).
# Organization shares need Service Catalog's AWS Organizations access (EnableAWSOrganizationsAccess,
# management account only); without it the share calls and ListOrganizationPortfolioAccess
# answer InvalidStateException / OperationNotSupportedException. The nodes must exist in moto's
# organization (moto.organizations): the organization's own id, one of its OUs, one of its
# accounts (the caller's own excepted).

SETTLE_SECONDS = 2.0
ORG_NODE_TYPES = ("ORGANIZATION", "ORGANIZATIONAL_UNIT", "ACCOUNT")
_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")


def _organization(account):
    """moto's organization whose management account is `account`, or None."""
    for be in organizations_backends[account].values():
        if be.org is not None and be.org.master_account_id == account:
            return be
    return None


def _require_org_access(st, op_code="InvalidStateException"):
    if st.org_access != "ENABLED":
        raise ApiError(
            op_code,
            "AWS Organizations access is not enabled for AWS Service Catalog: call "
            "EnableAWSOrganizationsAccess from the organization's management account",
        )


def _check_node(req, node):
    ntype, value = node.get("Type"), node.get("Value")
    if ntype is None or value is None:
        raise ApiError(INVALID, "OrganizationNode needs Type and Value")
    pattern = {"ORGANIZATION": _ORG_ID, "ORGANIZATIONAL_UNIT": _OU_ID, "ACCOUNT": _ACCOUNT_ID}[ntype]
    if not pattern.match(value):
        raise ApiError(INVALID, f"Invalid OrganizationNode Value {value} for Type {ntype}")
    org = _organization(req.account)
    if org is None:
        raise ApiError("InvalidStateException", f"Account {req.account} is not the management account of an organization")
    if ntype == "ORGANIZATION" and value != org.org.id:
        raise ApiError("ResourceNotFoundException", f"Organization {value} not found")
    if ntype == "ORGANIZATIONAL_UNIT" and not any(ou.id == value and ou.type != "ROOT" for ou in org.ou):
        raise ApiError("ResourceNotFoundException", f"Organizational unit {value} not found")
    if ntype == "ACCOUNT":
        if value == req.account:
            raise ApiError(INVALID, "A portfolio cannot be shared with its own account")
        if not any(a.id == value for a in org.accounts):
            raise ApiError("ResourceNotFoundException", f"Account {value} is not in the organization")
    return {"Type": ntype, "Value": value}


def _settle(st, tok, t, by_describe=False):
    """Complete the share operation `tok` (its effect on org_shares happens now)."""
    if t["Status"] != "IN_PROGRESS":
        return
    if t.get("Hold"):
        # seeded by the test route: stay IN_PROGRESS for this many describes
        if by_describe:
            t["Hold"] -= 1
        return
    if t.get("Error"):
        t["Status"] = "ERROR"
        return
    shares = st.org_shares.setdefault(t["PortfolioId"], [])
    if t["Action"] == "CREATE" and t["Node"] not in shares:
        shares.append(t["Node"])
    elif t["Action"] == "DELETE" and t["Node"] in shares:
        shares.remove(t["Node"])
    t["Status"] = "COMPLETED"


def _settle_shares(st):
    """Complete every share operation older than SETTLE_SECONDS."""
    now_s = time.monotonic()
    for tok, t in st.share_tokens.items():
        if now_s - t["Started"] >= SETTLE_SECONDS:
            _settle(st, tok, t)


def _pending(st, pid, node):
    """The action ("CREATE"/"DELETE") of an unsettled operation on this share, or None."""
    for t in st.share_tokens.values():
        if t["Status"] == "IN_PROGRESS" and t["PortfolioId"] == pid and t["Node"] == node:
            return t["Action"]
    return None


def _org_share(req, be, st, pid, node, action):
    _require_org_access(st)
    node = _check_node(req, node)
    _settle_shares(st)
    shared = node in st.org_shares.get(pid, [])
    pending = _pending(st, pid, node)
    if pending is not None:
        raise ApiError("InvalidStateException", f"A share operation on {node['Value']} is already in progress for portfolio {pid}")
    if action == "DELETE" and not shared:
        raise ApiError("ResourceNotFoundException", f"Portfolio {pid} is not shared with {node['Value']}")
    tok = new_id("share-", 20)
    st.share_tokens[tok] = {
        "PortfolioId": pid,
        "Node": node,
        "Action": action,
        "Status": "IN_PROGRESS",
        "Started": time.monotonic(),
        "Hold": st.next_share.pop("Describes", 0) if action == "CREATE" else 0,
        "Error": st.next_share.pop("Error", None) if action == "CREATE" else None,
    }
    if action == "CREATE" and shared:
        _settle(st, tok, st.share_tokens[tok])  # already shared: nothing to do, done at once
    return {"PortfolioShareToken": tok}


@register(SVC, "DescribePortfolioShareStatus")
def describe_portfolio_share_status(req):
    _, st = _ctx(req)
    tok = req.params["PortfolioShareToken"]
    t = st.share_tokens.get(tok)
    if t is None:
        raise ApiError("ResourceNotFoundException", f"Portfolio share token {tok} not found")
    _settle(st, tok, t, by_describe=True)
    errors = []
    if t["Status"] == "ERROR":
        errors = [{"Accounts": [], "Message": t["Error"], "Error": "OrganizationShareFailed"}]
    return {
        "PortfolioShareToken": tok,
        "PortfolioId": t["PortfolioId"],
        "OrganizationNodeValue": t["Node"]["Value"],
        "Status": t["Status"],
        "ShareDetails": {"SuccessfulShares": [], "ShareErrors": errors},
    }


@register_test_route("/__fcc/servicecatalog/next-share")
def seed_next_share(body, account, region):
    """Test-only: the next organization share stays IN_PROGRESS for `Describes` status reads
    (and the delay), and/or ends in ERROR with `Error` as its ShareErrors message."""
    be = servicecatalog_backends[account][region]
    st = ext_state(be, "servicecatalog", _State)
    st.next_share = {k: body[k] for k in ("Describes", "Error") if k in body}
    return {}


@register(SVC, "ListOrganizationPortfolioAccess")
def list_organization_portfolio_access(req):
    be, st = _ctx(req)
    p = req.params
    _portfolio(be, p["PortfolioId"])
    _require_org_access(st, "OperationNotSupportedException")
    _settle_shares(st)
    nodes = [n for n in st.org_shares.get(p["PortfolioId"], []) if n["Type"] == p["OrganizationNodeType"]]
    page, nxt = paginate(req, nodes, p.get("PageToken"), p.get("PageSize"), 20)
    return {"OrganizationNodes": page, "NextPageToken": nxt}


@register(SVC, "EnableAWSOrganizationsAccess")
def enable_aws_organizations_access(req):
    _, st = _ctx(req)
    if _organization(req.account) is None:
        raise ApiError(
            "InvalidStateException",
            f"Account {req.account} is not the management account of an organization",
        )
    st.org_access = "ENABLED"
    return {}


@register(SVC, "DisableAWSOrganizationsAccess")
def disable_aws_organizations_access(req):
    _, st = _ctx(req)
    if _organization(req.account) is None:
        raise ApiError(
            "InvalidStateException",
            f"Account {req.account} is not the management account of an organization",
        )
    st.org_access = "DISABLED"
    return {}


@register(SVC, "GetAWSOrganizationsAccessStatus")
def get_aws_organizations_access_status(req):
    _, st = _ctx(req)
    return {"AccessStatus": st.org_access}


# ---------------------------------------------------------------- products


@register(SVC, "CreateProduct")
def create_product(req):
    be, st = _ctx(req)
    p = req.params
    pid = st.tokens.lookup("CreateProduct", p["IdempotencyToken"], p, INVALID)
    if pid is None or pid not in be.products:
        # ProvisioningArtifactParameters is optional (the model does not require it): a
        # product may start with no artifact and get one from CreateProvisioningArtifact.
        pap = p.get("ProvisioningArtifactParameters")
        # moto's own create_product stores the product; we then give it an AWS-style id.
        prod = be.create_product(
            name=p["Name"],
            owner=p["Owner"],
            description=p.get("Description"),
            distributor=p.get("Distributor"),
            support_description=p.get("SupportDescription"),
            support_email=p.get("SupportEmail"),
            support_url=p.get("SupportUrl"),
            product_type=p["ProductType"],
            tags=[],
            provisioning_artifact_parameters=pap,
            idempotency_token=None,
            source_connection=p.get("SourceConnection"),
            accept_language=p.get("AcceptLanguage"),
        )
        old = prod.id
        del be.products[old]
        for tok in [t for t, v in be.idempotency_tokens.items() if v == old]:
            del be.idempotency_tokens[tok]
        prod.id = new_id("prod-")
        be.products[prod.id] = prod
        try:
            _tags_apply(be, prod, p.get("Tags"), None)
            if pap:
                _new_artifact(st, prod, pap)
        except ApiError:
            del be.products[prod.id]
            st.artifacts.pop(prod.id, None)
            raise
        pid = prod.id
        st.tokens.store("CreateProduct", p["IdempotencyToken"], p, pid)
    prod = be.products[pid]
    arts = st.artifacts.get(pid, [])
    return {
        "ProductViewDetail": _view_detail(st, prod),
        "ProvisioningArtifactDetail": _artifact_public(arts[0]) if arts else None,
        "Tags": prod.tags,
    }


def _product_by_id_or_name(be, p):
    if p.get("Id"):
        return _product(be, p["Id"])
    if p.get("Name"):
        prod = be.lookup_by_name(p["Name"])
        if prod is None:
            raise ApiError("ResourceNotFoundException", f"Product with name {p['Name']} not found.")
        return prod
    raise ApiError(INVALID, "Either Id or Name must be specified")


@register(SVC, "DescribeProductAsAdmin")
def describe_product_as_admin(req):
    be, st = _ctx(req)
    prod = _product_by_id_or_name(be, req.params)
    if req.params.get("SourcePortfolioId"):
        _portfolio(be, req.params["SourcePortfolioId"])
    summaries = [
        {
            "Id": a["Id"],
            "Name": a["Name"],
            "Description": a.get("Description"),
            "CreatedTime": a["CreatedTime"],
            "ProvisioningArtifactMetadata": {},
        }
        for a in st.artifacts.get(prod.id, [])
    ]
    return {
        "ProductViewDetail": _view_detail(st, prod),
        "ProvisioningArtifactSummaries": summaries,
        "Tags": prod.tags,
        "TagOptions": [],
        "Budgets": [],
    }


@register(SVC, "SearchProductsAsAdmin")
def search_products_as_admin(req):
    be, st = _ctx(req)
    p = req.params
    prods = list(be.products.values())
    if p.get("PortfolioId"):
        _portfolio(be, p["PortfolioId"])
        ids = st.assoc.get(p["PortfolioId"], [])
        prods = [x for x in prods if x.id in ids]
    filters = p.get("Filters") or {}
    for key, values in filters.items():
        if key == "FullTextSearch":
            prods = [
                x
                for x in prods
                if any(v.lower() in " ".join(filter(None, [x.name, x.owner, x.description])).lower() for v in values)
            ]
        elif key == "Owner":
            prods = [x for x in prods if x.owner in values]
        elif key == "ProductType":
            prods = [x for x in prods if x.product_type in values]
        elif key == "SourceProductId":
            prods = [x for x in prods if x.id in values]
        else:
            raise ApiError(INVALID, f"Unsupported filter {key}")
    sort_by = p.get("SortBy", "CreationDate")
    keyf = {
        "Title": lambda x: x.name.lower(),
        "CreationDate": lambda x: x.created_time,
        "VersionCount": lambda x: len(st.artifacts.get(x.id, [])),
    }[sort_by]
    prods.sort(key=keyf, reverse=p.get("SortOrder") == "DESCENDING")
    page, nxt = paginate(req, prods, p.get("PageToken"), p.get("PageSize"), 20)
    return {"ProductViewDetails": [_view_detail(st, x) for x in page], "NextPageToken": nxt}


@register(SVC, "UpdateProduct")
def update_product(req):
    be, st = _ctx(req)
    p = req.params
    prod = _product(be, p["Id"])
    for member, attr in (
        ("Name", "name"),
        ("Owner", "owner"),
        ("Description", "description"),
        ("Distributor", "distributor"),
        ("SupportDescription", "support_description"),
        ("SupportEmail", "support_email"),
        ("SupportUrl", "support_url"),
        ("SourceConnection", "source_connection"),
    ):
        if member in p:
            setattr(prod, attr, p[member])
    _tags_apply(be, prod, p.get("AddTags"), p.get("RemoveTags"))
    return {"ProductViewDetail": _view_detail(st, prod), "Tags": prod.tags}


@register(SVC, "DeleteProduct")
def delete_product(req):
    be, st = _ctx(req)
    pid = req.params["Id"]
    prod = _product(be, pid)
    used = [port for port, prods in st.assoc.items() if pid in prods]
    if used:
        raise ApiError("ResourceInUseException", f"Product {pid} is associated with portfolios {', '.join(used)}")
    be.tagger.delete_all_tags_for_resource(prod.arn)
    be.delete_product(accept_language=None, id=pid)
    st.artifacts.pop(pid, None)
    st.view_ids.pop(pid, None)
    return {}


# ---------------------------------------------------------------- provisioning artifacts


@register(SVC, "CreateProvisioningArtifact")
def create_provisioning_artifact(req):
    be, st = _ctx(req)
    p = req.params
    prod = _product(be, p["ProductId"])
    aid = st.tokens.lookup("CreateProvisioningArtifact", p["IdempotencyToken"], p, INVALID)
    art = next((a for a in st.artifacts.get(prod.id, []) if a["Id"] == aid), None) if aid else None
    if art is None:
        art = _new_artifact(st, prod, p["Parameters"])
        st.tokens.store("CreateProvisioningArtifact", p["IdempotencyToken"], p, art["Id"])
    return {"ProvisioningArtifactDetail": _artifact_public(art), "Info": art["Info"], "Status": "AVAILABLE"}


@register(SVC, "ListProvisioningArtifacts")
def list_provisioning_artifacts(req):
    be, st = _ctx(req)
    prod = _product(be, req.params["ProductId"])
    return {"ProvisioningArtifactDetails": [_artifact_public(a) for a in st.artifacts.get(prod.id, [])]}


def _artifact(st, product_id, artifact_id):
    art = next((a for a in st.artifacts.get(product_id, []) if a["Id"] == artifact_id), None)
    if art is None:
        raise ApiError(
            "ResourceNotFoundException",
            f"Provisioning artifact {artifact_id} not found in product {product_id}.",
        )
    return art


@register(SVC, "DescribeProvisioningArtifact")
def describe_provisioning_artifact(req):
    be, st = _ctx(req)
    p = req.params
    if p.get("ProductId"):
        prod = _product(be, p["ProductId"])
    elif p.get("ProductName"):
        prod = _product_by_id_or_name(be, {"Name": p["ProductName"]})
    else:
        raise ApiError(INVALID, "Either ProductId or ProductName must be specified")
    if p.get("ProvisioningArtifactId"):
        art = _artifact(st, prod.id, p["ProvisioningArtifactId"])
    elif p.get("ProvisioningArtifactName"):
        art = next((a for a in st.artifacts.get(prod.id, []) if a["Name"] == p["ProvisioningArtifactName"]), None)
        if art is None:
            raise ApiError("ResourceNotFoundException", f"Provisioning artifact {p['ProvisioningArtifactName']} not found.")
    else:
        raise ApiError(INVALID, "Either ProvisioningArtifactId or ProvisioningArtifactName must be specified")
    return {"ProvisioningArtifactDetail": _artifact_public(art), "Info": art["Info"], "Status": "AVAILABLE"}


@register(SVC, "UpdateProvisioningArtifact")
def update_provisioning_artifact(req):
    be, st = _ctx(req)
    p = req.params
    prod = _product(be, p["ProductId"])
    art = _artifact(st, prod.id, p["ProvisioningArtifactId"])
    for k in ("Name", "Description", "Active", "Guidance"):
        if k in p:
            art[k] = p[k]
    return {"ProvisioningArtifactDetail": _artifact_public(art), "Info": art["Info"], "Status": "AVAILABLE"}


@register(SVC, "DeleteProvisioningArtifact")
def delete_provisioning_artifact(req):
    be, st = _ctx(req)
    p = req.params
    prod = _product(be, p["ProductId"])
    art = _artifact(st, prod.id, p["ProvisioningArtifactId"])
    arts = st.artifacts[prod.id]
    if len(arts) == 1:
        raise ApiError(INVALID, "The last provisioning artifact of a product cannot be deleted")
    arts.remove(art)
    return {}


# ---------------------------------------------------------------- product <-> portfolio


@register(SVC, "AssociateProductWithPortfolio")
def associate_product_with_portfolio(req):
    be, st = _ctx(req)
    p = req.params
    prod = _product(be, p["ProductId"])
    port = _portfolio(be, p["PortfolioId"])
    if p.get("SourcePortfolioId"):
        _portfolio(be, p["SourcePortfolioId"])
    ids = st.assoc.setdefault(port.id, [])
    if prod.id not in ids:  # AWS answers success to a repeated association
        ids.append(prod.id)
    return {}


@register(SVC, "DisassociateProductFromPortfolio")
def disassociate_product_from_portfolio(req):
    be, st = _ctx(req)
    p = req.params
    prod = _product(be, p["ProductId"])
    port = _portfolio(be, p["PortfolioId"])
    if prod.id not in st.assoc.get(port.id, []):
        raise ApiError("ResourceNotFoundException", f"Product {prod.id} is not associated with portfolio {port.id}.")
    if any(c["PortfolioId"] == port.id and c["ProductId"] == prod.id for c in st.constraints.values()):
        raise ApiError("ResourceInUseException", "Delete the product's constraints in this portfolio first")
    st.assoc[port.id].remove(prod.id)
    return {}


@register(SVC, "ListPortfoliosForProduct")
def list_portfolios_for_product(req):
    be, st = _ctx(req)
    p = req.params
    prod = _product(be, p["ProductId"])
    items = [_portfolio_detail(be.portfolios[pid]) for pid, ids in st.assoc.items() if prod.id in ids and pid in be.portfolios]
    page, nxt = paginate(req, items, p.get("PageToken"), p.get("PageSize"), 20)
    return {"PortfolioDetails": page, "NextPageToken": nxt}


# ---------------------------------------------------------------- constraints


def _check_constraint_parameters(ctype, text):
    try:
        params = json.loads(text)
    except ValueError:
        raise ApiError(INVALID, "Constraint Parameters must be a JSON object")
    if not isinstance(params, dict):
        raise ApiError(INVALID, "Constraint Parameters must be a JSON object")
    if ctype == "LAUNCH":
        keys = [k for k in ("RoleArn", "LocalRoleName") if k in params]
        if len(keys) != 1 or set(params) != set(keys):
            raise ApiError(INVALID, 'LAUNCH constraint Parameters must be {"RoleArn": ...} or {"LocalRoleName": ...}')
        if "RoleArn" in params and not (isinstance(params["RoleArn"], str) and ROLE_ARN.match(params["RoleArn"])):
            raise ApiError(INVALID, f"RoleArn is not an IAM role ARN: {params['RoleArn']}")
    elif ctype == "NOTIFICATION":
        if not isinstance(params.get("NotificationArns"), list) or not params["NotificationArns"]:
            raise ApiError(INVALID, "NOTIFICATION constraint Parameters need NotificationArns")
    elif ctype == "RESOURCE_UPDATE":
        if params.get("Version") != "2.0" or "Properties" not in params:
            raise ApiError(INVALID, "RESOURCE_UPDATE constraint Parameters need Version 2.0 and Properties")
    elif ctype == "TEMPLATE":
        if "Rules" not in params:
            raise ApiError(INVALID, "TEMPLATE constraint Parameters need Rules")


def _constraint_detail(c):
    return {k: c[k] for k in ("ConstraintId", "Type", "Description", "Owner", "ProductId", "PortfolioId") if k in c}


@register(SVC, "CreateConstraint")
def create_constraint(req):
    be, st = _ctx(req)
    p = req.params
    cid = st.tokens.lookup("CreateConstraint", p["IdempotencyToken"], p, INVALID)
    if cid is None or cid not in st.constraints:
        port = _portfolio(be, p["PortfolioId"])
        prod = _product(be, p["ProductId"])
        if p["Type"] not in CONSTRAINT_TYPES:
            raise ApiError(INVALID, f"Constraint Type must be one of {', '.join(CONSTRAINT_TYPES)}")
        if prod.id not in st.assoc.get(port.id, []):
            raise ApiError(INVALID, f"Product {prod.id} is not associated with portfolio {port.id}")
        _check_constraint_parameters(p["Type"], p["Parameters"])
        if p["Type"] in ("LAUNCH", "STACKSET") and any(
            c["PortfolioId"] == port.id and c["ProductId"] == prod.id and c["Type"] in ("LAUNCH", "STACKSET")
            for c in st.constraints.values()
        ):
            raise ApiError(
                "DuplicateResourceException",
                f"Product {prod.id} already has a {p['Type']} constraint in portfolio {port.id}",
            )
        cid = new_id("cons-")
        st.constraints[cid] = {
            "ConstraintId": cid,
            "Type": p["Type"],
            "Description": p.get("Description"),
            "Owner": req.account,
            "ProductId": prod.id,
            "PortfolioId": port.id,
            "Parameters": p["Parameters"],
        }
        st.tokens.store("CreateConstraint", p["IdempotencyToken"], p, cid)
    c = st.constraints[cid]
    return {"ConstraintDetail": _constraint_detail(c), "ConstraintParameters": c["Parameters"], "Status": "AVAILABLE"}


def _constraint(st, cid):
    c = st.constraints.get(cid)
    if c is None:
        raise ApiError("ResourceNotFoundException", f"Constraint {cid} not found.")
    return c


@register(SVC, "DescribeConstraint")
def describe_constraint(req):
    _, st = _ctx(req)
    c = _constraint(st, req.params["Id"])
    return {"ConstraintDetail": _constraint_detail(c), "ConstraintParameters": c["Parameters"], "Status": "AVAILABLE"}


@register(SVC, "DeleteConstraint")
def delete_constraint(req):
    _, st = _ctx(req)
    _constraint(st, req.params["Id"])
    del st.constraints[req.params["Id"]]
    return {}


@register(SVC, "ListConstraintsForPortfolio")
def list_constraints_for_portfolio(req):
    be, st = _ctx(req)
    p = req.params
    port = _portfolio(be, p["PortfolioId"])
    items = [
        _constraint_detail(c)
        for c in st.constraints.values()
        if c["PortfolioId"] == port.id and ("ProductId" not in p or c["ProductId"] == p["ProductId"])
    ]
    page, nxt = paginate(req, items, p.get("PageToken"), p.get("PageSize"), 20)
    return {"ConstraintDetails": page, "NextPageToken": nxt}


# ---------------------------------------------------------------- principals


@register(SVC, "AssociatePrincipalWithPortfolio")
def associate_principal_with_portfolio(req):
    be, st = _ctx(req)
    p = req.params
    port = _portfolio(be, p["PortfolioId"])
    arn, ptype = p["PrincipalARN"], p["PrincipalType"]
    if ptype == "IAM" and not IAM_ARN.match(arn):
        raise ApiError(INVALID, f"PrincipalARN {arn} is not an IAM user, role or group ARN")
    if ptype == "IAM_PATTERN" and not IAM_PATTERN_ARN.match(arn):
        raise ApiError(
            INVALID,
            f"PrincipalARN {arn} is not an IAM_PATTERN (arn:PARTITION:iam:::role/NAME, account left empty)",
        )
    entries = st.principals.setdefault(port.id, [])
    if not any(e["PrincipalARN"] == arn for e in entries):
        entries.append({"PrincipalARN": arn, "PrincipalType": ptype})
    return {}


@register(SVC, "DisassociatePrincipalFromPortfolio")
def disassociate_principal_from_portfolio(req):
    be, st = _ctx(req)
    p = req.params
    port = _portfolio(be, p["PortfolioId"])
    entries = st.principals.get(port.id, [])
    hit = [
        e
        for e in entries
        if e["PrincipalARN"] == p["PrincipalARN"] and p.get("PrincipalType", e["PrincipalType"]) == e["PrincipalType"]
    ]
    if not hit:
        raise ApiError("ResourceNotFoundException", f"Principal {p['PrincipalARN']} is not associated with {port.id}.")
    entries.remove(hit[0])
    return {}


@register(SVC, "ListPrincipalsForPortfolio")
def list_principals_for_portfolio(req):
    be, st = _ctx(req)
    p = req.params
    port = _portfolio(be, p["PortfolioId"])
    page, nxt = paginate(req, list(st.principals.get(port.id, [])), p.get("PageToken"), p.get("PageSize"), 20)
    return {"Principals": page, "NextPageToken": nxt}
