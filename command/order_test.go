package command

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

func day(s string) time.Time {
	t, ok := ParseDate(s)
	if !ok {
		panic(s)
	}
	return t
}

func TestToday_isTheDateInChina(t *testing.T) {
	// 17:00 UTC on the 23rd is 01:00 on the 24th in China.
	if got := events.Today(time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC)); !got.Equal(day("2026-11-24")) {
		t.Fatalf("today in China: %s", got)
	}
	if got := events.Today(now); !got.Equal(day("2026-11-23")) {
		t.Fatalf("today in China: %s", got)
	}
}

func TestAddMonths_clampsToTheEndOfTheMonth(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-01-31", 1, "2026-02-28"}, {"2028-01-31", 1, "2028-02-29"}, {"2026-01-15", 1, "2026-02-15"},
		{"2026-11-30", 3, "2027-02-28"}, {"2026-12-31", 12, "2027-12-31"}, {"2026-03-31", -1, "2026-02-28"},
	} {
		if got := AddMonths(day(tc.from), tc.n); !got.Equal(day(tc.want)) {
			t.Errorf("%s + %d months = %s, want %s", tc.from, tc.n, got.Format(events.DateLayout), tc.want)
		}
	}
}

func TestAmount_isWholeMonthsPlusLeftoverDaysProRata(t *testing.T) {
	for _, tc := range []struct {
		start, end   string
		price        int64
		months, days int
		amount       int64
		explanation  string
	}{
		{"2026-12-01", "2027-01-01", 3000, 1, 0, 3000, "one calendar month"},
		{"2026-12-15", "2027-06-15", 3000, 6, 0, 18000, "six months"},
		{"2027-01-31", "2027-02-28", 3000, 1, 0, 3000, "Jan 31 + 1 month is Feb 28"},
		{"2026-12-01", "2027-01-11", 3000, 1, 10, 4000, "10 days at 100 a day"},
		{"2026-12-01", "2026-12-02", 4500, 0, 1, 150, "one day"},
		{"2026-12-01", "2026-12-02", 4499, 0, 1, 150, "149.97 rounds half up to 150"},
		{"2026-12-01", "2026-12-02", 4485, 0, 1, 150, "149.5 rounds half up to 150"},
		{"2026-12-01", "2026-12-02", 4484, 0, 1, 149, "149.47 rounds down"},
		{"2026-12-01", "2027-03-16", 7800, 3, 15, 27300, "3 months and 15 days"},
	} {
		s := NewStay(day(tc.start), day(tc.end))
		if s.Months != tc.months || s.Days != tc.days {
			t.Errorf("%s: stay %s → %s is %d months %d days, want %d and %d", tc.explanation, tc.start, tc.end, s.Months, s.Days, tc.months, tc.days)
		}
		if got := Amount(tc.price, s); got != tc.amount {
			t.Errorf("%s: amount %d, want %d", tc.explanation, got, tc.amount)
		}
	}
}

func TestStayRequest_checksTheDates(t *testing.T) {
	for _, tc := range []struct {
		name, start, end, field string
	}{
		{"valid", "2026-12-01", "2027-01-01", ""},
		{"starts today", "2026-11-23", "2026-12-23", ""},
		{"not a date", "tomorrow", "2027-01-01", "start_date"},
		{"bad end", "2026-12-01", "2027-13-01", "end_date"},
		{"in the past", "2026-11-22", "2026-12-22", "start_date"},
		{"reversed", "2027-01-01", "2026-12-01", "end_date"},
		{"empty stay", "2026-12-01", "2026-12-01", "end_date"},
		{"too far ahead", "2027-11-24", "2027-12-24", "start_date"},
		{"too long", "2026-12-01", "2029-12-02", "end_date"},
		{"longest", "2026-12-01", "2029-12-01", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := StayRequest(tc.start, tc.end, now)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if rental.ErrorCode(err) != rental.EINVALID || rental.ErrorFields(err)[tc.field] == "" {
				t.Fatalf("want invalid %s, got %v", tc.field, err)
			}
		})
	}
}

func TestMaxStayDays_boundsTheLongestStay(t *testing.T) {
	for start := day("2026-01-01"); start.Before(day("2030-01-01")); start = start.AddDate(0, 0, 1) {
		if d := AddMonths(start, MaxStayMonths).Sub(start).Hours() / 24; d > events.MaxStayDays {
			t.Fatalf("a stay from %s lasts %v days, more than events.MaxStayDays", start, d)
		}
	}
}

func published(landlord uuid.UUID, minMonths int) *Listing {
	l, _, _ := NewListing(uuid.New(), landlord, complete(), testCatalog, now)
	l.Fields.MinMonths = minMonths
	l.Status = events.StatusPublished
	return l
}

