package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/system"
)

func migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the embedded schema migrations (idempotent)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.FromEnv()
			if err != nil {
				return err
			}
			pools, err := system.OpenWriter(cmd.Context(), cfg, cfg.Logger())
			if err != nil {
				return err
			}
			defer pools.Close()
			applied, err := mysql.Migrate(cmd.Context(), pools.Writer)
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "schema is up to date")
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "applied migrations %v\n", applied)
			return nil
		},
	}
}
