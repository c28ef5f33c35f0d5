package readmodel

import (
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// Change notices, published on ChangesChannel by the write that makes the
// change (put.lua), so a subscriber of the replica gets one after the data:
//
//	listing <id> <version> TAB <after> TAB <before>
//	order <id> <version> TAB <after> TAB <before>
//	views <listing> <version>     user <id> <version>     gen <projection> <generation>
//
// After is what a search can tell of the document as written, before what
// it could tell of the one it replaced (put.lua keeps it in the document's
// field f and adds it): for a listing "-" when not published, else
// "<city>|<district>|<price>|<bedrooms>|<rent type>|<facilities,…>|<text>";
// for an order "-" when it holds no dates, else "<listing>|<start>|<end>".
// "?" (or nothing) is a document written before notices said so.

// ChangeNotice is one notice, parsed.
type ChangeNotice struct {
	Kind    string // listing, order, views, user, gen
	ID      uuid.UUID
	Version int64
	// Projection and Generation of a gen notice.
	Projection, Generation string
	// Change is what a listing or order notice says changed, for a near
	// cache to retire only the answers it could affect.
	Change query.Change
}

// ParseChangeNotice reads a notice; ok is false for one it cannot read.
func ParseChangeNotice(payload string) (ChangeNotice, bool) {
	head, summaries, _ := strings.Cut(payload, "\t")
	kind, rest, _ := strings.Cut(head, " ")
	first, second, _ := strings.Cut(rest, " ")
	if kind == "gen" {
		return ChangeNotice{Kind: kind, Projection: first, Generation: second}, true
	}
	id, err := uuid.Parse(first)
	if err != nil {
		return ChangeNotice{}, false
	}
	version, _ := strconv.ParseInt(second, 10, 64)
	n := ChangeNotice{Kind: kind, ID: id, Version: version}
	after, before, ok := strings.Cut(summaries, "\t")
	switch kind {
	case "listing":
		l := &query.ListingChange{ID: id}
		var okA, okB bool
		l.After, okA = listingFacts(after)
		l.Before, okB = listingFacts(before)
		l.Unknown = !ok || !okA || !okB
		n.Change.Listing = l
	case "order":
		st := &query.StayChange{}
		var listingA, listingB uuid.UUID
		var okA, okB bool
		st.After, listingA, okA = stayOf(after)
		st.Before, listingB, okB = stayOf(before)
		st.Listing = listingA
		if st.After == nil {
			st.Listing = listingB
		}
		st.Unknown = !ok || !okA || !okB
		n.Change.Stay = st
	}
	return n, true
}

// listingSummary is what a listing notice says of st.
func listingSummary(st events.ListingState) string {
	if st.Status != events.StatusPublished {
		return "-"
	}
	return strings.Join([]string{st.City, st.District, strconv.FormatInt(st.Price, 10), strconv.Itoa(st.Bedrooms), st.RentType,
		strings.Join(st.Facilities, ","), gramText(st)}, "|")
}

func listingFacts(s string) (*query.ListingFacts, bool) {
	if s == "-" {
		return nil, true
	}
	p := strings.SplitN(s, "|", 7)
	if len(p) != 7 {
		return nil, false
	}
	price, err1 := strconv.ParseInt(p[2], 10, 64)
	beds, err2 := strconv.Atoi(p[3])
	if err1 != nil || err2 != nil {
		return nil, false
	}
	l := &query.ListingFacts{City: p[0], District: p[1], Price: price, Bedrooms: beds, RentType: p[4], Text: p[6]}
	if p[5] != "" {
		l.Facilities = strings.Split(p[5], ",")
	}
	return l, true
}

// orderSummary is what an order notice says of st.
func orderSummary(st events.OrderState) string {
	if !events.OrderBlocks(st.Status) {
		return "-"
	}
	return st.ListingID.String() + "|" + st.StartDate + "|" + st.EndDate
}

func stayOf(s string) (*query.Stay, uuid.UUID, bool) {
	if s == "-" {
		return nil, uuid.Nil, true
	}
	p := strings.Split(s, "|")
	if len(p) != 3 {
		return nil, uuid.Nil, false
	}
	listing, err := uuid.Parse(p[0])
	start, err1 := time.Parse(events.DateLayout, p[1])
	end, err2 := time.Parse(events.DateLayout, p[2])
	if err != nil || err1 != nil || err2 != nil {
		return nil, uuid.Nil, false
	}
	return &query.Stay{Start: start, End: end}, listing, true
}
