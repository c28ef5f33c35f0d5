// Command api serves the HTTP API: commands write MySQL and publish events;
// queries read the Redis read models and fall back to MySQL. Run any number
// of replicas behind a load balancer. Configuration: RENTAL_* variables (see
// README); the defaults reach what `make up` starts.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/system/apiserver"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
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
	log := cfg.Logger().With("process", "api")
	base, err := system.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer base.Close()
	api, err := apiserver.New(base)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.HTTPAddr, err)
	}
	diag, err := net.Listen("tcp", cfg.DiagAddr)
	if err != nil {
		ln.Close()
		return fmt.Errorf("listening on %s (RENTAL_DIAG_ADDR): %w", cfg.DiagAddr, err)
	}
	go func() {
		if err := api.ServeDiag(ctx, diag); err != nil {
			log.Error("diagnostics server stopped", "err", err)
		}
	}()
	return api.Serve(ctx, ln)
}
