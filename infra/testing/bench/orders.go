package bench

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/system"
)

// OrdersConfig shapes the order throughput benchmark.
type OrdersConfig struct {
	Listings int
	Clients  int
	Duration time.Duration
}

// Orders compares, side by side on the same MariaDB and at the same
// concurrency, orders placed through the api (HTTP, session check, the
// booking transaction with its listing lock, events, outbox) with raw
// single-row INSERT transactions (autocommit), the brief's yardstick for
// command throughput.
func Orders(ctx context.Context, env *Env, cfg OrdersConfig) (Table, error) {
	api, err := env.StartAPI(ctx, nil)
	if err != nil {
		return Table{}, err
	}
	if err := env.StartWorker(ctx, "orders-worker"); err != nil {
		return Table{}, err
	}
	owner, listings, err := seedBookable(ctx, api, cfg.Listings)
	if err != nil {
		return Table{}, err
	}
	tokens := make([]string, cfg.Clients)
	for i := range tokens {
		if tokens[i], err = login(ctx, api, fmt.Sprintf("bench-tenant-%d@example.com", i), "tenant"); err != nil {
			return Table{}, err
		}
	}

	// Orders: slot k is month k / listings of listing k % listings, so no two overlap.
	today := events.Today(time.Now())
	var slot atomic.Int64
	placed, err := drive(ctx, cfg.Clients, cfg.Duration, func(c int) error {
		k := int(slot.Add(1) - 1)
		month := k / len(listings)
		if month >= 11 {
			return errSlotsExhausted
		}
		start := command.AddMonths(today.AddDate(0, 0, 1), month)
		st, res, err := call(ctx, "POST", api+"/api/v1/orders", tokens[c], map[string]any{
			"listing_id": listings[k%len(listings)], "start_date": start.Format(events.DateLayout),
			"end_date": command.AddMonths(start, 1).Format(events.DateLayout),
		})
		if err == nil && st != http.StatusCreated {
			err = fmt.Errorf("placing an order: %d %v", st, res)
		}
		return err
	})
	if err != nil {
		return Table{}, err
	}
	time.Sleep(time.Second)

	// The same booking command without HTTP: the command handler called in
	// process, as the api calls it (relay included), to tell the transaction's
	// cost from the HTTP layer's.
	direct, err := placeDirectly(ctx, env, cfg.Clients, cfg.Duration, listings, &slot, today)
	if err != nil {
		return Table{}, err
	}
	time.Sleep(time.Second)

	// For scale: a command on one aggregate (a listing's price), same clients.
	var edit atomic.Int64
	edited, err := drive(ctx, cfg.Clients, cfg.Duration, func(int) error {
		k := int(edit.Add(1))
		st, res, err := call(ctx, "PATCH", api+"/api/v1/listings/"+listings[k%len(listings)], owner, map[string]any{"price": 2000 + k%5000})
		if err == nil && st != http.StatusOK {
			err = fmt.Errorf("editing a listing: %d %v", st, res)
		}
		return err
	})
	if err != nil {
		return Table{}, err
	}
	time.Sleep(time.Second)

	// Raw: one-row INSERT transactions on a scratch table of the same database.
	db, err := mysql.Open(ctx, env.Cfg.MySQLDSN)
	if err != nil {
		return Table{}, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_raw (id BINARY(16) NOT NULL PRIMARY KEY, payload VARCHAR(200) NOT NULL)`); err != nil {
		return Table{}, err
	}
	raw, err := drive(ctx, cfg.Clients, cfg.Duration, func(int) error {
		id := uuid.Must(uuid.NewV7())
		_, err := db.ExecContext(ctx, `INSERT INTO bench_raw (id, payload) VALUES (?, ?)`, id[:], "a row of about the size of a small event")
		return err
	})
	if err != nil {
		return Table{}, err
	}
	time.Sleep(time.Second)
	// The same row in an explicit transaction: BEGIN, INSERT, COMMIT are
	// three round trips, as a command's are at least.
	rawTx, err := drive(ctx, cfg.Clients, cfg.Duration, func(int) error {
		id := uuid.Must(uuid.NewV7())
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bench_raw (id, payload) VALUES (?, ?)`, id[:], "a row of about the size of a small event"); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	})
	if err != nil {
		return Table{}, err
	}

	t := Table{
		Title:  fmt.Sprintf("Orders placed vs raw INSERT transactions: %d clients, %s each, side by side", cfg.Clients, cfg.Duration),
		Header: []string{"what", "per second", "p50", "p99", "failed", "vs raw INSERT"},
	}
	rawRate := raw.rate()
	for _, r := range []struct {
		what string
		run  driven
	}{
		{"POST /api/v1/orders (HTTP + session + booking transaction)", placed},
		{"PlaceOrder command handler, in process (the booking transaction alone)", direct},
		{"PATCH /api/v1/listings/{id} (a one-aggregate command, for scale)", edited},
		{"raw single-row INSERT, autocommit", raw},
		{"raw single-row INSERT in BEGIN … COMMIT", rawTx},
	} {
		p := percentiles(r.run.lat)
		t.Add(r.what, r.run.rate(), p[0], p[2], r.run.failed, pct(r.run.rate(), rawRate))
	}
	t.Notes = append(t.Notes, fmt.Sprintf("Orders go to %d listings, one month each, never overlapping; each order locks its listing's row, "+
		"checks overlaps, inserts the order, bumps the listing, appends two events with their outbox rows and the command record.", len(listings)),
		"per second is what succeeded over the time each run took (from its start until its last client finished).",
		"Target (DESIGN §9): command throughput ≥ 50% of raw single-row INSERT transactions/s on the same MySQL.")
	return t, nil
}

