package httpapi

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/photos"
)

// MaxUploadBody bounds an upload request to the API: one photo and the
// multipart framing around it.
const MaxUploadBody = photos.MaxBytes + 256<<10

// IsUpload says whether a route takes photo uploads: its path ends in
// /photos. Such a route is exempt from the server's 1 MB body limit and sets
// its own (the pages' upload route follows the same rule).
func IsUpload(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && strings.HasSuffix(c.Path(), "/photos")
}

// photo serves one variant of a stored photo (?s=card|detail|full, full by
// default). A photo's name is its content, so it may be cached for good.
func (h handlers) photo(c echo.Context) error {
	size, ok := photos.ParseSize(c.QueryParam("s"))
	if !ok {
		return rental.InvalidField("s", "must be card, detail or full")
	}
	hash := c.Param("hash")
	etag := `"` + hash + "-" + string(size) + `"`
	hdr := c.Response().Header()
	if photos.ValidHash(hash) && etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		setPhotoCaching(hdr, etag)
		return c.NoContent(http.StatusNotModified)
	}
	b, err := h.photos.Get(c.Request().Context(), hash, size)
	if err != nil {
		return err
	}
	setPhotoCaching(hdr, etag)
	// Uploaded bytes are served as the image type their decoding found, never
	// sniffed, and sandboxed: a crafted file cannot run as a page of this origin.
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Blob(http.StatusOK, b.ContentType, b.Data)
}

func setPhotoCaching(hdr http.Header, etag string) {
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("ETag", etag)
}

func etagMatches(ifNoneMatch, etag string) bool {
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// uploadListingPhoto adds one photo (multipart field "photo") to a listing.
func (h handlers) uploadListingPhoto(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var data []byte
	n, err := photos.EachUpload(c.Request(), func(b []byte) error {
		if data != nil {
			return rental.InvalidField(photos.Field, "send one photo per request")
		}
		data = b
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return rental.InvalidField(photos.Field, "is required: a JPEG, PNG or WebP file")
	}
	res, p, err := photos.Attacher{Store: h.photos, AddImage: h.cmd.AddListingImage}.Attach(c.Request().Context(), meta(c), id, data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{
		"id": res.Ref, "listing_id": res.ID, "version": res.Version,
		"url": p.URL(), "width": p.Width, "height": p.Height,
	})
}

func (h handlers) setListingCover(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var body struct {
		ImageID string `json:"image_id"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	imageID, err := uuid.Parse(body.ImageID)
	if err != nil {
		return rental.InvalidField("image_id", "must be a UUID")
	}
	res, err := h.cmd.SetListingCover.Handle(c.Request().Context(), command.SetListingCover{Meta: meta(c), ListingID: id, ImageID: imageID})
	return respond(c, res, err)
}
