#!/usr/bin/env python3
"""run_apply_faults.py — `fcc apply` under hard faults, end to end.

Uses run_apply.py's workspace, fault proxy, account reset and inventory (the
helpers are imported, not copied). Scenarios:

- SIGKILL at three chosen points, deterministically: the proxy holds one
  operation (a `stall=` rule); the test waits until the proxy's log shows that
  request arrived and every earlier one was answered, then SIGKILLs fcc (fcc
  execs fcc-runtime in the same process, so the pid is the runtime; its whole
  process group is killed anyway). The held request is then abandoned by the
  proxy and never reaches the endpoint. Points (with --parallelism 1 the order
  is CreatePortfolio, CreateProduct, AssociatePrincipalWithPortfolio,
  AssociateProductWithPortfolio, CreateConstraint, CreateProject):
  (a) after the uploads: CreatePortfolio held (objects uploaded, roles
      patched, nothing in Service Catalog);
  (b) after the product: AssociatePrincipalWithPortfolio held (portfolio and
      product made, no association yet);
  (c) midway through the associations: AssociateProductWithPortfolio held,
      the principal association answered.
  After each kill the dead run's lock is named by the next run with
  `fcc unlock <id>`; after the unlock a rerun converges to exactly CONVERGED,
  `fcc plan --detailed-exitcode` exits 0, and nothing is duplicated
  (portfolios, products, versions, constraints, associations, principals,
  projects, objects).
- An unreachable endpoint: exit 1 within the retry budget, one clear line
  naming the endpoint and the connection failure, nothing written.
- An expired credential: the endpoint answering ExpiredToken (fails at once,
  naming the code, the operation and the request id, not retried), and a
  credential_process whose credentials are already past their Expiration
  (refused before anything is signed or sent).
- Destroy then plan: the JSON plan after `fcc destroy --purge` creates every
  catalog, S3 and project resource again.
- The lock's refresh (FCC_LOCK_TTL_S=2): an apply held longer than the TTL
  keeps its lock (refreshed while a request is held; a second apply cannot
  take it over), and an apply whose lock was taken over stops starting steps
  and fails naming the new holder, whose lock it leaves alone.

Fails (never skips) without FCC_TEST_ENDPOINT. Prints `N passed, N failed`.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_apply as ra  # noqa: E402

STALL_MS = 30000


def setUpModule():
    ra.setUpModule()


def tearDownModule():
    ra.tearDownModule()


def wait_for(pred, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def held(op):
    """The proxy's log entry of the held `op` request once it arrived and
    every request before it was answered; else None."""
    log = ra.proxy_log()["requests"]
    for q in log:
        if ra.operation(q) == op and (q["fault"] or "").startswith("stall=") and "t1_ms" not in q:
            if all("t1_ms" in o for o in log if o["n"] < q["n"]):
                return q
    return None


def popen(args, **env_extra):
    return subprocess.Popen([ra.FCC] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, stdin=subprocess.DEVNULL, env=ra.env(**env_extra),
                            start_new_session=True)


def objects():
    got = ra.boto("s3").list_objects_v2(Bucket=ra.BUCKET).get("Contents", [])
    return sorted(o["Key"] for o in got)


def lock_object():
    try:
        body = ra.boto("s3").get_object(Bucket=ra.BUCKET, Key=ra.LOCK_KEY)["Body"].read()
    except Exception:  # noqa: BLE001 — NoSuchKey
        return None
    return json.loads(body)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tree(path):
    """Every file under `path` with its size and mtime: what 'nothing written' compares."""
    out = {}
    for d, _, files in os.walk(path):
        for f in files:
            st = os.stat(os.path.join(d, f))
            out[os.path.relpath(os.path.join(d, f), path)] = (st.st_size, st.st_mtime_ns)
    return out


class Base(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        ra.reset_account()

    def assertNoDuplicates(self):
        """Beyond inventory()'s by-name view: nothing of any name twice."""
        sc, sm = ra.boto("servicecatalog"), ra.boto("sagemaker")
        ports = sc.list_portfolios()["PortfolioDetails"]
        prods = sc.search_products_as_admin()["ProductViewDetails"]
        self.assertEqual(len(ports), 1, ports)
        self.assertEqual(len(prods), 1, prods)
        pid, prod = ports[0]["Id"], prods[0]["ProductViewSummary"]["ProductId"]
        self.assertEqual(len(sc.list_provisioning_artifacts(ProductId=prod)
                             ["ProvisioningArtifactDetails"]), 1)
        self.assertEqual([p["Id"] for p in sc.list_portfolios_for_product(ProductId=prod)
                          ["PortfolioDetails"]], [pid])
        self.assertEqual(len(sc.list_constraints_for_portfolio(PortfolioId=pid)
                             ["ConstraintDetails"]), 1)
        self.assertEqual(len(sc.list_principals_for_portfolio(PortfolioId=pid)["Principals"]), 1)
        self.assertEqual(len(sm.list_projects()["ProjectSummaryList"]), 1)
        self.assertEqual(len(objects()), 3, objects())  # the three artifacts, no lock left

    def assertConverged(self):
        self.assertEqual(ra.inventory(), ra.CONVERGED)
        self.assertNoDuplicates()
        r = ra.fcc(["plan", ra.WS.build, "--endpoint-url", ra.EP, "--detailed-exitcode"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class KillPoints(Base):
    def kill_while_held(self, op, answered=()):
        """Apply with `op` held; SIGKILL once it is held and all before it answered."""
        ra.proxy_reset(["op=%s:stall=%d" % (op, STALL_MS)])
        p = popen(ra.apply_args("--auto-approve", "--parallelism", "1"))
        try:
            entry = wait_for(lambda: held(op), 60, "%s to be held" % op)
            ops = [ra.operation(q) for q in ra.proxy_log()["requests"] if q["n"] < entry["n"]]
            for a in answered:
                self.assertIn(a, ops)
        finally:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate(timeout=30)
        self.assertEqual(p.returncode, -signal.SIGKILL)
        # the proxy notices the dead client and never forwards the held request
        q = wait_for(lambda: [q for q in ra.proxy_log()["requests"] if q["n"] == entry["n"]
                              and "t1_ms" in q], 5, "the held request to be abandoned")[0]
        self.assertTrue(q.get("abandoned"), q)
        ra.proxy_reset()

    def rerun_after_kill(self):
        dead = lock_object()
        self.assertIsNotNone(dead, "the killed run's lock is gone")
        r = ra.fcc(ra.apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("fcc unlock %s" % dead["id"], r.stderr)
        self.assertIn(dead["who"], r.stderr)
        r = ra.fcc(["unlock", dead["id"], "--bucket", ra.BUCKET, "--key", ra.LOCK_KEY,
                    "--endpoint-url", ra.EP])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = ra.fcc(ra.apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertConverged()

    def test_kill_after_the_uploads(self):
        self.kill_while_held("CreatePortfolio", answered=("PUT", "UpdateAssumeRolePolicy"))
        inv = ra.inventory()
        self.assertEqual((inv["portfolios"], inv["products"], inv["projects"]), (0, 0, []))
        self.assertEqual(inv["policies"], ra.CONVERGED["policies"])
        self.assertEqual(len([k for k in objects() if k != ra.LOCK_KEY]), 3)
        self.rerun_after_kill()

    def test_kill_after_the_product(self):
        self.kill_while_held("AssociatePrincipalWithPortfolio",
                             answered=("CreatePortfolio", "CreateProduct"))
        inv = ra.inventory()
        self.assertEqual((inv["portfolios"], inv["products"]), (1, 1))
        self.assertEqual((inv["principals"], inv["in_portfolio"], inv["constraints"]), ([], [], []))
        self.assertEqual(inv["versions"], [("1.0", "DEFAULT")])
        self.rerun_after_kill()

    def test_kill_midway_through_the_associations(self):
        self.kill_while_held("AssociateProductWithPortfolio",
                             answered=("AssociatePrincipalWithPortfolio",))
        inv = ra.inventory()
        self.assertEqual((inv["portfolios"], inv["products"]), (1, 1))
        self.assertEqual(inv["principals"], [ra.PRINCIPAL])  # the first association is done
        self.assertEqual((inv["in_portfolio"], inv["constraints"], inv["projects"]), ([], [], []))
        self.rerun_after_kill()


class BadInput(Base):
    def test_unreachable_endpoint(self):
        port = free_port()
        cwd = tempfile.mkdtemp(prefix="fcc-unreach-")
        self.addCleanup(shutil.rmtree, cwd, True)
        before = tree(ra.WS.dir)
        e = ra.env()
        e.pop("AWS_MAX_ATTEMPTS")  # the default retry budget
        t0 = time.time()
        r = subprocess.run([ra.FCC, "apply", ra.WS.build, "--auto-approve", "--endpoint-url",
                            "http://127.0.0.1:%d" % port], capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL, env=e, cwd=cwd)
        took = time.time() - t0
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertLess(took, 30)
        self.assertIn("127.0.0.1 port %d" % port, r.stderr)
        self.assertRegex(r.stderr, r"connect failed: .*Couldn't connect to server "
                                   r"\(\d+ attempts")
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("fcc apply: "), r.stderr)
        for noise in ("Traceback", "Sanitizer", "Segmentation", "abort", "core dumped"):
            self.assertNotIn(noise, r.stderr + r.stdout)
        self.assertEqual(r.stdout, "")
        # nothing written: not next to the build, not in the working directory, not in AWS
        self.assertEqual(tree(ra.WS.dir), before)
        self.assertEqual(os.listdir(cwd), [])
        self.assertEqual(objects(), [])

    def test_endpoint_answers_expired_token(self):
        # a read answers ExpiredToken: apply stops at the read, names it,
        # retries nothing, writes nothing (not even the lock)
        ra.proxy_reset(["op=ListPortfolios:error=ExpiredTokenException:400"])
        r = ra.fcc(ra.apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stderr, r"fcc apply: reading sc-portfolio:%s: Service Catalog "
                                   r"ListPortfolios: ExpiredTokenException \(HTTP 400\).*"
                                   r"\[request id fcc-faultproxy-0000\]" % ra.PORTFOLIO)
        log = ra.proxy_log()["requests"]
        self.assertEqual([ra.operation(q) for q in log].count("ListPortfolios"), 1)
        self.assertTrue(all(ra.is_read(q) for q in log), log)
        # one write mid-apply: that step fails with code, operation and request id
        ra.proxy_reset(["op=CreatePortfolio:error=ExpiredTokenException:400"])
        t0 = time.time()
        r = ra.fcc(ra.apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertLess(time.time() - t0, 30)
        self.assertRegex(r.stderr, r"failed sc-portfolio:%s: Service Catalog CreatePortfolio: "
                                   r"ExpiredTokenException \(HTTP 400\).*\[request id "
                                   r"fcc-faultproxy-0000\]" % ra.PORTFOLIO)
        ops = [ra.operation(q) for q in ra.proxy_log()["requests"]]
        self.assertEqual(ops.count("CreatePortfolio"), 1)  # not retried
        self.assertEqual(ra.inventory()["portfolios"], 0)
        self.assertIsNone(lock_object())  # released on the way out

    def test_credential_process_with_expired_credentials(self):
        cfg = os.path.join(ra.WS.dir, "expired-config")
        doc = json.dumps({"Version": 1, "AccessKeyId": "ASIAEXPIREDTEST",
                          "SecretAccessKey": "expired-secret-not-real",
                          "SessionToken": "expired-token-not-real",
                          "Expiration": "2020-01-01T00:00:00Z"})
        with open(cfg, "w") as f:
            f.write("[default]\ncredential_process = /bin/echo %s\n" % doc.replace('"', '\\"'))
        self.addCleanup(os.remove, cfg)
        e = ra.env(AWS_CONFIG_FILE=cfg)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            e.pop(k)
        r = subprocess.run([ra.FCC] + ra.apply_args("--auto-approve"), capture_output=True,
                           text=True, timeout=60, stdin=subprocess.DEVNULL, env=e)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("credential-process: the credentials it returned expired at "
                      "2020-01-01T00:00:00Z", r.stderr)
        for secret in ("expired-secret-not-real", "expired-token-not-real"):
            self.assertNotIn(secret, r.stderr + r.stdout)
        # refused before signing: nothing was sent at all
        self.assertEqual(ra.proxy_log()["count"], 0)


class DestroyThenPlan(Base):
    def test_destroy_purge_then_plan_creates_everything_again(self):
        r = ra.fcc(ra.apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = ra.fcc(["plan", ra.WS.build, "--endpoint-url", ra.EP, "--format", "json"])
        applied = {s["address"]: s["action"] for s in json.loads(r.stdout)["steps"]}
        r = ra.fcc(["destroy", ra.WS.build, "--endpoint-url", ra.PROXY_URL, "--auto-approve",
                    "--purge"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = ra.fcc(["plan", ra.WS.build, "--endpoint-url", ra.EP, "--format", "json",
                    "--detailed-exitcode"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        plan = json.loads(r.stdout)
        self.assertEqual(plan["errors"], [])
        got = {s["address"]: (s["kind"], s["action"]) for s in plan["steps"]}
        self.assertEqual(set(got), set(applied))  # the same resources as the converged plan
        want = {}
        for addr, (kind, _) in got.items():
            # destroy undid the role patches fcc made: the roles themselves
            # are SageMaker's, so patching them again is an update
            want[addr] = (kind, "update" if kind == "iam-role" else "create")
        self.assertEqual(got, want)
        self.assertEqual(sorted(k for k, _ in got.values()),
                         sorted(["s3-object"] * 3 + ["iam-role"] * 2 +
                                ["sc-portfolio", "sc-product", "sc-artifact", "sc-association",
                                 "sc-constraint", "sc-principal", "sagemaker-project"]))
        self.assertEqual(plan["summary"]["create"], 10)
        self.assertEqual(plan["summary"]["update"], 2)


class LockRefresh(Base):
    def test_long_apply_keeps_its_lock(self):
        # TTL 2 s; CreatePortfolio held 5 s, longer than the TTL, with
        # nothing else answering meanwhile (--parallelism 1)
        ra.proxy_reset(["op=CreatePortfolio:stall=5000"])
        p = popen(ra.apply_args("--auto-approve", "--parallelism", "1"), FCC_LOCK_TTL_S="2")
        wait_for(lambda: held("CreatePortfolio"), 60, "CreatePortfolio to be held")
        first = wait_for(lock_object, 5, "the lock")
        # past the first write's expiry, and still inside the stall
        wait_for(lambda: time.time() > first_expiry(first) + 0.3, 5, "the first expiry")
        self.assertIsNotNone(held("CreatePortfolio"))
        now = lock_object()
        self.assertEqual(now["id"], first["id"])
        self.assertGreater(now["expires"], first["expires"])  # refreshed during the stall
        # a second apply finds it held (not expired), and fails at once naming it
        r = ra.fcc(ra.apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("fcc unlock %s" % first["id"], r.stderr)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, out + err)
        puts = [q for q in ra.proxy_log()["requests"]
                if ra.is_lock(q) and q["method"] == "PUT"]
        self.assertGreaterEqual(len(puts), 3)  # taken, then refreshed at least twice
        self.assertIsNone(lock_object())  # released with the refreshed ETag
        ra.proxy_reset()
        self.assertConverged()

    def test_lock_taken_over_stops_the_apply(self):
        ra.proxy_reset(["op=CreatePortfolio:stall=4000"])
        p = popen(ra.apply_args("--auto-approve", "--parallelism", "1"), FCC_LOCK_TTL_S="2")
        wait_for(lambda: held("CreatePortfolio"), 60, "CreatePortfolio to be held")
        mine = lock_object()
        # another run takes the lock over (as after an expiry fcc's refresh missed)
        theirs = dict(mine, id="0b5e55ed-0000-4000-8000-000000000001",
                      who="bob@ci (pid 4242)", command="fcc apply other.spec")
        ra.boto("s3").put_object(Bucket=ra.BUCKET, Key=ra.LOCK_KEY,
                                 Body=json.dumps(theirs).encode())
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 1, out + err)
        self.assertIn("was taken over while this run held it", err)
        self.assertIn("held by bob@ci (pid 4242)", err)
        self.assertIn(mine["id"], err)
        self.assertNotIn("Apply complete", out)
        # the held step finished; nothing after it started
        ops = [ra.operation(q) for q in ra.proxy_log()["requests"]]
        self.assertIn("CreatePortfolio", ops)
        for later in ("CreateProduct", "AssociatePrincipalWithPortfolio", "CreateProject"):
            self.assertNotIn(later, ops)
        # bob's lock is untouched: never overwritten, never deleted
        self.assertEqual(lock_object()["id"], theirs["id"])
        ra.proxy_reset()
        inv = ra.inventory()
        self.assertEqual((inv["portfolios"], inv["products"]), (1, 0))


def first_expiry(lock):
    import calendar
    return calendar.timegm(time.strptime(lock["expires"], "%Y-%m-%dT%H:%M:%SZ"))


if __name__ == "__main__":
    ra.run_main(sys.modules[__name__])
