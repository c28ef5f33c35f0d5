package mysql_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/testing/testenv"
)

// A booking stores the events the domain names for the order and the
// listing, not names of the store's own: when the domain moves an event to a
// new version, what is stored follows. Its result carries the status the
// domain gave the order, recorded for a repeat of the command.
func TestOrderStore_Book_storesTheEventsTheDomainNames(t *testing.T) {
	ctx := context.Background()
	db, err := mysql.Open(ctx, testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat, err := mysql.LoadCatalog(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	runner := mysql.NewCommandRunner(db, nil)
	listings, orders := mysql.NewListingStore(runner, cat), mysql.NewOrderStore(runner, cat)
	now := time.Now().UTC().Truncate(time.Microsecond)
	landlord := rental.Actor{UserID: uuid.New(), Roles: []rental.Role{rental.RoleLandlord}}
	tenant := rental.Actor{UserID: uuid.New(), Roles: []rental.Role{rental.RoleTenant}}
	str := func(s string) *string { return &s }
	price, area := int64(5000), 60.0
	publishedListing := func() uuid.UUID {
		l, ev, err := command.NewListing(rental.NewID(), landlord.UserID, command.ListingPatch{Title: str("两居"), Price: &price,
			City: str("beijing"), District: str("haidian"), RentType: str("whole"), AreaSqm: &area}, cat, now)
		if err != nil {
			t.Fatal(err)
		}
		l.Status = events.StatusPublished
		if _, err := listings.Create(ctx, command.Meta{Actor: landlord}, l, ev); err != nil {
			t.Fatal(err)
		}
		return l.ID
	}
	eventOf := func(id uuid.UUID, version int) events.Type {
		t.Helper()
		var typ string
		if err := db.QueryRowContext(ctx, `SELECT type FROM event_log WHERE aggregate_id = ? AND version = ?`, id[:], version).Scan(&typ); err != nil {
			t.Fatalf("event %d of %s: %v", version, id, err)
		}
		return events.Type(typ)
	}
	start := time.Date(now.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
	stay := command.NewStay(start, start.AddDate(0, 3, 0))

	// Through the use case: the domain's own names.
	first := publishedListing()
	place := command.PlaceOrder{Meta: command.Meta{Actor: tenant, CommandID: rental.NewID(), MayRepeat: true}, ListingID: first,
		StartDate: start.Format(events.DateLayout), EndDate: stay.End.Format(events.DateLayout)}
	placing := command.PlaceOrderHandler{Store: orders, Now: func() time.Time { return now }}
	res, err := placing.Handle(ctx, place)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != events.OrderStatusWaitAccept {
		t.Errorf("the result gives the new order's status as %q, want the domain's %q", res.Status, events.OrderStatusWaitAccept)
	}
	if again, err := placing.Handle(ctx, place); err != nil || again != res {
		t.Errorf("a repeat of the command answers %+v (%v), want the recorded %+v", again, err, res)
	}
	if got := eventOf(res.ID, 1); got != events.OrderPlaced {
		t.Errorf("the order's event is %q, want %q", got, events.OrderPlaced)
	}
	if got := eventOf(first, 2); got != events.ListingBooked {
		t.Errorf("the listing's event is %q, want %q", got, events.ListingBooked)
	}

	// Names the store has never heard of are stored as given.
	second := publishedListing()
	const placedV2, bookedV2 = events.Type("order.placed.v2"), events.Type("listing.booked.v2")
	res, err = orders.Book(ctx, command.Meta{Actor: tenant}, second, stay, func(l *command.Listing, free bool) (*command.Order, events.Type, events.Type, error) {
		o, _, err := command.NewOrder(rental.NewID(), l, tenant, stay, free, now)
		if err != nil {
			return nil, "", "", err
		}
		l.Book()
		return o, placedV2, bookedV2, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := eventOf(res.ID, 1); got != placedV2 {
		t.Errorf("the order's event is %q, want %q", got, placedV2)
	}
	if got := eventOf(second, 2); got != bookedV2 {
		t.Errorf("the listing's event is %q, want %q", got, bookedV2)
	}
}
