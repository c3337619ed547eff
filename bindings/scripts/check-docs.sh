#!/usr/bin/env bash
# Fails when the doc comments of the generated Kotlin or Swift still speak Rust.
#
#   bindings/scripts/check-docs.sh [DIR]    (DIR defaults to target/bindings)
#
# The generated KDoc and Swift doc comments are core's and the bindings' Rust doc comments on
# exported items, so they must read right in Kotlin and Swift too: plain backticked names, never
# rustdoc links (`[` followed by a backtick), Rust paths (`::`), `None`, `Option<`, `Vec<` or
# `Result<`. Only doc-comment lines are read (`/**`, ` * `, `///`), not UniFFI's own `//` notes
# or code. Lists every offending line as file:line: text and exits 1; generate.sh runs it, so
# both bindings suites (and scripts/test.sh) fail on such a comment.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir="${1:-target/bindings}"
[[ -d "$dir" ]] || { echo "check-docs: $dir does not exist (run generate.sh)" >&2; exit 2; }

offending=$(grep -rnE --include='*.kt' --include='*.swift' '^[[:space:]]*(/\*\*|\*([^/]|$)|///)' "$dir" \
    | grep -E '\[`|::|\bNone\b|Option<|Vec<|Result<' || true)
if [[ -n "$offending" ]]; then
    echo "doc comments in the generated bindings that speak Rust (write them for Kotlin and Swift" >&2
    echo "in the Rust doc comment of the exported item: plain \`Name\`, \"absent\" for None):" >&2
    echo "$offending" >&2
    exit 1
fi
echo "doc comments of the generated Kotlin and Swift: no Rust links, paths or types"
