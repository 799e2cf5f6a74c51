#!/usr/bin/env python3
"""gen_build_spec.py — write the large spec for bench/build.sh.

The spec is examples/forecast-mlops/project.spec with N extra resources in
`template.resources`, alternating SQS queues and SNS topics (N/2 pairs, N
must be even): each queue has a name built with !Sub from SageMakerProjectName,
retention, visibility timeout and three tags (one a !Ref); each topic has a
!Sub name, a display name, the same tags, and an inline subscription to its
queue through !GetAtt Q<i>.Arn, so `fcc build` resolves a reference per pair
and checks every name against its service's limit (SQS 80, SNS 256 — the
names stay short so the longest SageMakerProjectName fits). bench/cdk/app.js
makes the same resources with the same logical ids (FCC_BENCH_EXTRA=N).

N defaults to 494, not 1000: CloudFormation takes at most 500 resources per
template, the example already has 6, and both `fcc build` ("the template has
1006 resources, over CloudFormation's limit of 500") and `cdk synth` (Stack
maxResources, 500 by default) refuse more. --resources 1000 still writes the
spec, e.g. to see that refusal.

The example's data file is copied next to the spec, since `data[].file` is
relative to it. Deterministic: same N, same bytes.

    python3 bench/gen_build_spec.py [--resources N] [--out DIR]   # default 494, bench/cache
Prints the spec's path (DIR/build-N.spec).
"""
import argparse
import os
import shutil
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EXAMPLE_DIR = os.path.join(ROOT, "examples", "forecast-mlops")
DEFAULT_RESOURCES = 494  # 6 in the example + 494 = CloudFormation's 500
ANCHOR = "template:\n  resources:\n"


def pair(i):
    """Queue Q<i> and topic T<i>, subscribed to it; i is zero-padded to 4."""
    return (
        "    Q{i:04d}:\n"
        "      Type: AWS::SQS::Queue\n"
        "      Properties:\n"
        "        QueueName: !Sub sagemaker-${{SageMakerProjectName}}-q{i:04d}\n"
        "        MessageRetentionPeriod: 345600\n"
        "        VisibilityTimeout: {vt}\n"
        "        Tags:\n"
        "          - {{Key: team, Value: ml-platform}}\n"
        "          - {{Key: shard, Value: \"{s}\"}}\n"
        "          - Key: project\n"
        "            Value: !Ref SageMakerProjectName\n"
        "    T{i:04d}:\n"
        "      Type: AWS::SNS::Topic\n"
        "      Properties:\n"
        "        TopicName: !Sub sagemaker-${{SageMakerProjectName}}-t{i:04d}\n"
        "        DisplayName: Events {i}\n"
        "        Subscription:\n"
        "          - Protocol: sqs\n"
        "            Endpoint: !GetAtt Q{i:04d}.Arn\n"
        "        Tags:\n"
        "          - {{Key: team, Value: ml-platform}}\n"
        "          - {{Key: shard, Value: \"{s}\"}}\n"
        "          - Key: project\n"
        "            Value: !Ref SageMakerProjectName\n"
    ).format(i=i, s=i % 16, vt=30 + i % 8 * 15)


def render(n):
    if n < 0 or n % 2:
        raise ValueError("the resource count must be even and not negative, not %d" % n)
    with open(os.path.join(EXAMPLE_DIR, "project.spec"), encoding="utf-8") as f:
        text = f.read()
    at = text.index(ANCHOR) + len(ANCHOR)
    return text[:at] + "".join(pair(i) for i in range(n // 2)) + text[at:]


def write(out_dir, n=DEFAULT_RESOURCES):
    """Write OUT_DIR/build-N.spec and OUT_DIR/data/train.csv; return the spec's path."""
    os.makedirs(os.path.join(out_dir, "data"), exist_ok=True)
    shutil.copyfile(os.path.join(EXAMPLE_DIR, "data", "train.csv"),
                    os.path.join(out_dir, "data", "train.csv"))
    path = os.path.join(out_dir, "build-%d.spec" % n)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(render(n))
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=DEFAULT_RESOURCES)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "cache"))
    args = ap.parse_args()
    try:
        print(write(args.out, args.resources))
    except ValueError as e:
        print("gen_build_spec: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
