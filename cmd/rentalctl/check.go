package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/check"
)

func checkCmd() *cobra.Command {
	var asJSON, repair bool
	c := &cobra.Command{
		Use:   "check",
		Short: "Compare every read model with MySQL (--repair rewrites what differs)",
		Long: "Compares every read model with the MySQL state: counts per table and index key, then document by\n" +
			"document, field by field and version by version. --repair rewrites what differs through the version\n" +
			"compare-and-set (a newer version written meanwhile always wins).\n" +
			"Exit status: 0 nothing differs (after --repair: any more), 1 differences remain, 2 the check failed.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			base, err := openBase(ctx)
			if err != nil {
				return exit(2, err)
			}
			defer base.Close()
			report, err := check.Run(ctx, base.RM, ops.Checkers(base), check.Options{Repair: repair, Log: base.Log})
			if err != nil {
				return exit(2, err)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				_ = writeJSON(out, report)
			} else {
				for _, c := range report.Counts {
					fmt.Fprintf(out, "count  %-10s %-48s mysql %d, redis %d\n", c.Projection, c.Key, c.MySQL, c.Redis)
				}
				for _, d := range report.Differences {
					state := "differs "
					if d.Repaired {
						state = "repaired"
					}
					fmt.Fprintf(out, "%s %-10s %-48s %-24s want %s, got %s\n", state, d.Projection, d.Key, d.What, clip(d.Want), clip(d.Got))
				}
				fmt.Fprintf(out, "checked %v: %d differences, %d repaired\n", report.Checked, len(report.Differences), report.Repaired)
			}
			if n := report.Unrepaired(); n > 0 {
				return exit(1, fmt.Errorf("%d differences", n))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	c.Flags().BoolVar(&repair, "repair", false, "rewrite the read models that differ")
	return c
}

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}
