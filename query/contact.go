package query

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// Contact is how one party of a rental reaches the other: the name and the
// mobile number of their account (an imported landlord's are the old
// site's 房东 and 电话 of the house), the email when there is no mobile.
// It is shown to logged-in users only: a listing's landlord contact to a
// logged-in reader of the listing, an order's other party to each party.
type Contact struct {
	Name   string `json:"name"`
	Mobile string `json:"mobile,omitempty"`
	Email  string `json:"email,omitempty"`
}

// contactOf reads a user's contact from the users read model, else MySQL;
// ok is false when the user is gone.
func contactOf(ctx context.Context, rm ReadModels, fb Fallback, id uuid.UUID) (Contact, bool, error) {
	var st events.UserState
	doc, err := rm.User(ctx, id)
	if err == nil && doc.Found() {
		if err := json.Unmarshal(doc.JSON, &st); err != nil {
			return Contact{}, false, fmt.Errorf("decoding user %s: %w", id, err)
		}
	} else if st, err = fb.User(ctx, id, false); err != nil {
		if rental.ErrorCode(err) == rental.ENOTFOUND {
			return Contact{}, false, nil
		}
		return Contact{}, false, err
	}
	c := Contact{Name: st.Nickname, Mobile: st.Mobile}
	if c.Mobile == "" {
		c.Email = st.Email
	}
	return c, true, nil
}

// appendContact appends `,"<field>":{...}` for a user's contact to extra
// (nothing when the user is gone).
func appendContact(ctx context.Context, rm ReadModels, fb Fallback, extra []byte, field string, id uuid.UUID) ([]byte, error) {
	c, ok, err := contactOf(ctx, rm, fb, id)
	if err != nil || !ok {
		return extra, err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return extra, fmt.Errorf("encoding a contact: %w", err)
	}
	if len(extra) > 0 {
		extra = append(extra, ',')
	}
	extra = append(extra, `"`+field+`":`...)
	return append(extra, b...), nil
}
