// Command aws-emulator serves an AWS STS emulator and an EKS Pod Identity
// agent emulator from one process, sharing the credentials they issue, so
// test Pods using the real AWS SDK can prove which IAM role they obtained.
//
// Tokens are verified against the cluster's own OIDC discovery document
// and JWKS; trust policies and associations come from JSON files.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"irsa-webhook/e2e/node-tools/internal/emulator"
	"irsa-webhook/e2e/node-tools/internal/oidc"
	"irsa-webhook/e2e/node-tools/internal/policy"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "aws-emulator:", err)
		os.Exit(1)
	}
}

type options struct {
	stsListen, agentListen                    string
	issuer, caFile, discoveryURL, jwksURL     string
	oidcTokenFile, clientIDs                  string
	rolesFile, assocFile                      string
	agentAudience, clusterName, readyFile     string
	agentDuration, clockSkew, shutdownTimeout time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("aws-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.stsListen, "sts-listen", "", "host:port for the STS endpoint (plain HTTP); empty disables it")
	fs.StringVar(&o.agentListen, "agent-listen", "", "host:port for the Pod Identity agent (plain HTTP, path "+emulator.AgentPath+"); empty disables it")
	fs.StringVar(&o.issuer, "oidc-issuer", "", "OIDC issuer URL: what tokens' iss must equal and where discovery lives (required)")
	fs.StringVar(&o.caFile, "oidc-ca-file", "", "PEM CA bundle trusted when fetching discovery/JWKS (default: system roots)")
	fs.StringVar(&o.discoveryURL, "oidc-discovery-url", "", "fetch the discovery document here instead of <issuer>/.well-known/openid-configuration")
	fs.StringVar(&o.jwksURL, "oidc-jwks-url", "", "fetch the JWKS here instead of the discovery document's jwks_uri")
	fs.StringVar(&o.oidcTokenFile, "oidc-token-file", "", "bearer token file sent on discovery/JWKS fetches (for an apiserver without anonymous discovery)")
	fs.StringVar(&o.clientIDs, "oidc-client-ids", "", "comma-separated IAM OIDC provider client IDs; if set, a web identity token's aud must contain one")
	fs.StringVar(&o.rolesFile, "roles", "", "JSON file: role ARN -> trust policy document (required with --sts-listen)")
	fs.StringVar(&o.assocFile, "associations", "", "JSON file: list of {namespace, serviceAccount, roleArn} (required with --agent-listen)")
	fs.StringVar(&o.agentAudience, "agent-audience", "pods.eks.amazonaws.com", "audience the Pod Identity token must contain")
	fs.StringVar(&o.clusterName, "cluster-name", "irsa-test", "cluster name used in Pod Identity role session names")
	fs.DurationVar(&o.agentDuration, "agent-credential-duration", time.Hour, "lifetime of Pod Identity credentials")
	fs.DurationVar(&o.clockSkew, "clock-skew", 30*time.Second, "tolerated skew for token nbf/iat (exp is strict)")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 5*time.Second, "grace period for in-flight requests on SIGTERM")
	fs.StringVar(&o.readyFile, "ready-file", "", "write this file (sts=ADDR, agent=ADDR lines) once all listeners are up")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.stsListen == "" && o.agentListen == "":
		return nil, errors.New("at least one of --sts-listen and --agent-listen is required")
	case o.issuer == "":
		return nil, errors.New("--oidc-issuer is required")
	case o.stsListen != "" && o.rolesFile == "":
		return nil, errors.New("--roles is required with --sts-listen")
	case o.agentListen != "" && o.assocFile == "":
		return nil, errors.New("--associations is required with --agent-listen")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logger := log.New(stderr, "", log.LstdFlags|log.LUTC)
	keys, err := oidc.NewKeySet(oidc.KeySetConfig{
		Issuer: o.issuer, DiscoveryURL: o.discoveryURL, JWKSURL: o.jwksURL,
		CAFile: o.caFile, BearerTokenFile: o.oidcTokenFile,
	})
	if err != nil {
		return err
	}
	verifier := &oidc.Verifier{Issuer: o.issuer, Keys: keys, Leeway: o.clockSkew}
	store := emulator.NewStore(nil)

	type server struct {
		name string
		srv  *http.Server
		ln   net.Listener
	}
	var servers []server
	defer func() {
		for _, s := range servers {
			s.ln.Close()
		}
	}()
	listen := func(name, addr string, h http.Handler) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("%s listener: %w", name, err)
		}
		servers = append(servers, server{name, newServer(h), ln})
		return nil
	}
	if o.stsListen != "" {
		roles, err := policy.LoadFile(o.rolesFile)
		if err != nil {
			return err
		}
		h := &emulator.STS{Issuer: o.issuer, Verifier: verifier, ClientIDs: splitList(o.clientIDs), Roles: roles, Store: store, Log: logger}
		if err := listen("sts", o.stsListen, h); err != nil {
			return err
		}
	}
	if o.agentListen != "" {
		assocs, err := emulator.LoadAssociations(o.assocFile)
		if err != nil {
			return err
		}
		h := &emulator.Agent{Verifier: verifier, Audience: o.agentAudience, Associations: assocs,
			ClusterName: o.clusterName, Duration: o.agentDuration, Store: store, Log: logger}
		if err := listen("agent", o.agentListen, h); err != nil {
			return err
		}
	}

	errc := make(chan error, len(servers))
	var ready strings.Builder
	for _, s := range servers {
		go func() { errc <- s.srv.Serve(s.ln) }()
		fmt.Fprintf(&ready, "%s=%s\n", s.name, s.ln.Addr())
		logger.Printf("%s listening on %s", s.name, s.ln.Addr())
	}
	if o.readyFile != "" {
		if err := writeFileAtomic(o.readyFile, ready.String()); err != nil {
			return err
		}
	}

	var serveErr error
	select {
	case <-ctx.Done():
		logger.Printf("shutting down")
	case serveErr = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	for _, s := range servers {
		s.srv.Shutdown(sctx)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// newServer bounds every phase of a request so a stuck client can never
// wedge the emulator.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second, // covers a JWKS fetch (10s) inside a request
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// writeFileAtomic writes via rename so a watcher never reads a partial file.
func writeFileAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ready-*")
	if err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
