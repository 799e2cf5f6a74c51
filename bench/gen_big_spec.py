#!/usr/bin/env python3
"""gen_big_spec.py — write a ~1 MiB valid spec for bench/check.sh.

The spec is examples/forecast-mlops/project.spec with N extra SNS topics
(properties, tags, short-tag intrinsics) inserted into `template.resources`,
so the loader and checker see a realistic large document that still checks
clean. The example's data file is copied next to it, because `data[].file`
must exist relative to the spec. Deterministic: same N, same bytes.

    python3 bench/gen_big_spec.py [--topics N] [--out DIR]   # default 4000, bench/cache
Prints the spec's path.
"""
import argparse
import os
import shutil
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EXAMPLE_DIR = os.path.join(ROOT, "examples", "forecast-mlops")
DEFAULT_TOPICS = 4000
ANCHOR = "template:\n  resources:\n"


def topic(i):
    return (
        "    Topic{i:05d}:\n"
        "      Type: AWS::SNS::Topic\n"
        "      Properties:\n"
        "        TopicName: !Sub sagemaker-${{SageMakerProjectName}}-events-{i:05d}\n"
        "        DisplayName: Events {i}\n"
        "        Tags:\n"
        "          - {{Key: team, Value: ml-platform}}\n"
        "          - {{Key: shard, Value: \"{s}\"}}\n"
        "          - Key: project\n"
        "            Value: !Ref SageMakerProjectName\n"
    ).format(i=i, s=i % 16)


def render(n):
    with open(os.path.join(EXAMPLE_DIR, "project.spec"), encoding="utf-8") as f:
        text = f.read()
    at = text.index(ANCHOR) + len(ANCHOR)
    return text[:at] + "".join(topic(i) for i in range(n)) + text[at:]


def write(out_dir, n=DEFAULT_TOPICS):
    """Write OUT_DIR/big.spec and OUT_DIR/data/train.csv; return the spec's path."""
    os.makedirs(os.path.join(out_dir, "data"), exist_ok=True)
    shutil.copyfile(os.path.join(EXAMPLE_DIR, "data", "train.csv"),
                    os.path.join(out_dir, "data", "train.csv"))
    path = os.path.join(out_dir, "big.spec")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(render(n))
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--topics", type=int, default=DEFAULT_TOPICS)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "cache"))
    args = ap.parse_args()
    print(write(args.out, args.topics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
