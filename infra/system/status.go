package system

import (
	"context"
	"log/slog"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/redis"
	"github.com/zufang/rental/infra/status"
)

// StatusConfig names the sources `rentalctl status` reads, from the
// platform's configuration.
func StatusConfig(cfg config.Config) status.Config {
	return status.Config{
		MySQLNodes: cfg.MySQLNodes, WriterDSN: cfg.MySQLDSN,
		HAProxyStatsURL: cfg.HAProxyStatsURL, ProxySQLAdminDSN: cfg.ProxySQLAdminDSN,
		Redis: cfg.Redis, Prefix: cfg.Prefix,
	}
}

// Status collects the status screen. It opens its own short-lived
// connections (it must work when MySQL or Redis is down, which Open waits for).
func Status(ctx context.Context, cfg config.Config, log *slog.Logger) status.Report {
	redis.UseLogger(log)
	return status.Collect(ctx, StatusConfig(cfg))
}
