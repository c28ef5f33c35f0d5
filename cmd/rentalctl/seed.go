package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/ops/demo"
	"github.com/zufang/rental/infra/relay"
	"github.com/zufang/rental/infra/system"
)

// Demo accounts seed creates; README lists them.
const (
	demoPassword = "demo-password"
	demoTenant   = "tenant@example.com"
	demoAdmin    = "admin@example.com" // an operator, for the operator page /ops
)

func demoLandlord(i int) string { return fmt.Sprintf("landlord%02d@example.com", i) }

func seedCmd() *cobra.Command {
	var listings, landlords int
	var withActivity bool
	c := &cobra.Command{
		Use:   "seed",
		Short: "Create demo accounts and published listings through the normal command path",
		Long: "Creates landlords landlord01@example.com…, tenant@example.com and the operator admin@example.com\n" +
			"(password " + demoPassword + ")\n" +
			"and tops the demo landlords' listings up to --listings. With --activity (the default) renters\n" +
			"renter01@example.com… view, favorite, book and review them once. Running it again adds nothing.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			base, err := openBase(ctx)
			if err != nil {
				return err
			}
			defer base.Close()
			rel, stopRelay, err := startRelay(ctx, base)
			if err != nil {
				return err
			}
			defer stopRelay()
			cmds := system.NewCommands(base, rel, nil)

			ids := make([]uuid.UUID, 0, landlords)
			for i := 1; i <= landlords; i++ {
				id, err := ensureUser(ctx, base, cmds, demoLandlord(i), fmt.Sprintf("房东%02d", i), false, "tenant", "landlord")
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			tenant, err := ensureUser(ctx, base, cmds, demoTenant, "租客", false, "tenant")
			if err != nil {
				return err
			}
			if _, err := ensureUser(ctx, base, cmds, demoAdmin, "运维", true, "tenant"); err != nil {
				return err
			}
			have, err := countListings(ctx, base, ids)
			if err != nil {
				return err
			}
			var covers []string
			if have < listings { // drawn only when listings are to be made: a re-run does no work
				if covers, err = demoPhotos(ctx, base); err != nil {
					return err
				}
			}
			r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 42))
			created := 0
			for n := have; n < listings; n++ {
				landlord := ids[n%len(ids)]
				meta := command.Meta{Actor: rental.Actor{UserID: landlord, Roles: []rental.Role{rental.RoleLandlord}}}
				fields := demo.Listing(r, base.Catalog)
				fields.CoverImage = &covers[n%len(covers)]
				res, err := cmds.CreateListing.Handle(ctx, command.CreateListing{Meta: meta, Fields: fields})
				if err != nil {
					return fmt.Errorf("creating demo listing: %w", err)
				}
				if _, err := cmds.PublishListing.Handle(ctx, command.PublishListing{Meta: meta, ListingID: res.ID}); err != nil {
					return fmt.Errorf("publishing demo listing: %w", err)
				}
				created++
			}
			var act activity
			if withActivity {
				ls, err := demoListings(ctx, base, ids)
				if err != nil {
					return err
				}
				if act, err = seedActivity(ctx, base, rel, cmds, ls, tenant, r); err != nil {
					return err
				}
			}
			waitForOutbox(ctx, base, 15*time.Second)
			fmt.Fprintf(cmd.OutOrStdout(), "demo data: %d landlords, %d listings (%d new), %d views, %d favorites, %d orders, %d reviews; log in as %s, %s or %s (operator) with password %s\n",
				landlords, max(have, listings), created, act.views, act.favorites, act.orders, act.reviews, demoLandlord(1), demoTenant, demoAdmin, demoPassword)
			return nil
		},
	}
	c.Flags().IntVar(&listings, "listings", 300, "published demo listings to have in all")
	c.Flags().IntVar(&landlords, "landlords", 10, "demo landlord accounts")
	c.Flags().BoolVar(&withActivity, "activity", true, "also give the demo listings a past, once: renters' views, favorites, orders in every state and reviews")
	return c
}

// ensureUser registers an account (an operator when admin) unless its email
// is taken, and returns its id.
func ensureUser(ctx context.Context, base *system.Base, cmds command.Commands, email, nickname string, admin bool, roles ...string) (uuid.UUID, error) {
	res, err := cmds.RegisterUser.Handle(ctx, command.RegisterUser{
		Meta: command.Meta{Actor: rental.System}, Email: email, Password: demoPassword, Nickname: nickname, Roles: roles, Admin: admin,
	})
	if err == nil {
		return res.ID, nil
	}
	if rental.ErrorCode(err) != rental.ECONFLICT {
		return uuid.Nil, fmt.Errorf("creating %s: %w", email, err)
	}
	var id uuid.UUID
	if err := base.Pools.Writer.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, email).Scan(&id); err != nil {
		return uuid.Nil, fmt.Errorf("finding %s: %w", email, err)
	}
	return id, nil
}

func countListings(ctx context.Context, base *system.Base, landlords []uuid.UUID) (int, error) {
	n := 0
	for _, id := range landlords {
		var c int
		if err := base.Pools.Writer.QueryRowContext(ctx, `SELECT COUNT(*) FROM listings WHERE landlord_id = ? AND status <> 'deleted'`, id[:]).Scan(&c); err != nil {
			return 0, fmt.Errorf("counting demo listings: %w", err)
		}
		n += c
	}
	return n, nil
}

// waitForOutbox gives the relay time to publish before the process exits;
// whatever is left is published by any other relay's sweep.
// startRelay publishes what this tool's commands commit, as an api's relay
// does, until stop is called.
func startRelay(ctx context.Context, base *system.Base) (*relay.Relay, func(), error) {
	rel, err := base.NewRelay(nil)
	if err != nil {
		return nil, nil, err
	}
	ctx, stop := context.WithCancel(ctx)
	go func() { _ = rel.Run(ctx) }()
	return rel, stop, nil
}

func waitForOutbox(ctx context.Context, base *system.Base, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var n int
		if err := base.Pools.Writer.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&n); err != nil || n == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// demoPhotos stores the pictures demo.Photos draws in the photo store every
// api replica serves from, and returns their paths (/photos/<hash>).
func demoPhotos(ctx context.Context, base *system.Base) ([]string, error) {
	pics, err := demo.Photos(24)
	if err != nil {
		return nil, err
	}
	store := mysql.NewPhotoStore(base.Pools)
	paths := make([]string, 0, len(pics))
	for _, b := range pics {
		p, err := store.Put(ctx, b)
		if err != nil {
			return nil, fmt.Errorf("storing a demo photo: %w", err)
		}
		paths = append(paths, p.URL())
	}
	return paths, nil
}
