// Command rentalctl is the operator's tool: migrate the schema, seed demo
// data, create accounts, rebuild read models. Every subcommand works with no
// flags right after `make up` (configuration comes from RENTAL_* variables).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := &cobra.Command{
		Use:           "rentalctl",
		Short:         "Operate the rental platform",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(migrateCmd(), seedCmd(), userCmd(), replayCmd(), checkCmd(), dlqCmd(), importCmd())
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "rentalctl:", err)
		code := 1
		var st exitStatus
		if errors.As(err, &st) {
			code = st.code
		}
		os.Exit(code)
	}
}

// exitStatus is an error that asks for a particular exit status (check: 1
// when something differs, 2 when the check itself failed).
type exitStatus struct {
	code int
	err  error
}

func exit(code int, err error) error { return exitStatus{code: code, err: err} }

func (e exitStatus) Error() string { return e.err.Error() }
func (e exitStatus) Unwrap() error { return e.err }
