package command

import (
	"context"

	"github.com/zufang/rental"
)

// CloseSession logs out: the token stops working at once on every api replica.
type CloseSession struct {
	Meta
	TokenHash []byte
}

type CloseSessionHandler struct{ Sessions SessionStore }

func (h CloseSessionHandler) Handle(ctx context.Context, cmd CloseSession) (struct{}, error) {
	if cmd.Actor.Anonymous() || len(cmd.TokenHash) == 0 {
		return struct{}{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	return struct{}{}, h.Sessions.Revoke(ctx, cmd.TokenHash)
}
