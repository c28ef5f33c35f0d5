package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
)

// ListingStore implements command.ListingStore.
type ListingStore struct {
	w   *CommandRunner
	cat *rental.Catalog
}

// NewListingStore returns a ListingStore writing through w.
func NewListingStore(w *CommandRunner, cat *rental.Catalog) ListingStore {
	return ListingStore{w: w, cat: cat}
}

func (s ListingStore) Create(ctx context.Context, meta command.Meta, l *command.Listing, ev events.Type) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *Tx) (change, error) {
		l.Version = 1
		if err := insertListing(tx, l, s.cat); err != nil {
			return change{}, err
		}
		return s.changed(l, ev, meta)
	})
}

func (s ListingStore) Update(ctx context.Context, meta command.Meta, id uuid.UUID, fn func(*command.Listing) (events.Type, error)) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *Tx) (change, error) {
		l, err := lockListing(ctx, tx, id)
		if err != nil {
			return change{}, err
		}
		if l == nil || l.Status == events.StatusDeleted {
			return change{}, listingNotFound(id)
		}
		ev, err := fn(l)
		if err != nil {
			return change{}, err
		}
		l.Version++
		if err := updateListing(tx, l, s.cat); err != nil {
			return change{}, err
		}
		return s.changed(l, ev, meta)
	})
}

func (s ListingStore) UpdateHeld(ctx context.Context, meta command.Meta, id uuid.UUID, fn func(*command.Listing, int) (events.Type, error)) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *Tx) (change, error) {
		// One round trip: the count runs after the row lock is held.
		rows, err := tx.Query(ctx, `SELECT `+listingColumns+` FROM listings WHERE id = ? FOR UPDATE;
			SELECT COUNT(*) FROM orders WHERE listing_id = ? AND `+holdsDatesSQL(""), append([]any{id[:], id[:]}, blockingStatuses...)...)
		if err != nil {
			return change{}, fmt.Errorf("locking listing %s: %w", id, err)
		}
		l, held, err := listingAndCount(rows)
		if err != nil {
			return change{}, fmt.Errorf("locking listing %s: %w", id, err)
		}
		if l == nil || l.Status == events.StatusDeleted {
			return change{}, listingNotFound(id)
		}
		ev, err := fn(l, held)
		if err != nil {
			return change{}, err
		}
		l.Version++
		if err := updateListing(tx, l, s.cat); err != nil {
			return change{}, err
		}
		return s.changed(l, ev, meta)
	})
}

func (s ListingStore) changed(l *command.Listing, ev events.Type, meta command.Meta) (change, error) {
	env, err := newEvent(ev, events.AggregateListing, l.ID, l.Version, l.State(s.cat), meta, l.UpdatedAt)
	if err != nil {
		return change{}, err
	}
	return change{result: command.Result{ID: l.ID, Version: l.Version}, events: []events.Envelope{env}}, nil
}

func listingNotFound(id uuid.UUID) error {
	return rental.Errorf(rental.ENOTFOUND, "listing %s not found", id)
}

const listingColumns = `id, version, landlord_id, status, title, description, city, district, block,
	community, address, rent_type, bedrooms, living_rooms, bathrooms, area_sqm, orientation, floor,
	price, deposit, min_months, facilities, highlights, traffic, cover_image, images, created_at, updated_at, published_at,
	bookings, rating_sum, rating_count, reference`

func listingArgs(l *command.Listing, cat *rental.Catalog) ([]any, error) {
	f := l.Fields
	images, err := events.Marshal(l.Images)
	if err != nil {
		return nil, fmt.Errorf("encoding images of listing %s: %w", l.ID, err)
	}
	return []any{l.Version, l.LandlordID[:], l.Status, f.Title, f.Description, f.City, f.District, f.Block,
		f.Community, f.Address, f.RentType, f.Bedrooms, f.LivingRooms, f.Bathrooms, f.AreaSqm, f.Orientation, f.Floor,
		f.Price, f.Deposit, f.MinMonths, strings.Join(f.Facilities, ","), cat.FacilityMask(f.Facilities),
		f.Highlights, f.Traffic, f.CoverImage, images, l.CreatedAt.UTC(), l.UpdatedAt.UTC(), l.PublishedAt,
		l.Bookings, l.RatingSum, l.RatingCount, searchText(l, cat), f.Reference}, nil
}

// searchText is the listing's keyword text (events.ListingState.SearchText),
// kept in a column so MySQL matches keywords like the read model does.
func searchText(l *command.Listing, cat *rental.Catalog) string {
	f := l.Fields
	districtName, _ := cat.DistrictName(f.City, f.District)
	return events.ListingState{Title: f.Title, DistrictName: districtName, District: f.District, Block: f.Block,
		Community: f.Community, Traffic: f.Traffic}.SearchText()
}

