#!/bin/sh
# plan_awscli.sh BUILD_DIR ENDPOINT — the AWS CLI calls a user needs to check by hand the
# state `fcc plan BUILD_DIR` reads, one `aws` process per call, in the order their answers
# are needed (ids from one call feed the next). bench/plan.sh times it against fcc plan.
# The same reads fcc makes on a no-op plan: HeadObject per object, GetRole and
# ListAttachedRolePolicies per role, the portfolio by name (+ its tags, principals, shares),
# the product by name (+ tags, versions), the association, the launch constraint (+ its
# parameters), each project and its pipeline. Reads only.
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
# fcc-manifest/2: the portfolio's products, each read as fcc's plan reads it
for PROD in $(j '" ".join(p["name"] for p in m["catalog"]["products"])'); do
	PRID=$($A servicecatalog search-products-as-admin --filters "FullTextSearch=$PROD" \
		--query "ProductViewDetails[?ProductViewSummary.Name=='$PROD'].ProductViewSummary.ProductId | [0]")
	$A servicecatalog describe-product-as-admin --id "$PRID" >/dev/null
	$A servicecatalog list-provisioning-artifacts --product-id "$PRID" >/dev/null
	$A servicecatalog search-products-as-admin --portfolio-id "$PID" --filters "FullTextSearch=$PROD" >/dev/null
	CID=$($A servicecatalog list-constraints-for-portfolio --portfolio-id "$PID" --product-id "$PRID" \
		--query "ConstraintDetails[?Type=='LAUNCH'].ConstraintId | [0]")
	$A servicecatalog describe-constraint --id "$CID" >/dev/null
done
for p in $(j '" ".join(i["name"] for i in m["instances"])'); do
	$A sagemaker describe-project --project-name "$p" >/dev/null
	$A sagemaker describe-pipeline --pipeline-name "sagemaker-$p" >/dev/null
done
