package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// DatabaseFile and BlobDir are the names of the store's parts in its folder.
const (
	DatabaseFile = "lawtrail.db"
	BlobDir      = "blobs"
)

// Store is a terminal's record: the event log with its projections, and blobs.
type Store struct {
	db    *sql.DB
	dir   string
	blobs *BlobStore
	now   func() time.Time
	cfg   *casework.Config
	dbKey *[32]byte // the database's page key; nil for a plaintext database
}

// Options adjust a Store. The zero value is the normal configuration.
type Options struct {
	// Now is the terminal clock; time.Now when nil.
	Now func() time.Time
	// Config is the agency configuration the rules consult (templates, the
	// AV matters list). Without one, finalizing a document and marking a
	// step text-only are refused: they cannot be judged.
	Config *casework.Config
	// Keys seal the record at rest (DeriveRecordKeys). With them the
	// database is opened through the encrypting VFS, a plaintext one from an
	// older lawtrail being sealed in place first; without them only a
	// plaintext database opens (tests of the projections), and a sealed one
	// is refused with ErrSealed.
	Keys *RecordKeys
}

// Open opens (creating if needed) the store in dir and brings its schema up
// to date. Migrations that add projections are followed by a rebuild, so an
// old file gains the new tables already filled from its events. It refuses
// a folder that belongs to another user or that others may write to
// (ErrDataDirNotOwned, ErrDataDirUnsafe).
func Open(ctx context.Context, dir string, opt Options) (*Store, error) {
	if err := os.MkdirAll(dir, PrivateDirMode); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	if err := checkDataDir(dir); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	db, err := openRecord(ctx, filepath.Join(dir, DatabaseFile), opt.Keys)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, dir: dir, now: opt.Now, cfg: opt.Config}
	if opt.Keys != nil {
		key := opt.Keys.Database // a copy: the caller wipes its keys
		s.dbKey = &key
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.upgrade(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if s.blobs, err = OpenBlobStore(filepath.Join(dir, BlobDir)); err != nil {
		db.Close()
		return nil, err
	}
	if opt.Keys != nil {
		if err := s.blobs.sealWith(opt.Keys.Footage); err != nil {
			db.Close()
			return nil, err
		}
		if err := s.blobs.sealAll(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := s.finishFreeing(ctx); err != nil { // retention.go
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) upgrade(ctx context.Context) error {
	before, err := schemaVersion(ctx, s.db)
	if err != nil {
		return err
	}
	latest, err := latestVersion()
	if err != nil {
		return err
	}
	applied, err := migrate(ctx, s.db, latest)
	if err != nil {
		return err
	}
	if applied > 0 && before > 0 {
		if err := s.RebuildProjections(ctx); err != nil {
			return fmt.Errorf("rebuild projections after migrating from version %d: %w", before, err)
		}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Blobs returns the store's blob store.
func (s *Store) Blobs() *BlobStore { return s.blobs }

// Dir returns the store's folder.
func (s *Store) Dir() string { return s.dir }

// Draft is an event about to be appended: what happened and who did it.
// The store supplies terminal, sequence number, previous hash and time.
type Draft struct {
	Actor     string
	Payload   casework.Payload
	Blobs     []evidence.Digest
	CoSigners []evidence.OfficerKey // officers whose own act this is
}

// ErrNotYours is returned when appending with a key that is not this
// store's terminal key.
var ErrNotYours = errors.New("key is not this terminal's key")

// ErrNoTerminal is returned when appending to a store whose terminal is not
// initialised, unless the first draft initialises it.
var ErrNoTerminal = errors.New("store has no terminal: the first event must be terminal.initialized with the signing key")

// Append records drafts as the next events of terminal's chain, in one
// transaction: each gets the next sequence number, links the previous
// event's hash, is checked against the domain rules, signed, inserted and
// applied to the projections. Either every draft is recorded or none is.
func (s *Store) Append(ctx context.Context, terminal evidence.KeyPair, drafts ...Draft) ([]evidence.Event, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("append: begin: %w", err)
	}
	defer tx.Rollback()
	id := terminal.ID()
	if err := checkTerminalKey(ctx, tx, terminal, drafts); err != nil {
		return nil, err
	}
	seq, prev, err := chainHead(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	out := make([]evidence.Event, 0, len(drafts))
	for _, d := range drafts {
		seq++
		ev, err := s.appendOne(ctx, tx, terminal, seq, prev, d)
		if err != nil {
			return nil, err
		}
		prev = ev.Hash()
		out = append(out, ev)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("append: commit: %w", err)
	}
	return out, nil
}

func (s *Store) appendOne(ctx context.Context, tx *sql.Tx, terminal evidence.KeyPair, seq uint64, prev evidence.Digest, d Draft) (evidence.Event, error) {
	if d.Payload == nil {
		return evidence.Event{}, fmt.Errorf("append: draft without payload")
	}
	if err := d.Payload.Validate(); err != nil {
		return evidence.Event{}, fmt.Errorf("append %s: %w", d.Payload.EventType(), err)
	}
	cosigners := make([]string, len(d.CoSigners))
	for i, c := range d.CoSigners {
		cosigners[i] = c.Officer
	}
	at := s.now().In(casework.Shanghai)
	act := casework.Act{Actor: d.Actor, At: at, CoSigners: cosigners, Payload: d.Payload}
	if err := checkLawful(ctx, appendState{txState{tx, terminal.ID(), s.cfg}}, act); err != nil { // retention.go: with the receipts
		return evidence.Event{}, fmt.Errorf("append %s: %w", d.Payload.EventType(), err)
	}
	payload, err := json.Marshal(d.Payload)
	if err != nil {
		return evidence.Event{}, fmt.Errorf("append %s: encode payload: %w", d.Payload.EventType(), err)
	}
	raw, err := evidence.EncodeBody(evidence.Body{
		Version: evidence.BodyVersion, Terminal: terminal.ID(), Seq: seq, Prev: prev,
		Time: at, Actor: d.Actor, Type: d.Payload.EventType(),
		Payload: payload, Blobs: d.Blobs,
	})
	if err != nil {
		return evidence.Event{}, fmt.Errorf("append %s: %w", d.Payload.EventType(), err)
	}
	ev := evidence.Sign(raw, terminal, d.CoSigners...)
	body, err := evidence.ParseBody(raw)
	if err != nil {
		return evidence.Event{}, fmt.Errorf("append %s: %w", d.Payload.EventType(), err)
	}
	if err := insertEvent(ctx, tx, ev, body); err != nil {
		return evidence.Event{}, err
	}
	if err := applyProjection(ctx, tx, s.cfg, body, d.Payload); err != nil {
		return evidence.Event{}, err
	}
	return ev, nil
}

// checkTerminalKey refuses to append under a key other than the one the
// store's terminal was initialised with. An empty store accepts only a
// first draft that initialises the terminal with this very key.
func checkTerminalKey(ctx context.Context, tx *sql.Tx, key evidence.KeyPair, drafts []Draft) error {
	var pub []byte
	err := tx.QueryRowContext(ctx, "SELECT public_key FROM terminals WHERE id = ?", key.ID()).Scan(&pub)
	switch {
	case err == nil && key.Public.Equal(ed25519Key(pub)):
		return nil
	case err == nil:
		return fmt.Errorf("append: %w", ErrNotYours)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("append: read terminal %s: %w", key.ID(), err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM terminals").Scan(&n); err != nil {
		return fmt.Errorf("append: count terminals: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("append: %w", ErrNotYours)
	}
	if len(drafts) > 0 {
		if first, ok := drafts[0].Payload.(*casework.TerminalInitialized); ok &&
			first.Terminal == key.ID() && key.Public.Equal(ed25519Key(first.PublicKey)) {
			return nil
		}
	}
	return fmt.Errorf("append: %w", ErrNoTerminal)
}

func chainHead(ctx context.Context, tx *sql.Tx, terminal string) (uint64, evidence.Digest, error) {
	var seq uint64
	var hash []byte
	err := tx.QueryRowContext(ctx,
		"SELECT seq, hash FROM events WHERE terminal = ? ORDER BY seq DESC LIMIT 1", terminal).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, evidence.Digest{}, nil
	}
	if err != nil {
		return 0, evidence.Digest{}, fmt.Errorf("append: read chain head of %s: %w", terminal, err)
	}
	var d evidence.Digest
	if len(hash) != len(d) {
		return 0, d, fmt.Errorf("append: chain head %s#%d has a %d-byte hash", terminal, seq, len(hash))
	}
	copy(d[:], hash)
	return seq, d, nil
}

func insertEvent(ctx context.Context, tx *sql.Tx, ev evidence.Event, body evidence.Body) error {
	cosigs, err := json.Marshal(ev.CoSigs)
	if err != nil {
		return fmt.Errorf("insert event: %w", err)
	}
	if ev.CoSigs == nil {
		cosigs = []byte("[]")
	}
	h := ev.Hash()
	_, err = tx.ExecContext(ctx,
		"INSERT INTO events (terminal, seq, hash, type, body, sig, cosigs) VALUES (?, ?, ?, ?, ?, ?, ?)",
		body.Terminal, body.Seq, h[:], body.Type, ev.Body, ev.Sig, string(cosigs))
	if err != nil {
		return fmt.Errorf("insert event %s#%d: %w", body.Terminal, body.Seq, err)
	}
	return nil
}

// checkLawful runs the rules an event must meet against the record as it
// is in tx: at append time, and again when a replica replays the log (so
// check and verify-bundle find a signed event the rules would refuse).
func checkLawful(ctx context.Context, st casework.State, a casework.Act) error {
	return casework.CheckRules(ctx, st, a)
}

// actOf is the act an event records, as the rules see it.
func actOf(ev evidence.Event, body evidence.Body, p casework.Payload) casework.Act {
	return casework.Act{Actor: body.Actor, At: body.Time, CoSigners: cosignerIDs(ev), Payload: p}
}
