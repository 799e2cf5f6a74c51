#!/usr/bin/env python3
"""run_apply_products.py — a spec with several products (catalog.products),
applied, planned and destroyed end to end against the local endpoint.

Uses run_apply.py's fault proxy, account reset and helpers (imported, not
copied), with its own workspace: the example with three products in the one
portfolio and the SageMaker project made from the second. Scenarios:

- apply on an empty account: three products, each with one version of the
  build's template, associated with the portfolio and with its own LAUNCH
  constraint; the project is provisioned from the second product; a second
  apply writes nothing; `fcc plan --detailed-exitcode` exits 0;
- lost replies on every per-product write (CreateProduct,
  AssociateProductWithPortfolio, CreateConstraint), with throttling and 5xx
  on top: reruns converge to the same inventory with nothing duplicated,
  and each fault is seen to have fired;
- SIGKILL while the first CreateConstraint is held (--parallelism 1: the
  products are made, their constraints are not), then a rerun after `fcc
  unlock`: converges with three products, no duplicates;
- dropping a product from the spec: plan deletes it (its LAUNCH constraint,
  association, then the product); apply leaves two products, and a product
  someone else added to the portfolio by hand stays; destroy then keeps that
  product and the portfolio holding it;
- destroy removes every product, its constraint and association, then the
  portfolio;
- 22 products, more than a page of constraints: a no-op plan lists each
  product's constraints on its own (22 listings, 22 descriptions; with three
  products it is one listing), and dropping the 22nd deletes its constraint,
  association and product.

Fails (never skips) without FCC_TEST_ENDPOINT. Prints `N passed, N failed`.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_apply as ra  # noqa: E402
from products_spec import name, products_spec  # noqa: E402

N = 3
WS = None


def setUpModule():
    global WS
    ra.setUpModule()
    WS = ra.Workspace(edit=lambda t: products_spec(t, N, instance_product=1))


def tearDownModule():
    if WS:
        WS.close()
    ra.tearDownModule()


def apply_args(*extra):
    return ["apply", WS.build, "--endpoint-url", ra.PROXY_URL, "--progress", "plain"] + list(extra)


def inventory():
    """Per product: its versions, whether it is in the portfolio and its
    constraints; and the project's product."""
    sc, sm = ra.boto("servicecatalog"), ra.boto("sagemaker")
    ports = [p for p in sc.list_portfolios()["PortfolioDetails"]
             if p["DisplayName"] == ra.PORTFOLIO]
    names = [name(i) for i in range(N)]
    prods = [p["ProductViewSummary"] for p in sc.search_products_as_admin()["ProductViewDetails"]]
    inv = {"portfolios": len(ports),
           "products": sorted(p["Name"] for p in prods if p["Name"] in names)}
    if len(ports) != 1:
        return inv
    pid = ports[0]["Id"]
    inv["in_portfolio"] = sorted(
        p["ProductViewSummary"]["Name"]
        for p in sc.search_products_as_admin(PortfolioId=pid)["ProductViewDetails"])
    per = {}
    for p in prods:
        if p["Name"] not in names:
            continue
        arts = sc.list_provisioning_artifacts(ProductId=p["ProductId"])["ProvisioningArtifactDetails"]
        for a in arts:
            assert re.match(r"^1\.0\+[0-9a-f]{8}$", a["Name"]), a["Name"]
        cons = sc.list_constraints_for_portfolio(PortfolioId=pid, ProductId=p["ProductId"])
        per[p["Name"]] = (len(arts), sorted(c["Type"] for c in cons["ConstraintDetails"]))
    inv["per_product"] = per
    projects = sm.list_projects()["ProjectSummaryList"]
    inv["projects"] = []
    for pj in projects:
        d = sm.describe_project(ProjectName=pj["ProjectName"])
        prod = d["ServiceCatalogProvisioningDetails"]["ProductId"]
        inv["projects"].append((pj["ProjectName"], d["ProjectStatus"],
                                [p["Name"] for p in prods if p["ProductId"] == prod]))
    return inv


CONVERGED = {
    "portfolios": 1,
    "products": sorted(name(i) for i in range(N)),
    "in_portfolio": sorted(name(i) for i in range(N)),
    "per_product": {name(i): (1, ["LAUNCH"]) for i in range(N)},
    "projects": [(ra.PROJECT, "CreateCompleted", [name(1)])],
}


