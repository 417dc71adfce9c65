package emulator_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"irsa-webhook/e2e/node-tools/internal/oidctest"
)

const (
	roleApp  = "arn:aws:iam::111122223333:role/irsa-app"
	roleWild = "arn:aws:iam::111122223333:role/team/irsa-wild"
	stsAud   = "sts.amazonaws.com"
)

func TestAssumeRoleWithWebIdentityAllowedRoleYieldsWorkingCredentials(t *testing.T) {
	e := newEnv(t)
	tok := oidctest.Mint(t, e.iss.Key, e.iss.ServiceAccountClaims("default", "app", []string{stsAud}, time.Hour))

	// The raw operation first, to check every field the SDK deserializes.
	out, err := e.stsClient(nil).AssumeRoleWithWebIdentity(ctx(t), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(roleApp), RoleSessionName: aws.String("raw-session"), WebIdentityToken: aws.String(tok),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || len(aws.ToString(c.AccessKeyId)) != 20 {
		t.Errorf("AccessKeyId %q: want ASIA + 16 chars", aws.ToString(c.AccessKeyId))
	}
	if aws.ToString(c.SecretAccessKey) == "" || aws.ToString(c.SessionToken) == "" {
		t.Error("missing secret or session token")
	}
	if d := time.Until(aws.ToTime(c.Expiration)); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("Expiration %v: want about 1h from now", c.Expiration)
	}
	wantARN := "arn:aws:sts::111122223333:assumed-role/irsa-app/raw-session"
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != wantARN {
		t.Errorf("AssumedRoleUser.Arn = %q, want %q", got, wantARN)
	}
	if got := aws.ToString(out.AssumedRoleUser.AssumedRoleId); !strings.HasPrefix(got, "AROA") || !strings.HasSuffix(got, ":raw-session") {
		t.Errorf("AssumedRoleId = %q", got)
	}
	if got := aws.ToString(out.SubjectFromWebIdentityToken); got != "system:serviceaccount:default:app" {
		t.Errorf("SubjectFromWebIdentityToken = %q", got)
	}
	if got := aws.ToString(out.Audience); got != stsAud {
		t.Errorf("Audience = %q", got)
	}
	if got := aws.ToString(out.Provider); !strings.HasSuffix(got, ":oidc-provider/"+strings.TrimPrefix(e.iss.URL, "https://")) {
		t.Errorf("Provider = %q", got)
	}

	// Then the path IRSA really takes: stscreds' provider reading a file.
	creds, err := e.assumeWithToken(t, roleApp, tok)
	if err != nil {
		t.Fatal(err)
	}
	if creds.Source != stscreds.WebIdentityProviderName || creds.AccountID != account || !creds.CanExpire {
		t.Errorf("credentials: source %q account %q canExpire %v", creds.Source, creds.AccountID, creds.CanExpire)
	}
	id, err := e.callerIdentity(t, creds)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(id.Arn), "arn:aws:sts::111122223333:assumed-role/irsa-app/test-session"; got != want {
		t.Errorf("GetCallerIdentity Arn = %q, want %q", got, want)
	}
	if aws.ToString(id.Account) != account || !strings.HasSuffix(aws.ToString(id.UserId), ":test-session") {
		t.Errorf("GetCallerIdentity Account %q UserId %q", aws.ToString(id.Account), aws.ToString(id.UserId))
	}
	if !strings.Contains(e.logs.String(), "action=GetCallerIdentity") || strings.Contains(e.logs.String(), tok) ||
		strings.Contains(e.logs.String(), creds.SecretAccessKey) || strings.Contains(e.logs.String(), creds.SessionToken) {
		t.Errorf("log must name actions and never contain tokens or secrets:\n%s", e.logs.String())
	}
}

func TestAssumeRoleWithWebIdentitySubMismatchIsAccessDenied(t *testing.T) {
	e := newEnv(t)
	tok := oidctest.Mint(t, e.iss.Key, e.iss.ServiceAccountClaims("default", "someone-else", []string{stsAud}, time.Hour))
	_, err := e.stsClient(nil).AssumeRoleWithWebIdentity(ctx(t), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(roleApp), RoleSessionName: aws.String("s1"), WebIdentityToken: aws.String(tok),
	})
	wantAPIError(t, err, "AccessDenied", 403)
	if !strings.Contains(err.Error(), "Not authorized to perform sts:AssumeRoleWithWebIdentity") {
		t.Errorf("message: %v", err)
	}
	if !strings.Contains(err.Error(), "RequestID: ") || strings.Contains(err.Error(), "RequestID: ,") {
		t.Errorf("SDK should see a request id: %v", err)
	}
	if !strings.Contains(e.logs.String(), "sub=system:serviceaccount:default:someone-else") ||
		!strings.Contains(e.logs.String(), "result=AccessDenied") {
		t.Errorf("log should record sub and result:\n%s", e.logs.String())
	}
}

