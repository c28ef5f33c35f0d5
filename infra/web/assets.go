package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
)

//go:embed assets/*
var assetFS embed.FS

// assets are the stylesheets, scripts and icons, embedded in the binary and
// served under content-hashed names (/assets/app.3f2a9c1b.css): a new build
// gets new names, so browsers may keep each one for a year.
type assets struct {
	byName map[string]string // app.css → app.3f2a9c1b.css
	files  map[string]asset  // app.3f2a9c1b.css → the file
}

type asset struct {
	body, gz    []byte // gz: the body gzipped once at start, for text (nil for images)
	contentType string
}

func loadAssets() (assets, error) {
	a := assets{byName: map[string]string{}, files: map[string]asset{}}
	names, err := fs.Glob(assetFS, "assets/*")
	if err != nil {
		return a, err
	}
	for _, n := range names {
		body, err := assetFS.ReadFile(n)
		if err != nil {
			return a, fmt.Errorf("reading %s: %w", n, err)
		}
		sum := sha256.Sum256(body)
		file := path.Base(n)
		ext := path.Ext(file)
		hashed := strings.TrimSuffix(file, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		ct := mime.TypeByExtension(ext)
		if ext == ".svg" {
			ct = "image/svg+xml"
		}
		a.byName[file] = hashed
		f := asset{body: body, contentType: ct}
		if strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") || strings.Contains(ct, "svg") || strings.Contains(ct, "json") {
			f.gz = gzipKept(body)
		}
		a.files[hashed] = f
	}
	return a, nil
}

// url is the template function asset: the hashed URL of an asset by name.
func (a assets) url(name string) (string, error) {
	h, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("no asset %q", name)
	}
	return "/assets/" + h, nil
}

func (p *pages) asset(c echo.Context) error {
	f, ok := p.assets.files[c.Param("name")]
	if !ok {
		return rental.Errorf(rental.ENOTFOUND, "no such asset")
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	if f.gz == nil { // an image, compressed already
		return c.Blob(http.StatusOK, f.contentType, f.body)
	}
	return sendEncoded(c, http.StatusOK, f.contentType, f.body, f.gz)
}
