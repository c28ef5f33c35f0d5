package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/photos"
)

// uploadBodyBytes bounds one upload form: as many photos as a listing may
// hold (command.MaxImages) at photos.MaxBytes each, and the framing. Each
// file is still refused beyond photos.MaxBytes on its own.
const uploadBodyBytes = command.MaxImages*photos.MaxBytes + 1<<20

// landlordRoutes registers the landlord's pages: my listings (every status,
// with publish, unpublish and delete), the listing form (new and edit), the
// photos of a listing (upload, cover, remove) and the incoming orders
// (accept, reject with a reason). Visitors are asked to log in; anyone who
// is not a landlord gets the 403 page. The commands check again.
func (p *pages) landlordRoutes(r router) {
	l := r.With(landlordOnly)
	l.GET("/landlord", func(c echo.Context) error { return see303(c, "/landlord/listings") })
	l.GET("/landlord/listings", p.myListings)
	l.GET("/landlord/listings/new", p.newListingForm)
	l.POST("/landlord/listings", p.createListing)
	l.GET("/landlord/listings/:id/edit", p.editListingForm)
	l.POST("/landlord/listings/:id/edit", p.editListing)
	l.POST("/landlord/listings/:id/publish", p.publishListing)
	l.POST("/landlord/listings/:id/unpublish", p.unpublishListing)
	l.POST("/landlord/listings/:id/delete", p.deleteListing)

	l.GET("/landlord/listings/:id/photos", p.listingPhotos)
	if p.Uploads != nil {
		// The body limit comes before the CSRF check, which reads the form.
		r.WithBodyLimit(strconv.Itoa(uploadBodyBytes/1024)+"K").With(landlordOnly).POST("/landlord/listings/:id/photos", p.uploadPhotos)
	}
	l.POST("/landlord/listings/:id/photos/:image_id/cover", p.setCover)
	l.POST("/landlord/listings/:id/photos/:image_id/remove", p.removePhoto)

	l.GET("/landlord/orders", p.incomingOrders)
	l.POST("/landlord/orders/:id/accept", p.acceptOrder)
	l.POST("/landlord/orders/:id/reject", p.rejectOrder)
}

// landlordOnly sends a visitor to log in and shows anyone who is not a
// landlord the 403 page, with the way to become one.
func landlordOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := actorOf(c)
		switch {
		case a.Anonymous():
			return rental.Errorf(rental.EUNAUTHORIZED, "log in first")
		case !a.Has(rental.RoleLandlord):
			return rental.Errorf(rental.EFORBIDDEN, "房东页面仅对房东开放。如需发布房源，请在“个人资料”中勾选“房东”身份后再来。")
		}
		return next(c)
	}
}
