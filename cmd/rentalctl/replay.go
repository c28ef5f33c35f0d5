package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zufang/rental/infra/system"
)

func replayCmd() *cobra.Command {
	var projections []string
	var abort bool
	c := &cobra.Command{
		Use:   "replay",
		Short: "Rebuild read models from event_log into a new generation while the live one serves, then switch",
		Long: "Rebuilds every read model (or --projection NAME) from event_log into a new generation while the\n" +
			"current one keeps serving and the workers write new events to both, switches in one step once caught\n" +
			"up, and retires the old generation (the workers delete it after RENTAL_GENERATION_GRACE).\n" +
			"An interrupted replay resumes where it stopped when run again; --abort abandons it instead.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			base, err := openBase(ctx)
			if err != nil {
				return err
			}
			defer base.Close()
			replayer := system.NewReplayer(base)
			held, release, ok, err := base.RM.RebuildLock(ctx, "rentalctl-replay")
			if err != nil {
				return err
			}
			if !ok {
				return errors.New("another rebuild is running (rebuild lock held)")
			}
			defer release()
			out := cmd.OutOrStdout()
			if abort {
				aborted, err := system.AbortRebuilds(held, base, replayer, projections...)
				fmt.Fprintf(out, "abandoned the rebuilds of %v\n", aborted)
				return err
			}
			report, finish := progress("replay", "events")
			replayer.Progress = report
			rebuilt, n, err := replayer.Rebuild(held, projections...)
			finish()
			if err != nil {
				return fmt.Errorf("%w (run rentalctl replay again to resume)", err)
			}
			for _, r := range rebuilt {
				fmt.Fprintf(out, "%s: generation %s is live (was %q)\n", r.Projection, r.Gen, r.Old)
			}
			fmt.Fprintf(out, "replayed %d events; the workers delete the old generations after %s\n", n, base.Cfg.GenerationGrace)
			if pending, err := replayer.Building(ctx, projections...); err == nil && len(pending) > 0 {
				fmt.Fprintf(out, "an interrupted rebuild of %v is pending: run rentalctl replay --projection NAME to finish it, or --abort\n", pending)
			}
			return nil
		},
	}
	c.Flags().StringSliceVar(&projections, "projection", nil, "rebuild only these read models (listings, users, orders, favorites, views, history)")
	c.Flags().BoolVar(&abort, "abort", false, "abandon an interrupted rebuild instead of resuming it")
	return c
}
