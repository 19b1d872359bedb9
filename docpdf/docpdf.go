// Package docpdf lays out a finalized enforcement document (文书) as a PDF
// in the manner of the national model forms: title, agency, document number,
// the template's sections and fields in order, signature boxes with the
// strokes drawn as vectors, and "第 x 页 共 y 页". Every page carries a QR
// code with the document id, version and the SHA-256 of its finalized
// content, so a printed copy can be checked against the electronic one
// (R2, 纸质文书和电子文书一致). It renders bytes only; no I/O.
package docpdf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// Payload is what every page's QR code carries.
func Payload(doc string, version int, hash evidence.Digest) string {
	return fmt.Sprintf("lawtrail:doc?id=%s&v=%d&sha256=%s", doc, version, hash)
}

// Input is what a page needs besides the template.
type Input struct {
	Agency      string
	Content     casework.DocumentContent
	ContentHash evidence.Digest
	FontTTF     []byte // a TrueType font with CJK glyphs (assets.FontRegularTTF)
	// Signed is when the version was finalized (its signed event's time):
	// the PDF's creation date, so the same version renders to the same bytes.
	Signed time.Time
}

// Render lays the document out. The same template and input give the same
// bytes: dates are the signing time (with its zone), catalogs sorted.
func Render(t *casework.Template, in Input) ([]byte, error) {
	if in.Signed.IsZero() {
		return nil, fmt.Errorf("pdf of %s v%d: no signing time", in.Content.Doc, in.Content.Version)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(in.Signed)
	pdf.SetModificationDate(in.Signed)
	pdf.AddUTF8FontFromBytes("cjk", "", in.FontTTF)
	if pdf.Err() {
		return nil, fmt.Errorf("pdf font: %w", pdf.Error())
	}
	pdf.SetMargins(20, 18, 20)
	pdf.SetAutoPageBreak(true, 38)
	pdf.AliasNbPages("{nb}")
	payload := Payload(in.Content.Doc, in.Content.Version, in.ContentHash)
	png, err := qrcode.Encode(payload, qrcode.Medium, 256)
	if err != nil {
		return nil, fmt.Errorf("pdf qr: %w", err)
	}
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	pdf.SetFooterFunc(func() {
		pdf.SetY(-34)
		pdf.SetFont("cjk", "", 8)
		pdf.ImageOptions("qr", 170, pdf.GetY(), 22, 22, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		pdf.SetXY(20, pdf.GetY()+4)
		pdf.MultiCell(145, 4, fmt.Sprintf("文书 %s 第 %d 版\nSHA-256 %s", in.Content.Doc, in.Content.Version, in.ContentHash), "", "L", false)
		pdf.SetXY(20, pdf.GetY()+2)
		pdf.CellFormat(145, 5, fmt.Sprintf("第 %d 页 共 {nb} 页", pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("cjk", "", 12)
	pdf.CellFormat(0, 7, in.Agency, "", 1, "C", false, 0, "")
	pdf.SetFont("cjk", "", 18)
	pdf.CellFormat(0, 11, t.Name, "", 1, "C", false, 0, "")
	pdf.SetFont("cjk", "", 10)
	if no := text(in.Content.Fields["doc_no"]); no != "" {
		pdf.CellFormat(0, 6, no, "", 1, "R", false, 0, "")
	}
	for _, s := range t.Sections {
		pdf.Ln(2)
		pdf.SetFont("cjk", "", 12)
		pdf.CellFormat(0, 7, s.Title, "B", 1, "L", false, 0, "")
		pdf.SetFont("cjk", "", 10.5)
		for _, f := range s.Fields {
			if f.Key == "doc_no" {
				continue
			}
			raw, ok := in.Content.Fields[f.Key]
			if f.Type == casework.FieldSignature {
				signatureBox(pdf, f.Label, raw)
				continue
			}
			value := "—"
			if ok {
				value = format(f.Type, raw)
			}
			pdf.MultiCell(0, 6, f.Label+"："+value, "", "L", false)
		}
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return zoneDates(out.Bytes(), in.Signed)
}

func text(raw json.RawMessage) string {
	var s string
	json.Unmarshal(raw, &s)
	return s
}

// format writes a typed value as the form prints it.
func format(t casework.FieldType, raw json.RawMessage) string {
	switch t {
	case casework.FieldConfirm:
		var b bool
		json.Unmarshal(raw, &b)
		if b {
			return "是"
		}
		return "否"
	case casework.FieldParty:
		var p map[string]string
		json.Unmarshal(raw, &p)
		return joinNonEmpty(p["name"], label("证件号码", p["id_no"]), label("地址", p["address"]), label("法定代表人", p["legal_rep"]), label("电话", p["phone"]))
	case casework.FieldOfficers:
		var list []map[string]string
		json.Unmarshal(raw, &list)
		var parts []string
		for _, o := range list {
			parts = append(parts, o["name"]+"（执法证号 "+o["credential"]+"）")
		}
		return strings.Join(parts, "、")
	case casework.FieldItems:
		var list []map[string]string
		json.Unmarshal(raw, &list)
		var lines []string
		for i, it := range list {
			lines = append(lines, fmt.Sprintf("\n  %d. %s", i+1, joinNonEmpty(it["name"], it["spec"], it["quantity"], it["condition"], it["location"])))
		}
		return strings.Join(lines, "")
	case casework.FieldQA:
		var list []map[string]string
		json.Unmarshal(raw, &list)
		var lines []string
		for _, qa := range list {
			lines = append(lines, "\n  问："+qa["q"]+"\n  答："+qa["a"])
		}
		return strings.Join(lines, "")
	case casework.FieldMoney:
		return strings.Trim(string(raw), `"`) + " 元"
	case casework.FieldDecision:
		if d, err := casework.ParseDecision(raw); err == nil {
			return d.Describe()
		}
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func label(l, v string) string {
	if v == "" {
		return ""
	}
	return l + " " + v
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "，")
}

// signatureBox draws the signer's strokes (vectors, scaled into the box)
// or the refusal with its witness.
func signatureBox(pdf *fpdf.Fpdf, title string, raw json.RawMessage) {
	var s struct {
		Signer  string      `json:"signer"`
		Strokes [][]float64 `json:"strokes"`
		Refused string      `json:"refused"`
		Witness string      `json:"witness"`
	}
	json.Unmarshal(raw, &s)
	if pdf.GetY() > 230 {
		pdf.AddPage()
	}
	x, y, w, h := pdf.GetX(), pdf.GetY()+1, 80.0, 22.0
	pdf.SetFont("cjk", "", 9)
	pdf.Text(x, y+4, title)
	pdf.Rect(x, y+6, w, h, "D")
	switch {
	case s.Refused != "":
		pdf.Text(x+2, y+14, "拒绝签名："+s.Refused)
		pdf.Text(x+2, y+20, "见证人："+s.Witness)
	default:
		drawStrokes(pdf, s.Strokes, x+2, y+8, w-4, h-4)
		pdf.Text(x+w+3, y+h+4, s.Signer)
	}
	pdf.SetY(y + h + 9)
	pdf.SetFont("cjk", "", 10.5)
}

func drawStrokes(pdf *fpdf.Fpdf, strokes [][]float64, x, y, w, h float64) {
	minX, minY, maxX, maxY := 1e9, 1e9, -1e9, -1e9
	for _, st := range strokes {
		for i := 0; i+1 < len(st); i += 2 {
			minX, maxX = min(minX, st[i]), max(maxX, st[i])
			minY, maxY = min(minY, st[i+1]), max(maxY, st[i+1])
		}
	}
	sx, sy := w/max(maxX-minX, 1), h/max(maxY-minY, 1)
	scale := min(sx, sy)
	pdf.SetLineWidth(0.4)
	for _, st := range strokes {
		for i := 0; i+3 < len(st); i += 2 {
			pdf.Line(x+(st[i]-minX)*scale, y+(st[i+1]-minY)*scale, x+(st[i+2]-minX)*scale, y+(st[i+3]-minY)*scale)
		}
	}
	pdf.SetLineWidth(0.2)
}
