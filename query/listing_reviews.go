package query

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// ListingReviews pages through the reviews of a listing, newest first. The
// average rating and the count are on the listing detail (rating, reviews).
type ListingReviews struct {
	Actor     rental.Actor
	ListingID uuid.UUID
	Page      int
	PageSize  int
}

// CacheKey and DependsOn make the reviews of a published listing a Shared
// query (every listing page reads them): a review arrives with an order
// change, a listing that is unpublished goes with a listing change. The
// notice of an order that no longer holds dates does not name its listing,
// so any order change retires every listing's reviews.
func (q ListingReviews) CacheKey() string {
	page, size, _ := normalizePage(q.Page, q.PageSize)
	var buf [64]byte
	b := append(appendKey(buf[:0], "reviews", q.ListingID), '|')
	b = append(strconv.AppendInt(b, int64(page), 10), '|')
	return string(strconv.AppendInt(b, int64(size), 10))
}

func (ListingReviews) DependsOn() []string { return onListingsOrders }

type ListingReviewsHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
}

func (h ListingReviewsHandler) Handle(ctx context.Context, q ListingReviews) (Body, error) {
	page, size, bad := normalizePage(q.Page, q.PageSize)
	if err := rental.Invalid(bad); err != nil {
		return Body{}, err
	}
	ld := ListingDetailHandler{RM: h.RM, Fallback: h.Fallback, Repair: h.Repair}
	_, status, _, err := ld.listing(ctx, ListingDetail{Actor: q.Actor, ID: q.ListingID})
	if err != nil {
		return Body{}, err
	}
	private := status != events.StatusPublished
	offset := (page - 1) * size
	if items, total, err := h.RM.Reviews(ctx, q.ListingID, offset, size); err == nil {
		return Body{JSON: pageJSON(items, total, page, size), Source: FromRedis, Private: private}, nil
	}
	reviews, total, err := h.Fallback.Reviews(ctx, q.ListingID, offset, size)
	if err != nil {
		return Body{}, err
	}
	items := make([][]byte, len(reviews))
	for i, r := range reviews {
		if items[i], err = json.Marshal(r); err != nil {
			return Body{}, fmt.Errorf("encoding a review: %w", err)
		}
	}
	return Body{JSON: pageJSON(items, total, page, size), Source: FromMySQL, Private: private}, nil
}
