package mysql_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/zufang/rental"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/photos"
	"github.com/zufang/rental/infra/testing/testenv"
)

func testPNG(t *testing.T, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		r, g, b, _ := c.RGBA()
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = byte(r>>8), byte(g>>8), byte(b>>8), 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPhotoStore_roundTripOfEveryVariant(t *testing.T) {
	db, err := mysql.Open(context.Background(), testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store := mysql.NewPhotoStore(mysql.Pools{Writer: db, Reader: db})
	ctx := context.Background()
	data := testPNG(t, 1600, 1000, color.RGBA{180, 200, 220, 255})

	p, err := store.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	if p.Hash != photos.Hash(data) || p.Type != "image/png" || p.Width != 1600 || p.Height != 1000 || p.URL() != "/photos/"+p.Hash {
		t.Fatalf("stored %+v", p)
	}
	want := map[photos.Size]image.Point{photos.Card: {360, 225}, photos.Detail: {1200, 750}, photos.Full: {1600, 1000}}
	for size, dim := range want {
		b, err := store.Get(ctx, p.Hash, size)
		if err != nil {
			t.Fatalf("%s: %v", size, err)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b.Data))
		if err != nil || cfg.Width != dim.X || cfg.Height != dim.Y || b.Width != dim.X {
			t.Errorf("%s: %dx%d (%v), want %v", size, cfg.Width, cfg.Height, err, dim)
		}
	}
	if full, _ := store.Get(ctx, p.Hash, photos.Full); !bytes.Equal(full.Data, data) || full.ContentType != "image/png" {
		t.Error("the full variant is not the original as uploaded")
	}

	again, err := store.Put(ctx, data)
	if err != nil || again != p {
		t.Fatalf("the same bytes again are the same photo: %+v %v", again, err)
	}
	var rows int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM photos WHERE hash = ?`, p.Hash).Scan(&rows); err != nil || rows != 3 {
		t.Fatalf("%d rows (%v), want one per variant", rows, err)
	}

	for _, hash := range []string{photos.Hash([]byte("never stored")), "../../etc/passwd", ""} {
		if _, err := store.Get(ctx, hash, photos.Card); rental.ErrorCode(err) != rental.ENOTFOUND {
			t.Errorf("Get(%q): %v, want not found", hash, err)
		}
	}
	if _, err := store.Put(ctx, []byte("GIF89a not really")); rental.ErrorFields(err)[photos.Field] == "" {
		t.Errorf("a file that is no accepted image is refused naming %s: %v", photos.Field, err)
	}
}
