// Package oldsite adapts the site this platform replaces (a Flask site on
// MySQL) for `rentalctl import`: it reads its tables from a mysqldump file or
// a live database, turns its free-text fields ("2室1厅", "89平方米",
// "5800元/月", "冰箱-洗衣机") into typed ones, and imports rows through the
// normal command path, reporting every row it cannot parse instead of
// dropping it.
package oldsite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "github.com/go-sql-driver/mysql" // the "mysql" driver for DB
)

// Row is one row of an old table: column name → value, nil for NULL.
type Row map[string]*string

// Get returns a column's value ("" for NULL or absent), trimmed.
func (r Row) Get(column string) string {
	if v := r[column]; v != nil {
		return strings.TrimSpace(*v)
	}
	return ""
}

// Source is where the old site's tables are read from.
type Source interface {
	// Rows calls fn with every row of the table, in the order stored.
	Rows(ctx context.Context, table string, fn func(Row) error) error
}

// The old site's tables.
const (
	HouseTable = "house_info"
	UserTable  = "user_info"
)

// DB reads the old site's tables from its live database (read-only).
type DB struct{ DSN string }

// Rows implements Source.
func (d DB) Rows(ctx context.Context, table string, fn func(Row) error) error {
	db, err := sql.Open("mysql", d.DSN)
	if err != nil {
		return fmt.Errorf("opening the old database: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT * FROM `"+strings.ReplaceAll(table, "`", "")+"` ORDER BY 1")
	if err != nil {
		return fmt.Errorf("reading %s from the old database: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("reading %s: %w", table, err)
		}
		row := make(Row, len(cols))
		for i, c := range cols {
			if raw[i] != nil {
				v := string(raw[i])
				row[c] = &v
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}
