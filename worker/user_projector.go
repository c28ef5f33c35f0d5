package worker

import (
	"context"

	"github.com/zufang/rental/events"
)

// UserProjector keeps the user documents behind GET /api/v1/users/me.
type UserProjector struct{ RM ReadModels }

func (p UserProjector) Projection() Projection {
	return Projection{
		Name:       "users",
		Types:      []events.Type{events.UserRegistered, events.UserProfileUpdated, events.UserPasswordChanged, events.UserRolesChanged},
		Apply:      p.onUserChanged,
		LatestOnly: true,
	}
}

func (p UserProjector) onUserChanged(ctx context.Context, gen string, e events.Envelope) (bool, error) {
	var st events.UserState
	doc, err := decodeState(e, &st, &st.ID, &st.Version)
	if err != nil {
		return false, err
	}
	return p.RM.PutUser(ctx, gen, st, doc)
}
