#!/usr/bin/env python3
"""run_apply_stack.py — the CloudFormation stack fcc owns for the artifacts bucket
(`artifacts.create_bucket: true`), end to end against the local AWS endpoint: `fcc plan`,
`fcc apply` and `fcc destroy` on a copy of the Forecast example with create_bucket turned
on (the example itself keeps it off: the workshop uses the SageMaker default bucket),
through tests/aws/faultproxy.py in front of FCC_TEST_ENDPOINT, whose request log shows
which CloudFormation calls were made.

Scenarios:
  plan    the bucket and the stack absent → create (the whole template as the change);
          after apply → no changes and no change-set call; the stack updated by hand
          (versioning suspended) → update with the change set's resource change, and the
          log shows CreateChangeSet/DescribeChangeSet/DeleteChangeSet and no
          ExecuteChangeSet; a stack in ROLLBACK_COMPLETE → replace.
  apply   cold apply on an account without the bucket: the stack is created through a
          change set before the lock and the uploads, its events in order in
          `--progress plain`; a second apply makes no writes; a create that fails (seeded
          through the endpoint: moto never fails a resource) → exit 1 with the first
          failed resource and its reason; the rerun deletes the failed stack and converges;
          two first applies at once (one stack, one bucket; the loser follows the
          winner's change set or fails on the lock naming fcc unlock); Ctrl-C while the
          change set is made (nothing executed, the empty stack removed, no lock taken).
  destroy without --purge the stack and the bucket are kept (and said so); with --purge
          the objects, the stack and the empty bucket are gone; a bucket holding objects
          fcc did not upload is kept, and said so.
Fails (never skips) without FCC_TEST_ENDPOINT. Prints `N passed, N failed`.
"""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_apply as ra  # noqa: E402  (the endpoint, proxy and workspace helpers)

FCC = ra.FCC
EP = ra.EP
ACCOUNT = ra.ACCOUNT
BUCKET = ra.BUCKET
STACK = "fcc-forecast-mlops-artifacts"
ROLES = ra.ROLES
LOCK_KEY = ra.LOCK_KEY
READ_PREFIXES = ra.READ_PREFIXES
CHANGE_SET_OPS = ("CreateChangeSet", "DescribeChangeSet", "DeleteChangeSet",
                  "ExecuteChangeSet")


def env():
    return ra.env(FCC_CFN_POLL_MS="20")


boto = ra.boto
post = ra.post

WS = None
PROXY_URL = None


def own_bucket(spec):
    """The example, owning its bucket through the stack."""
    assert "create_bucket" not in spec  # the example must not own its bucket
    spec = spec.replace("  bucket: sagemaker-${region}-${account}\n",
                        "  bucket: sagemaker-${region}-${account}\n  create_bucket: true\n")
    assert "create_bucket: true" in spec
    return spec


def setUpModule():
    global WS, PROXY_URL
    ra.setUpModule()
    WS = ra.Workspace(own_bucket)
    PROXY_URL = ra.PROXY_URL


def tearDownModule():
    if WS:
        WS.close()
    ra.tearDownModule()


def build_dir():
    return WS.build


def template():
    with open(os.path.join(build_dir(), "stacks", "artifacts.yaml")) as f:
        return f.read()


def proxy_reset():
    ra.proxy_reset()


def proxy_ops():
    return [(ra.operation(q), q) for q in ra.proxy_log()["requests"]]


def is_write(op, q):
    """Anything but a read, the lock's object included (a plan, a no-op apply and
    an apply refused before the lock write none)."""
    return not (op in ("GET", "HEAD") or op.startswith(READ_PREFIXES))


def fcc(args, timeout=120):
    return subprocess.run([FCC] + args, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=env())


def plan(*extra):
    return fcc(["plan", build_dir(), "--endpoint-url", PROXY_URL] + list(extra))


def apply(*extra):
    return fcc(["apply", build_dir(), "--endpoint-url", PROXY_URL, "--progress", "plain",
                "--auto-approve"] + list(extra))


def destroy(*extra):
    return fcc(["destroy", build_dir(), "--endpoint-url", PROXY_URL, "--progress", "plain",
                "--auto-approve"] + list(extra))


def reset_account():
    """An account without the bucket: only the roles fcc patches."""
    ra.reset_account(bucket=False)


