package command

import (
	"time"

	"github.com/zufang/rental"
)

// Commands is the write side of the application: every use case, each
// wrapped in the same middlewares. Built once, in New.
type Commands struct {
	RegisterUser   rental.Handler[RegisterUser, Result]
	OpenSession    rental.Handler[OpenSession, SessionOpened]
	CloseSession   rental.Handler[CloseSession, struct{}]
	EditProfile    rental.Handler[EditProfile, Result]
	ChangePassword rental.Handler[ChangePassword, Result]
	ImportUser     rental.Handler[ImportUser, Result]

	CreateListing      rental.Handler[CreateListing, Result]
	EditListing        rental.Handler[EditListing, Result]
	PublishListing     rental.Handler[PublishListing, Result]
	UnpublishListing   rental.Handler[UnpublishListing, Result]
	DeleteListing      rental.Handler[DeleteListing, Result]
	AddListingImage    rental.Handler[AddListingImage, Result]
	RemoveListingImage rental.Handler[RemoveListingImage, Result]
	SetListingCover    rental.Handler[SetListingCover, Result]

	PlaceOrder  rental.Handler[PlaceOrder, Result]
	AcceptOrder rental.Handler[AcceptOrder, Result]
	RejectOrder rental.Handler[RejectOrder, Result]
	PayOrder    rental.Handler[PayOrder, Result]
	CancelOrder rental.Handler[CancelOrder, Result]
	EndStay     rental.Handler[EndStay, Result]
	ReviewOrder rental.Handler[ReviewOrder, Result]

	AddFavorite    rental.Handler[AddFavorite, Result]
	RemoveFavorite rental.Handler[RemoveFavorite, Result]
	RecordViews    rental.Handler[RecordViews, Result]
	ClearHistory   rental.Handler[ClearHistory, Result]
	ImportHistory  rental.Handler[ImportHistory, Result]
	ImportViews    rental.Handler[ImportViews, Result]
}

// Deps are the ports the commands need.
type Deps struct {
	Users     UserStore
	Sessions  SessionStore
	Listings  ListingStore
	Orders    OrderStore
	Favorites FavoriteStore
	Views     ViewStore
	Catalog   Catalog
	Passwords Passwords
	Now       Clock // nil means time.Now
	// Attempts counts the attempts Limits bounds (nil: no limits).
	Attempts Limiter
	Limits   AttemptLimits
}

// New builds every command handler and wraps each in mws (outermost first).
func New(d Deps, mws ...rental.Middleware) Commands {
	clock := d.Now
	if clock == nil {
		clock = time.Now
	}
	// MySQL keeps microseconds: state carried by events must equal what a
	// later read from MySQL returns, or read models and MySQL would disagree.
	now := func() time.Time { return clock().UTC().Truncate(time.Microsecond) }
	return Commands{
		RegisterUser: rental.Decorate(limitAttempts[RegisterUser, Result](RegisterUserHandler{d.Users, d.Passwords, now},
			d.Attempts, registrations(d.Limits)), "RegisterUser", mws...),
		OpenSession: rental.Decorate(limitAttempts[OpenSession, SessionOpened](&OpenSessionHandler{Users: d.Users, Sessions: d.Sessions, Passwords: d.Passwords, Now: now},
			d.Attempts, loginAttempts(d.Limits)), "OpenSession", mws...),
		CloseSession: rental.Decorate[CloseSession, struct{}](CloseSessionHandler{d.Sessions}, "CloseSession", mws...),
		EditProfile: rental.Decorate(limitAttempts[EditProfile, Result](EditProfileHandler{d.Users, d.Sessions, d.Passwords, now},
			d.Attempts, profileAttempts(d.Limits)), "EditProfile", mws...),
		ChangePassword: rental.Decorate(limitAttempts[ChangePassword, Result](ChangePasswordHandler{d.Users, d.Sessions, d.Passwords, now},
			d.Attempts, currentPasswordAttempts(d.Limits, func(c ChangePassword) Meta { return c.Meta })), "ChangePassword", mws...),
		ImportUser: rental.Decorate[ImportUser, Result](ImportUserHandler{d.Users, d.Passwords, now}, "ImportUser", mws...),

		CreateListing:      rental.Decorate[CreateListing, Result](CreateListingHandler{d.Listings, d.Catalog, now}, "CreateListing", mws...),
		EditListing:        rental.Decorate[EditListing, Result](EditListingHandler{d.Listings, d.Catalog, now}, "EditListing", mws...),
		PublishListing:     rental.Decorate[PublishListing, Result](PublishListingHandler{d.Listings, now}, "PublishListing", mws...),
		UnpublishListing:   rental.Decorate[UnpublishListing, Result](UnpublishListingHandler{d.Listings, now}, "UnpublishListing", mws...),
		DeleteListing:      rental.Decorate[DeleteListing, Result](DeleteListingHandler{d.Listings, now}, "DeleteListing", mws...),
		AddListingImage:    rental.Decorate[AddListingImage, Result](AddListingImageHandler{d.Listings, now}, "AddListingImage", mws...),
		RemoveListingImage: rental.Decorate[RemoveListingImage, Result](RemoveListingImageHandler{d.Listings, now}, "RemoveListingImage", mws...),
		SetListingCover:    rental.Decorate[SetListingCover, Result](SetListingCoverHandler{d.Listings, now}, "SetListingCover", mws...),

		PlaceOrder:  rental.Decorate[PlaceOrder, Result](PlaceOrderHandler{d.Orders, now}, "PlaceOrder", mws...),
		AcceptOrder: rental.Decorate[AcceptOrder, Result](AcceptOrderHandler{d.Orders, now}, "AcceptOrder", mws...),
		RejectOrder: rental.Decorate[RejectOrder, Result](RejectOrderHandler{d.Orders, now}, "RejectOrder", mws...),
		PayOrder:    rental.Decorate[PayOrder, Result](PayOrderHandler{d.Orders, now}, "PayOrder", mws...),
		CancelOrder: rental.Decorate[CancelOrder, Result](CancelOrderHandler{d.Orders, now}, "CancelOrder", mws...),
		EndStay:     rental.Decorate[EndStay, Result](EndStayHandler{d.Orders, now}, "EndStay", mws...),
		ReviewOrder: rental.Decorate[ReviewOrder, Result](ReviewOrderHandler{d.Orders, now}, "ReviewOrder", mws...),

		AddFavorite:    rental.Decorate[AddFavorite, Result](AddFavoriteHandler{d.Favorites, now}, "AddFavorite", mws...),
		RemoveFavorite: rental.Decorate[RemoveFavorite, Result](RemoveFavoriteHandler{d.Favorites}, "RemoveFavorite", mws...),
		RecordViews:    rental.Decorate[RecordViews, Result](RecordViewsHandler{d.Views}, "RecordViews", mws...),
		ClearHistory:   rental.Decorate[ClearHistory, Result](ClearHistoryHandler{d.Views}, "ClearHistory", mws...),
		ImportHistory:  rental.Decorate[ImportHistory, Result](ImportHistoryHandler{d.Views, now}, "ImportHistory", mws...),
		ImportViews:    rental.Decorate[ImportViews, Result](ImportViewsHandler{d.Views}, "ImportViews", mws...),
	}
}
