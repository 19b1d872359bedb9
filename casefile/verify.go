package casefile

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
)

// VerifyOptions carry what the verifier trusts from outside the case file.
type VerifyOptions struct {
	TerminalKey ed25519.PublicKey // from the hub's register; nil: the case file's own copy (said so)
	HubKey      ed25519.PublicKey // as the district publishes it; nil: the case file's own copy (said so)
	TSARoots    *x509.CertPool    // the time-stamping authority's certificate(s); nil: the one in each token (said so)
	Env         Env
}

// Verified is what a verification found. Claims are only ever added for
// what was checked and held; Problems name the file and what is wrong.
type Verified struct {
	Claims   []string
	Notes    []string // what could not be checked, and why
	Problems []string
}

// OK reports whether nothing was wrong.
func (v *Verified) OK() bool { return len(v.Problems) == 0 }

func (v *Verified) problem(format string, args ...any) {
	v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
}

// verification is the state of one run.
type verification struct {
	b        *Bundle
	opt      VerifyOptions
	out      *Verified
	sums     map[string]evidence.Digest
	hashed   map[string]evidence.Digest // what each listed file hashed to, read once
	sumsHash evidence.Digest
	terminal bundleTerminal
	key      ed25519.PublicKey
	export   evidence.Body
	exported *casework.CaseExported
	chain    chainFacts
	others   []bundleTerminal // other terminals whose chains the file holds (agency.go)
}

// chainFacts are what the verified events establish for the later checks,
// read from the replica (so an event that failed never counts).
type chainFacts struct {
	events   int
	last     uint64
	lastHash evidence.Digest
	hashes   map[uint64]evidence.Digest
	custody  map[evidence.Digest]bool // blob digests named by footage.ingested
}

// Verify checks a case file. An error means it could not be read at all;
// everything else is in the result.
func Verify(ctx context.Context, b *Bundle, opt VerifyOptions) (*Verified, error) {
	v := &verification{b: b, opt: opt, out: &Verified{}}
	if err := v.checkSums(); err != nil {
		return v.out, err
	}
	if err := v.readTerminal(); err != nil {
		return v.out, err
	}
	v.readOtherTerminals()
	v.checkExport()
	rep, err := v.checkEvents(ctx)
	if err != nil {
		return v.out, err
	}
	defer rep.Close()
	v.checkExportChain()
	if err := v.checkDerived(ctx, rep.Store); err != nil {
		return v.out, err
	}
	v.checkFootage()
	v.checkHubLog()
	return v.out, nil
}

var sumsLine = regexp.MustCompile(`^([0-9a-f]{64})  (.+)$`)

// checkSums streams every file against SHA256SUMS and names any file that
// is missing, changed or not listed.
func (v *verification) checkSums() error {
	raw, err := readCapped(v.b, SumsFile, maxSumsBytes)
	if err != nil {
		return fmt.Errorf("case file: %w", err)
	}
	v.sumsHash = evidence.Sum(raw)
	v.sums = map[string]evidence.Digest{}
	for n, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		m := sumsLine.FindStringSubmatch(line)
		if m == nil || !fs.ValidPath(m[2]) || m[2] == SumsFile || m[2] == ExportFile {
			return fmt.Errorf("case file: %s line %d is not \"<sha256>  <path>\"", SumsFile, n+1)
		}
		if _, dup := v.sums[m[2]]; dup {
			return fmt.Errorf("case file: %s lists %s twice", SumsFile, m[2])
		}
		v.sums[m[2]], _ = evidence.ParseDigest(m[1])
	}
	bad := 0
	v.hashed = map[string]evidence.Digest{}
	for _, name := range slices.Sorted(maps.Keys(v.sums)) {
		d, err := hashFile(v.b, name)
		if err == nil {
			v.hashed[name] = d
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			v.out.problem("%s: listed in %s but missing", name, SumsFile)
			bad++
		case err != nil:
			v.out.problem("%s: %v", name, err)
			bad++
		case d != v.sums[name]:
			v.out.problem("%s: content changed (SHA-256 %s, %s says %s)", name, d, SumsFile, v.sums[name])
			bad++
		}
	}
	err = fs.WalkDir(v.b, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == SumsFile || p == ExportFile {
			return err
		}
		if _, ok := v.sums[p]; !ok {
			v.out.problem("%s: not listed in %s", p, SumsFile)
			bad++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("case file: %w", err)
	}
	if bad == 0 {
		v.out.Claims = append(v.out.Claims, fmt.Sprintf("all %d files match %s and no other file is present", len(v.sums), SumsFile))
	}
	return nil
}

