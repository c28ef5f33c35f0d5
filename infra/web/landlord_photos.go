package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/photos"
)

// The photos of a listing (/landlord/listings/{id}/photos): upload several
// at once, choose the cover, remove one. An upload goes through the same
// rule as POST /api/v1/listings/{id}/photos: photos.EachUpload reads the
// files (10 MB each), photos.Attacher stores each (checked by decoding it:
// JPEG, PNG or WebP) and adds it with AddListingImage (at most 20 a listing).

type photosView struct {
	section
	L       ownListing
	Uploads bool // the api stores uploads (Deps.Uploads)
	Back    string
}

// IsCover reports whether an image is the listing's cover.
func (v photosView) IsCover(url string) bool { return v.L.CoverImage == url }

func (p *pages) listingPhotos(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return p.drawPhotos(c, id, version(c), Form{})
}

// drawPhotos draws the photos page of the listing at least at minVersion,
// with f: the upload form's message after a refusal.
func (p *pages) drawPhotos(c echo.Context, id uuid.UUID, minVersion int64, f Form) error {
	l, err := p.ownListingOf(c, id, minVersion)
	if err != nil {
		return err
	}
	v := photosView{section: newLandlordSection(c, "/landlord/listings"), L: l, Uploads: p.Uploads != nil, Back: l.PhotosURL()}
	return p.renderForm(c, "landlord_photos", "房源照片 - "+l.Title, f, v)
}

// uploadPhotos adds every file of the form's photo field, in order. A file
// that is refused (not an image, too large, the listing full) stops the
// upload there: the page says which one and why beside the field, and shows
// the photos added before it.
func (p *pages) uploadPhotos(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	m := meta(c)
	attach := photos.Attacher{Store: p.Uploads, AddImage: p.Commands.AddListingImage}
	var last command.Result
	added := 0
	_, err = photos.EachUpload(c.Request(), func(data []byte) error {
		// Each photo is a command of its own; its id derives from the form's
		// and the photo's bytes, so a resubmitted form (or the same file
		// chosen twice) adds it once.
		sum := sha256.Sum256(data)
		pm := m
		pm.CommandID = uuidFor(m.CommandID.String() + "\x00" + hex.EncodeToString(sum[:]))
		res, _, err := attach.Attach(ctx, pm, id, data)
		if err != nil {
			return err
		}
		last, added = res, added+1
		return nil
	})
	if err == nil && added == 0 {
		err = rental.InvalidField(photos.Field, "请选择要上传的照片（JPEG、PNG 或 WebP 格式）")
	}
	if err != nil {
		err = notMine(err)
		switch rental.ErrorCode(err) {
		case rental.EINVALID, rental.ECONFLICT:
		default:
			return err
		}
		f := Form{Values: map[string][]string{}}.withError(err)
		msg := zhMessage(rental.ErrorMessage(err))
		if fields := rental.ErrorFields(err); fields[photos.Field] != "" {
			msg = zhMessage(fields[photos.Field])
		}
		if added > 0 {
			msg = fmt.Sprintf("前 %d 张已上传；第 %d 张未上传：%s", added, added+1, msg)
		}
		f.Errors, f.Message = map[string]string{photos.Field: msg}, ""
		return p.drawPhotos(c, id, last.Version, f)
	}
	return see303(c, afterChange(landlordListingPath(id)+"/photos", "/landlord/listings", last.Version, "uploaded"))
}

// setCover makes one of the listing's images its cover with SetListingCover.
func (p *pages) setCover(c echo.Context) error {
	id, image, err := listingImage(c)
	if err != nil {
		return err
	}
	res, err := p.Commands.SetListingCover.Handle(c.Request().Context(), command.SetListingCover{Meta: meta(c), ListingID: id, ImageID: image})
	if err != nil {
		return notMine(err)
	}
	return see303(c, afterChange(landlordListingPath(id)+"/photos", "/landlord/listings", res.Version, "cover"))
}

// removePhoto takes an image off the listing with RemoveListingImage; a cover
// removed passes to the first photo left.
func (p *pages) removePhoto(c echo.Context) error {
	id, image, err := listingImage(c)
	if err != nil {
		return err
	}
	res, err := p.Commands.RemoveListingImage.Handle(c.Request().Context(), command.RemoveListingImage{Meta: meta(c), ListingID: id, ImageID: image})
	if err != nil {
		return notMine(err)
	}
	return see303(c, afterChange(landlordListingPath(id)+"/photos", "/landlord/listings", res.Version, "removed"))
}

func listingImage(c echo.Context) (uuid.UUID, uuid.UUID, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	image, err := pathID(c, "image_id")
	return id, image, err
}

// Hint says what the upload field takes.
func (v photosView) Hint() string {
	return fmt.Sprintf("JPEG、PNG 或 WebP 格式，每张不超过 %d MB；每套房源最多 %d 张，还可上传 %d 张。可一次选择多张。",
		photos.MaxBytes>>20, command.MaxImages, v.L.Free())
}
