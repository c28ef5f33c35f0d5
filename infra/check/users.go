package check

import (
	"context"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/readmodel"
)

// Users checks the users read model against the users table.
func Users(states mysql.States, rm *readmodel.Store) Checker {
	expect := func(sts []events.UserState) ([]readmodel.Expected, error) {
		out := make([]readmodel.Expected, 0, len(sts))
		for _, st := range sts {
			e, err := rm.ExpectUser(st)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, nil
	}
	return Checker{
		Projection: readmodel.Users,
		Kind:       "user",
		Expect: func(ctx context.Context, after string, limit int) ([]readmodel.Expected, string, error) {
			from, err := cursor(after)
			if err != nil {
				return nil, "", err
			}
			sts, err := states.Users(ctx, from, limit)
			if err != nil || len(sts) == 0 {
				return nil, "", err
			}
			exp, err := expect(sts)
			return exp, sts[len(sts)-1].ID.String(), err
		},
		ExpectIDs: func(ctx context.Context, ids []string) ([]readmodel.Expected, error) {
			sts, err := states.UsersByID(ctx, parseIDs(ids))
			if err != nil {
				return nil, err
			}
			return expect(sts)
		},
	}
}
