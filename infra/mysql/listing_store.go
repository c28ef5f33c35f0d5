package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
)

// ListingStore implements command.ListingStore.
type ListingStore struct {
	w   *Writer
	cat *rental.Catalog
}

// NewListingStore returns a ListingStore writing through w.
func NewListingStore(w *Writer, cat *rental.Catalog) ListingStore {
	return ListingStore{w: w, cat: cat}
}

func (s ListingStore) Create(ctx context.Context, meta command.Meta, l *command.Listing, ev events.Type) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *sql.Tx) (change, error) {
		l.Version = 1
		if err := insertListing(ctx, tx, l, s.cat); err != nil {
			return change{}, err
		}
		if err := writeImages(ctx, tx, l.ID, l.Images); err != nil {
			return change{}, err
		}
		return s.changed(l, ev, meta)
	})
}

func (s ListingStore) Update(ctx context.Context, meta command.Meta, id uuid.UUID, fn func(*command.Listing) (events.Type, error)) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *sql.Tx) (change, error) {
		l, err := loadListing(ctx, tx, id, true)
		if err != nil {
			return change{}, err
		}
		if l.Status == events.StatusDeleted {
			return change{}, listingNotFound(id)
		}
		before := slices.Clone(l.Images)
		ev, err := fn(l)
		if err != nil {
			return change{}, err
		}
		l.Version++
		if err := updateListing(ctx, tx, l, s.cat); err != nil {
			return change{}, err
		}
		if !slices.Equal(before, l.Images) {
			if err := writeImages(ctx, tx, l.ID, l.Images); err != nil {
				return change{}, err
			}
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
	price, deposit, min_months, facilities, highlights, traffic, cover_image, created_at, updated_at, published_at`

func listingArgs(l *command.Listing, cat *rental.Catalog) []any {
	f := l.Fields
	return []any{l.Version, l.LandlordID[:], l.Status, f.Title, f.Description, f.City, f.District, f.Block,
		f.Community, f.Address, f.RentType, f.Bedrooms, f.LivingRooms, f.Bathrooms, f.AreaSqm, f.Orientation, f.Floor,
		f.Price, f.Deposit, f.MinMonths, strings.Join(f.Facilities, ","), cat.FacilityMask(f.Facilities),
		f.Highlights, f.Traffic, f.CoverImage, l.CreatedAt.UTC(), l.UpdatedAt.UTC(), l.PublishedAt}
}

func insertListing(ctx context.Context, tx *sql.Tx, l *command.Listing, cat *rental.Catalog) error {
	args := append([]any{l.ID[:]}, listingArgs(l, cat)...)
	_, err := tx.ExecContext(ctx, `INSERT INTO listings (id, version, landlord_id, status, title, description,
		city, district, block, community, address, rent_type, bedrooms, living_rooms, bathrooms, area_sqm,
		orientation, floor, price, deposit, min_months, facilities, facility_mask, highlights, traffic,
		cover_image, created_at, updated_at, published_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return fmt.Errorf("inserting listing %s: %w", l.ID, err)
	}
	return nil
}

func updateListing(ctx context.Context, tx *sql.Tx, l *command.Listing, cat *rental.Catalog) error {
	args := append(listingArgs(l, cat), l.ID[:])
	_, err := tx.ExecContext(ctx, `UPDATE listings SET version = ?, landlord_id = ?, status = ?, title = ?,
		description = ?, city = ?, district = ?, block = ?, community = ?, address = ?, rent_type = ?,
		bedrooms = ?, living_rooms = ?, bathrooms = ?, area_sqm = ?, orientation = ?, floor = ?, price = ?,
		deposit = ?, min_months = ?, facilities = ?, facility_mask = ?, highlights = ?, traffic = ?,
		cover_image = ?, created_at = ?, updated_at = ?, published_at = ? WHERE id = ?`, args...)
	if err != nil {
		return fmt.Errorf("updating listing %s: %w", l.ID, err)
	}
	return nil
}

func writeImages(ctx context.Context, tx *sql.Tx, listingID uuid.UUID, images []events.ImageState) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM listing_images WHERE listing_id = ?`, listingID[:]); err != nil {
		return fmt.Errorf("replacing images of listing %s: %w", listingID, err)
	}
	if len(images) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO listing_images (id, listing_id, position, url) VALUES `)
	args := make([]any, 0, 4*len(images))
	for i, img := range images {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?)")
		args = append(args, img.ID[:], listingID[:], i, img.URL)
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("writing images of listing %s: %w", listingID, err)
	}
	return nil
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// loadListing reads one listing with its images; forUpdate locks its row.
func loadListing(ctx context.Context, q queryer, id uuid.UUID, forUpdate bool) (*command.Listing, error) {
	query := `SELECT ` + listingColumns + ` FROM listings WHERE id = ?`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	l, err := scanListing(q.QueryRowContext(ctx, query, id[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, listingNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("loading listing %s: %w", id, err)
	}
	images, err := loadImages(ctx, q, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	l.Images = append(l.Images, images[id]...)
	return l, nil
}

// loadImages returns the images of several listings, in display order.
func loadImages(ctx context.Context, q queryer, ids []uuid.UUID) (map[uuid.UUID][]events.ImageState, error) {
	out := make(map[uuid.UUID][]events.ImageState, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id[:]
	}
	rows, err := q.QueryContext(ctx, `SELECT listing_id, id, url FROM listing_images WHERE listing_id IN (`+
		placeholders(len(ids))+`) ORDER BY listing_id, position`, args...)
	if err != nil {
		return nil, fmt.Errorf("loading listing images: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var listingID, imageID uuid.UUID
		var img events.ImageState
		if err := rows.Scan(&listingID, &imageID, &img.URL); err != nil {
			return nil, fmt.Errorf("loading listing images: %w", err)
		}
		img.ID = imageID
		out[listingID] = append(out[listingID], img)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanListing(row scanner) (*command.Listing, error) {
	l := &command.Listing{Images: []events.ImageState{}}
	f := &l.Fields
	var facilities string
	var published sql.NullTime
	err := row.Scan(&l.ID, &l.Version, &l.LandlordID, &l.Status, &f.Title, &f.Description, &f.City, &f.District,
		&f.Block, &f.Community, &f.Address, &f.RentType, &f.Bedrooms, &f.LivingRooms, &f.Bathrooms, &f.AreaSqm,
		&f.Orientation, &f.Floor, &f.Price, &f.Deposit, &f.MinMonths, &facilities, &f.Highlights, &f.Traffic,
		&f.CoverImage, &l.CreatedAt, &l.UpdatedAt, &published)
	if err != nil {
		return nil, err
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
