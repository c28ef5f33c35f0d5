package httpapi

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/query"
)

func (h handlers) createListing(c echo.Context) error {
	var patch command.ListingPatch
	if err := decodeJSON(c, &patch); err != nil {
		return err
	}
	res, err := h.cmd.CreateListing.Handle(c.Request().Context(), command.CreateListing{Meta: meta(c), Fields: patch})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (h handlers) editListing(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var patch command.ListingPatch
	if err := decodeJSON(c, &patch); err != nil {
		return err
	}
	res, err := h.cmd.EditListing.Handle(c.Request().Context(), command.EditListing{Meta: meta(c), ListingID: id, Fields: patch})
	return respond(c, res, err)
}

func (h handlers) publishListing(c echo.Context) error {
	return h.pathCommand(c, func(m command.Meta, id uuid.UUID) (command.Result, error) {
		return h.cmd.PublishListing.Handle(c.Request().Context(), command.PublishListing{Meta: m, ListingID: id})
	})
}

func (h handlers) unpublishListing(c echo.Context) error {
	return h.pathCommand(c, func(m command.Meta, id uuid.UUID) (command.Result, error) {
		return h.cmd.UnpublishListing.Handle(c.Request().Context(), command.UnpublishListing{Meta: m, ListingID: id})
	})
}

func (h handlers) deleteListing(c echo.Context) error {
	return h.pathCommand(c, func(m command.Meta, id uuid.UUID) (command.Result, error) {
		return h.cmd.DeleteListing.Handle(c.Request().Context(), command.DeleteListing{Meta: m, ListingID: id})
	})
}

// pathCommand runs a command on the aggregate (a listing, an order) named by
// the path's id and answers its id and new version.
func (h handlers) pathCommand(c echo.Context, run func(command.Meta, uuid.UUID) (command.Result, error)) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	res, err := run(meta(c), id)
	return respond(c, res, err)
}

func (h handlers) addListingImage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var body struct {
		URL string `json:"url"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	res, err := h.cmd.AddListingImage.Handle(c.Request().Context(), command.AddListingImage{Meta: meta(c), ListingID: id, URL: body.URL})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": res.Ref, "listing_id": res.ID, "version": res.Version})
}

func (h handlers) removeListingImage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	imageID, err := pathID(c, "image_id")
	if err != nil {
		return err
	}
	res, err := h.cmd.RemoveListingImage.Handle(c.Request().Context(), command.RemoveListingImage{Meta: meta(c), ListingID: id, ImageID: imageID})
	return respond(c, res, err)
}

func respond(c echo.Context, res command.Result, err error) error {
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (h handlers) listingDetail(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	bad := map[string]string{}
	q := query.ListingDetail{Actor: actorOf(c), ID: id, MinVersion: minVersion(c, bad)}
	if err := rental.Invalid(bad); err != nil {
		return err
	}
	b, err := h.q.ListingDetail.Handle(c.Request().Context(), q)
	if err == nil {
		err = reached(c, b, q.MinVersion)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("X-Version", strconv.FormatInt(b.Version, 10))
	return writeBody(c, b)
}

func (h handlers) searchListings(c echo.Context) error {
	bad := map[string]string{}
	f := query.ListingFilter{
		City: c.QueryParam("city"), District: c.QueryParam("district"),
		PriceMin: queryInt(c, "price_min", bad), PriceMax: queryInt(c, "price_max", bad),
		RentType: c.QueryParam("rent_type"), Sort: c.QueryParam("sort"),
		Facilities: queryList(c, "facilities"), Keyword: c.QueryParam("keyword"),
		From: queryDate(c, "start_date", bad), To: queryDate(c, "end_date", bad),
		Page: int(queryInt(c, "page", bad)), PageSize: int(queryInt(c, "page_size", bad)),
	}
	if c.QueryParam("bedrooms") != "" {
		n := int(queryInt(c, "bedrooms", bad))
		f.Bedrooms = &n
	}
	if err := rental.Invalid(bad); err != nil {
		return err
	}
	b, err := h.q.SearchListings.Handle(c.Request().Context(), query.SearchListings{Filter: f})
	if err != nil {
		return err
	}
	return writeBody(c, b)
}
