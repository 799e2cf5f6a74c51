#!/usr/bin/env python3
"""apply_bench.py — how long `fcc apply` takes on the example, against the
local endpoint behind a latency proxy (run by bench/apply.sh).

For each of --runs runs (the account reset before each): fcc apply on an empty
account with --parallelism 1 and 8, a second apply with nothing to change
(reads only), and the AWS CLI making the same writes one process after
another (what a script replacing the workshop's console clicks would do).
Prints the medians, the ratios, the calls each made and the longest chain of
calls made one after another (from the proxy's request times). Every request crosses
tests/aws/faultproxy.py with --latency ms added, like a round trip to AWS.
With --products N the spec lists N products in the one portfolio
(tests/apply/products_spec.py) and the CLI script makes each of them.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "apply"))
sys.path.insert(0, os.path.join(ROOT, "tests", "aws"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--fcc", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--latency", type=int, default=50)
    ap.add_argument("--products", type=int, default=1,
                    help="products in the portfolio (tests/apply/products_spec.py)")
    args = ap.parse_args()
    os.environ["FCC_TEST_ENDPOINT"] = args.endpoint
    os.environ["FCC_BIN"] = args.fcc
    import run_apply as ra  # the test's workspace, seeding and inventory
    ra.EP, ra.FCC = args.endpoint, args.fcc
    ra.setUpModule()
    if args.products > 1:
        from products_spec import products_spec
        ra.WS.close()
        ra.WS = ra.Workspace(edit=lambda t: products_spec(t, args.products))
    try:
        res = {"fcc -p 1": [], "fcc -p 8": [], "fcc no-op": [], "fcc plan": [], "aws cli": []}
        shape = {}
        for _ in range(args.runs):
            for p in (1, 8):
                ra.reset_account()
                ra.proxy_reset(latency_ms=args.latency)
                t = time.monotonic()
                r = ra.fcc(ra.apply_args("--auto-approve", "--parallelism", str(p)), timeout=600)
                res["fcc -p %d" % p].append(time.monotonic() - t)
                if r.returncode != 0:
                    sys.exit("bench: fcc apply failed: " + r.stderr[-2000:])
                if p == 8:
                    shape["cold"] = log_shape(ra.proxy_log()["requests"])
            ra.proxy_reset(latency_ms=args.latency)
            t = time.monotonic()
            r = ra.fcc(ra.apply_args("--auto-approve"), timeout=600)
            res["fcc no-op"].append(time.monotonic() - t)
            if r.returncode != 0 or "No changes" not in r.stdout:
                sys.exit("bench: the second apply was not a no-op: " + r.stdout + r.stderr)
            shape["no-op"] = log_shape(ra.proxy_log()["requests"])
            ra.proxy_reset(latency_ms=args.latency)
            t = time.monotonic()
            r = ra.fcc(["plan", ra.WS.build, "--endpoint-url", ra.PROXY_URL,
                        "--detailed-exitcode"], timeout=600)
            res["fcc plan"].append(time.monotonic() - t)
            if r.returncode != 0:
                sys.exit("bench: the plan after apply was not a no-op: " + r.stdout + r.stderr)
            ra.reset_account()
            ra.proxy_reset(latency_ms=args.latency)
            res["aws cli"].append(cli_apply(ra))
            shape["aws cli"] = log_shape(ra.proxy_log()["requests"])
            if not same_state(ra, args.products):
                sys.exit("bench: the CLI script did not reach the same state: %r" % ra.inventory())
        med = {k: statistics.median(v) for k, v in res.items()}
        print("fcc apply on the example%s, %d ms per request, median of %d runs:" %
              (" with %d products" % args.products if args.products > 1 else "",
               args.latency, args.runs))
        for k, v in med.items():
            print("  %-10s %7.2f s" % (k, v))
        for k in ("cold", "no-op", "aws cli"):
            calls, chain = shape[k]
            print("  %-8s %3d calls, %2d in the longest chain of calls one after another"
                  " (x %d ms = %d ms)" % (k, calls, chain, args.latency, chain * args.latency))
        bound = shape["cold"][1] * args.latency / 1000.0
        print("  fcc -p 8 / its chain bound: %.2fx" % (med["fcc -p 8"] / bound))
        print("  fcc no-op / fcc plan: %.2fx" % (med["fcc no-op"] / med["fcc plan"]))
        print("  ratio aws cli / fcc -p 8: %.1fx" % (med["aws cli"] / med["fcc -p 8"]))
        print("  ratio fcc -p 1 / fcc -p 8: %.1fx" % (med["fcc -p 1"] / med["fcc -p 8"]))
    finally:
        ra.tearDownModule()


def same_state(ra, n):
    """Did the CLI script make what fcc makes: the example's inventory, or
    with n products each of them once, with one version, in the portfolio
    with its LAUNCH constraint."""
    if n == 1:
        return ra.inventory() == ra.CONVERGED
    from products_spec import name
    sc = ra.boto("servicecatalog")
    names = sorted(name(i) for i in range(n))
    prods, req = [], {"PageSize": 20}
    while True:
        r = sc.search_products_as_admin(**req)
        prods += [p["ProductViewSummary"] for p in r["ProductViewDetails"]]
        if not r.get("NextPageToken"):
            break
        req["PageToken"] = r["NextPageToken"]
    ports = [p for p in sc.list_portfolios()["PortfolioDetails"] if p["DisplayName"] == ra.PORTFOLIO]
    if len(ports) != 1 or sorted(p["Name"] for p in prods) != names:
        return False
    cons = []
    req = {"PortfolioId": ports[0]["Id"]}
    while True:
        r = sc.list_constraints_for_portfolio(**req)
        cons += r["ConstraintDetails"]
        if not r.get("NextPageToken"):
            break
        req["PageToken"] = r["NextPageToken"]
    return (len(cons) == n and all(
        len(sc.list_provisioning_artifacts(ProductId=p["ProductId"])["ProvisioningArtifactDetails"]) == 1
        for p in prods))


def log_shape(log):
    """(calls, chain): the number of requests the proxy saw, and the longest
    sequence of them where each started after the previous one's answer was
    sent (interval scheduling by earliest end) — the round trips the run
    made one after another, so chain x latency is its lower bound."""
    chain, end = 0, -1.0
    for q in sorted(log, key=lambda q: q["t1_ms"]):
        if q["t0_ms"] >= end:
            chain, end = chain + 1, q["t1_ms"]
    return len(log), chain


def cli_apply(ra):
    """The same end state with AWS CLI v1 commands, one after another."""
    env = ra.env()
    ep = ["--endpoint-url", ra.PROXY_URL, "--region", "us-east-1", "--output", "json"]
    b = ra.WS.build
    man = json.load(open(os.path.join(b, "manifest.json")))

    def aws(*a):
        r = subprocess.run(["aws"] + list(a) + ep, capture_output=True, text=True, env=env,
                           timeout=120)
        if r.returncode != 0:
            sys.exit("bench: aws %s failed: %s" % (" ".join(a[:2]), r.stderr))
        return json.loads(r.stdout) if r.stdout.strip() else {}

    t = time.monotonic()
    bucket = man["artifacts"]["bucket"]
    for o in man["artifacts"]["objects"]:
        aws("s3api", "put-object", "--bucket", bucket, "--key", o["key"], "--body",
            os.path.join(b, o["path"]), "--metadata", "fcc-sha256=" + o["sha256"])
    for o in man["data"]:
        aws("s3api", "put-object", "--bucket", bucket, "--key", o["key"], "--body",
            os.path.join(ra.WS.dir, o["file"]), "--metadata", "fcc-sha256=" + o["sha256"])
    for r in man["iam"]["roles"]:
        for pol in r["attach_policies"]:
            aws("iam", "attach-role-policy", "--role-name", r["role"], "--policy-arn", pol)
        doc = aws("iam", "get-role", "--role-name", r["role"])["Role"]["AssumeRolePolicyDocument"]
        doc["Statement"].append({"Sid": "FccTrustedServices", "Effect": "Allow",
                                 "Action": "sts:AssumeRole",
                                 "Principal": {"Service": r["trust_services"][0]}})
        aws("iam", "update-assume-role-policy", "--role-name", r["role"], "--policy-document",
            json.dumps(doc))
    cat = man["catalog"]
    port = aws("servicecatalog", "create-portfolio", "--display-name", cat["portfolio"]["name"],
               "--provider-name", cat["portfolio"]["owner"], "--description",
               cat["portfolio"]["description"], "--tags",
               "Key=fcc:project,Value=%s" % man["project"]["name"])["PortfolioDetail"]["Id"]
    acct = aws("sts", "get-caller-identity")["Account"]
    made = {}
    for product in cat["products"]:
        v = product["version"]
        url = "https://%s.s3.us-east-1.amazonaws.com/%s" % (bucket, v["template_key"])
        prod = aws("servicecatalog", "create-product", "--name", product["name"], "--owner",
                   product["owner"], "--description", product["description"],
                   "--product-type", "CLOUD_FORMATION_TEMPLATE", "--tags",
                   *["Key=%s,Value=%s" % kv for kv in product["tags"].items()],
                   "--provisioning-artifact-parameters",
                   json.dumps({"Name": v["name"],
                               "Description": "fcc:template-sha256=" + v["template_sha256"],
                               "Info": {"LoadTemplateFromURL": url},
                               "Type": "CLOUD_FORMATION_TEMPLATE"}))
        pid = prod["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
        made[product["name"]] = (pid, prod["ProvisioningArtifactDetail"]["Id"])
        aws("servicecatalog", "associate-product-with-portfolio", "--product-id", pid,
            "--portfolio-id", port)
        aws("servicecatalog", "create-constraint", "--portfolio-id", port, "--product-id", pid,
            "--type", "LAUNCH", "--parameters",
            json.dumps({"RoleArn": "arn:aws:iam::%s:role/%s" % (acct, cat["launch_role"])}))
    for p in cat["principals"]:
        aws("servicecatalog", "associate-principal-with-portfolio", "--portfolio-id", port,
            "--principal-arn", p["arn"], "--principal-type", p["type"])
    for inst in man["instances"]:
        aws("sagemaker", "create-project", "--project-name", inst["name"], "--project-description",
            inst["description"], "--service-catalog-provisioning-details",
            json.dumps({"ProductId": made[inst["product"]][0],
                        "ProvisioningArtifactId": made[inst["product"]][1]}))
        while aws("sagemaker", "describe-project", "--project-name",
                  inst["name"])["ProjectStatus"] != "CreateCompleted":
            time.sleep(0.05)
    return time.monotonic() - t


if __name__ == "__main__":
    main()
