package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/zufang/rental"
	"github.com/zufang/rental/infra/photos"
)

// PhotoStore implements photos.Store on MySQL, so every api replica sees a
// photo as soon as one of them stored it.
type PhotoStore struct {
	pools   Pools
	backoff Backoff
}

// NewPhotoStore returns the photo store on the pools: writes on the writer,
// reads on the reader (falling back to the writer for a photo just stored).
func NewPhotoStore(pools Pools) PhotoStore {
	return PhotoStore{pools: pools, backoff: DefaultBackoff}
}

var _ photos.Store = PhotoStore{}

// Put stores a photo and its variants. A photo already stored is not decoded
// again. Each variant is its own statement (a 10 MB original is one row), and
// the original goes last: a photo whose full row exists has every variant, so
// an upload cut short is simply completed by the next one.
func (s PhotoStore) Put(ctx context.Context, data []byte) (photos.Photo, error) {
	if len(data) > photos.MaxBytes {
		_, err := photos.Prepare(data) // the same refusal as any other oversized file
		return photos.Photo{}, err
	}
	hash := photos.Hash(data)
	p := photos.Photo{Hash: hash}
	err := s.backoff.retry(ctx, func(int) error {
		return s.pools.Writer.QueryRowContext(ctx, `SELECT content_type, width, height FROM photos WHERE hash = ? AND variant = ?`,
			hash, string(photos.Full)).Scan(&p.Type, &p.Width, &p.Height)
	})
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return photos.Photo{}, fmt.Errorf("looking for photo %s: %w", hash, err)
	}
	prep, err := photos.Prepare(data)
	if err != nil {
		return photos.Photo{}, err
	}
	now := time.Now().UTC()
	for _, size := range []photos.Size{photos.Card, photos.Detail, photos.Full} {
		v := prep.Variants[size]
		err := s.backoff.retry(ctx, func(int) error {
			_, err := s.pools.Writer.ExecContext(ctx, `INSERT IGNORE INTO photos (hash, variant, content_type, width, height, data, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, hash, string(size), v.ContentType, v.Width, v.Height, v.Data, now)
			return err
		})
		if err != nil {
			return photos.Photo{}, fmt.Errorf("storing the %s variant of photo %s: %w", size, hash, err)
		}
	}
	return prep.Photo, nil
}

// Get returns one variant of a photo; ENOTFOUND when there is no such photo.
func (s PhotoStore) Get(ctx context.Context, hash string, size photos.Size) (photos.Blob, error) {
	if !photos.ValidHash(hash) {
		return photos.Blob{}, rental.Errorf(rental.ENOTFOUND, "no such photo")
	}
	b, err := s.get(ctx, s.pools.Reader, hash, size)
	if errors.Is(err, sql.ErrNoRows) && s.pools.Reader != s.pools.Writer {
		b, err = s.get(ctx, s.pools.Writer, hash, size) // stored a moment ago, the reader has not caught up
	}
	if errors.Is(err, sql.ErrNoRows) {
		return photos.Blob{}, rental.Errorf(rental.ENOTFOUND, "no such photo")
	}
	if err != nil {
		return photos.Blob{}, fmt.Errorf("reading photo %s (%s): %w", hash, size, err)
	}
	return b, nil
}

func (s PhotoStore) get(ctx context.Context, db *sql.DB, hash string, size photos.Size) (photos.Blob, error) {
	var b photos.Blob
	err := s.backoff.retry(ctx, func(int) error {
		return db.QueryRowContext(ctx, `SELECT data, content_type, width, height FROM photos WHERE hash = ? AND variant = ?`,
			hash, string(size)).Scan(&b.Data, &b.ContentType, &b.Width, &b.Height)
	})
	return b, err
}
