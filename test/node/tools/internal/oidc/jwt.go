package oidc

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	_ "crypto/sha256" // register SHA-256 for crypto.Hash.New
	_ "crypto/sha512" // register SHA-384/512
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// ErrorKind classifies a rejected token so callers can map it to the error
// code the real service would return.
type ErrorKind int

const (
	KindMalformed      ErrorKind = iota // not a JWS we can parse
	KindBadSignature                    // unknown key or signature mismatch
	KindWrongIssuer                     // iss is not the configured issuer
	KindExpired                         // exp is in the past
	KindNotYetValid                     // nbf/iat in the future
	KindKeyUnavailable                  // discovery/JWKS could not be fetched
)

// TokenError is returned for every rejected token.
type TokenError struct {
	Kind ErrorKind
	Msg  string
	// Exp and Now are set for KindExpired, for STS's error message.
	Exp, Now time.Time
}

func (e *TokenError) Error() string { return e.Msg }

// KubeClaims is the "kubernetes.io" private claim of bound ServiceAccount
// tokens; the Pod Identity emulator uses the pod name for session names.
type KubeClaims struct {
	Namespace string `json:"namespace"`
	Pod       *struct {
		Name string `json:"name"`
		UID  string `json:"uid"`
	} `json:"pod"`
	ServiceAccount *struct {
		Name string `json:"name"`
		UID  string `json:"uid"`
	} `json:"serviceaccount"`
}

// Claims are the verified claims the emulator makes decisions on.
type Claims struct {
	Issuer     string
	Subject    string
	Audience   []string
	Expiry     time.Time
	NotBefore  time.Time // zero when absent
	IssuedAt   time.Time // zero when absent
	Kubernetes *KubeClaims
}

// KeySource supplies verification keys by kid.
type KeySource interface {
	Key(ctx context.Context, kid string) (crypto.PublicKey, error)
}

// Verifier checks signature, issuer and validity window. Audience checks
// are left to callers because STS and the Pod Identity agent differ there.
type Verifier struct {
	Issuer string
	Keys   KeySource
	// Leeway tolerates clock skew for nbf/iat only; exp is strict, as in
	// STS ("current date/time must be before the expiration date/time").
	Leeway time.Duration
	Now    func() time.Time
}

// Verify parses and verifies a compact JWS.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, &TokenError{Kind: KindMalformed, Msg: "token is not a compact JWS (need 3 parts)"}
	}
	var hdr struct {
		Alg  string `json:"alg"`
		Kid  string `json:"kid"`
		Crit []any  `json:"crit"`
	}
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return nil, &TokenError{Kind: KindMalformed, Msg: "bad JWS header: " + err.Error()}
	}
	if len(hdr.Crit) > 0 {
		return nil, &TokenError{Kind: KindMalformed, Msg: "JWS crit header is not supported"}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, &TokenError{Kind: KindMalformed, Msg: "bad JWS signature encoding"}
	}
	// Resolve the algorithm before fetching keys: "none" and HMAC must be
	// rejected without any network traffic.
	hash, family, err := algorithm(hdr.Alg)
	if err != nil {
		return nil, err
	}
	key, err := v.Keys.Key(ctx, hdr.Kid)
	if err != nil {
		return nil, err
	}
	if err := verifySignature(key, family, hash, []byte(parts[0]+"."+parts[1]), sig); err != nil {
		return nil, err
	}

	var raw struct {
		Iss string           `json:"iss"`
		Sub string           `json:"sub"`
		Aud json.RawMessage  `json:"aud"`
		Exp *json.Number     `json:"exp"`
		Nbf *json.Number     `json:"nbf"`
		Iat *json.Number     `json:"iat"`
		K8s *json.RawMessage `json:"kubernetes.io"`
	}
	if err := decodeSegment(parts[1], &raw); err != nil {
		return nil, &TokenError{Kind: KindMalformed, Msg: "bad JWT claims: " + err.Error()}
	}
	c := &Claims{Issuer: raw.Iss, Subject: raw.Sub}
	if c.Issuer != v.Issuer {
		return nil, &TokenError{Kind: KindWrongIssuer, Msg: fmt.Sprintf("issuer %q is not the trusted issuer", c.Issuer)}
	}
	if c.Audience, err = parseAudience(raw.Aud); err != nil {
		return nil, err
	}
	if raw.Exp == nil {
		return nil, &TokenError{Kind: KindMalformed, Msg: "token has no exp claim"}
	}
	if c.Expiry, err = numericDate(*raw.Exp); err != nil {
		return nil, err
	}
	if !now.Before(c.Expiry) {
		return nil, &TokenError{Kind: KindExpired, Exp: c.Expiry, Now: now,
			Msg: fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time %d", now.Unix(), c.Expiry.Unix())}
	}
	if raw.Nbf != nil {
		if c.NotBefore, err = numericDate(*raw.Nbf); err != nil {
			return nil, err
		}
		if now.Add(v.Leeway).Before(c.NotBefore) {
			return nil, &TokenError{Kind: KindNotYetValid, Msg: "token is not valid yet (nbf is in the future)"}
		}
	}
	if raw.Iat != nil {
		if c.IssuedAt, err = numericDate(*raw.Iat); err != nil {
			return nil, err
		}
		if now.Add(v.Leeway).Before(c.IssuedAt) {
			return nil, &TokenError{Kind: KindNotYetValid, Msg: "token was issued in the future (iat)"}
		}
		if c.Expiry.Before(c.IssuedAt) {
			return nil, &TokenError{Kind: KindMalformed, Msg: "token exp is before iat"}
		}
	}
	if raw.K8s != nil {
		var kc KubeClaims
		if json.Unmarshal(*raw.K8s, &kc) == nil {
			c.Kubernetes = &kc
		}
	}
	return c, nil
}

