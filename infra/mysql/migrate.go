package mysql

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies every embedded migration not yet applied. It is idempotent:
// running it on an up-to-date database changes nothing. It returns the
// versions it applied.
func Migrate(ctx context.Context, db *sql.DB) ([]int64, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	// Features number their migrations in ranges of their own (00020… photos,
	// 00030… idempotency, …), so an installation may have applied a higher
	// number before a lower one lands: apply it then, out of order.
	p, err := goose.NewProvider(goose.DialectMySQL, db, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return nil, fmt.Errorf("loading migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("applying migrations: %w", err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}
