package query

import (
	"context"
	"encoding/json"

	"github.com/zufang/rental"
)

// Areas lists the cities and their districts; Facilities lists the facility
// dictionary. Both are fixed by migration and held in memory.
type (
	Areas      struct{}
	Facilities struct{}
)

type AreasHandler struct{ body []byte }

// NewAreasHandler encodes the areas once.
func NewAreasHandler(cat *rental.Catalog) AreasHandler {
	b, _ := json.Marshal(map[string]any{"cities": cat.Cities()})
	return AreasHandler{body: b}
}

func (h AreasHandler) Handle(context.Context, Areas) (Body, error) {
	return Body{JSON: h.body, Source: FromMemory}, nil
}

type FacilitiesHandler struct{ body []byte }

// NewFacilitiesHandler encodes the facilities once.
func NewFacilitiesHandler(cat *rental.Catalog) FacilitiesHandler {
	b, _ := json.Marshal(map[string]any{"facilities": cat.Facilities()})
	return FacilitiesHandler{body: b}
}

func (h FacilitiesHandler) Handle(context.Context, Facilities) (Body, error) {
	return Body{JSON: h.body, Source: FromMemory}, nil
}
