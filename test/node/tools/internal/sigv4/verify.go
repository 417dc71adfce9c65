// Package sigv4 verifies AWS Signature Version 4 on incoming requests, so
// the STS emulator only answers GetCallerIdentity for callers that really
// hold the temporary credentials it issued (a client that ignored or
// mangled them would be caught, not waved through).
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const algorithm = "AWS4-HMAC-SHA256"

// Secret is what the verifier needs to know about an access key.
type Secret struct {
	SecretAccessKey string
	// SessionToken must equal X-Amz-Security-Token when non-empty.
	SessionToken string
}

// Error carries the STS error code for a rejected request.
type Error struct {
	Code string // InvalidClientTokenId, SignatureDoesNotMatch, IncompleteSignature, MissingAuthenticationToken
	Msg  string
}

func (e *Error) Error() string { return e.Code + ": " + e.Msg }

// Result describes a verified request.
type Result struct {
	AccessKeyID, Region, Service string
}

// Verify checks the Authorization header of r (whose body has already been
// read into body) against the secret that lookup returns for its key.
func Verify(r *http.Request, body []byte, service string, now time.Time, lookup func(akid string) (Secret, bool)) (Result, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return Result{}, &Error{"MissingAuthenticationToken", "Request is missing Authentication Token"}
	}
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != algorithm {
		return Result{}, &Error{"IncompleteSignature", "Unsupported signing algorithm " + alg}
	}
	fields := map[string]string{}
	for _, f := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		if ok {
			fields[k] = v
		}
	}
	cred, signedHeaders, sigHex := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	if cred == "" || signedHeaders == "" || sigHex == "" {
		return Result{}, &Error{"IncompleteSignature", "Authorization header requires Credential, SignedHeaders and Signature"}
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return Result{}, &Error{"IncompleteSignature", "Credential must be <key>/<date>/<region>/<service>/aws4_request"}
	}
	res := Result{AccessKeyID: scope[0], Region: scope[2], Service: scope[3]}
	if res.Region == "" {
		return res, &Error{"SignatureDoesNotMatch", "Credential should be scoped to a valid region."}
	}
	if res.Service != service {
		return res, &Error{"SignatureDoesNotMatch", fmt.Sprintf("Credential should be scoped to correct service: '%s'", service)}
	}

	amzDate := r.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil {
		return res, &Error{"IncompleteSignature", "X-Amz-Date header is missing or malformed"}
	}
	if scope[1] != amzDate[:8] {
		return res, &Error{"SignatureDoesNotMatch", "Credential date does not match X-Amz-Date"}
	}
	// AWS rejects signatures more than 15 minutes away from its clock.
	if d := now.Sub(t); d > 15*time.Minute || d < -15*time.Minute {
		return res, &Error{"SignatureDoesNotMatch", "Signature expired: " + amzDate + " is outside the 15 minute window"}
	}

	secret, ok := lookup(res.AccessKeyID)
	if !ok {
		return res, &Error{"InvalidClientTokenId", "The security token included in the request is invalid."}
	}
	signed := strings.Split(signedHeaders, ";")
	if !contains(signed, "host") || !contains(signed, "x-amz-date") {
		return res, &Error{"SignatureDoesNotMatch", "SignedHeaders must include host and x-amz-date"}
	}
	if secret.SessionToken != "" {
		if !contains(signed, "x-amz-security-token") ||
			!hmac.Equal([]byte(r.Header.Get("X-Amz-Security-Token")), []byte(secret.SessionToken)) {
			return res, &Error{"InvalidClientTokenId", "The security token included in the request is invalid."}
		}
	}

	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != "UNSIGNED-PAYLOAD" && h != payloadHash {
		return res, &Error{"SignatureDoesNotMatch", "X-Amz-Content-Sha256 does not match the body"}
	}
	want, err := hex.DecodeString(sigHex)
	if err != nil {
		return res, &Error{"SignatureDoesNotMatch", "Signature is not hex"}
	}
	key := signingKey(secret.SecretAccessKey, scope[1], res.Region, res.Service)
	credScope := strings.Join(scope[1:], "/")
	// Clients strip a default port from Host before signing; accept both
	// spellings so a listener on :80 works.
	for _, host := range hostVariants(r) {
		canon := canonicalRequest(r, host, signed, payloadHash)
		crHash := sha256.Sum256([]byte(canon))
		sts := algorithm + "\n" + amzDate + "\n" + credScope + "\n" + hex.EncodeToString(crHash[:])
		if hmac.Equal(hmacSHA256(key, sts), want) {
			return res, nil
		}
	}
	return res, &Error{"SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."}
}

func hostVariants(r *http.Request) []string {
	hosts := []string{r.Host}
	if h, port, ok := strings.Cut(r.Host, ":"); ok && (port == "80" || port == "443") {
		hosts = append(hosts, h)
	}
	return hosts
}

// canonicalRequest builds the SigV4 canonical request (method, URI, query,
// headers, signed header list, payload hash).
func canonicalRequest(r *http.Request, host string, signed []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(canonicalURI(r.URL.EscapedPath()) + "\n")
	b.WriteString(canonicalQuery(r.URL.Query()) + "\n")
	for _, name := range signed {
		var vals []string
		switch name {
		case "host":
			vals = []string{host}
		case "content-length":
			// net/http moves Content-Length out of the header map.
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
			if v := r.Header.Values("Content-Length"); len(v) > 0 {
				vals = v
			}
		default:
			vals = r.Header.Values(name)
		}
		trimmed := make([]string, len(vals))
		for i, v := range vals {
			trimmed[i] = strings.Join(strings.Fields(v), " ")
		}
		b.WriteString(name + ":" + strings.Join(trimmed, ",") + "\n")
	}
	b.WriteString("\n" + strings.Join(signed, ";") + "\n" + payloadHash)
	return b.String()
}

func canonicalURI(escaped string) string {
	if escaped == "" {
		return "/"
	}
	// For every service but S3, SigV4 URI-encodes the path as it appears
	// on the wire once more (so "%20" becomes "%2520"), as the SDK does.
	segs := strings.Split(escaped, "/")
	for i, s := range segs {
		segs[i] = uriEncode(s)
	}
	return strings.Join(segs, "/")
}

func canonicalQuery(q url.Values) string {
	// Sorted by encoded name, then by encoded value.
	var pairs [][2]string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, [2]string{uriEncode(k), uriEncode(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i][0] != pairs[j][0] {
			return pairs[i][0] < pairs[j][0]
		}
		return pairs[i][1] < pairs[j][1]
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p[0] + "=" + p[1]
	}
	return strings.Join(out, "&")
}

func uriEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
