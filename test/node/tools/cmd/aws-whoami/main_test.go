package main

import (
	"bytes"
	"context"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"irsa-webhook/e2e/node-tools/internal/emulator"
	"irsa-webhook/e2e/node-tools/internal/oidc"
	"irsa-webhook/e2e/node-tools/internal/oidctest"
	"irsa-webhook/e2e/node-tools/internal/policy"
)

// cluster is an emulator on loopback plus an issuer, standing in for the
// node test cluster, so run() is tested through config.LoadDefaultConfig
// with nothing but the env vars the webhook injects.
type cluster struct {
	iss              *oidctest.Issuer
	stsURL, agentURL string
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	iss := oidctest.NewIssuer(t)
	keys, err := oidc.NewKeySet(oidc.KeySetConfig{Issuer: iss.URL, CAFile: iss.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	p := policy.ProviderPath(iss.URL)
	roles, err := policy.Parse([]byte(`{"arn:aws:iam::111122223333:role/whoami": {"Statement": [{
		"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/` + p + `"},
		"Action": "sts:AssumeRoleWithWebIdentity",
		"Condition": {"StringEquals": {"` + p + `:sub": "system:serviceaccount:default:whoami"}}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	assocs, err := emulator.ParseAssociations([]byte(`[{"namespace":"default","serviceAccount":"whoami","roleArn":"arn:aws:iam::111122223333:role/pi"}]`))
	if err != nil {
		t.Fatal(err)
	}
	v := &oidc.Verifier{Issuer: iss.URL, Keys: keys}
	store := emulator.NewStore(nil)
	logger := log.New(testWriter{t}, "emulator: ", 0)
	s := httptest.NewServer(&emulator.STS{Issuer: iss.URL, Verifier: v, Roles: roles, Store: store, Log: logger})
	t.Cleanup(s.Close)
	a := httptest.NewServer(&emulator.Agent{Verifier: v, Audience: "pods.eks.amazonaws.com", Associations: assocs,
		ClusterName: "c", Duration: time.Hour, Store: store, Log: logger})
	t.Cleanup(a.Close)
	return &cluster{iss: iss, stsURL: s.URL, agentURL: a.URL + emulator.AgentPath}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// cleanAWSEnv removes every AWS_* variable for the test (restored after),
// and points shared config files at nothing, so only what a test sets counts.
func cleanAWSEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_REGION", "us-east-1")
}

func (c *cluster) token(t *testing.T, sa, aud string) string {
	return oidctest.WriteToken(t, oidctest.Mint(t, c.iss.Key, c.iss.ServiceAccountClaims("default", sa, []string{aud}, time.Hour)))
}

func runOnce(t *testing.T) (int, []string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), &out, options{once: true, timeout: 20 * time.Second})
	t.Logf("aws-whoami exit %d, output:\n%s", code, out.String())
	return code, strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
}

func TestRunIRSA(t *testing.T) {
	c := newCluster(t)
	cleanAWSEnv(t)
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/whoami")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", c.token(t, "whoami", "sts.amazonaws.com"))
	t.Setenv("AWS_ENDPOINT_URL_STS", c.stsURL)
	code, lines := runOnce(t)
	if code != 0 || len(lines) != 2 || lines[0] != "credential-source=WebIdentityCredentials" ||
		!regexp.MustCompile(`^caller-identity arn=arn:aws:sts::111122223333:assumed-role/whoami/\S+ account=111122223333$`).MatchString(lines[1]) {
		t.Errorf("exit %d, output %q", code, lines)
	}
}

func TestRunPodIdentity(t *testing.T) {
	c := newCluster(t)
	cleanAWSEnv(t)
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", c.agentURL)
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", c.token(t, "whoami", "pods.eks.amazonaws.com"))
	t.Setenv("AWS_ENDPOINT_URL_STS", c.stsURL)
	code, lines := runOnce(t)
	if code != 0 || len(lines) != 2 || lines[0] != "credential-source=CredentialsEndpointProvider" ||
		!regexp.MustCompile(`^caller-identity arn=arn:aws:sts::111122223333:assumed-role/pi/eks-c-whoami-pod-7d9f-\S+ account=111122223333$`).MatchString(lines[1]) {
		t.Errorf("exit %d, output %q", code, lines)
	}
}

func TestRunDenied(t *testing.T) {
	c := newCluster(t)
	cleanAWSEnv(t)
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/whoami")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", c.token(t, "intruder", "sts.amazonaws.com"))
	t.Setenv("AWS_ENDPOINT_URL_STS", c.stsURL)
	code, lines := runOnce(t)
	if code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "caller-identity error=AccessDenied: ") {
		t.Errorf("exit %d, output %q", code, lines)
	}
}

func TestRunPodIdentityNoAssociation(t *testing.T) {
	c := newCluster(t)
	cleanAWSEnv(t)
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", c.agentURL)
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", c.token(t, "nobody", "pods.eks.amazonaws.com"))
	t.Setenv("AWS_ENDPOINT_URL_STS", c.stsURL)
	code, lines := runOnce(t)
	if code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "caller-identity error=AccessDeniedException: ") {
		t.Errorf("exit %d, output %q", code, lines)
	}
}

func TestRunWithoutInjectedCredentialsFailsWithoutIMDS(t *testing.T) {
	cleanAWSEnv(t)
	start := time.Now()
	code, lines := runOnce(t)
	if code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "caller-identity error=") || !strings.Contains(lines[0], "IMDS") {
		t.Errorf("exit %d, output %q", code, lines)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v: IMDS must be disabled, not timed out", time.Since(start))
	}
}

// syncBuf lets the test read output while run is still writing it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestRunRepeatsAndStopsOnCancel(t *testing.T) {
	c := newCluster(t)
	cleanAWSEnv(t)
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/whoami")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", c.token(t, "whoami", "sts.amazonaws.com"))
	t.Setenv("AWS_ENDPOINT_URL_STS", c.stsURL)
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuf{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, out, options{interval: 20 * time.Millisecond, timeout: 20 * time.Second}) }()
	deadline := time.Now().Add(15 * time.Second)
	for strings.Count(out.String(), "caller-identity arn=") < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel() // what SIGTERM does via signal.NotifyContext
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after cancel, want 0", code)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("run did not return promptly after cancel")
	}
	if n := strings.Count(out.String(), "caller-identity arn="); n < 3 {
		t.Errorf("want >= 3 successful repeats, got %d:\n%s", n, out.String())
	}
}

func TestRunIdlesUntilCancelWithoutInterval(t *testing.T) {
	cleanAWSEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	out := &syncBuf{}
	go func() { done <- run(ctx, out, options{timeout: 5 * time.Second}) }()
	time.Sleep(300 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("without --once, run must keep the Pod alive after printing")
	default:
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 || strings.Count(out.String(), "caller-identity ") != 1 {
			t.Errorf("exit %d, output %q", code, out.String())
		}
	case <-time.After(2 * time.Second):
		t.Fatal("run did not return promptly after cancel")
	}
}
