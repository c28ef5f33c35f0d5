package photos

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // registers the PNG decoder for image.Decode

	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers the WebP decoder for image.Decode

	"github.com/zufang/rental"
)

// Variant boxes: card and detail fit in these (never enlarged). A very tall
// picture is bounded by the height, so a card is never a long strip. A card
// is drawn at most ~290 CSS px wide (four a row on a desktop, two on a
// phone's 375 px): 360 px is sharp enough for both and keeps a first visit's
// 24 cards near 8 KB each (480 px made them ~13 KB).
var boxes = map[Size]image.Point{
	Card:   {X: 360, Y: 540},
	Detail: {X: 1200, Y: 1600},
}

var jpegQuality = map[Size]int{Card: 78, Detail: 82}

// accepted maps the decoders' format names to content types.
var accepted = map[string]string{"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}

// Prepared is a checked photo with every variant made, ready to be stored.
type Prepared struct {
	Photo
	Variants map[Size]Blob
}

// Hash returns the name a photo with these bytes has.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// check refuses what is not an accepted image within the limits, reading only
// the header (so an oversized image is refused before it is decoded).
func check(data []byte) (format string, cfg image.Config, err error) {
	switch {
	case len(data) == 0:
		return "", cfg, rental.InvalidField(Field, "is empty")
	case len(data) > MaxBytes:
		return "", cfg, rental.InvalidField(Field, "is too large: at most 10 MB per photo")
	}
	cfg, format, derr := image.DecodeConfig(bytes.NewReader(data))
	if _, ok := accepted[format]; derr != nil || !ok {
		return "", cfg, rental.InvalidField(Field, "must be a JPEG, PNG or WebP image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || float64(cfg.Width)*float64(cfg.Height) > MaxPixels {
		return "", cfg, rental.InvalidField(Field, "is too large: at most 50 megapixels")
	}
	return format, cfg, nil
}

// Prepare checks data is an accepted image within the limits (by decoding it,
// not by its name or declared type) and makes the variants. A refusal is
// EINVALID naming Field.
func Prepare(data []byte) (*Prepared, error) {
	format, _, err := check(data)
	if err != nil {
		return nil, err
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, rental.InvalidField(Field, "is not a complete "+accepted[format]+" image")
	}
	img := flatten(src)
	if format == "jpeg" {
		img = orient(img, exifOrientation(data))
	}
	b := img.Bounds()
	p := &Prepared{
		Photo:    Photo{Hash: Hash(data), Type: accepted[format], Width: b.Dx(), Height: b.Dy()},
		Variants: map[Size]Blob{Full: {Data: data, ContentType: accepted[format], Width: b.Dx(), Height: b.Dy()}},
	}
	// The card is scaled from the detail: the same quality for a fraction of the work.
	from := image.Image(img)
	for _, size := range []Size{Detail, Card} {
		scaled := scale(from, boxes[size])
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, scaled, &jpeg.Options{Quality: jpegQuality[size]}); err != nil {
			return nil, fmt.Errorf("encoding the %s variant of photo %s: %w", size, p.Hash, err)
		}
		sb := scaled.Bounds()
		p.Variants[size] = Blob{Data: buf.Bytes(), ContentType: "image/jpeg", Width: sb.Dx(), Height: sb.Dy()}
		from = scaled
	}
	return p, nil
}

// flatten draws src on white: JPEG has no transparency, and a transparent PNG
// drawn on black would look broken.
func flatten(src image.Image) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	xdraw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, xdraw.Src)
	xdraw.Draw(dst, dst.Bounds(), src, b.Min, xdraw.Over)
	return dst
}

// scale fits img in box, keeping its proportions; a smaller image is kept as it is.
func scale(img image.Image, box image.Point) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= box.X && h <= box.Y {
		return img
	}
	f := min(float64(box.X)/float64(w), float64(box.Y)/float64(h))
	dw, dh := max(1, int(float64(w)*f+0.5)), max(1, int(float64(h)*f+0.5))
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, b, xdraw.Src, nil)
	return dst
}

// orient turns img upright according to its EXIF orientation (1–8): phones
// store photos as the sensor saw them and say how to turn them. Browsers do
// this for the original; the variants are drawn upright instead.
func orient(img *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return img
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			si, di := img.PixOffset(sx, sy), dst.PixOffset(x, y)
			copy(dst.Pix[di:di+4], img.Pix[si:si+4])
		}
	}
	return dst
}

// exifOrientation reads the Orientation tag (0x0112) of a JPEG's EXIF block;
// 1 (upright) when there is none or it cannot be read.
func exifOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return 1
		}
		marker := data[i+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image: no more metadata
			return 1
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var u16 func([]byte) int
	var u32 func([]byte) int
	switch string(t[:2]) {
	case "II":
		u16 = func(b []byte) int { return int(b[0]) | int(b[1])<<8 }
		u32 = func(b []byte) int { return u16(b) | u16(b[2:])<<16 }
	case "MM":
		u16 = func(b []byte) int { return int(b[0])<<8 | int(b[1]) }
		u32 = func(b []byte) int { return u16(b)<<16 | u16(b[2:]) }
	default:
		return 1
	}
	ifd := u32(t[4:])
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	count := u16(t[ifd:])
	for e := range count {
		off := ifd + 2 + e*12
		if off+12 > len(t) {
			return 1
		}
		if u16(t[off:]) == 0x0112 {
			if o := u16(t[off+8:]); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}