// readTerminal takes the terminal key from terminal.json, or the trusted
// one given, and says which.
func (v *verification) readTerminal() error {
	raw, err := readCapped(v.b, "terminal.json", maxSmallBytes)
	if err != nil {
		return fmt.Errorf("case file: %w", err)
	}
	if err := json.Unmarshal(raw, &v.terminal); err != nil || len(v.terminal.PublicKey) != ed25519.PublicKeySize {
		return fmt.Errorf("case file: terminal.json: not a terminal with a 32-byte key")
	}
	v.key = v.terminal.PublicKey
	switch {
	case v.opt.TerminalKey == nil:
		v.out.Notes = append(v.out.Notes, fmt.Sprintf("the terminal key %s was taken from terminal.json: compare it with the hub's register of terminals, or pass --terminal-key", evidence.KeyID(v.key)))
	case !bytes.Equal(v.opt.TerminalKey, v.key):
		v.out.problem("terminal.json: the key is %s, not the trusted terminal key %s", evidence.KeyID(v.key), evidence.KeyID(v.opt.TerminalKey))
		v.key = v.opt.TerminalKey
	}
	if evidence.KeyID(v.key) != v.terminal.Terminal {
		v.out.problem("terminal.json: terminal %s is not the id of key %s", v.terminal.Terminal, evidence.KeyID(v.key))
	}
	return nil
}

// checkExport verifies the signed case.exported event and that it names
// this SHA256SUMS.
func (v *verification) checkExport() {
	raw, err := readCapped(v.b, ExportFile, maxSmallBytes)
	if err != nil {
		v.out.problem("%s: %v (nothing binds the files to a signature)", ExportFile, err)
		return
	}
	var ev evidence.Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		v.out.problem("%s: %v", ExportFile, err)
		return
	}
	body, err := evidence.ParseBody(ev.Body)
	if err != nil {
		v.out.problem("%s: %v", ExportFile, err)
		return
	}
	if body.Terminal != evidence.KeyID(v.key) || !ed25519.Verify(v.key, ev.Body, ev.Sig) {
		v.out.problem("%s: not signed by terminal %s", ExportFile, evidence.KeyID(v.key))
		return
	}
	p, err := casework.Decode(body.Type, body.Payload)
	exp, ok := p.(*casework.CaseExported)
	if err != nil || !ok {
		v.out.problem("%s: not a valid case.exported event (%v)", ExportFile, err)
		return
	}
	if exp.Sums != v.sumsHash {
		v.out.problem("%s: the signed export names SHA256SUMS %s, this one is %s", ExportFile, exp.Sums, v.sumsHash)
		return
	}
	v.export, v.exported = body, exp
	v.out.Claims = append(v.out.Claims, fmt.Sprintf("%s is the one named by the signed case.exported event #%d of case %s (by %s at %s)",
		SumsFile, body.Seq, exp.Case, body.Actor, body.Time.Format("2006-01-02 15:04:05 -07:00")))
}

// checkEvents streams events.jsonl into a replica that keeps only events
// whose signatures, chain, payloads and rules hold, and takes the facts the
// later checks need from it.
func (v *verification) checkEvents(ctx context.Context) (*store.Replica, error) {
	trusted := &evidence.Keys{}
	trusted.AddTerminal(evidence.KeyID(v.key), v.key)
	for _, t := range v.others {
		trusted.AddTerminal(t.Terminal, t.PublicKey)
	}
	var lineErr error
	each := func(fn func(evidence.Event) error) error {
		return eachLine(v.b, EventsFile, maxEventLine, func(n int, line []byte) error {
			var ev evidence.Event
			if err := json.Unmarshal(line, &ev); err != nil {
				lineErr = errors.Join(lineErr, fmt.Errorf("%s line %d: %w", EventsFile, n, err))
				return nil
			}
			return fn(ev)
		})
	}
	cfg := &casework.Config{Templates: v.opt.Env.Templates, AVMatters: v.opt.Env.Matters, MajorList: v.opt.Env.Major}
	rep, report, err := store.ReplicaOfPlaced(ctx, trusted, cfg, v.readPlaces(), each)
	if err != nil {
		return nil, fmt.Errorf("case file: %w", err)
	}
	if lineErr != nil {
		v.out.problem("%v", lineErr)
	}
	for _, p := range report.Problems {
		v.out.problem("%s: %s", EventsFile, p)
	}
	if v.chain, err = factsOf(ctx, rep.Store, evidence.KeyID(v.key)); err != nil {
		rep.Close()
		return nil, fmt.Errorf("case file: %w", err)
	}
	v.chain.events = report.Events
	if lineErr == nil && report.OK() {
		if len(v.others) == 0 {
			v.out.Claims = append(v.out.Claims, fmt.Sprintf("%d events verify as one chain signed by terminal %s, every body canonical and every payload valid", report.Events, evidence.KeyID(v.key)))
		} else {
			v.out.Claims = append(v.out.Claims, fmt.Sprintf("%d events verify as %d chains, each signed by its terminal (%s and %d other(s)), every body canonical and every payload valid", report.Events, len(v.others)+1, evidence.KeyID(v.key), len(v.others)))
		}
	}
	return rep, nil
}

