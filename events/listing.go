package events

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

// Listing events. Every one carries the listing's full state.
const (
	ListingCreated      Type = "listing.created.v1"
	ListingUpdated      Type = "listing.updated.v1"
	ListingPublished    Type = "listing.published.v1"
	ListingUnpublished  Type = "listing.unpublished.v1"
	ListingDeleted      Type = "listing.deleted.v1"
	ListingImageAdded   Type = "listing.image_added.v1"
	ListingImageRemoved Type = "listing.image_removed.v1"
	// ListingCoverSet: the landlord chose which of its images is the cover.
	ListingCoverSet Type = "listing.cover_set.v1"
	// ListingBooked: an order was placed for the listing. The booking
	// transaction bumps the listing's version (see docs/ARCHITECTURE.md, "No
	// double booking"), so it carries the listing's state like any other
	// change; its bookings count is unchanged: a booking counts once it holds.
	ListingBooked Type = "listing.booked.v1"
	// ListingBookingHeld: an order for the listing was paid; the booking
	// held, and the listing's bookings count (the "hot" ranking) grew by one.
	// An order placed and canceled or rejected never counts.
	ListingBookingHeld Type = "listing.booking_held.v1"
	// ListingReviewed: a tenant reviewed a stay; the rating totals changed.
	ListingReviewed Type = "listing.reviewed.v1"
)

// Listing statuses as they appear on the wire.
const (
	StatusDraft       = "draft"
	StatusPublished   = "published"
	StatusUnpublished = "unpublished"
	StatusDeleted     = "deleted" // kept as a tombstone so a late older event cannot resurrect it
)

// ListingState is a listing as the read side sees it; it is also the JSON the
// listing detail endpoint returns.
type ListingState struct {
	ID           uuid.UUID    `json:"id"`
	Version      int64        `json:"version"`
	LandlordID   uuid.UUID    `json:"landlord_id"`
	Status       string       `json:"status"`
	Title        string       `json:"title"`
	Description  string       `json:"description"`
	City         string       `json:"city"`
	CityName     string       `json:"city_name"`
	District     string       `json:"district"`
	DistrictName string       `json:"district_name"`
	Block        string       `json:"block"`
	Community    string       `json:"community"`
	Address      string       `json:"address"`
	RentType     string       `json:"rent_type"`
	Bedrooms     int          `json:"bedrooms"`
	LivingRooms  int          `json:"living_rooms"`
	Bathrooms    int          `json:"bathrooms"`
	AreaSqm      float64      `json:"area_sqm"`
	Orientation  string       `json:"orientation"`
	Floor        string       `json:"floor"`
	Price        int64        `json:"price"`
	Deposit      int64        `json:"deposit"`
	MinMonths    int          `json:"min_months"`
	Facilities   []string     `json:"facilities"`
	Highlights   string       `json:"highlights"`
	Traffic      string       `json:"traffic"`
	CoverImage   string       `json:"cover_image"`
	Images       []ImageState `json:"images"`
	// Reference is the landlord's own number for the listing (房源编号; the
	// old site's house_num for an imported one). Events older than the field
	// decode it as "", which is what it was.
	Reference string `json:"reference"`
	// Bookings counts the orders ever placed for the listing (demand, whatever
	// became of them); Rating is the average review rating rounded to two
	// decimals (0 without reviews) and Reviews their number. Events older than
	// these fields decode them as 0, which is what they were.
	Bookings    int64      `json:"bookings"`
	Rating      float64    `json:"rating"`
	Reviews     int64      `json:"reviews"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	PublishedAt *time.Time `json:"published_at"`
}

// SearchText is what keyword search looks in: the title, the district (name
// and code), block, community and traffic, lower-cased, one per line so a
// keyword never spans two. MySQL keeps it in a column and the read model in
// its keyword index; both match a keyword as a plain substring of it.
func (s ListingState) SearchText() string {
	return strings.ToLower(strings.Join([]string{s.Title, s.DistrictName, s.District, s.Block, s.Community, s.Traffic}, "\n"))
}

// ImageState is one picture of a listing, in display order.
type ImageState struct {
	ID  uuid.UUID `json:"id"`
	URL string    `json:"url"`
}
