package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// SignaturePad takes a signature with a finger or stylus: strokes are kept
// as vectors (x, y pairs in pad units) and drawn as lines; the PDF redraws
// them from the same numbers.
type SignaturePad struct {
	widget.BaseWidget
	Strokes  [][]float64
	OnStroke func() // called when a stroke ends
	current  []float64
	lines    []fyne.CanvasObject
	box      *canvas.Rectangle
}

// NewSignaturePad returns an empty pad.
func NewSignaturePad() *SignaturePad {
	p := &SignaturePad{box: canvas.NewRectangle(color.NRGBA{R: 0xf7, G: 0xf7, B: 0xf7, A: 0xff})}
	p.box.StrokeColor = color.NRGBA{R: 0x88, G: 0x88, B: 0x88, A: 0xff}
	p.box.StrokeWidth = 1
	p.ExtendBaseWidget(p)
	return p
}

// CreateRenderer implements fyne.Widget.
func (p *SignaturePad) CreateRenderer() fyne.WidgetRenderer {
	return &padRenderer{p: p}
}

// MinSize is large enough to sign with a gloved finger.
func (p *SignaturePad) MinSize() fyne.Size { return fyne.NewSize(320, 120) }

// Dragged implements fyne.Draggable: extend the current stroke.
func (p *SignaturePad) Dragged(e *fyne.DragEvent) {
	x, y := float64(e.Position.X), float64(e.Position.Y)
	if n := len(p.current); n >= 2 {
		l := canvas.NewLine(color.Black)
		l.StrokeWidth = 2
		l.Position1 = fyne.NewPos(float32(p.current[n-2]), float32(p.current[n-1]))
		l.Position2 = e.Position
		p.lines = append(p.lines, l)
	}
	p.current = append(p.current, x, y)
	p.Refresh()
}

// DragEnd implements fyne.Draggable: the stroke is done.
func (p *SignaturePad) DragEnd() {
	if len(p.current) >= 4 {
		p.Strokes = append(p.Strokes, p.current)
		if p.OnStroke != nil {
			p.OnStroke()
		}
	}
	p.current = nil
}

// Clear wipes the pad.
func (p *SignaturePad) Clear() {
	p.Strokes, p.current, p.lines = nil, nil, nil
	p.Refresh()
}

type padRenderer struct{ p *SignaturePad }

func (r *padRenderer) Layout(s fyne.Size) { r.p.box.Resize(s) }
func (r *padRenderer) MinSize() fyne.Size { return r.p.MinSize() }
func (r *padRenderer) Refresh()           { canvas.Refresh(r.p) }
func (r *padRenderer) Destroy()           {}
func (r *padRenderer) Objects() []fyne.CanvasObject {
	return append([]fyne.CanvasObject{r.p.box}, r.p.lines...)
}
