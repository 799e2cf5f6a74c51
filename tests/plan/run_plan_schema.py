#!/usr/bin/env python3
"""run_plan_schema.py — spec/plan.schema.json against every golden plan.

Each tests/plan/fixtures/<scenario>/expected.json (written by the unit suite's
scenario case) must validate against the published fcc-plan/1 schema, and the
schema must reject the obvious breakages (unknown action, missing field, wrong
format). Prints "N passed, N failed"; exits non-zero on failure.
"""
import copy
import glob
import json
import os
import sys
import unittest

import jsonschema

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMA = json.load(open(os.path.join(ROOT, "spec", "plan.schema.json")))
GOLDEN = sorted(glob.glob(os.path.join(ROOT, "tests", "plan", "fixtures", "*", "expected.json")))
V = jsonschema.Draft202012Validator(SCHEMA)


class PlanSchema(unittest.TestCase):
    def test_goldens_exist(self):
        self.assertGreaterEqual(len(GOLDEN), 6)

    def test_goldens_validate(self):
        for path in GOLDEN:
            with self.subTest(path=os.path.relpath(path, ROOT)):
                errors = list(V.iter_errors(json.load(open(path))))
                self.assertEqual(errors, [], [e.message for e in errors])

    def test_rejects_breakage(self):
        plan = json.load(open(GOLDEN[0]))
        bad = copy.deepcopy(plan)
        bad["steps"][0]["action"] = "obliterate"
        self.assertFalse(V.is_valid(bad))
        bad = copy.deepcopy(plan)
        del bad["steps"][0]["depends_on"]
        self.assertFalse(V.is_valid(bad))
        bad = copy.deepcopy(plan)
        bad["format"] = "fcc-plan/2"
        self.assertFalse(V.is_valid(bad))


if __name__ == "__main__":
    result = unittest.TextTestRunner(verbosity=1).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(PlanSchema))
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
