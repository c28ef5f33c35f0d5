package query

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/zufang/rental"
)

// CurrentUser returns the acting user's profile. MinVersion > 0 asks for at
// least that version, as after editing the profile.
type CurrentUser struct {
	Actor      rental.Actor
	MinVersion int64
}

type CurrentUserHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
}

func (h CurrentUserHandler) Handle(ctx context.Context, q CurrentUser) (Body, error) {
	if q.Actor.Anonymous() {
		return Body{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	doc, err := h.RM.User(ctx, q.Actor.UserID)
	if err == nil && doc.Version >= q.MinVersion {
		return Body{JSON: doc.JSON, Version: doc.Version, Source: FromRedis}, nil
	}
	fresh := err == nil || q.MinVersion > 0
	st, err := h.Fallback.User(ctx, q.Actor.UserID, fresh)
	if err != nil {
		return Body{}, err
	}
	h.Repair.RepairUser(st)
	body, err := json.Marshal(st)
	if err != nil {
		return Body{}, fmt.Errorf("encoding user: %w", err)
	}
	source := FromMySQL
	if fresh {
		source = FromWriter
	}
	return Body{JSON: body, Version: st.Version, Source: source}, nil
}
