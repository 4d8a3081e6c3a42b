#!/usr/bin/env bash
# Builds every fuzz target in fuzz/fuzz_targets/ and runs each for SECONDS_PER_TARGET seconds
# (default 60), starting from its committed seeds (fuzz/seeds/TARGET) plus whatever earlier runs
# left in fuzz/corpus/TARGET. Prints, per target, the inputs tried and the crashes found, then a
# last line exactly `N passed, M failed` (targets without / with a crash); exits 1 on a crash.
#
#   bash fuzz/run.sh [SECONDS_PER_TARGET]
#
# Installs cargo-fuzz (pinned) when missing. Works on the stable toolchain: cargo-fuzz passes
# nightly-only flags (-Z sanitizer options, -Cpasses=sancov-module), which RUSTC_BOOTSTRAP=1
# lets a stable rustc accept. A crash leaves its input in fuzz/artifacts/TARGET/; reproduce it
# with `RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none --codegen-units 16 TARGET FILE`.
# FUZZ_TARGET_DIR moves the build directory (default fuzz/target).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-60}"
CARGO_FUZZ_VERSION="0.13.2"
# The gateway forbids unsafe code, so AddressSanitizer would mostly watch dependencies that are
# fuzzed upstream already; without it the build is about twice as fast and every input runs
# faster. FUZZ_SANITIZER=address for a deeper run.
SANITIZER="${FUZZ_SANITIZER:-none}"
BUILD_FLAGS=(--sanitizer "$SANITIZER" --codegen-units 16 --target-dir "${FUZZ_TARGET_DIR:-fuzz/target}")
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION\$"; then
    echo "installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --quiet
fi

started=$SECONDS
cargo fuzz build "${BUILD_FLAGS[@]}"
echo "fuzz targets built in $((SECONDS - started)) s"

# Per-target libFuzzer options: inputs long enough to cross each parser's own size limits
# (8 KiB tokens, 10 000-character texts).
max_len() {
    case "$1" in
        jwt) echo 9000 ;;
        new_ticket | reply_body | upstream_answer) echo 12288 ;;
        *) echo 4096 ;;
    esac
}

mkdir -p fuzz/logs
passed=0
failed=0
for target in $(cargo fuzz list); do
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    marker=$(mktemp)
    log="fuzz/logs/$target.log"
    rc=0
    target_started=$SECONDS
    cargo fuzz run "${BUILD_FLAGS[@]}" "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -max_len="$(max_len "$target")" \
        -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || rc=$?
    elapsed=$((SECONDS - target_started))
    new_artifacts=$(find "fuzz/artifacts/$target" -type f -newer "$marker")
    crashes=$(printf '%s' "$new_artifacts" | grep -c . || true)
    rm -f "$marker"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    echo "$target: ${elapsed} s, ${execs:-?} inputs tried, $crashes crashes"
    if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        failed=$((failed + 1))
        echo "---- $target failed (exit $rc); end of $log:"
        tail -n 40 "$log"
        echo "crash inputs:"
        echo "$new_artifacts"
    else
        passed=$((passed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
