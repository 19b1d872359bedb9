package casefile

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

// File names inside a case file.
const (
	SumsFile   = "SHA256SUMS"
	ExportFile = "export.json" // the signed case.exported event; not in SHA256SUMS (it names it)
	EventsFile = "events.jsonl"
	ReadmeFile = "README.txt"
)

// ErrRecordDamaged refuses an export from a record whose events do not all
// verify: a case file is written only from verified events.
var ErrRecordDamaged = errors.New("the record has problems; run `lawtrailctl check`")

// ExportOptions say what to export, by whom, signed with which key.
type ExportOptions struct {
	Case        string
	Out         string // a new folder, or a new .zip file
	WithFootage bool
	Actor       string           // the officer exporting (recorded in case.exported)
	Terminal    evidence.KeyPair // signs case.exported
	Env         Env
}

// Exported is what an export wrote.
type Exported struct {
	Files int
	Sums  evidence.Digest
	Event evidence.Event // the signed case.exported
}

// Export writes the case file of a case from a replica rebuilt from the
// verified events (never from tables that could have been edited), then
// records case.exported naming SHA256SUMS, and writes that event beside it.
func Export(ctx context.Context, st *store.Store, opt ExportOptions) (Exported, error) {
	var res Exported
	trusted, err := store.TrustedKeys(st.Dir())
	if err != nil {
		return res, err
	}
	rep, report, err := st.VerifiedReplica(ctx, trusted)
	if err != nil {
		return res, fmt.Errorf("export: %w", err)
	}
	defer rep.Close()
	if !report.OK() {
		return res, fmt.Errorf("export: %w: %d problem(s), first: %s", ErrRecordDamaged, len(report.Problems), report.Problems[0])
	}
	folder, cleanup, err := outputFolder(opt.Out)
	if err != nil {
		return res, err
	}
	defer cleanup()
	if err := writeFiles(ctx, rep.Store, st, folder, opt); err != nil {
		return res, fmt.Errorf("export %s: %w", opt.Case, err)
	}
	if res, err = sealExport(ctx, st, folder, opt); err != nil {
		return res, fmt.Errorf("export %s: %w", opt.Case, err)
	}
	if folder != opt.Out {
		if err := zipFolder(folder, opt.Out); err != nil {
			return res, fmt.Errorf("export %s: %w", opt.Case, err)
		}
	}
	return res, nil
}

// outputFolder is out itself, or for a .zip a scratch folder beside it.
func outputFolder(out string) (string, func(), error) {
	if !strings.HasSuffix(out, ".zip") {
		if err := os.Mkdir(out, 0o700); err != nil {
			return "", nil, fmt.Errorf("export: %w (the folder must not exist)", err)
		}
		return out, func() {}, nil
	}
	if _, err := os.Lstat(out); err == nil {
		return "", nil, fmt.Errorf("export: %s exists already", out)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".lawtrail-export-")
	if err != nil {
		return "", nil, fmt.Errorf("export: %w", err)
	}
	return filepath.Join(tmp, "case"), func() { os.RemoveAll(tmp) }, os.Mkdir(filepath.Join(tmp, "case"), 0o700)
}

// writeFiles writes everything SHA256SUMS will list: the derived files,
// the events, the hub's proofs, the footage, the README.
func writeFiles(ctx context.Context, rep, live *store.Store, folder string, opt ExportOptions) error {
	files, err := derived(ctx, rep, opt.Case, opt.Env)
	if err != nil {
		return err
	}
	files[ReadmeFile] = []byte(readme)
	footage := footageDigests(files["footage.json"])
	proofs, err := hubProofs(ctx, rep, live, footage)
	if err != nil {
		return err
	}
	for name, b := range proofs {
		files[name] = b
	}
	if err := addPlaces(ctx, rep, files); err != nil { // agency.go
		return err
	}
	for name, b := range files {
		if err := writeFile(folder, name, b); err != nil {
			return err
		}
	}
	if err := writeEvents(ctx, rep, filepath.Join(folder, EventsFile)); err != nil {
		return err
	}
	if opt.WithFootage {
		return writeFootage(ctx, rep, folder, footage)
	}
	return nil
}

// footageDigests lists the digests footage.json names.
func footageDigests(manifest []byte) []evidence.Digest {
	var items []bundleFootage
	json.Unmarshal(manifest, &items) // written by derived a moment ago
	out := make([]evidence.Digest, len(items))
	for i, it := range items {
		out[i] = it.Digest
	}
	return out
}

func writeFile(folder, name string, b []byte) error {
	p := filepath.Join(folder, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o600)
}

func writeEvents(ctx context.Context, st *store.Store, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	own, err := st.Terminal(ctx)
	if err != nil {
		return err
	}
	if err := eachChain(ctx, st, own.ID, func(ev evidence.Event) error { return enc.Encode(ev) }); err != nil { // agency.go
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

// writeFootage copies each linked footage file, streaming it out of the
// blob store (which re-verifies it while it is read).
func writeFootage(ctx context.Context, st *store.Store, folder string, footage []evidence.Digest) error {
	if err := os.MkdirAll(filepath.Join(folder, "footage"), 0o700); err != nil {
		return err
	}
	for _, d := range footage {
		if held, err := st.Blobs().Has(d); err != nil {
			return fmt.Errorf("footage %s: %w", d, err)
		} else if !held {
			continue // another terminal's footage: the agency feed brings its custody, not its bytes
		}
		if err := copyBlob(ctx, st, d, filepath.Join(folder, "footage", d.String())); err != nil {
			return fmt.Errorf("footage %s: %w", d, err)
		}
	}
	return nil
}

func copyBlob(ctx context.Context, st *store.Store, d evidence.Digest, path string) error {
	r, err := st.Blobs().Open(ctx, d)
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sealExport writes SHA256SUMS, records case.exported naming its digest,
// and writes that signed event as export.json.
func sealExport(ctx context.Context, st *store.Store, folder string, opt ExportOptions) (Exported, error) {
	var res Exported
	if err := evidence.WriteSHA256Sums(folder); err != nil {
		return res, err
	}
	sums, err := os.ReadFile(filepath.Join(folder, SumsFile))
	if err != nil {
		return res, err
	}
	res.Sums = evidence.Sum(sums)
	res.Files = strings.Count(string(sums), "\n")
	evs, err := st.Append(ctx, opt.Terminal, store.Draft{Actor: opt.Actor, Payload: &casework.CaseExported{
		Case: opt.Case, Sums: res.Sums, Files: res.Files, WithFootage: opt.WithFootage}})
	if err != nil {
		return res, err
	}
	res.Event = evs[0]
	files := map[string][]byte{}
	if err := putJSON(files, ExportFile, res.Event); err != nil {
		return res, err
	}
	return res, writeFile(folder, ExportFile, files[ExportFile])
}

// zipFolder writes the folder's files into a new zip, paths relative to it.
func zipFolder(folder, out string) error {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(folder, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(folder, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(w, src)
		return err
	})
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
	}
	return err
}
