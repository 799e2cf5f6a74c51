#!/usr/bin/env python3
"""run_sign.py — end-to-end tests of `fcc sign` ($FCC_BIN, set by tests/run.sh).

* every case of the AWS SigV4 test suite under shared/testdata/sigv4 (found at
  run time): the three printed sections equal .creq/.sts/.authz byte for byte,
  and --print-request equals .sreq;
* S3 mode and path double-encoding checked against botocore's own signer
  (S3SigV4Auth / SigV4Auth) as an independent oracle;
* help, usage errors, exit codes, and that secrets are never printed.

Prints a final line `N passed, N failed` and exits non-zero on failure.
"""
import datetime
import os
import subprocess
import sys
import unittest
from unittest import mock

ROOT = os.environ.get("FCC_SRCDIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
FCC = os.environ.get("FCC_BIN") or os.path.join(ROOT, "fcc")
VECTORS = os.path.normpath(os.path.join(ROOT, "..", "shared", "testdata", "sigv4"))

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
# shared/testdata/sigv4/README.md, case get-vanilla-with-session-token
VANILLA_TOKEN = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
# the upstream .sreq of that case carries a stale signature (README "Known quirks")
STALE_SIG = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"

SECTIONS = ("# canonical request\n", "# string to sign\n", "# authorization\n")


def find_cases():
    cases = []
    for dirpath, dirnames, filenames in os.walk(VECTORS):
        dirnames.sort()
        base = os.path.basename(dirpath)
        if base + ".req" in filenames:
            cases.append(os.path.relpath(dirpath, VECTORS))
    return sorted(cases)


def readme_token():
    with open(os.path.join(VECTORS, "post-sts-token", "readme.txt"), encoding="utf-8") as f:
        text = f.read()
    marker = "value for X-Amz-Security-Token:"
    return text[text.index(marker) + len(marker):].split()[0]


def run_fcc(args, stdin=None, token=None, env_extra=None):
    env = dict(os.environ)
    env.update({"AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET})
    env.pop("AWS_SESSION_TOKEN", None)
    if token:
        env["AWS_SESSION_TOKEN"] = token
    if env_extra:
        env.update(env_extra)
    return subprocess.run([FCC, "sign"] + args, input=stdin, capture_output=True, env=env,
                          timeout=30)


def split_sections(out):
    """The three sections of `fcc sign` output, each without its separator newline."""
    text = out.decode("utf-8")
    assert text.startswith(SECTIONS[0]), text
    a = text.index("\n" + SECTIONS[1])
    b = text.index("\n" + SECTIONS[2])
    assert text.endswith("\n")
    return (text[len(SECTIONS[0]):a], text[a + 1 + len(SECTIONS[1]):b],
            text[b + 1 + len(SECTIONS[2]):-1])


def case_args(rel):
    """Arguments and session token for one vector, as its README says."""
    args, token = ["--service", "service", "--region", "us-east-1"], None
    if rel.endswith("get-vanilla-with-session-token"):
        token = VANILLA_TOKEN
    elif rel.startswith("post-sts-token" + os.sep):
        token = readme_token()
        if rel.endswith("header-after"):
            args.append("--unsigned-token")
    if token:
        args.append("--show-token")
    return args, token


def vector_file(rel, ext):
    with open(os.path.join(VECTORS, rel, os.path.basename(rel) + "." + ext), "rb") as f:
        return f.read()


class VectorTests(unittest.TestCase):
    def test_found_all(self):
        self.assertGreaterEqual(len(CASES), 34, VECTORS)


def make_vector_tests(rel):
    def sections(self):
        args, token = case_args(rel)
        p = run_fcc([os.path.join(VECTORS, rel, os.path.basename(rel) + ".req")] + args,
                    token=token)
        self.assertEqual(p.returncode, 0, p.stderr)
        creq, sts, authz = split_sections(p.stdout)
        self.assertEqual(creq.encode(), vector_file(rel, "creq"), "canonical request")
        self.assertEqual(sts.encode(), vector_file(rel, "sts"), "string to sign")
        self.assertEqual(authz.encode(), vector_file(rel, "authz"), "authorization")
        if token:
            self.assertNotIn(SECRET.encode(), p.stdout + p.stderr)

    def sreq(self):
        args, token = case_args(rel)
        # the request comes on stdin this time
        p = run_fcc(args + ["--print-request"], stdin=vector_file(rel, "req"), token=token)
        self.assertEqual(p.returncode, 0, p.stderr)
        want = vector_file(rel, "sreq")
        if rel.endswith("get-vanilla-with-session-token"):
            sig = vector_file(rel, "authz").split(b"Signature=")[1]
            want = want.replace(STALE_SIG.encode(), sig)
        self.assertEqual(p.stdout, want)

    return sections, sreq


CASES = find_cases()
for _rel in CASES:
    _name = _rel.replace(os.sep, "__").replace("-", "_")
    _a, _b = make_vector_tests(_rel)
    setattr(VectorTests, "test_vector_" + _name, _a)
    setattr(VectorTests, "test_sreq_" + _name, _b)


class BotocoreOracle(unittest.TestCase):
    """fcc sign against botocore's signer on requests the vectors do not cover."""

    WHEN = datetime.datetime(2026, 11, 26, 12, 0, 0, tzinfo=datetime.timezone.utc)

    def botocore_sign(self, cls, service, method, url, headers, body=b""):
        from botocore.auth import S3SigV4Auth, SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        auth_cls = S3SigV4Auth if cls == "s3" else SigV4Auth
        auth = auth_cls(Credentials(AKID, SECRET), service, "eu-west-1")
        captured = {}
        orig = auth.canonical_request

        def capture(r):
            captured["creq"] = orig(r)
            return captured["creq"]

        auth.canonical_request = capture
        req = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
        with mock.patch("botocore.auth.get_current_datetime", return_value=self.WHEN):
            auth.add_auth(req)
        return captured["creq"], req.headers["Authorization"]

    def fcc_sign(self, raw, extra):
        p = run_fcc(["--service", extra[0], "--region", "eu-west-1", "--date",
                     self.WHEN.strftime("%Y%m%dT%H%M%SZ")] + extra[1:], stdin=raw)
        self.assertEqual(p.returncode, 0, p.stderr)
        return split_sections(p.stdout)

    def check(self, kind, service, method, host, target, headers, body=b""):
        url = "https://" + host + target
        want_creq, want_authz = self.botocore_sign(kind, service, method, url, headers, body)
        lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
        lines += [f"{k}: {v}" for k, v in headers]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        creq, _, authz = self.fcc_sign(raw, [service] + (["--s3"] if kind == "s3" else []))
        self.assertEqual(creq, want_creq)
        self.assertEqual(authz, want_authz)

    def test_s3_path_not_normalised(self):
        self.check("s3", "s3", "GET", "bucket.s3.eu-west-1.amazonaws.com",
                   "/my-object//example/../photo%20x.user", [])

    def test_s3_put_with_body_and_query(self):
        self.check("s3", "s3", "PUT", "s3.eu-west-1.amazonaws.com",
                   "/bucket/seedcode/ab%2Bcd.zip?x-id=PutObject",
                   [("Content-Type", "application/zip"), ("x-amz-meta-fcc", "  a   b ")],
                   b"PK\x03\x04 zip bytes \x00\xff")

    def test_generic_double_encoding(self):
        self.check("v4", "cloudformation", "POST", "cloudformation.eu-west-1.amazonaws.com",
                   "/a%20b//c/./d/", [("Content-Type", "application/x-www-form-urlencoded")],
                   b"Action=DescribeStacks&Version=2010-05-15")

    def test_json_target_signed(self):
        self.check("v4", "sagemaker", "POST", "api.sagemaker.eu-west-1.amazonaws.com", "/",
                   [("Content-Type", "application/x-amz-json-1.1"),
                    ("X-Amz-Target", "SageMaker.DescribePipeline")],
                   b'{"PipelineName": "p"}')


class CliBehaviour(unittest.TestCase):
    REQ = b"GET / HTTP/1.1\nHost: example.amazonaws.com\n"

    def test_help_documents_options(self):
        p = subprocess.run([FCC, "sign", "--help"], capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        for opt in (b"--service", b"--region", b"--date", b"--s3", b"--print-request",
                    b"--unsigned-token", b"--show-token", b"AWS_ACCESS_KEY_ID",
                    b"AWS_SECRET_ACCESS_KEY", b"AWS_SESSION_TOKEN"):
            self.assertIn(opt, p.stdout)

    def test_usage_errors_exit_2(self):
        for args in (["--region", "us-east-1"], ["--service", "s"],
                     ["--service", "s", "--region", "r", "--date", "2020-01-01"],
                     ["--service", "s", "--region", "r", "--bogus"],
                     ["--service", "s", "--region", "r", "a", "b"], ["--service"]):
            p = run_fcc(args, stdin=self.REQ)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(b"fcc sign", p.stderr)

    def test_errors_exit_1(self):
        p = run_fcc(["--service", "s", "--region", "r"], stdin=b"not a request\n")
        self.assertEqual(p.returncode, 1)
        p = run_fcc(["--service", "s", "--region", "r", "/nonexistent/x.req"])
        self.assertEqual(p.returncode, 1)
        p = run_fcc(["--service", "s", "--region", "r"], stdin=b"GET / HTTP/1.1\nA: b\n")
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"Host", p.stderr)
        p = run_fcc(["--service", "s", "--region", "r"], stdin=self.REQ,
                    env_extra={"AWS_ACCESS_KEY_ID": ""})
        self.assertEqual(p.returncode, 1)

    def test_date_defaults_to_now(self):
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        p = run_fcc(["--service", "s", "--region", "r"], stdin=self.REQ)
        after = datetime.datetime.now(datetime.timezone.utc)
        self.assertEqual(p.returncode, 0, p.stderr)
        _, sts, _ = split_sections(p.stdout)
        when = datetime.datetime.strptime(sts.split("\n")[1], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
        self.assertTrue(before <= when <= after, (before, when, after))

    def test_secrets_not_printed(self):
        token = "SESSIONTOKENVALUE123"
        for extra in ([], ["--print-request"]):
            p = run_fcc(["--service", "s", "--region", "r"] + extra, stdin=self.REQ, token=token)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertNotIn(SECRET.encode(), p.stdout + p.stderr)
            self.assertNotIn(token.encode(), p.stdout + p.stderr)
            self.assertIn(b"redacted", p.stdout)
        p = run_fcc(["--service", "s", "--region", "r", "--show-token"], stdin=self.REQ,
                    token=token)
        self.assertIn(token.encode(), p.stdout)
        self.assertNotIn(SECRET.encode(), p.stdout + p.stderr)


def main():
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    for cls in (VectorTests, BotocoreOracle, CliBehaviour):
        suite.addTests(loader.loadTestsFromTestCase(cls))
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    return 1 if failed or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
