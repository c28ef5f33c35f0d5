package system

import (
	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/nearcache"
	"github.com/zufang/rental/infra/observe"
	"github.com/zufang/rental/infra/redis"
	"github.com/zufang/rental/infra/relay"
)

// NewCommands builds the write side over MySQL, handing committed events to
// rel. sessions, when set, learns of logouts and user changes at once. Every
// command is logged, then wrapped in mws (metrics).
func NewCommands(b *Base, rel *relay.Relay, sessions *nearcache.Sessions, mws ...rental.Middleware) command.Commands {
	return newCommands(b, rel, sessions, nil, mws)
}

// NewCommandsClocked is NewCommands reading the time from now: the api
// passes the clock its queries and pages read too, so the amount a booking
// page previews is the amount the command charges.
func NewCommandsClocked(b *Base, rel *relay.Relay, sessions *nearcache.Sessions, now command.Clock, mws ...rental.Middleware) command.Commands {
	return newCommands(b, rel, sessions, now, mws)
}

func newCommands(b *Base, rel *relay.Relay, sessions *nearcache.Sessions, now command.Clock, mws []rental.Middleware) command.Commands {
	runner := mysql.NewCommandRunner(b.Pools.Writer, rel.Committed)
	var users command.UserStore = mysql.NewUserStore(runner)
	var sessionStore command.SessionStore = mysql.NewSessionStore(b.Pools.Writer)
	if sessions != nil {
		users, sessionStore = sessions.UserStore(users), sessions.SessionStore(sessionStore)
	}
	return command.New(command.Deps{
		Users: users, Sessions: sessionStore,
		Listings: mysql.NewListingStore(runner, b.Catalog), Orders: mysql.NewOrderStore(runner, b.Catalog),
		Favorites: mysql.NewFavoriteStore(runner), Views: mysql.NewViewStore(runner),
		Catalog: b.Catalog, Passwords: command.Passwords{Cost: b.Cfg.BcryptCost}, Now: now,
		// Attempt limits live in Redis, so every api replica counts the same attempts.
		Attempts: redis.NewLimiter(b.Redis.Master, b.Cfg.Prefix, b.Log), Limits: b.Cfg.Attempts,
	}, append([]rental.Middleware{observe.Logging(b.Log), rental.Deadline(b.Cfg.CommandTimeout)}, mws...)...)
}
