#!/usr/bin/env python3
"""run_endpoint.py — tests of the local AWS endpoint (moto + fccext) through boto3.

Every operation fccext adds, and every moto-native operation fcc depends on
(/work/shared/AWS-WIRE.md), is called through a boto3 client with botocore's parameter
validation on, so botocore's own serializers and parsers vouch for both sides of the wire.
Negative tests that must send what botocore would refuse use a client with validation off,
or a raw HTTP request.

Uses FCC_TEST_ENDPOINT when tests/run.sh sets it; otherwise starts its own server through
tests/aws/endpoint.sh and stops it at the end. Prints `N passed, N failed` last and exits
non-zero on any failure.
"""

import contextlib
import datetime
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
ENDPOINT = None
ACCOUNT = "123456789012"
REGION = "us-east-1"
_clients = {}


def client(service, region=REGION, validate=True, unsigned=False):
    """A cached boto3 client for the test endpoint (dummy credentials, one attempt)."""
    key = (service, region, validate, unsigned)
    if key not in _clients:
        cfg = Config(
            parameter_validation=validate,
            retries={"max_attempts": 1, "mode": "standard"},
            s3={"addressing_style": "path"},
            signature_version=botocore.UNSIGNED if unsigned else None,
        )
        _clients[key] = boto3.client(
            service,
            endpoint_url=ENDPOINT,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=cfg,
        )
    return _clients[key]


