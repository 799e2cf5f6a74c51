#!/usr/bin/env python3
"""run_patches.py — IAM role patches fcc can undo, and organization/OU shares, end to end.

Drives the real `$FCC_BIN apply` / `plan` / `destroy` against the local AWS endpoint
(FCC_TEST_ENDPOINT), reusing run_apply.py's workspace, proxy and account reset.

IAM patches (runtime/iam_patch.h): apply records what it adds on the role as a
`fcc:patch:<project>` tag; destroy takes back only what that record holds and no other
project's record does. Scenarios: a role that already had the policy keeps it after destroy;
clean roles are detached and untrusted; two projects patching the same roles — destroying one
keeps what the other needs, destroying the second takes it all back; `destroy --purge` then
`plan` shows the patches again.

Organization shares: apply creates an organization and an OU share (asynchronous: followed
with DescribePortfolioShareStatus), re-plans to no changes, destroy removes them.

Fails (never skips) without FCC_TEST_ENDPOINT. Prints `N passed, N failed`.
"""
import hashlib
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_apply as ra  # noqa: E402

POLICY = "arn:aws:iam::aws:policy/AmazonForecastFullAccess"
SERVICE = "forecast.amazonaws.com"
KEY = "fcc:patch:forecast-mlops"
BASE_SERVICES = ["cloudformation.amazonaws.com", "sagemaker.amazonaws.com"]


def item(kind, name):
    return kind + hashlib.sha256(name.encode()).hexdigest()[:8]


def setUpModule():
    ra.setUpModule()


def tearDownModule():
    ra.tearDownModule()


