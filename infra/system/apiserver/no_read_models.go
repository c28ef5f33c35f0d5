package apiserver

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// The read models of orders, activity and discovery, all misses for
// RENTAL_READ_MODELS=false (see noReadModels).

func (noReadModels) Order(context.Context, uuid.UUID) (query.Doc, error) {
	return query.Doc{}, query.ErrMiss
}
func (noReadModels) Orders(context.Context, []uuid.UUID) ([]query.Doc, error) {
	return nil, query.ErrMiss
}
func (noReadModels) UserOrders(context.Context, uuid.UUID, string, string, int, int) ([]uuid.UUID, int, error) {
	return nil, 0, query.ErrMiss
}
func (noReadModels) BookedRanges(context.Context, uuid.UUID, time.Time, time.Time) ([]query.BookedRange, error) {
	return nil, query.ErrMiss
}
func (noReadModels) Reviews(context.Context, uuid.UUID, int, int) ([][]byte, int, error) {
	return nil, 0, query.ErrMiss
}
func (noReadModels) ListingViews(context.Context, uuid.UUID) (query.Count, error) {
	return query.Count{}, query.ErrMiss
}
func (noReadModels) Favorited(context.Context, uuid.UUID, uuid.UUID) (bool, error) {
	return false, query.ErrMiss
}
func (noReadModels) Favorites(context.Context, uuid.UUID, int, int) ([]uuid.UUID, int, error) {
	return nil, 0, query.ErrMiss
}
func (noReadModels) History(context.Context, uuid.UUID) (query.Doc, error) {
	return query.Doc{}, query.ErrMiss
}
func (noReadModels) TopListings(context.Context, string, int) ([]uuid.UUID, error) {
	return nil, query.ErrMiss
}
func (noReadModels) NearPrice(context.Context, string, string, int64, int) ([]uuid.UUID, error) {
	return nil, query.ErrMiss
}
func (noReadModels) Suggest(context.Context, string, int) ([]query.NameCount, []query.NameCount, error) {
	return nil, nil, query.ErrMiss
}
func (noReadModels) DistrictStats(context.Context, string, string) (query.ChartData, error) {
	return query.ChartData{}, query.ErrMiss
}
func (noReadModels) RepairOrder(events.OrderState) {}
