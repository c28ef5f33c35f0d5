package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
)

// Photos draws n pictures of apartment blocks (JPEG, 960×720), each in its
// own colours, so demo listings have photos the platform itself made: no
// address outside the machine, no broken images after `make up`.
func Photos(n int) ([][]byte, error) {
	out := make([][]byte, 0, n)
	for i := range n {
		b, err := photo(i)
		if err != nil {
			return nil, fmt.Errorf("drawing demo photo %d: %w", i, err)
		}
		out = append(out, b)
	}
	return out, nil
}

func photo(i int) ([]byte, error) {
	const w, h = 960, 720
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	// Sky: a vertical gradient, warmer on odd pictures.
	for y := range h * 3 / 4 {
		t := float64(y) / float64(h)
		c := color.RGBA{uint8(120 + 60*t + float64(i%2)*40), uint8(170 + 50*t), uint8(235 - 20*t), 255}
		draw.Draw(img, image.Rect(0, y, w, y+1), image.NewUniform(c), image.Point{}, draw.Src)
	}
	// Ground.
	draw.Draw(img, image.Rect(0, h*3/4, w, h), image.NewUniform(color.RGBA{96, 140, 90, 255}), image.Point{}, draw.Src)
	palette := []color.RGBA{{226, 214, 196, 255}, {200, 180, 160, 255}, {236, 236, 230, 255}, {190, 200, 214, 255}, {214, 190, 180, 255}}
	windowLit, windowDark := color.RGBA{250, 236, 170, 255}, color.RGBA{90, 110, 140, 255}
	// Three blocks of different heights; the picture's index shifts them.
	for k := range 3 {
		x0 := 60 + k*300 + (i*37)%40
		top := 140 + ((i+k)*71)%220
		bw := 240
		body := image.Rect(x0, top, x0+bw, h*3/4)
		draw.Draw(img, body, image.NewUniform(palette[(i+k)%len(palette)]), image.Point{}, draw.Src)
		// Windows in a grid; some lit.
		for y := top + 24; y+36 < h*3/4-10; y += 56 {
			for x := x0 + 24; x+36 <= x0+bw-20; x += 52 {
				c := windowDark
				if (x/52+y/56+i+k)%3 == 0 {
					c = windowLit
				}
				draw.Draw(img, image.Rect(x, y, x+32, y+36), image.NewUniform(c), image.Point{}, draw.Src)
			}
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 82}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
