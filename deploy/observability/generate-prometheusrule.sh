#!/usr/bin/env bash
# Writes prometheusrule.yaml, the Prometheus Operator form of rules.yml: the same groups under
# `spec:` of a PrometheusRule, byte for byte (every line of rules.yml after its header comment,
# indented by two spaces). rules.yml is the one source; never edit prometheusrule.yaml by hand.
#
#   generate-prometheusrule.sh           rewrite prometheusrule.yaml
#   generate-prometheusrule.sh --check   exit 1 if prometheusrule.yaml is not what rules.yml gives
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

render() {
    cat <<'HEADER'
# GENERATED from rules.yml by generate-prometheusrule.sh: edit rules.yml, then rerun the script.
# The Prometheus Operator loads it when the label below matches its ruleSelector
# (kube-prometheus-stack: `release: <its release name>`); adjust the label to your Prometheus.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: workorder-gateway
  labels:
    app.kubernetes.io/name: workorder-gateway
    prometheus: k8s
    role: alert-rules
spec:
HEADER
    # The header comment of rules.yml stays there; the YAML itself starts at `groups:`.
    sed -n '/^groups:/,$p' "$here/rules.yml" | sed 's/^\(.\)/  \1/'
}

if [[ "${1:-}" == "--check" ]]; then
    if ! diff -u "$here/prometheusrule.yaml" <(render); then
        echo "prometheusrule.yaml differs from what rules.yml gives: run $0" >&2
        exit 1
    fi
    echo "prometheusrule.yaml matches rules.yml"
else
    render >"$here/prometheusrule.yaml"
fi
