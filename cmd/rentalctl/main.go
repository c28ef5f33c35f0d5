// Command rentalctl is the operator's tool: migrate the schema, seed demo
// data, create accounts, rebuild read models. Every subcommand works with no
// flags right after `make up` (configuration comes from RENTAL_* variables).
package main

import (
	"context"
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
	root.AddCommand(migrateCmd(), seedCmd(), userCmd(), replayCmd(), checkCmd(), statusCmd())
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "rentalctl:", err)
		os.Exit(1)
	}
}
