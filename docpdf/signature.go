package docpdf

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"

	"lawtrail/casework"
)

// SignaturePNG draws a signature's strokes (x, y pairs) as black lines on
// white, scaled to fit w×h pixels: the picture of what was signed on the
// screen, for the case file beside the PDF.
func SignaturePNG(strokes [][]float64, w, h int) ([]byte, error) {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, st := range strokes {
		for i := 0; i+1 < len(st); i += 2 {
			minX, maxX = math.Min(minX, st[i]), math.Max(maxX, st[i])
			minY, maxY = math.Min(minY, st[i+1]), math.Max(maxY, st[i+1])
		}
	}
	pad := 6.0
	scale := math.Min((float64(w)-2*pad)/math.Max(maxX-minX, 1), (float64(h)-2*pad)/math.Max(maxY-minY, 1))
	at := func(x, y float64) (float64, float64) { return pad + (x-minX)*scale, pad + (y-minY)*scale }
	for _, st := range strokes {
		for i := 0; i+3 < len(st); i += 2 {
			x0, y0 := at(st[i], st[i+1])
			x1, y1 := at(st[i+2], st[i+3])
			line(img, x0, y0, x1, y1)
		}
	}
	var b bytes.Buffer
	err := png.Encode(&b, img)
	return b.Bytes(), err
}

// line draws a 2-pixel line by stepping along its longer axis.
func line(img *image.Gray, x0, y0, x1, y1 float64) {
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		x, y := int(x0+(x1-x0)*t), int(y0+(y1-y0)*t)
		for dx := 0; dx < 2; dx++ {
			for dy := 0; dy < 2; dy++ {
				img.SetGray(x+dx, y+dy, color.Gray{})
			}
		}
	}
}

// Signatures returns the signature fields of a document that were signed
// (not refused), by field key.
func Signatures(t *casework.Template, fields map[string]json.RawMessage) map[string][][]float64 {
	out := map[string][][]float64{}
	for _, f := range t.Fields() {
		if f.Type != casework.FieldSignature {
			continue
		}
		var s struct {
			Strokes [][]float64 `json:"strokes"`
		}
		if json.Unmarshal(fields[f.Key], &s) == nil && len(s.Strokes) > 0 {
			out[f.Key] = s.Strokes
		}
	}
	return out
}
