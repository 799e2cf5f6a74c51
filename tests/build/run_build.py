"""run_build.py — `fcc build` end to end: golden outputs, reproducible zips,
the seed tree, the stage scripts, the buildspec, cfn-lint, --check and
atomic writes.

Golden cases live in tests/golden/<case>/: `args` (the fcc build arguments,
one per line, relative to the case directory), the inputs, and `expected/`
holding every generated file (template, manifest.json, pipeline.json,
forecast_config.json) plus `files.txt`, the list of every output path.
Files fcc copies verbatim from stdlib/ are compared with stdlib/ itself, and
the manifest pins the sha256 of every output, seed-code.zip included.
`make golden-update` (FCC_GOLDEN_UPDATE=1) rewrites expected/ for review.

Prints "N passed, N failed"; exits non-zero on failure.
"""
import hashlib
import json
import os
import py_compile
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
import zipfile

import jsonschema
import yaml

ROOT = os.environ.get("FCC_SRCDIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FCC = os.environ.get("FCC_BIN") or os.path.join(ROOT, "fcc")
GOLDEN = os.path.join(ROOT, "tests", "golden")
STDLIB = os.environ.get("FCC_STDLIB") or os.path.join(ROOT, "stdlib")
UPDATE = os.environ.get("FCC_GOLDEN_UPDATE") == "1"
VERBATIM = {
    "README.md": "seed/README.md",
    "codebuild-buildspec.yml": "seed/codebuild-buildspec.yml",
    "run_pipeline.sh": "seed/run_pipeline.sh",
    "preprocess.py": "forecast/preprocess.py",
    "train.py": "forecast/train.py",
    "conditional_delete.py": "forecast/conditional_delete.py",
}


def fcc(*args, cwd=None, env=None):
    e = dict(os.environ)
    e.pop("SOURCE_DATE_EPOCH", None)
    e["NO_COLOR"] = "1"
    e["FCC_STDLIB"] = STDLIB
    if env:
        e.update(env)
    return subprocess.run([FCC, *args], cwd=cwd, env=e, capture_output=True, text=True, timeout=120)


def tree(d):
    out = {}
    for base, dirs, files in os.walk(d):
        for n in files:
            p = os.path.join(base, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, d)] = f.read()
    return out


def cases():
    return sorted(c for c in os.listdir(GOLDEN) if os.path.isfile(os.path.join(GOLDEN, c, "args")))


def build_case(case, out):
    d = os.path.join(GOLDEN, case)
    with open(os.path.join(d, "args")) as f:
        args = [a for a in f.read().split("\n") if a]
    return fcc("build", *args, "-o", out, cwd=d)


class Golden(unittest.TestCase):
    def test_enough_cases(self):
        self.assertGreaterEqual(len(cases()), 6)

    def check_case(self, case):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "build")
            r = build_case(case, out)
            self.assertEqual(r.returncode, 0, case + ": " + r.stderr)
            got = tree(out)
            exp_dir = os.path.join(GOLDEN, case, "expected")
            listing = "".join(p + "\n" for p in sorted(got))
            generated = {p: b for p, b in got.items()
                         if not (p.startswith("seed-code/") and os.path.basename(p) in VERBATIM
                                 and not p.endswith("__init__.py"))
                         and p != "seed-code.zip" and not p.endswith("__init__.py")}
            if UPDATE:
                shutil.rmtree(exp_dir, ignore_errors=True)
                for p, b in generated.items():
                    os.makedirs(os.path.dirname(os.path.join(exp_dir, p)), exist_ok=True)
                    with open(os.path.join(exp_dir, p), "wb") as f:
                        f.write(b)
                with open(os.path.join(exp_dir, "files.txt"), "w") as f:
                    f.write(listing)
                return
            with open(os.path.join(exp_dir, "files.txt")) as f:
                self.assertEqual(listing, f.read(), case + ": output files differ")
            for p, b in generated.items():
                with open(os.path.join(exp_dir, p), "rb") as f:
                    self.assertEqual(b.decode(), f.read().decode(), case + ": " + p + " differs")
            for p, b in got.items():
                name = os.path.basename(p)
                if p.startswith("seed-code/") and name in VERBATIM:
                    with open(os.path.join(STDLIB, VERBATIM[name]), "rb") as f:
                        self.assertEqual(b, f.read(), case + ": " + p + " is not the stdlib copy")
            manifest = json.loads(got["manifest.json"])
            with open(os.path.join(ROOT, "spec", "manifest.schema.json")) as f:
                jsonschema.Draft202012Validator(json.load(f)).validate(manifest)
            for entry in manifest["files"]:
                self.assertEqual(hashlib.sha256(got[entry["path"]]).hexdigest(), entry["sha256"])
                self.assertEqual(len(got[entry["path"]]), entry["size"])

    def test_golden_cases(self):
        for case in cases():
            with self.subTest(case=case):
                self.check_case(case)


