package readmodel

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

var (
	//go:embed search.lua
	searchSource string
	searchScript = goredis.NewScript(searchSource)
)

// Budgets of search.lua: a search that would check a keyword against more
// listings, or read more stays to filter by dates, is answered by MySQL
// instead. A script blocks every other client of Redis while it runs; past
// these sizes it runs for tens of milliseconds (docs/BENCHMARKS.md), and
// MySQL, with its threads, answers as fast without stalling anyone.
const (
	KeywordScanBudget = 20000
	DateScanBudget    = 20000
)

// SetBudgets changes the search budgets (tests).
func (s *Store) SetBudgets(keyword, dates int) { s.keywordBudget, s.dateBudget = keyword, dates }

func (s *Store) SearchListings(ctx context.Context, f query.ListingFilter) ([]uuid.UUID, int, error) {
	base, err := s.base(ctx, Listings)
	if err != nil {
		return nil, 0, err
	}
	scope := "all"
	switch {
	case f.District != "":
		scope = "d:" + f.City + ":" + f.District
	case f.City != "":
		scope = "c:" + f.City
	}
	pmin, pmax := "-inf", "+inf"
	if f.PriceMin > 0 {
		pmin = strconv.FormatInt(f.PriceMin, 10)
	}
	if f.PriceMax > 0 {
		pmax = strconv.FormatInt(f.PriceMax, 10)
	}
	beds := ""
	if f.Bedrooms != nil {
		beds = strconv.Itoa(*f.Bedrooms)
	}
	// Dates are checked against the orders read model, the views sort reads
	// the views read model: their live generations, or a miss.
	var first, last, ordersBase, viewsBase string
	if f.Dated() {
		if ordersBase, err = s.base(ctx, Orders); err != nil {
			return nil, 0, err
		}
		first, last = strconv.FormatInt(events.Day(f.From), 10), strconv.FormatInt(events.Day(f.To), 10)
	}
	if f.Sort == query.SortViews {
		if viewsBase, err = s.base(ctx, Views); err != nil {
			return nil, 0, err
		}
	}
	var res []any
	err = s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		var err error
		res, err = searchScript.RunRO(ctx, c, nil, base, scope, f.Sort, pmin, pmax, beds, rentCode(f.RentType),
			s.cat.FacilityMask(f.Facilities), (f.Page-1)*f.PageSize, f.PageSize, f.Keyword, first, last, ordersBase,
			events.MaxStayDays, viewsBase, s.keywordBudget, s.dateBudget).Slice()
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("searching listings: %w", err)
	}
	total, _ := res[0].(int64)
	if total < 0 {
		return nil, 0, query.ErrMiss // over a budget: MySQL answers
	}
	members := make([]string, 0, len(res)-1)
	for _, m := range res[1:] {
		member, _ := m.(string)
		members = append(members, member)
	}
	ids, err := memberIDs(members)
	return ids, int(total), err
}
