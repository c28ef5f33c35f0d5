package command

import (
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// Order is a tenant's request to rent a listing for a stay [start, end). Its rules:
//   - it is placed by a tenant, for a published listing that is not theirs, for
//     a stay that starts today or later (China time), within a year, lasts at
//     least the listing's min_months and at most MaxStayMonths;
//   - its amount is fixed when it is placed (Amount);
//   - it moves wait_accept → (landlord accepts) wait_payment → (tenant pays)
//     paid → (the stay is over) wait_comment → (tenant reviews) complete;
//     the landlord may reject it with a reason while it waits for acceptance
//     (rejected), the tenant may cancel it before paying (canceled); any
//     other move is a conflict;
//   - while in wait_accept, wait_payment, paid or wait_comment it holds its
//     dates: no other such order of the listing overlaps them (the store
//     enforces this under the listing's row lock, see OrderStore.Book).
type Order struct {
	ID           uuid.UUID
	Version      int64
	ListingID    uuid.UUID
	TenantID     uuid.UUID
	LandlordID   uuid.UUID
	Status       string
	Stay         Stay
	MonthlyPrice int64
	Amount       int64
	ListingTitle string
	City         string
	District     string
	RejectReason string
	Rating       *events.ReviewState // the tenant's review, once complete
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Limits of a stay and of what an order carries.
const (
	MaxStayMonths   = 36
	MaxBookAhead    = 365 // days: a stay starts at most this far from today
	MaxReasonLength = 500
	MaxReviewLength = 2000
)

// ParseDate reads an ISO calendar date (YYYY-MM-DD) from 1970 on as UTC
// midnight. Earlier dates are refused: no stay is that old, and year 1 is
// Go's zero time, which the queries read as "no date given".
func ParseDate(s string) (time.Time, bool) {
	t, err := time.Parse(events.DateLayout, strings.TrimSpace(s))
	return t, err == nil && t.Year() >= 1970
}

// BadDate is the problem of a date ParseDate refuses.
const BadDate = "must be an ISO date (YYYY-MM-DD) from 1970 on"

// AddMonths adds whole months to a date, clamped to the last day of the
// target month: Jan 31 + 1 month is Feb 28 (or 29), not Mar 3.
func AddMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(day, last), 0, 0, 0, 0, time.UTC)
}

// Stay is a date range [Start, End), split into whole months from Start and
// the days left over.
type Stay struct {
	Start, End time.Time
	Months     int
	Days       int
}

// NewStay splits [start, end) into whole months and leftover days; end must be after start.
func NewStay(start, end time.Time) Stay {
	s := Stay{Start: start, End: end}
	for !AddMonths(start, s.Months+1).After(end) {
		s.Months++
	}
	s.Days = int(end.Sub(AddMonths(start, s.Months)).Hours() / 24)
	return s
}

// Amount is what a stay costs at a monthly price: the monthly price for each
// whole month, plus the leftover days pro rata at a thirtieth of the monthly
// price per day, in whole CNY rounded half up. Computed on the server when the
// order is placed and fixed from then on.
func Amount(monthly int64, s Stay) int64 {
	return monthly*int64(s.Months) + (monthly*int64(s.Days)+15)/30
}

// StayRequest is a stay as a tenant asks for it, checked on its own (no listing yet).
func StayRequest(startText, endText string, now time.Time) (Stay, error) {
	bad := map[string]string{}
	start, okStart := ParseDate(startText)
	end, okEnd := ParseDate(endText)
	if !okStart {
		bad["start_date"] = BadDate
	}
	if !okEnd {
		bad["end_date"] = BadDate
	}
	if err := rental.Invalid(bad); err != nil {
		return Stay{}, err
	}
	today := events.Today(now)
	switch {
	case start.Before(today):
		bad["start_date"] = "must not be in the past (today is " + today.Format(events.DateLayout) + " in China)"
	case start.After(today.AddDate(0, 0, MaxBookAhead)):
		bad["start_date"] = "must be within " + strconv.Itoa(MaxBookAhead) + " days from today"
	}
	if !end.After(start) {
		bad["end_date"] = "must be after start_date (the end date is exclusive: the day you leave)"
	} else if end.After(AddMonths(start, MaxStayMonths)) {
		bad["end_date"] = "a stay lasts at most " + strconv.Itoa(MaxStayMonths) + " months"
	}
	if err := rental.Invalid(bad); err != nil {
		return Stay{}, err
	}
	return NewStay(start, end), nil
}

