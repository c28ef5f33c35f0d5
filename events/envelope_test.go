package events

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

var at = time.Date(2026, 12, 3, 8, 30, 0, 123456000, time.UTC)

func listingState() ListingState {
	published := at.Add(time.Hour)
	return ListingState{ID: uuid.New(), Version: 7, LandlordID: uuid.New(), Status: StatusPublished,
		Title: "朝阳 两居 <近地铁> & 南北通透", Description: "line one\nline \"two\"\t\\ end", City: "beijing", CityName: "北京",
		District: "chaoyang", DistrictName: "朝阳区", Block: "望京", Community: "望京花园", Address: "1 Road",
		RentType: "whole", Bedrooms: 2, LivingRooms: 1, Bathrooms: 1, AreaSqm: 61.5, Orientation: "south", Floor: "12/30",
		Price: 5400, Deposit: 5400, MinMonths: 6, Facilities: []string{"wifi", "ac"}, Highlights: "h", Traffic: "地铁14号线",
		CoverImage: "https://img.example.com/a.jpg?x=1&y=2", Images: []ImageState{{ID: uuid.New(), URL: "https://img.example.com/a.jpg"}},
		Reference: "BJ-1", Bookings: 3, Rating: 4.67, Reviews: 3, CreatedAt: at, UpdatedAt: at.Add(2 * time.Hour), PublishedAt: &published}
}

// states are one filled state of every aggregate, as events carry them.
func states() []any {
	return []any{
		listingState(),
		ListingState{ID: uuid.New(), Version: 1, Status: StatusDraft, CreatedAt: at, UpdatedAt: at}, // nil slices, no published_at
		UserState{ID: uuid.New(), Version: 2, Email: "a@example.com", Nickname: "小王", Roles: []string{"tenant", "landlord"}, CreatedAt: at, UpdatedAt: at},
		OrderState{ID: uuid.New(), Version: 4, ListingID: uuid.New(), TenantID: uuid.New(), LandlordID: uuid.New(), Status: "paid",
			StartDate: "2027-01-01", EndDate: "2027-03-15", Months: 2, Days: 14, MonthlyPrice: 5400, Amount: 13320, ListingTitle: "两居",
			City: "beijing", District: "chaoyang", Review: &ReviewState{OrderID: uuid.New(), ListingID: uuid.New(), Rating: 5, Content: "好", CreatedAt: at},
			CreatedAt: at, UpdatedAt: at.In(time.FixedZone("CST", 8*3600))},
		FavoriteState{ID: uuid.New(), Version: 3, UserID: uuid.New(), ListingID: uuid.New(), Active: true, At: at},
		ListingViewsState{ID: uuid.New(), Version: 9, ListingID: uuid.New(), Views: 120},
		HistoryState{ID: uuid.New(), Version: 5, UserID: uuid.New(), Items: []HistoryItem{{ListingID: uuid.New(), ViewedAt: at}}},
	}
}

// decodeV1 is what encoding/json makes of b as a value of v's type.
func decodeV1(t *testing.T, b []byte, v any) (any, error) {
	t.Helper()
	p := reflect.New(reflect.TypeOf(v))
	err := json.Unmarshal(b, p.Interface())
	return p.Elem().Interface(), err
}

// decodeOurs is what DecodePayload makes of b as a value of v's type.
func decodeOurs(b []byte, v any) (any, error) {
	p := reflect.New(reflect.TypeOf(v))
	err := DecodePayload(Envelope{Type: "test", Payload: b}, p.Interface())
	return p.Elem().Interface(), err
}

func TestDecodePayload_readsEveryStateAsEncodingJSONDoes(t *testing.T) {
	for _, st := range states() {
		b, err := Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		want, err := decodeV1(t, b, st)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeOurs(b, st)
		if err != nil {
			t.Fatalf("%T: %v", st, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%T decoded\n%+v\nencoding/json reads\n%+v", st, got, want)
		}
	}
}

// Payloads the platform never writes, which encoding/json still read: the
// decoder must read them the same way, not dead-letter them.
func TestDecodePayload_readsOddInputAsEncodingJSONDoes(t *testing.T) {
	id := uuid.New()
	cases := map[string]string{
		"names in another case": `{"ID":"` + id.String() + `","Version":3,"STATUS":"published","Facilities":["wifi"]}`,
		"a duplicate name":      `{"id":"` + id.String() + `","version":3,"version":4}`,
		"invalid UTF-8":         "{\"title\":\"a\xffb\"}",
		"unknown members":       `{"id":"` + id.String() + `","extra":{"deep":[1,2,{"x":null}]},"version":2}`,
		"nulls":                 `{"id":"` + id.String() + `","title":null,"images":null,"published_at":null,"bookings":null}`,
		"spaces and escapes":    " {\n\t\"title\" : \"\\u4e24\\u5c45 \\\"x\\\"\\n\", \"price\" : 5400 } ",
	}
	for name, in := range cases {
		want, err := decodeV1(t, []byte(in), ListingState{})
		if err != nil {
			t.Fatalf("%s: encoding/json: %v", name, err)
		}
		got, err := decodeOurs([]byte(in), ListingState{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded\n%+v\nencoding/json reads\n%+v", name, got, want)
		}
	}
}

func TestDecode_marksWhatCannotBeReadMalformed(t *testing.T) {
	good, err := New(ListingUpdated, AggregateListing, uuid.New(), 3, listingState(), "u", "c", at)
	if err != nil {
		t.Fatal(err)
	}
	body, err := Encode(good)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != good.ID || e.Type != good.Type || e.Version != 3 || !e.OccurredAt.Equal(good.OccurredAt) || string(e.Payload) != string(good.Payload) {
		t.Fatalf("decoded %+v, want %+v", e, good)
	}
	for name, in := range map[string]string{
		"truncated":        string(body[:len(body)-5]),
		"not an object":    `[1,2]`,
		"a wrong type":     strings.Replace(string(body), `"version":3`, `"version":"3"`, 1),
		"no payload":       strings.Replace(string(body), `"payload":`, `"other":`, 1),
		"a bad uuid":       strings.Replace(string(body), good.ID.String(), "not-a-uuid", 1),
		"trailing garbage": string(body) + "x",
	} {
		if _, err := Decode([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
	var st ListingState
	if err := DecodePayload(Envelope{Type: ListingUpdated, Payload: []byte(`{"price":"a lot"}`)}, &st); !errors.Is(err, ErrMalformed) {
		t.Errorf("a payload of the wrong shape: got %v, want ErrMalformed", err)
	}
}

// BenchmarkDecode is a worker's decoding of one listing event: the envelope,
// then the state it carries.
func BenchmarkDecode(b *testing.B) {
	e, err := New(ListingUpdated, AggregateListing, uuid.New(), 3, listingState(), "u", "c", at)
	if err != nil {
		b.Fatal(err)
	}
	body, err := Encode(e)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		e, err := Decode(body)
		if err != nil {
			b.Fatal(err)
		}
		var st ListingState
		if err := DecodePayload(e, &st); err != nil {
			b.Fatal(err)
		}
	}
}
