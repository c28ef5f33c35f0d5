package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/zufang/rental/infra/testing/testenv"
)

// TestMain says, once the suite is done, how many of the API's answers its
// clients held to the OpenAPI document (go test -v shows it), so a change
// that stopped the check would show as a count near zero.
func TestMain(m *testing.M) {
	code := m.Run()
	fmt.Printf("contract: %d answers of the API held to the OpenAPI document\n", testenv.CheckedAnswers())
	os.Exit(code)
}
