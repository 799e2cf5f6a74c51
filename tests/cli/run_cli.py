"""run_cli.py — the fcc command line as a user drives it: global options,
`fcc check` exit statuses, text / JSON / GitHub diagnostics, --env.

Runs $FCC_BIN (set by tests/run.sh; defaults to ./fcc). Prints
"N passed, N failed" and exits non-zero on failure.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.environ.get("FCC_SRCDIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FCC = os.environ.get("FCC_BIN") or os.path.join(ROOT, "fcc")
EXAMPLE = os.path.join(ROOT, "examples", "forecast-mlops", "project.spec")
BAD = os.path.join(ROOT, "tests", "specs", "bad")


def fcc(*args, cwd=None, env=None):
    e = dict(os.environ)
    e.pop("GITHUB_ACTIONS", None)
    e["NO_COLOR"] = "1"
    if env:
        e.update(env)
    return subprocess.run([FCC, *args], cwd=cwd, env=e, capture_output=True, text=True, timeout=60)


class Global(unittest.TestCase):
    def test_no_arguments_is_usage_error(self):
        r = fcc()
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: fcc", r.stderr)

    def test_help_lists_working_commands(self):
        r = fcc("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("  check ", r.stdout)
        self.assertIn("  sign ", r.stdout)

    def test_version(self):
        r = fcc("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^fcc \d+\.\d+\.\d+\n$")

    def test_unknown_command(self):
        r = fcc("deploy")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command 'deploy'", r.stderr)

    def test_help_command(self):
        r = fcc("help", "check")
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: fcc check", r.stdout)


class Check(unittest.TestCase):
    def test_example_is_clean(self):
        r = fcc("check", EXAMPLE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, EXAMPLE + ": ok\n")
        self.assertEqual(r.stderr, "")

    def test_every_environment_of_the_example(self):
        for env in ("dev", "prod"):
            r = fcc("check", "--env", env, EXAMPLE)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_default_spec_is_project_spec(self):
        r = fcc("check", cwd=os.path.dirname(EXAMPLE))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "project.spec: ok\n")

    def test_missing_file(self):
        with tempfile.TemporaryDirectory() as d:
            r = fcc("check", cwd=d)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "fcc: error: project.spec: No such file or directory\n")

    def test_errors_exit_1_with_location_and_caret(self):
        r = fcc("check", "bucket-s3-uri.spec", cwd=BAD)
        self.assertEqual(r.returncode, 1)
        lines = r.stderr.splitlines()
        self.assertEqual(lines[0], "bucket-s3-uri.spec:6:11: error: artifacts.bucket must be a bucket name, not an s3:// URL")
        self.assertEqual(lines[2], "       |           ^~~~~~~~~~~~~~~~~~~")
        self.assertEqual(lines[-1], "fcc: 1 error")
        self.assertEqual(r.stdout, "")

    def test_json_diagnostics(self):
        r = fcc("check", "--diagnostics-format", "json", "duplicate-key.spec", cwd=BAD)
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["errors"], 1)
        self.assertEqual(doc["warnings"], 0)
        d = doc["diagnostics"][0]
        self.assertEqual(d["severity"], "error")
        self.assertEqual(d["message"], "duplicate key 'name'")
        self.assertEqual(d["location"], {"file": "duplicate-key.spec", "line": 4, "column": 3, "end_line": 4, "end_column": 7})
        self.assertEqual(d["note"]["location"]["line"], 3)

    def test_json_on_success_is_an_empty_list(self):
        r = fcc("check", "--diagnostics-format", "json", EXAMPLE)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(json.loads(r.stdout), {"diagnostics": [], "errors": 0, "warnings": 0})

    def test_github_annotations(self):
        r = fcc("check", "region-unknown.spec", cwd=BAD, env={"GITHUB_ACTIONS": "true"})
        self.assertEqual(r.returncode, 1)
        self.assertIn("region-unknown.spec:4:11: error:", r.stderr)
        self.assertEqual(r.stdout, "::error file=region-unknown.spec,line=4,col=11::unknown AWS region 'us-est-1'; did you mean 'us-east-1'?\n")

    def test_at_most_20_errors_shown(self):
        r = fcc("check", "many-errors-capped.spec", cwd=BAD)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.count(": error: "), 20)
        self.assertTrue(r.stderr.endswith("fcc: 25 errors (first 20 shown)\n"))

    def test_unknown_environment(self):
        r = fcc("check", "--env", "qa", EXAMPLE)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown environment 'qa'; the spec defines dev, prod", r.stderr)

    def test_usage_errors_exit_2(self):
        for args in (["check", "--bogus"], ["check", "a.spec", "b.spec"], ["check", "--env"],
                     ["check", "--diagnostics-format", "xml", EXAMPLE], ["check", "--color", "sometimes", EXAMPLE]):
            r = fcc(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("try 'fcc check --help'", r.stderr)

    def test_color_always(self):
        r = fcc("check", "--color", "always", "horizon-zero.spec", cwd=BAD)
        self.assertEqual(r.returncode, 1)
        self.assertIn("\033[1;31merror:", r.stderr)

    def test_no_color_when_piped(self):
        r = fcc("check", "horizon-zero.spec", cwd=BAD, env={"NO_COLOR": ""})
        self.assertNotIn("\033[", r.stderr)

    def test_warning_does_not_fail(self):
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "data"))
            with open(os.path.join(d, "data", "train.csv"), "w") as f:
                f.write("timestamp,MT_001\n")
            with open(os.path.join(ROOT, "tests", "specs", "good", "minimal.spec")) as f:
                text = f.read().replace("region: us-east-1", "region: sa-east-1")
            with open(os.path.join(d, "p.spec"), "w") as f:
                f.write(text)
            r = fcc("check", "p.spec", cwd=d)
        self.assertEqual(r.returncode, 0)
        self.assertIn("p.spec:5:11: warning: Amazon Forecast is not offered in sa-east-1", r.stderr)
        self.assertIn("fcc: 1 warning", r.stderr)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
