package main

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/deadletter"
)

func dlqCmd() *cobra.Command {
	c := &cobra.Command{Use: "dlq", Short: "Inspect, retry or drop the events the workers could not apply (dead letters)"}
	var limit int64
	var after string
	list := &cobra.Command{
		Use:   "list",
		Short: "List dead letters, oldest first, with the reason and the handler that failed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withDLQ(cmd, func(q *deadletter.Queue) error {
				entries, err := q.List(cmd.Context(), after, limit)
				if err != nil {
					return err
				}
				n, err := q.Len(cmd.Context())
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 2, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tPARKED\tSTREAM\tHANDLER\tEVENT\tREASON")
				for _, e := range entries {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.ParkedAt.Format(time.DateTime), e.Stream, e.Handler,
						e.Summary(), clip(e.Reason))
				}
				_ = w.Flush()
				fmt.Fprintf(cmd.OutOrStdout(), "%d of %d dead letters\n", len(entries), n)
				return nil
			})
		},
	}
	list.Flags().Int64Var(&limit, "limit", 50, "show at most this many")
	list.Flags().StringVar(&after, "after", "", "start after this id (paging)")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one dead letter in full (JSON)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withDLQ(cmd, func(q *deadletter.Queue) error {
				e, err := q.Get(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return writeJSON(cmd.OutOrStdout(), e)
			})
		},
	}
	c.AddCommand(list, show,
		eachDLQ("retry", "Re-publish dead letters to the stream they came from (once the cause is fixed)",
			func(cmd *cobra.Command, q *deadletter.Queue, id string) error {
				e, err := q.Retry(cmd.Context(), id)
				if err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: re-published to %s\n", id, e.Stream)
				}
				return err
			}),
		eachDLQ("drop", "Delete dead letters for good",
			func(cmd *cobra.Command, q *deadletter.Queue, id string) error {
				err := q.Drop(cmd.Context(), id)
				if err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: dropped\n", id)
				}
				return err
			}))
	return c
}

// eachDLQ is retry or drop: the given ids, or --all of them.
func eachDLQ(name, short string, act func(*cobra.Command, *deadletter.Queue, string) error) *cobra.Command {
	var all bool
	c := &cobra.Command{
		Use:   name + " ID... | --all",
		Short: short,
		RunE: func(cmd *cobra.Command, ids []string) error {
			if all == (len(ids) > 0) {
				return errors.New("name the dead letters or pass --all")
			}
			return withDLQ(cmd, func(q *deadletter.Queue) error {
				if all {
					entries, err := q.List(cmd.Context(), "", 1<<20)
					if err != nil {
						return err
					}
					for _, e := range entries {
						ids = append(ids, e.ID)
					}
				}
				var errs []error
				for _, id := range ids {
					errs = append(errs, act(cmd, q, id))
				}
				return errors.Join(errs...)
			})
		},
	}
	c.Flags().BoolVar(&all, "all", false, "every dead letter")
	return c
}

func withDLQ(cmd *cobra.Command, fn func(*deadletter.Queue) error) error {
	base, err := openBase(cmd.Context())
	if err != nil {
		return err
	}
	defer base.Close()
	q, err := ops.DeadLetters(base)
	if err != nil {
		return err
	}
	return fn(q)
}
