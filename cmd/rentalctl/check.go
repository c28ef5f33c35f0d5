package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zufang/rental/infra/check"
	"github.com/zufang/rental/infra/mysql"
)

func checkCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "check",
		Short: "Compare every read model with MySQL; exit 1 when anything differs",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			base, err := openBase(ctx)
			if err != nil {
				return err
			}
			defer base.Close()
			report, err := check.Run(ctx, mysql.NewStates(base.Pools.Writer, base.Catalog), base.RM)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				_ = enc.Encode(report)
			} else {
				for _, d := range report.Differences {
					fmt.Fprintf(out, "%-50s %-28s want %s, got %s\n", d.Key, d.What, clip(d.Want), clip(d.Got))
				}
				fmt.Fprintf(out, "checked %v: %d differences\n", report.Checked, len(report.Differences))
			}
			if !report.Clean() {
				return fmt.Errorf("%d differences", len(report.Differences))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return c
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}
