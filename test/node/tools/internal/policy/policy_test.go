package policy

import (
	"strings"
	"testing"
)

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a*c", "ac", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"system:serviceaccount:*:app", "system:serviceaccount:ns:app", true},
		{"system:serviceaccount:*:app", "system:serviceaccount:ns:app2", false},
		{"*a*b*", "xxaxxbxx", true},
		{"*a*b*", "xxbxxaxx", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"??", "é!", true}, // characters, not bytes
	} {
		if got := Glob(tc.pattern, tc.s); got != tc.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestParseRejectsWhatItCannotEvaluate(t *testing.T) {
	stmt := `{"Effect":"Allow","Principal":{"Federated":"p"},"Action":"sts:AssumeRoleWithWebIdentity"%s}`
	for name, doc := range map[string]string{
		"unsupported operator": `{"arn:aws:iam::111122223333:role/r":{"Statement":[` + strings.Replace(stmt, "%s", `,"Condition":{"ForAnyValue:StringLike":{"k":"v"}}`, 1) + `]}}`,
		"unknown field":        `{"arn:aws:iam::111122223333:role/r":{"Statement":[` + strings.Replace(stmt, "%s", `,"NotAction":"x"`, 1) + `]}}`,
		"bad role ARN":         `{"arn:aws:iam::1:role/r":{"Statement":[` + strings.Replace(stmt, "%s", "", 1) + `]}}`,
		"bad effect":           `{"arn:aws:iam::111122223333:role/r":{"Statement":[{"Effect":"allow","Principal":{"Federated":"p"},"Action":"a"}]}}`,
		"no statements":        `{"arn:aws:iam::111122223333:role/r":{"Statement":[]}}`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: Parse accepted %s", name, doc)
		}
	}
	if _, err := Parse([]byte(`{"arn:aws:iam::111122223333:role/r":{"Statement":[` + strings.Replace(stmt, "%s", "", 1) + `]}}`)); err != nil {
		t.Errorf("valid document rejected: %v", err)
	}
}

func TestEvaluateNegatedOperatorsAndKeyCase(t *testing.T) {
	doc := Document{Statement: []Statement{{
		Effect: "Allow", Principal: Principal{Federated: StringList{"prov"}}, Action: StringList{"STS:AssumeRoleWithWebIdentity"},
		Condition: map[string]map[string]StringList{
			"StringNotLike":   {"Issuer:Sub": {"system:serviceaccount:kube-system:*"}},
			"StringNotEquals": {"issuer:aud": {"bad"}},
		},
	}}}
	req := func(sub string, aud ...string) Request {
		return Request{ProviderARN: "prov", Action: "sts:AssumeRoleWithWebIdentity",
			Keys: map[string][]string{"issuer:sub": {sub}, "issuer:aud": aud}}
	}
	if d := doc.Evaluate(req("system:serviceaccount:default:a", "good")); !d.Allowed {
		t.Errorf("want allowed: %s", d.Reason)
	}
	if d := doc.Evaluate(req("system:serviceaccount:kube-system:a", "good")); d.Allowed {
		t.Error("StringNotLike should deny kube-system")
	}
	if d := doc.Evaluate(req("system:serviceaccount:default:a", "good", "bad")); d.Allowed {
		t.Error("StringNotEquals should deny when any aud value is excluded")
	}
	if d := doc.Evaluate(Request{ProviderARN: "other", Action: "sts:AssumeRoleWithWebIdentity"}); d.Allowed {
		t.Error("wrong provider must be denied")
	}
}

func TestParseRoleARN(t *testing.T) {
	r, err := ParseRoleARN("arn:aws:iam::111122223333:role/a/b/name")
	if err != nil || r.Name != "name" || r.Account != "111122223333" || r.Partition != "aws" {
		t.Fatalf("got %+v, %v", r, err)
	}
	if got := r.AssumedRoleARN("s"); got != "arn:aws:sts::111122223333:assumed-role/name/s" {
		t.Errorf("AssumedRoleARN = %s", got)
	}
	for _, bad := range []string{"", "arn:aws:iam::111122223333:user/x", "arn:aws:sts::111122223333:role/x", "arn:aws:iam::11112222333a:role/x", "arn:aws:iam::111122223333:role/"} {
		if _, err := ParseRoleARN(bad); err == nil {
			t.Errorf("ParseRoleARN(%q) accepted", bad)
		}
	}
	if got := ProviderARN("aws", "111122223333", "https://oidc.example.com/id/ABC/"); got != "arn:aws:iam::111122223333:oidc-provider/oidc.example.com/id/ABC" {
		t.Errorf("ProviderARN = %s", got)
	}
}
