"""products_spec.py — the example spec with `catalog.products` instead of
`catalog.product`: N products in one portfolio, all made from the build's one
template. Used by run_apply_products.py and by bench/plan.sh and
bench/apply_bench.py (the 50- and 20-product cases).

    python3 tests/apply/products_spec.py N < project.spec > products.spec
"""
import sys

SINGLE = """  product:
    name: forecast-mlops-template
    owner: ML Platform Team
    description: Model building and training with Amazon Forecast
    version: "1.0"
"""


def name(i):
    """The i-th product's name (0-based): the example's name first."""
    return "forecast-mlops-template" if i == 0 else "forecast-mlops-template-%02d" % (i + 1)


def products_spec(text, n, instance_product=0):
    """`text` (the example spec) with n products; the instance forecast-dev is
    made from product number `instance_product` (0-based)."""
    if SINGLE not in text:
        raise ValueError("not the example's catalog.product")
    items = []
    for i in range(n):
        items.append("    - name: %s\n"
                     "      owner: ML Platform Team\n"
                     "      description: Forecast template %d of %d\n"
                     "      version: \"1.0\"\n" % (name(i), i + 1, n))
    text = text.replace(SINGLE, "  products:\n" + "".join(items), 1)
    inst = "  - name: forecast-dev\n"
    if inst not in text:
        raise ValueError("not the example's instances")
    return text.replace(inst, inst + "    product: %s\n" % name(instance_product), 1)


if __name__ == "__main__":
    sys.stdout.write(products_spec(sys.stdin.read(), int(sys.argv[1])))
