package photos

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/zufang/rental"
)

// EachUpload calls fn with the bytes of every file sent in the request's
// Field parts (multipart/form-data), in order, and returns how many it
// passed. A file over MaxBytes is refused before fn sees it; empty file
// inputs (a form sent with no file chosen) are skipped. It streams the body
// when nothing parsed it yet, so a form of many photos is never in memory at
// once; a form already parsed (a middleware read another field) is read from
// there.
func EachUpload(r *http.Request, fn func(data []byte) error) (int, error) {
	n := 0
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File[Field] {
			if fh.Size == 0 {
				continue
			}
			if fh.Size > MaxBytes {
				return n, tooLarge()
			}
			f, err := fh.Open()
			if err != nil {
				return n, fmt.Errorf("opening an uploaded photo: %w", err)
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return n, fmt.Errorf("reading an uploaded photo: %w", err)
			}
			if err := fn(data); err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return 0, rental.InvalidField(Field, "must be sent as multipart/form-data")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, rental.InvalidField(Field, "the upload was cut short or is not valid multipart/form-data")
		}
		if part.FormName() != Field {
			part.Close()
			continue
		}
		data, err := readPart(part)
		part.Close()
		if err != nil {
			return n, err
		}
		if len(data) == 0 {
			continue
		}
		if err := fn(data); err != nil {
			return n, err
		}
		n++
	}
}

func readPart(part *multipart.Part) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(part, MaxBytes+1)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, rental.InvalidField(Field, "the upload is larger than the server accepts")
		}
		return nil, rental.InvalidField(Field, "the upload was cut short")
	}
	if buf.Len() > MaxBytes {
		return nil, tooLarge()
	}
	return buf.Bytes(), nil
}

func tooLarge() error { return rental.InvalidField(Field, "is too large: at most 10 MB per photo") }
