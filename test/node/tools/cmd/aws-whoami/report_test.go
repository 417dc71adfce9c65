package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"
)

func TestResultLines(t *testing.T) {
	if got := successLine("arn:aws:sts::111122223333:assumed-role/r/s", "111122223333"); got != "caller-identity arn=arn:aws:sts::111122223333:assumed-role/r/s account=111122223333" {
		t.Errorf("successLine = %q", got)
	}
	if got := sourceLine("WebIdentityCredentials"); got != "credential-source=WebIdentityCredentials" {
		t.Errorf("sourceLine = %q", got)
	}
	apiErr := fmt.Errorf("failed to retrieve credentials, %w",
		&smithy.GenericAPIError{Code: "AccessDenied", Message: "Not authorized\nto perform sts:AssumeRoleWithWebIdentity"})
	if got, want := errorLine(apiErr), "caller-identity error=AccessDenied: failed to retrieve credentials, api error AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity"; got != want {
		t.Errorf("errorLine(api) =\n %q\nwant\n %q", got, want)
	}
	if got, want := errorLine(errors.New("dial tcp:\r\n  connection   refused")), "caller-identity error=dial tcp: connection refused"; got != want {
		t.Errorf("errorLine(plain) = %q, want %q", got, want)
	}
}
