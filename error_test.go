package rental

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCodeAndMessage(t *testing.T) {
	app := Errorf(ECONFLICT, "already %s", "published")
	wrapped := fmt.Errorf("publishing: %w", app)
	if ErrorCode(wrapped) != ECONFLICT || ErrorMessage(wrapped) != "already published" {
		t.Fatalf("code/message lost through wrapping: %q %q", ErrorCode(wrapped), ErrorMessage(wrapped))
	}
	other := errors.New("dial tcp: connection refused")
	if ErrorCode(other) != EINTERNAL || ErrorMessage(other) != "internal error" {
		t.Fatalf("other errors are internal and hidden: %q %q", ErrorCode(other), ErrorMessage(other))
	}
	if ErrorCode(nil) != "" {
		t.Fatal("nil has no code")
	}
}

func TestInvalid(t *testing.T) {
	if Invalid(map[string]string{}) != nil {
		t.Fatal("no problems, no error")
	}
	err := Invalid(map[string]string{"price": "must be > 0", "city": "unknown"})
	if ErrorCode(err) != EINVALID || ErrorFields(err)["price"] != "must be > 0" || ErrorMessage(err) != "invalid city, price" {
		t.Fatalf("got %v", err)
	}
}
