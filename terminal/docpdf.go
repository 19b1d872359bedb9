package terminal

import (
	"context"
	"fmt"

	"lawtrail/assets"
	"lawtrail/casefile"
	"lawtrail/docpdf"
)

// DocumentPDF renders a finalized version of a document as the PDF a party
// is handed: version 0 is the latest. It returns the PDF and the version
// rendered. A document with no finalized version is ErrBadInput.
func (t *Terminal) DocumentPDF(ctx context.Context, doc string, version int) ([]byte, int, error) {
	d, err := t.st.Document(ctx, doc)
	if err != nil {
		return nil, 0, err
	}
	if len(d.Versions) == 0 {
		return nil, 0, badInput("document %s has no finalized version", doc)
	}
	if version < 0 || version > len(d.Versions) {
		return nil, 0, badInput("document %s has %d versions, not %d", doc, len(d.Versions), version)
	}
	v := d.Versions[len(d.Versions)-1]
	if version > 0 {
		v = d.Versions[version-1]
	}
	tpl := t.Config().Templates[d.Template]
	if tpl == nil {
		return nil, 0, badInput("template %s is not installed", d.Template)
	}
	info, err := t.st.Terminal(ctx)
	if err != nil {
		return nil, 0, err
	}
	in, err := casefile.PDFInput(info.AgencyName, v, assets.FontRegularTTF)
	if err != nil {
		return nil, 0, err
	}
	pdf, err := docpdf.Render(tpl, in)
	if err != nil {
		return nil, 0, fmt.Errorf("document %s version %d: %w", doc, v.Content.Version, err)
	}
	return pdf, v.Content.Version, nil
}
