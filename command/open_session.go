package command

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
)

// OpenSession logs a user in with email or mobile and password, and returns a
// bearer token. The token is shown once; only its hash is stored.
type OpenSession struct {
	Login    string
	Password string
}

// SessionOpened is a new login.
type SessionOpened struct {
	Token     string    `json:"token"`
	UserID    uuid.UUID `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

type OpenSessionHandler struct {
	Users     UserStore
	Sessions  SessionStore
	Passwords Passwords
	TTL       time.Duration
	Now       Clock
	// decoy is compared when the login is unknown, so both failures take as
	// long and the response time does not reveal which accounts exist.
	decoyOnce sync.Once
	decoy     string
}

// DefaultSessionTTL is how long a login lasts.
const DefaultSessionTTL = 30 * 24 * time.Hour

var errBadLogin = rental.Errorf(rental.EUNAUTHORIZED, "wrong login or password")

func (h *OpenSessionHandler) Handle(ctx context.Context, cmd OpenSession) (SessionOpened, error) {
	bad := map[string]string{}
	if strings.TrimSpace(cmd.Login) == "" {
		bad["login"] = "must not be empty"
	}
	if cmd.Password == "" {
		bad["password"] = "must not be empty"
	}
	if err := rental.Invalid(bad); err != nil {
		return SessionOpened{}, err
	}
	u, err := h.Users.ByLogin(ctx, loginKey(cmd.Login))
	if rental.ErrorCode(err) == rental.ENOTFOUND {
		h.decoyOnce.Do(func() { h.decoy, _ = h.Passwords.Hash("decoy-password") })
		_, _ = h.Passwords.Matches(h.decoy, cmd.Password)
		return SessionOpened{}, errBadLogin
	}
	if err != nil {
		return SessionOpened{}, err
	}
	ok, err := h.Passwords.Matches(u.PasswordHash, cmd.Password)
	if err != nil {
		return SessionOpened{}, err
	}
	if !ok {
		return SessionOpened{}, errBadLogin
	}
	token, err := newToken()
	if err != nil {
		return SessionOpened{}, err
	}
	now := h.Now()
	ttl := h.TTL
	if ttl == 0 {
		ttl = DefaultSessionTTL
	}
	s := Session{TokenHash: HashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := h.Sessions.Open(ctx, s); err != nil {
		return SessionOpened{}, err
	}
	return SessionOpened{Token: token, UserID: u.ID, ExpiresAt: s.ExpiresAt.UTC()}, nil
}

// loginKey normalises a login the way accounts store it, whether email or mobile.
func loginKey(login string) string {
	if strings.Contains(login, "@") {
		return normalizeEmail(login)
	}
	return normalizeMobile(login)
}

// HashToken is how a bearer token is stored and looked up.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
