#!/usr/bin/env bash
# How long `cargo test` takes a developer: from clean, and after a one-line change (build + run,
# then the rebuild alone), for each git revision given, measured one after the other in fresh
# clones so that the revisions are compared on the same machine in the same state.
#
#   bash benches/cargo_test_times.sh 03e1987 HEAD
#
# Needs redis-server and chromium (the tests are run as CI runs them). The machine should be
# otherwise idle: the numbers are wall time.
set -euo pipefail
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export WOG_TEST_REQUIRE_REDIS=1 WOG_TEST_REQUIRE_CHROMIUM=1

seconds() { local s=$SECONDS; "$@" >/dev/null 2>&1; echo $((SECONDS - s)); }

printf '%-12s %10s %22s %22s\n' revision clean "one-line change" "rebuild alone"
for rev in "$@"; do
    dir="$work/$rev"
    git clone -q "$repo" "$dir"
    git -C "$dir" checkout -q "$rev"
    cd "$dir"
    clean=$(seconds cargo test --locked -q)
    echo "// one-line change" >> src/routes/language.rs
    changed=$(seconds cargo test --locked -q)
    echo "// another line" >> src/routes/language.rs
    rebuild=$(seconds cargo test --locked -q --no-run)
    printf '%-12s %9ss %21ss %21ss\n' "$rev" "$clean" "$changed" "$rebuild"
    cd "$repo"
    rm -rf "$dir"
done
