#!/usr/bin/env python3
"""run_lock_ext.py — S3 conditional writes on the local endpoint, through boto3.

fcc's apply lock (runtime/lock.c) is an S3 object written with `If-None-Match: *`, taken
over with `If-Match: <etag>` and released with a conditional DeleteObject. moto 5.2.1
honours these headers but checks and writes without a lock; fccext serialises conditional
S3 writes (tests/aws/fccext/core.py, S3_WRITE_LOCK). These tests pin both: the semantics
as boto3 sees them, and that N racing `If-None-Match: *` puts leave exactly one winner.

Uses FCC_TEST_ENDPOINT when tests/run.sh sets it; otherwise starts its own server through
tests/aws/endpoint.sh. Prints `N passed, N failed` last; exits non-zero on any failure.
"""

import os
import subprocess
import sys
import tempfile
import threading
import unittest
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
ENDPOINT = None


def s3():
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"}),
    )


def code_of(err):
    return err.response["Error"]["Code"], err.response["ResponseMetadata"]["HTTPStatusCode"]


class ConditionalWrites(unittest.TestCase):
    def setUp(self):
        self.c = s3()
        self.bucket = f"fcc-lockext-{uuid.uuid4().hex[:10]}"
        self.c.create_bucket(Bucket=self.bucket)
        self.key = "p/.fcc/lock/demo-dev.json"

    def test_if_none_match_creates_once(self):
        r = self.c.put_object(Bucket=self.bucket, Key=self.key, Body=b"one", IfNoneMatch="*")
        self.assertTrue(r["ETag"])
        with self.assertRaises(ClientError) as cm:
            self.c.put_object(Bucket=self.bucket, Key=self.key, Body=b"two", IfNoneMatch="*")
        self.assertEqual(code_of(cm.exception), ("PreconditionFailed", 412))
        self.assertEqual(self.c.get_object(Bucket=self.bucket, Key=self.key)["Body"].read(), b"one")

    def test_if_match_replaces_only_that_version(self):
        etag = self.c.put_object(Bucket=self.bucket, Key=self.key, Body=b"old")["ETag"]
        with self.assertRaises(ClientError) as cm:
            self.c.put_object(Bucket=self.bucket, Key=self.key, Body=b"x", IfMatch='"0000"')
        self.assertEqual(code_of(cm.exception), ("PreconditionFailed", 412))
        new = self.c.put_object(Bucket=self.bucket, Key=self.key, Body=b"new", IfMatch=etag)["ETag"]
        self.assertNotEqual(new, etag)
        # the old ETag no longer matches: a second takeover from the same read loses
        with self.assertRaises(ClientError) as cm:
            self.c.put_object(Bucket=self.bucket, Key=self.key, Body=b"again", IfMatch=etag)
        self.assertEqual(code_of(cm.exception), ("PreconditionFailed", 412))

    def test_if_match_on_missing_key(self):
        with self.assertRaises(ClientError) as cm:
            self.c.put_object(Bucket=self.bucket, Key=self.key, Body=b"x", IfMatch='"abc"')
        self.assertEqual(code_of(cm.exception), ("NoSuchKey", 404))

    def test_conditional_delete(self):
        etag = self.c.put_object(Bucket=self.bucket, Key=self.key, Body=b"v1")["ETag"]
        with self.assertRaises(ClientError) as cm:
            self.c.delete_object(Bucket=self.bucket, Key=self.key, IfMatch='"0000"')
        self.assertEqual(code_of(cm.exception), ("PreconditionFailed", 412))
        self.c.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=etag)
        with self.assertRaises(ClientError) as cm:
            self.c.head_object(Bucket=self.bucket, Key=self.key)
        self.assertEqual(code_of(cm.exception)[1], 404)

    def test_racing_creates_have_one_winner(self):
        n = 16
        wins, losses, other = [], [], []
        start = threading.Barrier(n)

        def racer(i):
            c = s3()
            start.wait()
            try:
                c.put_object(Bucket=self.bucket, Key=self.key, Body=f"racer {i}".encode(), IfNoneMatch="*")
                wins.append(i)
            except ClientError as e:
                (losses if code_of(e) == ("PreconditionFailed", 412) else other).append(code_of(e))

        threads = [threading.Thread(target=racer, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(other, [])
        self.assertEqual(len(wins), 1, wins)
        self.assertEqual(len(losses), n - 1)
        body = self.c.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
        self.assertEqual(body, f"racer {wins[0]}".encode())


def main():
    global ENDPOINT
    state = None
    ENDPOINT = os.environ.get("FCC_TEST_ENDPOINT")
    if not ENDPOINT:
        state = tempfile.mkdtemp(prefix="fcc-endpoint-")
        out = subprocess.run(["sh", os.path.join(HERE, "endpoint.sh"), "start", state],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            print("0 passed, 1 failed")
            return 1
        ENDPOINT = out.stdout.strip()
    try:
        suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
        result = unittest.TextTestRunner(verbosity=2 if os.environ.get("V") else 1).run(suite)
    finally:
        if state:
            subprocess.run(["sh", os.path.join(HERE, "endpoint.sh"), "stop", state], timeout=30)
    failed = len(result.failures) + len(result.errors) + len(result.skipped)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
