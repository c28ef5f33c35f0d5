package query

import "github.com/zufang/rental"

// Queries is the read side of the application: every query, each wrapped in
// the same middlewares. Built once, in New.
type Queries struct {
	ListingDetail  rental.Handler[ListingDetail, Body]
	SearchListings rental.Handler[SearchListings, Body]
	MyListings     rental.Handler[MyListings, Body]
	CurrentUser    rental.Handler[CurrentUser, Body]
	Areas          rental.Handler[Areas, Body]
	Facilities     rental.Handler[Facilities, Body]
}

// Deps are the ports the queries need.
type Deps struct {
	ReadModels ReadModels
	Source     Source
	Repairer   Repairer
	Catalog    *rental.Catalog
}

// New builds every query handler and wraps each in mws (outermost first).
func New(d Deps, mws ...rental.Middleware) Queries {
	return Queries{
		ListingDetail:  rental.Decorate[ListingDetail, Body](ListingDetailHandler{d.ReadModels, d.Source, d.Repairer}, "ListingDetail", mws...),
		SearchListings: rental.Decorate[SearchListings, Body](SearchListingsHandler{d.ReadModels, d.Source, d.Repairer, d.Catalog}, "SearchListings", mws...),
		MyListings:     rental.Decorate[MyListings, Body](MyListingsHandler{d.ReadModels, d.Source, d.Repairer}, "MyListings", mws...),
		CurrentUser:    rental.Decorate[CurrentUser, Body](CurrentUserHandler{d.ReadModels, d.Source, d.Repairer}, "CurrentUser", mws...),
		Areas:          rental.Decorate[Areas, Body](NewAreasHandler(d.Catalog), "Areas", mws...),
		Facilities:     rental.Decorate[Facilities, Body](NewFacilitiesHandler(d.Catalog), "Facilities", mws...),
	}
}
