package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// The case file (案卷, R5) leaves the terminal as a folder any court or
// auditor can check: with `sha256sum -c SHA256SUMS` alone, and with
// `lawtrailctl verify-bundle` for the signatures and the chain too.

const bundleReadme = `lawtrail case file (案卷)

Check that no file changed:        sha256sum -c SHA256SUMS
Check signatures, chain and links: lawtrailctl verify-bundle <this folder or zip>

terminal.json   the terminal's Ed25519 public key (compare its id with the hub's register)
events.jsonl    every signed event of the terminal, bytes as signed (body and signatures in base64)
case.json       the case, its steps (AV requirement, coverage and gaps), the footage linked, its deadlines
documents/      every finalized version of the case's documents: JSON with its content SHA-256, the PDF,
                and a PNG of each signature taken on screen
footage.json    the linked footage: digest, size, origin, chain of custody
footage/        the footage files themselves, named by their SHA-256 (when exported with them)
`

type bundleTerminal struct {
	Terminal  string `json:"terminal"`
	PublicKey []byte `json:"public_key"`
	Name      string `json:"name"`
	Agency    string `json:"agency"`
}

type bundleDocument struct {
	Content     casework.DocumentContent `json:"content"`
	ContentHash evidence.Digest          `json:"content_hash"`
}

type bundleFootage struct {
	FootageItem
	Custody []CustodyRow `json:"custody"`
}

// ExportCase writes the case file of caseID into the new folder out.
func (s *Store) ExportCase(ctx context.Context, caseID, out string, withFootage bool, matters casework.AVMatters) error {
	cases, err := s.Cases(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(cases, func(c CaseRow) bool { return c.ID == caseID })
	if i < 0 {
		return fmt.Errorf("export: no case %s", caseID)
	}
	if err := os.Mkdir(out, 0o755); err != nil {
		return fmt.Errorf("export: %w (the folder must not exist)", err)
	}
	steps, err := s.Steps(ctx, caseID)
	if err != nil {
		return err
	}
	w := bundleWriter{dir: out}
	info, err := s.Terminal(ctx)
	if err != nil {
		return err
	}
	keys, err := TrustedKeys(s.dir)
	if err != nil {
		return err
	}
	pub, _ := keys.TerminalKey(info.ID)
	w.json("terminal.json", bundleTerminal{Terminal: info.ID, PublicKey: pub, Name: info.Name, Agency: info.AgencyName})
	report, err := s.Report(ctx, caseID, matters)
	if err != nil {
		return err
	}
	// The case with each step's AV coverage and gaps, and its deadlines.
	w.json("case.json", map[string]any{"case": report.Case, "steps": report.Steps, "deadlines": report.Deadlines})
	w.file("README.txt", []byte(bundleReadme))
	w.err = firstErr(w.err, s.writeEvents(ctx, filepath.Join(out, "events.jsonl")))
	w.err = firstErr(w.err, s.writeDocuments(ctx, &w, caseID))
	w.err = firstErr(w.err, s.writeFootage(ctx, &w, steps, withFootage))
	if w.err != nil {
		return fmt.Errorf("export %s: %w", caseID, w.err)
	}
	return evidence.WriteSHA256Sums(out)
}

type bundleWriter struct {
	dir string
	err error
}

func (w *bundleWriter) file(name string, b []byte) {
	if w.err != nil {
		return
	}
	p := filepath.Join(w.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.err = err
		return
	}
	w.err = os.WriteFile(p, b, 0o644)
}

func (w *bundleWriter) json(name string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		w.err = firstErr(w.err, err)
		return
	}
	w.file(name, append(b, '\n'))
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (s *Store) writeEvents(ctx context.Context, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	err = s.Events(ctx, func(se StoredEvent) error { return enc.Encode(se.Event) })
	if err != nil {
		return err
	}
	return f.Sync()
}

func (s *Store) writeDocuments(ctx context.Context, w *bundleWriter, caseID string) error {
	rows, err := s.db.QueryContext(ctx, "SELECT id FROM documents WHERE case_id = ? ORDER BY id", caseID)
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		d, err := s.Document(ctx, id)
		if err != nil {
			return err
		}
		for _, v := range d.Versions {
			w.json(fmt.Sprintf("documents/%s-v%d.json", id, v.Content.Version), bundleDocument{Content: v.Content, ContentHash: v.ContentHash})
		}
	}
	return w.err
}

