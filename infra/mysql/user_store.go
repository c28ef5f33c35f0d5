package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
)

// UserStore implements command.UserStore.
type UserStore struct{ w *CommandRunner }

// NewUserStore returns a UserStore writing through w.
func NewUserStore(w *CommandRunner) UserStore { return UserStore{w: w} }

const userColumns = `id, version, email, mobile, password_hash, must_reset_password, nickname, roles, created_at, updated_at`

func (s UserStore) Create(ctx context.Context, meta command.Meta, u *command.User, ev events.Type) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *Tx) (change, error) {
		u.Version = 1
		tx.Exec(loginTaken, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID[:], u.Version, nullString(u.Email), nullString(u.Mobile), u.PasswordHash, u.MustResetPassword, u.Nickname,
			joinRoles(u.Roles), u.CreatedAt, u.UpdatedAt)
		return userChanged(u, ev, meta)
	})
}

func (s UserStore) Update(ctx context.Context, meta command.Meta, id uuid.UUID, fn func(*command.User) (events.Type, error)) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *Tx) (change, error) {
		u, err := oneUser(tx.Query(ctx, `SELECT `+userColumns+` FROM users WHERE id = ? FOR UPDATE`, id[:]))
		if err != nil {
			return change{}, fmt.Errorf("loading user %s: %w", id, err)
		}
		if u == nil {
			return change{}, rental.Errorf(rental.ENOTFOUND, "user %s not found", id)
		}
		ev, err := fn(u)
		if err != nil {
			return change{}, err
		}
		u.Version++
		tx.Exec(loginTaken, `UPDATE users SET version = ?, email = ?, mobile = ?, password_hash = ?,
			must_reset_password = ?, nickname = ?, roles = ?, updated_at = ? WHERE id = ?`,
			u.Version, nullString(u.Email), nullString(u.Mobile), u.PasswordHash, u.MustResetPassword, u.Nickname, joinRoles(u.Roles),
			u.UpdatedAt, u.ID[:])
		return userChanged(u, ev, meta)
	})
}

// ByLogin finds a user by email (when the login has an @) or mobile.
func (s UserStore) ByLogin(ctx context.Context, login string) (*command.User, error) {
	column := "mobile"
	if strings.Contains(login, "@") {
		column = "email"
	}
	var u *command.User
	err := s.w.backoff.retry(ctx, func(int) error {
		var err error
		u, err = scanUser(s.w.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+column+` = ?`, login))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, rental.Errorf(rental.ENOTFOUND, "no user with that login")
	}
	if err != nil {
		return nil, fmt.Errorf("finding user by %s: %w", column, err)
	}
	return u, nil
}

func userChanged(u *command.User, ev events.Type, meta command.Meta) (change, error) {
	env, err := newEvent(ev, events.AggregateUser, u.ID, u.Version, u.State(), meta, u.UpdatedAt)
	if err != nil {
		return change{}, err
	}
	return change{result: command.Result{ID: u.ID, Version: u.Version}, events: []events.Envelope{env}}, nil
}

func scanUser(row scanner) (*command.User, error) {
	u := &command.User{}
	var email, mobile sql.NullString
	var roles string
	if err := row.Scan(&u.ID, &u.Version, &email, &mobile, &u.PasswordHash, &u.MustResetPassword, &u.Nickname, &roles, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, err
	}
	u.Email, u.Mobile = email.String, mobile.String
	for _, r := range splitList(roles) {
		u.Roles = append(u.Roles, rental.Role(r))
	}
	return u, nil
}

// oneUser reads the single user a query found, or nil.
func oneUser(rows *sql.Rows, err error) (*command.User, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	return scanUser(rows)
}

// loginTaken names the unique key that clashed, so the client knows which
// field; it says nothing of other failures.
func loginTaken(err error) error {
	var field string
	switch {
	case !isDuplicate(err):
		return nil
	case strings.Contains(err.Error(), "uk_users_email"):
		field = "email"
	case strings.Contains(err.Error(), "uk_users_mobile"):
		field = "mobile"
	default:
		return nil
	}
	return &rental.Error{Code: rental.ECONFLICT, Message: field + " is already registered",
		Fields: map[string]string{field: "is already registered"}}
}

func joinRoles(roles []rental.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
