package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/zufang/rental/infra/testing/testenv"
)

func TestAPI_badInputIsA400NamingTheField(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	landlord, _ := sys.Register("bad@example.com", "landlord")
	cases := []struct {
		name, method, path string
		body               any
		field              string
	}{
		{"price of the wrong type", "POST", "/listings", `{"price":"cheap"}`, "price"},
		{"negative price", "POST", "/listings", map[string]any{"price": -5}, "price"},
		{"unknown city", "POST", "/listings", map[string]any{"city": "atlantis"}, "city"},
		{"district of another city", "POST", "/listings", map[string]any{"city": "shanghai", "district": "haidian"}, "district"},
		{"unknown facility", "POST", "/listings", map[string]any{"facilities": []string{"pool"}}, "facilities"},
		{"unknown field", "POST", "/listings", map[string]any{"colour": "red"}, "colour"},
		{"not JSON", "POST", "/listings", `{"title":`, "body"},
		{"no body", "POST", "/listings", nil, "body"},
		{"bad email", "POST", "/users", map[string]any{"email": "nope", "password": "long-enough", "nickname": "x"}, "email"},
		{"short password", "POST", "/users", map[string]any{"email": "a@b.cn", "password": "short", "nickname": "x"}, "password"},
		{"admin role", "POST", "/users", map[string]any{"email": "a@b.cn", "password": "long-enough", "nickname": "x", "roles": []string{"admin"}}, "roles"},
		{"listing id", "GET", "/listings/not-a-uuid", nil, "id"},
		{"page size", "GET", "/listings?page_size=500", nil, "page_size"},
		{"price filter", "GET", "/listings?price_min=abc", nil, "price_min"},
		{"reversed price range", "GET", "/listings?price_min=5000&price_max=100", nil, "price_max"},
		{"sort", "GET", "/listings?sort=random", nil, "sort"},
		{"district without city", "GET", "/listings?district=haidian", nil, "city"},
		{"min_version", "GET", "/listings/01a20a2c-ae6e-7ea7-9a3f-e1661885ea25?min_version=x", nil, "min_version"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := landlord.Do(tc.method, tc.path, tc.body)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
			}
			e := r.JSON(t)["error"].(map[string]any)
			if e["code"] != "invalid" {
				t.Fatalf("code %v, want invalid", e["code"])
			}
			if _, ok := e["fields"].(map[string]any)[tc.field]; !ok {
				t.Fatalf("the error must name %q: %s", tc.field, r.Body)
			}
		})
	}
}

func TestAPI_onlyTheOwnerChangesAListing(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	owner, _ := sys.Register("owner@example.com", "landlord")
	other, _ := sys.Register("other@example.com", "landlord")
	tenant, _ := sys.Register("tenant@example.com", "tenant")
	id := owner.Must(http.StatusCreated, "POST", "/listings", flat("Mine", 3000))["id"].(string)

	for _, call := range []struct {
		method, path string
		body         any
	}{
		{"PATCH", "/listings/" + id, map[string]any{"title": "theirs"}},
		{"POST", "/listings/" + id + "/publish", nil},
		{"POST", "/listings/" + id + "/images", map[string]any{"url": "https://x.cn/a.jpg"}},
		{"DELETE", "/listings/" + id, nil},
	} {
		// A draft does not exist for anyone else: changing it answers as reading it does.
		if r := other.Do(call.method, call.path, call.body); r.Status != http.StatusNotFound {
			t.Fatalf("another landlord: %s %s of a draft answered %d, want 404: %s", call.method, call.path, r.Status, r.Body)
		}
	}
	if r := tenant.Do("POST", "/listings", flat("x", 1)); r.Status != http.StatusForbidden {
		t.Fatalf("a tenant without the landlord role cannot create listings: %d", r.Status)
	}
	if r := sys.Client().Do("POST", "/listings", flat("x", 1)); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous create must be 401: %d", r.Status)
	}
	owner.Must(http.StatusOK, "PATCH", "/listings/"+id, map[string]any{"title": "Still mine"})
}

