#!/bin/sh
# plan_awscli.sh BUILD_DIR ENDPOINT — the AWS CLI calls a user needs to check by hand the
# state `fcc plan BUILD_DIR` reads, one `aws` process per call, in the order their answers
# are needed (ids from one call feed the next). bench/plan.sh times it against fcc plan.
# The same reads fcc makes on a no-op plan: HeadObject per object, GetRole and
# ListAttachedRolePolicies per role, the portfolio by name (+ its tags, principals, shares,
# products: which are in it), each product by name (+ tags, versions), its launch
# constraint (+ its parameters), each project and its pipeline. Reads only.
set -eu
B=$1
EP=$2
A="aws --endpoint-url $EP --region us-east-1 --output text"
M=$B/manifest.json
j() { python3 -c "import json,sys; m=json.load(open('$M')); print($1)"; }
BUCKET=$(j 'm["artifacts"]["bucket"]')
for k in $(j '" ".join([o["key"] for o in m["artifacts"]["objects"]] + [o["key"] for o in m["data"]])'); do
	$A s3api head-object --bucket "$BUCKET" --key "$k" --query 'Metadata."fcc-sha256"' >/dev/null
done
for r in $(j '" ".join(r["role"] for r in m["iam"]["roles"])'); do
	$A iam get-role --role-name "$r" --query Role.AssumeRolePolicyDocument >/dev/null
	$A iam list-attached-role-policies --role-name "$r" >/dev/null
done
PNAME=$(j 'm["catalog"]["portfolio"]["name"]')
PID=$($A servicecatalog list-portfolios --query "PortfolioDetails[?DisplayName=='$PNAME'].Id | [0]")
$A servicecatalog describe-portfolio --id "$PID" >/dev/null
$A servicecatalog list-principals-for-portfolio --portfolio-id "$PID" >/dev/null
$A servicecatalog list-portfolio-access --portfolio-id "$PID" >/dev/null
# the portfolio's products: which are in it, and any the spec no longer lists
$A servicecatalog search-products-as-admin --portfolio-id "$PID" >/dev/null
# each product: by name (with its tags), its versions and its launch constraint (which
# proves the association, as in fcc plan)
j '"\n".join(p["name"] for p in m["catalog"]["products"])' | while IFS= read -r PROD; do
	PRID=$($A servicecatalog describe-product-as-admin --name "$PROD" \
		--query ProductViewDetail.ProductViewSummary.ProductId)
	$A servicecatalog list-provisioning-artifacts --product-id "$PRID" >/dev/null
	CID=$($A servicecatalog list-constraints-for-portfolio --portfolio-id "$PID" --product-id "$PRID" \
		--query "ConstraintDetails[?Type=='LAUNCH'].ConstraintId | [0]")
	$A servicecatalog describe-constraint --id "$CID" >/dev/null
done
for p in $(j '" ".join(i["name"] for i in m["instances"])'); do
	$A sagemaker describe-project --project-name "$p" >/dev/null
	$A sagemaker describe-pipeline --pipeline-name "sagemaker-$p" >/dev/null
done
