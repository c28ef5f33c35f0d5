package command

import (
	_ "embed"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// User is an account. Its rules:
//   - it logs in with an email or a mainland mobile number (at least one);
//     both are unique across users (the store enforces it with unique keys);
//   - the password is 8–72 bytes (bcrypt's limit) and only its hash is kept;
//   - a user holds tenant and/or landlord; admin is never self-assigned, only
//     granted by an operator with `rentalctl user create --admin`.
type User struct {
	ID           uuid.UUID
	Version      int64
	Email        string
	Mobile       string
	PasswordHash string
	// MustResetPassword is set on accounts whose password could not be kept
	// (imported from a site that stored it in plain text); SetPassword clears it.
	MustResetPassword bool
	Nickname          string
	Roles             []rental.Role
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

var mobilePattern = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// NewUser registers an account. The password must already be checked with
// CheckPassword and hashed; roles default to tenant.
func NewUser(id uuid.UUID, email, mobile, passwordHash, nickname string, roles []string, now time.Time) (*User, events.Type, error) {
	bad := map[string]string{}
	u := &User{ID: id, PasswordHash: passwordHash, CreatedAt: now, UpdatedAt: now}
	u.Email, u.Mobile = normalizeEmail(email), normalizeMobile(mobile)
	if u.Email == "" && u.Mobile == "" {
		bad["email"] = "email or mobile is required"
	}
	if email != "" {
		checkEmail(u.Email, bad)
	}
	if mobile != "" {
		checkMobile(u.Mobile, bad)
	}
	u.Nickname = strings.TrimSpace(nickname)
	checkNickname(u.Nickname, bad)
	if roles == nil {
		roles = []string{string(rental.RoleTenant)}
	}
	u.Roles = parseSelfRoles(roles, bad)
	if err := rental.Invalid(bad); err != nil {
		return nil, "", err
	}
	return u, events.UserRegistered, nil
}

// ProfilePatch holds what a user may change about themself; nil leaves it.
type ProfilePatch struct {
	Nickname *string   `json:"nickname"`
	Email    *string   `json:"email"`
	Mobile   *string   `json:"mobile"`
	Roles    *[]string `json:"roles"`
}

// EditProfile changes nickname, contact or self-assignable roles. Admin, if
// held, is kept: a user cannot drop or gain it here.
func (u *User) EditProfile(p ProfilePatch, now time.Time) (events.Type, error) {
	bad := map[string]string{}
	next := *u
	if p.Nickname != nil {
		next.Nickname = strings.TrimSpace(*p.Nickname)
		checkNickname(next.Nickname, bad)
	}
	if p.Email != nil {
		next.Email = normalizeEmail(*p.Email)
		if next.Email != "" {
			checkEmail(next.Email, bad)
		}
	}
	if p.Mobile != nil {
		next.Mobile = normalizeMobile(*p.Mobile)
		if next.Mobile != "" {
			checkMobile(next.Mobile, bad)
		}
	}
	if next.Email == "" && next.Mobile == "" {
		bad["email"] = "email or mobile is required"
	}
	if p.Roles != nil {
		next.Roles = parseSelfRoles(*p.Roles, bad)
		if u.Has(rental.RoleAdmin) {
			next.Roles = append(next.Roles, rental.RoleAdmin)
		}
	}
	if err := rental.Invalid(bad); err != nil {
		return "", err
	}
	next.UpdatedAt = now
	*u = next
	return events.UserProfileUpdated, nil
}

// SetPassword replaces the password hash (the caller checked the old password).
func (u *User) SetPassword(hash string, now time.Time) events.Type {
	u.PasswordHash, u.MustResetPassword, u.UpdatedAt = hash, false, now
	return events.UserPasswordChanged
}

// Grant adds a role; only operator tools call it.
func (u *User) Grant(r rental.Role, now time.Time) events.Type {
	if !u.Has(r) {
		u.Roles = append(u.Roles, r)
	}
	u.UpdatedAt = now
	return events.UserRolesChanged
}

// Has reports whether the user holds the role.
func (u *User) Has(r rental.Role) bool { return slices.Contains(u.Roles, r) }

// State is the user as events carry it: never the password hash.
func (u *User) State() events.UserState {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return events.UserState{
		ID: u.ID, Version: u.Version, Email: u.Email, Mobile: u.Mobile, Nickname: u.Nickname,
		Roles: roles, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(),
	}
}

// CheckPassword enforces the policy for a password being chosen: 8 to 72
// bytes (bcrypt reads no further), none of the account's logins (email or
// mobile, as typed or normalised), and none of the commonest passwords,
// whatever their case.
func CheckPassword(field, pw string, logins ...string) error {
	switch {
	case len(pw) < 8:
		return rental.InvalidField(field, "must be at least 8 characters")
	case len(pw) > MaxPasswordBytes:
		return rental.InvalidField(field, "must be at most 72 bytes")
	case commonPasswords[strings.ToLower(pw)]:
		return rental.InvalidField(field, "is one of the commonest passwords: choose another")
	}
	for _, login := range logins {
		if login != "" && (strings.EqualFold(pw, login) || strings.EqualFold(strings.TrimSpace(pw), loginKey(login))) {
			return rental.InvalidField(field, "must not be your email or mobile")
		}
	}
	return nil
}

// MaxPasswordBytes is bcrypt's limit: it ignores what comes after, so a
// longer password is refused, at login too, rather than cut.
const MaxPasswordBytes = 72

//go:embed common_passwords.txt
var commonPasswordList string

// commonPasswords are the passwords of common_passwords.txt, in lower case.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordList, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// normalizeEmail is the one spelling of an address, stored and looked up,
// then compared byte for byte (accents and look-alikes are other addresses):
// trimmed, in Unicode NFC (an accent typed as a combining mark is the same
// letter) and in lower case. The local part is lowered too: the mail
// providers people use ignore its case, and every account registered so far
// was stored that way, so a user who types a capital still logs in.
func normalizeEmail(s string) string { return strings.ToLower(norm.NFC.String(strings.TrimSpace(s))) }

func normalizeMobile(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+86")
	return strings.NewReplacer(" ", "", "-", "").Replace(s)
}

func checkEmail(email string, bad map[string]string) {
	if problem := lineProblem(email, 1, 254); problem != "" {
		bad["email"] = problem
		return
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		bad["email"] = "must be a valid email address"
	}
}

func checkMobile(mobile string, bad map[string]string) {
	if !mobilePattern.MatchString(mobile) {
		bad["mobile"] = "must be an 11-digit mainland mobile number"
	}
}

func checkNickname(n string, bad map[string]string) {
	if c := utf8.RuneCountInString(n); c < 1 || c > 32 {
		bad["nickname"] = "must be 1 to 32 characters"
	} else if problem := lineProblem(n, 1, 32); problem != "" {
		bad["nickname"] = problem
	}
}

// parseSelfRoles accepts the roles a user may give themself, once each.
func parseSelfRoles(in []string, bad map[string]string) []rental.Role {
	out := []rental.Role{}
	for _, r := range in {
		role := rental.Role(strings.TrimSpace(r))
		if role != rental.RoleTenant && role != rental.RoleLandlord {
			bad["roles"] = "each role must be tenant or landlord"
			continue
		}
		if !slices.Contains(out, role) {
			out = append(out, role)
		}
	}
	if len(out) == 0 && bad["roles"] == "" {
		bad["roles"] = "at least one role is required"
	}
	return out
}
