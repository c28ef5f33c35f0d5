package testenv_test

import (
	"testing"

	"github.com/zufang/rental/infra/testing/testenv"
)

// recorder notes how a test ended without ending the real one.
type recorder struct {
	testing.TB
	failed, skipped bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Skipf(string, ...any)  { r.skipped = true }

func TestSkipOrFail_failsUnderCIAndSkipsElsewhere(t *testing.T) {
	for _, c := range []struct {
		ci         string
		fail, skip bool
	}{{"true", true, false}, {"", false, true}, {"false", false, true}} {
		t.Setenv("CI", c.ci)
		r := &recorder{TB: t}
		testenv.SkipOrFail(r, "no %s", "haproxy")
		if r.failed != c.fail || r.skipped != c.skip {
			t.Errorf("CI=%q: failed %v skipped %v, want %v %v", c.ci, r.failed, r.skipped, c.fail, c.skip)
		}
	}
}