def uniq(prefix):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def raw_json(target, body, headers=None):
    """POST a raw JSON 1.1 request; returns (status, headers, parsed body)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    h = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": target,
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/servicecatalog/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    h.update(headers or {})
    req = urllib.request.Request(ENDPOINT + "/", data=data, headers=h, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"{}")


def test_route(path, body):
    req = urllib.request.Request(
        ENDPOINT + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


TEMPLATE_URL = "https://fcc-test.s3.amazonaws.com/templates/product.yaml"
ROLE_ARN = "arn:aws:iam::123456789012:role/fcc-launch"


class EndpointTest(unittest.TestCase):
    def assertError(self, code, fn, *args, status=400, **kwargs):
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kwargs)
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], code, err["Error"].get("Message"))
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status)
        return err["Error"].get("Message", "")

    def sc(self, **kw):
        return client("servicecatalog", **kw)

    def portfolio(self, sc=None, **extra):
        sc = sc or self.sc()
        args = dict(DisplayName=uniq("pf-"), ProviderName="fcc", IdempotencyToken=uniq("tok"))
        args.update(extra)
        return sc.create_portfolio(**args)["PortfolioDetail"]["Id"]

    def product(self, artifact=True, sc=None, **extra):
        sc = sc or self.sc()
        args = dict(Name=uniq("prod-name-"), Owner="fcc", ProductType="CLOUD_FORMATION_TEMPLATE", IdempotencyToken=uniq("tok"))
        if artifact:
            args["ProvisioningArtifactParameters"] = {
                "Name": "v1",
                "Info": {"LoadTemplateFromURL": TEMPLATE_URL},
                "Type": "CLOUD_FORMATION_TEMPLATE",
            }
        args.update(extra)
        r = sc.create_product(**args)
        return r["ProductViewDetail"]["ProductViewSummary"]["ProductId"], r


# ======================================================================= Service Catalog


class test_sc_portfolio(EndpointTest):
    def test_create_shape_ids_and_tags(self):
        r = self.sc().create_portfolio(
            DisplayName="Team", ProviderName="fcc", Description="d", IdempotencyToken=uniq("t"),
            Tags=[{"Key": "fcc:project", "Value": "demo"}],
        )
        d = r["PortfolioDetail"]
        self.assertRegex(d["Id"], r"^port-[a-z0-9]{13}$")
        self.assertEqual(d["ARN"], f"arn:aws:catalog:{REGION}:{ACCOUNT}:portfolio/{d['Id']}")
        self.assertIsInstance(d["CreatedTime"], datetime.datetime)
        self.assertEqual((d["DisplayName"], d["ProviderName"], d["Description"]), ("Team", "fcc", "d"))
        self.assertEqual(r["Tags"], [{"Key": "fcc:project", "Value": "demo"}])
        got = self.sc().describe_portfolio(Id=d["Id"])
        self.assertEqual(got["PortfolioDetail"]["Id"], d["Id"])
        self.assertEqual(got["Tags"], [{"Key": "fcc:project", "Value": "demo"}])

    def test_idempotency_token(self):
        tok = uniq("tok")
        a = self.sc().create_portfolio(DisplayName="Same", ProviderName="fcc", IdempotencyToken=tok)
        before = len(self._all())
        b = self.sc().create_portfolio(DisplayName="Same", ProviderName="fcc", IdempotencyToken=tok)
        self.assertEqual(a["PortfolioDetail"]["Id"], b["PortfolioDetail"]["Id"])
        self.assertEqual(len(self._all()), before)
        self.assertError(
            "InvalidParametersException",
            self.sc().create_portfolio, DisplayName="Other", ProviderName="fcc", IdempotencyToken=tok,
        )

    def _all(self, region=REGION, size=None):
        sc = self.sc(region=region)
        out, token, pages = [], None, 0
        while True:
            kw = {"PageSize": size} if size else {}
            if token:
                kw["PageToken"] = token
            r = sc.list_portfolios(**kw)
            pages += 1
            if size:
                self.assertLessEqual(len(r["PortfolioDetails"]), size)
            out += [p["Id"] for p in r["PortfolioDetails"]]
            token = r.get("NextPageToken")
            if not token:
                return out if not size else (out, pages)

    def test_list_pagination(self):
        region = "ap-southeast-2"  # used by this test only, so the count is exact
        ids = [self.portfolio(sc=self.sc(region=region)) for _ in range(5)]
        got, pages = self._all(region=region, size=2)
        self.assertEqual(got, ids)
        self.assertEqual(pages, 3)
        self.assertError("InvalidParametersException", self.sc().list_portfolios, PageToken="not-a-token")

    def test_describe_unknown(self):
        self.assertError("ResourceNotFoundException", self.sc().describe_portfolio, Id="port-doesnotexist1")

    def test_update(self):
        pid = self.portfolio(Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        r = self.sc().update_portfolio(
            Id=pid, DisplayName="Renamed", Description="new", AddTags=[{"Key": "c", "Value": "3"}], RemoveTags=["a"]
        )
        self.assertEqual(r["PortfolioDetail"]["DisplayName"], "Renamed")
        self.assertEqual(sorted(t["Key"] for t in r["Tags"]), ["b", "c"])
        d = self.sc().describe_portfolio(Id=pid)
        self.assertEqual(d["PortfolioDetail"]["Description"], "new")
        self.assertEqual(sorted(t["Key"] for t in d["Tags"]), ["b", "c"])
        self.assertError("ResourceNotFoundException", self.sc().update_portfolio, Id="port-nope00000000")

    def test_share_access_and_unshare(self):
        pid = self.portfolio()
        self.assertError("ResourceNotFoundException", self.sc().create_portfolio_share, PortfolioId="port-nope00000000", AccountId="111122223333")
        self.assertError("InvalidParametersException", self.sc().create_portfolio_share, PortfolioId=pid)
        self.sc().create_portfolio_share(PortfolioId=pid, AccountId="111122223333")
        self.assertEqual(self.sc().list_portfolio_access(PortfolioId=pid)["AccountIds"], ["111122223333"])
        self.sc().delete_portfolio_share(PortfolioId=pid, AccountId="111122223333")
        self.assertEqual(self.sc().list_portfolio_access(PortfolioId=pid)["AccountIds"], [])
        self.assertError("ResourceNotFoundException", self.sc().delete_portfolio_share, PortfolioId=pid, AccountId="111122223333")
        self.assertError("ResourceNotFoundException", self.sc().list_portfolio_access, PortfolioId="port-nope00000000")

    def test_delete_in_use_then_gone(self):
        pid = self.portfolio()
        prod, _ = self.product()
        self.sc().associate_product_with_portfolio(ProductId=prod, PortfolioId=pid)
        self.assertError("ResourceInUseException", self.sc().delete_portfolio, Id=pid)
        self.sc().disassociate_product_from_portfolio(ProductId=prod, PortfolioId=pid)
        self.sc().delete_portfolio(Id=pid)
        self.assertError("ResourceNotFoundException", self.sc().describe_portfolio, Id=pid)
        self.assertNotIn(pid, self._all())


def account_client(service, account):
    """A boto3 client acting as `account` (x-moto-account-id), so organization state made here
    stays out of the default account the other suites share the endpoint with."""
    c = boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    c.meta.events.register("before-send", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account))
    return c


class test_sc_org_share(EndpointTest):
    """Organization-node shares: asynchronous, listed by node type, gated on AWS Organizations
    access. Each test uses an account of its own (a fresh organization)."""

    def setUp(self):
        self.account = str(300000000000 + int(uuid.uuid4().int % 99999999999))
        self.sc = lambda **_: account_client("servicecatalog", self.account)
        self.org = account_client("organizations", self.account)

    def make_org(self):
        org = self.org.create_organization(FeatureSet="ALL")["Organization"]
        root = self.org.list_roots()["Roots"][0]["Id"]
        ou = self.org.create_organizational_unit(ParentId=root, Name="ml")["OrganizationalUnit"]["Id"]
        return org["Id"], ou

    def test_access_status_enable_disable(self):
        sc = self.sc()
        self.assertEqual(sc.get_aws_organizations_access_status()["AccessStatus"], "DISABLED")
        self.assertError("InvalidStateException", sc.enable_aws_organizations_access)
        self.make_org()
        sc.enable_aws_organizations_access()
        self.assertEqual(sc.get_aws_organizations_access_status()["AccessStatus"], "ENABLED")
        sc.disable_aws_organizations_access()
        self.assertEqual(sc.get_aws_organizations_access_status()["AccessStatus"], "DISABLED")

    def test_share_needs_access(self):
        org_id, _ = self.make_org()
        pid = self.portfolio(sc=self.sc())
        msg = self.assertError("InvalidStateException", self.sc().create_portfolio_share, PortfolioId=pid,
                               OrganizationNode={"Type": "ORGANIZATION", "Value": org_id})
        self.assertIn("EnableAWSOrganizationsAccess", msg)
        self.assertError("OperationNotSupportedException", self.sc().list_organization_portfolio_access,
                         PortfolioId=pid, OrganizationNodeType="ORGANIZATION")

    def test_async_share_list_and_unshare(self):
        org_id, ou = self.make_org()
        sc = self.sc()
        sc.enable_aws_organizations_access()
        pid = self.portfolio(sc=sc)
        tok = sc.create_portfolio_share(PortfolioId=pid, OrganizationNode={"Type": "ORGANIZATION", "Value": org_id})["PortfolioShareToken"]
        # not listed until the share completes
        self.assertEqual(sc.list_organization_portfolio_access(PortfolioId=pid, OrganizationNodeType="ORGANIZATION")["OrganizationNodes"], [])
        st = sc.describe_portfolio_share_status(PortfolioShareToken=tok)
        self.assertEqual((st["Status"], st["PortfolioId"], st["OrganizationNodeValue"]), ("COMPLETED", pid, org_id))
        self.assertEqual(st["ShareDetails"], {"SuccessfulShares": [], "ShareErrors": []})
        self.assertEqual(sc.list_organization_portfolio_access(PortfolioId=pid, OrganizationNodeType="ORGANIZATION")["OrganizationNodes"],
                         [{"Type": "ORGANIZATION", "Value": org_id}])
        self.assertEqual(sc.list_organization_portfolio_access(PortfolioId=pid, OrganizationNodeType="ORGANIZATIONAL_UNIT")["OrganizationNodes"], [])
        tok2 = sc.create_portfolio_share(PortfolioId=pid, OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": ou})["PortfolioShareToken"]
        # a second operation on the same node while the first runs is refused
        self.assertError("InvalidStateException", sc.create_portfolio_share, PortfolioId=pid,
                         OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": ou})
        # the share settles by itself after a short delay too
        time.sleep(2.1)
        self.assertEqual(sc.list_organization_portfolio_access(PortfolioId=pid, OrganizationNodeType="ORGANIZATIONAL_UNIT")["OrganizationNodes"],
                         [{"Type": "ORGANIZATIONAL_UNIT", "Value": ou}])
        self.assertEqual(sc.describe_portfolio_share_status(PortfolioShareToken=tok2)["Status"], "COMPLETED")
        self.assertError("ResourceInUseException", sc.delete_portfolio, Id=pid)
        tok3 = sc.delete_portfolio_share(PortfolioId=pid, OrganizationNode={"Type": "ORGANIZATION", "Value": org_id})["PortfolioShareToken"]
        self.assertEqual(sc.describe_portfolio_share_status(PortfolioShareToken=tok3)["Status"], "COMPLETED")
        self.assertEqual(sc.list_organization_portfolio_access(PortfolioId=pid, OrganizationNodeType="ORGANIZATION")["OrganizationNodes"], [])
        self.assertError("ResourceNotFoundException", sc.delete_portfolio_share, PortfolioId=pid,
                         OrganizationNode={"Type": "ORGANIZATION", "Value": org_id})
        sc.describe_portfolio_share_status(PortfolioShareToken=sc.delete_portfolio_share(
            PortfolioId=pid, OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": ou})["PortfolioShareToken"])
        sc.delete_portfolio(Id=pid)

    def test_seeded_delay_and_error(self):
        org_id, ou = self.make_org()
        sc = self.sc()
        sc.enable_aws_organizations_access()
        pid = self.portfolio(sc=sc)
        self.assertEqual(test_route("/__fcc/servicecatalog/next-share", {"Account": self.account, "Describes": 2})[0], 200)
        tok = sc.create_portfolio_share(PortfolioId=pid, OrganizationNode={"Type": "ORGANIZATION", "Value": org_id})["PortfolioShareToken"]
        got = [sc.describe_portfolio_share_status(PortfolioShareToken=tok)["Status"] for _ in range(3)]
        self.assertEqual(got, ["IN_PROGRESS", "IN_PROGRESS", "COMPLETED"])
        test_route("/__fcc/servicecatalog/next-share", {"Account": self.account, "Error": "OU is being moved"})
        tok = sc.create_portfolio_share(PortfolioId=pid, OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": ou})["PortfolioShareToken"]
        st = sc.describe_portfolio_share_status(PortfolioShareToken=tok)
        self.assertEqual(st["Status"], "ERROR")
        self.assertEqual(st["ShareDetails"]["ShareErrors"],
                         [{"Accounts": [], "Message": "OU is being moved", "Error": "OrganizationShareFailed"}])
        self.assertEqual(sc.list_organization_portfolio_access(PortfolioId=pid, OrganizationNodeType="ORGANIZATIONAL_UNIT")["OrganizationNodes"], [])

    def test_nodes_validated_and_paginated(self):
        org_id, ou = self.make_org()
        sc = self.sc()
        sc.enable_aws_organizations_access()
        pid = self.portfolio(sc=sc)
        self.assertError("ResourceNotFoundException", sc.create_portfolio_share, PortfolioId=pid,
                         OrganizationNode={"Type": "ORGANIZATION", "Value": "o-aaaaaaaaaa"})
        self.assertError("ResourceNotFoundException", sc.create_portfolio_share, PortfolioId=pid,
                         OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": "ou-abcd-abcdefgh"})
        self.assertError("InvalidParametersException", sc.create_portfolio_share, PortfolioId=pid,
                         OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": org_id})
        self.assertError("ResourceNotFoundException", sc.describe_portfolio_share_status, PortfolioShareToken="share-nope")
        root = self.org.list_roots()["Roots"][0]["Id"]
        ous = [ou] + [self.org.create_organizational_unit(ParentId=root, Name=f"u{i}")["OrganizationalUnit"]["Id"] for i in range(2)]
        for o in ous:
            sc.describe_portfolio_share_status(PortfolioShareToken=sc.create_portfolio_share(
                PortfolioId=pid, OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": o})["PortfolioShareToken"])
        p1 = sc.list_organization_portfolio_access(PortfolioId=pid, OrganizationNodeType="ORGANIZATIONAL_UNIT", PageSize=2)
        self.assertEqual(len(p1["OrganizationNodes"]), 2)
        p2 = sc.list_organization_portfolio_access(PortfolioId=pid, OrganizationNodeType="ORGANIZATIONAL_UNIT", PageSize=2,
                                                   PageToken=p1["NextPageToken"])
        self.assertNotIn("NextPageToken", p2)
        self.assertEqual(sorted(n["Value"] for n in p1["OrganizationNodes"] + p2["OrganizationNodes"]), sorted(ous))


class test_sc_product(EndpointTest):
    def test_create_shape_and_initial_artifact(self):
        pid, r = self.product(Tags=[{"Key": "k", "Value": "v"}], Description="short", SupportEmail="a@b.c")
        v = r["ProductViewDetail"]
        self.assertRegex(pid, r"^prod-[a-z0-9]{13}$")
        self.assertRegex(v["ProductViewSummary"]["Id"], r"^prodview-[a-z0-9]{13}$")
        self.assertEqual(v["ProductARN"], f"arn:aws:catalog:{REGION}:{ACCOUNT}:product/{pid}")
        self.assertEqual(v["Status"], "AVAILABLE")
        self.assertEqual(v["ProductViewSummary"]["ShortDescription"], "short")
        a = r["ProvisioningArtifactDetail"]
        self.assertRegex(a["Id"], r"^pa-[a-z0-9]{13}$")
        self.assertEqual((a["Name"], a["Active"], a["Guidance"]), ("v1", True, "DEFAULT"))
        self.assertEqual(r["Tags"], [{"Key": "k", "Value": "v"}])

    def test_idempotency_token(self):
        tok = uniq("tok")
        kw = dict(Name=uniq("n"), Owner="o", ProductType="CLOUD_FORMATION_TEMPLATE", IdempotencyToken=tok,
                  ProvisioningArtifactParameters={"Info": {"LoadTemplateFromURL": TEMPLATE_URL}})
        a = self.sc().create_product(**kw)
        b = self.sc().create_product(**kw)
        self.assertEqual(a["ProductViewDetail"]["ProductViewSummary"]["ProductId"],
                         b["ProductViewDetail"]["ProductViewSummary"]["ProductId"])
        pid = a["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
        self.assertEqual(len(self.sc().list_provisioning_artifacts(ProductId=pid)["ProvisioningArtifactDetails"]), 1)
        kw["Owner"] = "someone-else"
        self.assertError("InvalidParametersException", self.sc().create_product, **kw)

    def test_moto_sees_extension_product(self):
        pid, _ = self.product()
        # moto's own DescribeProduct handler reads the same backend dict.
        self.assertEqual(self.sc().describe_product(Id=pid)["ProductViewSummary"]["ProductId"], pid)

    def test_describe_as_admin(self):
        pid, r = self.product()
        name = r["ProductViewDetail"]["ProductViewSummary"]["Name"]
        self.sc().create_provisioning_artifact(ProductId=pid, Parameters={"Name": "v2", "Info": {"LoadTemplateFromURL": TEMPLATE_URL}}, IdempotencyToken=uniq("t"))
        by_id = self.sc().describe_product_as_admin(Id=pid)
        by_name = self.sc().describe_product_as_admin(Name=name)
        self.assertEqual(by_id["ProductViewDetail"]["ProductViewSummary"]["ProductId"], pid)
        self.assertEqual(by_name["ProductViewDetail"]["ProductViewSummary"]["ProductId"], pid)
        self.assertEqual([s["Name"] for s in by_id["ProvisioningArtifactSummaries"]], ["v1", "v2"])
        self.assertError("ResourceNotFoundException", self.sc().describe_product_as_admin, Id="prod-nope00000000")
        self.assertError("ResourceNotFoundException", self.sc().describe_product_as_admin, Name=uniq("no-such-"))
        self.assertError("InvalidParametersException", self.sc().describe_product_as_admin)

    def test_search_as_admin(self):
        port = self.portfolio()
        word = uniq("needle")
        ids = [self.product(Name=f"{word}-{i}")[0] for i in range(3)]
        other, _ = self.product()
        for pid in ids:
            self.sc().associate_product_with_portfolio(ProductId=pid, PortfolioId=port)
        r = self.sc().search_products_as_admin(PortfolioId=port, SortBy="Title")
        self.assertEqual([d["ProductViewSummary"]["ProductId"] for d in r["ProductViewDetails"]], ids)
        r = self.sc().search_products_as_admin(Filters={"FullTextSearch": [word]}, SortBy="Title", SortOrder="DESCENDING")
        self.assertEqual([d["ProductViewSummary"]["ProductId"] for d in r["ProductViewDetails"]], ids[::-1])
        self.assertNotIn(other, [d["ProductViewSummary"]["ProductId"] for d in r["ProductViewDetails"]])
        page1 = self.sc().search_products_as_admin(PortfolioId=port, SortBy="Title", PageSize=2)
        self.assertEqual(len(page1["ProductViewDetails"]), 2)
        page2 = self.sc().search_products_as_admin(PortfolioId=port, SortBy="Title", PageSize=2, PageToken=page1["NextPageToken"])
        self.assertEqual([d["ProductViewSummary"]["ProductId"] for d in page2["ProductViewDetails"]], ids[2:])
        self.assertNotIn("NextPageToken", page2)
        self.assertError("ResourceNotFoundException", self.sc().search_products_as_admin, PortfolioId="port-nope00000000")

    def test_update_fields_and_tags(self):
        pid, _ = self.product(Tags=[{"Key": "a", "Value": "1"}])
        r = self.sc().update_product(Id=pid, Name="renamed", Owner="team", SupportUrl="https://x.example",
                                     AddTags=[{"Key": "b", "Value": "2"}], RemoveTags=["a"])
        s = r["ProductViewDetail"]["ProductViewSummary"]
        self.assertEqual((s["Name"], s["Owner"], s["SupportUrl"]), ("renamed", "team", "https://x.example"))
        self.assertEqual(r["Tags"], [{"Key": "b", "Value": "2"}])
        self.assertEqual(self.sc().describe_product_as_admin(Id=pid)["Tags"], [{"Key": "b", "Value": "2"}])
        self.assertError("ResourceNotFoundException", self.sc().update_product, Id="prod-nope00000000", Name="x")

    def test_delete_product(self):
        pid, _ = self.product()
        port = self.portfolio()
        self.sc().associate_product_with_portfolio(ProductId=pid, PortfolioId=port)
        self.assertError("ResourceInUseException", self.sc().delete_product, Id=pid)
        self.sc().disassociate_product_from_portfolio(ProductId=pid, PortfolioId=port)
        self.sc().delete_product(Id=pid)
        self.assertError("ResourceNotFoundException", self.sc().describe_product_as_admin, Id=pid)


class test_sc_artifact(EndpointTest):
    def test_create_list_idempotent(self):
        pid, _ = self.product(artifact=False)
        self.assertEqual(self.sc().list_provisioning_artifacts(ProductId=pid)["ProvisioningArtifactDetails"], [])
        tok = uniq("t")
        kw = dict(ProductId=pid, IdempotencyToken=tok, Parameters={"Name": "1.0", "Description": "first", "Info": {"LoadTemplateFromURL": TEMPLATE_URL}})
        a = self.sc().create_provisioning_artifact(**kw)
        b = self.sc().create_provisioning_artifact(**kw)
        self.assertEqual(a["ProvisioningArtifactDetail"]["Id"], b["ProvisioningArtifactDetail"]["Id"])
        self.assertEqual(a["Status"], "AVAILABLE")
        self.assertEqual(a["Info"], {"LoadTemplateFromURL": TEMPLATE_URL})
        self.assertEqual(a["ProvisioningArtifactDetail"]["Description"], "first")
        lst = self.sc().list_provisioning_artifacts(ProductId=pid)["ProvisioningArtifactDetails"]
        self.assertEqual([x["Id"] for x in lst], [a["ProvisioningArtifactDetail"]["Id"]])
        kw["Parameters"] = {"Name": "1.1", "Info": {"LoadTemplateFromURL": TEMPLATE_URL}}
        self.assertError("InvalidParametersException", self.sc().create_provisioning_artifact, **kw)

    def test_invalid_parameters(self):
        pid, _ = self.product()
        self.assertError("InvalidParametersException", self.sc().create_provisioning_artifact, ProductId=pid,
                         Parameters={"Name": "x", "Info": {}}, IdempotencyToken=uniq("t"))
        self.assertError("InvalidParametersException", self.sc().create_provisioning_artifact, ProductId=pid,
                         Parameters={"Name": "x", "Info": {"LoadTemplateFromURL": "ftp://nope"}}, IdempotencyToken=uniq("t"))
        self.assertError("InvalidParametersException", self.sc().create_provisioning_artifact, ProductId=pid,
                         Parameters={"Name": "v1", "Info": {"LoadTemplateFromURL": TEMPLATE_URL}}, IdempotencyToken=uniq("t"))
        self.assertError("ResourceNotFoundException", self.sc().create_provisioning_artifact, ProductId="prod-nope00000000",
                         Parameters={"Info": {"LoadTemplateFromURL": TEMPLATE_URL}}, IdempotencyToken=uniq("t"))
        self.assertError("ResourceNotFoundException", self.sc().list_provisioning_artifacts, ProductId="prod-nope00000000")

    def test_update_active_and_guidance(self):
        pid, r = self.product()
        aid = r["ProvisioningArtifactDetail"]["Id"]
        u = self.sc().update_provisioning_artifact(ProductId=pid, ProvisioningArtifactId=aid, Active=False, Guidance="DEPRECATED", Description="old")
        self.assertEqual((u["ProvisioningArtifactDetail"]["Active"], u["ProvisioningArtifactDetail"]["Guidance"]), (False, "DEPRECATED"))
        d = self.sc().describe_provisioning_artifact(ProductId=pid, ProvisioningArtifactId=aid)["ProvisioningArtifactDetail"]
        self.assertEqual((d["Active"], d["Guidance"], d["Description"]), (False, "DEPRECATED", "old"))
        lst = self.sc().list_provisioning_artifacts(ProductId=pid)["ProvisioningArtifactDetails"]
        self.assertEqual((lst[0]["Active"], lst[0]["Guidance"]), (False, "DEPRECATED"))
        self.sc().update_provisioning_artifact(ProductId=pid, ProvisioningArtifactId=aid, Active=True, Guidance="DEFAULT")
        self.assertTrue(self.sc().describe_provisioning_artifact(ProductId=pid, ProvisioningArtifactName="v1")["ProvisioningArtifactDetail"]["Active"])
        self.assertError("ResourceNotFoundException", self.sc().update_provisioning_artifact, ProductId=pid, ProvisioningArtifactId="pa-nope000000000")
        # Guidance is an enum: botocore would refuse it, so send it unvalidated.
        self.assertError("InvalidParametersException", self.sc(validate=False).update_provisioning_artifact,
                         ProductId=pid, ProvisioningArtifactId=aid, Guidance="OBSOLETE")

    def test_delete_artifact(self):
        pid, r = self.product()
        first = r["ProvisioningArtifactDetail"]["Id"]
        self.assertError("InvalidParametersException", self.sc().delete_provisioning_artifact, ProductId=pid, ProvisioningArtifactId=first)
        second = self.sc().create_provisioning_artifact(ProductId=pid, Parameters={"Name": "v2", "Info": {"LoadTemplateFromURL": TEMPLATE_URL}}, IdempotencyToken=uniq("t"))
        self.sc().delete_provisioning_artifact(ProductId=pid, ProvisioningArtifactId=first)
        lst = self.sc().list_provisioning_artifacts(ProductId=pid)["ProvisioningArtifactDetails"]
        self.assertEqual([x["Id"] for x in lst], [second["ProvisioningArtifactDetail"]["Id"]])


class test_sc_association(EndpointTest):
    def test_associate_and_list_for_product(self):
        prod, _ = self.product()
        ports = [self.portfolio() for _ in range(3)]
        for p in ports:
            self.sc().associate_product_with_portfolio(ProductId=prod, PortfolioId=p)
        self.sc().associate_product_with_portfolio(ProductId=prod, PortfolioId=ports[0])  # repeat is fine
        r = self.sc().list_portfolios_for_product(ProductId=prod, PageSize=2)
        got = [x["Id"] for x in r["PortfolioDetails"]]
        got += [x["Id"] for x in self.sc().list_portfolios_for_product(ProductId=prod, PageToken=r["NextPageToken"])["PortfolioDetails"]]
        self.assertEqual(got, ports)
        self.assertError("ResourceNotFoundException", self.sc().associate_product_with_portfolio, ProductId="prod-nope00000000", PortfolioId=ports[0])
        self.assertError("ResourceNotFoundException", self.sc().associate_product_with_portfolio, ProductId=prod, PortfolioId="port-nope00000000")
        self.assertError("ResourceNotFoundException", self.sc().list_portfolios_for_product, ProductId="prod-nope00000000")


class test_sc_constraint(EndpointTest):
    def setUp(self):
        self.port = self.portfolio()
        self.prod, _ = self.product()
        self.sc().associate_product_with_portfolio(ProductId=self.prod, PortfolioId=self.port)

    def launch(self, params=None, **kw):
        args = dict(PortfolioId=self.port, ProductId=self.prod, Type="LAUNCH",
                    Parameters=params or json.dumps({"RoleArn": ROLE_ARN}), IdempotencyToken=uniq("t"))
        args.update(kw)
        return self.sc().create_constraint(**args)

    def test_launch_constraint_shape_and_idempotency(self):
        tok = uniq("t")
        a = self.launch(IdempotencyToken=tok, Description="launch as fcc")
        b = self.launch(IdempotencyToken=tok, Description="launch as fcc")
        c = a["ConstraintDetail"]
        self.assertRegex(c["ConstraintId"], r"^cons-[a-z0-9]{13}$")
        self.assertEqual(c, b["ConstraintDetail"])
        self.assertEqual((c["Type"], c["Owner"], c["ProductId"], c["PortfolioId"], c["Description"]),
                         ("LAUNCH", ACCOUNT, self.prod, self.port, "launch as fcc"))
        self.assertEqual(json.loads(a["ConstraintParameters"]), {"RoleArn": ROLE_ARN})
        self.assertEqual(a["Status"], "AVAILABLE")
        d = self.sc().describe_constraint(Id=c["ConstraintId"])
        self.assertEqual(d["ConstraintDetail"], c)
        self.assertError("DuplicateResourceException", self.launch)
        self.sc().delete_constraint(Id=c["ConstraintId"])
        self.assertError("ResourceNotFoundException", self.sc().describe_constraint, Id=c["ConstraintId"])
        self.assertError("ResourceNotFoundException", self.sc().delete_constraint, Id=c["ConstraintId"])

    def test_launch_parameters_validated(self):
        for bad in ("not json", "[]", "{}", json.dumps({"RoleArn": "arn:aws:iam::123456789012:user/bob"}),
                    json.dumps({"RoleArn": ROLE_ARN, "Extra": 1}), json.dumps({"RoleArn": ROLE_ARN, "LocalRoleName": "x"})):
            with self.subTest(parameters=bad):
                self.assertError("InvalidParametersException", self.launch, bad)
        self.assertEqual(self.launch(json.dumps({"LocalRoleName": "fcc-launch"}))["ConstraintDetail"]["Type"], "LAUNCH")

    def test_other_errors(self):
        self.assertError("InvalidParametersException", self.launch, Type="WHATEVER")
        other, _ = self.product()
        self.assertError("InvalidParametersException", self.launch, ProductId=other)
        self.assertError("ResourceNotFoundException", self.launch, PortfolioId="port-nope00000000")
        self.assertError("ResourceNotFoundException", self.launch, ProductId="prod-nope00000000")

    def test_list_filter_and_pagination(self):
        ids = [self.launch()["ConstraintDetail"]["ConstraintId"]]
        for i in range(2):
            ids.append(self.sc().create_constraint(
                PortfolioId=self.port, ProductId=self.prod, Type="NOTIFICATION", IdempotencyToken=uniq("t"),
                Parameters=json.dumps({"NotificationArns": [f"arn:aws:sns:us-east-1:123456789012:topic{i}"]}),
            )["ConstraintDetail"]["ConstraintId"])
        page = self.sc().list_constraints_for_portfolio(PortfolioId=self.port, PageSize=2)
        self.assertEqual(len(page["ConstraintDetails"]), 2)
        rest = self.sc().list_constraints_for_portfolio(PortfolioId=self.port, PageSize=2, PageToken=page["NextPageToken"])
        self.assertEqual([c["ConstraintId"] for c in page["ConstraintDetails"] + rest["ConstraintDetails"]], ids)
        other, _ = self.product()
        self.sc().associate_product_with_portfolio(ProductId=other, PortfolioId=self.port)
        self.assertEqual(self.sc().list_constraints_for_portfolio(PortfolioId=self.port, ProductId=other)["ConstraintDetails"], [])
        self.assertError("ResourceNotFoundException", self.sc().list_constraints_for_portfolio, PortfolioId="port-nope00000000")
        self.assertError("ResourceInUseException", self.sc().disassociate_product_from_portfolio, ProductId=self.prod, PortfolioId=self.port)


class test_sc_principal(EndpointTest):
    def test_associate_list_disassociate(self):
        port = self.portfolio()
        arns = [("arn:aws:iam::123456789012:role/fcc-a", "IAM"), ("arn:aws:iam:::role/fcc-*", "IAM_PATTERN"),
                ("arn:aws:iam::123456789012:user/dev", "IAM")]
        for arn, t in arns:
            self.sc().associate_principal_with_portfolio(PortfolioId=port, PrincipalARN=arn, PrincipalType=t)
        self.sc().associate_principal_with_portfolio(PortfolioId=port, PrincipalARN=arns[0][0], PrincipalType="IAM")
        page = self.sc().list_principals_for_portfolio(PortfolioId=port, PageSize=2)
        rest = self.sc().list_principals_for_portfolio(PortfolioId=port, PageToken=page["NextPageToken"])
        got = [(p["PrincipalARN"], p["PrincipalType"]) for p in page["Principals"] + rest["Principals"]]
        self.assertEqual(got, arns)
        self.sc().disassociate_principal_from_portfolio(PortfolioId=port, PrincipalARN=arns[1][0], PrincipalType="IAM_PATTERN")
        got = [p["PrincipalARN"] for p in self.sc().list_principals_for_portfolio(PortfolioId=port)["Principals"]]
        self.assertEqual(got, [arns[0][0], arns[2][0]])
        self.assertError("ResourceNotFoundException", self.sc().disassociate_principal_from_portfolio, PortfolioId=port, PrincipalARN=arns[1][0])
        self.assertError("ResourceInUseException", self.sc().delete_portfolio, Id=port)

    def test_principal_validation(self):
        port = self.portfolio()
        for arn, t in (("arn:aws:iam:::role/x", "IAM"), ("arn:aws:iam::123456789012:role/x*", "IAM"),
                       ("arn:aws:iam::123456789012:role/x*", "IAM_PATTERN"), ("not-an-arn", "IAM")):
            with self.subTest(arn=arn, type=t):
                self.assertError("InvalidParametersException", self.sc().associate_principal_with_portfolio,
                                 PortfolioId=port, PrincipalARN=arn, PrincipalType=t)
        self.assertError("InvalidParametersException", self.sc(validate=False).associate_principal_with_portfolio,
                         PortfolioId=port, PrincipalARN="arn:aws:iam::123456789012:role/x", PrincipalType="USER")
        self.assertError("ResourceNotFoundException", self.sc().associate_principal_with_portfolio,
                         PortfolioId="port-nope00000000", PrincipalARN="arn:aws:iam::123456789012:role/x", PrincipalType="IAM")
        self.assertError("ResourceNotFoundException", self.sc().list_principals_for_portfolio, PortfolioId="port-nope00000000")


class test_sc_wire(EndpointTest):
    """Server-side validation: what botocore's client-side checks would normally stop."""

    def test_missing_required_member(self):
        msg = self.assertError("InvalidParametersException", self.sc(validate=False).create_portfolio,
                               DisplayName="x", IdempotencyToken=uniq("t"))
        self.assertIn("ProviderName", msg)
        self.assertError("InvalidParametersException", self.sc(validate=False).create_constraint,
                         PortfolioId="port-x", ProductId="prod-x", Type="LAUNCH", IdempotencyToken=uniq("t"))

    def test_length_limit(self):
        self.assertError("InvalidParametersException", self.sc(validate=False).create_portfolio,
                         DisplayName="x" * 101, ProviderName="p", IdempotencyToken=uniq("t"))

    def test_raw_unknown_member_and_error_header(self):
        status, headers, body = raw_json("AWS242ServiceCatalogService.DescribePortfolio", {"Id": "port-x", "Bogus": 1})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "InvalidParametersException")
        self.assertIn("Bogus", body["message"])
        self.assertEqual(headers.get("x-amzn-ErrorType"), "InvalidParametersException")

    def test_raw_bad_json(self):
        status, _, body = raw_json("AWS242ServiceCatalogService.ListPortfolios", b"{not json")
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))

    def test_region_and_account_isolation(self):
        pid = self.portfolio(sc=self.sc(region="eu-west-1"))
        self.assertError("ResourceNotFoundException", self.sc().describe_portfolio, Id=pid)
        d = self.sc(region="eu-west-1").describe_portfolio(Id=pid)["PortfolioDetail"]
        self.assertTrue(d["ARN"].startswith(f"arn:aws:catalog:eu-west-1:{ACCOUNT}:"))
        status, _, body = raw_json("AWS242ServiceCatalogService.CreatePortfolio",
                                   {"DisplayName": "x", "ProviderName": "y", "IdempotencyToken": uniq("t")},
                                   {"x-moto-account-id": "210987654321"})
        self.assertEqual(status, 200)
        self.assertIn(":210987654321:portfolio/", body["PortfolioDetail"]["ARN"])
        self.assertError("ResourceNotFoundException", self.sc().describe_portfolio, Id=body["PortfolioDetail"]["Id"])

    def test_unknown_test_route(self):
        status, _ = test_route("/__fcc/nothing", {})
        self.assertEqual(status, 404)


