// Command aws-whoami is the workload in the node test cluster's Pods. It
// loads credentials with the AWS SDK's default chain — so it sees only what
// the webhook injected (IRSA or Pod Identity env vars and files) — and
// prints the identity STS reports for them.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	once := flag.Bool("once", false, "exit after the first attempt: 0 on success, 1 on failure")
	interval := flag.Duration("interval", 0, "without --once, repeat the call this often (0: call once, then idle)")
	timeout := flag.Duration("timeout", 20*time.Second, "bound on each attempt (credential retrieval + GetCallerIdentity)")
	allowIMDS := flag.Bool("allow-imds", false, "let the default chain fall back to EC2 IMDS (169.254.169.254)")
	flag.Parse()

	// SIGTERM (Pod deletion) must end us promptly and cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Stdout, options{once: *once, interval: *interval, timeout: *timeout, allowIMDS: *allowIMDS}))
}

type options struct {
	once      bool
	interval  time.Duration
	timeout   time.Duration
	allowIMDS bool
}

// run performs attempts and returns the process exit code.
func run(ctx context.Context, out io.Writer, o options) int {
	var loadOpts []func(*config.LoadOptions) error
	if !o.allowIMDS {
		// A Pod the webhook did not mutate would otherwise fall through
		// the chain to IMDS and send traffic to 169.254.169.254, which is
		// no host of ours; failing fast is also a clearer test signal.
		loadOpts = append(loadOpts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	var cfg *aws.Config // kept across attempts so the SDK's credential cache is exercised
	for {
		ok := attempt(ctx, out, &cfg, o.timeout, loadOpts)
		if o.once {
			if ok {
				return 0
			}
			return 1
		}
		var tick <-chan time.Time
		if o.interval > 0 {
			tick = time.After(o.interval)
		}
		select {
		case <-ctx.Done():
			return 0
		case <-tick: // nil channel when not repeating: wait for a signal only
		}
	}
}

// attempt prints the result lines for one identity check.
func attempt(parent context.Context, out io.Writer, cfg **aws.Config, timeout time.Duration, loadOpts []func(*config.LoadOptions) error) bool {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	if *cfg == nil {
		c, err := config.LoadDefaultConfig(ctx, loadOpts...)
		if err != nil {
			fmt.Fprintln(out, errorLine(fmt.Errorf("load AWS config: %w", err)))
			return false
		}
		*cfg = &c
	}
	// Retrieve explicitly (it is cached) to report which provider won.
	creds, err := (*cfg).Credentials.Retrieve(ctx)
	if err != nil {
		fmt.Fprintln(out, errorLine(err))
		return false
	}
	fmt.Fprintln(out, sourceLine(creds.Source))
	id, err := sts.NewFromConfig(**cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Fprintln(out, errorLine(err))
		return false
	}
	fmt.Fprintln(out, successLine(aws.ToString(id.Arn), aws.ToString(id.Account)))
	return true
}
