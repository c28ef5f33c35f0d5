package query

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/zufang/rental"
)

// ListingReviews pages through the reviews of a listing, newest first. The
// average rating and the count are on the listing detail (rating, reviews).
type ListingReviews struct {
	Actor     rental.Actor
	ListingID uuid.UUID
	Page      int
	PageSize  int
}

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
	if _, _, _, err := ld.listing(ctx, ListingDetail{Actor: q.Actor, ID: q.ListingID}); err != nil {
		return Body{}, err
	}
	offset := (page - 1) * size
	if items, total, err := h.RM.Reviews(ctx, q.ListingID, offset, size); err == nil {
		return Body{JSON: pageJSON(items, total, page, size), Source: FromRedis}, nil
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
	return Body{JSON: pageJSON(items, total, page, size), Source: FromMySQL}, nil
}