func TestAssumeRoleWithWebIdentityStringLikeWildcards(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		ns, sa string
		ok     bool
	}{
		{"team-a", "app-1", true},
		{"team-", "app-x", true},    // * matches the empty string
		{"team-a", "app-12", false}, // ? is exactly one character
		{"team-a", "app-", false},   // ... not zero
		{"teamb", "app-1", false},   // literal prefix must match
	} {
		tok := oidctest.Mint(t, e.iss.Key, e.iss.ServiceAccountClaims(tc.ns, tc.sa, []string{stsAud}, time.Hour))
		creds, err := e.assumeWithToken(t, roleWild, tok)
		if tc.ok {
			if err != nil {
				t.Errorf("%s:%s: %v", tc.ns, tc.sa, err)
				continue
			}
			id, err := e.callerIdentity(t, creds)
			if err != nil || !strings.HasPrefix(aws.ToString(id.Arn), "arn:aws:sts::111122223333:assumed-role/irsa-wild/") {
				t.Errorf("%s:%s: role path must not appear in the assumed-role ARN: %v %v", tc.ns, tc.sa, aws.ToString(id.Arn), err)
			}
		} else if err == nil {
			t.Errorf("%s:%s: want AccessDenied, got credentials", tc.ns, tc.sa)
		} else {
			wantAPIError(t, err, "AccessDenied", 403)
		}
	}
}

func TestAssumeRoleWithWebIdentityAudienceCondition(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name string
		aud  any
		ok   bool
	}{
		{"single string aud", stsAud, true},
		{"aud array containing it", []string{"https://kubernetes.default.svc", stsAud}, true},
		{"wrong aud", []string{"https://kubernetes.default.svc"}, false},
		{"no aud", nil, false},
	}
	for _, tc := range cases {
		claims := e.iss.ServiceAccountClaims("default", "app", nil, time.Hour)
		if tc.aud == nil {
			delete(claims, "aud")
		} else {
			claims["aud"] = tc.aud
		}
		_, err := e.assumeWithToken(t, roleApp, oidctest.Mint(t, e.iss.Key, claims))
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok {
			wantAPIError(t, err, "AccessDenied", 403)
		}
	}
}

func TestAssumeRoleWithWebIdentityRejectsBadTokens(t *testing.T) {
	e := newEnv(t)
	good := func() map[string]any {
		return e.iss.ServiceAccountClaims("default", "app", []string{stsAud}, time.Hour)
	}
	unpublished := oidctest.NewRSAKey(t, e.iss.Key.Kid) // same kid, different key
	valid := oidctest.Mint(t, e.iss.Key, good())
	parts := strings.Split(valid, ".")
	otherPayload := strings.Split(oidctest.Mint(t, e.iss.Key, e.iss.ServiceAccountClaims("kube-system", "admin", []string{stsAud}, time.Hour)), ".")[1]

	cases := []struct {
		name, token, code string
		status            int
	}{
		{"expired", func() string {
			c := good()
			c["iat"], c["nbf"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Minute).Unix()
			return oidctest.Mint(t, e.iss.Key, c)
		}(), "ExpiredTokenException", 400},
		{"wrong issuer", func() string {
			c := good()
			c["iss"] = "https://127.0.0.1:1/not-the-issuer"
			return oidctest.Mint(t, e.iss.Key, c)
		}(), "InvalidIdentityToken", 400},
		{"signed by an unpublished key", oidctest.Mint(t, unpublished, good()), "InvalidIdentityToken", 400},
		{"payload swapped after signing", parts[0] + "." + otherPayload + "." + parts[2], "InvalidIdentityToken", 400},
		{"alg none", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".", "InvalidIdentityToken", 400},
		{"not yet valid", func() string {
			c := good()
			c["nbf"] = time.Now().Add(10 * time.Minute).Unix()
			return oidctest.Mint(t, e.iss.Key, c)
		}(), "InvalidIdentityToken", 400},
		{"unknown kid", oidctest.Mint(t, oidctest.NewRSAKey(t, "never-published"), good()), "InvalidIdentityToken", 400},
		{"garbage", "not-a-jwt", "InvalidIdentityToken", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.assumeWithToken(t, roleApp, tc.token)
			wantAPIError(t, err, tc.code, tc.status)
		})
	}
}

