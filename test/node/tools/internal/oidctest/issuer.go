// Package oidctest runs a fake Kubernetes service-account issuer for tests:
// OIDC discovery and a JWKS over TLS on 127.0.0.1, plus token minting with
// the same claim shape kube-apiserver uses for projected tokens.
package oidctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Key is a signing key; Published keys appear in the issuer's JWKS.
type Key struct {
	Kid  string
	Alg  string // RS256 or ES256
	priv crypto.Signer
}

// NewRSAKey makes an RS256 key (not published anywhere by itself).
func NewRSAKey(t testing.TB, kid string) *Key {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &Key{Kid: kid, Alg: "RS256", priv: k}
}

// NewECKey makes an ES256 key.
func NewECKey(t testing.TB, kid string) *Key {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &Key{Kid: kid, Alg: "ES256", priv: k}
}

// Issuer serves discovery and JWKS. URL is the issuer (https://127.0.0.1:PORT).
type Issuer struct {
	URL    string
	CAFile string // PEM of the TLS server's certificate, for --oidc-ca-file
	Key    *Key   // the default published RSA key

	DiscoveryHits, JWKSHits atomic.Int32

	mu   sync.Mutex
	keys []*Key
}

// NewIssuer starts the TLS issuer; it stops when the test ends.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	iss := &Issuer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		iss.DiscoveryHits.Add(1)
		writeJSON(w, map[string]any{
			"issuer":                                iss.URL,
			"jwks_uri":                              iss.URL + "/openid/v1/jwks",
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		})
	})
	mux.HandleFunc("/openid/v1/jwks", func(w http.ResponseWriter, r *http.Request) {
		iss.JWKSHits.Add(1)
		iss.mu.Lock()
		defer iss.mu.Unlock()
		var keys []any
		for _, k := range iss.keys {
			keys = append(keys, k.jwk())
		}
		writeJSON(w, map[string]any{"keys": keys})
	})
	srv := httptest.NewTLSServer(mux) // binds 127.0.0.1:0
	t.Cleanup(srv.Close)
	iss.URL = srv.URL
	iss.CAFile = filepath.Join(t.TempDir(), "oidc-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(iss.CAFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	iss.Key = NewRSAKey(t, "rsa-1")
	iss.Publish(iss.Key)
	return iss
}

// Publish adds a key to the JWKS (key rotation).
func (i *Issuer) Publish(k *Key) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append(i.keys, k)
}

// ServiceAccountClaims returns claims shaped like a kubelet-requested
// projected token for a Pod.
func (i *Issuer) ServiceAccountClaims(ns, sa string, aud []string, ttl time.Duration) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": i.URL,
		"sub": "system:serviceaccount:" + ns + ":" + sa,
		"aud": aud,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(ttl).Unix(),
		"kubernetes.io": map[string]any{
			"namespace":      ns,
			"pod":            map[string]any{"name": sa + "-pod-7d9f", "uid": "00000000-0000-0000-0000-000000000001"},
			"serviceaccount": map[string]any{"name": sa, "uid": "00000000-0000-0000-0000-000000000002"},
		},
	}
}

// Mint signs claims with k.
func Mint(t testing.TB, k *Key, claims map[string]any) string {
	t.Helper()
	hdr, _ := json.Marshal(map[string]string{"alg": k.Alg, "kid": k.Kid, "typ": "JWT"})
	body, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	signing := b64(hdr) + "." + b64(body)
	digest := sha256.Sum256([]byte(signing))
	var sig []byte
	switch p := k.priv.(type) {
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, p, crypto.SHA256, digest[:])
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, p, digest[:])
		if err == nil {
			sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + b64(sig)
}

// WriteToken writes a token to a file, as kubelet projects it.
func WriteToken(t testing.TB, token string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (k *Key) jwk() map[string]string {
	switch p := k.priv.Public().(type) {
	case *rsa.PublicKey:
		return map[string]string{"kty": "RSA", "use": "sig", "alg": k.Alg, "kid": k.Kid,
			"n": b64(p.N.Bytes()), "e": b64(big.NewInt(int64(p.E)).Bytes())}
	case *ecdsa.PublicKey:
		return map[string]string{"kty": "EC", "use": "sig", "alg": k.Alg, "kid": k.Kid, "crv": "P-256",
			"x": b64(p.X.FillBytes(make([]byte, 32))), "y": b64(p.Y.FillBytes(make([]byte, 32)))}
	}
	return nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
