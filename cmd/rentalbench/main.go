// Command rentalbench runs the benchmarks side by side in one run on a
// scratch database and key prefix of the local MariaDB and Redis, and prints
// Markdown tables for docs/BENCHMARKS.md. It needs wrk for HTTP throughput.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/zufang/rental/infra/testing/bench"
	"github.com/zufang/rental/infra/testing/testenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var (
		scenarios     []string
		listings      int
		rates         []int
		lagDuration   time.Duration
		pageRounds    int
		load          = bench.DefaultLoad
		cpuProfile    string
		traceFile     string
		search        = bench.SearchConfig{Listings: 100000, Orders: 20000, Load: bench.DefaultLoad}
		live          = bench.LiveConfig{Listings: 100000, Stays: 20000, Queries: 20000, Edits: 20, Orders: 2, Load: bench.DefaultLoad, RedisFirst: true}
		searchIndex   = bench.SearchIndexConfig{Listings: 100000, Stays: 20000, Searches: 2000, Edits: 20, Orders: 2, Budget: 2 * time.Millisecond}
		orders        = bench.OrdersConfig{Listings: 6000, Clients: 32, Duration: 20 * time.Second}
		booking       = bench.BookingConfig{Duration: 5 * time.Second, Concurrency: []int{1, 16}, StayMonths: []int{1, 6, 12}}
		replayEvents  int
		workerEvents  int
		checkListings int
		compare       bool
		replayPutLua  bool
		replayPin     bool
		privateRedis  bool
		firstVisit    string
		workers       = bench.WorkersConfig{PerListing: 5, Replicas: []int{1}, Consumers: []int{4}, Subscribers: []string{"watermill", "batched"}}
	)
	root := &cobra.Command{
		Use:          "rentalbench",
		Short:        "Run the benchmarks and print Markdown",
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if firstVisit != "" {
				t, err := bench.FirstVisits(ctx, strings.TrimRight(firstVisit, "/"))
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), t.Markdown())
				return nil
			}
			stopProfile, err := record(cpuProfile, pprof.StartCPUProfile, pprof.StopCPUProfile)
			if err != nil {
				return err
			}
			defer stopProfile()
			// The trace shows where the time between two processes' work goes
			// (waits on Redis, scheduling), which a CPU profile cannot.
			stopTrace, err := record(traceFile, trace.Start, trace.Stop)
			if err != nil {
				return err
			}
			defer stopTrace()
			log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			out := cmd.OutOrStdout()
			redis := bench.SharedRedis(testenv.RedisAddr())
			if privateRedis {
				var err error
				if redis, err = bench.StartRedis(ctx); err != nil {
					return err
				}
				defer redis.Close()
			}
			fmt.Fprintf(out, "Run %s on %d cores (%s), load average %s, Redis %s (private: %v), `%s`\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"),
				runtime.NumCPU(), runtime.Version(), bench.LoadAverages(), redis.Addr, redis.Private(), strings.Join(os.Args, " "))
			newEnv := func() (*bench.Env, error) { return bench.NewEnv(ctx, testenv.MySQLServerDSN(), redis, log) }
			for _, name := range scenarios {
				env, err := newEnv()
				if err != nil {
					return err
				}
				var t bench.Table
				switch name {
				case "reads":
					t, err = bench.Reads(ctx, env, bench.ReadsConfig{Listings: listings, Load: load})
				case "pages":
					t, err = bench.Pages(ctx, env, bench.PagesConfig{Listings: listings, Load: load, Rounds: pageRounds})
				case "firstvisit":
					t, err = bench.DemoFirstVisits(ctx, env)
				case "lag":
					t, err = bench.Lag(ctx, env, bench.LagConfig{Listings: listings, Rates: rates, Duration: lagDuration, Workers: 1})
				case "search":
					search.Load = load
					t, err = bench.Search(ctx, env, search)
				case "live":
					live.Load = load
					t, err = bench.Live(ctx, env, live)
				case "searchindex":
					t, err = bench.SearchIndex(ctx, env, searchIndex)
				case "orders":
					t, err = bench.Orders(ctx, env, orders)
				case "booking":
					t, err = bench.Booking(ctx, env, booking)
				case "workers":
					workers.Events = workerEvents
					t, err = bench.Workers(ctx, newEnv, workers)
				case "check":
					t, err = bench.Check(ctx, env, bench.CheckConfig{Listings: checkListings, Tamper: 1000})
				case "replay":
					t, err = bench.Replay(ctx, env, bench.ReplayConfig{Compare: compare, PutLua: replayPutLua, Pin: replayPin,
						History: bench.HistoryConfig{Landlords: 2000, Listings: replayEvents / 10, PerListing: 10}})
				default:
					err = fmt.Errorf("unknown scenario %q", name)
				}
				env.Close()
				if err != nil {
					if len(t.Rows) > 0 {
						fmt.Fprintln(out, t.Markdown()) // what was measured before the failure (a budget passed, say)
					}
					return fmt.Errorf("%s: %w", name, err)
				}
				fmt.Fprintln(out, t.Markdown())
			}
			return nil
		},
	}
	f := root.Flags()
	f.StringSliceVar(&scenarios, "scenarios", []string{"reads", "pages", "firstvisit", "lag", "search", "searchindex", "live", "orders", "booking", "replay", "workers", "check"},
		"scenarios to run, in order: reads, pages, firstvisit, lag, search, searchindex, live, orders, booking, replay, workers, check")
	f.IntVar(&listings, "listings", 1000, "listings to seed")
	f.IntSliceVar(&rates, "rate", []int{500, 1000}, "commands per second in the lag scenario, one run per rate")
	f.IntVar(&pageRounds, "page-rounds", 3, "how many times the pages scenario runs JSON then HTML, alternating (each round gives a ratio)")
	f.DurationVar(&lagDuration, "lag-duration", 15*time.Second, "how long the lag scenario sends commands at each rate")
	f.DurationVar(&load.Duration, "duration", load.Duration, "how long each wrk run lasts")
	f.IntVar(&load.Connections, "connections", load.Connections, "wrk connections")
	f.IntVar(&replayEvents, "replay-events", 1_000_000, "events in the replay scenario's event_log (10 per listing)")
	f.IntVar(&workerEvents, "worker-events", 100_000, "events on the stream in the workers scenario")
	f.IntVar(&checkListings, "check-listings", 100_000, "listings in the check scenario")
	f.BoolVar(&compare, "replay-compare", false, "also replay applying every event, superseded or not")
	f.BoolVar(&replayPin, "replay-pin", false, "in the replay scenario, pin the private redis-server's main thread to the last CPU and the bench to the others while the replays run (see --index-pin)")
	f.BoolVar(&replayPutLua, "replay-put-lua", true, "also replay with every write through put.lua (the write path before fresh.lua), side by side")
	f.BoolVar(&privateRedis, "private-redis", true, "run against a redis-server the bench starts (its own CPU and SLOWLOG); false: the shared one at RENTAL_TEST_REDIS_ADDR")
	f.IntSliceVar(&workers.Replicas, "worker-replicas", workers.Replicas, "worker replicas in the workers scenario, one run each")
	f.IntSliceVar(&workers.Consumers, "worker-consumers", workers.Consumers, "subscriptions per stream in the workers scenario, one run each")
	f.StringSliceVar(&workers.Subscribers, "worker-subscribers", workers.Subscribers, "subscribers the workers scenario compares: batched, watermill")
	f.BoolVar(&workers.Pin, "worker-pin", false, "in the workers scenario, pin the private Redis's main thread to the last CPU (SCHED_FIFO 1) and the bench process (the workers) to the others while they drain (PinApart)")
	f.StringVar(&firstVisit, "first-visit", "", "only measure what a first visit to / and to a listing page transfers, against a running site at this URL (a deployment being checked; the firstvisit scenario measures a scratch system of its own)")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	f.StringVar(&traceFile, "trace", "", "write a runtime execution trace of the whole run to this file (go tool trace)")
	f.IntVar(&search.Listings, "search-listings", search.Listings, "listings in the search scenario")
	f.IntVar(&search.Orders, "search-orders", search.Orders, "stays booked in the search scenario")
	f.IntVar(&live.Listings, "live-listings", live.Listings, "listings in the live scenario")
	f.IntVar(&live.Stays, "live-stays", live.Stays, "stays booked (attempted) in the live scenario")
	f.IntVar(&live.Queries, "live-queries", live.Queries, "distinct queries per set (dated, undated) in the live scenario")
	f.IntVar(&live.Edits, "live-edits", live.Edits, "listing edits per second during the live scenario")
	f.IntVar(&live.Orders, "live-orders", live.Orders, "orders placed per second during the live scenario")
	f.BoolVar(&live.RedisFirst, "live-redis-first", live.RedisFirst, "in the live scenario, run the private redis-server at SCHED_FIFO 1 (unpinned) so its SLOWLOG times its calls, not the scheduler (see Prioritize)")
	f.IntVar(&searchIndex.Listings, "index-listings", searchIndex.Listings, "listings in the searchindex scenario")
	f.IntVar(&searchIndex.Stays, "index-stays", searchIndex.Stays, "stays in the searchindex scenario")
	f.IntVar(&searchIndex.Searches, "index-searches", searchIndex.Searches, "searches per phase of the searchindex scenario")
	f.BoolVar(&searchIndex.Pin, "index-pin", runtime.NumCPU() >= 2, "in the searchindex scenario, pin the private redis-server's main thread to the last CPU and the bench to the others (GOMAXPROCS to match), so SLOWLOG times the calls, not the bench preempting Redis")
	f.DurationVar(&searchIndex.Budget, "index-budget", searchIndex.Budget, "the longest a Redis call may take in the searchindex scenario (SLOWLOG; it fails past it)")
	f.IntVar(&orders.Listings, "order-listings", orders.Listings, "listings in the orders scenario (each takes 11 orders at most)")
	f.IntVar(&orders.Clients, "order-clients", orders.Clients, "concurrent clients in the orders scenario")
	f.DurationVar(&orders.Duration, "order-duration", orders.Duration, "how long the orders scenario places orders")
	f.DurationVar(&booking.Duration, "booking-duration", booking.Duration, "how long each booking-guard measurement lasts")
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "rentalbench:", err)
		os.Exit(1)
	}
}

// record starts a recording of the whole run into path (a CPU profile, a
// trace) and returns what stops it; an empty path records nothing.
func record(path string, start func(io.Writer) error, stop func()) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("recording into %s: %w", path, err)
	}
	return func() { stop(); f.Close() }, nil
}
