package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// SessionStore implements command.SessionStore and authenticates bearer
// tokens. It works on the writer so a revocation is seen at once by every api
// replica (a reader could lag behind it).
type SessionStore struct {
	db      *sql.DB
	backoff Backoff
}

// NewSessionStore returns a SessionStore on the writer pool.
func NewSessionStore(writer *sql.DB) SessionStore {
	return SessionStore{db: writer, backoff: DefaultBackoff}
}

func (s SessionStore) Open(ctx context.Context, sess command.Session) error {
	return s.exec(ctx, "opening session", `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		sess.TokenHash, sess.UserID[:], sess.CreatedAt, sess.ExpiresAt)
}

func (s SessionStore) Revoke(ctx context.Context, tokenHash []byte) error {
	return s.exec(ctx, "revoking session", `UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL`,
		time.Now().UTC(), tokenHash)
}

func (s SessionStore) RevokeAllExcept(ctx context.Context, userID uuid.UUID, keep []byte) error {
	return s.exec(ctx, "revoking sessions", `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND token_hash <> ? AND revoked_at IS NULL`,
		time.Now().UTC(), userID[:], keep)
}

// Authenticate returns the actor behind a token hash: EUNAUTHORIZED when the
// token is unknown, revoked or expired.
func (s SessionStore) Authenticate(ctx context.Context, tokenHash []byte) (rental.Actor, error) {
	a, _, err := s.Session(ctx, tokenHash)
	return a, err
}

// Session is Authenticate that also says when the session expires, so a
// cache of sessions can stop accepting it then.
func (s SessionStore) Session(ctx context.Context, tokenHash []byte) (rental.Actor, time.Time, error) {
	var a rental.Actor
	var roles string
	var expires time.Time
	err := s.backoff.retry(ctx, func(int) error {
		return s.db.QueryRowContext(ctx, `SELECT u.id, u.roles, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?`, tokenHash, time.Now().UTC()).
			Scan(&a.UserID, &roles, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return rental.Actor{}, time.Time{}, rental.Errorf(rental.EUNAUTHORIZED, "the token is unknown, expired or revoked")
	}
	if err != nil {
		return rental.Actor{}, time.Time{}, fmt.Errorf("authenticating: %w", err)
	}
	for _, r := range splitList(roles) {
		a.Roles = append(a.Roles, rental.Role(r))
	}
	return a, expires, nil
}

func (s SessionStore) exec(ctx context.Context, what, query string, args ...any) error {
	err := s.backoff.retry(ctx, func(int) error {
		_, err := s.db.ExecContext(ctx, query, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
