package emulator_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"

	"irsa-webhook/e2e/node-tools/internal/oidctest"
)

const podsAud = "pods.eks.amazonaws.com"

func TestAgentGoodTokenYieldsCredentialsThatWorkWithSTS(t *testing.T) {
	e := newEnv(t)
	tokFile := oidctest.WriteToken(t, oidctest.Mint(t, e.iss.Key, e.iss.ServiceAccountClaims("default", "pi-app", []string{podsAud}, time.Hour)))
	creds, err := e.agentProvider(tokFile).Retrieve(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if creds.Source != endpointcreds.ProviderName || creds.AccountID != account {
		t.Errorf("source %q account %q", creds.Source, creds.AccountID)
	}
	if !creds.CanExpire || time.Until(creds.Expires) < 59*time.Minute {
		t.Errorf("Expiration not parsed as ~1h: canExpire %v expires %v", creds.CanExpire, creds.Expires)
	}
	id, err := e.callerIdentity(t, creds)
	if err != nil {
		t.Fatal(err)
	}
	// Session name is eks-<cluster>-<pod name>-<random>, like EKS.
	prefix := "arn:aws:sts::111122223333:assumed-role/pod-identity-app/eks-irsa-test-pi-app-pod-7d9f-"
	if got := aws.ToString(id.Arn); !strings.HasPrefix(got, prefix) {
		t.Errorf("Arn = %q, want prefix %q", got, prefix)
	}
}

func TestAgentRejections(t *testing.T) {
	e := newEnv(t)
	mint := func(ns, sa string, aud []string, ttl time.Duration) string {
		return oidctest.WriteToken(t, oidctest.Mint(t, e.iss.Key, e.iss.ServiceAccountClaims(ns, sa, aud, ttl)))
	}
	cases := []struct {
		name, tokenFile, code string
	}{
		{"wrong audience (an IRSA token)", mint("default", "pi-app", []string{stsAud}, time.Hour), "InvalidTokenException"},
		{"no association", mint("default", "unassociated", []string{podsAud}, time.Hour), "AccessDeniedException"},
		{"association is per namespace", mint("other-ns", "pi-app", []string{podsAud}, time.Hour), "AccessDeniedException"},
		{"expired", mint("default", "pi-app", []string{podsAud}, -time.Minute), "ExpiredTokenException"},
		{"bad signature", oidctest.WriteToken(t, oidctest.Mint(t, oidctest.NewRSAKey(t, e.iss.Key.Kid),
			e.iss.ServiceAccountClaims("default", "pi-app", []string{podsAud}, time.Hour))), "InvalidTokenException"},
		{"empty token", oidctest.WriteToken(t, ""), "InvalidParameterException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.agentProvider(tc.tokenFile).Retrieve(ctx(t))
			wantAPIError(t, err, tc.code, 0)
		})
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "ns=default sa=unassociated result=AccessDeniedException") {
		t.Errorf("agent log should name the ServiceAccount and result:\n%s", logs)
	}
}