func TestAssumeRoleWithWebIdentityES256AndKeyRotation(t *testing.T) {
	e := newEnv(t)
	// Prime the key cache with the RSA key.
	if _, err := e.assumeWithToken(t, roleApp, oidctest.Mint(t, e.iss.Key, e.iss.ServiceAccountClaims("default", "app", []string{stsAud}, time.Hour))); err != nil {
		t.Fatal(err)
	}
	before := e.iss.JWKSHits.Load()
	// Rotate in an EC key: its unknown kid must trigger a re-fetch.
	ec := oidctest.NewECKey(t, "ec-2")
	e.iss.Publish(ec)
	creds, err := e.assumeWithToken(t, roleApp, oidctest.Mint(t, ec, e.iss.ServiceAccountClaims("default", "app", []string{stsAud}, time.Hour)))
	if err != nil {
		t.Fatalf("ES256 token with a rotated-in key: %v", err)
	}
	if e.iss.JWKSHits.Load() <= before {
		t.Error("an unknown kid should have re-fetched the JWKS")
	}
	if e.iss.DiscoveryHits.Load() == 0 {
		t.Error("keys must be found through OIDC discovery")
	}
	if _, err := e.callerIdentity(t, creds); err != nil {
		t.Fatal(err)
	}
}

func TestAssumeRoleWithWebIdentityRoleAndPrincipalChecks(t *testing.T) {
	e := newEnv(t)
	tok := func(sa string) string {
		return oidctest.Mint(t, e.iss.Key, e.iss.ServiceAccountClaims("default", sa, []string{stsAud}, time.Hour))
	}
	for _, tc := range []struct{ name, role, sa string }{
		{"unknown role", "arn:aws:iam::111122223333:role/does-not-exist", "app"},
		{"role in another account", "arn:aws:iam::999999999999:role/irsa-app", "app"},
		{"role trusts a different OIDC provider", "arn:aws:iam::111122223333:role/other-provider", "app"},
		{"explicit deny beats allow", "arn:aws:iam::111122223333:role/deny-wins", "blocked"},
	} {
		_, err := e.assumeWithToken(t, tc.role, tok(tc.sa))
		if err == nil {
			t.Errorf("%s: want AccessDenied", tc.name)
			continue
		}
		wantAPIError(t, err, "AccessDenied", 403)
	}
	// The deny statement is conditional: others get the allow.
	if _, err := e.assumeWithToken(t, "arn:aws:iam::111122223333:role/deny-wins", tok("fine")); err != nil {
		t.Errorf("deny-wins for an unblocked sub: %v", err)
	}
}

func TestAssumeRoleWithWebIdentityClientIDList(t *testing.T) {
	e := newEnv(t, stsAud)
	claims := e.iss.ServiceAccountClaims("default", "app", []string{"https://kubernetes.default.svc"}, time.Hour)
	_, err := e.assumeWithToken(t, roleApp, oidctest.Mint(t, e.iss.Key, claims))
	wantAPIError(t, err, "InvalidIdentityToken", 400)
	if !strings.Contains(err.Error(), "Incorrect token audience") {
		t.Errorf("message: %v", err)
	}
}

func TestGetCallerIdentityVerifiesSignature(t *testing.T) {
	e := newEnv(t)
	creds, err := e.assumeWithToken(t, roleApp, oidctest.Mint(t, e.iss.Key, e.iss.ServiceAccountClaims("default", "app", []string{stsAud}, time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	tampered := creds
	tampered.SecretAccessKey = "x" + creds.SecretAccessKey[1:]
	_, err = e.callerIdentity(t, tampered)
	wantAPIError(t, err, "SignatureDoesNotMatch", 403)

	wrongToken := creds
	wrongToken.SessionToken = creds.SessionToken[:len(creds.SessionToken)-4] + "AAAA"
	_, err = e.callerIdentity(t, wrongToken)
	wantAPIError(t, err, "InvalidClientTokenId", 403)

	unknown := creds
	unknown.AccessKeyID = "ASIAUNKNOWNUNKNOWN00"
	_, err = e.callerIdentity(t, unknown)
	wantAPIError(t, err, "InvalidClientTokenId", 403)

	// And the untouched credentials still work after all that.
	if _, err := e.callerIdentity(t, creds); err != nil {
		t.Fatal(err)
	}
}

func TestSTSProtocolErrors(t *testing.T) {
	e := newEnv(t)
	status, body := rawPost(t, e.stsURL, "Action=GetCallerIdentity&Version=2011-06-15")
	if status != 403 || !strings.Contains(body, "<Code>MissingAuthenticationToken</Code>") {
		t.Errorf("unsigned GetCallerIdentity: %d %s", status, body)
	}
	status, body = rawPost(t, e.stsURL, "Action=AssumeRole&Version=2011-06-15")
	if status != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") || !strings.Contains(body, "<Type>Sender</Type>") ||
		!strings.Contains(body, "<RequestId>") {
		t.Errorf("unsupported action: %d %s", status, body)
	}
	status, body = rawPost(t, e.stsURL, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn="+roleApp+"&RoleSessionName=ok-name")
	if status != 400 || !strings.Contains(body, "<Code>ValidationError</Code>") {
		t.Errorf("missing token: %d %s", status, body)
	}
}
