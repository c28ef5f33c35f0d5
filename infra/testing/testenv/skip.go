package testenv

import (
	"fmt"
	"os"
	"testing"
)

// SkipOrFail skips a test whose dependency is missing on this machine, except
// under CI=true, where .ci/run installs every dependency and a missing one is
// a failure: a skipped test there would pass silently.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: a missing dependency fails)", msg)
		return
	}
	t.Skipf("%s; CI=true makes this a failure", msg)
}
