package photos

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/zufang/rental"
)

func solid(w, h int, c color.Color) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decode(t *testing.T, b Blob) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(b.Data))
	if err != nil {
		t.Fatalf("variant does not decode: %v", err)
	}
	if img.Bounds().Dx() != b.Width || img.Bounds().Dy() != b.Height {
		t.Fatalf("variant is %v, recorded as %dx%d", img.Bounds(), b.Width, b.Height)
	}
	return img
}

func TestPrepare_variantsFitTheirBoxesAndKeepProportions(t *testing.T) {
	for _, tc := range []struct {
		name               string
		data               []byte
		card, detail, full image.Point
		typ                string
	}{
		{"landscape JPEG", encodeJPEG(t, solid(2000, 1500, color.RGBA{200, 120, 80, 255})),
			image.Pt(360, 270), image.Pt(1200, 900), image.Pt(2000, 1500), "image/jpeg"},
		{"tall PNG is bounded by the height", encodePNG(t, solid(1000, 3000, color.RGBA{20, 120, 180, 255})),
			image.Pt(180, 540), image.Pt(533, 1600), image.Pt(1000, 3000), "image/png"},
		{"small PNG is not enlarged", encodePNG(t, solid(300, 200, color.RGBA{90, 90, 90, 255})),
			image.Pt(300, 200), image.Pt(300, 200), image.Pt(300, 200), "image/png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Prepare(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if p.Type != tc.typ || p.Hash != Hash(tc.data) || p.Width != tc.full.X || p.Height != tc.full.Y {
				t.Fatalf("photo %+v", p.Photo)
			}
			for size, want := range map[Size]image.Point{Card: tc.card, Detail: tc.detail} {
				v := p.Variants[size]
				if v.ContentType != "image/jpeg" {
					t.Errorf("%s is %s, want a JPEG", size, v.ContentType)
				}
				if got := decode(t, v).Bounds().Size(); got != want {
					t.Errorf("%s is %v, want %v", size, got, want)
				}
			}
			if full := p.Variants[Full]; !bytes.Equal(full.Data, tc.data) || full.ContentType != tc.typ {
				t.Errorf("full is not the original bytes (%s)", full.ContentType)
			}
		})
	}
}

func TestPrepare_acceptsWebP(t *testing.T) {
	data, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp") // from golang.org/x/image's test data
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(data)
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != "image/webp" || p.Width != 150 || p.Height != 100 {
		t.Fatalf("photo %+v", p.Photo)
	}
	decode(t, p.Variants[Card])
}

func TestPrepare_refusesWhatIsNotAnAcceptedImage(t *testing.T) {
	var gifData bytes.Buffer
	if err := gif.Encode(&gifData, solid(20, 20, color.Black), nil); err != nil {
		t.Fatal(err)
	}
	jpg := encodeJPEG(t, solid(400, 300, color.RGBA{1, 2, 3, 255}))
	for _, tc := range []struct {
		name, problem string
		data          []byte
	}{
		{"text named photo.jpg", "must be a JPEG, PNG or WebP image", []byte("<html><script>alert(1)</script></html>")},
		{"a GIF", "must be a JPEG, PNG or WebP image", gifData.Bytes()},
		{"a JPEG cut short", "is not a complete image/jpeg image", jpg[:len(jpg)/2]},
		{"nothing", "is empty", nil},
		{"over 10 MB", "is too large: at most 10 MB per photo", append(bytes.Clone(jpg), make([]byte, MaxBytes)...)},
		{"a decompression bomb", "is too large: at most 50 megapixels", pngClaiming(t, 20000, 20000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Prepare(tc.data)
			if rental.ErrorCode(err) != rental.EINVALID || rental.ErrorFields(err)[Field] != tc.problem {
				t.Fatalf("got %v, want %s %q", err, Field, tc.problem)
			}
		})
	}
}

// pngClaiming returns a small PNG whose header claims w×h pixels (with a valid checksum).
func pngClaiming(t *testing.T, w, h int) []byte {
	data := encodePNG(t, solid(2, 2, color.White))
	ihdr := 8 // signature; then length(4) type(4) data(13) crc(4)
	binary.BigEndian.PutUint32(data[ihdr+8:], uint32(w))
	binary.BigEndian.PutUint32(data[ihdr+12:], uint32(h))
	binary.BigEndian.PutUint32(data[ihdr+8+13:], crc32.ChecksumIEEE(data[ihdr+4:ihdr+8+13]))
	return data
}

func TestPrepare_turnsPhonePhotosUpright(t *testing.T) {
	// Left half red, right half blue, stored with EXIF orientation 6 (turn 90° clockwise
	// to view): upright it is 20 wide and 40 tall, red on top.
	src := solid(40, 20, color.RGBA{0, 0, 255, 255})
	for y := range 20 {
		for x := range 20 {
			src.Set(x, y, color.RGBA{255, 0, 0, 255})
		}
	}
	data := withOrientation(encodeJPEG(t, src), 6)
	p, err := Prepare(data)
	if err != nil {
		t.Fatal(err)
	}
	if p.Width != 20 || p.Height != 40 {
		t.Fatalf("upright size %dx%d, want 20x40", p.Width, p.Height)
	}
	img := decode(t, p.Variants[Card])
	top, bottom := img.At(10, 5), img.At(10, 35)
	if r, _, b, _ := top.RGBA(); r < 0xc000 || b > 0x4000 {
		t.Errorf("top is %v, want red", top)
	}
	if r, _, b, _ := bottom.RGBA(); b < 0xc000 || r > 0x4000 {
		t.Errorf("bottom is %v, want blue", bottom)
	}
}

// withOrientation inserts an EXIF block holding only the Orientation tag after the JPEG's SOI.
func withOrientation(jpg []byte, o uint16) []byte {
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, byte(o >> 8), byte(o), 0, 0, 0, 0, 0, 0, 0, 0}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

func TestPrepare_drawsTransparencyOnWhite(t *testing.T) {
	p, err := Prepare(encodePNG(t, image.NewNRGBA(image.Rect(0, 0, 600, 400)))) // fully transparent
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, _ := decode(t, p.Variants[Card]).At(100, 100).RGBA(); r < 0xf000 || g < 0xf000 || b < 0xf000 {
		t.Fatalf("a transparent PNG's card is (%x,%x,%x), want white", r, g, b)
	}
}

func TestHashOf(t *testing.T) {
	h := strings.Repeat("a1", 32)
	if HashOf(PathPrefix+h) != h || HashOf("https://x/photos/"+h) != "" || HashOf(PathPrefix+"x") != "" {
		t.Fatal("HashOf names only the platform's own photo URLs")
	}
}
