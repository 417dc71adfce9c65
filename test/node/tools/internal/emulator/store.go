// Package emulator implements the AWS STS and EKS Pod Identity agent
// endpoints used by the node test cluster. Both hand out credentials from
// one Store, so GetCallerIdentity can prove which role a Pod ended up with
// regardless of the path (IRSA or Pod Identity) that got it there.
package emulator

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"irsa-webhook/e2e/node-tools/internal/policy"
)

// Session is one set of issued temporary credentials.
type Session struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	RoleARN         string
	AssumedRoleARN  string
	UserID          string // <role id>:<session name>, as STS reports it
	Account         string
	Subject         string // the token's sub, for GetCallerIdentity log lines
	Expiration      time.Time
}

// Store holds issued sessions in memory; credentials die with the process,
// which is what a test wants.
type Store struct {
	mu       sync.Mutex
	sessions map[string]*Session
	now      func() time.Time
}

// NewStore returns an empty store; now may be nil for the real clock.
func NewStore(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{sessions: map[string]*Session{}, now: now}
}

// Issue mints credentials for a role session valid for ttl.
func (s *Store) Issue(roleARN string, role policy.RoleARN, sessionName, subject string, ttl time.Duration) *Session {
	now := s.now()
	sess := &Session{
		AccessKeyID:     "ASIA" + randomBase32(16),
		SecretAccessKey: base64.RawStdEncoding.EncodeToString(randomBytes(30)), // 40 chars, like AWS
		SessionToken:    base64.StdEncoding.EncodeToString(randomBytes(192)),
		RoleARN:         roleARN,
		AssumedRoleARN:  role.AssumedRoleARN(sessionName),
		UserID:          RoleID(roleARN) + ":" + sessionName,
		Account:         role.Account,
		Subject:         subject,
		Expiration:      now.Add(ttl).UTC().Truncate(time.Second),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, old := range s.sessions { // keep the map bounded over long runs
		if now.After(old.Expiration) {
			delete(s.sessions, k)
		}
	}
	s.sessions[sess.AccessKeyID] = sess
	return sess
}

// Lookup returns the session for an access key, expired or not (the caller
// reports ExpiredToken distinctly from an unknown key).
func (s *Store) Lookup(akid string) (*Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[akid]
	return sess, ok
}

// Expired reports whether a session's credentials are past expiration.
func (s *Store) Expired(sess *Session) bool { return !s.now().Before(sess.Expiration) }

// RoleID derives a stable AROA... unique ID for a role ARN, so UserId is
// the same across sessions of one role, as in IAM.
func RoleID(roleARN string) string {
	sum := sha256.Sum256([]byte(roleARN))
	return "AROA" + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return b
}

func randomBase32(n int) string {
	return strings.ToUpper(base32.StdEncoding.EncodeToString(randomBytes(n))[:n])
}

// requestID returns a UUID-shaped request id like AWS's.
func requestID() string {
	h := hex.EncodeToString(randomBytes(16))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
