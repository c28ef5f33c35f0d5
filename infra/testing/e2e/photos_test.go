package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/zufang/rental/infra/testing/testenv"
)

// photoJPEG is a w×h JPEG of one colour: each seed gives different bytes.
func photoJPEG(t *testing.T, w, h, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c := color.RGBA{byte(seed * 37), byte(seed * 91), byte(255 - seed*13), 255}
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts one file as multipart field "photo" to the listing's photos.
func upload(t *testing.T, sys *testenv.System, token, listing, filename string, data []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("photo", filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	c := sys.Client()
	c.Token = token
	req, _ := http.NewRequest("POST", c.URL("/listings/"+listing+"/photos"), bytes.NewReader(body.Bytes()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := c.Send(req)
	return res.Status, res.JSON(t)
}

func readAll(r io.Reader) []byte { b, _ := io.ReadAll(r); return b }

func fieldError(doc map[string]any, field string) string {
	e, _ := doc["error"].(map[string]any)
	fields, _ := e["fields"].(map[string]any)
	s, _ := fields[field].(string)
	return s
}

func TestPhotos_uploadedThroughTheAPIBecomeListingImagesServedWithLongCaching(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("photo-landlord@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", flat("有照片的两居", 6000))["id"].(string)

	status, res := upload(t, sys, landlord.Token, id, "room.jpg", photoJPEG(t, 1600, 1200, 1))
	if status != http.StatusCreated {
		t.Fatalf("upload: %d %v", status, res)
	}
	url := res["url"].(string)
	detail := waitVersion(t, landlord, id, res["version"].(float64))
	images := detail["images"].([]any)
	if len(images) != 1 || images[0].(map[string]any)["url"] != url || detail["cover_image"] != url {
		t.Fatalf("the photo is the listing's first image and cover: %v, cover %v", images, detail["cover_image"])
	}

	for size, width := range map[string]int{"card": 360, "detail": 1200, "full": 1600} {
		r, err := http.Get(sys.URL + url + "?s=" + size)
		if err != nil {
			t.Fatal(err)
		}
		data := readAll(r.Body)
		r.Body.Close()
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if r.StatusCode != http.StatusOK || err != nil || cfg.Width != width || format != "jpeg" {
			t.Fatalf("%s: %d, %s %dx%d (%v)", size, r.StatusCode, format, cfg.Width, cfg.Height, err)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", size, cc)
		}
		if r.Header.Get("Content-Type") != "image/jpeg" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: served as %q (%q)", size, r.Header.Get("Content-Type"), r.Header.Get("X-Content-Type-Options"))
		}
		etag := r.Header.Get("ETag")
		req, _ := http.NewRequest("GET", sys.URL+url+"?s="+size, nil)
		req.Header.Set("If-None-Match", etag)
		again, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if etag == "" || again.StatusCode != http.StatusNotModified {
			t.Errorf("%s: ETag %q revalidates as %d, want 304", size, etag, again.StatusCode)
		}
	}
	for path, want := range map[string]int{
		"/photos/" + fmt.Sprintf("%064x", 7): http.StatusNotFound,
		"/photos/not-a-hash":                 http.StatusNotFound,
		url + "?s=huge":                      http.StatusBadRequest,
	} {
		r, err := http.Get(sys.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, r.StatusCode, want)
		}
	}

	second, _ := upload(t, sys, landlord.Token, id, "kitchen.jpg", photoJPEG(t, 800, 600, 2))
	if second != http.StatusCreated {
		t.Fatalf("second upload: %d", second)
	}
	detail = waitVersion(t, landlord, id, 3)
	img2 := detail["images"].([]any)[1].(map[string]any)
	cover := landlord.Must(http.StatusOK, "PUT", "/listings/"+id+"/cover", map[string]any{"image_id": img2["id"]})
	if got := waitVersion(t, landlord, id, cover["version"].(float64))["cover_image"]; got != img2["url"] {
		t.Fatalf("cover is %v, want the chosen image %v", got, img2["url"])
	}
	landlord.Must(http.StatusNotFound, "PUT", "/listings/"+id+"/cover", map[string]any{"image_id": "0194d3c1-0000-7000-8000-000000000000"})
}

func TestPhotos_refusalsNameThePhotoField(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("refusals@example.com", "landlord")
	other, _ := sys.Register("other-landlord@example.com", "landlord")
	tenant, _ := sys.Register("tenant-photos@example.com", "tenant")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", flat("拒绝", 5000))["id"].(string)

	for _, tc := range []struct {
		name, file string
		data       []byte
		problem    string
	}{
		{"a page renamed .jpg", "evil.jpg", []byte("<html><script>alert(document.cookie)</script></html>"), "must be a JPEG, PNG or WebP image"},
		{"over 10 MB", "huge.jpg", append(photoJPEG(t, 64, 64, 3), make([]byte, 10<<20)...), "is too large: at most 10 MB per photo"},
	} {
		status, res := upload(t, sys, landlord.Token, id, tc.file, tc.data)
		if status != http.StatusBadRequest || fieldError(res, "photo") != tc.problem {
			t.Errorf("%s: %d %v, want 400 naming photo: %q", tc.name, status, res, tc.problem)
		}
	}
	jpg := photoJPEG(t, 200, 150, 4)
	if status, res := upload(t, sys, other.Token, id, "x.jpg", jpg); status != http.StatusNotFound {
		t.Errorf("another landlord: %d %v, want 404 (the draft does not exist for them)", status, res)
	}
	if status, res := upload(t, sys, tenant.Token, id, "x.jpg", jpg); status != http.StatusForbidden {
		t.Errorf("a tenant: %d %v, want 403", status, res)
	}
	if status, _ := upload(t, sys, "", id, "x.jpg", jpg); status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", status)
	}

	for i := range 20 {
		if status, res := upload(t, sys, landlord.Token, id, "p.jpg", photoJPEG(t, 64, 48, 10+i)); status != http.StatusCreated {
			t.Fatalf("photo %d: %d %v", i+1, status, res)
		}
	}
	status, res := upload(t, sys, landlord.Token, id, "21.jpg", photoJPEG(t, 64, 48, 99))
	if status != http.StatusConflict {
		t.Fatalf("the 21st photo: %d %v, want 409", status, res)
	}
	if detail := landlord.Must(http.StatusOK, "GET", "/listings/"+id+"?min_version=21", nil); len(detail["images"].([]any)) != 20 {
		t.Fatalf("the listing keeps 20 images, has %d", len(detail["images"].([]any)))
	}
}
