package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// ImportMap records which aggregate each row of the old site became
// (rentalctl import), so a second run finds every row already done.
type ImportMap struct{ db *sql.DB }

// NewImportMap works on the writer.
func NewImportMap(db *sql.DB) ImportMap { return ImportMap{db: db} }

// Lookup returns the aggregate an old row became, if it was imported.
func (m ImportMap) Lookup(ctx context.Context, source, oldID string) (uuid.UUID, bool, error) {
	var id uuid.UUID
	err := m.db.QueryRowContext(ctx, `SELECT new_id FROM import_map WHERE source = ? AND old_id = ?`, source, oldID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("looking up imported %s %s: %w", source, oldID, err)
	}
	return id, true, nil
}

// Record notes that an old row became the aggregate id, with what the row
// had that has no place yet. Recording twice keeps the first.
func (m ImportMap) Record(ctx context.Context, source, oldID string, id uuid.UUID, details map[string]any) error {
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	if _, err := m.db.ExecContext(ctx, `INSERT IGNORE INTO import_map (source, old_id, new_id, details, imported_at) VALUES (?, ?, ?, ?, ?)`,
		source, oldID, id[:], b, time.Now().UTC()); err != nil {
		return fmt.Errorf("recording imported %s %s: %w", source, oldID, err)
	}
	return nil
}
