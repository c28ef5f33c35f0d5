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

// Kinds of change notices.
const (
	NoticeListing    = "listing"
	NoticeOrder      = "order"
	NoticeViews      = "views"
	NoticeUser       = "user"
	NoticeGeneration = "gen"
)

// ChangeNotice is one notice, parsed. Its String is the notice as published:
// ParseChangeNotice reads it back.
type ChangeNotice struct {
	Kind    string // one of the Notice* kinds
	ID      uuid.UUID
	Version int64
	// Projection and Generation of a gen notice.
	Projection, Generation string
	// Change is what a listing or order notice says changed, for a near
	// cache to retire only the answers it could affect.
	Change query.Change
}

// docNotice is what a write hands put.lua for a document at version: the
// head "<kind> <id> <version>" and, for the kinds that have one (a listing,
// an order), TAB and the summary of the document as written; put.lua adds
// TAB and the summary of the one it replaced before publishing.
func docNotice(kind string, id uuid.UUID, version int64, summary ...string) string {
	head := kind + " " + id.String() + " " + strconv.FormatInt(version, 10)
	if len(summary) == 0 {
		return head
	}
	return head + "\t" + summary[0]
}

// genNotice is the notice of projection switching to generation gen.
func genNotice(projection, gen string) string {
	return NoticeGeneration + " " + projection + " " + gen
}

// String is n as put.lua publishes it, both summaries included (none when
// the change is Unknown).
func (n ChangeNotice) String() string {
	switch n.Kind {
	case NoticeGeneration:
		return genNotice(n.Projection, n.Generation)
	case NoticeListing:
		if l := n.Change.Listing; l != nil && !l.Unknown {
			return docNotice(n.Kind, n.ID, n.Version, formatListingFacts(l.After)) + "\t" + formatListingFacts(l.Before)
		}
	case NoticeOrder:
		if st := n.Change.Stay; st != nil && !st.Unknown {
			return docNotice(n.Kind, n.ID, n.Version, formatStay(st.Listing, st.After)) + "\t" + formatStay(st.Listing, st.Before)
		}
	}
	return docNotice(n.Kind, n.ID, n.Version)
}

// ParseChangeNotice reads a notice; ok is false for one it cannot read.
func ParseChangeNotice(payload string) (ChangeNotice, bool) {
	head, summaries, _ := strings.Cut(payload, "\t")
	kind, rest, _ := strings.Cut(head, " ")
	first, second, _ := strings.Cut(rest, " ")
	if kind == NoticeGeneration {
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
	case NoticeListing:
		l := &query.ListingChange{ID: id}
		var okA, okB bool
		l.After, okA = listingFacts(after)
		l.Before, okB = listingFacts(before)
		l.Unknown = !ok || !okA || !okB
		n.Change.Listing = l
	case NoticeOrder:
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
func listingSummary(st *events.ListingState, text string) string {
	if st.Status != events.StatusPublished {
		return formatListingFacts(nil)
	}
	return formatListingFacts(&query.ListingFacts{City: st.City, District: st.District, Price: st.Price, Bedrooms: st.Bedrooms,
		RentType: st.RentType, Facilities: st.Facilities, Text: text})
}

// formatListingFacts is the summary listingFacts reads: "-" for a listing
// not published. The text goes as gramText has it (crText).
func formatListingFacts(l *query.ListingFacts) string {
	if l == nil {
		return "-"
	}
	return strings.Join([]string{l.City, l.District, strconv.FormatInt(l.Price, 10), strconv.Itoa(l.Bedrooms), l.RentType,
		strings.Join(l.Facilities, ","), crText(l.Text)}, "|")
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
	return staySummary(st.ListingID, st.StartDate, st.EndDate)
}

// formatStay is the summary stayOf reads: "-" for an order that holds no dates.
func formatStay(listing uuid.UUID, st *query.Stay) string {
	if st == nil {
		return "-"
	}
	return staySummary(listing, st.Start.Format(events.DateLayout), st.End.Format(events.DateLayout))
}

func staySummary(listing uuid.UUID, start, end string) string {
	return listing.String() + "|" + start + "|" + end
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
