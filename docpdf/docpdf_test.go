package docpdf

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"lawtrail/casework"
)

func sample(t *testing.T) (*casework.Template, Input) {
	t.Helper()
	ts, err := casework.LoadTemplates(os.DirFS("../assets"), "templates")
	if err != nil {
		t.Fatal(err)
	}
	font, err := os.ReadFile("../assets/fonts/NotoSansCJKsc-Regular-GBK.ttf")
	if err != nil {
		t.Fatal(err)
	}
	tpl := ts["onsite_record"]
	fields := map[string]json.RawMessage{}
	for _, f := range tpl.Fields() {
		switch f.Type {
		case casework.FieldParty:
			fields[f.Key] = json.RawMessage(`{"name":"某某食品店（喆堃）","id_no":"91350100MA00000000","address":"某路1号"}`)
		case casework.FieldOfficers:
			fields[f.Key] = json.RawMessage(`[{"name":"张三","credential":"35010000001"},{"name":"王五","credential":"35010000002"}]`)
		case casework.FieldConfirm:
			fields[f.Key] = json.RawMessage(`true`)
		case casework.FieldSignature:
			fields[f.Key] = json.RawMessage(`{"signer":"李四","strokes":[[0,0,30,20,60,5,90,25]]}`)
		case casework.FieldDateTime:
			fields[f.Key] = json.RawMessage(`"2026-11-20 10:15"`)
		default:
			fields[f.Key] = json.RawMessage(`"` + strings.Repeat("店内存放无标签散装白酒三桶。", 12) + `"`)
		}
	}
	fields["doc_no"] = json.RawMessage(`"示市监现〔2026〕1号"`)
	content := casework.DocumentContent{Doc: "d-1", Case: "c-1", Template: tpl.ID, TemplateVersion: 1, Version: 1, Fields: fields}
	h, _ := content.Hash()
	return tpl, Input{Agency: "示范区市场监督管理局", Content: content, ContentHash: h, FontTTF: font, Signed: time.Date(2026, 11, 20, 10, 45, 0, 0, casework.Shanghai)}
}

// R2: the PDF reads back as the document (text extractor), has several
// pages numbered "第 x 页 共 y 页", and every page's QR code decodes to the
// document id, version and content SHA-256.
func TestR2PDFTextAndQROnEveryPage(t *testing.T) {
	tpl, in := sample(t)
	pdf, err := Render(tpl, in)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "doc.pdf")
	os.WriteFile(p, pdf, 0o644)
	out, err := exec.Command("pdftotext", "-layout", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := string(out)
	for _, want := range []string{"现场笔录", "示范区市场监督管理局", "示市监现〔2026〕1号", "某某食品店（喆堃）", "张三（执法证号 35010000001）"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	pages := strings.Count(text, "\f")
	if pages < 2 {
		t.Fatalf("%d pages; the sample should need several", pages)
	}
	numbers := regexp.MustCompile(`第\s*(\d+)\s*页\s*共\s*(\d+)\s*页`).FindAllStringSubmatch(text, -1)
	if len(numbers) != pages || numbers[pages-1][1] != strconv.Itoa(pages) || numbers[0][2] != strconv.Itoa(pages) {
		t.Fatalf("page numbers %v for %d pages", numbers, pages)
	}
	if err := exec.Command("pdftoppm", "-r", "150", "-png", p, filepath.Join(dir, "page")).Run(); err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pngs) != pages {
		t.Fatalf("%d page images for %d pages", len(pngs), pages)
	}
	want := Payload("d-1", 1, in.ContentHash)
	for _, png := range pngs {
		f, _ := os.Open(png)
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
		if err != nil {
			t.Fatalf("%s: no QR code: %v", filepath.Base(png), err)
		}
		if res.GetText() != want {
			t.Fatalf("%s: QR says %q, want %q", filepath.Base(png), res.GetText(), want)
		}
	}
}

// Every shipped template fills and renders.
func TestEveryTemplateRenders(t *testing.T) {
	ts, err := casework.LoadTemplates(os.DirFS("../assets"), "templates")
	if err != nil {
		t.Fatal(err)
	}
	_, in := sample(t)
	for _, tpl := range ts.Sorted() {
		in.Content.Template = tpl.ID
		pdf, err := Render(tpl, in)
		if err != nil || !strings.HasPrefix(string(pdf), "%PDF") {
			t.Errorf("%s: %v", tpl.ID, err)
		}
	}
}

func TestSignaturePNGDrawsTheStrokes(t *testing.T) {
	b, err := SignaturePNG([][]float64{{0, 0, 100, 50, 200, 0}}, 300, 120)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytesReader(b))
	if err != nil {
		t.Fatal(err)
	}
	dark := 0
	for y := 0; y < 120; y++ {
		for x := 0; x < 300; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				dark++
			}
		}
	}
	if dark < 300 {
		t.Fatalf("%d dark pixels: the strokes were not drawn", dark)
	}
	tpl, in := sample(t)
	if sigs := Signatures(tpl, in.Content.Fields); len(sigs) != 2 {
		t.Fatalf("signatures %v", sigs)
	}
}

func bytesReader(b []byte) *strings.Reader { return strings.NewReader(string(b)) }

// A case file's verifier renders each PDF again from the signed content and
// compares bytes, so the same input must give the same bytes at any time,
// and the dates are the signing time with its zone (qpdf-clean: pdfinfo
// reads the file after the dates were lengthened and offsets moved).
func TestRenderIsDeterministicWithZonedDates(t *testing.T) {
	tpl, in := sample(t)
	a, err := Render(tpl, in)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // a wall-clock date would now differ
	b, err := Render(tpl, in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("the same document rendered to different bytes")
	}
	if !bytes.Contains(a, []byte("/CreationDate (D:20261120104500+08'00')")) {
		t.Fatal("creation date is not the signing time with its zone")
	}
	p := filepath.Join(t.TempDir(), "doc.pdf")
	os.WriteFile(p, a, 0o600)
	out, err := exec.Command("pdfinfo", "-isodates", p).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "2026-11-20T10:45:00+08") || strings.Contains(string(out), "Syntax Error") {
		t.Fatalf("pdfinfo reads:\n%s", out)
	}
	in.Signed = time.Time{}
	if _, err := Render(tpl, in); err == nil {
		t.Fatal("a PDF without a signing time")
	}
}
