# Sourced by the scripts that drive a real gateway from Python (tests/interop/run.sh,
# tests/contract/run.sh, deploy/observability/e2e.sh): each keeps its own pinned venv and uses
# the debug binary, and these two functions are how.

# pinned_venv VENV REQUIREMENTS WHAT: makes VENV from REQUIREMENTS (pip, pinned versions), or
# reuses it while the file is unchanged (its hash is stamped into the venv). WHAT names the
# packages in the one line printed when it installs.
pinned_venv() {
    local venv="$1" requirements="$2" what="$3" stamp want
    stamp="$venv/.requirements.sha256"
    want="$(sha256sum "$requirements" | cut -d' ' -f1)"
    if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
        echo "installing $what into $venv"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --disable-pip-version-check -q -r "$requirements"
        echo "$want" >"$stamp"
    fi
}

# gateway_bin ROOT: prints $GATEWAY_BIN when set, else builds the debug binary of the
# repository at ROOT (`cargo build --locked --bin workorder-gateway`) and prints its path.
gateway_bin() {
    local root="$1"
    if [[ -n "${GATEWAY_BIN:-}" ]]; then
        echo "$GATEWAY_BIN"
        return
    fi
    (cd "$root" && cargo build --locked --quiet --bin workorder-gateway) >&2
    echo "${CARGO_TARGET_DIR:-$root/target}/debug/workorder-gateway"
}
