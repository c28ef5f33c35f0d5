package main

import (
	"context"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/system"
)

// openBase reads the configuration and connects, for the subcommands that
// need the whole platform (not just the MySQL writer).
func openBase(ctx context.Context) (*system.Base, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, err
	}
	return system.Open(ctx, cfg, cfg.Logger().With("process", "rentalctl"))
}
