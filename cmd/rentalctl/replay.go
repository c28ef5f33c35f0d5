package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/system"
)

func replayCmd() *cobra.Command {
	var projections []string
	c := &cobra.Command{
		Use:   "replay",
		Short: "Rebuild read models from event_log into a new generation, then switch to it",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			base, err := openBase(ctx)
			if err != nil {
				return err
			}
			defer base.Close()
			w, err := system.NewWorker(base)
			if err != nil {
				return err
			}
			held, release, ok, err := base.RM.RebuildLock(ctx, "rentalctl-replay")
			if err != nil {
				return err
			}
			if !ok {
				return errors.New("another rebuild is running (rebuild lock held)")
			}
			defer release()
			rebuilt, n, err := w.Replayer().Rebuild(held, projections...)
			if err != nil {
				return err
			}
			for _, r := range rebuilt {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: generation %s is live (was %q)\n", r.Projection, r.Gen, r.Old)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "replayed %d events; old generations are deleted in %s\n", n, readmodel.OldGenerationGrace)
			time.Sleep(readmodel.OldGenerationGrace)
			for _, r := range rebuilt {
				if r.Old == "" {
					continue
				}
				if _, err := base.RM.DropGeneration(ctx, r.Projection, r.Old); err != nil {
					return err
				}
			}
			return nil
		},
	}
	c.Flags().StringSliceVar(&projections, "projection", nil, "rebuild only these read models (listings, users)")
	return c
}
