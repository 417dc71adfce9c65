# Sourced by test/e2e/run.sh after the built-in certificate mode's RBAC from the chart is
# applied. The webhook's ServiceAccount may do exactly what docs/security.md lists, asked of
# the real API server's authorizer (kubectl auth can-i, impersonating it).
WEBHOOK_SA="system:serviceaccount:$WEBHOOK_NS:irsa-webhook"
can() { kubectl auth can-i --as="$WEBHOOK_SA" "$@" >/dev/null 2>&1; }
rbac_wrong=()
expect_yes() { can "$@" || rbac_wrong+=("denied: $*"); }
expect_no() { ! can "$@" || rbac_wrong+=("allowed: $*"); }
# What the webhook needs.
for verb in get list watch; do expect_yes "$verb" serviceaccounts --all-namespaces; done
expect_yes get secret/irsa-webhook-cert -n "$WEBHOOK_NS"
expect_yes update secret/irsa-webhook-cert -n "$WEBHOOK_NS"
expect_yes create secrets -n "$WEBHOOK_NS"
expect_yes patch mutatingwebhookconfiguration/irsa-webhook
# Everything else it must not do.
expect_no get secret/some-other-secret -n "$WEBHOOK_NS"
expect_no list secrets -n "$WEBHOOK_NS"
expect_no watch secrets -n "$WEBHOOK_NS"
expect_no get secrets -n "$NS"
expect_no create secrets -n "$NS"
expect_no delete secret/irsa-webhook-cert -n "$WEBHOOK_NS"
for verb in get list watch create update delete; do expect_no "$verb" pods --all-namespaces; done
for verb in create update patch delete; do expect_no "$verb" serviceaccounts --all-namespaces; done
expect_no create serviceaccounts/token -n "$NS"
expect_no patch mutatingwebhookconfiguration/some-other-webhook
expect_no delete mutatingwebhookconfiguration/irsa-webhook
expect_no create mutatingwebhookconfigurations
expect_no update configmaps -n "$WEBHOOK_NS"
expect_no get configmaps -n "$NS"
expect_no create clusterroles
expect_no create rolebindings -n "$WEBHOOK_NS"
expect_no get nodes
((${#rbac_wrong[@]} == 0)) || printf '      %s\n' "${rbac_wrong[@]}"
check "8d RBAC of the webhook's ServiceAccount is exactly what it needs (real authorizer)" eq "${#rbac_wrong[@]}" 0