// Quote is what a tenant would pay for a stay at a listing, by the rules
// PlaceOrder applies before it looks at other orders: the dates on their own
// (StayRequest), the listing's minimum months, then Amount. The detail page
// shows it before the tenant confirms, so both use this one rule.
func Quote(startText, endText string, monthly int64, minMonths int, now time.Time) (Stay, int64, error) {
	stay, err := StayRequest(startText, endText, now)
	if err != nil {
		return Stay{}, 0, err
	}
	if err := checkMinMonths(stay, minMonths); err != nil {
		return Stay{}, 0, err
	}
	return stay, Amount(monthly, stay), nil
}

func checkMinMonths(stay Stay, minMonths int) error {
	if stay.Months < minMonths {
		return rental.InvalidField("end_date", "this listing lets for at least "+strconv.Itoa(minMonths)+" month(s)")
	}
	return nil
}

// NewOrder starts an order for a stay at listing l by tenant; free says
// whether no blocking order of the listing overlaps the stay.
func NewOrder(id uuid.UUID, l *Listing, tenant rental.Actor, stay Stay, free bool, now time.Time) (*Order, events.Type, error) {
	if l == nil || l.Status != events.StatusPublished {
		return nil, "", rental.InvalidField("listing_id", "no published listing has this id")
	}
	if l.LandlordID == tenant.UserID {
		return nil, "", rental.Errorf(rental.EFORBIDDEN, "you cannot book your own listing")
	}
	if err := checkMinMonths(stay, l.Fields.MinMonths); err != nil {
		return nil, "", err
	}
	if !free {
		return nil, "", rental.Errorf(rental.ECONFLICT, "the listing is already booked for some of these dates")
	}
	return &Order{
		ID: id, ListingID: l.ID, TenantID: tenant.UserID, LandlordID: l.LandlordID,
		Status: events.OrderStatusWaitAccept, Stay: stay, MonthlyPrice: l.Fields.Price,
		Amount: Amount(l.Fields.Price, stay), ListingTitle: l.Fields.Title, City: l.Fields.City,
		District: l.Fields.District, CreatedAt: now, UpdatedAt: now,
	}, events.OrderPlaced, nil
}

// Accept is the landlord agreeing to let: the tenant may now pay.
func (o *Order) Accept(now time.Time) (events.Type, error) {
	if err := o.from("accepted", events.OrderStatusWaitAccept); err != nil {
		return "", err
	}
	o.Status, o.UpdatedAt = events.OrderStatusWaitPayment, now
	return events.OrderAccepted, nil
}

// Reject is the landlord declining, with a reason the tenant sees; the dates are free again.
func (o *Order) Reject(reason string, now time.Time) (events.Type, error) {
	reason = strings.TrimSpace(reason)
	if err := checkText("reason", reason, 1, MaxReasonLength); err != nil {
		return "", err
	}
	if err := o.from("rejected", events.OrderStatusWaitAccept); err != nil {
		return "", err
	}
	o.Status, o.RejectReason, o.UpdatedAt = events.OrderStatusRejected, reason, now
	return events.OrderRejected, nil
}

// Pay records the tenant's payment of the amount.
func (o *Order) Pay(now time.Time) (events.Type, error) {
	if err := o.from("paid", events.OrderStatusWaitPayment); err != nil {
		return "", err
	}
	o.Status, o.UpdatedAt = events.OrderStatusPaid, now
	return events.OrderPaid, nil
}

// Cancel is the tenant withdrawing before paying; the dates are free again.
func (o *Order) Cancel(now time.Time) (events.Type, error) {
	if err := o.from("canceled", events.OrderStatusWaitAccept, events.OrderStatusWaitPayment); err != nil {
		return "", err
	}
	o.Status, o.UpdatedAt = events.OrderStatusCanceled, now
	return events.OrderCanceled, nil
}

// StayOver reports whether the stay has ended by now (its end date is today or earlier).
func (o *Order) StayOver(now time.Time) bool { return !o.Stay.End.After(events.Today(now)) }