func insertListing(tx *Tx, l *command.Listing, cat *rental.Catalog) error {
	args, err := listingArgs(l, cat)
	if err != nil {
		return err
	}
	tx.Exec(nil, `INSERT INTO listings (`+listingInsertColumns+`) VALUES (`+placeholders(len(args)+1)+`)`,
		append([]any{l.ID[:]}, args...)...)
	return nil
}

// listingInsertColumns are the columns of a new listing row: id, then
// listingArgs in order (mysql.History writes rows in bulk with them too).
const listingInsertColumns = `id, version, landlord_id, status, title, description,
		city, district, block, community, address, rent_type, bedrooms, living_rooms, bathrooms, area_sqm,
		orientation, floor, price, deposit, min_months, facilities, facility_mask, highlights, traffic,
		cover_image, images, created_at, updated_at, published_at, bookings, rating_sum, rating_count, search_text, reference`

func updateListing(tx *Tx, l *command.Listing, cat *rental.Catalog) error {
	args, err := listingArgs(l, cat)
	if err != nil {
		return err
	}
	tx.Exec(nil, `UPDATE listings SET version = ?, landlord_id = ?, status = ?, title = ?,
		description = ?, city = ?, district = ?, block = ?, community = ?, address = ?, rent_type = ?,
		bedrooms = ?, living_rooms = ?, bathrooms = ?, area_sqm = ?, orientation = ?, floor = ?, price = ?,
		deposit = ?, min_months = ?, facilities = ?, facility_mask = ?, highlights = ?, traffic = ?,
		cover_image = ?, images = ?, created_at = ?, updated_at = ?, published_at = ?, bookings = ?, rating_sum = ?,
		rating_count = ?, search_text = ?, reference = ? WHERE id = ?`,
		append(args, l.ID[:])...)
	return nil
}

// lockListing reads one listing and locks its row for the command.
func lockListing(ctx context.Context, tx *Tx, id uuid.UUID) (*command.Listing, error) {
	return oneListing(tx.Query(ctx, `SELECT `+listingColumns+` FROM listings WHERE id = ? FOR UPDATE`, id[:]))
}

// loadListing reads one listing without locking it.
func loadListing(ctx context.Context, db *sql.DB, id uuid.UUID) (*command.Listing, error) {
	l, err := oneListing(db.QueryContext(ctx, `SELECT `+listingColumns+` FROM listings WHERE id = ?`, id[:]))
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, listingNotFound(id)
	}
	return l, nil
}

// oneListing reads the single listing a query found, or nil.
func oneListing(rows *sql.Rows, err error) (*command.Listing, error) {
	ls, err := scanListings(rows, err)
	if err != nil {
		return nil, fmt.Errorf("loading a listing: %w", err)
	}
	if len(ls) == 0 {
		return nil, nil
	}
	return ls[0], nil
}

type scanner interface{ Scan(dest ...any) error }

// nextSet moves to the next result set of a multi-statement read. The error
// of the statement that produced no set (a deadlock, a lost connection) is
// wrapped, not flattened, so Transient sees it and the command is retried.
func nextSet(rows *sql.Rows, what string) error {
	if rows.NextResultSet() {
		return nil
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", what, err)
	}
	return fmt.Errorf("no result set for %s", what)
}

func scanListing(row scanner) (*command.Listing, error) {
	l := &command.Listing{}
	f := &l.Fields
	var facilities string
	var images []byte
	var published sql.NullTime
	err := row.Scan(&l.ID, &l.Version, &l.LandlordID, &l.Status, &f.Title, &f.Description, &f.City, &f.District,
		&f.Block, &f.Community, &f.Address, &f.RentType, &f.Bedrooms, &f.LivingRooms, &f.Bathrooms, &f.AreaSqm,
		&f.Orientation, &f.Floor, &f.Price, &f.Deposit, &f.MinMonths, &facilities, &f.Highlights, &f.Traffic,
		&f.CoverImage, &images, &l.CreatedAt, &l.UpdatedAt, &published, &l.Bookings, &l.RatingSum, &l.RatingCount, &f.Reference)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(images, &l.Images); err != nil {
		return nil, fmt.Errorf("decoding images of listing %s: %w", l.ID, err)
	}
	f.Facilities = splitList(facilities)
	if published.Valid {
		t := published.Time
		l.PublishedAt = &t
	}
	return l, nil
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// scanListings reads every row of a listing query; it takes the query's
// results directly: scanListings(db.QueryContext(...)).
func scanListings(rows *sql.Rows, err error) ([]*command.Listing, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*command.Listing
	for rows.Next() {
		l, err := scanListing(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// listingStates is how listings read from MySQL are shown.
func listingStates(ls []*command.Listing, cat *rental.Catalog) []events.ListingState {
	out := make([]events.ListingState, len(ls))
	for i, l := range ls {
		out[i] = l.State(cat)
	}
	return out
}