func decodeSegment(seg string, into any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(into)
}

// parseAudience accepts aud as a string or an array of strings (RFC 7519
// 4.1.3); Kubernetes always emits an array.
func parseAudience(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, &TokenError{Kind: KindMalformed, Msg: "aud is neither a string nor a list of strings"}
	}
	return many, nil
}

func numericDate(n json.Number) (time.Time, error) {
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1e11 {
		return time.Time{}, &TokenError{Kind: KindMalformed, Msg: "bad NumericDate " + n.String()}
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), nil
}

type keyFamily int

const (
	familyRSA keyFamily = iota
	familyRSAPSS
	familyEC
)

func algorithm(alg string) (crypto.Hash, keyFamily, error) {
	switch alg {
	case "RS256":
		return crypto.SHA256, familyRSA, nil
	case "RS384":
		return crypto.SHA384, familyRSA, nil
	case "RS512":
		return crypto.SHA512, familyRSA, nil
	case "PS256":
		return crypto.SHA256, familyRSAPSS, nil
	case "ES256":
		return crypto.SHA256, familyEC, nil
	case "ES384":
		return crypto.SHA384, familyEC, nil
	case "ES512":
		return crypto.SHA512, familyEC, nil
	}
	return 0, 0, &TokenError{Kind: KindBadSignature, Msg: fmt.Sprintf("unsupported JWS alg %q", alg)}
}

func verifySignature(key crypto.PublicKey, family keyFamily, hash crypto.Hash, signed, sig []byte) error {
	h := hash.New()
	h.Write(signed)
	digest := h.Sum(nil)
	bad := &TokenError{Kind: KindBadSignature, Msg: "JWS signature verification failed"}
	switch k := key.(type) {
	case *rsa.PublicKey:
		var err error
		switch family {
		case familyRSA:
			err = rsa.VerifyPKCS1v15(k, hash, digest, sig)
		case familyRSAPSS:
			err = rsa.VerifyPSS(k, hash, digest, sig, nil)
		default:
			return &TokenError{Kind: KindBadSignature, Msg: "alg does not match RSA key"}
		}
		if err != nil {
			return bad
		}
		return nil
	case *ecdsa.PublicKey:
		if family != familyEC {
			return &TokenError{Kind: KindBadSignature, Msg: "alg does not match EC key"}
		}
		// ES256 is only defined over P-256, ES384 over P-384, ES512 over P-521.
		if want := map[crypto.Hash]int{crypto.SHA256: 256, crypto.SHA384: 384, crypto.SHA512: 521}[hash]; k.Curve.Params().BitSize != want {
			return &TokenError{Kind: KindBadSignature, Msg: "alg does not match EC key curve"}
		}
		// JWS ECDSA signatures are R||S, each the curve's byte size (RFC 7518 3.4).
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return bad
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, digest, r, s) {
			return bad
		}
		return nil
	}
	return &TokenError{Kind: KindBadSignature, Msg: "unsupported key type"}
}

// Peek decodes iss, sub and aud WITHOUT verifying anything. It exists only
// so rejected requests can be logged usefully; never decide on its output.
func Peek(token string) (iss, sub string, aud []string) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", "", nil
	}
	var raw struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
	}
	if decodeSegment(parts[1], &raw) != nil {
		return "", "", nil
	}
	aud, _ = parseAudience(raw.Aud)
	return raw.Iss, raw.Sub, aud
}
