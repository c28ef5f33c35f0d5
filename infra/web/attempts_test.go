package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/testing/testenv"
)

// The pages call the same handlers as the API, so they share its attempt
// limits; a refusal is the form again, with when to try, and 429.
func TestAttempts_theFormsSayWhenToTryAgain(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1, Configure: func(c *config.Config) {
		c.Attempts = command.AttemptLimits{Window: 15 * time.Minute, PasswordsPerAccount: 2, PasswordsPerAddress: 100, RegistrationsPerAddress: 100}
	}})
	b, _ := tenantAt(t, sys, "limited@example.com")
	for range 2 {
		if p := b.post("/me/password", url.Values{"current_password": {"a-wrong-guess"}, "new_password": {"brand-new-pass"}, "new_password2": {"brand-new-pass"}}); p.Status != http.StatusBadRequest {
			t.Fatalf("a wrong current password: %d", p.Status)
		}
	}
	p := b.post("/me/password", url.Values{"current_password": {"correct-horse"}, "new_password": {"brand-new-pass"}, "new_password2": {"brand-new-pass"}})
	if p.Status != http.StatusTooManyRequests {
		t.Fatalf("the password form after 2 wrong current passwords: %d, want 429", p.Status)
	}
	p.contains(t, "尝试次数过多，请 15 分钟后再试", `id="profile-form"`)

	anon := newBrowser(t, sys)
	for range 2 {
		if p := anon.login("limited@example.com", "wrong-horse", "/"); p.Status != http.StatusUnauthorized {
			t.Fatalf("a wrong password: %d", p.Status)
		}
	}
	p = anon.login("limited@example.com", "correct-horse", "/")
	if p.Status != http.StatusTooManyRequests {
		t.Fatalf("the login form after 2 wrong passwords: %d, want 429", p.Status)
	}
	p.contains(t, "尝试次数过多，请 15 分钟后再试", `name="login"`, `value="limited@example.com"`)
	if wait, _ := strconv.Atoi(p.Header.Get("Retry-After")); wait < 1 || wait > 900 {
		t.Fatalf("Retry-After %q", p.Header.Get("Retry-After"))
	}
}
