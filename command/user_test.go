package command

import (
	"testing"

	"github.com/google/uuid"

	"github.com/zufang/rental"
)

func TestNewUser_rules(t *testing.T) {
	cases := []struct {
		name                    string
		email, mobile, nickname string
		roles                   []string
		field                   string
	}{
		{"email", "A@Example.com", "", "n", nil, ""},
		{"mobile", "", "+86 138-0013-8000", "n", []string{"landlord"}, ""},
		{"neither", "", "", "n", nil, "email"},
		{"bad email", "not-an-email", "", "n", nil, "email"},
		{"bad mobile", "", "12345", "n", nil, "mobile"},
		{"no nickname", "a@b.cn", "", " ", nil, "nickname"},
		{"admin", "a@b.cn", "", "n", []string{"admin"}, "roles"},
		{"empty roles", "a@b.cn", "", "n", []string{}, "roles"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, _, err := NewUser(uuid.New(), tc.email, tc.mobile, "hash", tc.nickname, tc.roles, now)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				if tc.email != "" && u.Email != "a@example.com" {
					t.Fatalf("emails are stored lower-case: %q", u.Email)
				}
				if tc.mobile != "" && u.Mobile != "13800138000" {
					t.Fatalf("mobiles are stored as 11 digits: %q", u.Mobile)
				}
				return
			}
			if rental.ErrorFields(err)[tc.field] == "" {
				t.Fatalf("want invalid %s, got %v", tc.field, err)
			}
		})
	}
}

func TestUser_defaultsToTenantAndKeepsAdminOnProfileEdit(t *testing.T) {
	u, _, err := NewUser(uuid.New(), "a@b.cn", "", "h", "n", nil, now)
	if err != nil || len(u.Roles) != 1 || u.Roles[0] != rental.RoleTenant {
		t.Fatalf("default role is tenant: %v %v", u.Roles, err)
	}
	u.Grant(rental.RoleAdmin, now)
	if _, err := u.EditProfile(ProfilePatch{Roles: &[]string{"landlord"}}, now); err != nil {
		t.Fatal(err)
	}
	if !u.Has(rental.RoleAdmin) || !u.Has(rental.RoleLandlord) || u.Has(rental.RoleTenant) {
		t.Fatalf("roles after edit: %v", u.Roles)
	}
	if _, err := u.EditProfile(ProfilePatch{Email: ptr("")}, now); rental.ErrorFields(err)["email"] == "" {
		t.Fatalf("removing the only login must be refused: %v", err)
	}
}

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{"short": false, "long enough": true, string(make([]byte, 73)): false} {
		if err := CheckPassword("password", pw); (err == nil) != ok {
			t.Errorf("%d bytes: %v", len(pw), err)
		}
	}
	for _, c := range []struct {
		pw     string
		logins []string
		ok     bool
	}{
		{"password", nil, false},
		{"PassWord123", nil, false}, // the list is matched whatever the case
		{"woaini1314", nil, false},
		{"1qaz2wsx", nil, false},
		{"tenant@example.com", []string{"tenant@example.com"}, false},
		{"Tenant@Example.com", []string{" tenant@example.com"}, false},
		{"13800138000", []string{"", "13800138000"}, false},
		{"tenant@example.com", []string{"other@example.com"}, true},
		{"a sentence nobody guesses", []string{"tenant@example.com"}, true},
	} {
		err := CheckPassword("password", c.pw, c.logins...)
		if (err == nil) != c.ok || (err != nil && rental.ErrorFields(err)["password"] == "") {
			t.Errorf("%q with logins %q: %v, want ok=%v", c.pw, c.logins, err, c.ok)
		}
	}
	if len(commonPasswords) < 300 {
		t.Fatalf("a few hundred common passwords are refused, the list has %d", len(commonPasswords))
	}
}

func TestSetPasswordClearsAForcedReset(t *testing.T) {
	u := &User{MustResetPassword: true}
	u.SetPassword("new", now)
	if u.MustResetPassword || u.PasswordHash != "new" {
		t.Fatalf("%+v", u)
	}
}
