package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime/metrics"
	"time"

	"github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/relay"
	"github.com/zufang/rental/infra/stream"
	"github.com/zufang/rental/infra/system"
)

// WorkersConfig shapes the worker benchmark.
type WorkersConfig struct {
	Events     int   // listing events put on the stream before the workers start
	PerListing int   // events per listing
	Replicas   []int // worker replicas to measure with, each on a fresh environment
	Consumers  []int // subscriptions per stream in each replica (RENTAL_WORKER_CONSUMERS)
	// Subscribers to compare: "batched" (the worker's, stream.NewBatched) and
	// "watermill" (Watermill's redisstream subscriber, one entry at a time).
	Subscribers []string
	// Pin gives the private Redis's main thread a CPU of its own and the
	// bench process, which holds the workers while they drain, the others,
	// during each drain (PinApart).
	Pin bool
}

// subscribers are the subscription kinds the workers scenario compares.
var subscribers = map[string]func(*system.Worker){
	"batched":   func(w *system.Worker) { w.Subscribe = system.Batched },
	"watermill": func(w *system.Worker) { w.Subscribe = stream.NewSubscriber },
}

// Workers measures how fast worker replicas drain the listing stream: the
// events are on the stream before the workers start (as after an outage),
// and the rate is taken from the consumer group's read counter between its
// first and its last move, so start-up is not counted.
func Workers(ctx context.Context, newEnv func() (*Env, error), cfg WorkersConfig) (Table, error) {
	t := Table{
		Title: fmt.Sprintf("Workers: %d listing events already on the stream (%d per listing), drained by N replicas", cfg.Events, cfg.PerListing),
		Header: []string{"subscriber", "replicas", "subscriptions per replica", "took", "events/s", "events/s per replica",
			"Redis busy", "worker busy (bench process)", "MariaDB CPU", "worker CPU µs per event", "Redis CPU µs per event",
			"GCs while draining", "worker memory (Go, peak)", "listing documents", "pinned", "load average"},
	}
	var cpuNote string
	for _, sub := range cfg.Subscribers {
		adjust, ok := subscribers[sub]
		if !ok {
			return t, fmt.Errorf("unknown subscriber %q (batched, watermill)", sub)
		}
		for _, consumers := range cfg.Consumers {
			for _, n := range cfg.Replicas {
				env, err := newEnv()
				if err != nil {
					return t, err
				}
				env.Cfg.Consumers = consumers
				cpuNote = env.servers.note()
				row, err := drain(ctx, env, cfg, n, adjust)
				env.Close()
				if err != nil {
					return t, err
				}
				t.Rows = append(t.Rows, append([]string{sub}, row...))
			}
		}
	}
	t.Notes = append(t.Notes, "batched: infra/stream.Batched (XREADGROUP COUNT 100, the batch handled concurrently, "+
		"one XACK per batch; the worker's default), its writes pipelined by readmodel's writePipe; watermill: Watermill's redisstream subscriber (XREADGROUP COUNT 1, handle, XACK). "+
		"RENTAL_WORKER_CONSUMERS sets the subscriptions per stream in a replica.",
		cpuNote+" It is taken between the group's first and last move: the bench process holds only the workers then. "+
			"Busy is a process's CPU time over that wall time (100% = one core).",
		"Target (DESIGN §9): ≥ 20k events/s per replica; issue 12: the worker keeps Redis ≥ 80% busy while it drains.")
	return t, nil
}