class Outputs(unittest.TestCase):
    """Properties of the workshop example's build."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.out = os.path.join(cls.tmp, "build")
        r = fcc("build", os.path.join(ROOT, "examples", "forecast-mlops", "project.spec"), "-o", cls.out)
        assert r.returncode == 0, r.stderr
        cls.summary = r.stdout
        cls.files = tree(cls.out)
        cls.manifest = json.loads(cls.files["manifest.json"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_summary(self):
        self.assertTrue(self.summary.startswith("fcc: built " + self.out + " from project forecast-mlops\n"))
        self.assertIn("template.yaml", self.summary)
        self.assertIn("s3://sagemaker-us-east-1-111122223333/forecast-mlops/seedcode/", self.summary)

    def test_zip_matches_seed_tree(self):
        seed = {p[len("seed-code/"):]: b for p, b in self.files.items() if p.startswith("seed-code/")}
        with zipfile.ZipFile(os.path.join(self.out, "seed-code.zip")) as z:
            self.assertIsNone(z.testzip())
            names = z.namelist()
            self.assertEqual(names, sorted(names))
            self.assertEqual(set(names), set(seed))
            for info in z.infolist():
                self.assertEqual(z.read(info), seed[info.filename])
                self.assertEqual(info.date_time, (1980, 1, 1, 0, 0, 0))
                self.assertEqual(info.compress_type, zipfile.ZIP_DEFLATED)
                mode = info.external_attr >> 16
                want = 0o100755 if info.filename == "run_pipeline.sh" else 0o100644
                self.assertEqual(mode, want, info.filename)
                self.assertFalse(info.filename.startswith("/") or ".." in info.filename.split("/"))
        r = subprocess.run(["unzip", "-t", os.path.join(self.out, "seed-code.zip")], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("No errors detected", r.stdout)

    def test_content_addressed_keys(self):
        zip_sha = hashlib.sha256(self.files["seed-code.zip"]).hexdigest()
        objs = {o["kind"]: o for o in self.manifest["artifacts"]["objects"]}
        self.assertEqual(objs["seed-code"]["key"], "forecast-mlops/seedcode/%s.zip" % zip_sha)
        tmpl_sha = hashlib.sha256(self.files["template.yaml"]).hexdigest()
        self.assertEqual(objs["template"]["key"], "forecast-mlops/templates/%s.yaml" % tmpl_sha)
        self.assertIn(("forecast-mlops/seedcode/%s.zip" % zip_sha).encode(), self.files["template.yaml"])
        self.assertNotIn(b"s3://", self.files["template.yaml"].split(b"Code:")[1][:400])

    def test_manifest(self):
        m = self.manifest
        self.assertEqual(m["format"], "fcc-manifest/2")
        self.assertEqual(m["data"][0]["key"], "forecast-mlops/data/train.csv")
        with open(os.path.join(ROOT, "examples", "forecast-mlops", "data", "train.csv"), "rb") as f:
            self.assertEqual(m["data"][0]["sha256"], hashlib.sha256(f.read()).hexdigest())
        self.assertNotIn("product", m["catalog"])
        self.assertNotIn("version", m["catalog"])
        self.assertEqual([p["name"] for p in m["catalog"]["products"]], ["forecast-mlops-template"])
        prod = m["catalog"]["products"][0]
        self.assertEqual(prod["tags"]["sagemaker:studio-visibility"], "true")
        tmpl_sha = hashlib.sha256(self.files["template.yaml"]).hexdigest()
        self.assertEqual(prod["version"]["name"], "1.0+" + tmpl_sha[:8])
        self.assertEqual(prod["version"]["template_sha256"], tmpl_sha)
        self.assertEqual(m["catalog"]["principals"][0]["type"], "IAM_PATTERN")
        self.assertEqual([r["role"] for r in m["iam"]["roles"]],
                         ["AmazonSageMakerServiceCatalogProductsExecutionRole",
                          "AmazonSageMakerServiceCatalogProductsUseRole"])
        self.assertEqual(m["instances"][0]["name"], "forecast-dev")
        # one product: the instance names it without the spec saying so
        self.assertEqual(m["instances"][0]["product"], "forecast-mlops-template")

    def test_pipeline_definition(self):
        d = json.loads(self.files["seed-code/pipelines/forecast/pipeline.json"])
        self.assertEqual(d["Version"], "2020-12-01")
        self.assertEqual([(s["Name"], s["Type"]) for s in d["Steps"]],
                         [("ForecastPreProcess", "Processing"), ("ForecastTrainAndEvaluate", "Training"),
                          ("ForecastConditionalDelete", "Processing")])
        params = {p["Name"]: p for p in d["Parameters"]}
        self.assertEqual(params["ForecastHorizon"]["DefaultValue"], 24)
        self.assertEqual(params["ForecastAlgorithm"]["DefaultValue"], "NPTS")
        self.assertEqual(params["EvaluationMetric"]["DefaultValue"], "WAPE")
        self.assertEqual(params["MaxScore"]["DefaultValue"], 0.3)
        self.assertEqual(params["TrainData"]["DefaultValue"],
                         "s3://sagemaker-us-east-1-111122223333/forecast-mlops/data/train.csv")
        self.assertEqual(params["ProcessingInstanceType"]["DefaultValue"], "ml.m5.large")
        for name in ("CodeLocation", "ArtifactBucket", "ForecastRoleArn"):
            self.assertIn(name, params)
        train = d["Steps"][1]["Arguments"]
        self.assertEqual(sorted(m["Name"] for m in train["AlgorithmSpecification"]["MetricDefinitions"]),
                         ["MAPE", "MASE", "RMSE", "WAPE"])
        text = json.dumps(d)
        # data dependencies chain the steps
        self.assertIn("Steps.ForecastPreProcess.ProcessingOutputConfig.Outputs['target'].S3Output.S3Uri", text)
        self.assertIn("Steps.ForecastTrainAndEvaluate.ModelArtifacts.S3ModelArtifacts", text)
        self.assertIn("sagemaker-scikit-learn", d["Steps"][0]["Arguments"]["AppSpecification"]["ImageUri"])
        self.assertIn(".us-east-1.", d["Steps"][0]["Arguments"]["AppSpecification"]["ImageUri"])

    def test_python_compiles(self):
        with tempfile.TemporaryDirectory() as t:
            n = 0
            for p in self.files:
                if p.endswith(".py"):
                    py_compile.compile(os.path.join(self.out, p), doraise=True, cfile=os.path.join(t, "x.pyc"))
                    n += 1
            self.assertEqual(n, 5)

    def test_buildspec(self):
        doc = yaml.safe_load(self.files["seed-code/codebuild-buildspec.yml"])
        self.assertEqual(str(doc["version"]), "0.2")
        self.assertTrue(doc["phases"]["build"]["commands"])
        r = subprocess.run(["sh", "-n", os.path.join(self.out, "seed-code", "run_pipeline.sh")])
        self.assertEqual(r.returncode, 0)

    def test_preprocess_runs_on_the_example(self):
        py = "/usr/bin/python3"
        if subprocess.run([py, "-c", "import pandas"], capture_output=True).returncode != 0:
            self.fail("Debian's python3-pandas is missing (make deps installs it)")
        mod = os.path.join(self.out, "seed-code", "pipelines", "forecast")
        with tempfile.TemporaryDirectory() as t:
            r = subprocess.run([py, os.path.join(mod, "preprocess.py"), "--config", os.path.join(mod, "forecast_config.json"),
                                "--input", os.path.join(ROOT, "examples", "forecast-mlops", "data", "train.csv"),
                                "--target-output", os.path.join(t, "target"), "--related-output", os.path.join(t, "related")],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            def rows(sub):
                out = []
                for f in sorted(os.listdir(os.path.join(t, sub))):
                    with open(os.path.join(t, sub, f)) as fh:
                        out += [l for l in fh.read().splitlines() if l]
                return out
            target, related = rows("target"), rows("related")
            # 2016 readings, 00:15 on day 1 to 00:00 on day 22, resampled hourly:
            # the first and the last hour are partial and dropped, so 21*24-1
            # full hours; the related series runs the 24-hour horizon further.
            self.assertEqual(len(target), 21 * 24 - 1)
            self.assertEqual(len(related), len(target) + 24)
            self.assertTrue(target[0].startswith("MT_001,2014-01-01 01:00:00,") or
                            "2014-01-01 01:00:00" in target[0], target[0])

    def test_cfn_lint(self):
        with tempfile.TemporaryDirectory() as t:
            paths = []
            for case in cases():
                out = os.path.join(t, case)
                r = build_case(case, out)
                self.assertEqual(r.returncode, 0, r.stderr)
                for n in ("template.yaml", "template.json"):
                    if os.path.exists(os.path.join(out, n)):
                        paths.append(os.path.join(out, n))
            paths.append(os.path.join(self.out, "template.yaml"))
            r = subprocess.run(["cfn-lint", "--format", "parseable", *paths], capture_output=True, text=True, timeout=600)
            self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
            self.assertGreaterEqual(len(paths), 7)


class Products(unittest.TestCase):
    """tests/golden/products: three products share the build's one template."""

    def test_products_share_the_template(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "build")
            r = build_case("products", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "manifest.json")) as f:
                m = json.load(f)
            with open(os.path.join(out, "template.yaml"), "rb") as f:
                sha = hashlib.sha256(f.read()).hexdigest()
            self.assertEqual(sorted(os.listdir(out)), ["manifest.json", "seed-code", "seed-code.zip",
                                                       "template.yaml"])
        prods = m["catalog"]["products"]
        self.assertEqual([p["name"] for p in prods], ["multi-forecast", "multi-forecast-gpu", "multi-batch"])
        self.assertEqual([p["version"]["name"] for p in prods],
                         ["2.1+" + sha[:8], "1.0+" + sha[:8], "0.9+" + sha[:8]])
        self.assertEqual({p["version"]["template_sha256"] for p in prods}, {sha})
        self.assertEqual(len({json.dumps(p["tags"], sort_keys=True) for p in prods}), 1)
        self.assertEqual(prods[1]["support_url"], "https://wiki.example.com/ml-platform")
        self.assertIsNone(prods[0]["support_url"])
        self.assertEqual([(i["name"], i["product"]) for i in m["instances"]],
                         [("multi-dev", "multi-forecast-gpu")])


