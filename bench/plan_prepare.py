#!/usr/bin/env python3
"""plan_prepare.py ENDPOINT WORKDIR [PRODUCTS] — put the example fully in place on a local endpoint.

Used by bench/plan.sh: builds examples/forecast-mlops into WORKDIR/build (the IAM_PATTERN
principal written account-less in manifest.json, as Service Catalog requires) and creates
with boto3 everything the manifest asks for, exactly as tests/plan/run_plan.py's in-place
scenario does (it reuses that file's helpers), so `fcc plan WORKDIR/build` is a no-op.
With PRODUCTS > 1 the spec lists that many products in the one portfolio
(tests/apply/products_spec.py), all made from the build's template. Prints the ids it
made as JSON.
"""
import importlib.util
import json
import os
import sys

ep, work = sys.argv[1], sys.argv[2]
products = int(sys.argv[3]) if len(sys.argv) > 3 else 1
os.environ["FCC_TEST_ENDPOINT"] = ep
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("run_plan", os.path.join(root, "tests", "plan", "run_plan.py"))
rp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rp)
sys.path.insert(0, os.path.join(root, "tests", "apply"))
from products_spec import products_spec  # noqa: E402

rp.reset()
src = rp.make_spec(os.path.join(work, "example"))
if products > 1:
    with open(src) as f:
        text = f.read()
    with open(src, "w") as f:
        f.write(products_spec(text, products))
m = rp.build(src, os.path.join(work, "build"))
print(json.dumps(rp.in_place(os.path.join(work, "build"), m)))