// placeDirectly places orders through the command handler, as the api does
// after its HTTP layer, taking slots after those already booked.
func placeDirectly(ctx context.Context, env *Env, clients int, d time.Duration, listings []string, slot *atomic.Int64, today time.Time) (driven, error) {
	base, err := env.Open(ctx)
	if err != nil {
		return driven{}, err
	}
	rel, err := base.NewRelay(nil)
	if err != nil {
		return driven{}, err
	}
	relayCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = rel.Run(relayCtx) }()
	cmds := system.NewCommands(base, rel, nil)
	tenants := make([]command.Meta, clients)
	for i := range tenants {
		res, err := cmds.RegisterUser.Handle(ctx, command.RegisterUser{Meta: command.Meta{Actor: rental.System},
			Email: fmt.Sprintf("bench-direct-%d@example.com", i), Password: "bench-password", Nickname: "b"})
		if err != nil {
			return driven{}, err
		}
		tenants[i] = command.Meta{Actor: rental.Actor{UserID: res.ID, Roles: []rental.Role{rental.RoleTenant}}}
	}
	ids := make([]uuid.UUID, len(listings))
	for i, l := range listings {
		ids[i] = uuid.MustParse(l)
	}
	return drive(ctx, clients, d, func(c int) error {
		k := int(slot.Add(1) - 1)
		month := k / len(ids)
		if month >= 11 {
			return errSlotsExhausted
		}
		start := command.AddMonths(today.AddDate(0, 0, 1), month)
		_, err := cmds.PlaceOrder.Handle(ctx, command.PlaceOrder{Meta: tenants[c], ListingID: ids[k%len(ids)],
			StartDate: start.Format(events.DateLayout), EndDate: command.AddMonths(start, 1).Format(events.DateLayout)})
		return err
	})
}

var errSlotsExhausted = fmt.Errorf("every listing is booked for the next 11 months: seed more listings")

// driven is what a drive did: the operations that succeeded and failed,
// the latencies of those that succeeded, and how long it took.
type driven struct {
	ok, failed int
	lat        []time.Duration
	took       time.Duration
}

// rate is the successes per second of the time it took.
func (d driven) rate() float64 { return float64(d.ok) / d.took.Seconds() }

// drive runs op from clients goroutines for d and counts successes, failures
// and latencies; took runs until the last client's last operation ended.
func drive(ctx context.Context, clients int, d time.Duration, op func(client int) error) (driven, error) {
	var (
		mu       sync.Mutex
		out      driven
		wg       sync.WaitGroup
		firstErr error
	)
	start := time.Now()
	deadline := start.Add(d)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			failures := 0
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				if err := op(c); err != nil {
					if err == errSlotsExhausted {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						break
					}
					failures++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			out.lat = append(out.lat, mine...)
			out.ok += len(mine)
			out.failed += failures
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.took = time.Since(start)
	return out, firstErr
}

// login registers a user with a role and returns a session token.
func login(ctx context.Context, base, email, role string) (string, error) {
	if st, _, err := call(ctx, "POST", base+"/api/v1/users", "", map[string]any{"email": email, "password": "bench-password",
		"nickname": "b", "roles": []string{role}}); err != nil || st != http.StatusCreated {
		return "", fmt.Errorf("registering %s: %d %v", email, st, err)
	}
	st, res, err := call(ctx, "POST", base+"/api/v1/sessions", "", map[string]any{"login": email, "password": "bench-password"})
	if err != nil || st != http.StatusCreated {
		return "", fmt.Errorf("logging in %s: %d %v", email, st, err)
	}
	token, _ := res["token"].(string)
	return token, nil
}

// seedBookable publishes n listings that let for a month at least, and
// returns their landlord's token and their ids.
func seedBookable(ctx context.Context, base string, n int) (string, []string, error) {
	token, err := login(ctx, base, "bench-owner@example.com", "landlord")
	if err != nil {
		return "", nil, err
	}
	ids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				st, res, err := call(ctx, "POST", base+"/api/v1/listings", token, map[string]any{
					"title": fmt.Sprintf("整租 %d", i), "price": 3000 + i%50*100, "city": "beijing", "district": "haidian",
					"rent_type": "whole", "area_sqm": 50, "min_months": 1})
				if err != nil || st != http.StatusCreated {
					errs <- fmt.Errorf("creating a listing: %d %v %v", st, res, err)
					return
				}
				id, _ := res["id"].(string)
				if st, res, err = call(ctx, "POST", base+"/api/v1/listings/"+id+"/publish", token, nil); err != nil || st != http.StatusOK {
					errs <- fmt.Errorf("publishing a listing: %d %v %v", st, res, err)
					return
				}
				ids[i] = id
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return "", nil, err
	default:
	}
	return token, ids, nil
}
