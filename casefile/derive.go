package casefile

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"lawtrail/casework"
	"lawtrail/docpdf"
	"lawtrail/evidence"
	"lawtrail/store"
)

// Env is what derivation needs besides the record: the same AV list,
// templates and font give the same bytes.
type Env struct {
	Matters   casework.AVMatters
	Templates map[string]*casework.Template
	Major     *casework.MajorList // the bundled list of major decisions (published ones come with the events)
	Font      []byte              // TrueType, for PDFs
}

type bundleTerminal struct {
	Terminal     string `json:"terminal"`
	PublicKey    []byte `json:"public_key"`     // raw 32-byte Ed25519 key, base64
	PublicKeyPEM string `json:"public_key_pem"` // the same key as SubjectPublicKeyInfo PEM, for openssl
	Name         string `json:"name"`
	Agency       string `json:"agency"`
}

type bundleDocument struct {
	Content     casework.DocumentContent `json:"content"`
	ContentHash evidence.Digest          `json:"content_hash"`
	SignedAt    string                   `json:"signed_at"`
	SignedBy    string                   `json:"signed_by"`
	Seq         uint64                   `json:"seq"`
}

type bundleFootage struct {
	store.FootageItem
	Custody []store.CustodyRow `json:"custody"`
}

// derived returns every file of the case file that follows from the
// verified record alone, by name. The export writes them; the verifier
// derives them again from the bundle's events and compares.
func derived(ctx context.Context, st *store.Store, caseID string, env Env) (map[string][]byte, error) {
	files := map[string][]byte{}
	// The templates and AV list in force in this record: env's overlaid by
	// the agency's published versions, which the chains carry (config.published).
	if cfg, err := st.Config(ctx); err != nil {
		return nil, err
	} else if cfg != nil {
		env.Templates, env.Matters = cfg.Templates, cfg.AVMatters
	}
	info, err := st.Terminal(ctx)
	if err != nil {
		return nil, err
	}
	pub, err := st.TerminalPublicKey(ctx, info.ID)
	if err != nil {
		return nil, err
	}
	add := func(name string, v any) error { return putJSON(files, name, v) }
	if err := add("terminal.json", bundleTerminal{Terminal: info.ID, PublicKey: pub, PublicKeyPEM: evidence.PublicKeyPEM(pub),
		Name: info.Name, Agency: info.AgencyName}); err != nil {
		return nil, err
	}
	if err := deriveOtherTerminals(ctx, st, files); err != nil { // agency.go
		return nil, err
	}
	report, err := st.Report(ctx, caseID, env.Matters)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", caseID, err)
	}
	if err := add("case.json", map[string]any{"case": report.Case, "steps": report.Steps, "deadlines": report.Deadlines}); err != nil {
		return nil, err
	}
	if err := deriveDocuments(ctx, st, caseID, info.AgencyName, env, files); err != nil {
		return nil, err
	}
	if err := deriveReviews(ctx, st, caseID, env.Font, files); err != nil { // review.go
		return nil, err
	}
	items, err := caseFootage(ctx, st, report)
	if err != nil {
		return nil, err
	}
	if err := add("footage.json", items); err != nil {
		return nil, err
	}
	return files, nil
}

func deriveDocuments(ctx context.Context, st *store.Store, caseID, agency string, env Env, files map[string][]byte) error {
	docs, err := st.CaseDocuments(ctx, caseID)
	if err != nil {
		return err
	}
	for _, d := range docs {
		tpl := env.Templates[d.Template]
		if tpl == nil {
			return fmt.Errorf("document %s: template %s is not installed", d.ID, d.Template)
		}
		for _, v := range d.Versions {
			base := fmt.Sprintf("documents/%s-v%d", d.ID, v.Content.Version)
			if err := putJSON(files, base+".json", bundleDocument{Content: v.Content, ContentHash: v.ContentHash,
				SignedAt: v.At, SignedBy: v.SignedBy, Seq: v.Seq}); err != nil {
				return err
			}
			if err := renderVersion(tpl, agency, v, env.Font, base, files); err != nil {
				return err
			}
		}
	}
	return nil
}

func renderVersion(tpl *casework.Template, agency string, v store.DocumentVersion, font []byte, base string, files map[string][]byte) error {
	in, err := PDFInput(agency, v, font)
	if err != nil {
		return err
	}
	pdf, err := docpdf.Render(tpl, in)
	if err != nil {
		return err
	}
	files[base+".pdf"] = pdf
	for key, strokes := range docpdf.Signatures(tpl, v.Content.Fields) {
		png, err := docpdf.SignaturePNG(strokes, 600, 240)
		if err != nil {
			return err
		}
		files[fmt.Sprintf("%s-%s.png", base, key)] = png
	}
	return nil
}

// PDFInput is what docpdf needs for one finalized version: its PDF is
// dated with the signing time, so it renders to the same bytes anywhere.
func PDFInput(agency string, v store.DocumentVersion, font []byte) (docpdf.Input, error) {
	at, err := v.SignedAt()
	if err != nil {
		return docpdf.Input{}, err
	}
	return docpdf.Input{Agency: agency, Content: v.Content, ContentHash: v.ContentHash, FontTTF: font, Signed: at}, nil
}

// caseFootage lists the footage the case's steps link, with custody.
func caseFootage(ctx context.Context, st *store.Store, report store.CaseReport) ([]bundleFootage, error) {
	linked := map[evidence.Digest]bool{}
	for _, s := range report.Steps {
		for _, d := range s.Footage {
			linked[d] = true
		}
	}
	items := []bundleFootage{}
	err := st.Footage(ctx, func(it store.FootageItem) error {
		if !linked[it.Digest] {
			return nil
		}
		trail, err := st.Custody(ctx, it.Digest)
		slices.Sort(it.Cases)
		items = append(items, bundleFootage{FootageItem: it, Custody: trail})
		return err
	})
	return items, err
}

// putJSON adds v to files as indented JSON ending in a newline: the one
// form every JSON file of a case file is written in.
func putJSON(files map[string][]byte, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	files[name] = append(b, '\n')
	return nil
}
