#!/usr/bin/env bash
# Every benchmark of the gateway, each against the reference it measures in the same run
# (docs/benchmarks.md lists them), in one go: builds release once, runs them one after the other
# (never side by side: they share the two cores), prints each one's table, and with `--write`
# puts the whole report into docs/benchmarks.md between its "benches/run.sh" markers, with the
# machine, the date and the commands.
#
#   bash benches/run.sh                 # all, default lengths (about 12 minutes on 2 cores)
#   bash benches/run.sh --write         # the same, then docs/benchmarks.md updated
#   QUICK=1 bash benches/run.sh         # shorter runs (a smoke run; noisier numbers)
#   ONLY="http_catalog memory_startup" bash benches/run.sh
#
# Read it on a quiet machine: `uptime` is printed before and after, and a busy machine moves
# every absolute figure (the ratios less so). A benchmark that fails stops the run (non-zero
# exit) rather than leaving a hole in the report.
set -euo pipefail
cd "$(dirname "$0")/.."

WRITE=false
for arg in "$@"; do
    case $arg in
    --write) WRITE=true ;;
    *)
        echo "usage: bash benches/run.sh [--write]" >&2
        exit 2
        ;;
    esac
done

# name | command | what it compares (the command's own environment sets the lengths)
if [[ -n ${QUICK:-} ]]; then
    HTTP=(ROUNDS=1 DURATION=3s)
    CRITERION=(--warm-up-time 1 --measurement-time 2)
    STARTS=2
else
    HTTP=()
    CRITERION=()
    STARTS=5
fi
BENCHES=(
    "http_catalog|env ${HTTP[*]} bash benches/http_catalog.sh|cached GET /products vs nginx and a bare actix-web handler"
    "http_proxied|env ${HTTP[*]} bash benches/http_proxied.sh|uncached proxied GET /tickets vs the same signed call straight to the sandbox, and through a bare proxy (the floor)"
    "http_rate_limit|env ${HTTP[*]} bash benches/http_rate_limit.sh|rate check in memory and in Redis vs the limit off"
    "http_ticket_writes|env ${HTTP[*]} bash benches/http_ticket_writes.sh|keyed creates in memory and in Redis vs an unkeyed create"
    "memory_startup|env STARTS=$STARTS bash benches/memory_startup.sh|start-up and RSS vs issue 12's targets"
    "auth_verify|cargo bench --locked --bench auth_verify -- ${CRITERION[*]}|a repeated token vs its first use"
    "catalog_hit|cargo bench --locked --bench catalog_hit -- ${CRITERION[*]}|a catalog hit vs serializing and hashing per request"
    "state_rate_check|cargo bench --locked --bench state_rate_check -- ${CRITERION[*]}|one rate check in Redis vs in memory"
    "sandbox|cargo bench --locked --bench sandbox -- ${CRITERION[*]}|the sandbox's actions vs a bare actix-web handler"
)

report=$(mktemp)
trap 'rm -f "$report"' EXIT
started=$(date -u +%s)
{
    echo "Run by \`bash benches/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) cores"
    echo "($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM,"
    echo "$(uname -sr), $(rustc --version | cut -d' ' -f1-2), commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with local changes)')."
    echo "Load before: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
} >"$report"

echo "building release once" >&2
cargo build --release --locked --quiet --bin workorder-gateway --example bare_actix \
    --example proxied_overhead --example bare_proxy

for entry in "${BENCHES[@]}"; do
    IFS='|' read -r name command what <<<"$entry"
    if [[ -n ${ONLY:-} && " $ONLY " != *" $name "* ]]; then
        continue
    fi
    echo "== $name: $what" >&2
    echo "   $command" >&2
    output=$(mktemp)
    bench_started=$(date -u +%s)
    # Progress goes to stderr as it happens; the table (stdout) is kept for the report.
    if ! bash -c "$command" >"$output"; then
        echo "benchmark $name failed" >&2
        rm -f "$output"
        exit 1
    fi
    cat "$output"
    {
        echo "#### $name: $what"
        echo
        echo "\`$command\` ($(($(date -u +%s) - bench_started)) s)"
        echo
        echo '```'
        # criterion's estimates (not its comparison with whatever run this machine saved last,
        # which is no reference); the scripts' tables as they are.
        grep -v '^\s*$' "$output" |
            grep -v '^Benchmarking\|^Gnuplot\|^Found [0-9]* outliers\|^  [0-9]* (.*) \(high\|low\) \(mild\|severe\)' |
            grep -v 'change:\|Performance has\|No change in performance\|Change within noise' || true
        echo '```'
        echo
    } >>"$report"
    rm -f "$output"
done
echo "Load after: $(cut -d' ' -f1-3 /proc/loadavg); $(($(date -u +%s) - started)) s in all." >>"$report"

if $WRITE; then
    doc=docs/benchmarks.md
    begin='<!-- benches/run.sh: begin -->'
    end='<!-- benches/run.sh: end -->'
    if ! grep -qF "$begin" "$doc"; then
        printf '\n## Latest full run\n\n%s\n%s\n' "$begin" "$end" >>"$doc"
    fi
    python3 - "$doc" "$report" "$begin" "$end" <<'PY'
import sys
doc, report, begin, end = sys.argv[1:]
text = open(doc, encoding="utf-8").read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
body = open(report, encoding="utf-8").read()
open(doc, "w", encoding="utf-8").write(f"{head}{begin}\n{body}{end}{tail}")
PY
    echo "written into $doc" >&2
fi
