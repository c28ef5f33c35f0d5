package web

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/query"
)

// searchParams are the search page's URL parameters, so a search can be
// shared, paged and gone back to: each filter the API has, the sort, the
// search mode and the page.
var searchParams = []string{"city", "district", "price_min", "price_max", "bedrooms", "rent_type",
	"facilities", "start_date", "end_date", "keyword", "mode", "sort"}

// Search modes of the search box: a place or title (keyword), or a 户型 (bedrooms).
const (
	modeArea   = "area"
	modeLayout = "layout"
)

type searchView struct {
	City    rental.City
	Query   url.Values // the search as given (without page)
	Mode    string
	Keyword string
	Sort    string
	Result  listingPage
	Pager   pager
	Sorts   []sortOption
	Failed  bool // the filter was refused: no results, the messages beside the fields
}

type sortOption struct {
	Code, Name, URL string
	Current         bool
}

var sortNames = []struct{ code, name string }{
	{query.SortNewest, "最新"}, {query.SortPriceAsc, "价格从低到高"}, {query.SortPriceDesc, "价格从高到低"},
	{query.SortBookings, "最热门"}, {query.SortViews, "浏览最多"},
}

// search is the list and search page: every filter, every sort, the rows
// and the pager, all in the URL.
func (p *pages) search(c echo.Context) error {
	in := c.QueryParams()
	vals := url.Values{}
	for _, k := range searchParams {
		for _, v := range in[k] {
			if v = strings.TrimSpace(v); v != "" {
				vals.Add(k, v)
			}
		}
	}
	city := p.currentCity(c)
	if vals.Get("city") == "" {
		vals.Set("city", city.Code)
	}
	if vals.Get("mode") != modeLayout {
		vals.Del("mode")
	}
	f, bad := p.filterOf(vals)
	f.Page = int(intParam(c.QueryParam("page"), "page", bad))
	v := searchView{City: city, Query: vals, Mode: vals.Get("mode"), Keyword: vals.Get("keyword"), Sort: f.Sort}
	if v.Sort == "" {
		v.Sort = query.SortNewest
	}
	title := "找房"
	if v.Keyword != "" {
		title = v.Keyword + " - 搜索"
	}
	form := Form{Values: vals}
	var answer answerHash
	var err error
	if len(bad) == 0 {
		v.Result, answer, err = p.searchPage(c, f)
	} else {
		err = rental.Invalid(bad)
	}
	if err != nil {
		if rental.ErrorCode(err) != rental.EINVALID {
			return err
		}
		form = form.withError(err)
		v.Failed = true
	}
	view := func() (any, error) {
		for _, s := range sortNames {
			q := copyValues(vals)
			q.Set("sort", s.code)
			v.Sorts = append(v.Sorts, sortOption{Code: s.code, Name: s.name, URL: "/listings?" + q.Encode(), Current: s.code == v.Sort})
		}
		v.Pager = newPager(v.Result.Page, v.Result.PageSize, v.Result.Total, func(page int) string {
			q := copyValues(vals)
			if page > 1 {
				q.Set("page", strconv.Itoa(page))
			}
			return "/listings?" + q.Encode()
		})
		return v, nil
	}
	return p.renderShared(c, p.answers.key("search", c.Request().URL.RequestURI(), answer), "search", title, form, view)
}

// filterOf turns the URL into the search query's filter; what cannot be
// parsed is named in bad, as the query names what it refuses.
func (p *pages) filterOf(vals url.Values) (query.ListingFilter, map[string]string) {
	bad := map[string]string{}
	f := query.ListingFilter{
		City: vals.Get("city"), District: vals.Get("district"), RentType: vals.Get("rent_type"), Sort: vals.Get("sort"),
		PriceMin: intParam(vals.Get("price_min"), "price_min", bad), PriceMax: intParam(vals.Get("price_max"), "price_max", bad),
		Facilities: vals["facilities"],
	}
	if raw := vals.Get("bedrooms"); raw != "" {
		n := int(intParam(raw, "bedrooms", bad))
		f.Bedrooms = &n
	}
	if vals.Get("mode") == modeLayout {
		// 户型 mode: "2室", "两居", "3" ask for that many bedrooms; the text stays in the box.
		if kw := vals.Get("keyword"); kw != "" {
			if n, ok := bedroomsOf(kw); ok {
				f.Bedrooms = &n
			} else {
				bad["keyword"] = "请输入户型，如 1室、2室、三居"
			}
		}
	} else {
		f.Keyword = vals.Get("keyword")
	}
	if raw := vals.Get("start_date"); raw != "" {
		if t, ok := command.ParseDate(raw); ok {
			f.From = t
		} else {
			bad["start_date"] = zhMessage(command.BadDate)
		}
	}
	if raw := vals.Get("end_date"); raw != "" {
		if t, ok := command.ParseDate(raw); ok {
			f.To = t
		} else {
			bad["end_date"] = zhMessage(command.BadDate)
		}
	}
	return f, bad
}

var bedroomsText = regexp.MustCompile(`^\s*([0-9]+|[一二两三四五六七八九十])\s*(室|居|房|卧|间)?.*$`)

var chineseDigits = map[string]int{"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

// bedroomsOf reads a 户型 as typed: "2室1厅", "两居", "3".
func bedroomsOf(s string) (int, bool) {
	m := bedroomsText.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	if n, ok := chineseDigits[m[1]]; ok {
		return n, true
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil && n <= 20
}

func copyValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// pager is the row of page links under a list: numbers around the current
// page, 上一页/下一页, 共N页 and a jump box.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string
	Links              []pageLink
	URL                func(int) string
}

type pageLink struct {
	Page    int
	URL     string
	Current bool
	Gap     bool // an ellipsis
}

func newPager(page, size, total int, url func(int) string) pager {
	if size <= 0 {
		size = query.DefaultPageSize
	}
	if page <= 0 {
		page = 1
	}
	pages := (total + size - 1) / size
	pg := pager{Page: page, Pages: pages, Total: total, URL: url}
	if pages <= 1 {
		return pg
	}
	if page > 1 {
		pg.Prev = url(page - 1)
	}
	if page < pages {
		pg.Next = url(page + 1)
	}
	last := 0
	for i := 1; i <= pages; i++ {
		if i == 1 || i == pages || (i >= page-2 && i <= page+2) {
			if last != 0 && i > last+1 {
				pg.Links = append(pg.Links, pageLink{Gap: true})
			}
			pg.Links = append(pg.Links, pageLink{Page: i, URL: url(i), Current: i == page})
			last = i
		}
	}
	return pg
}
