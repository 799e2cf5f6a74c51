#!/usr/bin/env python3
"""run_unlock.py — `fcc unlock` against the local AWS endpoint (FCC_TEST_ENDPOINT).

A lock left by a dead apply is written with boto3 in the documented format
(runtime/lock.h: {id, who, where, command, created, expires, fcc} at
<prefix>/.fcc/lock/<project>[-<env>].json). Checks: the wrong id is refused and
the lock stays; the right id removes it (by --bucket/--key and by --spec/--env);
a missing lock and an object that is not a lock are errors; usage errors exit 2.
Fails (does not skip) without FCC_TEST_ENDPOINT.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

FCC = os.environ.get("FCC_BIN", "./fcc")
EP = os.environ.get("FCC_TEST_ENDPOINT")
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

SPEC = """fcc: 1
project:
  name: demo
  region: us-east-1
artifacts:
  bucket: %(bucket)s
  prefix: team/p
data:
  - file: data/train.csv
pipeline:
  module: forecast
  train_data: data/train.csv
  frequency: H
  horizon: 24
  evaluation:
    max_score: 0.3
  schema:
    target:
      - {name: item_id, type: string}
      - {name: timestamp, type: timestamp}
      - {name: target_value, type: float}
catalog:
  portfolio: {name: Templates, owner: Platform}
  product: {name: demo-template, owner: Platform, version: "1.0"}
  launch_role: AmazonSageMakerServiceCatalogProductsLaunchRole
environments:
  dev: {}
"""


def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
             AWS_EC2_METADATA_DISABLED="true", AWS_ACCESS_KEY_ID="AKIDUNLOCK",
             AWS_SECRET_ACCESS_KEY="unlock-test-secret", AWS_REGION="us-east-1",
             no_proxy="127.0.0.1,localhost")
    return e


def run(args, cwd=None):
    return subprocess.run([FCC] + args, capture_output=True, text=True, timeout=60, env=env(), cwd=cwd)


def s3():
    return boto3.client("s3", endpoint_url=EP, region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="x",
                        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))


def put_lock(bucket, key, lock_id):
    body = {"id": lock_id, "who": "alice@laptop (pid 4242)", "where": "laptop:/home/alice/demo",
            "command": "fcc apply project.spec", "created": "2026-01-02T03:04:05Z",
            "expires": "2026-01-02T04:04:05Z", "fcc": "0.1.0"}
    s3().put_object(Bucket=bucket, Key=key, Body=json.dumps(body).encode())


def exists(bucket, key):
    try:
        s3().head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as e:
        if e.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
            return False
        raise


class Unlock(unittest.TestCase):
    def setUp(self):
        self.assertTrue(EP, "FCC_TEST_ENDPOINT is not set: run through tests/run.sh")
        self.bucket = "fcc-unlock-" + uuid.uuid4().hex[:10]
        s3().create_bucket(Bucket=self.bucket)

    def test_usage(self):
        for args in (["unlock"], ["unlock", "id", "--bucket", "b"], ["unlock", "id", "--key", "k"],
                     ["unlock", "id", "--spec", "x.spec", "--bucket", "b", "--key", "k"],
                     ["unlock", "id", "--frobnicate"], ["unlock", "a", "b"], ["unlock", "id", "--bucket"]):
            r = run(args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn("fcc unlock: ", r.stderr)
        r = run(["unlock", "--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: fcc unlock LOCK_ID", r.stdout)

    def test_by_bucket_and_key(self):
        key = ".fcc/lock/demo.json"
        lock_id = str(uuid.uuid4())
        put_lock(self.bucket, key, lock_id)
        wrong = str(uuid.uuid4())
        r = run(["unlock", wrong, "--bucket", self.bucket, "--key", key, "--endpoint-url", EP])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("has id %s, not %s: not released" % (lock_id, wrong), r.stderr)
        self.assertIn("held by alice@laptop (pid 4242) at laptop:/home/alice/demo", r.stderr)
        self.assertTrue(exists(self.bucket, key))

        r = run(["unlock", lock_id, "--bucket", self.bucket, "--key", key, "--endpoint-url", EP])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "released lock %s on s3://%s/%s (held by alice@laptop (pid 4242) at "
                                   "laptop:/home/alice/demo, command 'fcc apply project.spec')\n"
                         % (lock_id, self.bucket, key))
        self.assertFalse(exists(self.bucket, key))

        r = run(["unlock", lock_id, "--bucket", self.bucket, "--key", key, "--endpoint-url", EP])
        self.assertEqual(r.returncode, 1)
        self.assertIn("no lock at s3://%s/%s" % (self.bucket, key), r.stderr)

    def test_by_spec_and_env(self):
        d = tempfile.mkdtemp(prefix="fcc-unlock-")
        try:
            os.mkdir(os.path.join(d, "data"))
            shutil.copy(os.path.join(ROOT, "tests", "specs", "good", "data", "train.csv"),
                        os.path.join(d, "data", "train.csv"))
            with open(os.path.join(d, "project.spec"), "w") as f:
                f.write(SPEC % {"bucket": self.bucket})
            lock_id = str(uuid.uuid4())
            put_lock(self.bucket, "team/p/.fcc/lock/demo-dev.json", lock_id)
            put_lock(self.bucket, "team/p/.fcc/lock/demo.json", lock_id)
            r = run(["unlock", lock_id, "--env", "dev", "--endpoint-url", EP], cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("s3://%s/team/p/.fcc/lock/demo-dev.json" % self.bucket, r.stdout)
            self.assertFalse(exists(self.bucket, "team/p/.fcc/lock/demo-dev.json"))
            self.assertTrue(exists(self.bucket, "team/p/.fcc/lock/demo.json"))
            r = run(["unlock", lock_id, "--spec", os.path.join(d, "project.spec"), "--endpoint-url", EP])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertFalse(exists(self.bucket, "team/p/.fcc/lock/demo.json"))
            # a spec with errors is reported, and nothing is touched
            with open(os.path.join(d, "bad.spec"), "w") as f:
                f.write("fcc: 1\nproject: {name: demo}\n")
            r = run(["unlock", lock_id, "--spec", os.path.join(d, "bad.spec"), "--endpoint-url", EP])
            self.assertEqual(r.returncode, 1)
            self.assertIn("has errors; give --bucket and --key instead", r.stderr)
        finally:
            shutil.rmtree(d)

    def test_not_a_lock(self):
        key = ".fcc/lock/demo.json"
        s3().put_object(Bucket=self.bucket, Key=key, Body=b"<html>not a lock</html>")
        r = run(["unlock", "anything", "--bucket", self.bucket, "--key", key, "--endpoint-url", EP])
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not a lock fcc wrote", r.stderr)
        self.assertTrue(exists(self.bucket, key))


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2 if os.environ.get("V") else 1).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.skipped)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
