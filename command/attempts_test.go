package command

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
)

// countingLimiter is a Limiter in memory: counts per key, no windows.
type countingLimiter struct{ n map[string]int }

func (l *countingLimiter) Take(_ context.Context, limits []Limit) (time.Duration, error) {
	for _, lim := range limits {
		if l.n[lim.Key] >= lim.Max {
			return lim.Window, nil
		}
	}
	for _, lim := range limits {
		l.n[lim.Key]++
	}
	return 0, nil
}

func (l *countingLimiter) GiveBack(_ context.Context, limits []Limit) error {
	for _, lim := range limits {
		l.n[lim.Key]--
	}
	return nil
}

func TestAttempts_loginCountsWrongPasswordsPerLoginAndAddress(t *testing.T) {
	l := &countingLimiter{n: map[string]int{}}
	limits := AttemptLimits{Window: time.Minute, PasswordsPerAccount: 3, PasswordsPerAddress: 5}
	right := "right-password"
	h := limitAttempts[OpenSession, SessionOpened](rental.HandlerFunc[OpenSession, SessionOpened](
		func(_ context.Context, c OpenSession) (SessionOpened, error) {
			if c.Password != right {
				return SessionOpened{}, errBadLogin
			}
			return SessionOpened{Token: "t"}, nil
		}), l, loginAttempts(limits))
	login := func(who, pw, from string) error {
		_, err := h.Handle(context.Background(), OpenSession{Meta: Meta{Client: from}, Login: who, Password: pw})
		return err
	}
	// Right passwords do not count: any number of logins.
	for range 10 {
		if err := login("a@example.com", right, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if err := login("a@example.com", "wrong", "10.0.0.1"); rental.ErrorCode(err) != rental.EUNAUTHORIZED {
			t.Fatalf("wrong password %d: %v", i+1, err)
		}
	}
	// The same account, spelt otherwise and from elsewhere: refused, even with the right password.
	err := login(" A@Example.com", right, "10.0.0.2")
	if rental.ErrorCode(err) != rental.ETOOMANY || rental.ErrorRetryAfter(err) != time.Minute {
		t.Fatalf("after 3 wrong passwords the account waits: %v", err)
	}
	// Other accounts from the same address: 2 more wrong ones fill the address's 5.
	login("b@example.com", "wrong", "10.0.0.1")
	login("c@example.com", "wrong", "10.0.0.1")
	if err := login("d@example.com", right, "10.0.0.1"); rental.ErrorCode(err) != rental.ETOOMANY {
		t.Fatalf("after 5 wrong passwords the address waits: %v", err)
	}
	if err := login("d@example.com", right, "10.0.0.3"); err != nil {
		t.Fatalf("another address is not limited: %v", err)
	}
	// Tools (no address) are limited per account only.
	if err := login("d@example.com", right, ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.n["password-address:"]; ok {
		t.Fatal("no address, no address limit")
	}
}

func TestAttempts_registrationsAndCurrentPasswords(t *testing.T) {
	l := &countingLimiter{n: map[string]int{}}
	limits := AttemptLimits{Window: time.Minute, PasswordsPerAccount: 2, PasswordsPerAddress: 100, RegistrationsPerAddress: 2}
	var outcome error
	reg := limitAttempts[RegisterUser, Result](rental.HandlerFunc[RegisterUser, Result](
		func(context.Context, RegisterUser) (Result, error) { return Result{}, outcome }), l, registrations(limits))
	from := RegisterUser{Meta: Meta{Client: "10.0.0.9"}}
	outcome = rental.InvalidField("email", "must be a valid email address")
	for range 5 { // typos do not count
		reg.Handle(context.Background(), from)
	}
	outcome = nil
	reg.Handle(context.Background(), from)
	outcome = rental.Errorf(rental.ECONFLICT, "taken") // tells the login is taken: counts
	reg.Handle(context.Background(), from)
	if _, err := reg.Handle(context.Background(), from); rental.ErrorCode(err) != rental.ETOOMANY {
		t.Fatalf("the third registration from one address within the window: %v", err)
	}

	user := Meta{Actor: rental.Actor{UserID: uuid.New(), Roles: []rental.Role{rental.RoleTenant}}, Client: "10.0.0.9"}
	change := limitAttempts[ChangePassword, Result](rental.HandlerFunc[ChangePassword, Result](
		func(_ context.Context, c ChangePassword) (Result, error) {
			if c.Current != "right" {
				return Result{}, rental.InvalidField("current_password", wrongCurrentPassword)
			}
			if len(c.New) < 8 {
				return Result{}, rental.InvalidField("new_password", "must be at least 8 characters")
			}
			return Result{}, nil
		}), l, currentPasswordAttempts(limits, func(c ChangePassword) Meta { return c.Meta }))
	for range 5 { // a refused new password is no guess of the current one
		change.Handle(context.Background(), ChangePassword{Meta: user, Current: "right", New: "short"})
	}
	for range 2 {
		change.Handle(context.Background(), ChangePassword{Meta: user, Current: "guess", New: "long-enough"})
	}
	if _, err := change.Handle(context.Background(), ChangePassword{Meta: user, Current: "right", New: "long-enough"}); rental.ErrorCode(err) != rental.ETOOMANY {
		t.Fatalf("after 2 wrong current passwords: %v", err)
	}
}
