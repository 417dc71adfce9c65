package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"irsa-webhook/e2e/node-tools/internal/oidctest"
	"irsa-webhook/e2e/node-tools/internal/policy"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func writeFile(t *testing.T, name, content string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunServesBothListenersFromOneStore starts the real binary's run()
// on 127.0.0.1:0 ports, reads the addresses from the ready file, gets
// credentials from each listener and checks them against the other.
func TestRunServesBothListenersFromOneStore(t *testing.T) {
	iss := oidctest.NewIssuer(t)
	pp := policy.ProviderPath(iss.URL)
	roles := writeFile(t, "roles.json", `{"arn:aws:iam::111122223333:role/app": {"Version": "2012-10-17", "Statement": [{
		"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/`+pp+`"},
		"Action": "sts:AssumeRoleWithWebIdentity",
		"Condition": {"StringEquals": {"`+pp+`:aud": "sts.amazonaws.com"}, "StringLike": {"`+pp+`:sub": "system:serviceaccount:default:*"}}}]}}`)
	assocs := writeFile(t, "associations.json", `[{"namespace": "default", "serviceAccount": "pi", "roleArn": "arn:aws:iam::111122223333:role/pi-role"}]`)
	ready := filepath.Join(t.TempDir(), "ready")

	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuf{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{
			"--sts-listen", "127.0.0.1:0", "--agent-listen", "127.0.0.1:0",
			"--oidc-issuer", iss.URL, "--oidc-ca-file", iss.CAFile,
			"--roles", roles, "--associations", assocs, "--ready-file", ready, "--cluster-name", "node",
		}, logs)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("emulator stderr:\n%s", logs.String())
		}
	})

	addrs := map[string]string{}
	for deadline := time.Now().Add(10 * time.Second); len(addrs) < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("ready file never appeared; stderr:\n%s", logs.String())
		}
		b, err := os.ReadFile(ready)
		if err != nil {
			continue
		}
		for _, line := range strings.Fields(string(b)) {
			if k, v, ok := strings.Cut(line, "="); ok {
				addrs[k] = v
			}
		}
	}
	if !strings.HasPrefix(addrs["sts"], "127.0.0.1:") || !strings.HasPrefix(addrs["agent"], "127.0.0.1:") {
		t.Fatalf("ready file addresses: %v", addrs)
	}

	c, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addrs["sts"])})

	// IRSA path.
	tok := oidctest.Mint(t, iss.Key, iss.ServiceAccountClaims("default", "app", []string{"sts.amazonaws.com"}, time.Hour))
	irsa, err := stscreds.NewWebIdentityRoleProvider(client, "arn:aws:iam::111122223333:role/app",
		stscreds.IdentityTokenFile(oidctest.WriteToken(t, tok))).Retrieve(c)
	if err != nil {
		t.Fatal(err)
	}
	// Pod Identity path; its credentials must be known to the STS listener.
	piTok := oidctest.Mint(t, iss.Key, iss.ServiceAccountClaims("default", "pi", []string{"pods.eks.amazonaws.com"}, time.Hour))
	pi, err := endpointcreds.New("http://"+addrs["agent"]+"/v1/credentials", func(o *endpointcreds.Options) {
		o.AuthorizationToken = piTok
	}).Retrieve(c)
	if err != nil {
		t.Fatal(err)
	}
	for want, creds := range map[string]aws.Credentials{
		"arn:aws:sts::111122223333:assumed-role/app/":                 irsa,
		"arn:aws:sts::111122223333:assumed-role/pi-role/eks-node-pi-": pi,
	} {
		id, err := client.GetCallerIdentity(c, &sts.GetCallerIdentityInput{}, func(o *sts.Options) {
			o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil })
		})
		if err != nil {
			t.Fatalf("GetCallerIdentity for %s: %v", want, err)
		}
		if !strings.HasPrefix(aws.ToString(id.Arn), want) {
			t.Errorf("Arn = %s, want prefix %s", aws.ToString(id.Arn), want)
		}
	}

	cancel() // SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after shutdown", err)
		}
	case <-time.After(7 * time.Second):
		t.Fatal("no prompt shutdown")
	}
	for _, secret := range []string{tok, piTok, irsa.SecretAccessKey, pi.SecretAccessKey, pi.SessionToken} {
		if strings.Contains(logs.String(), secret) {
			t.Fatal("a token or secret leaked into the log")
		}
	}
	if n := strings.Count(logs.String(), "result=ok"); n != 4 {
		t.Errorf("want 4 ok request log lines, got %d:\n%s", n, logs.String())
	}
}

func TestFlagValidation(t *testing.T) {
	iss := "--oidc-issuer=https://127.0.0.1:1"
	for _, args := range [][]string{
		{iss}, // no listener
		{"--sts-listen=127.0.0.1:0", "--roles=x"}, // no issuer
		{iss, "--sts-listen=127.0.0.1:0"},         // no roles file
		{iss, "--agent-listen=127.0.0.1:0"},       // no associations file
		{iss, "--sts-listen=127.0.0.1:0", "--roles=/nonexistent"},
		{iss, "--agent-listen=127.0.0.1:0", "--associations=" + writeFile(t, "a.json", `[{"namespace":"n","serviceAccount":"s","roleArn":"bad"}]`)},
		{iss, "--sts-listen=127.0.0.1:0", "--roles=x", "stray"},
	} {
		if err := run(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("run(%q) accepted bad flags", args)
		}
	}
}
