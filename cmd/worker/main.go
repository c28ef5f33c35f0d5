// Command worker consumes the event streams and keeps the Redis read models
// current. Run any number of replicas: they share one consumer group per
// stream, and a dead replica's pending events are claimed by the others.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/system"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	log := cfg.Logger().With("process", "worker", "worker_id", cfg.WorkerID)
	system.TuneWorkerGC() // for the life of the process
	base, err := system.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer base.Close()
	w, err := system.NewWorker(base)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", w.Metrics.Handler())
	go func() {
		if err := system.ServeHealth(ctx, ln, mux); err != nil {
			log.Error("health server stopped", "err", err)
		}
	}()
	log.Info("worker consuming", "consumers", cfg.Consumers, "health_and_metrics", ln.Addr().String())
	return w.Run(ctx)
}
