package system

import (
	"github.com/zufang/rental/infra/check"
	"github.com/zufang/rental/infra/mysql"
)

// Checkers lists a checker for every read model, reading MySQL on the writer
// (checks compare against the truth). A new read model adds its own here,
// next to its projector in worker.projections.
func Checkers(b *Base) []check.Checker {
	states := mysql.NewStates(b.Pools.Writer, b.Catalog)
	return []check.Checker{check.Listings(states, b.RM), check.Users(states, b.RM), check.Orders(states, b.RM),
		check.Favorites(states, b.RM), check.Views(states, b.RM), check.History(states, b.RM)}
}