class Products(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        ra.reset_account()

    def converged(self):
        self.assertEqual(inventory(), CONVERGED)
        r = ra.fcc(["plan", WS.build, "--endpoint-url", ra.EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_apply_three_products_then_noop(self):
        r = ra.fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.converged()
        ra.proxy_reset()
        r = ra.fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("No changes", r.stdout)
        writes = [ra.operation(q) for q in ra.proxy_log()["requests"] if not ra.is_read(q)]
        self.assertEqual(writes, [])
        # each product read once by its name: one DescribeProductAsAdmin each;
        # the portfolio's constraints in one listing, each LAUNCH one described
        ops = [ra.operation(q) for q in ra.proxy_log()["requests"]]
        self.assertEqual(ops.count("DescribeProductAsAdmin"), N)
        self.assertEqual(ops.count("ListConstraintsForPortfolio"), 1)
        self.assertEqual(ops.count("DescribeConstraint"), N)

    def test_faults_on_per_product_writes_converge(self):
        # every per-product write answers nothing (it happens, the reply is
        # lost), on top of throttling and 5xx: each rerun observes what the
        # last one made, and nothing is made twice
        ra.proxy_reset(["first:2:503", "every:5:throttle", "every:9:500",
                        "op=CreateProduct:lost", "op=AssociateProductWithPortfolio:lost",
                        "op=CreateConstraint:lost"])
        outs = []
        for _ in range(6):
            r = ra.fcc(apply_args("--auto-approve", "--parallelism", "4"), timeout=300)
            outs.append(r.stdout + r.stderr)
            if r.returncode == 0:
                break
            self.assertEqual(r.returncode, 1, r.stderr)
        else:
            self.fail("apply did not converge:\n" + "\n----\n".join(outs))
        faults = {q["fault"] for q in ra.proxy_log()["requests"] if q["fault"]}
        self.assertLessEqual({"503", "throttle", "500", "lost"}, faults)
        ra.proxy_reset()
        self.converged()

    def test_sigkill_midway_then_rerun(self):
        # the first CreateConstraint is held: products are made, constraints are not
        ra.proxy_reset(["op=CreateConstraint:stall=30000"])
        p = subprocess.Popen([ra.FCC] + apply_args("--auto-approve", "--parallelism", "1"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             stdin=subprocess.DEVNULL, env=ra.env(), start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                held = [q for q in ra.proxy_log()["requests"]
                        if ra.operation(q) == "CreateConstraint"]
                if held:
                    break
                time.sleep(0.05)
            else:
                self.fail("CreateConstraint never arrived")
        finally:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate(timeout=30)
        time.sleep(0.2)  # the proxy abandons the held request
        ra.proxy_reset()
        mid = inventory()
        self.assertNotEqual(mid, CONVERGED)
        self.assertEqual(mid["portfolios"], 1)
        self.assertGreaterEqual(len(mid["products"]), 1)
        r = ra.fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        m = re.search(r"fcc unlock (\S+)", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        u = ra.fcc(["unlock", m.group(1), "--bucket", ra.BUCKET, "--key", ra.LOCK_KEY,
                    "--endpoint-url", ra.EP])
        self.assertEqual(u.returncode, 0, u.stdout + u.stderr)
        r = ra.fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.converged()

    def test_dropping_a_product_removes_it(self):
        r = ra.fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # someone adds their own product to the portfolio by hand
        sc = ra.boto("servicecatalog")
        port = [p for p in sc.list_portfolios()["PortfolioDetails"]
                if p["DisplayName"] == ra.PORTFOLIO][0]["Id"]
        theirs = sc.create_product(
            Name="team-b-template", Owner="Team B", ProductType="CLOUD_FORMATION_TEMPLATE",
            ProvisioningArtifactParameters={
                "Name": "1", "Type": "CLOUD_FORMATION_TEMPLATE",
                "Info": {"LoadTemplateFromURL": "https://%s.s3.us-east-1.amazonaws.com/x.yaml"
                         % ra.BUCKET}},
            IdempotencyToken="team-b")["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
        sc.associate_product_with_portfolio(ProductId=theirs, PortfolioId=port)
        # the spec drops the third product
        two = ra.Workspace(edit=lambda t: products_spec(t, 2, instance_product=1))
        try:
            r = ra.fcc(["plan", two.build, "--endpoint-url", ra.EP, "--format", "json"])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            steps = {s["address"]: s for s in json.loads(r.stdout)["steps"]}
            gone = "sc-product:" + name(2)
            self.assertEqual(steps[gone]["action"], "delete")
            self.assertEqual(steps["sc-association:%s/%s" % (ra.PORTFOLIO, name(2))]["action"],
                             "delete")
            self.assertEqual(steps["sc-product:team-b-template"]["action"], "no-op")
            # (the two kept products are updated: their fcc:spec-sha256 tag names the new spec)
            self.assertEqual(sorted(a for a, s in steps.items() if s["action"] == "delete"),
                             sorted([gone, "sc-association:%s/%s" % (ra.PORTFOLIO, name(2)),
                                     "sc-constraint:%s/%s/LAUNCH" % (ra.PORTFOLIO, name(2))]))
            r = ra.fcc(["apply", two.build, "--endpoint-url", ra.PROXY_URL, "--auto-approve",
                        "--progress", "plain"])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            inv = inventory()
            self.assertEqual(inv["products"], [name(0), name(1)])
            self.assertEqual(inv["in_portfolio"], sorted([name(0), name(1), "team-b-template"]))
            self.assertEqual(inv["projects"], [(ra.PROJECT, "CreateCompleted", [name(1)])])
            r = ra.fcc(["plan", two.build, "--endpoint-url", ra.EP, "--detailed-exitcode"])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            # destroy leaves team B's product (and so the portfolio it is in)
            r = ra.fcc(["destroy", two.build, "--endpoint-url", ra.PROXY_URL,
                        "--auto-approve", "--progress", "plain"])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("holds product team-b-template, which is not fcc's: kept", r.stdout)
            left = [p["ProductViewSummary"]["Name"]
                    for p in sc.search_products_as_admin()["ProductViewDetails"]]
            self.assertEqual(left, ["team-b-template"])
            self.assertEqual(inventory()["portfolios"], 1)
        finally:
            two.close()

    def test_destroy_removes_every_product(self):
        r = ra.fcc(apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = ra.fcc(["destroy", WS.build, "--endpoint-url", ra.PROXY_URL, "--auto-approve",
                    "--progress", "plain"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        inv = inventory()
        self.assertEqual((inv["portfolios"], inv["products"]), (0, []))
        r = ra.fcc(["plan", WS.build, "--endpoint-url", ra.EP, "--format", "json"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        plan = json.loads(r.stdout)
        creates = sorted(s["address"] for s in plan["steps"]
                         if s["kind"] == "sc-product" and s["action"] == "create")
        self.assertEqual(creates, sorted("sc-product:" + name(i) for i in range(N)))


def paged(call, key, token="PageToken", next_token="NextPageToken", **kw):
    """Every item of a Service Catalog listing, page after page."""
    items = []
    while True:
        page = call(**kw)
        items += page[key]
        if not page.get(next_token):
            return items
        kw[token] = page[next_token]


class ManyProducts(unittest.TestCase):
    """More products than a page of constraints (20): each product's
    constraints are listed on their own, so the listing's pages do not
    lengthen the chain of reads."""

    def launch_constraints(self):
        sc = ra.boto("servicecatalog")
        port = [p for p in sc.list_portfolios()["PortfolioDetails"]
                if p["DisplayName"] == ra.PORTFOLIO][0]["Id"]
        names = {p["ProductViewSummary"]["ProductId"]: p["ProductViewSummary"]["Name"]
                 for p in paged(sc.search_products_as_admin, "ProductViewDetails",
                                PortfolioId=port)}
        cons = paged(sc.list_constraints_for_portfolio, "ConstraintDetails", PortfolioId=port)
        return sorted((names[c["ProductId"]], c["Type"]) for c in cons)

    def test_more_products_than_a_page(self):
        ra.reset_account()
        many = ra.Workspace(edit=lambda t: products_spec(t, 22, instance_product=1))
        fewer = ra.Workspace(edit=lambda t: products_spec(t, 21, instance_product=1))
        try:
            r = ra.fcc(["apply", many.build, "--endpoint-url", ra.PROXY_URL, "--auto-approve",
                        "--progress", "plain"], timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(self.launch_constraints(), [(name(i), "LAUNCH") for i in range(22)])
            ra.proxy_reset()
            r = ra.fcc(["plan", many.build, "--endpoint-url", ra.PROXY_URL,
                        "--detailed-exitcode"])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            ops = [ra.operation(q) for q in ra.proxy_log()["requests"]]
            self.assertEqual(ops.count("ListConstraintsForPortfolio"), 22)
            self.assertEqual(ops.count("DescribeConstraint"), 22)
            # the spec drops the 22nd: its own listing finds its constraint
            r = ra.fcc(["plan", fewer.build, "--endpoint-url", ra.EP, "--format", "json"])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            deletes = sorted(s["address"] for s in json.loads(r.stdout)["steps"]
                             if s["action"] == "delete")
            self.assertEqual(deletes, sorted(["sc-product:" + name(21),
                                              "sc-association:%s/%s" % (ra.PORTFOLIO, name(21)),
                                              "sc-constraint:%s/%s/LAUNCH" % (ra.PORTFOLIO,
                                                                             name(21))]))
            r = ra.fcc(["apply", fewer.build, "--endpoint-url", ra.PROXY_URL, "--auto-approve",
                        "--progress", "plain"], timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(self.launch_constraints(), [(name(i), "LAUNCH") for i in range(21)])
            r = ra.fcc(["plan", fewer.build, "--endpoint-url", ra.EP, "--detailed-exitcode"])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        finally:
            many.close()
            fewer.close()


if __name__ == "__main__":
    ra.run_main(sys.modules[__name__])
