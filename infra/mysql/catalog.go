package mysql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/zufang/rental"
)

// LoadCatalog reads the areas and facilities dictionaries seeded by migration.
func LoadCatalog(ctx context.Context, db *sql.DB) (*rental.Catalog, error) {
	rows, err := db.QueryContext(ctx, `SELECT city, city_name, district, district_name FROM areas ORDER BY position`)
	if err != nil {
		return nil, fmt.Errorf("loading areas: %w", err)
	}
	defer rows.Close()
	var cities []rental.City
	for rows.Next() {
		var city, cityName string
		var d rental.District
		if err := rows.Scan(&city, &cityName, &d.Code, &d.Name); err != nil {
			return nil, fmt.Errorf("loading areas: %w", err)
		}
		if n := len(cities); n == 0 || cities[n-1].Code != city {
			cities = append(cities, rental.City{Code: city, Name: cityName})
		}
		last := &cities[len(cities)-1]
		last.Districts = append(last.Districts, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loading areas: %w", err)
	}
	frows, err := db.QueryContext(ctx, `SELECT code, name, position FROM facilities ORDER BY position`)
	if err != nil {
		return nil, fmt.Errorf("loading facilities: %w", err)
	}
	defer frows.Close()
	var facilities []rental.Facility
	for frows.Next() {
		var f rental.Facility
		if err := frows.Scan(&f.Code, &f.Name, &f.Position); err != nil {
			return nil, fmt.Errorf("loading facilities: %w", err)
		}
		facilities = append(facilities, f)
	}
	if err := frows.Err(); err != nil {
		return nil, fmt.Errorf("loading facilities: %w", err)
	}
	if len(cities) == 0 || len(facilities) == 0 {
		return nil, fmt.Errorf("areas or facilities are empty: run `rentalctl migrate` first")
	}
	return rental.NewCatalog(cities, facilities), nil
}
