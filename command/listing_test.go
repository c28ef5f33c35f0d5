package command

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

var testCatalog = rental.NewCatalog(
	[]rental.City{
		{Code: "beijing", Name: "北京", Districts: []rental.District{{Code: "haidian", Name: "海淀区"}, {Code: "chaoyang", Name: "朝阳区"}}},
		{Code: "shanghai", Name: "上海", Districts: []rental.District{{Code: "pudong", Name: "浦东新区"}}},
	},
	[]rental.Facility{{Code: "fridge", Position: 0}, {Code: "wifi", Position: 1}, {Code: "ac", Position: 2}},
)

func ptr[T any](v T) *T { return &v }

func complete() ListingPatch {
	return ListingPatch{Title: ptr("两居"), Price: ptr(int64(5000)), City: ptr("beijing"), District: ptr("haidian"),
		RentType: ptr("whole"), AreaSqm: ptr(60.0)}
}

var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func TestNewListing_validatesEveryFieldItSets(t *testing.T) {
	cases := []struct {
		name  string
		patch ListingPatch
		field string // "" = valid
	}{
		{"empty draft", ListingPatch{}, ""},
		{"complete", complete(), ""},
		{"empty title", ListingPatch{Title: ptr("  ")}, "title"},
		{"long title", ListingPatch{Title: ptr(string(make([]rune, 101)))}, "title"},
		{"zero price", ListingPatch{Price: ptr(int64(0))}, "price"},
		{"huge price", ListingPatch{Price: ptr(int64(MaxPrice + 1))}, "price"},
		{"negative deposit", ListingPatch{Deposit: ptr(int64(-1))}, "deposit"},
		{"unknown city", ListingPatch{City: ptr("atlantis")}, "city"},
		{"district of another city", ListingPatch{City: ptr("shanghai"), District: ptr("haidian")}, "district"},
		{"district without city", ListingPatch{District: ptr("haidian")}, "district"},
		{"rent type", ListingPatch{RentType: ptr("hourly")}, "rent_type"},
		{"area", ListingPatch{AreaSqm: ptr(0.0)}, "area_sqm"},
		{"bedrooms", ListingPatch{Bedrooms: ptr(21)}, "bedrooms"},
		{"min months", ListingPatch{MinMonths: ptr(0)}, "min_months"},
		{"facility", ListingPatch{Facilities: &[]string{"wifi", "pool"}}, "facilities"},
		{"cover image", ListingPatch{CoverImage: ptr("ftp://x")}, "cover_image"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := NewListing(uuid.New(), uuid.New(), tc.patch, testCatalog, now)
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

func TestListing_publishNeedsACompleteListing(t *testing.T) {
	l, _, _ := NewListing(uuid.New(), uuid.New(), ListingPatch{Title: ptr("t")}, testCatalog, now)
	_, err := l.Publish(now)
	fields := rental.ErrorFields(err)
	for _, f := range []string{"price", "city", "district", "rent_type", "area_sqm"} {
		if fields[f] == "" {
			t.Errorf("publishing without %s must name it: %v", f, err)
		}
	}
	if l.Status != events.StatusDraft {
		t.Fatalf("a failed publish leaves the draft, got %s", l.Status)
	}
}

func TestListing_statusTransitions(t *testing.T) {
	l, ev, err := NewListing(uuid.New(), uuid.New(), complete(), testCatalog, now)
	if err != nil || ev != events.ListingCreated || l.Status != events.StatusDraft {
		t.Fatalf("new listing: %v %v %v", ev, l.Status, err)
	}
	if _, err := l.Unpublish(now); rental.ErrorCode(err) != rental.ECONFLICT {
		t.Fatalf("a draft cannot be unpublished: %v", err)
	}
	if ev, err := l.Publish(now); err != nil || ev != events.ListingPublished || l.PublishedAt == nil {
		t.Fatalf("publish: %v %v", ev, err)
	}
	if _, err := l.Publish(now); rental.ErrorCode(err) != rental.ECONFLICT {
		t.Fatalf("publishing twice is a conflict: %v", err)
	}
	if _, err := l.Edit(ListingPatch{Title: ptr("")}, testCatalog, now); rental.ErrorCode(err) != rental.EINVALID {
		t.Fatalf("a published listing cannot lose its title: %v", err)
	}
	if ev, err := l.Unpublish(now); err != nil || ev != events.ListingUnpublished {
		t.Fatalf("unpublish: %v %v", ev, err)
	}
	if ev, err := l.Publish(now); err != nil || ev != events.ListingPublished {
		t.Fatalf("republish: %v %v", ev, err)
	}
	if ev, _ := l.Delete(now); ev != events.ListingDeleted || l.Status != events.StatusDeleted {
		t.Fatalf("delete: %v %v", ev, l.Status)
	}
}

func TestListing_editIsAllOrNothing(t *testing.T) {
	l, _, _ := NewListing(uuid.New(), uuid.New(), complete(), testCatalog, now)
	_, err := l.Edit(ListingPatch{Title: ptr("新标题"), Price: ptr(int64(-1))}, testCatalog, now)
	if err == nil || l.Fields.Title != "两居" {
		t.Fatalf("an invalid edit changes nothing: %v, title %q", err, l.Fields.Title)
	}
}

func TestListing_movingCityDropsTheOldDistrict(t *testing.T) {
	l, _, _ := NewListing(uuid.New(), uuid.New(), complete(), testCatalog, now)
	if _, err := l.Edit(ListingPatch{City: ptr("shanghai")}, testCatalog, now); err != nil {
		t.Fatal(err)
	}
	if l.Fields.District != "" {
		t.Fatalf("haidian is not in shanghai: district %q", l.Fields.District)
	}
}

func TestListing_facilitiesAreDedupedInDictionaryOrder(t *testing.T) {
	l, _, err := NewListing(uuid.New(), uuid.New(), ListingPatch{Facilities: &[]string{"ac", "fridge", "ac"}}, testCatalog, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Fields.Facilities; len(got) != 2 || got[0] != "fridge" || got[1] != "ac" {
		t.Fatalf("got %v", got)
	}
}

func TestListing_images(t *testing.T) {
	l, _, _ := NewListing(uuid.New(), uuid.New(), ListingPatch{}, testCatalog, now)
	first, second := uuid.New(), uuid.New()
	if _, err := l.AddImage(first, "https://img/1.jpg", now); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddImage(second, "https://img/2.jpg", now); err != nil {
		t.Fatal(err)
	}
	if l.Fields.CoverImage != "https://img/1.jpg" {
		t.Fatalf("the first image is the cover, got %q", l.Fields.CoverImage)
	}
	if _, err := l.RemoveImage(first, now); err != nil || l.Fields.CoverImage != "https://img/2.jpg" {
		t.Fatalf("the cover moves to the next image: %v %q", err, l.Fields.CoverImage)
	}
	if _, err := l.RemoveImage(first, now); rental.ErrorCode(err) != rental.ENOTFOUND {
		t.Fatalf("removing a missing image is not found: %v", err)
	}
	if _, err := l.AddImage(uuid.New(), "javascript:alert(1)", now); rental.ErrorFields(err)["url"] == "" {
		t.Fatalf("an image must be an http(s) URL: %v", err)
	}
	for len(l.Images) < MaxImages {
		_, _ = l.AddImage(uuid.New(), "https://img/n.jpg", now)
	}
	if _, err := l.AddImage(uuid.New(), "https://img/x.jpg", now); rental.ErrorCode(err) != rental.ECONFLICT {
		t.Fatalf("at most %d images: %v", MaxImages, err)
	}
}

func TestListing_setCoverPicksOneOfItsImages(t *testing.T) {
	l, _, _ := NewListing(uuid.New(), uuid.New(), ListingPatch{}, testCatalog, now)
	first, second := uuid.New(), uuid.New()
	own := PhotoPath + strings.Repeat("ab", 32)
	for id, u := range map[uuid.UUID]string{first: "https://img/1.jpg", second: own} {
		if _, err := l.AddImage(id, u, now); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := l.SetCover(second, now)
	if err != nil || ev != events.ListingCoverSet || l.Fields.CoverImage != own {
		t.Fatalf("the chosen image is the cover: %v %s %q", err, ev, l.Fields.CoverImage)
	}
	if _, err := l.SetCover(uuid.New(), now); rental.ErrorCode(err) != rental.ENOTFOUND {
		t.Fatalf("an image the listing does not have cannot be its cover: %v", err)
	}
	if _, err := l.RemoveImage(second, now); err != nil || l.Fields.CoverImage != "https://img/1.jpg" {
		t.Fatalf("removing the cover moves it to the first remaining image: %v %q", err, l.Fields.CoverImage)
	}
}

func TestListing_imageURLs(t *testing.T) {
	hash := strings.Repeat("0f", 32)
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://img.example.com/a.jpg", true},
		{PhotoPath + hash, true},
		{PhotoPath + strings.ToUpper(hash), false},
		{PhotoPath + hash[:63], false},
		{PhotoPath + "../etc/passwd", false},
		{"/elsewhere/" + hash, false},
		{"javascript:alert(1)", false},
	} {
		l, _, _ := NewListing(uuid.New(), uuid.New(), ListingPatch{}, testCatalog, now)
		_, err := l.AddImage(uuid.New(), tc.url, now)
		if (err == nil) != tc.ok {
			t.Errorf("%q: accepted=%v, want %v (%v)", tc.url, err == nil, tc.ok, err)
		}
	}
}

func TestListing_stateCarriesNames(t *testing.T) {
	l, _, _ := NewListing(uuid.New(), uuid.New(), complete(), testCatalog, now)
	st := l.State(testCatalog)
	if st.CityName != "北京" || st.DistrictName != "海淀区" || st.Status != events.StatusDraft {
		t.Fatalf("state: %+v", st)
	}
}

func TestListing_publishSinceKeepsAnEarlierTimeAndRefusesALaterOne(t *testing.T) {
	l, _, _ := NewListing(uuid.New(), uuid.New(), complete(), testCatalog, now)
	if _, err := l.PublishSince(now, now.Add(time.Hour)); rental.ErrorFields(err)["published_at"] == "" || l.Status != events.StatusDraft {
		t.Fatalf("a publish time in the future is refused: %v %s", err, l.Status)
	}
	old := now.AddDate(-5, 0, 0)
	if _, err := l.PublishSince(now, old); err != nil || !l.PublishedAt.Equal(old) || !l.UpdatedAt.Equal(now) {
		t.Fatalf("published as of an earlier time: %v %v %v", err, l.PublishedAt, l.UpdatedAt)
	}
}

func TestListing_referenceIsKeptAndBounded(t *testing.T) {
	l, _, err := NewListing(uuid.New(), uuid.New(), ListingPatch{Reference: ptr(" BJ2019050100001 ")}, testCatalog, now)
	if err != nil || l.Fields.Reference != "BJ2019050100001" || l.State(testCatalog).Reference != "BJ2019050100001" {
		t.Fatalf("the reference is kept, trimmed, and carried by the state: %v %+v", err, l.Fields)
	}
	if _, err := l.Edit(ListingPatch{Reference: ptr(strings.Repeat("号", MaxReference+1))}, testCatalog, now); rental.ErrorFields(err)["reference"] == "" {
		t.Fatalf("a reference over %d characters is refused: %v", MaxReference, err)
	}
}
