#!/usr/bin/env python3
"""run_apply_tty.py — `fcc apply` asking on a terminal, end to end.

apply reads AWS and plans without the lock, asks on the terminal, then takes
the lock and reads again. These tests give fcc a pseudo-terminal for its
standard input (its answers are typed there) and read the question from its
standard error:

- answered `yes`, the plan runs and AWS converges; answered anything else,
  nothing is written (not even the lock);
- AWS edited by hand while the question waits, then `yes`: what was approved
  is not what would run, so apply refuses with plan_stale naming the
  observation, writes nothing but its lock, and releases it.

Runs against the local endpoint through run_apply's in-process fault proxy
(helpers are imported from run_apply, not copied). Fails (never skips)
without FCC_TEST_ENDPOINT. Prints `N passed, N failed`.
"""
import os
import pty
import select
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_apply as ra  # noqa: E402

QUESTION = b"Only 'yes' will be accepted: "


def setUpModule():
    ra.setUpModule()


def tearDownModule():
    ra.tearDownModule()


class Asked:
    """fcc apply on a pseudo-terminal: wait for the question, then answer."""

    def __init__(self, build):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([ra.FCC, "apply", build, "--endpoint-url", ra.PROXY_URL,
                                      "--progress", "plain"],
                                     stdin=slave, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=ra.env())
        os.close(slave)
        self.err = b""

    def wait_question(self, timeout=60):
        deadline = time.monotonic() + timeout
        fd = self.proc.stderr.fileno()
        while QUESTION not in self.err:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise AssertionError("no question asked: %r" % self.err)
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise AssertionError("stderr closed before the question: %r" % self.err)
                self.err += chunk

    def answer(self, text, timeout=120):
        os.write(self.master, text.encode() + b"\n")
        out, err = self.proc.communicate(timeout=timeout)
        os.close(self.master)
        return self.proc.returncode, out.decode(), (self.err + err).decode()


class Tty(unittest.TestCase):
    def setUp(self):
        ra.reset_account()

    def test_yes_applies_and_no_writes_nothing(self):
        a = Asked(ra.WS.build)
        a.wait_question()
        rc, out, err = a.answer("no")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("cancelled; nothing was changed", err)
        # the plan was shown, but nothing was written, not even the lock
        self.assertIn("sc-portfolio", out)
        self.assertEqual([q for q in ra.proxy_log()["requests"] if not ra.is_read(q)], [])
        ra.proxy_reset()
        a = Asked(ra.WS.build)
        a.wait_question()
        rc, out, err = a.answer("yes")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("Apply complete", out)
        self.assertEqual(ra.inventory(), ra.CONVERGED)

    def test_aws_edited_while_asking_is_refused(self):
        r = ra.fcc(ra.apply_args("--auto-approve"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        ws = ra.Workspace(ra.next_version_with_project)
        self.addCleanup(ws.close)
        sc = ra.boto("servicecatalog")
        pid = [p for p in sc.list_portfolios()["PortfolioDetails"]
               if p["DisplayName"] == ra.PORTFOLIO][0]["Id"]
        ra.proxy_reset()
        a = Asked(ws.build)
        a.wait_question()
        sc.update_portfolio(Id=pid, Description="edited while the question waited")
        rc, out, err = a.answer("yes")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("plan_stale: the plan shown above no longer matches AWS (1 observation "
                      "changed); run fcc apply again:", err)
        self.assertRegex(err, r"\n  sc-portfolio:%s: changed\n" % ra.PORTFOLIO)
        # nothing but the lock was written, and the lock was released
        writes = [(ra.operation(q), q["path"]) for q in ra.proxy_log()["requests"]
                  if not ra.is_read(q)]
        self.assertEqual([op for op, _ in writes], ["PUT", "DELETE"], writes)
        self.assertTrue(all(path.endswith("/" + ra.LOCK_KEY) for _, path in writes), writes)
        self.assertEqual(sc.describe_portfolio(Id=pid)["PortfolioDetail"]["Description"],
                         "edited while the question waited")


if __name__ == "__main__":
    ra.run_main(sys.modules[__name__])
