package query

import (
	"time"

	"github.com/zufang/rental"
)

// Queries is the read side of the application: every query, each wrapped in
// the same middlewares. Built once, in New.
type Queries struct {
	ListingDetail  rental.Handler[ListingDetail, Body]
	SearchListings rental.Handler[SearchListings, Body]
	MyListings     rental.Handler[MyListings, Body]
	CurrentUser    rental.Handler[CurrentUser, Body]
	Areas          rental.Handler[Areas, Body]
	Facilities     rental.Handler[Facilities, Body]

	OrderDetail     rental.Handler[OrderDetail, Body]
	MyOrders        rental.Handler[MyOrders, Body]
	Availability    rental.Handler[Availability, Body]
	ListingReviews  rental.Handler[ListingReviews, Body]
	MyFavorites     rental.Handler[MyFavorites, Body]
	MyHistory       rental.Handler[MyHistory, Body]
	Home            rental.Handler[Home, Body]
	SimilarListings rental.Handler[SimilarListings, Body]
	Recommendations rental.Handler[Recommendations, Body]
	Suggest         rental.Handler[Suggest, Body]
	DistrictStats   rental.Handler[DistrictStats, Body]
}

// Deps are the ports the queries need.
type Deps struct {
	ReadModels ReadModels
	Fallback   Fallback
	Repairer   Repairer
	Catalog    *rental.Catalog
	Views      ViewRecorder     // nil records no views
	Now        func() time.Time // nil means time.Now
}

// New builds every query handler and wraps each in mws (outermost first).
func New(d Deps, mws ...rental.Middleware) Queries {
	if d.Now == nil {
		d.Now = time.Now
	}
	rm, fb, repair := d.ReadModels, d.Fallback, d.Repairer
	return Queries{
		ListingDetail:  rental.Decorate[ListingDetail, Body](ListingDetailHandler{rm, fb, repair, d.Views}, "ListingDetail", mws...),
		SearchListings: rental.Decorate[SearchListings, Body](SearchListingsHandler{d.ReadModels, d.Fallback, d.Repairer, d.Catalog}, "SearchListings", mws...),
		MyListings:     rental.Decorate[MyListings, Body](MyListingsHandler{d.ReadModels, d.Fallback, d.Repairer}, "MyListings", mws...),
		CurrentUser:    rental.Decorate[CurrentUser, Body](CurrentUserHandler{d.ReadModels, d.Fallback, d.Repairer}, "CurrentUser", mws...),
		Areas:          rental.Decorate[Areas, Body](NewAreasHandler(d.Catalog), "Areas", mws...),
		Facilities:     rental.Decorate[Facilities, Body](NewFacilitiesHandler(d.Catalog), "Facilities", mws...),

		OrderDetail:     rental.Decorate[OrderDetail, Body](OrderDetailHandler{rm, fb, repair}, "OrderDetail", mws...),
		MyOrders:        rental.Decorate[MyOrders, Body](MyOrdersHandler{rm, fb, repair}, "MyOrders", mws...),
		Availability:    rental.Decorate[Availability, Body](AvailabilityHandler{rm, fb, repair, d.Now}, "Availability", mws...),
		ListingReviews:  rental.Decorate[ListingReviews, Body](ListingReviewsHandler{rm, fb, repair}, "ListingReviews", mws...),
		MyFavorites:     rental.Decorate[MyFavorites, Body](MyFavoritesHandler{rm, fb, repair}, "MyFavorites", mws...),
		MyHistory:       rental.Decorate[MyHistory, Body](MyHistoryHandler{rm, fb, repair}, "MyHistory", mws...),
		Home:            rental.Decorate[Home, Body](HomeHandler{rm, fb, repair}, "Home", mws...),
		SimilarListings: rental.Decorate[SimilarListings, Body](SimilarListingsHandler{rm, fb, repair}, "SimilarListings", mws...),
		Recommendations: rental.Decorate[Recommendations, Body](RecommendationsHandler{rm, fb, repair}, "Recommendations", mws...),
		Suggest:         rental.Decorate[Suggest, Body](SuggestHandler{rm, fb, d.Catalog}, "Suggest", mws...),
		DistrictStats:   rental.Decorate[DistrictStats, Body](DistrictStatsHandler{rm, fb, d.Catalog}, "DistrictStats", mws...),
	}
}
