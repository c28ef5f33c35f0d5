// Command rentalctl is the operator's tool: migrate the schema, seed demo
// data, create accounts, rebuild read models, check and repair them, import
// the old site, handle dead letters. Every subcommand works with no flags
// right after `make up` (configuration comes from RENTAL_* variables).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs one rentalctl command line and returns its exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "rentalctl",
		Short:         "Operate the rental platform",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(migrateCmd(), seedCmd(), userCmd(), replayCmd(), checkCmd(), statusCmd(), dlqCmd(), importCmd())
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "rentalctl:", err)
		var st exitStatus
		if errors.As(err, &st) {
			return st.code
		}
		return 1
	}
	return 0
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

// writeJSON prints v as indented JSON (the --json output of every command).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