class Reproducible(unittest.TestCase):
    def test_twice_identical_after_touch(self):
        with tempfile.TemporaryDirectory() as t:
            src = os.path.join(t, "example")
            shutil.copytree(os.path.join(ROOT, "examples", "forecast-mlops"), src,
                            ignore=shutil.ignore_patterns("build"))
            a = fcc("build", "project.spec", "-o", os.path.join(t, "a"), cwd=src)
            self.assertEqual(a.returncode, 0, a.stderr)
            for base, _, files in os.walk(src):
                for n in files:
                    os.utime(os.path.join(base, n), (2e9, 2e9))
            b = fcc("build", "project.spec", "-o", os.path.join(t, "b"), cwd=src, env={"TZ": "Asia/Kolkata"})
            self.assertEqual(b.returncode, 0, b.stderr)
            self.assertEqual(tree(os.path.join(t, "a")), tree(os.path.join(t, "b")))

    def test_source_date_epoch(self):
        with tempfile.TemporaryDirectory() as t:
            spec = os.path.join(ROOT, "examples", "forecast-mlops", "project.spec")
            r = fcc("build", spec, "-o", os.path.join(t, "a"), env={"SOURCE_DATE_EPOCH": "1700000000"})
            self.assertEqual(r.returncode, 0, r.stderr)
            with zipfile.ZipFile(os.path.join(t, "a", "seed-code.zip")) as z:
                self.assertEqual(z.infolist()[0].date_time, (2023, 11, 14, 22, 13, 20))


