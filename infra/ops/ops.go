// Package ops assembles the operator features (check, status, dead letters,
// the old-site import) on a running system's adapters. rentalctl and the
// operator page call it; the api and worker binaries never need check or
// import, so they live apart from the composition root in infra/system.
package ops

import (
	"context"
	"io"
	"log/slog"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/ops/check"
	"github.com/zufang/rental/infra/ops/deadletter"
	"github.com/zufang/rental/infra/ops/oldsite"
	"github.com/zufang/rental/infra/ops/status"
	"github.com/zufang/rental/infra/redis"
	"github.com/zufang/rental/infra/relay"
	"github.com/zufang/rental/infra/system"
)

// Checkers lists a checker for every read model, reading MySQL on the writer
// (checks compare against the truth). A new read model adds its own here,
// next to its projector in worker.projections.
func Checkers(b *system.Base) []check.Checker {
	states := mysql.NewStates(b.Pools.Writer, b.Catalog)
	return []check.Checker{check.Listings(states, b.RM), check.Users(states, b.RM), check.Orders(states, b.RM),
		check.Favorites(states, b.RM), check.Views(states, b.RM), check.History(states, b.RM)}
}

// DeadLetters returns the dead-letter queue (rentalctl dlq, the operator page).
func DeadLetters(b *system.Base) (*deadletter.Queue, error) {
	return deadletter.Open(b.Redis.Master, b.Cfg.Prefix, b.WMLog)
}

// NewImporter imports the old site through this platform's commands, whose
// events rel publishes (rentalctl import).
func NewImporter(b *system.Base, rel *relay.Relay, city string, forceReset bool, credentials io.Writer) *oldsite.Importer {
	return &oldsite.Importer{
		Commands: system.NewCommands(b, rel, nil), Map: mysql.NewImportMap(b.Pools.Writer),
		Parser:     oldsite.Parser{Catalog: b.Catalog, City: city},
		ForceReset: forceReset, Parallel: 4, Credentials: credentials,
	}
}

// StatusConfig names the sources `rentalctl status` reads, from the
// platform's configuration.
func StatusConfig(cfg config.Config) status.Config { return status.ConfigOf(cfg) }

// Status collects the status screen. It opens its own short-lived
// connections (it must work when MySQL or Redis is down, which Open waits for).
func Status(ctx context.Context, cfg config.Config, log *slog.Logger) status.Report {
	redis.UseLogger(log)
	return status.Collect(ctx, StatusConfig(cfg))
}