func TestAPI_sessions(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	user, _ := sys.Register("session@example.com", "tenant")
	user.Must(http.StatusOK, "GET", "/users/me", nil)

	if r := sys.Client().Do("POST", "/sessions", map[string]any{"login": "session@example.com", "password": "wrong-password"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("a wrong password is 401, got %d", r.Status)
	}
	if r := sys.Client().Do("POST", "/sessions", map[string]any{"login": "nobody@example.com", "password": "wrong-password"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("an unknown login is 401, got %d", r.Status)
	}
	user.Must(http.StatusNoContent, "DELETE", "/sessions", nil)
	if r := user.Do("GET", "/users/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("a revoked token must be 401, got %d: %s", r.Status, r.Body)
	}
	bogus := sys.Client()
	bogus.Token = "forged"
	if r := bogus.Do("GET", "/listings", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("a bad token is refused on any route, got %d", r.Status)
	}

	// Changing the password ends the other sessions but keeps this one.
	a, _ := sys.Register("pw@example.com", "tenant")
	b := sys.Client()
	b.Token = b.Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "pw@example.com", "password": "correct-horse"})["token"].(string)
	if r := a.Do("PUT", "/users/me/password", map[string]any{"current_password": "nope", "new_password": "battery-staple"}); r.Status != http.StatusBadRequest {
		t.Fatalf("a wrong current password is 400, got %d", r.Status)
	}
	a.Must(http.StatusOK, "PUT", "/users/me/password", map[string]any{"current_password": "correct-horse", "new_password": "battery-staple"})
	a.Must(http.StatusOK, "GET", "/users/me", nil)
	if r := b.Do("GET", "/users/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("other sessions end when the password changes, got %d", r.Status)
	}
	sys.Client().Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "pw@example.com", "password": "battery-staple"})
}

func TestAPI_registrationConflictsAndProfile(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	user, _ := sys.Register("dup@example.com", "tenant")
	r := sys.Client().Do("POST", "/users", map[string]any{"email": "DUP@example.com", "password": "long-enough", "nickname": "x"})
	if r.Status != http.StatusConflict {
		t.Fatalf("a taken email is 409, got %d", r.Status)
	}
	res := user.Must(http.StatusOK, "PATCH", "/users/me", map[string]any{"nickname": "新名字", "roles": []string{"tenant", "landlord"}})
	me := user.Must(http.StatusOK, "GET", "/users/me?min_version=2", nil)
	if me["nickname"] != "新名字" || me["version"] != res["version"] {
		t.Fatalf("profile edit not visible: %v", me)
	}
	// The new role takes effect at once: the user may now create listings.
	user.Must(http.StatusCreated, "POST", "/listings", flat("now a landlord", 2000))
}

func TestAPI_logoutAndRoleChangesReachEveryReplica(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	a, _ := sys.Register("replicas@example.com", "tenant")
	b := sys.StartAPI()
	b.Token = a.Token
	for range 3 { // warm replica b's session cache
		b.Must(http.StatusOK, "GET", "/users/me", nil)
	}
	if r := b.Do("POST", "/listings", flat("x", 1000)); r.Status != http.StatusForbidden {
		t.Fatalf("a tenant cannot create listings yet: %d", r.Status)
	}
	a.Must(http.StatusOK, "PATCH", "/users/me", map[string]any{"roles": []string{"tenant", "landlord"}})
	testenv.Eventually(t, 5*time.Second, func() string {
		if r := b.Do("POST", "/listings", flat("now a landlord", 1000)); r.Status != http.StatusCreated {
			return fmt.Sprintf("the other replica still sees the old roles: %d", r.Status)
		}
		return ""
	})
	a.Must(http.StatusNoContent, "DELETE", "/sessions", nil)
	testenv.Eventually(t, 5*time.Second, func() string {
		if r := b.Do("GET", "/users/me", nil); r.Status != http.StatusUnauthorized {
			return fmt.Sprintf("the other replica still accepts a revoked token: %d", r.Status)
		}
		return ""
	})
}
