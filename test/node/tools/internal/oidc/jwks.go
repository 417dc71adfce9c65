// Package oidc verifies Kubernetes ServiceAccount tokens the way AWS IAM does
// for an OIDC identity provider: keys come from the issuer's discovery
// document and JWKS, never from configuration, so the test exercises the
// cluster's real --service-account-issuer / jwks_uri wiring.
package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// KeySetConfig says where discovery lives and how to reach it.
type KeySetConfig struct {
	// Issuer is what the discovery document's "issuer" must equal.
	Issuer string
	// DiscoveryURL overrides <Issuer>/.well-known/openid-configuration, for
	// when the issuer URL is not routable from the emulator.
	DiscoveryURL string
	// JWKSURL, when set, is used instead of the discovery document's
	// jwks_uri (kube-apiserver advertises its external address there).
	JWKSURL string
	// CAFile is a PEM bundle trusted for the HTTPS fetches; empty means
	// the system roots.
	CAFile string
	// BearerTokenFile, when set, is sent as "Authorization: Bearer" on the
	// fetches (kube-apiserver requires authentication for discovery unless
	// system:service-account-issuer-discovery is bound to anonymous users).
	BearerTokenFile string
	// MinRefetch limits how often an unknown kid triggers a JWKS re-fetch.
	MinRefetch time.Duration
}

// KeySet caches the issuer's signing keys and re-fetches them when a token
// names a kid it has not seen (key rotation), like IAM does.
type KeySet struct {
	cfg    KeySetConfig
	client *http.Client

	mu        sync.Mutex
	keys      map[string]crypto.PublicKey
	fetched   bool
	lastFetch time.Time
}

// NewKeySet builds a KeySet; nothing is fetched until the first token
// arrives, so the emulator can start before kube-apiserver is up.
func NewKeySet(cfg KeySetConfig) (*KeySet, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read OIDC CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("OIDC CA file %s has no PEM certificates", cfg.CAFile)
		}
		tlsCfg.RootCAs = pool
	}
	if cfg.MinRefetch == 0 {
		cfg.MinRefetch = 2 * time.Second
	}
	// A private transport: proxies from the environment must never be
	// used, the issuer is always on the local test network.
	tr := &http.Transport{
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 5 * time.Second,
		IdleConnTimeout:       30 * time.Second,
	}
	return &KeySet{cfg: cfg, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}, nil
}

// Key returns the public key for kid. An unknown kid causes at most one
// re-fetch per MinRefetch interval. The lock is held across the fetch on
// purpose: concurrent requests wait for one fetch instead of each starting
// their own (the HTTP client's 10s timeout bounds the wait).
func (k *KeySet) Key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if key, ok := k.lookup(kid); ok {
		return key, nil
	}
	if k.fetched && time.Since(k.lastFetch) < k.cfg.MinRefetch {
		return nil, &TokenError{Kind: KindBadSignature, Msg: fmt.Sprintf("no JWKS key with kid %q", kid)}
	}
	k.lastFetch = time.Now()
	keys, err := k.fetch(ctx)
	if err != nil {
		return nil, &TokenError{Kind: KindKeyUnavailable, Msg: err.Error()}
	}
	k.keys, k.fetched = keys, true
	if key, ok := k.lookup(kid); ok {
		return key, nil
	}
	return nil, &TokenError{Kind: KindBadSignature, Msg: fmt.Sprintf("no JWKS key with kid %q", kid)}
}

// lookup finds kid; a token without kid is accepted only when the set has
// exactly one key, so the choice is never ambiguous.
func (k *KeySet) lookup(kid string) (crypto.PublicKey, bool) {
	if kid == "" && len(k.keys) == 1 {
		for _, key := range k.keys {
			return key, true
		}
	}
	key, ok := k.keys[kid]
	return key, ok && kid != ""
}

func (k *KeySet) fetch(ctx context.Context) (map[string]crypto.PublicKey, error) {
	jwksURL := k.cfg.JWKSURL
	if jwksURL == "" {
		discURL := k.cfg.DiscoveryURL
		if discURL == "" {
			discURL = strings.TrimSuffix(k.cfg.Issuer, "/") + "/.well-known/openid-configuration"
		}
		var disc struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if err := k.getJSON(ctx, discURL, &disc); err != nil {
			return nil, fmt.Errorf("OIDC discovery: %w", err)
		}
		// OpenID Connect Discovery 1.0 section 4.3: the document's issuer
		// must be the issuer we were configured with.
		if disc.Issuer != k.cfg.Issuer {
			return nil, fmt.Errorf("OIDC discovery issuer %q != configured issuer %q", disc.Issuer, k.cfg.Issuer)
		}
		if disc.JWKSURI == "" {
			return nil, errors.New("OIDC discovery document has no jwks_uri")
		}
		jwksURL = disc.JWKSURI
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := k.getJSON(ctx, jwksURL, &set); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	keys := map[string]crypto.PublicKey{}
	for _, raw := range set.Keys {
		kid, key, err := parseJWK(raw)
		if err != nil {
			continue // skip keys we cannot use (e.g. encryption keys)
		}
		keys[kid] = key
	}
	if len(keys) == 0 {
		return nil, errors.New("JWKS has no usable signing keys")
	}
	return keys, nil
}

func (k *KeySet) getJSON(ctx context.Context, url string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	// kube-apiserver answers 406 to a JWKS request that does not accept the JWK Set type.
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	if k.cfg.BearerTokenFile != "" {
		tok, err := os.ReadFile(k.cfg.BearerTokenFile)
		if err != nil {
			return fmt.Errorf("read bearer token file: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// parseJWK turns one RFC 7517 key into a Go public key.
func parseJWK(raw json.RawMessage) (string, crypto.PublicKey, error) {
	var j struct {
		Kty, Kid, Use, Crv, N, E, X, Y string
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return "", nil, err
	}
	if j.Use != "" && j.Use != "sig" {
		return "", nil, fmt.Errorf("key %q is not a signing key", j.Kid)
	}
	switch j.Kty {
	case "RSA":
		n, err1 := b64int(j.N)
		e, err2 := b64int(j.E)
		if err := errors.Join(err1, err2); err != nil {
			return "", nil, err
		}
		if !e.IsInt64() || e.Int64() < 3 || n.BitLen() < 2048 {
			return "", nil, fmt.Errorf("weak or invalid RSA key %q", j.Kid)
		}
		return j.Kid, &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "EC":
		var curve elliptic.Curve
		switch j.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return "", nil, fmt.Errorf("unsupported curve %q", j.Crv)
		}
		x, err1 := b64int(j.X)
		y, err2 := b64int(j.Y)
		if err := errors.Join(err1, err2); err != nil {
			return "", nil, err
		}
		// Reject points off the curve: verifying against such a key is
		// meaningless and has enabled invalid-curve attacks elsewhere.
		if x.Cmp(curve.Params().P) >= 0 || y.Cmp(curve.Params().P) >= 0 || !curve.IsOnCurve(x, y) {
			return "", nil, fmt.Errorf("EC key %q is not on %s", j.Kid, j.Crv)
		}
		pub := &ecdsa.PublicKey{Curve: curve, X: x, Y: y}
		return j.Kid, pub, nil
	}
	return "", nil, fmt.Errorf("unsupported kty %q", j.Kty)
}

func b64int(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("bad base64url integer")
	}
	return new(big.Int).SetBytes(b), nil
}