func drain(ctx context.Context, env *Env, cfg WorkersConfig, replicas int, adjust func(*system.Worker)) ([]string, error) {
	base, err := env.Open(ctx)
	if err != nil {
		return nil, err
	}
	// Built, empty read models, as in production.
	if _, _, err := system.NewReplayer(base).Rebuild(ctx); err != nil {
		return nil, err
	}
	listings := events.Stream(env.Cfg.Prefix, events.AggregateListing)
	if err := fillStream(ctx, base, listings, cfg); err != nil {
		return nil, err
	}
	for i := range replicas {
		if err := env.StartWorkerWith(ctx, fmt.Sprintf("bench-worker-%d", i), adjust); err != nil {
			return nil, err
		}
	}
	pinned := "no"
	if cfg.Pin {
		p, err := PinApart(env.Redis)
		if err != nil {
			return nil, err
		}
		defer p.Undo()
		pinned = p.String()
	}
	// The bench process holds only the workers while they drain: give it
	// the worker process's garbage collector setting (cmd/worker).
	defer system.TuneWorkerGC()()
	rdb := base.Redis.Master
	var first, last time.Time
	var firstRead int64
	var cpu cpuWatch
	var heap goMemory
	deadline := time.Now().Add(10 * time.Minute)
	for {
		read, pending, err := groupProgress(ctx, rdb, listings)
		if err != nil {
			return nil, err
		}
		now := time.Now()
		if read > 0 && first.IsZero() {
			first, firstRead, cpu, heap = now, read, startCPU(env.servers), startGoMemory()
		}
		heap.sample()
		if read >= int64(cfg.Events) && pending == 0 {
			last = now
			break
		}
		if now.After(deadline) {
			return nil, fmt.Errorf("%d replicas drained %d of %d events in 10 minutes", replicas, read, cfg.Events)
		}
		time.Sleep(20 * time.Millisecond)
	}
	shares := cpu.shares()
	took := last.Sub(first)
	rate := float64(int64(cfg.Events)-firstRead) / took.Seconds()
	pct := func(group string) string {
		s := fmt.Sprintf("%.0f%%", shares[group]*100)
		if env.servers.of(group) == 0 && group != "bench" {
			s = "≈" + s // summed over every such server on the host
		}
		return s
	}
	return []string{fmt.Sprint(replicas), fmt.Sprint(env.Cfg.Consumers), ms(took), fmt.Sprintf("%.0f", rate),
		fmt.Sprintf("%.0f", rate/float64(replicas)), pct("redis"), pct("bench"), pct("mariadb"),
		fmt.Sprintf("%.0f", shares["bench"]/rate*1e6), fmt.Sprintf("%.0f", shares["redis"]/rate*1e6),
		fmt.Sprint(heap.cycles()), fmt.Sprintf("%.0f MB", float64(heap.peak)/1e6), fmt.Sprint(documents(ctx, base)), pinned, loadAverage()}, nil
}

// fillStream puts listing histories on the stream in Watermill's format,
// pipelined (setting up, not measured).
func fillStream(ctx context.Context, base *system.Base, stream string, cfg WorkersConfig) error {
	r := rand.New(rand.NewPCG(7, 7))
	landlord := rental.NewID()
	clock := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	marshal := redisstream.DefaultMarshallerUnmarshaller{}
	pipe := base.Redis.Master.Pipeline()
	for put := 0; put < cfg.Events; {
		_, evs, err := listingHistory(r, base.Catalog, landlord, clock, max(cfg.PerListing, 2))
		if err != nil {
			return err
		}
		for _, e := range evs[:min(len(evs), cfg.Events-put)] {
			e.OccurredAt = time.Now().UTC() // the lag metric would otherwise count the history's age
			msg, err := relay.Message(e)
			if err != nil {
				return err
			}
			values, err := marshal.Marshal(stream, msg)
			if err != nil {
				return err
			}
			pipe.XAdd(ctx, &goredis.XAddArgs{Stream: stream, Values: values})
			put++
		}
		if pipe.Len() >= 1000 || put == cfg.Events {
			if _, err := pipe.Exec(ctx); err != nil {
				return fmt.Errorf("filling the stream: %w", err)
			}
		}
	}
	return nil
}

// groupProgress returns how many entries the projectors group has read and
// how many it has pending.
func groupProgress(ctx context.Context, rdb goredis.UniversalClient, stream string) (int64, int64, error) {
	groups, err := rdb.XInfoGroups(ctx, stream).Result()
	if err != nil {
		return 0, 0, nil // the group is created when the first worker subscribes
	}
	for _, g := range groups {
		if g.Name == events.ConsumerGroup {
			return g.EntriesRead, g.Pending, nil
		}
	}
	return 0, 0, nil
}

// documents counts the listing documents the workers wrote.
func documents(ctx context.Context, base *system.Base) int64 {
	gen, _, _ := base.RM.Generations(ctx, readmodel.Listings)
	n, _, _ := readmodel.NewInspector(base.RM).Census(ctx, readmodel.Listings, gen, "listing")
	return n
}

// goMemory follows this process's garbage collector while workers drain: how
// often it ran and the most memory the Go runtime held (the worker's GOGC,
// system.TuneWorkerGC, trades the one for the other).
type goMemory struct {
	startCycles uint64
	peak        uint64
	samples     []metrics.Sample
}

func startGoMemory() goMemory {
	m := goMemory{samples: []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/memory/classes/total:bytes"}}}
	metrics.Read(m.samples)
	m.startCycles = m.samples[0].Value.Uint64()
	return m
}

func (m *goMemory) sample() {
	if m.samples == nil {
		return
	}
	metrics.Read(m.samples)
	m.peak = max(m.peak, m.samples[1].Value.Uint64())
}

func (m *goMemory) cycles() uint64 { return m.samples[0].Value.Uint64() - m.startCycles }