class Driver(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.src = os.path.join(self.tmp, "proj")
        shutil.copytree(os.path.join(ROOT, "examples", "forecast-mlops"), self.src, ignore=shutil.ignore_patterns("build"))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_default_output_next_to_spec(self):
        r = fcc("build", os.path.join(self.src, "project.spec"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.src, "build", "manifest.json")))

    def test_check_up_to_date_and_stale(self):
        self.assertEqual(fcc("build", cwd=self.src).returncode, 0)
        r = fcc("build", "--check", cwd=self.src)
        self.assertEqual((r.returncode, r.stdout), (0, "fcc: build is up to date\n"), r.stderr)
        with open(os.path.join(self.src, "build", "seed-code", "README.md"), "a") as f:
            f.write("edited\n")
        with open(os.path.join(self.src, "build", "stray.txt"), "w") as f:
            f.write("x")
        os.remove(os.path.join(self.src, "build", "manifest.json"))
        r = fcc("build", "--check", cwd=self.src)
        self.assertEqual(r.returncode, 1)
        self.assertIn("changed: seed-code/README.md\n", r.stderr)
        self.assertIn("missing: manifest.json\n", r.stderr)
        self.assertIn("extra: stray.txt\n", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_error_leaves_previous_build(self):
        self.assertEqual(fcc("build", cwd=self.src).returncode, 0)
        before = tree(os.path.join(self.src, "build"))
        spec = os.path.join(self.src, "project.spec")
        with open(spec) as f:
            text = f.read()
        with open(spec, "w") as f:
            f.write(text.replace("horizon: 24", "horizon: 0"))
        r = fcc("build", cwd=self.src)
        self.assertEqual(r.returncode, 1)
        self.assertIn("project.spec:", r.stderr)
        self.assertEqual(tree(os.path.join(self.src, "build")), before)
        self.assertEqual(sorted(os.listdir(self.src)), ["README.md", "build", "data", "project.spec"])

    def test_unwritable_destination_leaves_previous_build(self):
        if os.geteuid() == 0:
            # root ignores directory permissions: make the target a file instead
            target = os.path.join(self.tmp, "file")
            with open(target, "w") as f:
                f.write("keep")
            r = fcc("build", "-o", target, cwd=self.src)
            self.assertEqual(r.returncode, 1)
            self.assertIn("exists and is not a directory", r.stderr)
            with open(target) as f:
                self.assertEqual(f.read(), "keep")
            self.assertEqual([n for n in os.listdir(self.tmp) if "fcc-tmp" in n], [])

    def test_region_without_image(self):
        spec = os.path.join(self.src, "project.spec")
        with open(spec) as f:
            text = f.read()
        with open(spec, "w") as f:
            f.write(text.replace("  region: ${region}", "  region: mx-central-1"))
        r = fcc("build", cwd=self.src)
        self.assertEqual(r.returncode, 1)
        self.assertIn("project.spec:17:11: error: no SageMaker scikit-learn image is published in "
                      "mx-central-1; the pipeline cannot run there", r.stderr)
        self.assertTrue(r.stderr.endswith("fcc: 1 error, 1 warning\n"), r.stderr)

    def test_template_json(self):
        r = fcc("build", "--template-format", "json", cwd=self.src)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.src, "build", "template.json")))
        self.assertFalse(os.path.exists(os.path.join(self.src, "build", "template.yaml")))
        with open(os.path.join(self.src, "build", "template.json")) as f:
            json.load(f)

    def test_usage(self):
        self.assertEqual(fcc("build", "--template-format", "xml").returncode, 2)
        self.assertEqual(fcc("build", "a.spec", "b.spec").returncode, 2)
        r = fcc("build", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: fcc build", r.stdout)

    def test_missing_stdlib(self):
        r = fcc("build", cwd=self.src, env={"FCC_STDLIB": os.path.join(self.tmp, "nowhere")})
        self.assertEqual(r.returncode, 1)
        self.assertIn("nowhere/seed/README.md", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.src, "build")))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
