#!/usr/bin/env python3
"""run_apply.py — `fcc apply` end to end against the local AWS endpoint.

Drives `$FCC_BIN apply` / `plan` / `unlock` on a copy of the Forecast example
(account 123456789012, moto's) through tests/aws/faultproxy.py, run
in-process in front of FCC_TEST_ENDPOINT, and checks the endpoint's state
with boto3. The endpoint is reset (POST /moto-api/reset) before each
scenario and seeded with the bucket and the three SageMaker product roles
fcc patches but never creates.

Scenarios: an empty account then a second apply that sends only reads
(asserted from the proxy's request log: no writes, not even the lock; the
same reads as `fcc plan`) and `plan --detailed-exitcode` 0; a hand edit made
between apply's unlocked read and its lock, seen by the re-read under the
lock and planned for; the plan issue's hand edits (a trust statement
removed: put back with one write; a principal added: left alone) applied and
re-planned to no changes; a saved plan applied without a terminal,
and one made stale between plan and apply refused (plan_stale, naming the
observation); throttling bursts, 500s, 503s, dropped connections, 2-second
stalls on chosen operations, and a
write whose answer is lost after AWS did it, converging to exactly one
portfolio/product/version/constraint/principal; SIGKILL mid-apply, then
`fcc unlock` and a rerun converging; two applies at once (one fails on the
lock, nothing duplicated); AccessDenied on one operation (the other steps
finish, the failed one is reported with its code and request id, exit 1, a
rerun after the fix finishes); `fcc destroy` in reverse order, refused while a
project outside the spec uses the product, objects kept unless --purge.

Fails (never skips) without FCC_TEST_ENDPOINT. Prints `N passed, N failed`.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "aws"))
import faultproxy  # noqa: E402

FCC = os.environ.get("FCC_BIN", os.path.join(ROOT, "fcc"))
EP = os.environ.get("FCC_TEST_ENDPOINT")
ACCOUNT = "123456789012"
BUCKET = "sagemaker-us-east-1-%s" % ACCOUNT
ROLES = ["AmazonSageMakerServiceCatalogProductsExecutionRole",
         "AmazonSageMakerServiceCatalogProductsUseRole",
         "AmazonSageMakerServiceCatalogProductsLaunchRole"]
PORTFOLIO = "SageMaker Organization Templates"
PRODUCT = "forecast-mlops-template"
PROJECT = "forecast-dev"
PRINCIPAL = "arn:aws:iam:::role/service-role/AmazonSageMaker-ExecutionRole-*"  # the example's
LOCK_KEY = "forecast-mlops/.fcc/lock/forecast-mlops.json"
READ_PREFIXES = ("Describe", "List", "Search", "Get", "Validate")


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
             AWS_EC2_METADATA_DISABLED="true", AWS_ACCESS_KEY_ID="AKIDAPPLYTEST",
             AWS_SECRET_ACCESS_KEY="apply-test-secret-not-real", AWS_REGION="us-east-1",
             AWS_MAX_ATTEMPTS="4", FCC_APPLY_POLL_MS="50", no_proxy="127.0.0.1,localhost")
    e.update(extra)
    return e


def boto(service):
    import boto3
    return boto3.client(service, endpoint_url=EP, region_name="us-east-1",
                        aws_access_key_id="AKIDAPPLYTEST",
                        aws_secret_access_key="apply-test-secret-not-real")


def post(url, body=b""):
    req = urllib.request.Request(url, data=body, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


class Workspace:
    """The example spec for moto's account, built once."""

    def __init__(self, edit=None):
        self.dir = tempfile.mkdtemp(prefix="fcc-apply-")
        src = os.path.join(ROOT, "examples", "forecast-mlops")
        shutil.copytree(os.path.join(src, "data"), os.path.join(self.dir, "data"))
        with open(os.path.join(src, "project.spec")) as f:
            spec = f.read()
        spec = spec.replace('account: "111122223333"', 'account: "%s"' % ACCOUNT)
        if edit:
            spec = edit(spec)
        self.spec = os.path.join(self.dir, "project.spec")
        with open(self.spec, "w") as f:
            f.write(spec)
        self.build = os.path.join(self.dir, "build")
        r = subprocess.run([FCC, "build", self.spec, "-o", self.build], capture_output=True,
                           text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("fcc build failed: " + r.stderr)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


WS = None
PROXY = None
PROXY_URL = None


def setUpModule():
    global WS, PROXY, PROXY_URL
    if not EP:
        raise RuntimeError("FCC_TEST_ENDPOINT is not set: run through tests/run.sh")
    WS = Workspace()
    PROXY = faultproxy.make_server(upstream=EP)
    # a killed or dropped client leaves the proxy writing into a closed socket
    PROXY.handle_error = lambda request, address: None
    threading.Thread(target=PROXY.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    PROXY_URL = "http://127.0.0.1:%d" % PROXY.server_address[1]


def tearDownModule():
    if PROXY:
        PROXY.shutdown()
        PROXY.server_close()
    if WS:
        WS.close()


def proxy_reset(rules=(), latency_ms=0):
    post(PROXY_URL + "/__fcc/reset", json.dumps({"rules": list(rules),
                                                "latency_ms": latency_ms}).encode())


def proxy_log():
    with urllib.request.urlopen(PROXY_URL + "/__fcc/log", timeout=30) as r:
        return json.loads(r.read())


def operation(req):
    if req.get("target"):
        return req["target"].rsplit(".", 1)[-1]
    if req.get("action"):
        return req["action"]
    return req["method"]


def is_read(req):
    op = operation(req)
    return op in ("GET", "HEAD") or op.startswith(READ_PREFIXES)


def is_lock(req):
    return req["method"] in ("PUT", "DELETE", "GET") and req["path"].endswith("/" + LOCK_KEY)


def fcc(args, timeout=120, **kw):
    return subprocess.run([FCC] + args, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=env(), **kw)


def apply_args(*extra):
    return ["apply", WS.build, "--endpoint-url", PROXY_URL, "--progress", "plain"] + list(extra)


def reset_account(bucket=True):
    """moto reset, then what fcc expects to exist: the roles it patches and
    (unless `bucket` is false) the artifacts bucket."""
    post(EP + "/moto-api/reset")
    if bucket:
        boto("s3").create_bucket(Bucket=BUCKET)
    iam = boto("iam")
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": ["cloudformation.amazonaws.com", "sagemaker.amazonaws.com"]}}]})
    for r in ROLES:
        iam.create_role(RoleName=r, AssumeRolePolicyDocument=doc)
    proxy_reset()


def inventory():
    """What the account holds, counted the way duplicates would show."""
    sc = boto("servicecatalog")
    ports = [p for p in sc.list_portfolios()["PortfolioDetails"] if p["DisplayName"] == PORTFOLIO]
    prods = [p for p in sc.search_products_as_admin()["ProductViewDetails"]
             if p["ProductViewSummary"]["Name"] == PRODUCT]
    inv = {"portfolios": len(ports), "products": len(prods)}
    if len(ports) == 1 and len(prods) == 1:
        pid = ports[0]["Id"]
        prod = prods[0]["ProductViewSummary"]["ProductId"]
        arts = sc.list_provisioning_artifacts(ProductId=prod)["ProvisioningArtifactDetails"]
        # fcc names each version <spec version>+<first 8 hex of the template's sha256>
        for a in arts:
            assert re.match(r"^[0-9.]+\+[0-9a-f]{8}$", a["Name"]), a["Name"]
        inv["versions"] = sorted((a["Name"].split("+")[0], a.get("Guidance", "DEFAULT"))
                                 for a in arts)
        inv["constraints"] = [c["Type"] for c in
                              sc.list_constraints_for_portfolio(PortfolioId=pid)["ConstraintDetails"]]
        inv["principals"] = [p["PrincipalARN"] for p in
                             sc.list_principals_for_portfolio(PortfolioId=pid)["Principals"]]
        inv["in_portfolio"] = [p["ProductViewSummary"]["Name"] for p in
                               sc.search_products_as_admin(PortfolioId=pid)["ProductViewDetails"]]
    sm = boto("sagemaker")
    inv["projects"] = sorted((p["ProjectName"], p["ProjectStatus"])
                             for p in sm.list_projects()["ProjectSummaryList"])
    iam = boto("iam")
    inv["policies"] = sorted(
        (r, tuple(sorted(p["PolicyArn"] for p in
                         iam.list_attached_role_policies(RoleName=r)["AttachedPolicies"])))
        for r in ROLES[:2])
    return inv


CONVERGED = {
    "portfolios": 1, "products": 1, "versions": [("1.0", "DEFAULT")], "constraints": ["LAUNCH"],
    "principals": [PRINCIPAL], "in_portfolio": [PRODUCT],
    "projects": [(PROJECT, "CreateCompleted")],
    "policies": [(ROLES[0], ("arn:aws:iam::aws:policy/AmazonForecastFullAccess",)),
                 (ROLES[1], ("arn:aws:iam::aws:policy/AmazonForecastFullAccess",))],
}


class Usage(unittest.TestCase):
    def test_usage_errors_exit_2(self):
        for args in (["apply", "--bogus"], ["apply", "--parallelism", "0"],
                     ["apply", "--parallelism", "many"], ["apply", "--lock-timeout", "soon"],
                     ["apply", "--progress", "loud"], ["apply", "--env"],
                     ["apply", "a", "b"], ["destroy", "plan.json"], ["destroy", "--bogus"]):
            r = fcc(args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn("fcc %s" % args[0], r.stderr)

    def test_bad_inputs_exit_1(self):
        bad = os.path.join(WS.dir, "corrupt.plan")
        with open(bad, "w") as f:
            f.write('{"format": "fcc-planfile/1", "plan": {}}')
        r = fcc(["apply", bad, "--build-dir", WS.build, "--endpoint-url", EP])
        self.assertEqual(r.returncode, 1)
        self.assertIn("plan file", r.stderr)
        r = fcc(["apply", os.path.join(WS.dir, "no-such-build"), "--endpoint-url", EP])
        self.assertEqual(r.returncode, 1)
        self.assertIn("no-such-build", r.stderr)
        self.assertIn("SPEC | BUILD_DIR | PLAN_FILE", fcc(["apply", "--help"]).stdout)
        self.assertIn("--purge", fcc(["destroy", "--help"]).stdout)


class Apply(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        reset_account()

    def assertConverged(self):
        self.assertEqual(inventory(), CONVERGED)
        r = fcc(["plan", WS.build, "--endpoint-url", EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def apply_until_ok(self, tries=3, *extra):
        """Apply again until it exits 0 (faults may exhaust one run's retries)."""
        outs = []
        for _ in range(tries):
            r = fcc(apply_args("--auto-approve", *extra))
            outs.append(r.stdout + r.stderr)
            if r.returncode == 0:
                return outs
            self.assertEqual(r.returncode, 1, r.stderr)
        self.fail("apply did not converge:\n" + "\n----\n".join(outs))

    def test_apply_empty_account_then_second_apply_only_reads(self):
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Apply complete: 12 changed", r.stdout)
        self.assertRegex(r.stderr, r"sc-portfolio:%s: created port-" % PORTFOLIO)
        self.assertConverged()
        proxy_reset()
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("No changes", r.stdout)
        log = proxy_log()["requests"]
        # nothing to do writes nothing, not even the lock: it is taken only
        # when there are changes
        writes = [(operation(q), q["path"]) for q in log if not is_read(q)]
        self.assertEqual(writes, [])
        self.assertFalse(any(is_lock(q) for q in log))
        self.assertGreater(len(log), 8)
        # and it costs what fcc plan costs: the very same reads
        proxy_reset()
        r = fcc(["plan", WS.build, "--endpoint-url", PROXY_URL, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(sorted(operation(q) for q in proxy_log()["requests"]),
                         sorted(operation(q) for q in log))

    def test_hand_edits_of_the_plan_scenarios_are_applied_then_no_changes(self):
        """The plan issue's hand-edit scenarios, applied: fcc's trust statement
        removed by hand is put back; a principal added by hand is reported and
        left alone; afterwards the plan has nothing to do."""
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        iam, sc = boto("iam"), boto("servicecatalog")
        role = iam.get_role(RoleName=ROLES[0])["Role"]
        doc = role["AssumeRolePolicyDocument"]
        if isinstance(doc, str):
            doc = json.loads(urllib.parse.unquote(doc))
        doc["Statement"] = [st for st in doc["Statement"] if st.get("Sid") != "FccTrustedServices"]
        iam.update_assume_role_policy(RoleName=ROLES[0], PolicyDocument=json.dumps(doc))
        pid = [p for p in sc.list_portfolios()["PortfolioDetails"]
               if p["DisplayName"] == PORTFOLIO][0]["Id"]
        extra = "arn:aws:iam::%s:role/someone-else" % ACCOUNT
        sc.associate_principal_with_portfolio(PortfolioId=pid, PrincipalARN=extra,
                                              PrincipalType="IAM")
        r = fcc(["plan", WS.build, "--endpoint-url", EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        proxy_reset()
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        writes = sorted(operation(q) for q in proxy_log()["requests"]
                        if not is_read(q) and not is_lock(q))
        self.assertEqual(writes, ["UpdateAssumeRolePolicy"])
        doc = iam.get_role(RoleName=ROLES[0])["Role"]["AssumeRolePolicyDocument"]
        if isinstance(doc, str):
            doc = json.loads(urllib.parse.unquote(doc))
        self.assertIn("FccTrustedServices", [st.get("Sid") for st in doc["Statement"]])
        self.assertIn(extra, [p["PrincipalARN"] for p in
                              sc.list_principals_for_portfolio(PortfolioId=pid)["Principals"]])
        r = fcc(["plan", WS.build, "--endpoint-url", EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_without_terminal_needs_auto_approve(self):
        r = fcc(apply_args())
        self.assertEqual(r.returncode, 1)
        self.assertIn("--auto-approve", r.stderr)
        self.assertEqual(inventory()["portfolios"], 0)
        # the lock was released on the way out
        self.assertNotIn("Contents", boto("s3").list_objects_v2(Bucket=BUCKET,
                                                               Prefix=LOCK_KEY))

    def test_saved_plan_applies_and_stale_plan_is_refused(self):
        planfile = os.path.join(WS.dir, "stale.plan")
        r = fcc(["plan", WS.build, "--endpoint-url", EP, "-o", planfile])
        self.assertIn(r.returncode, (0, 2), r.stderr)
        # someone creates the portfolio between plan and apply
        boto("servicecatalog").create_portfolio(DisplayName=PORTFOLIO, ProviderName="someone",
                                                IdempotencyToken="by-hand-0001")
        r = fcc(["apply", planfile, "--build-dir", WS.build, "--endpoint-url", PROXY_URL])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("plan_stale", r.stderr)
        self.assertIn("sc-portfolio:%s" % PORTFOLIO, r.stderr)
        self.assertEqual(inventory()["products"], 0)  # nothing was applied

        reset_account()
        freshfile = os.path.join(WS.dir, "fresh.plan")
        r = fcc(["plan", WS.build, "--endpoint-url", EP, "-o", freshfile])
        self.assertIn(r.returncode, (0, 2), r.stderr)
        # a saved plan is the approval: no terminal, no --auto-approve needed
        r = fcc(["apply", freshfile, "--build-dir", WS.build, "--endpoint-url", PROXY_URL])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertConverged()

    def test_faults_converge_without_duplicates(self):
        proxy_reset(["first:2:503", "every:5:throttle", "7:500", "every:11:drop",
                     "op=CreateProduct:lost", "op=CreateConstraint:lost",
                     "op=AssociatePrincipalWithPortfolio:lost",
                     "op=CreatePortfolio:stall=2000", "op=AssociateProductWithPortfolio:stall=2000"])
        self.apply_until_ok(3, "--parallelism", "4")
        faults = [q["fault"] for q in proxy_log()["requests"] if q["fault"]]
        for f in ("503", "throttle", "500", "drop", "lost", "stall=2000"):
            self.assertIn(f, faults)
        proxy_reset()
        self.assertConverged()

    def test_sigkill_mid_apply_then_rerun_converges(self):
        proxy_reset(latency_ms=150)
        p = subprocess.Popen([FCC] + apply_args("--auto-approve", "--parallelism", "1"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             stdin=subprocess.DEVNULL, env=env())
        deadline = time.time() + 60
        while time.time() < deadline:
            log = proxy_log()["requests"]
            if sum(1 for q in log if not is_read(q) and not is_lock(q)) >= 5:
                break
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGKILL)
        proxy_reset()
        mid = inventory()
        self.assertNotEqual(mid, CONVERGED)  # it really stopped half way
        # the dead run's lock stays; the next run names it
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 1)
        m = re.search(r"fcc unlock ([0-9a-f-]{36})", r.stderr)
        self.assertTrue(m, r.stderr)
        r = fcc(["unlock", m.group(1), "--bucket", BUCKET, "--key", LOCK_KEY,
                 "--endpoint-url", EP])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.apply_until_ok(1)
        self.assertConverged()

    def test_spec_input_and_ctrl_c_releases_the_lock(self):
        proxy_reset(latency_ms=150)
        p = subprocess.Popen([FCC, "apply", WS.spec, "--auto-approve", "--parallelism", "1",
                              "--endpoint-url", PROXY_URL, "--progress", "json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             stdin=subprocess.DEVNULL, env=env())
        deadline = time.time() + 60
        while time.time() < deadline:
            if sum(1 for q in proxy_log()["requests"] if not is_read(q) and not is_lock(q)) >= 3:
                break
            time.sleep(0.05)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 1, err)
        self.assertIn("interrupted by SIGINT", err)
        # json progress: one object per line, the started steps among them
        events = [json.loads(l) for l in err.splitlines() if l.startswith("{")]
        self.assertTrue(any(ev.get("event") == "start" for ev in events), err)
        proxy_reset()
        self.assertNotIn("Contents", boto("s3").list_objects_v2(Bucket=BUCKET, Prefix=LOCK_KEY))
        self.assertNotEqual(inventory(), CONVERGED)
        # no unlock needed: the lock went with the interrupted run
        r = fcc(["apply", WS.spec, "--auto-approve", "--endpoint-url", PROXY_URL])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertConverged()

    def test_two_applies_at_once(self):
        proxy_reset(latency_ms=100)
        procs = [subprocess.Popen([FCC] + apply_args("--auto-approve"), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                                  env=env()) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        codes = sorted(p.returncode for p in procs)
        self.assertEqual(codes, [0, 1], outs)
        loser = outs[[p.returncode for p in procs].index(1)]
        self.assertIn("fcc unlock", loser[1])
        proxy_reset()
        self.assertConverged()

    def test_access_denied_on_one_step(self):
        proxy_reset(["op=CreatePortfolio:denied"])
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stderr, r"failed sc-portfolio:%s: Service Catalog CreatePortfolio: "
                                   r"AccessDeniedException \(HTTP 400\).*\[request id "
                                   r"fcc-faultproxy-0000\]" % PORTFOLIO)
        inv = inventory()
        # independent steps finished; the portfolio's dependents were skipped
        self.assertEqual(inv["portfolios"], 0)
        self.assertEqual(inv["products"], 1)
        self.assertEqual(inv["policies"], CONVERGED["policies"])
        self.assertEqual(inv["projects"], [])
        # "fixed": the rerun finishes
        proxy_reset()
        self.apply_until_ok(1)
        self.assertConverged()


def no_instances(spec):
    # ... and a share with another account, which the default build has not
    spec = spec.replace("  studio_visibility: true\n",
                        "  studio_visibility: true\n  share:\n    accounts: [\"777788889999\"]\n", 1)
    return spec.replace("instances:\n  - name: forecast-dev\n    description: Forecast pipeline for "
                        "the dev team\n", "instances: []\n")


def next_version(spec):
    spec = no_instances(spec).replace('version: "1.0"', 'version: "1.1"')
    return spec.replace("horizon: 24 ", "horizon: 48 ")


class Versions(unittest.TestCase):
    """A changed template is a new product version; the old one is deprecated."""

    def setUp(self):
        reset_account()
        self.ws = [Workspace(no_instances), Workspace(next_version)]

    def tearDown(self):
        for w in self.ws:
            w.close()

    def apply(self, ws):
        r = fcc(["apply", ws.build, "--auto-approve", "--endpoint-url", PROXY_URL])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def test_change_between_read_and_lock_is_replanned(self):
        """apply reads without the lock, then takes it and reads again: a
        change made in between is seen and planned for, not overwritten."""
        self.apply(self.ws[0])
        sc = boto("servicecatalog")
        pid = [p for p in sc.list_portfolios()["PortfolioDetails"]
               if p["DisplayName"] == PORTFOLIO][0]["Id"]
        # the next build has changes; the lock's PUT is its first write, and
        # while that crosses the proxy's 300 ms someone edits the portfolio
        proxy_reset(latency_ms=300)
        proc = subprocess.Popen([FCC, "apply", self.ws[1].build, "--auto-approve",
                                 "--endpoint-url", PROXY_URL],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL, env=env())
        edited = False
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if any(is_lock(q) and q["method"] == "PUT" for q in proxy_log()["requests"]):
                sc.update_portfolio(Id=pid, Description="edited by hand")
                edited = True
                break
            time.sleep(0.005)
        out, err = proc.communicate(timeout=120)
        self.assertTrue(edited, out + err)
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertIn("AWS changed while this apply was planning (1 observation); "
                      "planning again:", out)
        # the second plan put back the description the first had not seen
        self.assertEqual(sc.describe_portfolio(Id=pid)["PortfolioDetail"]["Description"],
                         "Organization templates for SageMaker projects")
        self.assertEqual(inventory()["versions"], [("1.0", "DEPRECATED"), ("1.1", "DEFAULT")])
        proxy_reset()
        r = fcc(["plan", self.ws[1].build, "--endpoint-url", EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_new_template_deprecates_old_version_and_tag_drift_is_fixed(self):
        self.apply(self.ws[0])
        self.assertEqual(inventory()["versions"], [("1.0", "DEFAULT")])
        sc = boto("servicecatalog")
        port = [p for p in sc.list_portfolios()["PortfolioDetails"] if p["DisplayName"] == PORTFOLIO][0]
        self.assertEqual(sc.list_portfolio_access(PortfolioId=port["Id"])["AccountIds"], ["777788889999"])
        # the portfolio's description edited by hand: put back (UpdatePortfolio)
        sc.update_portfolio(Id=port["Id"], Description="edited by hand")
        r = fcc(["plan", self.ws[0].build, "--endpoint-url", EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.apply(self.ws[0])
        self.assertEqual(sc.describe_portfolio(Id=port["Id"])["PortfolioDetail"]["Description"],
                         "Organization templates for SageMaker projects")
        # someone edits a tag fcc owns by hand
        prod = [p for p in sc.search_products_as_admin()["ProductViewDetails"]
                if p["ProductViewSummary"]["Name"] == PRODUCT][0]["ProductViewSummary"]["ProductId"]
        sc.update_product(Id=prod, RemoveTags=["sagemaker:studio-visibility"])
        r = fcc(["plan", self.ws[0].build, "--endpoint-url", EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.apply(self.ws[0])
        r = fcc(["plan", self.ws[0].build, "--endpoint-url", EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # the next build: a new template (horizon 48) as version 1.1
        self.assertNotEqual(open(os.path.join(self.ws[0].build, "template.yaml")).read(),
                            open(os.path.join(self.ws[1].build, "template.yaml")).read())
        self.apply(self.ws[1])
        inv = inventory()
        self.assertEqual(inv["versions"], [("1.0", "DEPRECATED"), ("1.1", "DEFAULT")])
        self.assertEqual((inv["portfolios"], inv["products"], inv["constraints"]),
                         (1, 1, ["LAUNCH"]))
        r = fcc(["plan", self.ws[1].build, "--endpoint-url", EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


def next_version_with_project(spec):
    spec = spec.replace('version: "1.0"', 'version: "1.1"')
    return spec.replace("horizon: 24 ", "horizon: 48 ")


class Projects(unittest.TestCase):
    """A project follows the product's new version (UpdateProject), and a drifted
    pipeline definition is put back (UpdatePipeline)."""

    def setUp(self):
        reset_account()
        self.next = Workspace(next_version_with_project)

    def tearDown(self):
        self.next.close()

    def test_project_moves_to_new_version_and_pipeline_drift_is_fixed(self):
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        sm = boto("sagemaker")
        old = sm.describe_project(ProjectName=PROJECT)["ServiceCatalogProvisioningDetails"]
        r = fcc(["apply", self.next.build, "--auto-approve", "--endpoint-url", PROXY_URL])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        inv = inventory()
        self.assertEqual(inv["versions"], [("1.0", "DEPRECATED"), ("1.1", "DEFAULT")])
        self.assertEqual(inv["projects"], [(PROJECT, "UpdateCompleted")])
        new = sm.describe_project(ProjectName=PROJECT)["ServiceCatalogProvisioningDetails"]
        self.assertNotEqual(new["ProvisioningArtifactId"], old["ProvisioningArtifactId"])
        sc = boto("servicecatalog")
        names = {a["Id"]: a["Name"] for a in
                 sc.list_provisioning_artifacts(ProductId=new["ProductId"])["ProvisioningArtifactDetails"]}
        self.assertEqual(names[new["ProvisioningArtifactId"]].split("+")[0], "1.1")

        # the project's pipeline (its CodeBuild run would create it) drifts by hand
        with open(os.path.join(self.next.build, "seed-code", "pipelines", "forecast",
                               "pipeline.json")) as f:
            compiled = json.load(f)
        drifted = json.loads(json.dumps(compiled))
        drifted.setdefault("Metadata", {})["drift"] = "by hand"
        iam_arn = "arn:aws:iam::%s:role/%s" % (ACCOUNT, ROLES[0])
        sm.create_pipeline(PipelineName="sagemaker-" + PROJECT, RoleArn=iam_arn,
                           PipelineDefinition=json.dumps(drifted), ClientRequestToken="x" * 32)
        r = fcc(["plan", self.next.build, "--endpoint-url", EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("pipeline_definition", r.stdout)
        proxy_reset()
        r = fcc(["apply", self.next.build, "--auto-approve", "--endpoint-url", PROXY_URL])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        writes = [operation(q) for q in proxy_log()["requests"] if not is_read(q) and not is_lock(q)]
        self.assertEqual(writes, ["UpdatePipeline"])
        got = json.loads(sm.describe_pipeline(PipelineName="sagemaker-" + PROJECT)["PipelineDefinition"])
        self.assertEqual(got, compiled)
        r = fcc(["plan", self.next.build, "--endpoint-url", EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


EVENT_LINE = re.compile(r"^\d\d:\d\d:\d\d sagemaker-project:%s: (\S+) \((\S+)\) ([A-Z_]+)(?:: (.*))?$" % PROJECT)


def stack_events(stack):
    evs = boto("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    return [(e["LogicalResourceId"], e["ResourceType"], e["ResourceStatus"]) for e in reversed(evs)]


def project_stack():
    d = boto("sagemaker").describe_project(ProjectName=PROJECT)
    return "SC-%s-%s" % (ACCOUNT, d["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"])


def template_resources(build):
    """Logical ids of the product template's resources, in template order."""
    ids, inside = [], False
    for line in open(os.path.join(build, "template.yaml")):
        if line.startswith("Resources:"):
            inside = True
        elif inside and re.match(r"^\S", line):
            break
        elif inside and re.match(r"^  [A-Za-z0-9]+:\s*$", line):
            ids.append(line.strip()[:-1])
    return ids


class ProjectEvents(unittest.TestCase):
    """The project's CloudFormation stack events, streamed while fcc follows it."""

    maxDiff = None

    def setUp(self):
        reset_account()

    def test_events_in_order_once_plain_then_update_and_json(self):
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        got = [m.groups()[:3] for m in map(EVENT_LINE.match, r.stderr.splitlines()) if m]
        stack = project_stack()
        want = stack_events(stack)
        self.assertGreater(len(want), 6)
        self.assertEqual(got, want)  # every event, once, oldest first
        self.assertEqual(got[0], (stack, "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS"))
        self.assertEqual(got[-1], (stack, "AWS::CloudFormation::Stack", "CREATE_COMPLETE"))
        # the real template's logical ids and types
        self.assertIn(("ModelBuildPipeline", "AWS::CodePipeline::Pipeline", "CREATE_COMPLETE"), got)
        # calls: the stack found by Service Catalog's name for it (no search),
        # one DescribeStackEvents per DescribeProject poll
        ops = [operation(q) for q in proxy_log()["requests"]]
        self.assertEqual(ops.count("SearchProvisionedProducts"), 0)
        polls = ops[ops.index("CreateProject"):].count("DescribeProject")  # not the state read's
        self.assertGreaterEqual(polls, 2)
        self.assertEqual(ops.count("DescribeStackEvents"), polls)
        # the next version: UpdateProject streams the update's events only
        nxt = Workspace(next_version_with_project)
        try:
            proxy_reset()
            r = fcc(["apply", nxt.build, "--auto-approve", "--endpoint-url", PROXY_URL,
                     "--progress", "json"])
        finally:
            nxt.close()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        evs = [json.loads(l) for l in r.stderr.splitlines() if l.startswith("{")]
        se = [e for e in evs if e["event"] == "stack_event"]
        allev = stack_events(stack)
        self.assertEqual([(e["logical_id"], e["resource_type"], e["status"]) for e in se],
                         allev[len(want):])
        self.assertEqual(se[0]["status"], "UPDATE_IN_PROGRESS")
        self.assertEqual(se[-1]["status"], "UPDATE_COMPLETE")
        for e in se:
            self.assertEqual((e["step"], e["stack"]), ("sagemaker-project:" + PROJECT, stack))
            self.assertRegex(e["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertEqual(e["message"], "%s (%s) %s" % (e["logical_id"], e["resource_type"], e["status"])
                             + (": " + e["reason"] if "reason" in e else ""))

    def test_stack_not_named_by_service_catalog_is_searched(self):
        # the stack is not SC-<account>-<id>: the name lookup misses, and
        # SearchProvisionedProducts' PhysicalId finds it
        post(EP + "/__fcc/sagemaker/next-stack-name", json.dumps({"Prefix": "custom"}).encode())
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        pp = boto("sagemaker").describe_project(ProjectName=PROJECT)[
            "ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
        stack = "custom-" + pp
        got = [m.groups()[:3] for m in map(EVENT_LINE.match, r.stderr.splitlines()) if m]
        want = stack_events(stack)
        self.assertEqual(got, want)
        self.assertEqual(got[-1], (stack, "AWS::CloudFormation::Stack", "CREATE_COMPLETE"))
        ops = [operation(q) for q in proxy_log()["requests"]]
        self.assertEqual(ops.count("SearchProvisionedProducts"), 1)

    def test_failed_provisioning_names_the_resource_then_rerun_needs_delete(self):
        target = template_resources(WS.build)[2]
        post(EP + "/__fcc/sagemaker/fail-next-provisioning",
             json.dumps({"LogicalResourceId": target,
                         "Reason": "Encountered unsupported property BogusProperty"}).encode())
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        stack = project_stack()
        fail = [l for l in r.stderr.splitlines() if l.startswith("  failed sagemaker-project:")]
        self.assertEqual(len(fail), 1, r.stderr)
        self.assertIn("SageMaker project %s is CreateFailed: The following resource(s) failed to create"
                      % PROJECT, fail[0])
        self.assertIn("; stack %s: first failure: %s (" % (stack, target), fail[0])
        self.assertIn("CREATE_FAILED: Encountered unsupported property BogusProperty", fail[0])
        self.assertIn("aws sagemaker delete-project --project-name %s" % PROJECT, fail[0])
        # the rollback was streamed too, each event once
        got = [m.groups()[:3] for m in map(EVENT_LINE.match, r.stderr.splitlines()) if m]
        self.assertEqual(got, stack_events(stack))
        self.assertEqual(got[-1][2], "ROLLBACK_COMPLETE")
        # a rerun does not try again: SageMaker keeps the failed project's name
        proxy_reset()
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("sagemaker project %s is CreateFailed" % PROJECT, r.stdout + r.stderr)
        self.assertIn("delete-project --project-name %s" % PROJECT, r.stdout + r.stderr)
        # a plan with errors stops before the lock: no write at all
        ops = [operation(q) for q in proxy_log()["requests"] if not is_read(q)]
        self.assertEqual(ops, [])
        # once deleted, the rerun creates it
        boto("sagemaker").delete_project(ProjectName=PROJECT)
        self.assertEqual(fcc(apply_args("--auto-approve")).returncode, 0)
        proxy_reset()
        self.assertEqual(inventory(), CONVERGED)


    def test_failed_update_is_planned_again_and_applied(self):
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        nxt = Workspace(next_version_with_project)
        self.addCleanup(nxt.close)
        target = template_resources(nxt.build)[2]
        post(EP + "/__fcc/sagemaker/fail-next-provisioning",
             json.dumps({"LogicalResourceId": target, "Reason": "Rate exceeded"}).encode())
        r = fcc(["apply", nxt.build, "--auto-approve", "--endpoint-url", PROXY_URL])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("SageMaker project %s is UpdateFailed" % PROJECT, r.stderr)
        # DescribeProject names the new version, but the stack was rolled back:
        # the plan updates the project again rather than calling it done
        r = fcc(["plan", nxt.build, "--endpoint-url", EP, "--format", "json",
                 "--detailed-exitcode"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        steps = [s for s in json.loads(r.stdout)["steps"] if s["action"] != "no-op"]
        self.assertEqual([(s["address"], s["action"]) for s in steps],
                         [("sagemaker-project:" + PROJECT, "update")])
        self.assertEqual([(c["path"], c.get("before"), c.get("after")) for c in steps[0]["changes"]],
                         [("status", "UpdateFailed", "UpdateCompleted")])
        self.assertIn("its last update failed (UpdateFailed)", steps[0]["reason"])
        proxy_reset()
        r = fcc(["apply", nxt.build, "--auto-approve", "--endpoint-url", PROXY_URL])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("UpdateProject", [operation(q) for q in proxy_log()["requests"]])
        self.assertEqual(boto("sagemaker").describe_project(ProjectName=PROJECT)["ProjectStatus"],
                         "UpdateCompleted")
        r = fcc(["plan", nxt.build, "--endpoint-url", EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class Destroy(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        reset_account()

    def objects(self):
        got = boto("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])
        return sorted(o["Key"] for o in got)

    def test_destroy_reverse_order_keeps_objects_unless_purge(self):
        r = fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        uploaded = self.objects()
        self.assertEqual(len(uploaded), 3)
        # a project outside the spec still uses the product: refused, nothing deleted
        sc, sm = boto("servicecatalog"), boto("sagemaker")
        prod = [p for p in sc.search_products_as_admin()["ProductViewDetails"]
                if p["ProductViewSummary"]["Name"] == PRODUCT][0]["ProductViewSummary"]["ProductId"]
        sm.create_project(ProjectName="team-b", ServiceCatalogProvisioningDetails={"ProductId": prod})
        destroy = ["destroy", WS.build, "--endpoint-url", PROXY_URL, "--auto-approve",
                   "--progress", "plain"]
        r = fcc(destroy)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("team-b", r.stderr)
        self.assertEqual(inventory()["portfolios"], 1)
        self.assertEqual(inventory()["projects"][0][0], PROJECT)
        sm.delete_project(ProjectName="team-b")

        proxy_reset()
        r = fcc(destroy)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # 6 deletes, and the two roles' patches fcc made on clean roles taken back
        self.assertIn("Destroy complete: 8 changed", r.stdout)
        inv = inventory()
        self.assertEqual((inv["portfolios"], inv["products"], inv["projects"]), (0, 0, []))
        self.assertEqual(inv["policies"], [(ROLES[0], ()), (ROLES[1], ())])
        self.assertEqual(self.objects(), uploaded)                # so do the objects
        # reverse order: the project went before the product, the product before the portfolio
        ops = [operation(q) for q in proxy_log()["requests"] if not is_read(q) and not is_lock(q)]
        for first, then in (("DeleteProject", "DeleteConstraint"),
                            ("DeleteConstraint", "DisassociateProductFromPortfolio"),
                            ("DisassociateProductFromPortfolio", "DeleteProduct"),
                            ("DisassociatePrincipalFromPortfolio", "DeletePortfolio")):
            self.assertLess(ops.index(first), ops.index(then), ops)

        r = fcc(destroy)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Nothing to destroy", r.stdout)
        r = fcc(destroy + ["--purge"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.objects(), [])
        # and apply brings it all back
        self.assertEqual(fcc(apply_args("--auto-approve")).returncode, 0)
        proxy_reset()
        self.assertEqual(inventory(), CONVERGED)


def run_main(mod):
    """Run the tests of module `mod` (or those named on the command line),
    print `N passed, N failed` and exit non-zero on a failure or no test."""
    loader = unittest.defaultTestLoader
    suite = (loader.loadTestsFromNames(sys.argv[1:], mod) if sys.argv[1:]
             else loader.loadTestsFromModule(mod))
    verbosity = 2 if os.environ.get("V") else 1
    res = unittest.TextTestRunner(verbosity=verbosity).run(suite)
    failed = len(res.failures) + len(res.errors)
    print("%d passed, %d failed" % (res.testsRun - failed, failed))
    sys.exit(1 if failed or not res.testsRun else 0)


if __name__ == "__main__":
    run_main(sys.modules[__name__])
