package policy

import (
	"fmt"
	"strings"
)

// RoleARN is a parsed arn:<partition>:iam::<account>:role/<path/>name.
type RoleARN struct {
	Partition, Account, Name string
}

// ParseRoleARN validates an IAM role ARN; the role name is the last path
// segment, which is what assumed-role ARNs carry.
func ParseRoleARN(arn string) (RoleARN, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "iam" || parts[3] != "" ||
		len(parts[4]) != 12 || strings.Trim(parts[4], "0123456789") != "" || !strings.HasPrefix(parts[5], "role/") {
		return RoleARN{}, fmt.Errorf("%q is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)", arn)
	}
	res := strings.TrimPrefix(parts[5], "role/")
	name := res[strings.LastIndex(res, "/")+1:]
	if name == "" {
		return RoleARN{}, fmt.Errorf("%q has an empty role name", arn)
	}
	return RoleARN{Partition: parts[1], Account: parts[4], Name: name}, nil
}

// AssumedRoleARN is the caller ARN STS reports for a role session.
func (r RoleARN) AssumedRoleARN(session string) string {
	return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", r.Partition, r.Account, r.Name, session)
}

// ProviderPath is the IAM OIDC provider name for an issuer URL: the URL
// without its https:// scheme or trailing slash. It prefixes condition keys.
func ProviderPath(issuer string) string {
	return strings.TrimSuffix(strings.TrimPrefix(issuer, "https://"), "/")
}

// ProviderARN is the Federated principal an issuer maps to in an account.
func ProviderARN(partition, account, issuer string) string {
	return fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", partition, account, ProviderPath(issuer))
}
