package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"irsa-webhook/e2e/node-tools/internal/oidc"
	"irsa-webhook/e2e/node-tools/internal/policy"
)

// AgentPath is where the EKS Pod Identity agent serves credentials;
// AWS_CONTAINER_CREDENTIALS_FULL_URI points here.
const AgentPath = "/v1/credentials"

// Association is one EKS Pod Identity association.
type Association struct {
	Namespace      string `json:"namespace"`
	ServiceAccount string `json:"serviceAccount"`
	RoleARN        string `json:"roleArn"`
}

// LoadAssociations reads a JSON list of associations, rejecting unknown
// fields, bad role ARNs and duplicate namespace/serviceAccount pairs
// (EKS allows only one association per ServiceAccount).
func LoadAssociations(path string) ([]Association, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseAssociations(b)
}

// ParseAssociations is LoadAssociations on bytes.
func ParseAssociations(b []byte) ([]Association, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var list []Association
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("associations file: %w", err)
	}
	seen := map[string]bool{}
	for i, a := range list {
		if a.Namespace == "" || a.ServiceAccount == "" {
			return nil, fmt.Errorf("associations file: entry %d needs namespace and serviceAccount", i)
		}
		if _, err := policy.ParseRoleARN(a.RoleARN); err != nil {
			return nil, fmt.Errorf("associations file: entry %d: %w", i, err)
		}
		k := a.Namespace + "/" + a.ServiceAccount
		if seen[k] {
			return nil, fmt.Errorf("associations file: duplicate association for %s", k)
		}
		seen[k] = true
	}
	return list, nil
}

// Agent emulates the EKS Pod Identity agent plus the EKS Auth
// AssumeRoleForPodIdentity call behind it.
type Agent struct {
	Verifier     *oidc.Verifier
	Audience     string // the token must carry it; EKS uses pods.eks.amazonaws.com
	Associations []Association
	ClusterName  string
	Duration     time.Duration
	Store        *Store
	Log          *log.Logger
}

// agentCredentials is the body the SDK's endpointcreds client decodes
// (field names match case-insensitively, Expiration is RFC 3339).
type agentCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	AccountID       string `json:"AccountId"`
	Expiration      string `json:"Expiration"`
}

type agentError struct {
	status        int
	Code, Message string
}

func (h *Agent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ns, sa := "", ""
	fail := func(e agentError, reason string) {
		h.Log.Printf("agent path=%s ns=%s sa=%s result=%s reason=%q", lv(r.URL.Path), lv(ns), lv(sa), e.Code, reason)
		writeJSON(w, e.status, map[string]string{"code": e.Code, "message": e.Message})
	}
	if r.URL.Path != AgentPath {
		fail(agentError{http.StatusNotFound, "NotFound", "unknown path"}, "unknown path")
		return
	}
	if r.Method != http.MethodGet {
		fail(agentError{http.StatusMethodNotAllowed, "MethodNotAllowed", "use GET"}, "method "+r.Method)
		return
	}
	// The SDK sends the file's content verbatim; tolerate a trailing
	// newline and an explicit Bearer scheme.
	token := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(r.Header.Get("Authorization")), "Bearer "))
	if token == "" {
		fail(agentError{http.StatusBadRequest, "InvalidParameterException", "Service account token cannot be empty"}, "no Authorization header")
		return
	}
	claims, err := h.Verifier.Verify(r.Context(), token)
	if err != nil {
		var te *oidc.TokenError
		e := agentError{http.StatusUnauthorized, "InvalidTokenException", "The service account token is invalid"}
		if errors.As(err, &te) {
			switch te.Kind {
			case oidc.KindExpired:
				e = agentError{http.StatusUnauthorized, "ExpiredTokenException", "The service account token has expired"}
			case oidc.KindKeyUnavailable:
				e = agentError{http.StatusServiceUnavailable, "ServiceUnavailableException", "Could not fetch the cluster's signing keys"}
			}
		}
		fail(e, err.Error())
		return
	}
	var ok bool
	if ns, sa, ok = parseServiceAccountSubject(claims.Subject); !ok {
		fail(agentError{http.StatusUnauthorized, "InvalidTokenException", "The token subject is not a ServiceAccount"}, "sub "+claims.Subject)
		return
	}
	if !containsString(claims.Audience, h.Audience) {
		fail(agentError{http.StatusUnauthorized, "InvalidTokenException", "The token audience must contain " + h.Audience}, "aud="+strings.Join(claims.Audience, ","))
		return
	}
	var assoc *Association
	for i := range h.Associations {
		if h.Associations[i].Namespace == ns && h.Associations[i].ServiceAccount == sa {
			assoc = &h.Associations[i]
		}
	}
	if assoc == nil {
		fail(agentError{http.StatusForbidden, "AccessDeniedException", fmt.Sprintf("No Pod Identity Association for service account %s in namespace %s", sa, ns)}, "no association")
		return
	}
	role, _ := policy.ParseRoleARN(assoc.RoleARN) // validated at load
	sess := h.Store.Issue(assoc.RoleARN, role, h.sessionName(claims, sa), claims.Subject, h.Duration)
	h.Log.Printf("agent path=%s ns=%s sa=%s aud=%s role=%s arn=%s result=ok", lv(r.URL.Path), lv(ns), lv(sa), lvList(claims.Audience), lv(assoc.RoleARN), lv(sess.AssumedRoleARN))
	writeJSON(w, http.StatusOK, agentCredentials{
		AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, Token: sess.SessionToken,
		AccountID: sess.Account, Expiration: sess.Expiration.Format(time.RFC3339),
	})
}

var sessionCharRE = regexp.MustCompile(`[^\w+=,.@-]`)

// sessionName mimics EKS: eks-<cluster>-<pod name>-<random>, capped at the
// 64 characters a role session name may have.
func (h *Agent) sessionName(c *oidc.Claims, sa string) string {
	who := sa
	if c.Kubernetes != nil && c.Kubernetes.Pod != nil && c.Kubernetes.Pod.Name != "" {
		who = c.Kubernetes.Pod.Name
	}
	suffix := "-" + strings.ToLower(randomBase32(8))
	name := sessionCharRE.ReplaceAllString("eks-"+h.ClusterName+"-"+who, "-")
	if len(name)+len(suffix) > 64 {
		name = name[:64-len(suffix)]
	}
	return name + suffix
}

func parseServiceAccountSubject(sub string) (ns, sa string, ok bool) {
	parts := strings.Split(sub, ":")
	if len(parts) != 4 || parts[0] != "system" || parts[1] != "serviceaccount" || parts[2] == "" || parts[3] == "" {
		return "", "", false
	}
	return parts[2], parts[3], true
}

// writeJSON uses exactly "application/json": the SDK only parses a JSON
// error body when Content-Type equals that string.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