# ======================================================================= SageMaker


PIPELINE_DEFINITION = json.dumps({
    "Version": "2020-12-01",
    "Steps": [
        {"Name": "Preprocess", "Type": "Processing", "Arguments": {}},
        {"Name": "Train", "Type": "Training", "DisplayName": "Train model", "Arguments": {}},
        {"Name": "CheckAccuracy", "Type": "Condition", "Arguments": {}},
    ],
})


class test_sm_project_provisioning(EndpointTest):
    """CreateProject provisions a Service Catalog product whose CloudFormation stack
    (SC-<account>-<pp id>) has the artifact template's logical ids and types in its events."""

    TEMPLATE = (
        "Resources:\n"
        "  Repo:\n    Type: AWS::CodeCommit::Repository\n    Properties: {RepositoryName: !Sub 'r-${AWS::StackName}'}\n"
        "  Build:\n    Type: AWS::CodeBuild::Project\n    Properties: {Name: !GetAtt Repo.Name}\n"
        "  Pipeline:\n    Type: AWS::CodePipeline::Pipeline\n"
    )

    def sm(self):
        return client("sagemaker")

    def product_with_template(self):
        s3 = client("s3")
        bucket = uniq("tpl-")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="t/product.yaml", Body=self.TEMPLATE.encode())
        url = f"https://{bucket}.s3.{REGION}.amazonaws.com/t/product.yaml"
        prod, r = self.product(ProvisioningArtifactParameters={
            "Name": "v1", "Info": {"LoadTemplateFromURL": url}, "Type": "CLOUD_FORMATION_TEMPLATE"})
        return prod, r["ProvisioningArtifactDetail"]["Id"], url

    def events(self, stack):
        evs = client("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
        return [(e["LogicalResourceId"], e["ResourceType"], e["ResourceStatus"], e.get("ResourceStatusReason"))
                for e in reversed(evs)]

    def test_stack_events_arrive_across_polls(self):
        prod, art, _ = self.product_with_template()
        name = uniq("pv-")
        self.sm().create_project(ProjectName=name, ServiceCatalogProvisioningDetails={"ProductId": prod})
        d1 = self.sm().describe_project(ProjectName=name)
        self.assertEqual(d1["ProjectStatus"], "Pending")
        ppid = d1["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
        stack = f"SC-{ACCOUNT}-{ppid}"
        mid = self.events(stack)
        self.assertEqual(mid[0], (stack, "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated"))
        self.assertNotIn("CREATE_COMPLETE", [e[2] for e in mid if e[0] == stack])
        d2 = self.sm().describe_project(ProjectName=name)
        self.assertEqual(d2["ProjectStatus"], "CreateCompleted")
        full = self.events(stack)
        self.assertEqual(full[:len(mid)], mid)  # the same events, more after them
        self.assertEqual(full[-1], (stack, "AWS::CloudFormation::Stack", "CREATE_COMPLETE", None))
        self.assertEqual([e[:3] for e in full if e[2] == "CREATE_COMPLETE" and e[0] != stack],
                         [("Repo", "AWS::CodeCommit::Repository", "CREATE_COMPLETE"),
                          ("Build", "AWS::CodeBuild::Project", "CREATE_COMPLETE"),
                          ("Pipeline", "AWS::CodePipeline::Pipeline", "CREATE_COMPLETE")])
        st = client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        self.assertEqual(st["StackStatus"], "CREATE_COMPLETE")
        # Service Catalog: Describe (no PhysicalId in its model) and Search (PhysicalId = stack ARN)
        det = self.sc().describe_provisioned_product(Id=ppid)["ProvisionedProductDetail"]
        self.assertEqual((det["Id"], det["Status"], det["Type"], det["ProductId"], det["ProvisioningArtifactId"]),
                         (ppid, "AVAILABLE", "CFN_STACK", prod, art))
        self.assertNotIn("PhysicalId", det)
        self.assertEqual(self.sc().describe_provisioned_product(Name=det["Name"])["ProvisionedProductDetail"]["Id"], ppid)
        found = self.sc().search_provisioned_products(AccessLevelFilter={"Key": "Account", "Value": "self"},
                                                      Filters={"SearchQuery": [f"id:{ppid}"]})
        self.assertEqual(found["TotalResultsCount"], 1)
        self.assertEqual(found["ProvisionedProducts"][0]["PhysicalId"], st["StackId"])
        self.assertError("ResourceNotFoundException", self.sc().describe_provisioned_product, Id="pp-nope000000000")
        # DeleteProject terminates the provisioned product: the stack goes
        self.sm().delete_project(ProjectName=name)
        self.assertEqual(client("cloudformation").describe_stacks(StackName=st["StackId"])["Stacks"][0]["StackStatus"],
                         "DELETE_COMPLETE")
        self.assertError("ResourceNotFoundException", self.sc().describe_provisioned_product, Id=ppid)

    def test_failed_create_then_failed_update(self):
        prod, art, url = self.product_with_template()
        self.assertEqual(test_route("/__fcc/sagemaker/fail-next-provisioning",
                                    {"LogicalResourceId": "Build", "Reason": "Role is not authorized"})[0], 200)
        name = uniq("pf-")
        self.sm().create_project(ProjectName=name, ServiceCatalogProvisioningDetails={"ProductId": prod})
        self.assertEqual(self.sm().describe_project(ProjectName=name)["ProjectStatus"], "Pending")
        d = self.sm().describe_project(ProjectName=name)
        self.assertEqual(d["ProjectStatus"], "CreateFailed")
        msg = d["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductStatusMessage"]
        self.assertIn("The following resource(s) failed to create: [Build, Pipeline]", msg)
        stack = f"SC-{ACCOUNT}-{d['ServiceCatalogProvisionedProductDetails']['ProvisionedProductId']}"
        evs = self.events(stack)
        failed = [e for e in evs if e[2] == "CREATE_FAILED"]
        self.assertEqual(failed, [("Build", "AWS::CodeBuild::Project", "CREATE_FAILED", "Role is not authorized"),
                                  ("Pipeline", "AWS::CodePipeline::Pipeline", "CREATE_FAILED", "Resource creation cancelled")])
        self.assertEqual(evs[-1][:3], (stack, "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE"))
        ppid = d["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
        self.assertEqual(self.sc().describe_provisioned_product(Id=ppid)["ProvisionedProductDetail"]["Status"], "ERROR")
        # a failed project cannot be updated; its name stays taken until it is deleted
        self.assertError("ValidationException", self.sm().update_project, ProjectName=name,
                         ServiceCatalogProvisioningUpdateDetails={"ProvisioningArtifactId": art})
        self.assertError("ValidationException", self.sm().create_project, ProjectName=name,
                         ServiceCatalogProvisioningDetails={"ProductId": prod})
        # an update that fails rolls back: UpdateFailed, TAINTED, and it can be updated again
        ok = uniq("pu-")
        self.sm().create_project(ProjectName=ok, ServiceCatalogProvisioningDetails={"ProductId": prod})
        self.sm().describe_project(ProjectName=ok)
        self.assertEqual(self.sm().describe_project(ProjectName=ok)["ProjectStatus"], "CreateCompleted")
        test_route("/__fcc/sagemaker/fail-next-provisioning", {"LogicalResourceId": "Repo", "Reason": "boom"})
        self.sm().update_project(ProjectName=ok, ServiceCatalogProvisioningUpdateDetails={"ProvisioningArtifactId": art})
        self.sm().describe_project(ProjectName=ok)
        d = self.sm().describe_project(ProjectName=ok)
        self.assertEqual(d["ProjectStatus"], "UpdateFailed")
        ppid = d["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
        self.assertEqual(self.sc().describe_provisioned_product(Id=ppid)["ProvisionedProductDetail"]["Status"], "TAINTED")
        evs = self.events(f"SC-{ACCOUNT}-{ppid}")
        self.assertIn(("Repo", "AWS::CodeCommit::Repository", "UPDATE_FAILED", "boom"), evs)
        self.assertEqual(evs[-1][2], "UPDATE_ROLLBACK_COMPLETE")
        self.sm().update_project(ProjectName=ok, ServiceCatalogProvisioningUpdateDetails={"ProvisioningArtifactId": art})
        self.sm().describe_project(ProjectName=ok)
        self.assertEqual(self.sm().describe_project(ProjectName=ok)["ProjectStatus"], "UpdateCompleted")
        self.assertEqual(test_route("/__fcc/sagemaker/fail-next-provisioning",
                                    {"LogicalResourceId": 3, "Reason": "x"})[0], 400)


class test_sm_project(EndpointTest):
    def sm(self, **kw):
        return client("sagemaker", **kw)

    def test_create_on_moto_product_plus_extension_artifact(self):
        prod, _ = self.product(artifact=False)
        name = uniq("proj-")
        # No artifact yet: SageMaker cannot provision the product.
        self.assertError("ValidationException", self.sm().create_project, ProjectName=name,
                         ServiceCatalogProvisioningDetails={"ProductId": prod})
        art = self.sc().create_provisioning_artifact(ProductId=prod, Parameters={"Name": "v1", "Info": {"LoadTemplateFromURL": TEMPLATE_URL}},
                                                     IdempotencyToken=uniq("t"))["ProvisioningArtifactDetail"]["Id"]
        r = self.sm().create_project(ProjectName=name, ProjectDescription="demo",
                                     ServiceCatalogProvisioningDetails={"ProductId": prod, "ProvisioningArtifactId": art},
                                     Tags=[{"Key": "k", "Value": "v"}])
        self.assertEqual(r["ProjectArn"], f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:project/{name}")
        self.assertRegex(r["ProjectId"], r"^p-[a-z0-9]{12}$")
        d1 = self.sm().describe_project(ProjectName=name)
        self.assertEqual(d1["ProjectStatus"], "Pending")
        d2 = self.sm().describe_project(ProjectName=name)
        self.assertEqual(d2["ProjectStatus"], "CreateCompleted")
        self.assertEqual(d2["ProjectId"], r["ProjectId"])
        self.assertEqual(d2["ServiceCatalogProvisioningDetails"], {"ProductId": prod, "ProvisioningArtifactId": art})
        self.assertRegex(d2["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"], r"^pp-[a-z0-9]{13}$")
        self.assertIsInstance(d2["CreationTime"], datetime.datetime)
        self.assertError("ValidationException", self.sm().create_project, ProjectName=name,
                         ServiceCatalogProvisioningDetails={"ProductId": prod, "ProvisioningArtifactId": art})

    def test_default_artifact_is_latest_active_default(self):
        prod, r = self.product()
        first = r["ProvisioningArtifactDetail"]["Id"]
        second = self.sc().create_provisioning_artifact(ProductId=prod, Parameters={"Name": "v2", "Info": {"LoadTemplateFromURL": TEMPLATE_URL}},
                                                        IdempotencyToken=uniq("t"))["ProvisioningArtifactDetail"]["Id"]
        self.sc().update_provisioning_artifact(ProductId=prod, ProvisioningArtifactId=second, Guidance="DEPRECATED")
        name = uniq("proj-")
        self.sm().create_project(ProjectName=name, ServiceCatalogProvisioningDetails={"ProductId": prod})
        got = self.sm().describe_project(ProjectName=name)["ServiceCatalogProvisioningDetails"]["ProvisioningArtifactId"]
        self.assertEqual(got, first)

    def test_errors(self):
        prod, r = self.product()
        art = r["ProvisioningArtifactDetail"]["Id"]
        self.assertError("ValidationException", self.sm().create_project, ProjectName=uniq("p-"),
                         ServiceCatalogProvisioningDetails={"ProductId": "prod-nope00000000"})
        self.assertError("ValidationException", self.sm().create_project, ProjectName=uniq("p-"),
                         ServiceCatalogProvisioningDetails={"ProductId": prod, "ProvisioningArtifactId": "pa-nope000000000"})
        self.sc().update_provisioning_artifact(ProductId=prod, ProvisioningArtifactId=art, Active=False)
        self.assertError("ValidationException", self.sm().create_project, ProjectName=uniq("p-"),
                         ServiceCatalogProvisioningDetails={"ProductId": prod, "ProvisioningArtifactId": art})
        self.assertError("ValidationException", self.sm().create_project, ProjectName=uniq("p-"))
        self.assertError("ValidationException", self.sm().describe_project, ProjectName="no-such-project")
        self.assertError("ValidationException", self.sm(validate=False).create_project, ProjectName="bad_name!",
                         ServiceCatalogProvisioningDetails={"ProductId": prod})
        # The product lives in us-east-1; a project in another region cannot see it.
        self.assertError("ValidationException", self.sm(region="eu-west-1").create_project, ProjectName=uniq("p-"),
                         ServiceCatalogProvisioningDetails={"ProductId": prod})

    def test_update_to_another_version(self):
        prod, r = self.product()
        first = r["ProvisioningArtifactDetail"]["Id"]
        second = self.sc().create_provisioning_artifact(ProductId=prod, Parameters={"Name": "v2", "Info": {"LoadTemplateFromURL": TEMPLATE_URL}},
                                                        IdempotencyToken=uniq("t"))["ProvisioningArtifactDetail"]["Id"]
        name = uniq("proj-")
        self.sm().create_project(ProjectName=name, ServiceCatalogProvisioningDetails={"ProductId": prod, "ProvisioningArtifactId": first})
        # still Pending: not yet updatable
        self.assertError("ValidationException", self.sm().update_project, ProjectName=name,
                         ServiceCatalogProvisioningUpdateDetails={"ProvisioningArtifactId": second})
        self.assertEqual(self.sm().describe_project(ProjectName=name)["ProjectStatus"], "Pending")
        self.assertEqual(self.sm().describe_project(ProjectName=name)["ProjectStatus"], "CreateCompleted")
        r = self.sm().update_project(ProjectName=name, ProjectDescription="v2 now",
                                     ServiceCatalogProvisioningUpdateDetails={"ProvisioningArtifactId": second})
        self.assertEqual(r["ProjectArn"], f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:project/{name}")
        d1 = self.sm().describe_project(ProjectName=name)
        self.assertEqual(d1["ProjectStatus"], "UpdateInProgress")
        d2 = self.sm().describe_project(ProjectName=name)
        self.assertEqual(d2["ProjectStatus"], "UpdateCompleted")
        self.assertEqual(d2["ServiceCatalogProvisioningDetails"], {"ProductId": prod, "ProvisioningArtifactId": second})
        self.assertEqual(d2["ProjectDescription"], "v2 now")
        self.assertError("ValidationException", self.sm().update_project, ProjectName=name,
                         ServiceCatalogProvisioningUpdateDetails={"ProvisioningArtifactId": "pa-nope000000000"})
        self.assertError("ValidationException", self.sm().update_project, ProjectName="no-such-project")

    def test_list_and_delete(self):
        prod, _ = self.product()
        tag = uniq("lst")
        names = [f"{tag}-{i}" for i in range(3)]
        for n in names:
            self.sm().create_project(ProjectName=n, ServiceCatalogProvisioningDetails={"ProductId": prod})
        r = self.sm().list_projects(NameContains=tag, SortBy="Name", SortOrder="Ascending", MaxResults=2)
        got = [p["ProjectName"] for p in r["ProjectSummaryList"]]
        got += [p["ProjectName"] for p in self.sm().list_projects(NameContains=tag, SortBy="Name", SortOrder="Ascending",
                                                                   NextToken=r["NextToken"])["ProjectSummaryList"]]
        self.assertEqual(got, names)
        self.sm().delete_project(ProjectName=names[0])
        self.assertError("ValidationException", self.sm().describe_project, ProjectName=names[0])
        self.assertError("ValidationException", self.sm().delete_project, ProjectName=names[0])
        self.assertEqual(len(self.sm().list_projects(NameContains=tag)["ProjectSummaryList"]), 2)


class test_sm_pipeline(EndpointTest):
    def sm(self, **kw):
        return client("sagemaker", **kw)

    def test_moto_pipeline_ops_and_execution_steps(self):
        name = uniq("pipe-")
        arn = self.sm().create_pipeline(PipelineName=name, PipelineDefinition=PIPELINE_DEFINITION,
                                        RoleArn=ROLE_ARN, ClientRequestToken=uuid.uuid4().hex)["PipelineArn"]
        self.assertEqual(self.sm().describe_pipeline(PipelineName=name)["PipelineArn"], arn)
        self.sm().update_pipeline(PipelineName=name, PipelineDescription="updated")
        self.assertEqual(self.sm().describe_pipeline(PipelineName=name)["PipelineDescription"], "updated")
        ex = self.sm().start_pipeline_execution(PipelineName=name, ClientRequestToken=uuid.uuid4().hex)["PipelineExecutionArn"]
        self.assertEqual(self.sm().describe_pipeline_execution(PipelineExecutionArn=ex)["PipelineExecutionArn"], ex)
        steps = self.sm().list_pipeline_execution_steps(PipelineExecutionArn=ex)["PipelineExecutionSteps"]
        self.assertEqual([s["StepName"] for s in steps], ["CheckAccuracy", "Train", "Preprocess"])  # newest first
        self.assertTrue(all(s["StepStatus"] == "Succeeded" for s in steps))
        by = {s["StepName"]: s for s in steps}
        self.assertRegex(by["Preprocess"]["Metadata"]["ProcessingJob"]["Arn"], r":processing-job/pipelines-[a-z0-9]+-preprocess$")
        self.assertIn("TrainingJob", by["Train"]["Metadata"])
        self.assertEqual(by["Train"]["StepDisplayName"], "Train model")
        self.assertEqual(by["CheckAccuracy"]["Metadata"]["Condition"]["Outcome"], "True")
        self.assertLess(by["Preprocess"]["StartTime"], by["Train"]["StartTime"])
        asc = self.sm().list_pipeline_execution_steps(PipelineExecutionArn=ex, SortOrder="Ascending", MaxResults=2)
        self.assertEqual([s["StepName"] for s in asc["PipelineExecutionSteps"]], ["Preprocess", "Train"])
        rest = self.sm().list_pipeline_execution_steps(PipelineExecutionArn=ex, SortOrder="Ascending", NextToken=asc["NextToken"])
        self.assertEqual([s["StepName"] for s in rest["PipelineExecutionSteps"]], ["CheckAccuracy"])
        self.assertNotIn("NextToken", rest)

    def test_client_request_token_idempotency(self):
        name, tok = uniq("pipe-"), uuid.uuid4().hex
        kw = dict(PipelineName=name, PipelineDefinition=PIPELINE_DEFINITION, RoleArn=ROLE_ARN, ClientRequestToken=tok)
        a = self.sm().create_pipeline(**kw)["PipelineArn"]
        self.assertEqual(self.sm().create_pipeline(**kw)["PipelineArn"], a)
        self.assertError("ValidationException", self.sm().create_pipeline, **dict(kw, ClientRequestToken=uuid.uuid4().hex))
        etok = uuid.uuid4().hex
        e1 = self.sm().start_pipeline_execution(PipelineName=name, ClientRequestToken=etok)["PipelineExecutionArn"]
        e2 = self.sm().start_pipeline_execution(PipelineName=name, ClientRequestToken=etok)["PipelineExecutionArn"]
        self.assertEqual(e1, e2)
        e3 = self.sm().start_pipeline_execution(PipelineName=name, ClientRequestToken=uuid.uuid4().hex)["PipelineExecutionArn"]
        self.assertNotEqual(e1, e3)
        self.assertError("ValidationException", self.sm().start_pipeline_execution, PipelineName=uniq("none-"),
                         ClientRequestToken=uuid.uuid4().hex)

    def test_unknown_execution(self):
        bad = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/nope/execution/abc123"
        self.assertError("ResourceNotFound", self.sm().list_pipeline_execution_steps, PipelineExecutionArn=bad)
        self.assertError("ValidationException", self.sm().list_pipeline_execution_steps)


# ======================================================================= Forecast


class test_forecast(EndpointTest):
    @classmethod
    def setUpClass(cls):
        cls.fc = client("forecast")
        cls.dsg = cls.fc.create_dataset_group(DatasetGroupName=uniq("dsg_"), Domain="CUSTOM")["DatasetGroupArn"]

    def seed(self, **kw):
        body = {"PredictorName": uniq("pred_"), "DatasetGroupArn": self.dsg}
        body.update(kw)
        status, r = test_route("/__fcc/forecast/predictors", body)
        self.assertEqual(status, 200, r)
        return r["PredictorArn"]

    def test_list_dataset_groups(self):
        arns = [g["DatasetGroupArn"] for g in self.fc.list_dataset_groups()["DatasetGroups"]]
        self.assertIn(self.dsg, arns)

    def test_seeded_metrics(self):
        metrics = {"RMSE": 12.5, "WAPE": 0.21, "MAPE": 0.3, "MASE": 1.4, "AverageWeightedQuantileLoss": 0.11}
        arn = self.seed(Metrics=metrics, OptimizationMetric="WAPE")
        d = self.fc.describe_predictor(PredictorArn=arn)
        self.assertEqual((d["Status"], d["InputDataConfig"]["DatasetGroupArn"], d["IsAutoPredictor"]), ("ACTIVE", self.dsg, True))
        r = self.fc.get_accuracy_metrics(PredictorArn=arn)
        m = r["PredictorEvaluationResults"][0]["TestWindows"][0]["Metrics"]
        self.assertEqual(m["RMSE"], 12.5)
        self.assertEqual(m["AverageWeightedQuantileLoss"], 0.11)
        self.assertEqual(m["ErrorMetrics"][0], {"ForecastType": "mean", "WAPE": 0.21, "RMSE": 12.5, "MASE": 1.4, "MAPE": 0.3})
        self.assertEqual(r["OptimizationMetric"], "WAPE")
        status, _ = test_route("/__fcc/forecast/predictors", {"PredictorName": "x", "DatasetGroupArn": self.dsg, "Metrics": {"F1": 1}})
        self.assertEqual(status, 400)

    def test_not_active_and_unknown(self):
        arn = self.seed(Status="CREATE_FAILED")
        self.assertError("ResourceInUseException", self.fc.get_accuracy_metrics, PredictorArn=arn)
        bad = f"arn:aws:forecast:{REGION}:{ACCOUNT}:predictor/nope"
        self.assertError("ResourceNotFoundException", self.fc.describe_predictor, PredictorArn=bad)
        self.assertError("ResourceNotFoundException", self.fc.get_accuracy_metrics, PredictorArn=bad)

    def test_create_auto_predictor_lifecycle(self):
        name = uniq("auto_")
        arn = self.fc.create_auto_predictor(PredictorName=name, ForecastHorizon=7, ForecastFrequency="D",
                                            DataConfig={"DatasetGroupArn": self.dsg})["PredictorArn"]
        self.assertEqual(arn, f"arn:aws:forecast:{REGION}:{ACCOUNT}:predictor/{name}")
        self.assertError("ResourceInUseException", self.fc.get_accuracy_metrics, PredictorArn=arn)
        self.assertEqual(self.fc.describe_predictor(PredictorArn=arn)["Status"], "CREATE_IN_PROGRESS")
        self.assertEqual(self.fc.describe_predictor(PredictorArn=arn)["Status"], "ACTIVE")
        m = self.fc.get_accuracy_metrics(PredictorArn=arn)["PredictorEvaluationResults"][0]["TestWindows"][0]["Metrics"]
        self.assertGreater(m["RMSE"], 0)
        self.assertError("ResourceAlreadyExistsException", self.fc.create_auto_predictor, PredictorName=name, ForecastHorizon=7,
                         ForecastFrequency="D", DataConfig={"DatasetGroupArn": self.dsg})
        self.assertError("ResourceNotFoundException", self.fc.create_auto_predictor, PredictorName=uniq("x_"), ForecastHorizon=7,
                         ForecastFrequency="D", DataConfig={"DatasetGroupArn": self.dsg + "nope"})
        self.assertError("InvalidInputException", self.fc.create_auto_predictor, PredictorName=uniq("x_"),
                         DataConfig={"DatasetGroupArn": self.dsg})

    def test_list_filters_and_pagination(self):
        dsg = self.fc.create_dataset_group(DatasetGroupName=uniq("dsg_"), Domain="RETAIL")["DatasetGroupArn"]
        arns = []
        for st in ("ACTIVE", "ACTIVE", "CREATE_FAILED"):
            status, r = test_route("/__fcc/forecast/predictors", {"PredictorName": uniq("p_"), "DatasetGroupArn": dsg, "Status": st})
            arns.append(r["PredictorArn"])
        flt = [{"Key": "DatasetGroupArn", "Value": dsg, "Condition": "IS"}]
        page = self.fc.list_predictors(Filters=flt, MaxResults=2)
        rest = self.fc.list_predictors(Filters=flt, MaxResults=2, NextToken=page["NextToken"])
        self.assertEqual([p["PredictorArn"] for p in page["Predictors"] + rest["Predictors"]], arns)
        self.assertTrue(all(p["DatasetGroupArn"] == dsg for p in page["Predictors"]))
        active = self.fc.list_predictors(Filters=flt + [{"Key": "Status", "Value": "ACTIVE", "Condition": "IS"}])["Predictors"]
        self.assertEqual([p["PredictorArn"] for p in active], arns[:2])
        self.assertError("InvalidNextTokenException", self.fc.list_predictors, NextToken="garbage")
        self.assertError("InvalidInputException", self.fc.list_predictors,
                         Filters=[{"Key": "Colour", "Value": "arn:aws:forecast:x:y:z", "Condition": "IS"}])
        self.assertError("InvalidInputException", client("forecast", validate=False).describe_predictor)


# ======================================================================= CloudFormation

TEMPLATE = json.dumps({
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "PLACEHOLDER"}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "PLACEHOLDER-q"}},
    },
})


class test_cfn(EndpointTest):
    @classmethod
    def setUpClass(cls):
        cls.cf = client("cloudformation")
        cls.stack = uniq("fcc-stack-")
        body = TEMPLATE.replace("PLACEHOLDER", cls.stack)
        cs = cls.cf.create_change_set(StackName=cls.stack, ChangeSetName="initial", ChangeSetType="CREATE", TemplateBody=body)
        cls.change_set_id = cs["Id"]
        cls.cf.execute_change_set(ChangeSetName=cs["Id"])

    def test_moto_change_set_flow(self):
        d = self.cf.describe_change_set(ChangeSetName=self.change_set_id)
        self.assertEqual(d["StackName"], self.stack)
        stacks = self.cf.describe_stacks(StackName=self.stack)["Stacks"]
        self.assertEqual(stacks[0]["StackStatus"], "CREATE_COMPLETE")
        self.assertTrue(self.cf.describe_stack_events(StackName=self.stack)["StackEvents"])
        self.assertIn("Bucket", json.dumps(self.cf.get_template(StackName=self.stack)["TemplateBody"]))
        cs2 = self.cf.create_change_set(StackName=self.stack, ChangeSetName="second", ChangeSetType="UPDATE",
                                        TemplateBody=TEMPLATE.replace("PLACEHOLDER", self.stack))
        self.cf.delete_change_set(ChangeSetName=cs2["Id"])
        v = self.cf.validate_template(TemplateBody=TEMPLATE.replace("PLACEHOLDER", self.stack))
        self.assertEqual(v["Parameters"], [])
        self.assertError("ValidationError", self.cf.validate_template, TemplateBody="{not a template")

    def test_drift_in_sync(self):
        det = self.cf.detect_stack_drift(StackName=self.stack)["StackDriftDetectionId"]
        first = self.cf.describe_stack_drift_detection_status(StackDriftDetectionId=det)
        self.assertEqual(first["DetectionStatus"], "DETECTION_IN_PROGRESS")
        done = self.cf.describe_stack_drift_detection_status(StackDriftDetectionId=det)
        self.assertEqual((done["DetectionStatus"], done["StackDriftStatus"], done["DriftedStackResourceCount"]),
                         ("DETECTION_COMPLETE", "IN_SYNC", 0))
        drifts = self.cf.describe_stack_resource_drifts(StackName=self.stack)["StackResourceDrifts"]
        self.assertEqual(sorted(d["LogicalResourceId"] for d in drifts), ["Bucket", "Queue"])
        b = next(d for d in drifts if d["LogicalResourceId"] == "Bucket")
        self.assertEqual((b["ResourceType"], b["StackResourceDriftStatus"]), ("AWS::S3::Bucket", "IN_SYNC"))
        self.assertEqual(json.loads(b["ExpectedProperties"]), {"BucketName": self.stack})
        self.assertTrue(b["StackId"].startswith("arn:aws:cloudformation:"))
        self.assertIsInstance(b["Timestamp"], datetime.datetime)

    def test_drift_seeded_and_filters(self):
        stack = uniq("fcc-drift-")
        cs = self.cf.create_change_set(StackName=stack, ChangeSetName="c", ChangeSetType="CREATE",
                                       TemplateBody=TEMPLATE.replace("PLACEHOLDER", stack))
        self.cf.execute_change_set(ChangeSetName=cs["Id"])
        status, _ = test_route("/__fcc/cloudformation/drift", {
            "StackName": stack, "LogicalResourceId": "Queue", "Status": "MODIFIED",
            "ActualProperties": {"QueueName": "changed"},
            "PropertyDifferences": [{"PropertyPath": "/QueueName", "ExpectedValue": f"{stack}-q", "ActualValue": "changed", "DifferenceType": "NOT_EQUAL"}],
        })
        self.assertEqual(status, 200)
        det = self.cf.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]
        self.cf.describe_stack_drift_detection_status(StackDriftDetectionId=det)
        done = self.cf.describe_stack_drift_detection_status(StackDriftDetectionId=det)
        self.assertEqual((done["StackDriftStatus"], done["DriftedStackResourceCount"]), ("DRIFTED", 1))
        mod = self.cf.describe_stack_resource_drifts(StackName=stack, StackResourceDriftStatusFilters=["MODIFIED"])["StackResourceDrifts"]
        self.assertEqual([d["LogicalResourceId"] for d in mod], ["Queue"])
        self.assertEqual(mod[0]["PropertyDifferences"][0]["ActualValue"], "changed")
        page = self.cf.describe_stack_resource_drifts(StackName=stack, MaxResults=1)
        self.assertEqual(len(page["StackResourceDrifts"]), 1)
        rest = self.cf.describe_stack_resource_drifts(StackName=stack, MaxResults=1, NextToken=page["NextToken"])
        self.assertEqual(len(rest["StackResourceDrifts"]), 1)
        self.assertNotIn("NextToken", rest)
        only = self.cf.detect_stack_drift(StackName=stack, LogicalResourceIds=["Bucket"])["StackDriftDetectionId"]
        self.assertNotEqual(only, det)
        self.assertEqual([d["LogicalResourceId"] for d in self.cf.describe_stack_resource_drifts(StackName=stack)["StackResourceDrifts"]], ["Bucket"])

    def test_drift_errors(self):
        self.assertError("ValidationError", self.cf.detect_stack_drift, StackName="no-such-stack")
        self.assertError("ValidationError", self.cf.describe_stack_resource_drifts, StackName="no-such-stack")
        self.assertError("ValidationError", self.cf.detect_stack_drift, StackName=self.stack, LogicalResourceIds=["Nope"])
        self.assertError("ValidationError", self.cf.describe_stack_drift_detection_status, StackDriftDetectionId=str(uuid.uuid4()))
        self.assertError("ValidationError", client("cloudformation", validate=False).detect_stack_drift)

    def test_create_change_set_retry_with_the_same_client_token(self):
        # CloudFormation answers a retried CreateChangeSet (same name, same ClientToken) with
        # the first call's ids; moto would make a second stack of the same name
        stack = uniq("fcc-retry-")
        body = TEMPLATE.replace("PLACEHOLDER", stack)
        first = self.cf.create_change_set(StackName=stack, ChangeSetName="c1", ChangeSetType="CREATE",
                                          TemplateBody=body, ClientToken="tok-1")
        again = self.cf.create_change_set(StackName=stack, ChangeSetName="c1", ChangeSetType="CREATE",
                                          TemplateBody=body, ClientToken="tok-1")
        self.assertEqual((again["Id"], again["StackId"]), (first["Id"], first["StackId"]))
        live = [x for x in self.cf.list_stacks()["StackSummaries"] if x["StackName"] == stack]
        self.assertEqual([x["StackId"] for x in live], [first["StackId"]])
        self.cf.execute_change_set(ChangeSetName=first["Id"])
        self.assertEqual(self.cf.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"],
                         "CREATE_COMPLETE")

    def test_execute_change_set_and_seeded_failure(self):
        # ExecuteChangeSet is answered by fccext: moto's execution unless a failure is seeded
        stack = uniq("fcc-fail-")
        body = TEMPLATE.replace("PLACEHOLDER", stack)
        status, _ = test_route("/__fcc/cloudformation/fail", {
            "StackName": stack, "LogicalResourceId": "Bucket", "Reason": "bucket already exists"})
        self.assertEqual(status, 200)
        cs = self.cf.create_change_set(StackName=stack, ChangeSetName="c1", ChangeSetType="CREATE",
                                       TemplateBody=body)
        self.cf.execute_change_set(ChangeSetName="c1", StackName=stack, ClientRequestToken="tok-1")
        self.assertEqual(self.cf.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"],
                         "ROLLBACK_COMPLETE")
        events = self.cf.describe_stack_events(StackName=stack)["StackEvents"]
        failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
        self.assertEqual([(e["LogicalResourceId"], e["ResourceType"], e["ResourceStatusReason"])
                          for e in failed], [("Bucket", "AWS::S3::Bucket", "bucket already exists")])
        self.assertEqual(events[0]["ResourceStatus"], "ROLLBACK_COMPLETE")  # newest first
        self.assertEqual(self.cf.describe_change_set(ChangeSetName=cs["Id"])["ExecutionStatus"],
                         "EXECUTE_FAILED")
        self.assertError("InvalidChangeSetStatus", self.cf.execute_change_set, ChangeSetName=cs["Id"])
        # the failure was used up: after deleting the stack, the same create succeeds
        self.cf.delete_stack(StackName=stack)
        cs = self.cf.create_change_set(StackName=stack, ChangeSetName="c2", ChangeSetType="CREATE",
                                       TemplateBody=body)
        self.cf.execute_change_set(ChangeSetName=cs["Id"])
        self.assertEqual(self.cf.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"],
                         "CREATE_COMPLETE")
        self.assertError("ChangeSetNotFound", self.cf.execute_change_set, ChangeSetName="no-such-cs",
                         StackName=stack)
        status, _ = test_route("/__fcc/cloudformation/fail", {"StackName": stack})
        self.assertEqual(status, 400)


# ======================================================================= S3, IAM, STS


class test_s3_iam_sts(EndpointTest):
    def test_s3_put_head_get(self):
        s3 = client("s3")
        bucket = uniq("fcc-bucket-")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="dir/a b.txt", Body=b"hello", Metadata={"fcc-hash": "abc"})
        h = s3.head_object(Bucket=bucket, Key="dir/a b.txt")
        self.assertEqual((h["ContentLength"], h["Metadata"]), (5, {"fcc-hash": "abc"}))
        self.assertEqual(s3.get_object(Bucket=bucket, Key="dir/a b.txt")["Body"].read(), b"hello")
        self.assertError("404", s3.head_object, Bucket=bucket, Key="missing", status=404)

    def test_iam_role_policies(self):
        iam = client("iam")
        name = uniq("fcc-role-")
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        self.assertEqual(iam.get_role(RoleName=name)["Role"]["RoleName"], name)
        policy = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        self.assertEqual([p["PolicyArn"] for p in attached], [policy])
        trust["Statement"][0]["Principal"]["Service"] = "codebuild.amazonaws.com"
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
        doc = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        self.assertEqual(doc["Statement"][0]["Principal"]["Service"], "codebuild.amazonaws.com")
        self.assertError("NoSuchEntity", iam.get_role, RoleName=uniq("none-"), status=404)

    def test_sts(self):
        ident = client("sts").get_caller_identity()
        self.assertEqual(ident["Account"], ACCOUNT)
        r = client("sts", unsigned=True).assume_role_with_web_identity(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/fcc-ci", RoleSessionName="fcc", WebIdentityToken="eyJ0eXAiOiJKV1Qi.x.y")
        self.assertTrue(r["Credentials"]["AccessKeyId"])
        self.assertIsInstance(r["Credentials"]["Expiration"], datetime.datetime)


# ======================================================================= the endpoint itself


S3_AUTH = ("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, "
           "SignedHeaders=host, Signature=0")  # moto routes by the scope; it checks no signature


class test_wire(EndpointTest):
    """The HTTP/1.1 the endpoint's server (evserver.py) speaks, on a raw socket."""

    def connect(self):
        u = urllib.parse.urlsplit(ENDPOINT)
        sock = socket.create_connection((u.hostname, u.port), timeout=10)
        self.addCleanup(sock.close)
        return sock, sock.makefile("rb")

    def send(self, sock, method, path, headers=(), body=b"", version="HTTP/1.1"):
        head = ["%s %s %s" % (method, path, version), "Host: %s" % urllib.parse.urlsplit(ENDPOINT).netloc,
                "Authorization: " + S3_AUTH] + list(headers)
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def answer(self, f, head=False):
        """(status, headers, body) of the next answer on `f` (to a HEAD: no body)."""
        status = int(f.readline().split()[1])
        headers = {}
        while True:
            line = f.readline().decode().rstrip("\r\n")
            if not line:
                break
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return status, headers, b"" if head else f.read(int(headers.get("content-length", 0)))

    def bucket(self):
        name = uniq("fcc-wire-")
        client("s3").create_bucket(Bucket=name)
        return name

    def test_keep_alive_chunked_body_and_head(self):
        b = self.bucket()
        sock, f = self.connect()
        # a chunked body (with a chunk extension and a trailer), then two more
        # requests on the same connection
        self.send(sock, "PUT", "/%s/k.txt" % b, ["Transfer-Encoding: chunked"],
                  b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
        self.assertEqual(self.answer(f)[0], 200)
        self.send(sock, "GET", "/%s/k.txt" % b)
        status, _, body = self.answer(f)
        self.assertEqual((status, body), (200, b"hello world"))
        self.send(sock, "HEAD", "/%s/k.txt" % b)
        status, headers, _ = self.answer(f, head=True)
        self.assertEqual((status, headers["content-length"]), (200, "11"))
        # HEAD sent no body: the next answer starts right after its head
        self.send(sock, "GET", "/%s/missing" % b)
        self.assertEqual(self.answer(f)[0], 404)

    def test_expect_100_continue(self):
        b = self.bucket()
        sock, f = self.connect()
        self.send(sock, "PUT", "/%s/e.txt" % b, ["Expect: 100-continue", "Content-Length: 4"])
        self.assertEqual(f.readline(), b"HTTP/1.1 100 Continue\r\n")
        self.assertEqual(f.readline(), b"\r\n")
        sock.sendall(b"body")
        self.assertEqual(self.answer(f)[0], 200)
        self.assertEqual(client("s3").get_object(Bucket=b, Key="e.txt")["Body"].read(), b"body")

    def test_http10_and_connection_close_close(self):
        b = self.bucket()
        for version, headers in (("HTTP/1.0", []), ("HTTP/1.1", ["Connection: close"])):
            sock, f = self.connect()
            self.send(sock, "GET", "/%s/none" % b, headers, version=version)
            self.assertEqual(self.answer(f)[0], 404)
            self.assertEqual(f.read(), b"")  # closed by the server

    def test_bad_request_line(self):
        sock, f = self.connect()
        sock.sendall(b"NONSENSE\r\n\r\n")
        self.assertEqual(self.answer(f)[0], 400)
        self.assertEqual(f.read(), b"")



def _running(pid):
    """True while `pid` exists and is not a zombie (a stopped server may await reaping)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class test_endpoint_script(unittest.TestCase):
    def test_start_answers_then_stop_leaves_nothing(self):
        with tempfile.TemporaryDirectory(prefix="fcc-ep-") as state:
            script = os.path.join(HERE, "endpoint.sh")
            out = subprocess.run(["sh", script, "start", state], capture_output=True, text=True, timeout=60)
            pid = int(open(os.path.join(state, "server.pid")).read())
            try:
                self.assertEqual(out.returncode, 0, out.stderr)
                url = out.stdout.strip()
                self.assertRegex(url, r"^http://127\.0\.0\.1:\d+$")
                self.assertEqual(out.stdout.count("\n"), 1)
                sts = boto3.client("sts", endpoint_url=url, region_name=REGION,
                                   aws_access_key_id="testing", aws_secret_access_key="testing")
                self.assertEqual(sts.get_caller_identity()["Account"], ACCOUNT)
            finally:
                stop = subprocess.run(["sh", script, "stop", state], capture_output=True, text=True, timeout=30)
            self.assertEqual(stop.returncode, 0, stop.stderr)
            self.assertFalse(_running(pid))
            self.assertEqual(sorted(os.listdir(state)), ["port", "server.log", "server.pid"])
            # A second stop (stale PID file) is harmless.
            self.assertEqual(subprocess.run(["sh", script, "stop", state], timeout=30).returncode, 0)

    def test_concurrent_idempotent_create(self):
        import concurrent.futures

        tok = uniq("tok")
        sc = client("servicecatalog")

        def create(_):
            return sc.create_portfolio(DisplayName="race", ProviderName="fcc", IdempotencyToken=tok)["PortfolioDetail"]["Id"]

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            ids = set(pool.map(create, range(16)))
        self.assertEqual(len(ids), 1)

    def test_query_protocol_unknown_parameter(self):
        body = "Action=DetectStackDrift&Version=2010-05-15&StackName=x&Bogus=1".encode()
        req = urllib.request.Request(ENDPOINT + "/", data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/cloudformation/aws4_request, "
                             "SignedHeaders=host, Signature=0"})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=10)
        text = cm.exception.read().decode()
        self.assertEqual(cm.exception.code, 400)
        self.assertIn("<Code>ValidationError</Code>", text)
        self.assertIn("Bogus", text)


# ======================================================================= fccext internals (in-process)


class test_core_shapes(unittest.TestCase):
    """The model checks every extension response goes through, exercised directly."""

    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, HERE)
        from fccext import core, servicecatalog  # noqa: F401 (registers the handlers)

        cls.core = core

    def test_check_output_rejects_bad_responses(self):
        ok = {"ConstraintDetail": {"ConstraintId": "cons-x", "Type": "LAUNCH"}, "Status": "AVAILABLE"}
        self.core.check_output("servicecatalog", "DescribeConstraint", ok)
        for bad, why in (
            ({"Status": "AVAILABLE", "Extra": 1}, "unknown member"),
            ({"Status": "READY"}, "not one of"),
            ({"ConstraintDetail": {"ConstraintId": 5}}, "expected string"),
            ({"ConstraintDetail": []}, "expected structure"),
        ):
            with self.subTest(why=why):
                with self.assertRaises(AssertionError) as cm:
                    self.core.check_output("servicecatalog", "DescribeConstraint", bad)
                self.assertIn(why, str(cm.exception))
        with self.assertRaises(AssertionError):
            self.core.check_output("sagemaker", "DescribeProject", {"ProjectName": "x"})  # required members missing

    def test_validate_input(self):
        req = self.core.Request("forecast", "ListPredictors", ACCOUNT, REGION, {"MaxResults": 101}, {})
        with self.assertRaises(self.core.ApiError) as cm:
            self.core.validate_input(req)
        self.assertEqual(cm.exception.code, "InvalidInputException")
        req.params = {"MaxResults": 100}
        self.core.validate_input(req)

    def test_paginate_tokens(self):
        req = self.core.Request("servicecatalog", "ListPortfolios", ACCOUNT, REGION, {}, {})
        page, tok = self.core.paginate(req, list(range(5)), None, 2, 20)
        self.assertEqual(page, [0, 1])
        page, tok2 = self.core.paginate(req, list(range(5)), tok, 2, 20)
        self.assertEqual(page, [2, 3])
        page, tok3 = self.core.paginate(req, list(range(5)), tok2, 2, 20)
        self.assertEqual((page, tok3), ([4], None))
        other = self.core.Request("servicecatalog", "ListPrincipalsForPortfolio", ACCOUNT, REGION, {}, {})
        with self.assertRaises(self.core.ApiError):
            self.core.paginate(other, list(range(5)), tok, 2, 20)

    def test_dispatch_pass_through_and_500_on_bad_handler(self):
        seen = []

        def inner(environ, start_response):
            seen.append(environ["HTTP_X_AMZ_TARGET"])
            start_response("200 OK", [])
            return [b"{}"]

        app = self.core.ExtensionApp(inner)

        def call(target, body=b"{}"):
            status = []
            env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "HTTP_X_AMZ_TARGET": target,
                   "CONTENT_TYPE": "application/x-amz-json-1.1", "CONTENT_LENGTH": str(len(body)),
                   "wsgi.input": io.BytesIO(body)}
            out = b"".join(app(env, lambda s, h: status.append(s)))
            return status[0], json.loads(out)

        self.assertEqual(call("AWS242ServiceCatalogService.DescribeProduct")[0], "200 OK")  # moto's
        self.assertEqual(seen, ["AWS242ServiceCatalogService.DescribeProduct"])
        key = ("servicecatalog", "DescribeConstraint")
        saved = self.core._registry[key]
        self.core._registry[key] = lambda req: {"Status": "READY"}
        try:
            with contextlib.redirect_stderr(io.StringIO()) as err:  # the server logs the traceback
                status, body = call("AWS242ServiceCatalogService.DescribeConstraint", b'{"Id": "cons-x"}')
            self.assertIn("breaks the model", err.getvalue())
        finally:
            self.core._registry[key] = saved
        self.assertTrue(status.startswith("500"))
        self.assertEqual(body["__type"], "InternalFailure")
        self.assertEqual(len(seen), 1)


# ======================================================================= runner


def _start_own():
    state = tempfile.mkdtemp(prefix="fcc-endpoint-")
    out = subprocess.run(["sh", os.path.join(HERE, "endpoint.sh"), "start", state], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit("run_endpoint: could not start the endpoint")
    return out.stdout.strip(), state


def main():
    global ENDPOINT
    state = None
    ENDPOINT = os.environ.get("FCC_TEST_ENDPOINT")
    if not ENDPOINT:
        ENDPOINT, state = _start_own()
    for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(k, None)
    os.environ.setdefault("AWS_CONFIG_FILE", "/dev/null")
    os.environ.setdefault("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    try:
        t0 = time.time()
        suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
        result = unittest.TextTestRunner(verbosity=1 if not os.environ.get("V") else 2).run(suite)
        # A test with failing subTests is reported once per subTest; count tests, not reports.
        bad = {getattr(t, "test_case", t).id() for t, _ in result.failures + result.errors}
        bad |= {t.id() for t in result.unexpectedSuccesses}
        failed = len(bad)
        passed = result.testsRun - failed - len(result.skipped)
        print(f"(endpoint suite took {time.time() - t0:.1f}s)")
    finally:
        if state:
            subprocess.run(["sh", os.path.join(HERE, "endpoint.sh"), "stop", state], timeout=30)
    print(f"{passed} passed, {failed + len(result.skipped)} failed")
    return 0 if failed == 0 and not result.skipped else 1


if __name__ == "__main__":
    sys.exit(main())
