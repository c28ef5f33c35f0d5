// Package photos stores listing photos where every api replica finds them:
// the original as uploaded and resized variants made once, at upload, so a
// results page pulls small JPEGs instead of full-size photos. A photo is named
// by the SHA-256 of its original bytes, so the same file uploaded twice is
// stored once and its URL never changes meaning (it can be cached forever).
package photos

import (
	"context"
	"regexp"
	"strings"
)

// Size names a variant of a photo.
type Size string

// The variants every photo has. Card and detail are JPEGs at most that wide
// (never enlarged); full is the original bytes as uploaded.
const (
	Card   Size = "card"
	Detail Size = "detail"
	Full   Size = "full"
)

// Sizes lists the variants in the order they are made.
var Sizes = []Size{Card, Detail, Full}

// ParseSize reads a size from a query string; empty means Full.
func ParseSize(s string) (Size, bool) {
	switch Size(s) {
	case "", Full:
		return Full, true
	case Card, Detail:
		return Size(s), true
	}
	return "", false
}

// Limits an uploaded photo must respect.
const (
	MaxBytes  = 10 << 20 // 10 MB per file
	MaxPixels = 50e6     // a decoded image's width × height: refuses decompression bombs
)

// Field is the form and multipart field photos are uploaded in; errors about a
// photo name it.
const Field = "photo"

// PathPrefix is where the api serves photos; a photo's URL is PathPrefix + hash.
const PathPrefix = "/photos/"

// Photo describes a stored photo.
type Photo struct {
	Hash   string // hex SHA-256 of the original bytes
	Type   string // content type of the original: image/jpeg, image/png or image/webp
	Width  int    // of the original, after its EXIF orientation
	Height int
}

// URL is the photo's address on this platform (path only: same origin).
func (p Photo) URL() string { return PathPrefix + p.Hash }

// Blob is one variant's bytes.
type Blob struct {
	Data        []byte
	ContentType string
	Width       int
	Height      int
}

// Store keeps photos. Put checks the bytes are an image of an accepted type
// (by decoding them) and within the limits, makes the variants and keeps them;
// a photo already stored is not processed again. Get returns one variant;
// ENOTFOUND for an unknown hash.
type Store interface {
	Put(ctx context.Context, data []byte) (Photo, error)
	Get(ctx context.Context, hash string, size Size) (Blob, error)
}

var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidHash says whether s can name a photo (lower-case hex SHA-256).
func ValidHash(s string) bool { return hashPattern.MatchString(s) }

// HashOf returns the hash of the platform's own photo URL, or "" when u is not one.
func HashOf(u string) string {
	h, ok := strings.CutPrefix(u, PathPrefix)
	if !ok || !ValidHash(h) {
		return ""
	}
	return h
}
