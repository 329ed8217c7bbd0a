#!/usr/bin/env bash
# Regenerate tests/fixtures/plans/terraform_data.plan.json with a real Terraform: apply the fixture
# configuration at stage 1, plan stage 2, export the plan as JSON (`terraform show -json`).
# Uses only built-in resources (terraform_data), so no provider is downloaded.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
source_dir="$repo/tests/fixtures/plans/terraform_data"
output="$repo/tests/fixtures/plans/terraform_data.plan.json"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp -R "$source_dir/." "$work/"
export TF_IN_AUTOMATION=1
terraform -chdir="$work" init -input=false -no-color >/dev/null
terraform -chdir="$work" apply -input=false -no-color -auto-approve -var stage=1 >/dev/null
terraform -chdir="$work" plan -input=false -no-color -var stage=2 -out=plan.out >/dev/null
terraform -chdir="$work" show -json plan.out | python3 -m json.tool --sort-keys > "$output"
echo "wrote $output ($(terraform version | head -n 1))"
