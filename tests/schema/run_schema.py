#!/usr/bin/env python3
"""run_schema.py — spec/fcc.schema.json against the example and against bad specs.

The schema is for editors, so it must accept every spec fcc accepts that an
editor would show (the example, the generated benchmark spec) and reject the
common mistakes. Specs are read with PyYAML through a loader that maps
CloudFormation's short tags to their long form (`!Sub x` → {"Fn::Sub": x},
`!GetAtt a.b` → {"Fn::GetAtt": ["a", "b"]}), rejects duplicate keys as fcc
does, and keeps YAML 1.1 timestamps as text, then validated with jsonschema's
Draft202012Validator. Prints "N passed, N failed"; exits non-zero on failure.
"""
import copy
import importlib.util
import json
import os
import sys
import tempfile
import unittest

import jsonschema
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMA_PATH = os.path.join(ROOT, "spec", "fcc.schema.json")
EXAMPLE = os.path.join(ROOT, "examples", "forecast-mlops", "project.spec")


def load_module(name, rel):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, rel))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class CfnLoader(yaml.SafeLoader):
    """SafeLoader + CloudFormation short tags + duplicate-key errors."""


# Timestamps stay strings: fcc reads every scalar as text and types it by field.
CfnLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rs if tag != "tag:yaml.org,2002:timestamp"]
    for ch, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

SHORT_TAGS = {
    "Ref": "Ref", "Condition": "Condition", "GetAtt": "Fn::GetAtt", "Sub": "Fn::Sub",
    "Join": "Fn::Join", "Select": "Fn::Select", "Split": "Fn::Split", "If": "Fn::If",
    "Equals": "Fn::Equals", "And": "Fn::And", "Or": "Fn::Or", "Not": "Fn::Not",
    "FindInMap": "Fn::FindInMap", "Base64": "Fn::Base64", "Cidr": "Fn::Cidr",
    "GetAZs": "Fn::GetAZs", "ImportValue": "Fn::ImportValue",
}


def make_constructor(long_name):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if long_name == "Fn::GetAtt":
                # CloudFormation splits "Resource.Attribute" at the first dot.
                res, _, attr = value.partition(".")
                value = [res, attr]
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {long_name: value}
    return construct


for short, long_name in SHORT_TAGS.items():
    CfnLoader.add_constructor("!" + short, make_constructor(long_name))