func (s *Store) writeFootage(ctx context.Context, w *bundleWriter, steps []StepRow, withFiles bool) error {
	linked := map[evidence.Digest]bool{}
	for _, st := range steps {
		for _, d := range st.Footage {
			linked[d] = true
		}
	}
	var items []bundleFootage
	err := s.Footage(ctx, func(it FootageItem) error {
		if !linked[it.Digest] {
			return nil
		}
		trail, err := s.Custody(ctx, it.Digest)
		items = append(items, bundleFootage{FootageItem: it, Custody: trail})
		return err
	})
	if err != nil {
		return err
	}
	w.json("footage.json", items)
	for _, it := range items {
		if !withFiles || w.err != nil {
			continue
		}
		r, err := s.blobs.Open(ctx, it.Digest)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return err
		}
		w.file("footage/"+it.Digest.String(), b)
	}
	return w.err
}

// VerifyBundle checks a case file: every file against SHA256SUMS and no file
// beside them; every event's signatures and the chain, against the key in
// terminal.json; every document version's content hash, and that a signed
// doc.finalized event fixed it; every footage entry named by a signed
// custody event, and every footage file's content against its name.
func VerifyBundle(ctx context.Context, fsys fs.FS) (Report, error) {
	var r Report
	_, bad, err := evidence.CheckSHA256Sums(fsys)
	if err != nil {
		return r, err
	}
	for _, p := range bad {
		r.add("file", fmt.Errorf("%s", p))
	}
	var term bundleTerminal
	if err := readJSON(fsys, "terminal.json", &term); err != nil {
		return r, err
	}
	keys := &evidence.Keys{}
	keys.AddTerminal(term.Terminal, term.PublicKey)
	finalized, custody, err := verifyBundleEvents(fsys, keys, &r)
	if err != nil {
		return r, err
	}
	verifyBundleDocuments(fsys, finalized, &r)
	verifyBundleFootage(fsys, custody, &r)
	return r, nil
}

func readJSON(fsys fs.FS, name string, v any) error {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("bundle %s: %w", name, err)
	}
	return nil
}

func verifyBundleEvents(fsys fs.FS, trusted *evidence.Keys, r *Report) (map[evidence.Digest]bool, map[evidence.Digest]bool, error) {
	raw, err := fs.ReadFile(fsys, "events.jsonl")
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %w", err)
	}
	keys := casework.NewEnrollingKeys(trusted)
	v := evidence.NewChainVerifier(keys)
	finalized, custody := map[evidence.Digest]bool{}, map[evidence.Digest]bool{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 1<<20), 4<<20)
	for n := 1; sc.Scan(); n++ {
		r.Events++
		var ev evidence.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			r.add(fmt.Sprintf("events.jsonl line %d", n), err)
			continue
		}
		body, err := keys.AddChain(v, ev)
		if err != nil {
			r.add(fmt.Sprintf("events.jsonl line %d", n), err)
			continue
		}
		p, err := casework.Decode(body.Type, body.Payload)
		if err != nil {
			r.add(fmt.Sprintf("event %s#%d", body.Terminal, body.Seq), err)
			continue
		}
		switch p := p.(type) {
		case *casework.DocFinalized:
			finalized[p.ContentHash] = len(ev.CoSigs) > 0
		case *casework.FootageIngested:
			custody[p.Digest] = true
		}
	}
	return finalized, custody, sc.Err()
}

func verifyBundleDocuments(fsys fs.FS, finalized map[evidence.Digest]bool, r *Report) {
	docs, _ := fs.Glob(fsys, "documents/*.json")
	for _, name := range docs {
		var d bundleDocument
		if err := readJSON(fsys, name, &d); err != nil {
			r.add(name, err)
			continue
		}
		h, err := d.Content.Hash()
		switch {
		case err != nil:
			r.add(name, err)
		case h != d.ContentHash:
			r.add(name, fmt.Errorf("content hashes to %s, the file says %s", h, d.ContentHash))
		case !finalized[h]:
			r.add(name, fmt.Errorf("no signed doc.finalized event with officer co-signature fixes %s", h))
		}
	}
}

func verifyBundleFootage(fsys fs.FS, custody map[evidence.Digest]bool, r *Report) {
	var items []bundleFootage
	if err := readJSON(fsys, "footage.json", &items); err != nil {
		r.add("footage.json", err)
		return
	}
	for _, it := range items {
		if !custody[it.Digest] {
			r.add("footage "+it.Digest.String(), fmt.Errorf("no signed custody event names it"))
		}
	}
	files, _ := fs.Glob(fsys, "footage/*")
	for _, name := range files {
		d, err := evidence.ParseDigest(path.Base(name))
		if err != nil {
			r.add(name, err)
			continue
		}
		raw, err := fs.ReadFile(fsys, name)
		if err != nil || evidence.Sum(raw) != d {
			r.add(name, fmt.Errorf("content does not match its name"))
		}
	}
}
