#!/usr/bin/env python3
"""run_plan.py — `fcc plan` end to end against the local AWS endpoint (FCC_TEST_ENDPOINT).

Each scenario resets the endpoint (POST /moto-api/reset), prepares AWS with boto3 and runs the
real `$FCC_BIN plan` on the example (the spec, or its build directory), then compares the JSON
plan, the text and the markdown renderings
with golden files under tests/plan/golden/<scenario>/ after normalising the ids AWS makes up
(port-…, prod-…, pa-…, cons-…, p-…). FCC_GOLDEN_UPDATE=1 rewrites the goldens.

Scenarios: an empty account; the example fully in place (no changes, exit 0 with
--detailed-exitcode); a trust statement removed by hand; the seed code changed; a tag changed
by hand; an extra principal added by hand. Also: plan sends only read operations (through
tests/aws/faultproxy.py, whose log names every request), a saved plan file, a build directory,
and the errors: another manifest format, an unwritable -o path, no credentials, access denied,
throttling past the retry budget. Fails (does not skip) without FCC_TEST_ENDPOINT.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FCC = os.environ.get("FCC_BIN", os.path.join(ROOT, "fcc"))
EP = os.environ.get("FCC_TEST_ENDPOINT")
GOLDEN = os.path.join(ROOT, "tests", "plan", "golden")
UPDATE = os.environ.get("FCC_GOLDEN_UPDATE") == "1"
EXAMPLE = os.path.join(ROOT, "examples", "forecast-mlops")
PRINCIPAL = "arn:aws:iam:::role/service-role/AmazonSageMaker-ExecutionRole-*"
ROLES = ("AmazonSageMakerServiceCatalogProductsExecutionRole",
         "AmazonSageMakerServiceCatalogProductsUseRole")
FORECAST_POLICY = "arn:aws:iam::aws:policy/AmazonForecastFullAccess"
READ_PREFIXES = ("Describe", "List", "Get", "Head", "Search", "Validate")


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
             AWS_EC2_METADATA_DISABLED="true", AWS_ACCESS_KEY_ID="AKIDPLAN",
             AWS_SECRET_ACCESS_KEY="plan-secret", no_proxy="127.0.0.1,localhost",
             NO_COLOR="1")
    e.pop("GITHUB_STEP_SUMMARY", None)
    e.update(extra)
    return e


def fcc(args, endpoint=None, **kw):
    cmd = [FCC] + args + ["--endpoint-url", endpoint or EP]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          env=kw.pop("env", env()), **kw)


def boto(service):
    import boto3
    return boto3.client(service, endpoint_url=EP, region_name="us-east-1",
                        aws_access_key_id="AKIDPLAN", aws_secret_access_key="plan-secret")


def reset():
    req = urllib.request.Request(EP + "/moto-api/reset", data=b"", method="POST")
    urllib.request.urlopen(req, timeout=30).read()


def normalise(text):
    """Ids AWS makes up → stable placeholders, numbered in order of appearance."""
    seen = {}

    def sub(m):
        kind = m.group(1)
        key = m.group(0)
        if key not in seen:
            seen[key] = "%s-<%d>" % (kind, sum(1 for k in seen if k.startswith(kind + "-")) + 1)
        return seen[key]
    text = re.sub(r"\b(port|prodview|prod|pa|cons|pp|p)-[a-z0-9]{12,13}\b", sub, text)
    # moto's organization and OU ids (random per reset)
    return re.sub(r"\b(o|ou)-[a-z0-9]{4,32}(-[a-z0-9]{8,32})?\b",
                  lambda m: sub(m) if m.group(1) == "o" or m.group(2) else m.group(0), text)


def make_spec(dirname, horizon=None):
    """The example copied to `dirname`, optionally with another forecast horizon."""
    shutil.copytree(EXAMPLE, dirname)
    path = os.path.join(dirname, "project.spec")
    if horizon is not None:
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("horizon: 24 ", "horizon: %d " % horizon))
    return path


def org_spec(dirname, org_id, ous):
    """The example sharing its portfolio with organization `org_id` and the OUs `ous`."""
    path = make_spec(dirname)
    with open(path) as f:
        text = f.read()
    share = "  share:\n    organization: %s\n    organizational_units: [%s]\n" % (org_id, ", ".join(ous))
    text = text.replace("  studio_visibility: true\n", "  studio_visibility: true\n" + share, 1)
    with open(path, "w") as f:
        f.write(text)
    return path


def make_org(n_ous=2, enable=True):
    """An organization in the default account with `n_ous` OUs; Service Catalog's
    AWS Organizations access enabled unless told. Returns (org id, [ou ids])."""
    org = boto("organizations")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    ous = [org.create_organizational_unit(ParentId=root, Name="ou%d" % i)["OrganizationalUnit"]["Id"]
           for i in range(n_ous)]
    # sorted: the plan orders steps by address, so the goldens stay stable
    # whatever ids moto draws
    ous.sort()
    if enable:
        boto("servicecatalog").enable_aws_organizations_access()
    return org_id, ous


def org_share(portfolio, node_type, value):
    """Share as AWS would have it once the asynchronous share completed."""
    sc = boto("servicecatalog")
    tok = sc.create_portfolio_share(PortfolioId=portfolio,
                                    OrganizationNode={"Type": node_type, "Value": value})
    assert sc.describe_portfolio_share_status(
        PortfolioShareToken=tok["PortfolioShareToken"])["Status"] == "COMPLETED"


def build(spec, out):
    """fcc build `spec` into `out`; returns the manifest."""
    r = subprocess.run([FCC, "build", spec, "-o", out], capture_output=True, text=True,
                       timeout=120, env=env())
    assert r.returncode == 0, r.stderr
    with open(os.path.join(out, "manifest.json")) as f:
        return json.load(f)


def template_url(bucket, key):
    return "https://%s.s3.us-east-1.amazonaws.com/%s" % (bucket, key)


def trust(services_other, fcc_services):
    st = [{"Effect": "Allow", "Principal": {"Service": services_other},
           "Action": "sts:AssumeRole"}]
    if fcc_services:
        st.append({"Sid": "FccTrustedServices", "Effect": "Allow",
                   "Principal": {"Service": fcc_services}, "Action": "sts:AssumeRole"})
    return json.dumps({"Version": "2012-10-17", "Statement": st})


def put_objects(build_dir, m):
    s3 = boto("s3")
    bucket = m["artifacts"]["bucket"]
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    for o in m["artifacts"]["objects"]:
        with open(os.path.join(build_dir, o["path"]), "rb") as f:
            s3.put_object(Bucket=bucket, Key=o["key"], Body=f.read(),
                          Metadata={"fcc-sha256": o["sha256"]})
    for o in m["data"]:
        with open(os.path.join(EXAMPLE, o["file"]), "rb") as f:
            s3.put_object(Bucket=bucket, Key=o["key"], Body=f.read(),
                          Metadata={"fcc-sha256": o["sha256"]})


def add_version(product_id, m, name=None):
    sc = boto("servicecatalog")
    v = m["catalog"]["products"][0]["version"]
    return sc.create_provisioning_artifact(
        ProductId=product_id, IdempotencyToken="tok-" + v["template_sha256"][:20],
        Parameters={"Name": name or v["name"],
                    "Description": "fcc:template-sha256=" + v["template_sha256"],
                    "Info": {"LoadTemplateFromURL": template_url(m["artifacts"]["bucket"],
                                                                 v["template_key"])},
                    "Type": "CLOUD_FORMATION_TEMPLATE"})["ProvisioningArtifactDetail"]["Id"]


def in_place(build_dir, m):
    """Everything the manifest asks for, as fcc apply would leave it. Returns the ids."""
    put_objects(build_dir, m)
    iam = boto("iam")
    for r in m["iam"]["roles"]:
        iam.create_role(RoleName=r["role"], Path="/service-role/",
                        AssumeRolePolicyDocument=trust(["cloudformation.amazonaws.com",
                                                        "sagemaker.amazonaws.com"],
                                                       r["trust_services"][0]))
        for p in r["attach_policies"]:
            iam.attach_role_policy(RoleName=r["role"], PolicyArn=p)
    cat = m["catalog"]
    sc = boto("servicecatalog")
    port = sc.create_portfolio(DisplayName=cat["portfolio"]["name"],
                               ProviderName=cat["portfolio"]["owner"],
                               Description=cat["portfolio"]["description"],
                               Tags=[{"Key": "fcc:project", "Value": m["project"]["name"]}],
                               IdempotencyToken="tok-portfolio")["PortfolioDetail"]["Id"]
    made = {}
    for i, product in enumerate(cat["products"]):
        v = product["version"]
        prod = sc.create_product(
            Name=product["name"], Owner=product["owner"],
            Description=product["description"], ProductType="CLOUD_FORMATION_TEMPLATE",
            Tags=[{"Key": k, "Value": val} for k, val in sorted(product["tags"].items())],
            ProvisioningArtifactParameters={
                "Name": v["name"], "Description": "fcc:template-sha256=" + v["template_sha256"],
                "Info": {"LoadTemplateFromURL": template_url(m["artifacts"]["bucket"],
                                                             v["template_key"])},
                "Type": "CLOUD_FORMATION_TEMPLATE"},
            IdempotencyToken="tok-product-%d" % i)
        pid = prod["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
        made[product["name"]] = (pid, prod["ProvisioningArtifactDetail"]["Id"])
        sc.associate_product_with_portfolio(ProductId=pid, PortfolioId=port)
        sc.create_constraint(PortfolioId=port, ProductId=pid, Type="LAUNCH",
                             Parameters=json.dumps({"LocalRoleName": cat["launch_role"]}),
                             IdempotencyToken="tok-constraint-%d" % i)
    prod_id, art_id = made[cat["products"][0]["name"]]
    for p in cat["principals"]:
        sc.associate_principal_with_portfolio(PortfolioId=port, PrincipalARN=p["arn"],
                                              PrincipalType=p["type"])
    sm = boto("sagemaker")
    with open(os.path.join(build_dir, m["pipeline"]["definition_path"])) as f:
        definition = f.read()
    for inst in m["instances"]:
        ipid, iart = made[inst["product"]]
        sm.create_project(ProjectName=inst["name"], ProjectDescription=inst["description"],
                          ServiceCatalogProvisioningDetails={"ProductId": ipid,
                                                             "ProvisioningArtifactId": iart})
        sm.create_pipeline(PipelineName="sagemaker-" + inst["name"],
                           PipelineDefinition=definition,
                           RoleArn="arn:aws:iam::123456789012:role/" + ROLES[1],
                           ClientRequestToken="tok-pipeline-" + inst["name"] + "-0123456789abcdef")
    return {"portfolio": port, "product": prod_id, "artifact": art_id}


class Plan(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fcc-plan-")
        cls.spec = make_spec(os.path.join(cls.tmp, "example"))
        cls.build_dir = os.path.join(cls.tmp, "build")
        cls.manifest = build(cls.spec, cls.build_dir)
        cls.build_h48 = os.path.join(cls.tmp, "build-h48")
        build(make_spec(os.path.join(cls.tmp, "example-h48"), horizon=48), cls.build_h48)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.assertTrue(EP, "FCC_TEST_ENDPOINT is not set: run through tests/run.sh")
        reset()

    # ---- golden comparison ----

    masks = {}

    def golden(self, scenario, name, text):
        path = os.path.join(GOLDEN, scenario, name)
        text = normalise(text)
        for value, placeholder in self.masks.items():
            text = text.replace(value, placeholder).replace(value[:12], placeholder)
        if UPDATE:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            return
        self.assertTrue(os.path.exists(path), "missing golden %s (FCC_GOLDEN_UPDATE=1)" % path)
        with open(path) as f:
            self.assertEqual(f.read(), text, "%s differs from the golden" % path)

    def plan_all(self, scenario, spec=None, expect=2):
        """Run the plan in the three formats, check the exit code and the goldens; return
        the JSON plan. `spec`: a spec or a build directory (default: the example's build)."""
        spec = spec or self.build_dir
        out = {}
        for fmt, name in (("json", "expected.json"), ("text", "expected.txt"),
                          ("markdown", "expected.md")):
            r = fcc(["plan", spec, "--format", fmt, "--detailed-exitcode"])
            self.assertEqual(r.returncode, expect, r.stderr + r.stdout)
            self.golden(scenario, name, r.stdout)
            out[fmt] = r
        plan = json.loads(out["json"].stdout)
        self.assertEqual(plan["format"], "fcc-plan/1")
        return plan

    def step(self, plan, address):
        for s in plan["steps"]:
            if s["address"] == address:
                return s
        self.fail("no step %s in %s" % (address, [s["address"] for s in plan["steps"]]))

    def changed(self, plan):
        return sorted((s["address"], s["action"]) for s in plan["steps"] if s["action"] != "no-op")

    # ---- scenarios ----

    def test_empty_account(self):
        # from the spec itself, compiled in memory; the roles SageMaker makes are missing
        plan = self.plan_all("empty-account", spec=self.spec, expect=1)
        actions = {s["action"] for s in plan["steps"] if not s["kind"] == "iam-role"}
        self.assertEqual(actions, {"create"})
        self.assertEqual(len(plan["errors"]), 2)
        self.assertIn("does not exist", plan["errors"][0])

    def test_in_place_no_changes(self):
        in_place(self.build_dir, self.manifest)
        plan = self.plan_all("in-place", expect=0)
        self.assertEqual(self.changed(plan), [])
        self.assertEqual(plan["errors"], [])
        r = fcc(["plan", self.build_dir])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("No changes", r.stdout)

    def test_trust_removed_by_hand(self):
        in_place(self.build_dir, self.manifest)
        boto("iam").update_assume_role_policy(
            RoleName=ROLES[0], PolicyDocument=trust(["cloudformation.amazonaws.com",
                                                     "sagemaker.amazonaws.com"], None))
        plan = self.plan_all("trust-removed")
        self.assertEqual(self.changed(plan), [("iam-role:" + ROLES[0], "update")])
        s = self.step(plan, "iam-role:" + ROLES[0])
        self.assertIn("forecast.amazonaws.com", s["access_change"])

    def test_seed_changed(self):
        ids = in_place(self.build_dir, self.manifest)
        plan = self.plan_all("seed-changed", spec=self.build_h48)
        kinds = sorted((s["kind"], s["action"]) for s in plan["steps"] if s["action"] != "no-op")
        self.assertIn(("s3-object", "create"), kinds)
        self.assertIn(("sc-artifact", "create"), kinds)
        self.assertIn(("sc-artifact", "deprecate"), kinds)
        dep = [s for s in plan["steps"] if s["action"] == "deprecate"][0]
        self.assertEqual(dep["attrs"]["id"], ids["artifact"])

    def test_tag_changed_by_hand(self):
        ids = in_place(self.build_dir, self.manifest)
        boto("servicecatalog").update_product(Id=ids["product"],
                                              AddTags=[{"Key": "team", "Value": "someone-else"}])
        plan = self.plan_all("tag-changed")
        self.assertEqual(self.changed(plan),
                         [("sc-product:" + self.manifest["catalog"]["products"][0]["name"], "update")])
        s = self.step(plan, "sc-product:" + self.manifest["catalog"]["products"][0]["name"])
        self.assertEqual([(c["path"], c["before"], c["after"]) for c in s["changes"]],
                         [('tags["team"]', "someone-else", "ml-platform")])

    def test_extra_principal_reported(self):
        ids = in_place(self.build_dir, self.manifest)
        extra = "arn:aws:iam::123456789012:role/SomeoneElse"
        boto("servicecatalog").associate_principal_with_portfolio(
            PortfolioId=ids["portfolio"], PrincipalARN=extra, PrincipalType="IAM")
        plan = self.plan_all("extra-principal", expect=0)
        self.assertEqual(self.changed(plan), [])
        name = self.manifest["catalog"]["portfolio"]["name"]
        s = self.step(plan, "sc-principal:%s/%s" % (name, extra))
        self.assertEqual(s["action"], "no-op")
        self.assertIn("left alone", s["reason"])
        # the spec owning the list turns it into a delete
        r = fcc(["plan", self.build_dir, "--format", "json", "--own-principals"])
        self.assertEqual(r.returncode, 0, r.stderr)
        s = self.step(json.loads(r.stdout), "sc-principal:%s/%s" % (name, extra))
        self.assertEqual(s["action"], "delete")

    # ---- organization and OU shares ----

    def org_build(self, name, org_id, ous):
        d = os.path.join(self.tmp, name)
        shutil.rmtree(d, ignore_errors=True)
        out = d + "-build"
        shutil.rmtree(out, ignore_errors=True)
        m = build(org_spec(d, org_id, ous), out)
        # the spec names moto's random organization ids: its sha256 and the
        # manifest's differ on every run
        import hashlib
        with open(os.path.join(out, "manifest.json"), "rb") as f:
            self.masks = {hashlib.sha256(f.read()).hexdigest(): "<manifest-sha256>",
                          m["spec_sha256"]: "<spec-sha256>"}
        return out, m

    def test_org_shares_absent_in_place_extra(self):
        org_id, ous = make_org(3)
        bdir, m = self.org_build("example-org", org_id, ous[:2])
        ids = in_place(bdir, m)
        name = m["catalog"]["portfolio"]["name"]
        # absent: one create per node, each flagged as broadening access
        plan = self.plan_all("org-shares-absent", spec=bdir)
        self.assertEqual(self.changed(plan), sorted([
            ("sc-share:%s/organization:%s" % (name, org_id), "create"),
            ("sc-share:%s/ou:%s" % (name, ous[0]), "create"),
            ("sc-share:%s/ou:%s" % (name, ous[1]), "create")]))
        s = self.step(plan, "sc-share:%s/organization:%s" % (name, org_id))
        self.assertEqual(s["access_change"], "shares the portfolio with organization " + org_id)
        # in place: no changes
        org_share(ids["portfolio"], "ORGANIZATION", org_id)
        for ou in ous[:2]:
            org_share(ids["portfolio"], "ORGANIZATIONAL_UNIT", ou)
        plan = self.plan_all("org-shares-in-place", spec=bdir, expect=0)
        self.assertEqual(self.changed(plan), [])
        # an OU shared by hand: reported and left alone
        org_share(ids["portfolio"], "ORGANIZATIONAL_UNIT", ous[2])
        plan = self.plan_all("org-shares-extra", spec=bdir, expect=0)
        s = self.step(plan, "sc-share:%s/ou:%s" % (name, ous[2]))
        self.assertEqual((s["action"], s["reason"]),
                         ("no-op", "shared outside fcc: reported and left alone"))
        self.assertEqual(self.changed(plan), [])

    def test_org_access_disabled_is_a_plan_error(self):
        org_id, ous = make_org(1, enable=False)
        bdir, m = self.org_build("example-org-off", org_id, ous)
        in_place(bdir, m)
        r = fcc(["plan", bdir, "--format", "json", "--detailed-exitcode"])
        self.assertEqual(r.returncode, 1, r.stderr)
        plan = json.loads(r.stdout)
        self.assertEqual(plan["errors"], [
            "catalog.shares: sharing with an organization or organizational units needs AWS "
            "Organizations access for Service Catalog, which is DISABLED: run `aws servicecatalog "
            "enable-aws-organizations-access` in the organization's management account"])

    def test_org_shares_saved_plan_goes_stale(self):
        org_id, ous = make_org(1)
        bdir, m = self.org_build("example-org-stale", org_id, ous)
        ids = in_place(bdir, m)
        pf = os.path.join(self.tmp, "org.plan")
        r = fcc(["plan", bdir, "-o", pf])
        self.assertEqual(r.returncode, 0, r.stderr)
        org_share(ids["portfolio"], "ORGANIZATIONAL_UNIT", ous[0])
        r = fcc(["apply", pf, "--build-dir", bdir])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("plan_stale", r.stderr)
        self.assertIn("sc-shares:%s" % m["catalog"]["portfolio"]["name"], r.stderr)

    # ---- read-only, build dir, plan file, markdown summary ----

    def proxy(self, *args):
        here = os.path.join(ROOT, "tests", "aws", "faultproxy.py")
        p = subprocess.Popen([sys.executable, here, "--upstream", EP] + list(args),
                             stdout=subprocess.PIPE, text=True)
        port = int(p.stdout.readline())
        self.addCleanup(lambda: (p.terminate(), p.wait(10), p.stdout.close()))
        return "http://127.0.0.1:%d" % port

    def proxy_log(self, url):
        with urllib.request.urlopen(url + "/__fcc/log", timeout=10) as f:
            return json.load(f)

    def test_reads_only(self):
        in_place(self.build_dir, self.manifest)
        url = self.proxy()
        r = fcc(["plan", self.build_dir, "--detailed-exitcode"], endpoint=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        log = self.proxy_log(url)["requests"]
        ops = []
        for q in log:
            if q["target"]:
                ops.append(q["target"].rsplit(".", 1)[1])
            elif q["action"]:
                ops.append(q["action"])
            else:
                ops.append({"HEAD": "HeadObject", "GET": "GetObject"}.get(q["method"], q["method"]))
        self.assertTrue(ops)
        bad = [o for o in ops if not o.startswith(READ_PREFIXES)]
        self.assertEqual(bad, [], "plan sent non-read operations")
        # the fewest calls: one per observation, no per-item describes of a list
        n_obj = len(self.manifest["artifacts"]["objects"]) + len(self.manifest["data"])
        self.assertEqual(ops.count("HeadObject"), n_obj)
        self.assertEqual(ops.count("GetRole"), 2)
        self.assertEqual(ops.count("DescribePortfolio"), 1)
        self.assertEqual(ops.count("DescribeProductAsAdmin"), 1)
        self.assertNotIn("ValidateTemplate", ops)  # the version of this template exists
        # the product by its name (no search first); its LAUNCH constraint
        # proves the association; one SearchProductsAsAdmin lists the
        # portfolio's products (any the spec dropped would be described)
        self.assertEqual(ops.count("SearchProductsAsAdmin"), 1)
        # objects, 2 roles x 2, ListPortfolios, DescribePortfolio, principals,
        # access, its products; the product, its versions, constraints, the
        # constraint; the project and its pipeline
        self.assertEqual(len(ops), n_obj + 4 + 5 + 4 + 2)

    def test_new_template_is_validated(self):
        # no version of the template yet: ValidateTemplate of the uploaded object (TemplateURL)
        put_objects(self.build_dir, self.manifest)
        url = self.proxy()
        r = fcc(["plan", self.build_dir, "--format", "json", "--debug"], endpoint=url)
        self.assertEqual(r.returncode, 1, r.stderr)  # roles missing
        self.assertIn("TemplateURL=https%3A%2F%2F", r.stderr)
        self.assertEqual([q["action"] for q in self.proxy_log(url)["requests"]].count(
            "ValidateTemplate"), 1)

    def test_build_dir_plan_file_and_summary(self):
        in_place(self.build_dir, self.manifest)
        pf = os.path.join(self.tmp, "plan.fccplan")
        summary = os.path.join(self.tmp, "summary.md")
        open(summary, "w").close()
        r = fcc(["plan", self.build_dir, "-o", pf, "--format", "markdown"],
                env=env(GITHUB_STEP_SUMMARY=summary))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(summary) as f:
            self.assertEqual(f.read(), r.stdout)
        self.assertTrue(r.stdout.startswith("<!-- fcc-plan: forecast-mlops/"), r.stdout[:80])
        with open(pf) as f:
            saved = json.load(f)
        self.assertEqual(saved["format"], "fcc-planfile/1")
        # --env that the build directory was not built for
        r = fcc(["plan", self.build_dir, "--env", "prod"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("not environment prod", r.stderr)

    # ---- errors ----

    def test_error_other_manifest_format(self):
        d = os.path.join(self.tmp, "old-build")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "manifest.json"), "w") as f:
            json.dump({"format": "fcc-manifest/0"}, f)
        r = fcc(["plan", d])
        self.assertEqual(r.returncode, 1)
        self.assertIn("fcc plan: %s: " % d, r.stderr)
        self.assertIn("fcc-manifest/0", r.stderr)

    def test_error_unwritable_plan_file(self):
        in_place(self.build_dir, self.manifest)
        bad = os.path.join(self.tmp, "no-such-dir", "plan.fccplan")
        r = fcc(["plan", self.build_dir, "-o", bad])
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot save the plan to %s" % bad, r.stderr)

    def test_error_no_credentials(self):
        r = fcc(["plan", self.spec], env=env(AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY=""))
        self.assertEqual(r.returncode, 1)
        self.assertIn("fcc plan: no credentials", r.stderr)

    def test_error_access_denied(self):
        url = self.proxy("--rule", "every:1:denied")
        r = fcc(["plan", self.spec], endpoint=url)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"fcc plan: reading (s3://|iam-role:|sc-|sagemaker-project:)")
        # S3 HEAD errors have no body: the status names it
        self.assertRegex(r.stderr, r"(AccessDenied(Exception)?|Forbidden) \(HTTP 40[03]\)")
        self.assertIn("[request id fcc-faultproxy-0000]", r.stderr)

    def test_error_throttled(self):
        url = self.proxy("--rule", "every:1:throttle")
        r = fcc(["plan", self.spec], endpoint=url, env=env(AWS_MAX_ATTEMPTS="2"))
        # which read fails first depends on timing; an S3 HEAD 503 has no body to name
        # its code (SlowDown), so the status stands for it
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"fcc plan: reading \S+")
        self.assertRegex(r.stderr, r"(Throttling|ThrottlingException|SlowDown|error) \(HTTP (400|503)\)")
        self.assertIn("request id fcc-faultproxy-0000", r.stderr)
        self.assertIn("2 attempts", r.stderr)

    def test_usage(self):
        r = subprocess.run([FCC, "plan", "--format", "yaml"], capture_output=True, text=True,
                           env=env())
        self.assertEqual(r.returncode, 2)
        self.assertIn("--format takes text, json or markdown", r.stderr)
        r = subprocess.run([FCC, "plan", "--help"], capture_output=True, text=True, env=env())
        self.assertEqual(r.returncode, 0)
        self.assertIn("--detailed-exitcode", r.stdout)
        # options take their value as --opt=VALUE too, before or after the operand
        r = subprocess.run([FCC, "plan", "--format=json", self.spec, "--env=dev",
                            "--endpoint-url=" + EP], capture_output=True, text=True, env=env())
        # (exit 1: this test's account has not the roles the plan patches)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("the plan has 2 errors", r.stderr)
        self.assertEqual(json.loads(r.stdout)["environment"], "dev")
        for args, msg in ((["--env"], "option '--env' needs a value"),
                          (["--endpoint-url="], "option '--endpoint-url' needs a non-empty value"),
                          (["a.spec", "b.spec"], "unexpected argument 'b.spec'"),
                          (["--bogus"], "unknown option '--bogus'")):
            r = subprocess.run([FCC, "plan"] + args, capture_output=True, text=True, env=env())
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("fcc plan: " + msg, r.stderr)


if __name__ == "__main__":
    res = unittest.main(exit=False, verbosity=2 if os.environ.get("V") else 0).result
    failed = len(res.failures) + len(res.errors)
    print("%d passed, %d failed" % (res.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
