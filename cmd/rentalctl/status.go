package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/status"
)

func statusCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status",
		Short: "One screen: MySQL nodes, proxy backends, Sentinel, streams, outbox; exit 1 when a problem is found",
		Long: `status reads every part of the topology and prints one screen. Each MySQL node is asked
directly (RENTAL_MYSQL_NODES), the proxy through its stats (RENTAL_HAPROXY_STATS_URL) or admin
interface (RENTAL_PROXYSQL_ADMIN_DSN), Redis through the Sentinels, the outbox through the writer.
A source that cannot be read is shown as such. See docs/OPERATIONS.md for what each line means.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.FromEnv()
			if err != nil {
				return err
			}
			report := ops.Status(cmd.Context(), cfg, cfg.Logger().With("process", "rentalctl"))
			out := cmd.OutOrStdout()
			if asJSON {
				if err := writeJSON(out, report); err != nil {
					return err
				}
			} else if err := status.Write(out, report); err != nil {
				return err
			}
			if !report.Healthy() {
				return fmt.Errorf("%d problem(s)", len(report.Problems))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return c
}
