#!/usr/bin/env python3
"""plan_prepare.py ENDPOINT WORKDIR — put the example fully in place on a local endpoint.

Used by bench/plan.sh: builds examples/forecast-mlops into WORKDIR/build (the IAM_PATTERN
principal written account-less in manifest.json, as Service Catalog requires) and creates
with boto3 everything the manifest asks for, exactly as tests/plan/run_plan.py's in-place
scenario does (it reuses that file's helpers), so `fcc plan WORKDIR/build` is a no-op.
Prints the ids it made as JSON.
"""
import importlib.util
import json
import os
import sys

ep, work = sys.argv[1], sys.argv[2]
os.environ["FCC_TEST_ENDPOINT"] = ep
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("run_plan", os.path.join(root, "tests", "plan", "run_plan.py"))
rp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rp)
rp.reset()
src = rp.make_spec(os.path.join(work, "example"))
m = rp.build(src, os.path.join(work, "build"))
print(json.dumps(rp.in_place(os.path.join(work, "build"), m)))
