package emulator_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"irsa-webhook/e2e/node-tools/internal/emulator"
	"irsa-webhook/e2e/node-tools/internal/oidc"
	"irsa-webhook/e2e/node-tools/internal/oidctest"
	"irsa-webhook/e2e/node-tools/internal/policy"
)

const account = "111122223333"

// rolesJSON is a roles file; ISSUER is replaced by the issuer's host:port.
const rolesJSON = `{
  "arn:aws:iam::111122223333:role/irsa-app": {
    "Version": "2012-10-17",
    "Statement": [{
      "Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/ISSUER"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {
        "ISSUER:sub": "system:serviceaccount:default:app",
        "ISSUER:aud": "sts.amazonaws.com"
      }}
    }]
  },
  "arn:aws:iam::111122223333:role/team/irsa-wild": {
    "Statement": [{
      "Effect": "Allow",
      "Principal": {"Federated": ["arn:aws:iam::111122223333:oidc-provider/ISSUER"]},
      "Action": ["sts:AssumeRoleWithWebIdentity"],
      "Condition": {"StringLike": {"ISSUER:sub": "system:serviceaccount:team-*:app-?"}}
    }]
  },
  "arn:aws:iam::111122223333:role/other-provider": {
    "Statement": [{
      "Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.example.com/id/ABC"},
      "Action": "sts:AssumeRoleWithWebIdentity"
    }]
  },
  "arn:aws:iam::111122223333:role/deny-wins": {
    "Statement": [
      {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/ISSUER"}, "Action": "sts:*"},
      {"Effect": "Deny", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/ISSUER"}, "Action": "sts:AssumeRoleWithWebIdentity",
       "Condition": {"StringEquals": {"ISSUER:sub": "system:serviceaccount:default:blocked"}}}
    ]
  }
}`

const associationsJSON = `[
  {"namespace": "default", "serviceAccount": "pi-app", "roleArn": "arn:aws:iam::111122223333:role/pod-identity-app"}
]`

// env is one emulator (STS + agent) wired to one test issuer, all on loopback.
type env struct {
	iss      *oidctest.Issuer
	stsURL   string
	agentURL string
	logs     *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T, clientIDs ...string) *env {
	t.Helper()
	iss := oidctest.NewIssuer(t)
	keys, err := oidc.NewKeySet(oidc.KeySetConfig{Issuer: iss.URL, CAFile: iss.CAFile, MinRefetch: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	roles, err := policy.Parse([]byte(strings.ReplaceAll(rolesJSON, "ISSUER", policy.ProviderPath(iss.URL))))
	if err != nil {
		t.Fatal(err)
	}
	assocs, err := emulator.ParseAssociations([]byte(associationsJSON))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := log.New(logs, "", 0)
	verifier := &oidc.Verifier{Issuer: iss.URL, Keys: keys, Leeway: 30 * time.Second}
	store := emulator.NewStore(nil)
	stsSrv := httptest.NewServer(&emulator.STS{Issuer: iss.URL, Verifier: verifier, ClientIDs: clientIDs, Roles: roles, Store: store, Log: logger})
	t.Cleanup(stsSrv.Close)
	agentSrv := httptest.NewServer(&emulator.Agent{Verifier: verifier, Audience: "pods.eks.amazonaws.com", Associations: assocs,
		ClusterName: "irsa-test", Duration: time.Hour, Store: store, Log: logger})
	t.Cleanup(agentSrv.Close)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("emulator log:\n%s", logs.String())
		}
	})
	return &env{iss: iss, stsURL: stsSrv.URL, agentURL: agentSrv.URL + emulator.AgentPath, logs: logs}
}

// stsClient is a real SDK client pointed at the emulator. One attempt only:
// the SDK retries InvalidIdentityToken, which would only slow tests down.
func (e *env) stsClient(creds aws.CredentialsProvider) *sts.Client {
	return sts.New(sts.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(e.stsURL),
		Credentials:      creds,
		RetryMaxAttempts: 1,
	})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// assumeWithToken runs the SDK's web identity provider (as IRSA does) with
// the token in a file and returns what it produced.
func (e *env) assumeWithToken(t *testing.T, roleARN, token string) (aws.Credentials, error) {
	p := stscreds.NewWebIdentityRoleProvider(e.stsClient(nil), roleARN, stscreds.IdentityTokenFile(oidctest.WriteToken(t, token)),
		func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = "test-session" })
	return p.Retrieve(ctx(t))
}

// callerARN runs GetCallerIdentity with static credentials.
func (e *env) callerIdentity(t *testing.T, c aws.Credentials) (*sts.GetCallerIdentityOutput, error) {
	prov := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })
	return e.stsClient(prov).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
}

// agentProvider is the SDK's container credentials provider, reading the
// token from a file like AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE.
func (e *env) agentProvider(tokenFile string) *endpointcreds.Provider {
	return endpointcreds.New(e.agentURL, func(o *endpointcreds.Options) {
		o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
			b, err := os.ReadFile(tokenFile)
			return string(b), err
		})
		o.Retryer = aws.NopRetryer{}
	})
}

// wantAPIError asserts err carries code and (when status > 0) HTTP status.
func wantAPIError(t *testing.T, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s, got success", code)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want API error %s, got %T: %v", code, err, err)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s (%v)", code, apiErr.ErrorCode(), err)
	}
	if status > 0 {
		var re *awshttp.ResponseError
		if !errors.As(err, &re) {
			t.Fatalf("want an HTTP response error, got %v", err)
		}
		if re.HTTPStatusCode() != status {
			t.Fatalf("want HTTP %d, got %d (%v)", status, re.HTTPStatusCode(), err)
		}
	}
}

// rawPost sends a hand-built request, for protocol edge cases the SDK never produces.
func rawPost(t *testing.T, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx(t), http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