def role_view(name):
    """(attached policy ARNs, trusted services by statement Sid, fcc:patch tags) of a role."""
    iam = ra.boto("iam")
    role = iam.get_role(RoleName=name)["Role"]
    doc = role["AssumeRolePolicyDocument"]
    if isinstance(doc, str):
        doc = json.loads(doc)
    trust = {}
    for st in doc["Statement"]:
        svc = st.get("Principal", {}).get("Service", [])
        trust[st.get("Sid", "")] = sorted([svc] if isinstance(svc, str) else svc)
    pols = sorted(p["PolicyArn"] for p in
                  iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"])
    tags = {t["Key"]: t["Value"] for t in role.get("Tags", []) if t["Key"].startswith("fcc:patch:")}
    return pols, trust, tags


CLEAN = ([], {"": BASE_SERVICES}, {})


def destroy_args(build, *extra):
    return ["destroy", build, "--endpoint-url", ra.PROXY_URL, "--auto-approve",
            "--progress", "plain"] + list(extra)


def apply_build(build):
    return ["apply", build, "--endpoint-url", ra.PROXY_URL, "--progress", "plain",
            "--auto-approve"]


class Patches(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        ra.reset_account()

    def run_ok(self, args):
        r = ra.fcc(args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def test_clean_roles_detached_and_untrusted(self):
        self.run_ok(ra.apply_args("--auto-approve"))
        pols, trust, tags = role_view(ra.ROLES[0])
        self.assertEqual(pols, [POLICY])
        self.assertEqual(trust, {"": BASE_SERVICES, "FccTrustedServices": [SERVICE]})
        self.assertEqual(tags, {KEY: " ".join(sorted([item("p", POLICY), item("s", SERVICE)]))})
        r = self.run_ok(destroy_args(ra.WS.build))
        # the preview lists what is taken back
        self.assertIn('attached_policies["%s"]: "%s" → (none)' % (POLICY, POLICY), r.stdout)
        self.assertIn('tags["%s"]' % KEY, r.stdout)
        for role in ra.ROLES[:2]:
            self.assertEqual(role_view(role), CLEAN)
        # the launch role was never patched
        self.assertEqual(role_view(ra.ROLES[2]), CLEAN)

    def test_policy_attached_before_fcc_stays(self):
        ra.boto("iam").attach_role_policy(RoleName=ra.ROLES[0], PolicyArn=POLICY)
        self.run_ok(ra.apply_args("--auto-approve"))
        # fcc added only the service on this role: that is all it records
        self.assertEqual(role_view(ra.ROLES[0])[2], {KEY: item("s", SERVICE)})
        self.run_ok(destroy_args(ra.WS.build))
        self.assertEqual(role_view(ra.ROLES[0]), ([POLICY], {"": BASE_SERVICES}, {}))
        self.assertEqual(role_view(ra.ROLES[1]), CLEAN)

    def test_two_projects_keep_what_the_other_needs(self):
        other = ra.Workspace(edit=lambda s: s.replace("name: forecast-mlops\n", "name: forecast-other\n", 1)
                             .replace("prefix: forecast-mlops", "prefix: forecast-other")
                             .replace("SageMaker Organization Templates", "Other Templates")
                             .replace("name: forecast-mlops-template", "name: forecast-other-template")
                             .replace("name: forecast-dev", "name: forecast-other-dev"))
        self.addCleanup(other.close)
        self.run_ok(ra.apply_args("--auto-approve"))
        # the second project finds the patches made: it records them as its own need
        r = ra.fcc(["plan", other.build, "--endpoint-url", ra.EP, "--format", "json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(r.stdout)
        role = [s for s in plan["steps"] if s["address"] == "iam-role:" + ra.ROLES[0]][0]
        self.assertEqual(role["action"], "update")
        self.assertIsNone(role.get("access_change"))
        self.assertEqual([c["path"] for c in role["changes"]], ['tags["fcc:patch:forecast-other"]'])
        self.run_ok(apply_build(other.build))
        both = " ".join(sorted([item("p", POLICY), item("s", SERVICE)]))
        self.assertEqual(role_view(ra.ROLES[0])[2], {KEY: both, "fcc:patch:forecast-other": both})
        # destroying the first keeps what the second needs; only its record goes
        self.run_ok(destroy_args(ra.WS.build))
        self.assertEqual(role_view(ra.ROLES[0]),
                         ([POLICY], {"": BASE_SERVICES, "FccTrustedServices": [SERVICE]},
                          {"fcc:patch:forecast-other": both}))
        # the second project's plan is still clean
        r = ra.fcc(["plan", other.build, "--endpoint-url", ra.EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # destroying the second takes it all back
        self.run_ok(destroy_args(other.build))
        for role in ra.ROLES[:2]:
            self.assertEqual(role_view(role), CLEAN)

    def test_purge_then_plan_shows_patches_again(self):
        self.run_ok(ra.apply_args("--auto-approve"))
        self.run_ok(destroy_args(ra.WS.build, "--purge"))
        r = ra.fcc(["plan", ra.WS.build, "--endpoint-url", ra.EP, "--format", "json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(r.stdout)
        for role in ra.ROLES[:2]:
            s = [x for x in plan["steps"] if x["address"] == "iam-role:" + role][0]
            self.assertEqual(s["action"], "update")
            self.assertEqual(s["access_change"], "attaches %s; trusts %s" % (POLICY, SERVICE))
            changes = {c["path"]: (c.get("before"), c.get("after")) for c in s["changes"]}
            self.assertEqual(changes['attached_policies["%s"]' % POLICY], (None, POLICY))
            self.assertEqual(changes['tags["%s"]' % KEY][0], None)


class OrgShares(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        ra.reset_account()
        org = ra.boto("organizations")
        self.org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
        root = org.list_roots()["Roots"][0]["Id"]
        self.ou = org.create_organizational_unit(ParentId=root, Name="ml")["OrganizationalUnit"]["Id"]
        ra.boto("servicecatalog").enable_aws_organizations_access()
        share = "  share:\n    organization: %s\n    organizational_units: [%s]\n" % (self.org_id, self.ou)
        self.ws = ra.Workspace(edit=lambda s: s.replace("  studio_visibility: true\n",
                                                        "  studio_visibility: true\n" + share, 1))
        self.addCleanup(self.ws.close)

    def nodes(self, pid):
        sc = ra.boto("servicecatalog")
        return sorted((n["Type"], n["Value"])
                      for t in ("ORGANIZATION", "ORGANIZATIONAL_UNIT")
                      for n in sc.list_organization_portfolio_access(
                          PortfolioId=pid, OrganizationNodeType=t)["OrganizationNodes"])

    def test_apply_converges_and_destroy_removes(self):
        r = ra.fcc(apply_build(self.ws.build))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Apply complete: 14 changed", r.stdout)
        ports = [p for p in ra.boto("servicecatalog").list_portfolios()["PortfolioDetails"]
                 if p["DisplayName"] == ra.PORTFOLIO]
        self.assertEqual(len(ports), 1)
        self.assertEqual(self.nodes(ports[0]["Id"]),
                         [("ORGANIZATION", self.org_id), ("ORGANIZATIONAL_UNIT", self.ou)])
        # the shares were followed to COMPLETED (one status read each, then settled)
        log = ra.proxy_log()["requests"]
        self.assertEqual(sum(1 for q in log if ra.operation(q) == "DescribePortfolioShareStatus"), 2)
        r = ra.fcc(["plan", self.ws.build, "--endpoint-url", ra.EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        ra.proxy_reset()
        r = ra.fcc(destroy_args(self.ws.build))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("sc-share:%s/organization:%s" % (ra.PORTFOLIO, self.org_id), r.stdout)
        ops = [ra.operation(q) for q in ra.proxy_log()["requests"]]
        self.assertEqual(ops.count("DeletePortfolioShare"), 2)
        self.assertLess(max(i for i, o in enumerate(ops) if o == "DescribePortfolioShareStatus"),
                        ops.index("DeletePortfolio"))
        self.assertEqual([p for p in ra.boto("servicecatalog").list_portfolios()["PortfolioDetails"]
                          if p["DisplayName"] == ra.PORTFOLIO], [])

    def test_share_followed_while_in_progress(self):
        ra.post(ra.EP + "/__fcc/servicecatalog/next-share", json.dumps({"Describes": 2}).encode())
        r = ra.fcc(apply_build(self.ws.build))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        ops = [ra.operation(q) for q in ra.proxy_log()["requests"]]
        # one share polled through two IN_PROGRESS answers (FCC_APPLY_POLL_MS), the other once
        self.assertEqual(ops.count("DescribePortfolioShareStatus"), 4)
        r = ra.fcc(["plan", self.ws.build, "--endpoint-url", ra.EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_share_error_fails_the_step(self):
        # the two shares go out in parallel: either one draws the seeded error
        ra.post(ra.EP + "/__fcc/servicecatalog/next-share",
                json.dumps({"Error": "the organization is being changed"}).encode())
        r = ra.fcc(apply_build(self.ws.build))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr,
                         r"portfolio share share-[a-z0-9]+ with (o|ou)-[a-z0-9-]+ is ERROR: "
                         r"OrganizationShareFailed: the organization is being changed")
        # the rerun shares it
        r = ra.fcc(apply_build(self.ws.build))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    ra.run_main(sys.modules[__name__])
