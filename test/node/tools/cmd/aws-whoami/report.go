package main

import (
	"errors"
	"strings"

	"github.com/aws/smithy-go"
)

// The result lines are the contract with the test scripts, which grep Pod
// logs for them: exactly one "caller-identity ..." line per attempt,
// optionally preceded by one "credential-source=..." line.

// sourceLine reports which SDK credential provider produced credentials.
func sourceLine(source string) string {
	return "credential-source=" + oneLine(source)
}

// successLine reports the caller identity STS returned.
func successLine(arn, account string) string {
	return "caller-identity arn=" + oneLine(arn) + " account=" + oneLine(account)
}

// errorLine reports a failure on one line. When the failure carries an AWS
// API error code (from STS, or from the Pod Identity agent's JSON body),
// the code leads so scripts can match e.g. "error=AccessDenied:".
func errorLine(err error) string {
	msg := oneLine(err.Error())
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() != "" {
		msg = oneLine(apiErr.ErrorCode()) + ": " + msg
	}
	return "caller-identity error=" + msg
}

// oneLine folds any whitespace run (newlines included) into one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