func TestNewOrder_rules(t *testing.T) {
	landlord := uuid.New()
	tenant := rental.Actor{UserID: uuid.New(), Roles: []rental.Role{rental.RoleTenant}}
	stay := NewStay(day("2026-12-01"), day("2027-02-01"))
	draft := published(landlord, 1)
	draft.Status = events.StatusDraft
	for _, tc := range []struct {
		name    string
		listing *Listing
		tenant  rental.Actor
		free    bool
		code    string
		field   string
	}{
		{"fine", published(landlord, 1), tenant, true, "", ""},
		{"unknown listing", nil, tenant, true, rental.EINVALID, "listing_id"},
		{"draft listing", draft, tenant, true, rental.EINVALID, "listing_id"},
		{"own listing", published(landlord, 1), rental.Actor{UserID: landlord}, true, rental.EFORBIDDEN, ""},
		{"shorter than min_months", published(landlord, 3), tenant, true, rental.EINVALID, "end_date"},
		{"exactly min_months", published(landlord, 2), tenant, true, "", ""},
		{"dates taken", published(landlord, 1), tenant, false, rental.ECONFLICT, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, ev, err := NewOrder(uuid.New(), tc.listing, tc.tenant, stay, tc.free, now)
			if rental.ErrorCode(err) != tc.code {
				t.Fatalf("code %q, want %q (%v)", rental.ErrorCode(err), tc.code, err)
			}
			if tc.field != "" && rental.ErrorFields(err)[tc.field] == "" {
				t.Fatalf("the error must name %s: %v", tc.field, err)
			}
			if err == nil && (o.Status != events.OrderStatusWaitAccept || o.Amount != 2*5000 || o.LandlordID != landlord) {
				t.Fatalf("a new order waits for acceptance at two months' price: %+v", o)
			}
			if err == nil && ev != events.OrderPlaced {
				t.Fatalf("a new order is %q, want %q", ev, events.OrderPlaced)
			}
		})
	}
}

func TestOrder_stateMachine(t *testing.T) {
	over := day("2027-02-01").Add(10 * time.Hour) // the stay below has ended
	moves := map[string]func(o *Order) (events.Type, error){
		"accept": func(o *Order) (events.Type, error) { return o.Accept(now) },
		"reject": func(o *Order) (events.Type, error) { return o.Reject("painting the walls", now) },
		"pay":    func(o *Order) (events.Type, error) { return o.Pay(now) },
		"cancel": func(o *Order) (events.Type, error) { return o.Cancel(now) },
		"end":    func(o *Order) (events.Type, error) { return o.EndStay(over) },
		"review": func(o *Order) (events.Type, error) { return o.Review(5, "great", over) },
	}
	allowed := map[string]map[string]string{ // from → move → to
		events.OrderStatusWaitAccept:  {"accept": events.OrderStatusWaitPayment, "reject": events.OrderStatusRejected, "cancel": events.OrderStatusCanceled},
		events.OrderStatusWaitPayment: {"pay": events.OrderStatusPaid, "cancel": events.OrderStatusCanceled},
		events.OrderStatusPaid:        {"end": events.OrderStatusWaitComment, "review": events.OrderStatusComplete},
		events.OrderStatusWaitComment: {"review": events.OrderStatusComplete},
		events.OrderStatusComplete:    {},
		events.OrderStatusRejected:    {},
		events.OrderStatusCanceled:    {},
	}
	for _, from := range events.OrderStatuses {
		for name, move := range moves {
			o := &Order{ID: uuid.New(), Status: from, Stay: NewStay(day("2026-12-01"), day("2027-02-01"))}
			ev, err := move(o)
			want, ok := allowed[from][name]
			switch {
			case ok && err != nil:
				t.Errorf("%s from %s must be allowed: %v", name, from, err)
			case ok && (o.Status != want || ev == ""):
				t.Errorf("%s from %s must lead to %s, got %s (%s)", name, from, want, o.Status, ev)
			case !ok && rental.ErrorCode(err) != rental.ECONFLICT:
				t.Errorf("%s from %s must be a conflict, got %v", name, from, err)
			case !ok && o.Status != from:
				t.Errorf("a refused %s changed the order to %s", name, o.Status)
			}
		}
	}
}

func TestOrder_theStayMustBeOverToEndOrReview(t *testing.T) {
	o := &Order{Status: events.OrderStatusPaid, Stay: NewStay(day("2026-12-01"), day("2027-02-01"))}
	if _, err := o.EndStay(now); rental.ErrorCode(err) != rental.ECONFLICT {
		t.Fatalf("a stay still running cannot end: %v", err)
	}
	if _, err := o.Review(4, "", now); rental.ErrorCode(err) != rental.ECONFLICT {
		t.Fatalf("a stay still running cannot be reviewed: %v", err)
	}
	if _, err := o.EndStay(day("2027-01-31")); rental.ErrorCode(err) != rental.ECONFLICT {
		t.Fatalf("the day before the end date the stay is not over: %v", err)
	}
	if _, err := o.EndStay(day("2027-02-01")); err != nil {
		t.Fatalf("on the end date (exclusive) the stay is over: %v", err)
	}
}

