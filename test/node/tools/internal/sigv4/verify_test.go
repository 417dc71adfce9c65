package sigv4_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"irsa-webhook/e2e/node-tools/internal/sigv4"
)

var secret = sigv4.Secret{SecretAccessKey: "s3cr3t", SessionToken: "tok"}

func lookup(akid string) (sigv4.Secret, bool) { return secret, akid == "ASIAEXAMPLE" }

// signed builds a request the way the SDK's signer signs it, then parses it
// as a server would, so both sides of the canonicalization are exercised.
func signed(t *testing.T, method, target, body string, hdr map[string]string, when time.Time) *http.Request {
	t.Helper()
	return signedIn(t, "us-east-1", method, target, body, hdr, when)
}

func signedIn(t *testing.T, region, method, target, body string, hdr map[string]string, when time.Time) *http.Request {
	t.Helper()
	req, _ := http.NewRequest(method, "http://127.0.0.1:8080"+target, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	req.Header.Set("X-Amz-Security-Token", secret.SessionToken)
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: secret.SecretAccessKey, SessionToken: secret.SessionToken},
		req, hex.EncodeToString(sum[:]), "sts", region, when)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewRequest(method, target, strings.NewReader(body))
	srv.Host = req.Host
	srv.Header = req.Header.Clone()
	srv.ContentLength = req.ContentLength
	return srv
}

func code(err error) string {
	var e *sigv4.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestVerifyAgainstSDKSigner(t *testing.T) {
	now := time.Now()
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Amz-Meta-Spaces": "  a   b  "}
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	r := signed(t, http.MethodPost, "/some%20path/x?b=2&a=1&a=0&k%20y=v%2Fw", body, hdr, now)
	if _, err := sigv4.Verify(r, []byte(body), "sts", now, lookup); err != nil {
		t.Fatalf("valid SDK signature rejected: %v", err)
	}
	if _, err := sigv4.Verify(r, []byte(body+"&x=1"), "sts", now, lookup); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("tampered body: %v", err)
	}
	r2 := signed(t, http.MethodPost, "/?a=1", body, hdr, now)
	r2.URL.RawQuery = "a=2"
	if _, err := sigv4.Verify(r2, []byte(body), "sts", now, lookup); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("tampered query: %v", err)
	}
	if _, err := sigv4.Verify(r, []byte(body), "sts", now.Add(20*time.Minute), lookup); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("stale signature: %v", err)
	}
	if _, err := sigv4.Verify(r, []byte(body), "iam", now, lookup); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("wrong service scope: %v", err)
	}
	r.Header.Set("Content-Type", "text/plain")
	if _, err := sigv4.Verify(r, []byte(body), "sts", now, lookup); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("tampered signed header: %v", err)
	}
}

func TestVerifyCredentialErrors(t *testing.T) {
	now := time.Now()
	r := signed(t, http.MethodPost, "/", "x=1", nil, now)
	wrongKey := func(string) (sigv4.Secret, bool) { return sigv4.Secret{}, false }
	if _, err := sigv4.Verify(r, []byte("x=1"), "sts", now, wrongKey); code(err) != "InvalidClientTokenId" {
		t.Errorf("unknown key: %v", err)
	}
	otherToken := func(string) (sigv4.Secret, bool) {
		return sigv4.Secret{SecretAccessKey: secret.SecretAccessKey, SessionToken: "other"}, true
	}
	if _, err := sigv4.Verify(r, []byte("x=1"), "sts", now, otherToken); code(err) != "InvalidClientTokenId" {
		t.Errorf("wrong session token: %v", err)
	}
	// An SDK without a region signs with an empty one; real STS refuses that, so a Pod
	// that was not given AWS_REGION fails here as it would on AWS.
	noRegion := signedIn(t, "", http.MethodPost, "/", "x=1", nil, now)
	if _, err := sigv4.Verify(noRegion, []byte("x=1"), "sts", now, lookup); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("empty region: %v", err)
	}
	r.Header.Del("Authorization")
	if _, err := sigv4.Verify(r, []byte("x=1"), "sts", now, lookup); code(err) != "MissingAuthenticationToken" {
		t.Errorf("no Authorization: %v", err)
	}
}
