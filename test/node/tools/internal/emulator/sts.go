package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"irsa-webhook/e2e/node-tools/internal/oidc"
	"irsa-webhook/e2e/node-tools/internal/policy"
	"irsa-webhook/e2e/node-tools/internal/sigv4"
)

const (
	stsVersion      = "2011-06-15"
	maxSTSBody      = 64 << 10 // a web identity token is a few KiB at most
	webIdentityVerb = "sts:AssumeRoleWithWebIdentity"
)

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// STS serves the awsquery protocol for AssumeRoleWithWebIdentity and
// GetCallerIdentity.
type STS struct {
	Issuer   string
	Verifier *oidc.Verifier
	// ClientIDs, when non-empty, is the IAM OIDC provider's client ID list:
	// the token's aud must contain one of them (else "Incorrect token
	// audience"), and only those values populate the :aud condition key.
	ClientIDs []string
	Roles     policy.Roles
	Store     *Store
	Log       *log.Logger
	Now       func() time.Time
}

func (h *STS) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *STS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := requestID()
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		writeSTSError(w, reqID, &stsError{http.StatusMethodNotAllowed, "InvalidAction", "STS accepts POST (or GET) query requests"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSTSBody))
	if err != nil {
		writeSTSError(w, reqID, &stsError{http.StatusRequestEntityTooLarge, "ValidationError", "request body too large or unreadable"})
		return
	}
	params, err := queryParams(r, body)
	if err != nil {
		writeSTSError(w, reqID, &stsError{http.StatusBadRequest, "MalformedQueryString", err.Error()})
		return
	}
	action := params.Get("Action")
	if v := params.Get("Version"); action != "" && v != stsVersion {
		writeSTSError(w, reqID, &stsError{http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("unsupported Version %q, want %s", v, stsVersion)})
		return
	}
	switch action {
	case "AssumeRoleWithWebIdentity":
		h.assumeRoleWithWebIdentity(w, r.Context(), reqID, params)
	case "GetCallerIdentity":
		h.getCallerIdentity(w, r, reqID, body)
	default:
		h.Log.Printf("sts action=%s result=InvalidAction", lv(action))
		writeSTSError(w, reqID, &stsError{http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", action, stsVersion)})
	}
}

// queryParams merges the URL query and, for form posts, the body. The SDK
// sends Content-Type application/x-www-form-urlencoded with a POST body.
func queryParams(r *http.Request, body []byte) (url.Values, error) {
	params := r.URL.Query()
	if r.Method == http.MethodPost && len(body) > 0 {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/x-www-form-urlencoded" {
			return nil, fmt.Errorf("unsupported Content-Type %q (STS speaks awsquery form posts)", r.Header.Get("Content-Type"))
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	return params, nil
}

func (h *STS) assumeRoleWithWebIdentity(w http.ResponseWriter, ctx context.Context, reqID string, p url.Values) {
	roleARN, session, token := p.Get("RoleArn"), p.Get("RoleSessionName"), p.Get("WebIdentityToken")
	logf := func(sub string, aud []string, result, reason string) {
		h.Log.Printf("sts action=AssumeRoleWithWebIdentity role=%s session=%s sub=%s aud=%s result=%s reason=%q",
			lv(roleARN), lv(session), lv(sub), lvList(aud), result, reason)
	}
	fail := func(e *stsError, reason string) {
		_, sub, aud := oidc.Peek(token) // unverified, for the log only
		logf(sub, aud, e.Code, reason)
		writeSTSError(w, reqID, e)
	}

	switch {
	case roleARN == "":
		fail(validationError("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"), "missing RoleArn")
		return
	case token == "":
		fail(validationError("1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null"), "missing WebIdentityToken")
		return
	case !sessionNameRE.MatchString(session):
		fail(validationError("1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}"), "bad RoleSessionName")
		return
	}
	ttl := time.Hour
	if ds := p.Get("DurationSeconds"); ds != "" {
		n, err := strconv.Atoi(ds)
		if err != nil || n < 900 || n > 43200 {
			fail(validationError("DurationSeconds must be between 900 and 43200"), "bad DurationSeconds")
			return
		}
		ttl = time.Duration(n) * time.Second
	}
	role, err := policy.ParseRoleARN(roleARN)
	if err != nil {
		fail(validationError(err.Error()), "bad RoleArn")
		return
	}

	claims, err := h.Verifier.Verify(ctx, token)
	if err != nil {
		fail(tokenError(err), err.Error())
		return
	}
	if claims.Subject == "" {
		fail(invalidIdentityToken("The token has no sub claim"), "no sub")
		return
	}
	aud := claims.Audience
	if len(h.ClientIDs) > 0 {
		aud = intersect(claims.Audience, h.ClientIDs)
		if len(aud) == 0 {
			fail(invalidIdentityToken("Incorrect token audience"), "aud not in the provider's client ID list")
			return
		}
	}

	doc, ok := h.Roles[roleARN]
	if !ok {
		fail(accessDenied(), "no such role")
		return
	}
	path := policy.ProviderPath(h.Issuer)
	providerARN := policy.ProviderARN(role.Partition, role.Account, h.Issuer)
	decision := doc.Evaluate(policy.Request{
		ProviderARN: providerARN,
		Action:      webIdentityVerb,
		Keys: map[string][]string{
			path + ":sub": {claims.Subject},
			path + ":aud": aud,
		},
	})
	if !decision.Allowed {
		logf(claims.Subject, claims.Audience, "AccessDenied", decision.Reason)
		writeSTSError(w, reqID, accessDenied())
		return
	}

	sess := h.Store.Issue(roleARN, role, session, claims.Subject, ttl)
	var resp assumeRoleWithWebIdentityResponse
	resp.Xmlns = stsNamespace
	resp.Result.Credentials = xmlCredentials{sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken, isoTime(sess.Expiration)}
	resp.Result.AssumedRoleUser.AssumedRoleID = sess.UserID
	resp.Result.AssumedRoleUser.Arn = sess.AssumedRoleARN
	resp.Result.SubjectFromWebIdentityToken = claims.Subject
	if len(aud) > 0 {
		resp.Result.Audience = aud[0]
	}
	resp.Result.Provider = providerARN
	resp.Metadata.RequestID = reqID
	logf(claims.Subject, claims.Audience, "ok", "assumed "+sess.AssumedRoleARN)
	writeXML(w, reqID, http.StatusOK, resp)
}

// tokenError maps a verification failure to the code real STS uses.
func tokenError(err error) *stsError {
	var te *oidc.TokenError
	if !errors.As(err, &te) {
		return invalidIdentityToken(err.Error())
	}
	switch te.Kind {
	case oidc.KindExpired:
		return &stsError{http.StatusBadRequest, "ExpiredTokenException", te.Msg}
	case oidc.KindWrongIssuer:
		return invalidIdentityToken("No OpenIDConnect provider found in your account for the token's issuer")
	case oidc.KindKeyUnavailable:
		return invalidIdentityToken("Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements")
	}
	return invalidIdentityToken(te.Msg)
}

func (h *STS) getCallerIdentity(w http.ResponseWriter, r *http.Request, reqID string, body []byte) {
	var sess *Session
	res, err := sigv4.Verify(r, body, "sts", h.now(), func(akid string) (sigv4.Secret, bool) {
		s, ok := h.Store.Lookup(akid)
		if !ok {
			return sigv4.Secret{}, false
		}
		sess = s
		return sigv4.Secret{SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken}, true
	})
	role, sub := "", ""
	if sess != nil {
		role, sub = sess.RoleARN, sess.Subject
	}
	if err != nil {
		code, msg := "SignatureDoesNotMatch", err.Error()
		var se *sigv4.Error
		if errors.As(err, &se) {
			code, msg = se.Code, se.Msg
		}
		status := http.StatusForbidden // as STS: bad key, bad signature, no auth
		if code == "IncompleteSignature" {
			status = http.StatusBadRequest
		}
		h.Log.Printf("sts action=GetCallerIdentity key=%s role=%s sub=%s result=%s reason=%q", lv(res.AccessKeyID), lv(role), lv(sub), code, msg)
		writeSTSError(w, reqID, &stsError{status, code, msg})
		return
	}
	if h.Store.Expired(sess) {
		h.Log.Printf("sts action=GetCallerIdentity key=%s role=%s sub=%s result=ExpiredToken", lv(res.AccessKeyID), lv(role), lv(sub))
		writeSTSError(w, reqID, &stsError{http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired"})
		return
	}
	var resp getCallerIdentityResponse
	resp.Xmlns = stsNamespace
	resp.Result.Arn, resp.Result.UserID, resp.Result.Account = sess.AssumedRoleARN, sess.UserID, sess.Account
	resp.Metadata.RequestID = reqID
	h.Log.Printf("sts action=GetCallerIdentity key=%s role=%s sub=%s arn=%s result=ok", lv(res.AccessKeyID), lv(role), lv(sub), lv(sess.AssumedRoleARN))
	writeXML(w, reqID, http.StatusOK, resp)
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
				break
			}
		}
	}
	return out
}