func TestOrder_reviewAndRejectCheckTheirFields(t *testing.T) {
	for _, rating := range []int{0, 6, -1} {
		if err := CheckReview(rating, ""); rental.ErrorFields(err)["rating"] == "" {
			t.Errorf("rating %d must be refused naming rating: %v", rating, err)
		}
	}
	if err := CheckReview(3, string(make([]rune, MaxReviewLength+1))); rental.ErrorFields(err)["content"] == "" {
		t.Errorf("an overlong review must name content: %v", err)
	}
	o := &Order{Status: events.OrderStatusWaitAccept}
	if _, err := o.Reject("  ", now); rental.ErrorFields(err)["reason"] == "" || o.Status != events.OrderStatusWaitAccept {
		t.Fatalf("a rejection needs a reason: %v", err)
	}
}

func TestOrder_onlyTheRightPartyMovesIt(t *testing.T) {
	o := &Order{ID: uuid.New(), TenantID: uuid.New(), LandlordID: uuid.New()}
	tenant := rental.Actor{UserID: o.TenantID, Roles: []rental.Role{rental.RoleTenant}}
	landlord := rental.Actor{UserID: o.LandlordID, Roles: []rental.Role{rental.RoleLandlord}}
	stranger := rental.Actor{UserID: uuid.New(), Roles: []rental.Role{rental.RoleTenant, rental.RoleLandlord}}
	exLandlord := rental.Actor{UserID: o.LandlordID, Roles: []rental.Role{rental.RoleTenant}} // gave the role up
	exTenant := rental.Actor{UserID: o.TenantID, Roles: []rental.Role{rental.RoleLandlord}}
	for _, tc := range []struct {
		who  rental.Actor
		want Party
		code string
	}{
		{tenant, Tenant, ""}, {landlord, Landlord, ""}, {tenant, Landlord, rental.EFORBIDDEN},
		{landlord, Tenant, rental.EFORBIDDEN}, {stranger, Tenant, rental.ENOTFOUND}, {stranger, Landlord, rental.ENOTFOUND},
		{rental.Actor{}, Tenant, rental.ENOTFOUND},
		{exLandlord, Landlord, rental.EFORBIDDEN}, {exTenant, Tenant, rental.EFORBIDDEN},
	} {
		if got := rental.ErrorCode(o.mustBe(tc.who, tc.want)); got != tc.code {
			t.Errorf("%v as %v: %q, want %q", tc.who.UserID, tc.want, got, tc.code)
		}
	}
}

func TestListing_countsBookingsAndAveragesRatings(t *testing.T) {
	l := published(uuid.New(), 1)
	if l.AverageRating() != 0 {
		t.Fatal("no reviews, no rating")
	}
	if ev, err := l.Book(); ev != events.ListingBooked || err != nil || l.Bookings != 0 {
		t.Fatalf("an order placed is %q (%v), want %q, and counts nothing yet (%d)", ev, err, events.ListingBooked, l.Bookings)
	}
	if ev, err := l.CountBooking(); ev != events.ListingBookingHeld || err != nil {
		t.Fatalf("a booking that held is %q (%v), want %q", ev, err, events.ListingBookingHeld)
	}
	l.CountBooking()
	for _, r := range []int{5, 4, 4} {
		l.Rate(r)
	}
	st := l.State(testCatalog)
	if st.Bookings != 2 || st.Reviews != 3 || st.Rating != 4.33 {
		t.Fatalf("bookings 2, reviews 3, rating 4.33; got %d %d %v", st.Bookings, st.Reviews, st.Rating)
	}
}

func TestQuote_isTheRulePlaceOrderApplies(t *testing.T) {
	// 2 months and 10 days at 6000/month: 12000 + 6000*10/30 = 14000.
	stay, amount, err := Quote("2026-12-01", "2027-02-11", 6000, 1, now)
	if err != nil || amount != 14000 || stay.Months != 2 || stay.Days != 10 {
		t.Fatalf("quote: %+v %d %v", stay, amount, err)
	}
	if amount != Amount(6000, stay) {
		t.Fatalf("the quote %d is not Amount's %d", amount, Amount(6000, stay))
	}
	if _, _, err := Quote("2026-12-01", "2027-02-11", 6000, 3, now); rental.ErrorFields(err)["end_date"] == "" {
		t.Fatalf("a stay shorter than min_months: %v", err)
	}
	if _, _, err := Quote("2026-11-01", "2027-02-11", 6000, 1, now); rental.ErrorFields(err)["start_date"] == "" {
		t.Fatalf("a stay in the past: %v", err)
	}
}
