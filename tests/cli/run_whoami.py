#!/usr/bin/env python3
"""run_whoami.py — `fcc whoami` against the local AWS endpoint (FCC_TEST_ENDPOINT).

Checks the printed account/ARN/region/credential source with env credentials,
that --debug shows the wire traffic with the signature and token redacted and
never the secret, the exit codes (0 ok, 1 AWS/transport error, 2 usage), and
that an AWS error is printed in full (service, operation, status, code,
request id). Fails (does not skip) without FCC_TEST_ENDPOINT.
"""
import os
import socket
import subprocess
import sys
import unittest

FCC = os.environ.get("FCC_BIN", "./fcc")
EP = os.environ.get("FCC_TEST_ENDPOINT")
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYwhoamiSECRET"
TOKEN = "FwoGZXIvYXdzEXAMPLEwhoamiTOKEN"


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
             AWS_EC2_METADATA_DISABLED="true", AWS_ACCESS_KEY_ID="AKIDWHOAMI",
             AWS_SECRET_ACCESS_KEY=SECRET, no_proxy="127.0.0.1,localhost")
    e.update(extra)
    return e


def run(args, **kw):
    return subprocess.run([FCC] + args, capture_output=True, text=True, timeout=60, **kw)


class Whoami(unittest.TestCase):
    def setUp(self):
        self.assertTrue(EP, "FCC_TEST_ENDPOINT is not set: run through tests/run.sh")

    def test_identity_and_sources(self):
        r = run(["whoami", "--endpoint-url", EP], env=env(AWS_REGION="eu-west-1"))
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = dict(l.split(None, 1) for l in r.stdout.splitlines())
        self.assertEqual(lines["account"], "123456789012")
        self.assertTrue(lines["arn"].startswith("arn:aws:sts::123456789012:"), r.stdout)
        self.assertEqual(lines["region"], "eu-west-1 (env:AWS_REGION)")
        self.assertEqual(lines["credentials"], "env")

    def test_region_option_and_default(self):
        r = run(["whoami", "--endpoint-url", EP, "--region", "ap-southeast-2"], env=env())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("region      ap-southeast-2 (option)", r.stdout)
        r = run(["whoami", "--endpoint-url=" + EP], env=env())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("region      us-east-1 (default: nothing configured)", r.stdout)

    def test_debug_redacts(self):
        r = run(["whoami", "--endpoint-url", EP, "--debug"], env=env(AWS_SESSION_TOKEN=TOKEN))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("debug: > POST / HTTP/1.1", r.stderr)
        self.assertIn("Action=GetCallerIdentity", r.stderr)
        self.assertIn("debug: < HTTP/1.1 200", r.stderr)
        self.assertIn("Signature=<redacted>", r.stderr)
        self.assertIn("X-Amz-Security-Token: <redacted>", r.stderr)
        self.assertIn("Credential=AKIDWHOAMI/", r.stderr)
        for out in (r.stdout, r.stderr):
            self.assertNotIn(SECRET, out)
            self.assertNotIn(TOKEN, out)

    def test_aws_error_in_full(self):
        # the fault proxy answers 500 InternalFailure with a request id
        here = os.path.dirname(os.path.abspath(__file__))
        proxy = subprocess.Popen([sys.executable, os.path.join(here, "..", "aws", "faultproxy.py"),
                                  "--upstream", EP, "--rule", "every:1:500"],
                                 stdout=subprocess.PIPE, text=True)
        try:
            port = int(proxy.stdout.readline())
            r = run(["whoami", "--endpoint-url", "http://127.0.0.1:%d" % port],
                    env=env(AWS_MAX_ATTEMPTS="2"))
        finally:
            proxy.terminate()
            proxy.wait(10)
            proxy.stdout.close()
        self.assertEqual(r.returncode, 1)
        self.assertIn("fcc whoami: STS GetCallerIdentity: InternalFailure (HTTP 500): injected "
                      "internal error [request id fcc-faultproxy-0000] (2 attempts, ", r.stderr)
        # no service at all: the transport error
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        r = run(["whoami", "--endpoint-url", "http://127.0.0.1:%d" % port], env=env(AWS_MAX_ATTEMPTS="1"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("fcc whoami: STS GetCallerIdentity: connect", r.stderr)
        r = run(["whoami", "--endpoint-url", EP], env=env(AWS_ACCESS_KEY_ID="", AWS_SECRET_ACCESS_KEY=""))
        self.assertEqual(r.returncode, 1)
        self.assertIn("no credentials", r.stderr)

    def test_usage(self):
        r = run(["whoami", "--bogus"], env=env())
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown option '--bogus'", r.stderr)
        r = run(["whoami", "--region"], env=env())
        self.assertEqual(r.returncode, 2)
        r = run(["whoami", "--endpoint-url", "http://192.0.2.1:9"], env=env())
        self.assertEqual(r.returncode, 1)
        self.assertIn("--allow-http", r.stderr)
        r = run(["whoami", "--help"], env=env())
        self.assertEqual(r.returncode, 0)
        self.assertIn("--endpoint-url", r.stdout)


if __name__ == "__main__":
    res = unittest.main(exit=False, verbosity=0).result
    failed = len(res.failures) + len(res.errors)
    print("%d passed, %d failed" % (res.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
