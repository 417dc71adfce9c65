package oidc_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"irsa-webhook/e2e/node-tools/internal/oidc"
	"irsa-webhook/e2e/node-tools/internal/oidctest"
)

func kind(t *testing.T, err error) oidc.ErrorKind {
	t.Helper()
	var te *oidc.TokenError
	if !errors.As(err, &te) {
		t.Fatalf("want *TokenError, got %T %v", err, err)
	}
	return te.Kind
}

func TestVerifyClaimsAndRefetchLimit(t *testing.T) {
	iss := oidctest.NewIssuer(t)
	keys, err := oidc.NewKeySet(oidc.KeySetConfig{Issuer: iss.URL, CAFile: iss.CAFile, MinRefetch: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	v := &oidc.Verifier{Issuer: iss.URL, Keys: keys}
	claims := iss.ServiceAccountClaims("ns", "sa", []string{"a", "b"}, time.Hour)
	c, err := v.Verify(context.Background(), oidctest.Mint(t, iss.Key, claims))
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "system:serviceaccount:ns:sa" || len(c.Audience) != 2 || c.Kubernetes == nil || c.Kubernetes.Pod.Name != "sa-pod-7d9f" {
		t.Errorf("claims: %+v", c)
	}
	// With a long MinRefetch, an unknown kid must not hammer the issuer.
	hits := iss.JWKSHits.Load()
	for range 3 {
		_, err := v.Verify(context.Background(), oidctest.Mint(t, oidctest.NewECKey(t, "unknown"), claims))
		if kind(t, err) != oidc.KindBadSignature {
			t.Fatalf("unknown kid: %v", err)
		}
	}
	if iss.JWKSHits.Load() != hits {
		t.Errorf("JWKS fetched %d more times within MinRefetch", iss.JWKSHits.Load()-hits)
	}
}

func TestDiscoveryFailures(t *testing.T) {
	iss := oidctest.NewIssuer(t)
	tok := oidctest.Mint(t, iss.Key, iss.ServiceAccountClaims("ns", "sa", nil, time.Hour))
	verify := func(cfg oidc.KeySetConfig) error {
		keys, err := oidc.NewKeySet(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = (&oidc.Verifier{Issuer: iss.URL, Keys: keys}).Verify(context.Background(), tok)
		return err
	}
	// The TLS certificate must be verified: no CA file, no trust.
	if err := verify(oidc.KeySetConfig{Issuer: iss.URL}); kind(t, err) != oidc.KindKeyUnavailable {
		t.Errorf("untrusted TLS: %v", err)
	}
	// Discovery served from somewhere claiming another issuer is refused.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"issuer":"https://elsewhere","jwks_uri":"` + iss.URL + `/openid/v1/jwks"}`))
	}))
	defer other.Close()
	if err := verify(oidc.KeySetConfig{Issuer: iss.URL, CAFile: iss.CAFile, DiscoveryURL: other.URL}); kind(t, err) != oidc.KindKeyUnavailable {
		t.Errorf("issuer mismatch in discovery: %v", err)
	}
	// The overrides work when they point at the right place.
	if err := verify(oidc.KeySetConfig{Issuer: iss.URL, CAFile: iss.CAFile, JWKSURL: iss.URL + "/openid/v1/jwks"}); err != nil {
		t.Errorf("JWKS override: %v", err)
	}
}