def buckets():
    return [b["Name"] for b in boto("s3").list_buckets().get("Buckets", [])]


def stack_status():
    try:
        return boto("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
    except Exception as e:  # botocore's ClientError: "does not exist"
        if "does not exist" in str(e):
            return None
        raise


def seed_failure():
    post(EP + "/__fcc/cloudformation/fail", json.dumps({
        "StackName": STACK, "LogicalResourceId": "ArtifactsBucket",
        "Reason": "%s already exists in another account" % BUCKET}).encode())


def json_plan():
    r = plan("--format", "json", "--detailed-exitcode")
    return r, (json.loads(r.stdout) if r.stdout.strip() else None)


def stack_step(p):
    steps = [s for s in p["steps"] if s["address"] == "cfn-stack:" + STACK]
    assert len(steps) == 1, p["steps"]
    return steps[0]


class Plan(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        reset_account()

    def test_absent_creates_then_no_change_set_after_apply(self):
        r, p = json_plan()
        self.assertEqual(r.returncode, 2, r.stderr)
        st = stack_step(p)
        self.assertEqual(st["action"], "create")
        tmpl = [c for c in st["changes"] if c["path"] == "template"]
        self.assertEqual(len(tmpl), 1, st["changes"])
        self.assertIsNone(tmpl[0].get("before"))  # absent before: the whole template is new
        self.assertEqual(tmpl[0]["after"], template())
        self.assertNotIn("CreateChangeSet", [op for op, _ in proxy_ops()])
        r = apply()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        proxy_reset()
        r = plan("--detailed-exitcode")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        ops = [op for op, _ in proxy_ops()]
        self.assertIn("DescribeStacks", ops)
        self.assertIn("GetTemplate", ops)
        for op in CHANGE_SET_OPS:
            self.assertNotIn(op, ops)

    def test_stack_changed_by_hand_previews_through_a_change_set(self):
        self.assertEqual(apply().returncode, 0)
        boto("cloudformation").update_stack(
            StackName=STACK, TemplateBody=template().replace("Status: Enabled",
                                                             "Status: Suspended"),
            Tags=[{"Key": k, "Value": v} for k, v in
                  {"fcc:project": "forecast-mlops", "team": "ml-platform",
                   "cost-center": "4711"}.items()])
        proxy_reset()
        r, p = json_plan()
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        st = stack_step(p)
        self.assertEqual(st["action"], "update")
        res = [c for c in st["changes"] if c["path"] == "resources.ArtifactsBucket"]
        self.assertEqual(len(res), 1, st["changes"])
        self.assertEqual(res[0]["after"]["Action"], "Modify")
        self.assertEqual(res[0]["after"]["ResourceType"], "AWS::S3::Bucket")
        ops = [op for op, _ in proxy_ops()]
        for op in ("CreateChangeSet", "DescribeChangeSet", "DeleteChangeSet"):
            self.assertIn(op, ops)
        self.assertNotIn("ExecuteChangeSet", ops)
        # change-set calls are the only writes a plan makes
        writes = [op for op, q in proxy_ops() if is_write(op, q)]
        self.assertEqual(sorted(set(writes)), ["CreateChangeSet", "DeleteChangeSet"])
        self.assertEqual(stack_status(), "UPDATE_COMPLETE")
        # the preview's change set is gone (moto keeps the executed one of the create)
        left = [c["ChangeSetName"] for c in
                boto("cloudformation").list_change_sets(StackName=STACK)["Summaries"]]
        self.assertEqual([n for n in left if n.startswith("fcc-plan-")], [])
        self.assertEqual(len(left), 1, left)
        # the text rendering says what CloudFormation would do
        r = plan()
        self.assertIn("~ update    cfn-stack:" + STACK, r.stdout)
        self.assertIn("resources.ArtifactsBucket", r.stdout)
        # and apply puts it back
        r = apply()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("change set fcc-", r.stderr)
        self.assertEqual(plan("--detailed-exitcode").returncode, 0)

    def test_rollback_complete_is_replaced(self):
        seed_failure()
        self.assertEqual(apply().returncode, 1)
        self.assertEqual(stack_status(), "ROLLBACK_COMPLETE")
        r, p = json_plan()
        self.assertEqual(r.returncode, 2, r.stderr)
        st = stack_step(p)
        self.assertEqual(st["action"], "replace")
        self.assertIn("ROLLBACK_COMPLETE", st["reason"])


class Apply(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        reset_account()

    def test_cold_apply_creates_the_stack_first_then_second_apply_writes_nothing(self):
        self.assertNotIn(BUCKET, buckets())
        r = apply()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(stack_status(), "CREATE_COMPLETE")
        self.assertIn(BUCKET, buckets())
        # the stack's events, in order, in the plain progress output
        lines = [l for l in r.stderr.splitlines() if ": " in l and "cfn-stack:" + STACK in l]
        text = "\n".join(lines)
        order = ["change set fcc-", "Add ArtifactsBucket (AWS::S3::Bucket)",
                 STACK + " AWS::CloudFormation::Stack CREATE_IN_PROGRESS",
                 STACK + " AWS::CloudFormation::Stack CREATE_COMPLETE", "stack deployed"]
        at = [text.find(s) for s in order]
        self.assertNotIn(-1, at, text)
        self.assertEqual(at, sorted(at), text)
        # everything that needs the bucket came after the stack: the lock, then the uploads
        ops = proxy_ops()
        names = [op for op, _ in ops]
        executed = names.index("ExecuteChangeSet")
        first_put = min(i for i, (op, q) in enumerate(ops) if op == "PUT")
        self.assertLess(executed, first_put)
        lock_put = min(i for i, (op, q) in enumerate(ops)
                       if op == "PUT" and q["path"].endswith("/" + LOCK_KEY))
        self.assertLess(executed, lock_put)
        objs = boto("s3").list_objects_v2(Bucket=BUCKET, Prefix="forecast-mlops/")
        self.assertEqual(len([o for o in objs.get("Contents", [])
                              if "/.fcc/lock/" not in o["Key"]]), 3)
        # second apply: reads only (and the lock)
        proxy_reset()
        r = apply()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("No changes", r.stdout)
        self.assertEqual([op for op, q in proxy_ops() if is_write(op, q)], [])

    def test_two_first_applies_race_on_the_stack(self):
        """Two cold applies at once: one creates the stack, the other finds its
        change set or the stack in progress and follows it; then the lock
        decides (one runs, the other fails naming it, or finds nothing to do).
        One stack, one bucket, nothing duplicated."""
        self.assertNotIn(BUCKET, buckets())
        ra.proxy_reset(latency_ms=100)
        procs = [subprocess.Popen([FCC, "apply", build_dir(), "--endpoint-url", PROXY_URL,
                                   "--progress", "plain", "--auto-approve"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  stdin=subprocess.DEVNULL, env=env()) for _ in range(2)]
        outs = [p.communicate(timeout=300) for p in procs]
        codes = [p.returncode for p in procs]
        self.assertIn(0, codes, outs)
        # both got as far as making the change set: the race did happen
        self.assertEqual([op for op, _ in proxy_ops()].count("CreateChangeSet"), 2, outs)
        for code, (out, err) in zip(codes, outs):
            if code:
                self.assertIn("fcc unlock", err, err)  # lost the lock, said so
        stacks = [x for x in boto("cloudformation").list_stacks()["StackSummaries"]
                  if x["StackName"] == STACK and x["StackStatus"] != "DELETE_COMPLETE"]
        self.assertEqual([x["StackStatus"] for x in stacks], ["CREATE_COMPLETE"], outs)
        self.assertEqual(buckets().count(BUCKET), 1)
        # whatever the loser left undone, a rerun finishes; then nothing to do
        proxy_reset()
        r = apply()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = plan("--detailed-exitcode")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        sc = boto("servicecatalog")
        self.assertEqual(len(sc.list_portfolios()["PortfolioDetails"]), 1)
        self.assertEqual(len(sc.search_products_as_admin()["ProductViewDetails"]), 1)

    def test_ctrl_c_during_the_stack_phase(self):
        """Ctrl-C while the bucket's change set is being made: nothing is
        executed, the empty REVIEW_IN_PROGRESS stack is removed, no lock was
        taken, exit 1 saying so; the next apply converges."""
        ra.proxy_reset(["op=DescribeChangeSet:stall=2000"])
        proc = subprocess.Popen([FCC, "apply", build_dir(), "--endpoint-url", PROXY_URL,
                                 "--progress", "plain", "--auto-approve"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL, env=env())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if "DescribeChangeSet" in [op for op, _ in proxy_ops()]:
                proc.send_signal(signal.SIGINT)
                break
            time.sleep(0.02)
        out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 1, out + err)
        self.assertIn("interrupted", err)
        ops = [op for op, _ in proxy_ops()]
        self.assertNotIn("ExecuteChangeSet", ops)
        self.assertIsNone(stack_status())
        self.assertNotIn(BUCKET, buckets())
        self.assertFalse([q for op, q in proxy_ops() if q["path"].endswith("/" + LOCK_KEY)])
        proxy_reset()
        r = apply()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(stack_status(), "CREATE_COMPLETE")
        r = plan("--detailed-exitcode")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_cold_apply_without_approval_creates_nothing(self):
        r = fcc(["apply", build_dir(), "--endpoint-url", PROXY_URL, "--progress", "plain"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("stack %s (the artifacts bucket %s) must be created before the apply "
                      "lock" % (STACK, BUCKET), r.stderr)
        self.assertIsNone(stack_status())
        self.assertEqual([op for op, q in proxy_ops() if is_write(op, q)], [])

    def test_failed_create_reports_the_first_failed_resource_then_rerun_converges(self):
        seed_failure()
        r = apply()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("stack %s is ROLLBACK_COMPLETE" % STACK, r.stderr)
        self.assertIn("first failure: ArtifactsBucket (AWS::S3::Bucket) CREATE_FAILED: "
                      "%s already exists in another account" % BUCKET, r.stderr)
        self.assertIn("way out: fix the cause and apply again", r.stderr)
        # events as they happened, the failure among them
        self.assertRegex(r.stderr, r"ArtifactsBucket AWS::S3::Bucket CREATE_FAILED: .* already "
                                   r"exists(.|\n)*ROLLBACK_COMPLETE")
        self.assertNotIn("PUT", [op for op, _ in proxy_ops()])  # nothing uploaded, no lock
        # the cause is fixed (nothing seeded any more): the rerun replaces the stack
        proxy_reset()
        r = apply()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        names = [op for op, _ in proxy_ops()]
        self.assertLess(names.index("DeleteStack"), names.index("CreateChangeSet"))
        self.assertEqual(stack_status(), "CREATE_COMPLETE")
        self.assertEqual(plan("--detailed-exitcode").returncode, 0)


class Destroy(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        reset_account()
        r = apply()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_kept_without_purge_removed_with_it(self):
        r = destroy()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("kept: bucket %s holds 3 objects fcc uploaded; fcc destroy --purge "
                      "removes" % BUCKET, r.stdout)
        self.assertEqual(stack_status(), "CREATE_COMPLETE")
        self.assertIn(BUCKET, buckets())
        proxy_reset()
        r = destroy("--purge")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Deleted bucket %s." % BUCKET, r.stdout)
        self.assertRegex(r.stderr, r"cfn-stack:%s: .*DELETE_COMPLETE" % STACK)
        self.assertIsNone(stack_status())
        self.assertNotIn(BUCKET, buckets())
        ops = proxy_ops()
        delete_stack = [i for i, (op, _) in enumerate(ops) if op == "DeleteStack"]
        delete_bucket = [i for i, (op, q) in enumerate(ops)
                         if op == "DELETE" and q["path"].rstrip("/").endswith("/" + BUCKET)]
        self.assertEqual(len(delete_stack), 1)
        self.assertEqual(len(delete_bucket), 1)
        self.assertLess(delete_stack[0], delete_bucket[0])

    def test_purge_keeps_a_bucket_holding_other_objects(self):
        boto("s3").put_object(Bucket=BUCKET, Key="someone-else/notes.txt", Body=b"mine")
        r = destroy("--purge")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIsNone(stack_status())
        self.assertIn("Kept bucket %s: it holds 1 object version fcc did not upload" % BUCKET,
                      r.stdout)
        self.assertIn(BUCKET, buckets())
        keys = [o["Key"] for o in boto("s3").list_objects_v2(Bucket=BUCKET)["Contents"]]
        self.assertEqual(keys, ["someone-else/notes.txt"])


if __name__ == "__main__":
    ra.run_main(sys.modules[__name__])
