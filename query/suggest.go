package query

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/zufang/rental"
)

// Suggest completes what a user types in the search box: up to SuggestSize
// districts (from the dictionary), blocks and titles of published listings
// that contain the text, the most common first.
type Suggest struct {
	Q string
}

// SuggestSize is how many of each kind are suggested.
const SuggestSize = 5

func (q Suggest) CacheKey() string  { return "suggest|" + strings.ToLower(strings.TrimSpace(q.Q)) }
func (Suggest) DependsOn() []string { return onListings }

type SuggestHandler struct {
	RM       ReadModels
	Fallback Fallback
	Catalog  *rental.Catalog
}

type districtJSON struct {
	City     string `json:"city"`
	CityName string `json:"city_name"`
	Code     string `json:"district"`
	Name     string `json:"district_name"`
}

func (h SuggestHandler) Handle(ctx context.Context, q Suggest) (Body, error) {
	text := strings.ToLower(strings.TrimSpace(q.Q))
	if n := utf8.RuneCountInString(text); n == 0 || n > MaxKeyword || strings.ContainsAny(text, "\n\r\t") {
		return Body{}, rental.InvalidField("q", fmt.Sprintf("must be one line of 1 to %d characters", MaxKeyword))
	}
	districts := []districtJSON{}
	for _, c := range h.Catalog.Cities() {
		for _, d := range c.Districts {
			if len(districts) < SuggestSize && (strings.Contains(strings.ToLower(d.Name), text) || strings.Contains(d.Code, text)) {
				districts = append(districts, districtJSON{c.Code, c.Name, d.Code, d.Name})
			}
		}
	}
	source := FromRedis
	blocks, titles, err := h.RM.Suggest(ctx, text, SuggestSize)
	if err != nil {
		source = FromMySQL
		if blocks, titles, err = h.Fallback.Suggest(ctx, text, SuggestSize); err != nil {
			return Body{}, err
		}
	}
	body, err := json.Marshal(map[string]any{"districts": districts, "blocks": blocks, "titles": titles})
	if err != nil {
		return Body{}, fmt.Errorf("encoding suggestions: %w", err)
	}
	return Body{JSON: body, Source: source}, nil
}