// EndStay moves a paid order whose stay is over to wait_comment.
func (o *Order) EndStay(now time.Time) (events.Type, error) {
	if err := o.from("ended", events.OrderStatusPaid); err != nil {
		return "", err
	}
	if !o.StayOver(now) {
		return "", rental.Errorf(rental.ECONFLICT, "the stay ends on %s", o.Stay.End.Format(events.DateLayout))
	}
	o.Status, o.UpdatedAt = events.OrderStatusWaitComment, now
	return events.OrderStayEnded, nil
}

// CheckReview checks a review's fields on their own.
func CheckReview(rating int, content string) error {
	bad := map[string]string{}
	if rating < 1 || rating > 5 {
		bad["rating"] = "must be a whole number from 1 to 5"
	}
	if problem := textProblem(strings.TrimSpace(content), 0, MaxReviewLength); problem != "" {
		bad["content"] = problem
	}
	return rental.Invalid(bad)
}

// Review completes a stay with the tenant's rating (1-5) and comment. It is
// allowed in wait_comment and also on a paid order whose stay is over: the job
// that moves such orders to wait_comment runs periodically, and a tenant who
// is quicker than it should not be refused.
func (o *Order) Review(rating int, content string, now time.Time) (events.Type, error) {
	if err := CheckReview(rating, content); err != nil {
		return "", err
	}
	if !(o.Status == events.OrderStatusWaitComment || (o.Status == events.OrderStatusPaid && o.StayOver(now))) {
		return "", rental.Errorf(rental.ECONFLICT, "an order can be reviewed once its stay is over (it is %s, ending %s)",
			o.Status, o.Stay.End.Format(events.DateLayout))
	}
	o.Status, o.UpdatedAt = events.OrderStatusComplete, now
	o.Rating = &events.ReviewState{OrderID: o.ID, ListingID: o.ListingID, Rating: rating,
		Content: strings.TrimSpace(content), CreatedAt: now}
	return events.OrderReviewed, nil
}

// from refuses a move unless the order is in one of the given statuses.
func (o *Order) from(move string, allowed ...string) error {
	for _, s := range allowed {
		if o.Status == s {
			return nil
		}
	}
	return rental.Errorf(rental.ECONFLICT, "an order that is %s cannot be %s", o.Status, move)
}

// Party is how the actor relates to an order.
type Party int

const (
	Stranger Party = iota
	Tenant
	Landlord
)

// PartyOf returns whether a is the order's tenant, its landlord or a stranger.
func (o *Order) PartyOf(a rental.Actor) Party {
	switch {
	case a.UserID == uuid.Nil:
		return Stranger
	case a.UserID == o.TenantID:
		return Tenant
	case a.UserID == o.LandlordID:
		return Landlord
	}
	return Stranger
}

// mustBe checks that the actor is the party a move needs, holding that
// party's role now (a landlord who gave the role up accepts nothing, as they
// could place nothing as a tenant without the tenant role). A stranger
// learns nothing of the order (ENOTFOUND); the other party is told it may not.
func (o *Order) mustBe(a rental.Actor, want Party) error {
	switch got := o.PartyOf(a); {
	case got == want && want == Landlord:
		return requireRole(a, rental.RoleLandlord)
	case got == want:
		return requireRole(a, rental.RoleTenant)
	case got == Stranger:
		return rental.Errorf(rental.ENOTFOUND, "order %s not found", o.ID)
	case want == Landlord:
		return rental.Errorf(rental.EFORBIDDEN, "only the landlord may do this")
	default:
		return rental.Errorf(rental.EFORBIDDEN, "only the tenant may do this")
	}
}

// State is the order as events carry it and the read side shows it.
func (o *Order) State() events.OrderState {
	var review *events.ReviewState
	if o.Rating != nil {
		r := *o.Rating
		r.CreatedAt = r.CreatedAt.UTC()
		review = &r
	}
	return events.OrderState{
		ID: o.ID, Version: o.Version, ListingID: o.ListingID, TenantID: o.TenantID, LandlordID: o.LandlordID,
		Status: o.Status, StartDate: o.Stay.Start.Format(events.DateLayout), EndDate: o.Stay.End.Format(events.DateLayout),
		Months: o.Stay.Months, Days: o.Stay.Days, MonthlyPrice: o.MonthlyPrice, Amount: o.Amount,
		ListingTitle: o.ListingTitle, City: o.City, District: o.District, RejectReason: o.RejectReason,
		Review: review, CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(),
	}
}
