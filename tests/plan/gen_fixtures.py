#!/usr/bin/env python3
"""gen_fixtures.py — (re)write the plan scenarios' inputs under tests/plan/fixtures/.

Each scenario directory holds state.json (an fcc-state/2 snapshot) and, when the
build differs from fixtures/build/, its own manifest.json. The expected outputs
(expected.json, expected.txt, expected.md) are written by the unit suite with
FCC_GOLDEN_UPDATE=1 (make golden-update) and reviewed with git diff.

Run it only to change a scenario; the files it writes are committed.
"""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "fixtures")
BUILD = os.path.join(FIX, "build")

manifest = json.load(open(os.path.join(BUILD, "manifest.json")))
pipeline = json.load(open(os.path.join(BUILD, manifest["pipeline"]["definition_path"])))
bucket = manifest["artifacts"]["bucket"]
cat = manifest["catalog"]
prod = cat["products"][0]

SAGEMAKER_TRUST = {
    "Effect": "Allow",
    "Principal": {"Service": ["cloudformation.amazonaws.com", "sagemaker.amazonaws.com"]},
    "Action": "sts:AssumeRole",
}
FCC_TRUST = {
    "Sid": "FccTrustedServices",
    "Effect": "Allow",
    "Principal": {"Service": "forecast.amazonaws.com"},
    "Action": "sts:AssumeRole",
}


def objects(present):
    out = []
    for o in manifest["artifacts"]["objects"] + manifest["data"]:
        if present:
            out.append({"bucket": bucket, "key": o["key"], "present": True,
                        "sha256": o["sha256"], "size": o["size"]})
        else:
            out.append({"bucket": bucket, "key": o["key"], "present": False})
    return out


def roles(patched):
    out = []
    for r in manifest["iam"]["roles"]:
        stmts = [SAGEMAKER_TRUST] + ([FCC_TRUST] if patched else [])
        policies = ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"]
        if patched:
            policies = policies + r["attach_policies"]
        out.append({"name": r["role"], "present": True, "attached_policies": policies,
                    "trust_policy": {"Version": "2012-10-17", "Statement": copy.deepcopy(stmts)}})
    return out


def in_place():
    return {
        "format": "fcc-state/2",
        "objects": objects(True),
        "roles": roles(True),
        "portfolio": {"name": cat["portfolio"]["name"], "count": 1, "id": "port-abcdefghijklm",
                      "owner": cat["portfolio"]["owner"],
                      "description": cat["portfolio"]["description"],
                      "tags": {"fcc:project": manifest["project"]["name"]}},
        "products": [{
            "name": prod["name"], "present": True, "id": "prod-abcdefghijklm",
            "owner": prod["owner"], "description": prod["description"],
            "tags": dict(prod["tags"]),
            "artifacts": [{"id": "pa-aaaaaaaaaaaaa", "name": prod["version"]["name"],
                           "description": "fcc:template-sha256=" + prod["version"]["template_sha256"],
                           "active": True, "guidance": "DEFAULT",
                           "created": "2024-05-01T10:00:00Z"}],
            "association": True,
            "constraints": [{"id": "cons-aaaaaaaaaaaaa", "type": "LAUNCH",
                             "parameters": {"LocalRoleName": cat["launch_role"]}}]}],
        "principals": [dict(p) for p in cat["principals"]],
        "shares": {"accounts": [], "nodes": []},
        "template_validation": {"template": prod["version"]["template_key"], "ok": True},
        "projects": [{"name": i["name"], "present": True, "status": "CreateCompleted",
                      "product_id": "prod-abcdefghijklm", "artifact_id": "pa-aaaaaaaaaaaaa",
                      "pipeline": pipeline} for i in manifest["instances"]],
    }


def empty():
    return {
        "format": "fcc-state/2",
        "objects": objects(False),
        "roles": roles(False),
        "portfolio": {"name": cat["portfolio"]["name"], "count": 0},
        "products": [{"name": prod["name"], "present": False}],
        "template_validation": {"template": prod["version"]["template_key"], "ok": True},
        "projects": [{"name": i["name"], "present": False} for i in manifest["instances"]],
    }


def write(name, state, man=None):
    d = os.path.join(FIX, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "state.json"), "w") as f:
        json.dump(state, f, indent=2, sort_keys=True)
        f.write("\n")
    if man is not None:
        with open(os.path.join(d, "manifest.json"), "w") as f:
            json.dump(man, f, indent=2, sort_keys=True)
            f.write("\n")


write("empty-account", empty())
write("in-place", in_place())

s = in_place()
s["roles"][0]["trust_policy"]["Statement"] = [SAGEMAKER_TRUST]
write("trust-removed", s)

# The seed code changed: a new zip, hence a new template (its Code.S3.Key)
# and a new product version; the running one is deprecated.
m = copy.deepcopy(manifest)
NEW_SEED = "5eed" * 16
NEW_TMPL = "7e3f" * 16
prefix = m["artifacts"]["prefix"]
for o in m["artifacts"]["objects"]:
    if o["kind"] == "seed-code":
        o["sha256"], o["key"], o["size"] = NEW_SEED, prefix + "/seedcode/" + NEW_SEED + ".zip", 22801
    else:
        o["sha256"], o["key"] = NEW_TMPL, prefix + "/templates/" + NEW_TMPL + ".yaml"
m["catalog"]["products"][0]["version"]["template_sha256"] = NEW_TMPL
m["catalog"]["products"][0]["version"]["template_key"] = prefix + "/templates/" + NEW_TMPL + ".yaml"
for f in m["files"]:
    if f["path"] == "seed-code.zip":
        f["sha256"], f["size"] = NEW_SEED, 22801
    if f["path"] == "template.yaml":
        f["sha256"] = NEW_TMPL
s = in_place()
# the state reader observes the keys the build wants: the new ones are absent
s["objects"] += [{"bucket": bucket, "key": o["key"], "present": False}
                 for o in m["artifacts"]["objects"]]
write("seed-changed", s, m)

s = in_place()
s["products"][0]["tags"]["team"] = "data-science"
write("tag-changed", s)

s = in_place()
s["principals"].append({"arn": "arn:aws:iam::111122223333:role/Admin", "type": "IAM"})
write("extra-principal", s)

# Organization and OU shares (the manifest shares with both).
ORG, OU1, OU2, OU_HAND = "o-a1b2c3d4e5", "ou-ab12-cdefgh34", "ou-ab12-ijklmn56", "ou-ab12-zzzzzz99"
m = copy.deepcopy(manifest)
m["catalog"]["shares"] = {"accounts": [], "organization": ORG, "organizational_units": [OU1, OU2]}
s = in_place()
s["org_access"] = "ENABLED"
write("org-shares-absent", s, m)
s = in_place()
s["org_access"] = "ENABLED"
s["shares"]["nodes"] = [{"type": "ORGANIZATIONAL_UNIT", "value": OU2},
                        {"type": "ORGANIZATION", "value": ORG},
                        {"type": "ORGANIZATIONAL_UNIT", "value": OU1}]
write("org-shares-in-place", s, m)
s["shares"]["nodes"].append({"type": "ORGANIZATIONAL_UNIT", "value": OU_HAND})
write("org-shares-extra", s, m)
s = in_place()
s["org_access"] = "DISABLED"
write("org-access-disabled", s, m)

# Another fcc project's patch record on the role holds the policy and the
# service this spec also wants: this project records them too (bookkeeping
# only, no access change), so destroying the other project keeps them.
s = in_place()
s["roles"][0]["patch_records"] = {"fcc:patch:other-project": "p0b6430f8 sbb090061"}
write("patch-shared", s)