def construct_mapping_nodup(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, "duplicate key %r" % (key,), key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


CfnLoader.construct_mapping = construct_mapping_nodup


def load_spec(text):
    return yaml.load(text, Loader=CfnLoader)


def deep_merge(base, over):
    """fcc's overlay merge: maps merge key by key, lists and scalars replace."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = deep_merge(base[k], v) if k in base else v
        return out
    return copy.deepcopy(over)


with open(SCHEMA_PATH, encoding="utf-8") as f:
    SCHEMA = json.load(f)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def errors(doc):
    return list(VALIDATOR.iter_errors(doc))


def example():
    with open(EXAMPLE, encoding="utf-8") as f:
        return load_spec(f.read())


def mutate(fn):
    doc = example()
    fn(doc)
    return doc


class SchemaItself(unittest.TestCase):
    def test_schema_is_valid_draft_2020_12(self):
        self.assertEqual(SCHEMA["$schema"], "https://json-schema.org/draft/2020-12/schema")
        jsonschema.Draft202012Validator.check_schema(SCHEMA)

    def test_schema_matches_generator(self):
        gen = load_module("gen_schema", "tools/gen_schema.py")
        with open(SCHEMA_PATH, encoding="utf-8") as f:
            self.assertEqual(f.read(), gen.render(),
                             "spec/fcc.schema.json is stale: run tools/gen_schema.py")


class Loader(unittest.TestCase):
    def test_short_tags_become_long_form(self):
        doc = load_spec("a: !Sub x-${Y}\nb: !GetAtt Topic.TopicArn\nc: !Ref T\n"
                        "d: !Join [',', [!Ref A, b]]\n")
        self.assertEqual(doc["a"], {"Fn::Sub": "x-${Y}"})
        self.assertEqual(doc["b"], {"Fn::GetAtt": ["Topic", "TopicArn"]})
        self.assertEqual(doc["c"], {"Ref": "T"})
        self.assertEqual(doc["d"], {"Fn::Join": [",", [{"Ref": "A"}, "b"]]})

    def test_duplicate_key_is_an_error(self):
        with self.assertRaises(yaml.constructor.ConstructorError):
            load_spec("a: 1\na: 2\n")


class Accepts(unittest.TestCase):
    def test_example_validates(self):
        doc = example()
        self.assertEqual(errors(doc), [])
        # The tags really were converted, so the intrinsic schema was exercised.
        topic = doc["template"]["resources"]["PipelineNotifications"]
        self.assertIn("Fn::Sub", topic["Properties"]["TopicName"])

    def test_example_data_file_exists(self):
        doc = example()
        for d in doc["data"]:
            self.assertTrue(os.path.isfile(os.path.join(os.path.dirname(EXAMPLE), d["file"])))

    def test_minimal_spec_from_the_reference_validates(self):
        # The minimal spec printed in spec/README.md, taken from between its markers.
        with open(os.path.join(ROOT, "spec", "README.md"), encoding="utf-8") as f:
            text = f.read()
        start = text.index("<!-- minimal-spec -->")
        block = text[start:].split("```yaml\n", 1)[1].split("```", 1)[0]
        doc = load_spec(block)
        self.assertEqual(errors(doc), [])
        self.assertEqual(doc["fcc"], 1)

    def test_reference_examples_validate(self):
        # Every YAML example in spec/README.md, deep-merged over the example spec
        # the way an environment overlay is, must still validate.
        with open(os.path.join(ROOT, "spec", "README.md"), encoding="utf-8") as f:
            blocks = [b.split("```", 1)[0] for b in f.read().split("```yaml\n")[1:]]
        checked = 0
        for block in blocks:
            frag = load_spec(block)
            if not isinstance(frag, dict) or "jobs" in frag:
                continue  # the editor modeline and the GitHub workflow
            base = example()
            if "products" in (frag.get("catalog") or {}):
                del base["catalog"]["product"]  # the example's form, switched as its author would
            doc = deep_merge(base, frag)
            self.assertEqual([e.message for e in errors(doc)], [], block)
            checked += 1
        self.assertGreaterEqual(checked, 12)

    def test_interpolated_bucket_is_checked_loosely(self):
        doc = mutate(lambda d: d["artifacts"].update(bucket="${var.bucket}"))
        self.assertEqual(errors(doc), [])

    def test_partial_overlay_validates(self):
        doc = mutate(lambda d: d["environments"].update(
            staging={"pipeline": {"evaluation": {"max_score": 0.2}},
                     "template": {"resources": {"PipelineNotifications": {
                         "Properties": {"DisplayName": "staging"}}}}}))
        self.assertEqual(errors(doc), [])

    def test_generated_benchmark_spec_validates(self):
        gen = load_module("gen_big_spec", "bench/gen_big_spec.py")
        with tempfile.TemporaryDirectory() as tmp:
            path = gen.write(tmp, gen.DEFAULT_TOPICS)
            size = os.path.getsize(path)
            with open(path, encoding="utf-8") as f:
                doc = load_spec(f.read())
            self.assertTrue(os.path.isfile(os.path.join(tmp, "data", "train.csv")))
        self.assertGreater(size, 900 * 1024)
        self.assertLess(size, 4 * 1024 * 1024)  # fcc's input limit
        self.assertEqual(len(doc["template"]["resources"]), gen.DEFAULT_TOPICS + 1)
        self.assertEqual(errors(doc), [])


class SchemaCase(unittest.TestCase):
    def assertRejected(self, doc, path_part):
        errs = errors(doc)
        self.assertTrue(errs, "expected the schema to reject the document")
        where = [list(e.absolute_path) for e in errs] + \
                [list(c.absolute_path) for e in errs for c in (e.context or [])]
        self.assertTrue(any(path_part == p[:len(path_part)] for p in where),
                        "no error at %r: %r" % (path_part, where))


def two_products(d):
    """The example with catalog.products instead of catalog.product."""
    one = d["catalog"].pop("product")
    d["catalog"]["products"] = [one, dict(one, name="forecast-mlops-batch")]
    d["instances"][0]["product"] = "forecast-mlops-batch"


class Products(SchemaCase):
    def test_products_form_validates(self):
        self.assertEqual(errors(mutate(two_products)), [])

    def test_products_in_good_spec_validates(self):
        with open(os.path.join(ROOT, "tests", "specs", "good", "products.spec"), encoding="utf-8") as f:
            self.assertEqual(errors(load_spec(f.read())), [])

    def test_both_or_neither_rejected(self):
        def both(d):
            d["catalog"]["products"] = [d["catalog"]["product"]]
        errs = errors(mutate(both))
        self.assertEqual([(list(e.absolute_path), e.validator) for e in errs], [(["catalog"], "oneOf")])
        errs = errors(mutate(lambda d: d["catalog"].pop("product")))
        self.assertEqual([(list(e.absolute_path), e.validator) for e in errs], [(["catalog"], "oneOf")])

    def test_list_bounds(self):
        def empty(d):
            d["catalog"]["products"] = []
            d["catalog"].pop("product")
        self.assertRejected(mutate(empty), ["catalog", "products"])

        def too_many(d):
            one = d["catalog"].pop("product")
            d["catalog"]["products"] = [dict(one, name="p%03d" % i) for i in range(101)]
        self.assertRejected(mutate(too_many), ["catalog", "products"])

        def hundred(d):
            one = d["catalog"].pop("product")
            d["catalog"]["products"] = [dict(one, name="p%03d" % i) for i in range(100)]
            d["instances"][0]["product"] = "p042"
        self.assertEqual(errors(mutate(hundred)), [])

    def test_product_items_are_complete(self):
        def no_version(d):
            two_products(d)
            del d["catalog"]["products"][1]["version"]
        self.assertRejected(mutate(no_version), ["catalog", "products", 1])
        self.assertRejected(mutate(lambda d: d["instances"][0].update(product=3)),
                            ["instances", 0, "product"])

    def test_overlay_may_replace_products(self):
        # an overlay's catalog need not name either form (it merges), and its
        # products list is complete (lists replace)
        def overlay(d):
            two_products(d)
            d["environments"]["prod"]["catalog"] = {
                "products": [{"name": "forecast-mlops-template", "owner": "x", "version": "2"}]}
        self.assertEqual(errors(mutate(overlay)), [])

        def partial_item(d):
            overlay(d)
            del d["environments"]["prod"]["catalog"]["products"][0]["owner"]
        self.assertRejected(mutate(partial_item), ["environments", "prod", "catalog", "products", 0])


class Rejects(SchemaCase):
    def test_unknown_top_level_key(self):
        doc = mutate(lambda d: d.update(pipelines=d["pipeline"]))
        errs = errors(doc)
        self.assertEqual(len(errs), 1)
        self.assertEqual(errs[0].validator, "additionalProperties")
        self.assertIn("pipelines", errs[0].message)

    def test_missing_required_section(self):
        doc = mutate(lambda d: d.pop("catalog"))
        errs = errors(doc)
        self.assertEqual([e.validator for e in errs], ["required"])
        self.assertIn("catalog", errs[0].message)

    def test_wrong_type(self):
        doc = mutate(lambda d: d["pipeline"].update(horizon="24"))
        self.assertRejected(doc, ["pipeline", "horizon"])
        doc = mutate(lambda d: d["catalog"].update(studio_visibility="yes please"))
        self.assertRejected(doc, ["catalog", "studio_visibility"])
        doc = mutate(lambda d: d["catalog"]["product"].update(version=1.0))
        self.assertRejected(doc, ["catalog", "product", "version"])

    def test_version_must_be_1(self):
        self.assertRejected(mutate(lambda d: d.update(fcc=2)), ["fcc"])

    def test_s3_url_is_not_a_bucket(self):
        doc = mutate(lambda d: d["artifacts"].update(bucket="s3://my-data"))
        self.assertRejected(doc, ["artifacts", "bucket"])
        for bad in ["ab", "My-Bucket", "a..b", "192.168.1.1", "xn--abc", "data-s3alias",
                    "data--ol-s3", "-data", "data-"]:
            doc = mutate(lambda d: d["artifacts"].update(bucket=bad))
            self.assertTrue(errors(doc), bad)

    def test_project_name_rules(self):
        for bad in ["a" * 33, "1forecast", "forecast-", "fore_cast"]:
            doc = mutate(lambda d: d["project"].update(name=bad))
            self.assertRejected(doc, ["project", "name"])
        doc = mutate(lambda d: d["project"].update(name="a" + "--b" * 10))
        self.assertEqual(errors(doc), [])

    def test_unknown_enum_values(self):
        self.assertRejected(mutate(lambda d: d["pipeline"].update(algorithm="XGBoost")),
                            ["pipeline", "algorithm"])
        self.assertRejected(mutate(lambda d: d["pipeline"].update(frequency="2H")),
                            ["pipeline", "frequency"])
        self.assertRejected(mutate(lambda d: d["project"].update(region="us-east-9")),
                            ["project", "region"])

    def test_numeric_ranges(self):
        self.assertRejected(mutate(lambda d: d["pipeline"].update(horizon=501)),
                            ["pipeline", "horizon"])
        self.assertRejected(mutate(lambda d: d["pipeline"].update(backtest_windows=0)),
                            ["pipeline", "backtest_windows"])
        self.assertRejected(mutate(lambda d: d["pipeline"]["evaluation"].update(max_score=0)),
                            ["pipeline", "evaluation", "max_score"])

    def test_unknown_nested_key(self):
        self.assertRejected(mutate(lambda d: d["pipeline"]["evaluation"].update(metrc="WAPE")),
                            ["pipeline", "evaluation"])

    def test_reserved_tag_keys(self):
        for key in ["aws:cost", "AWS:cost", "fcc:project"]:
            doc = mutate(lambda d: d["project"]["tags"].update({key: "x"}))
            self.assertRejected(doc, ["project", "tags"])

    def test_forecast_schema_requirements(self):
        def drop_target_value(d):
            d["pipeline"]["schema"]["target"] = [
                a for a in d["pipeline"]["schema"]["target"] if a["name"] != "target_value"]
        self.assertRejected(mutate(drop_target_value), ["pipeline", "schema", "target"])
        self.assertRejected(mutate(lambda d: d["pipeline"]["schema"].update(metadata=[
            {"name": "item_id", "type": "string"},
            {"name": "timestamp", "type": "timestamp"}])), ["pipeline", "schema", "metadata"])

    def test_role_needs_something_to_add(self):
        self.assertRejected(mutate(lambda d: d["roles"].append({"name": "SomeRole"})),
                            ["roles", 2])

    def test_template_resource_rules(self):
        self.assertRejected(mutate(lambda d: d["template"]["resources"].update(
            Topic2={"Properties": {}})), ["template", "resources", "Topic2"])
        self.assertRejected(mutate(lambda d: d["template"]["resources"].update(
            Topic2={"Type": "SNS Topic"})), ["template", "resources", "Topic2", "Type"])
        self.assertRejected(mutate(lambda d: d["template"]["resources"].update(
            {"Bad-Id": {"Type": "AWS::SNS::Topic"}})), ["template", "resources"])

    def test_overlay_cannot_set_fcc_or_environments(self):
        self.assertRejected(mutate(lambda d: d["environments"].update(x={"fcc": 1})),
                            ["environments", "x"])
        self.assertRejected(mutate(lambda d: d["environments"].update(Prod={})),
                            ["environments"])

    def test_overlay_list_items_stay_complete(self):
        # Lists replace, so an instance in an overlay needs its name.
        self.assertRejected(mutate(lambda d: d["environments"]["prod"].update(
            instances=[{"description": "no name"}])), ["environments", "prod", "instances", 0])


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    return 0 if failed == 0 and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
