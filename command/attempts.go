package command

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
)

// Attempt limits. The commands that check a password (OpenSession, the
// current password of ChangePassword and EditProfile) or open an account
// (RegisterUser) take a bounded number of attempts per account and per
// client address in a window. The counts live behind the Limiter port,
// which every api replica shares (infra/redis), so spreading attempts over
// replicas gains nothing. Past a limit the command is refused, before it
// runs, with ETOOMANY and the time until the window ends (HTTP 429 with
// Retry-After; the pages show it on the form). The limits wrap the handlers
// (limitAttempts), so the JSON API and the pages, which call the same
// handlers in process, are limited alike.

// Limiter counts attempts under keys, each in a window of its own.
type Limiter interface {
	// Take counts one attempt under every limit, unless one of them is
	// already full: then it counts none and returns how long until that
	// limit's window ends (0 when the attempt was counted).
	Take(ctx context.Context, limits []Limit) (wait time.Duration, err error)
	// GiveBack takes back one attempt under every limit, for an attempt
	// that turned out not to count (a login with the right password).
	GiveBack(ctx context.Context, limits []Limit) error
}

// Limit is at most Max attempts under Key in Window.
type Limit struct {
	Key    string
	Max    int
	Window time.Duration
}

// AttemptLimits are the limits the commands apply (RENTAL_ATTEMPT_WINDOW,
// RENTAL_PASSWORD_ATTEMPTS_PER_ACCOUNT, …_PER_ADDRESS,
// RENTAL_REGISTRATIONS_PER_ADDRESS). A zero Max turns that limit off.
type AttemptLimits struct {
	Window time.Duration
	// PasswordsPerAccount is how many wrong passwords one account takes: at
	// login (counted by the login typed, known account or not) and as the
	// current password of a change (counted by the account).
	PasswordsPerAccount int
	// PasswordsPerAddress is how many wrong passwords one client address
	// sends, whatever the accounts: guessing many accounts at once.
	PasswordsPerAddress int
	// RegistrationsPerAddress is how many accounts one client address opens
	// or tries to open with a taken login (which tells that it is taken).
	RegistrationsPerAddress int
}

// DefaultAttemptLimits: a person who forgot their password has ten tries a
// quarter of an hour; an office behind one address has room for its people.
var DefaultAttemptLimits = AttemptLimits{Window: 15 * time.Minute,
	PasswordsPerAccount: 10, PasswordsPerAddress: 100, RegistrationsPerAddress: 20}

// attemptRule says which limits a command takes and which outcomes count.
type attemptRule[C any] struct {
	limits func(C) []Limit
	counts func(error) bool
}

// limitAttempts wraps h with a rule: the attempt is taken before h runs
// (so attempts racing on many replicas cannot all slip under the limit) and
// given back when its outcome does not count. A nil limiter limits nothing.
func limitAttempts[C, R any](h rental.Handler[C, R], l Limiter, rule attemptRule[C]) rental.Handler[C, R] {
	if l == nil {
		return h
	}
	return rental.HandlerFunc[C, R](func(ctx context.Context, cmd C) (R, error) {
		var none R
		limits := rule.limits(cmd)
		if len(limits) == 0 {
			return h.Handle(ctx, cmd)
		}
		wait, err := l.Take(ctx, limits)
		if err != nil {
			return none, fmt.Errorf("counting an attempt: %w", err)
		}
		if wait > 0 {
			return none, rental.TooMany(wait, "too many attempts: try again in %s", inWords(wait))
		}
		r, err := h.Handle(ctx, cmd)
		if !rule.counts(err) {
			// Also when the caller left: the attempt was not made.
			_ = l.GiveBack(context.WithoutCancel(ctx), limits)
		}
		return r, err
	})
}

// inWords rounds a wait up to whole minutes, or seconds under a minute.
func inWords(d time.Duration) string {
	if d >= time.Minute {
		return fmt.Sprintf("%d minute(s)", int(math.Ceil(d.Minutes())))
	}
	return fmt.Sprintf("%d second(s)", max(1, int(math.Ceil(d.Seconds()))))
}

// limit is one limit a rule asks for: what it counts and the key.
type limit struct {
	kind, key string
	max       int
}

// limits builds the limits whose key is known; a key "" (no client address,
// as for tools and jobs) or a zero max takes none.
func (a AttemptLimits) limits(ls ...limit) []Limit {
	var out []Limit
	for _, l := range ls {
		if l.key != "" && l.max > 0 {
			out = append(out, Limit{Key: l.kind + ":" + l.key, Max: l.max, Window: a.Window})
		}
	}
	return out
}

// loginAttempts counts wrong passwords at login, per login typed and per address.
func loginAttempts(a AttemptLimits) attemptRule[OpenSession] {
	return attemptRule[OpenSession]{
		limits: func(c OpenSession) []Limit {
			login := ""
			if strings.TrimSpace(c.Login) != "" {
				login = loginKey(c.Login)
			}
			return a.limits(limit{"login", login, a.PasswordsPerAccount},
				limit{"password-address", c.Client, a.PasswordsPerAddress})
		},
		counts: func(err error) bool { return rental.ErrorCode(err) == rental.EUNAUTHORIZED },
	}
}

// wrongCurrentPassword is the problem of a current_password that does not match.
const wrongCurrentPassword = "does not match"

// currentPasswordAttempts counts wrong current passwords (a password
// change, a change of login), per account and per address.
func currentPasswordAttempts[C any](a AttemptLimits, meta func(C) Meta) attemptRule[C] {
	return attemptRule[C]{
		limits: func(c C) []Limit {
			m := meta(c)
			if m.Actor.UserID == uuid.Nil {
				return nil // refused anyway: log in first
			}
			return a.limits(limit{"password", m.Actor.UserID.String(), a.PasswordsPerAccount},
				limit{"password-address", m.Client, a.PasswordsPerAddress})
		},
		counts: func(err error) bool { return rental.ErrorFields(err)["current_password"] == wrongCurrentPassword },
	}
}

// profileAttempts counts wrong current passwords of a profile edit (a change
// of login), as a password change's; an edit that sends no password checks
// none and takes no attempt, so a nickname can be changed whatever the count.
func profileAttempts(a AttemptLimits) attemptRule[EditProfile] {
	rule := currentPasswordAttempts(a, func(c EditProfile) Meta { return c.Meta })
	return attemptRule[EditProfile]{
		limits: func(c EditProfile) []Limit {
			if c.CurrentPassword == "" {
				return nil
			}
			return rule.limits(c)
		},
		counts: rule.counts,
	}
}

// registrations counts accounts opened, or refused because the login is
// taken (which tells it is), per address.
func registrations(a AttemptLimits) attemptRule[RegisterUser] {
	return attemptRule[RegisterUser]{
		limits: func(c RegisterUser) []Limit {
			return a.limits(limit{"register-address", c.Client, a.RegistrationsPerAddress})
		},
		counts: func(err error) bool { return err == nil || rental.ErrorCode(err) == rental.ECONFLICT },
	}
}
