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
	"github.com/zufang/rental/events"
)

// OpenSession logs a user in with email or mobile and password, and returns a
// bearer token. The token is shown once; only its hash is stored.
//
// An account that must choose a new password (imported from the old site,
// which stored passwords in plain text) gets no session for its old one: the
// login is refused with EINVALID on new_password until it comes with
// NewPassword, which replaces the old one (policy-checked, an event like any
// password change) in the same step. The refusal comes only after the old
// password matched, so it reveals nothing to someone who does not know it.
type OpenSession struct {
	Meta        // Client counts the attempt per address (attempts.go)
	Login       string
	Password    string
	NewPassword string
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

// NewPasswordRequired is the message on new_password of a login refused
// because the account must choose a new password first: a port that sees it
// asks for one (the web login shows its new-password step).
const NewPasswordRequired = "this account must choose a new password: send it with the login"

func (h *OpenSessionHandler) Handle(ctx context.Context, cmd OpenSession) (SessionOpened, error) {
	bad := map[string]string{}
	if strings.TrimSpace(cmd.Login) == "" {
		bad["login"] = "must not be empty"
	}
	switch {
	case cmd.Password == "":
		bad["password"] = "must not be empty"
	case len(cmd.Password) > MaxPasswordBytes:
		// bcrypt would compare the first 72 bytes only: anything after them would do.
		bad["password"] = "must be at most 72 bytes"
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
	if u.MustResetPassword {
		if err := h.reset(ctx, u.ID, cmd); err != nil {
			return SessionOpened{}, err
		}
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

// reset replaces a password that must be changed before the first session.
func (h *OpenSessionHandler) reset(ctx context.Context, id uuid.UUID, cmd OpenSession) error {
	if cmd.NewPassword == "" {
		return rental.InvalidField("new_password", NewPasswordRequired)
	}
	if err := CheckPassword("new_password", cmd.NewPassword, cmd.Login); err != nil {
		return err
	}
	if cmd.NewPassword == cmd.Password {
		return rental.InvalidField("new_password", "must differ from the old password")
	}
	hash, err := h.Passwords.Hash(cmd.NewPassword)
	if err != nil {
		return err
	}
	_, err = h.Users.Update(ctx, Meta{Actor: rental.Actor{UserID: id}}, id, func(u *User) (events.Type, error) {
		return u.SetPassword(hash, h.Now()), nil
	})
	return err
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
