// Package policy evaluates IAM-style role trust policies for
// sts:AssumeRoleWithWebIdentity. It implements the subset IRSA relies on
// (Federated principals, StringEquals/StringLike on <provider>:sub and
// <provider>:aud) and refuses, at load time, anything it would otherwise
// silently ignore, so a typo in a test's roles file fails loudly instead
// of granting or denying by accident.
package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Roles maps a role ARN to its trust policy document.
type Roles map[string]*Document

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version,omitempty"`
	Statement []Statement `json:"Statement"`
}

// Statement is one trust policy statement.
type Statement struct {
	Sid       string     `json:"Sid,omitempty"`
	Effect    string     `json:"Effect"`
	Principal Principal  `json:"Principal"`
	Action    StringList `json:"Action"`
	// Condition maps operator -> condition key -> allowed values.
	Condition map[string]map[string]StringList `json:"Condition,omitempty"`
}

// Principal carries the principal types; only Federated can ever match a
// web identity request, the others are accepted so real-looking policies load.
type Principal struct {
	Federated StringList `json:"Federated,omitempty"`
	AWS       StringList `json:"AWS,omitempty"`
	Service   StringList `json:"Service,omitempty"`
}

// StringList is IAM's "string or list of strings".
type StringList []string

// UnmarshalJSON accepts "x" or ["x","y"].
func (l *StringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = StringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings, got %s", b)
	}
	*l = many
	return nil
}

var supportedOperators = map[string]bool{
	"StringEquals": true, "StringLike": true,
	"StringNotEquals": true, "StringNotLike": true,
}

// LoadFile reads and validates a roles file.
func LoadFile(path string) (Roles, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse decodes and validates a roles document.
func Parse(b []byte) (Roles, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var roles Roles
	if err := dec.Decode(&roles); err != nil {
		return nil, fmt.Errorf("roles file: %w", err)
	}
	for arn, doc := range roles {
		if _, err := ParseRoleARN(arn); err != nil {
			return nil, fmt.Errorf("roles file: %w", err)
		}
		if doc == nil || len(doc.Statement) == 0 {
			return nil, fmt.Errorf("roles file: role %s has no Statement", arn)
		}
		for i, st := range doc.Statement {
			if st.Effect != "Allow" && st.Effect != "Deny" {
				return nil, fmt.Errorf("roles file: role %s statement %d: Effect must be Allow or Deny", arn, i)
			}
			if len(st.Action) == 0 {
				return nil, fmt.Errorf("roles file: role %s statement %d: no Action", arn, i)
			}
			for op := range st.Condition {
				if !supportedOperators[op] {
					return nil, fmt.Errorf("roles file: role %s statement %d: unsupported condition operator %q", arn, i, op)
				}
			}
		}
	}
	return roles, nil
}

// Request is what a web identity call is evaluated against.
type Request struct {
	// ProviderARN is arn:<partition>:iam::<acct>:oidc-provider/<host+path>.
	ProviderARN string
	Action      string
	// Keys holds condition key values, e.g. "<host+path>:sub" -> [sub];
	// multi-valued keys (aud) match when any value matches.
	Keys map[string][]string
}

// Decision is the evaluation outcome with a reason for the log.
type Decision struct {
	Allowed bool
	Reason  string
}

// Evaluate applies IAM's rule: an explicit Deny wins, otherwise at least
// one Allow statement must match, otherwise implicit deny.
func (d *Document) Evaluate(req Request) Decision {
	allowed := false
	var misses []string // why each Allow statement did not apply, for the log
	for i, st := range d.Statement {
		ok, why := st.matches(req)
		switch {
		case ok && st.Effect == "Deny":
			return Decision{false, fmt.Sprintf("explicit deny by statement %d", i)}
		case ok:
			allowed = true
		case st.Effect == "Allow":
			misses = append(misses, fmt.Sprintf("statement %d: %s", i, why))
		}
	}
	if allowed {
		return Decision{true, "allowed"}
	}
	if len(misses) == 0 {
		misses = []string{"no Allow statement"}
	}
	return Decision{false, "implicit deny: " + strings.Join(misses, "; ")}
}

func (st *Statement) matches(req Request) (bool, string) {
	if !actionMatches(st.Action, req.Action) {
		return false, "action not matched"
	}
	if !contains(st.Principal.Federated, req.ProviderARN) {
		return false, "federated principal does not match the token issuer's provider"
	}
	for op, conds := range st.Condition {
		for key, want := range conds {
			have := lookupKey(req.Keys, key)
			var ok bool
			switch op {
			case "StringEquals":
				ok = valuesMatch(have, want, false)
			case "StringLike":
				ok = valuesMatch(have, want, true)
			case "StringNotEquals":
				ok = !valuesMatch(have, want, false)
			case "StringNotLike":
				ok = !valuesMatch(have, want, true)
			}
			if !ok {
				return false, fmt.Sprintf("condition %s %s not satisfied", op, key)
			}
		}
	}
	return true, ""
}

// lookupKey finds a condition key; IAM condition key names are case-insensitive.
func lookupKey(keys map[string][]string, name string) []string {
	for k, v := range keys {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// valuesMatch: condition values are ORed, and for a multi-valued key any
// request value may match. A missing key never matches.
func valuesMatch(have []string, want StringList, like bool) bool {
	for _, h := range have {
		for _, w := range want {
			if (like && Glob(w, h)) || (!like && w == h) {
				return true
			}
		}
	}
	return false
}

// actionMatches: IAM action names are case-insensitive and may use wildcards.
func actionMatches(patterns []string, action string) bool {
	for _, p := range patterns {
		if Glob(strings.ToLower(p), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Glob matches IAM StringLike patterns: '*' is any run of characters
// (including none) and '?' exactly one character; everything else literal.
func Glob(pattern, s string) bool {
	p, v := []rune(pattern), []rune(s)
	pi, vi := 0, 0
	star, mark := -1, 0
	for vi < len(v) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == v[vi]):
			pi++
			vi++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, vi
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			vi = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