// factsOf reads the chain's hashes and head and the footage in custody
// from the replica of the verified events.
func factsOf(ctx context.Context, rep *store.Store, own string) (chainFacts, error) {
	c := chainFacts{hashes: map[uint64]evidence.Digest{}, custody: map[evidence.Digest]bool{}}
	err := rep.Events(ctx, func(se store.StoredEvent) error {
		if se.Terminal != own {
			return nil // another terminal's chain: its facts are not the export's
		}
		c.last, c.lastHash = se.Seq, se.Event.Hash()
		c.hashes[se.Seq] = c.lastHash
		return nil
	})
	if err != nil {
		return c, err
	}
	err = rep.Footage(ctx, func(it store.FootageItem) error {
		c.custody[it.Digest] = true
		return nil
	})
	return c, err
}

// checkExportChain places the export after the last event of the file.
func (v *verification) checkExportChain() {
	if v.exported == nil {
		return
	}
	switch {
	case v.export.Seq <= v.chain.last:
		v.out.problem("%s: export #%d is not after the last event #%d of %s", ExportFile, v.export.Seq, v.chain.last, EventsFile)
	case v.export.Seq == v.chain.last+1 && v.export.Prev != v.chain.lastHash:
		v.out.problem("%s: export #%d does not link to event #%d", ExportFile, v.export.Seq, v.chain.last)
	}
}

// checkDerived derives every derivable file again from the verified events
// and compares it byte for byte with the case file's.
func (v *verification) checkDerived(ctx context.Context, rep *store.Store) error {
	if v.exported == nil {
		v.out.Notes = append(v.out.Notes, "derived files were not compared: without a valid export event the case is unknown")
		return nil
	}
	want, err := derived(ctx, rep, v.exported.Case, v.opt.Env)
	if err != nil {
		v.out.problem("the events do not give the case file of case %s: %v", v.exported.Case, err)
		return nil
	}
	bad := 0
	for _, name := range slices.Sorted(maps.Keys(want)) {
		got, err := readCapped(v.b, name, int64(len(want[name]))+maxSmallBytes)
		switch {
		case err != nil:
			v.out.problem("%s: %v", name, err)
			bad++
		case !bytes.Equal(got, want[name]):
			v.out.problem("%s: differs from what the signed events give", name)
			bad++
		}
	}
	docs, _ := fs.Glob(v.b, "documents/*")
	for _, name := range docs {
		if _, ok := want[name]; !ok {
			v.out.problem("%s: no signed document version gives this file", name)
			bad++
		}
	}
	bad += v.unwantedReviewFiles(want)
	if bad == 0 {
		v.out.Claims = append(v.out.Claims, derivedClaim(want))
	}
	return nil
}

// unwantedReviewFiles names review files no signed event gives: a
// reviews.json in the file of a case never submitted, a form of a round
// with no opinion or no collective discussion.
func (v *verification) unwantedReviewFiles(want map[string][]byte) int {
	names, _ := fs.Glob(v.b, ReviewsDir+"/*")
	if _, err := fs.Stat(v.b, ReviewsFile); err == nil {
		names = append(names, ReviewsFile)
	}
	bad := 0
	for _, name := range names {
		if _, ok := want[name]; !ok {
			v.out.problem("%s: no signed review event gives this file", name)
			bad++
		}
	}
	return bad
}

// derivedClaim says which derived files matched.
func derivedClaim(want map[string][]byte) string {
	docs, reviews := 0, 0
	for name := range want {
		switch {
		case strings.HasPrefix(name, "documents/"):
			docs++
		case name == ReviewsFile || strings.HasPrefix(name, ReviewsDir+"/"):
			reviews++
		}
	}
	claim := fmt.Sprintf("terminal.json, case.json, footage.json and %d document files (JSON, PDF rendered again, signature PNGs)", docs)
	if reviews > 0 {
		claim += fmt.Sprintf(", and %d files of legal review (reviews.json, 法制审核意见书 and 集体讨论记录 rendered again)", reviews)
	}
	return claim + " are exactly what the signed events give"
}

// checkFootage: every footage file hashes to its name and is in custody.
func (v *verification) checkFootage() {
	files, _ := fs.Glob(v.b, "footage/*")
	bad := 0
	for _, name := range files {
		d, err := evidence.ParseDigest(path.Base(name))
		if err != nil {
			v.out.problem("%s: name is not a SHA-256", name)
			bad++
			continue
		}
		got, ok := v.hashed[name]
		if !ok {
			got, err = hashFile(v.b, name)
		}
		if err != nil || got != d {
			v.out.problem("%s: content does not match its name", name)
			bad++
		} else if !v.chain.custody[d] {
			v.out.problem("%s: no footage.ingested event names it", name)
			bad++
		}
	}
	if len(files) > 0 && bad == 0 {
		v.out.Claims = append(v.out.Claims, fmt.Sprintf("%d footage files hash to their names and each has a signed custody record", len(files)))
	}
	if len(files) == 0 {
		v.out.Notes = append(v.out.Notes, "no footage files in this case file (exported without --with-footage): footage.json names them by SHA-256")
	}
}
