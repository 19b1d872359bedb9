package hub

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"lawtrail/evidence"
	"lawtrail/hub/blobstore"
	"lawtrail/store"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

var schema = store.Schema{FS: migrationFS, Dir: "migrations"}

// Files of a hub's data folder.
const (
	dbFile   = "hub.db"
	keyFile  = "keys/hub.key"
	certFile = "tls/hub.crt"
	blobDir  = "blobs"
)

// Hub is an open hub data folder.
type Hub struct {
	db    *recordDB // the record (recorddb.go): SQLite in dir, or PostgreSQL
	rdb   *recordDB // read-only connections for the web (readdb.go): readers never wait for the sync path's writes
	dir   string
	key   evidence.KeyPair
	cert  tls.Certificate
	blobs blobstore.Store // the footage: a folder, or an S3 bucket (Options.Blobs)
	ups   *uploadArea     // tus uploads in progress and their locks (uploads.go)
	now   func() time.Time
	mu    sync.Mutex  // one log append at a time, so checkpoints follow each other
	group appendGroup // batches waiting for mu, committed together (appendgroup.go)
}

// Options adjust a Hub.
type Options struct {
	Now func() time.Time
	KDF evidence.KDFParams // for a new hub key; DefaultKDFParams when zero
	// DB is where the record is kept: "" for the embedded SQLite file
	// (hub.db in the data folder), or a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE;
	// PGPASSWORD and the other libpq variables supply what it leaves out).
	// The hub key and TLS certificate stay in the data folder.
	DB string
	// Blobs is where the footage is kept (blobstore.Open): "" for the
	// blobs folder in the data folder, another folder's path, or an S3
	// bucket (s3://BUCKET?endpoint=…; AWS_ACCESS_KEY_ID and
	// AWS_SECRET_ACCESS_KEY supply the credentials). Uploads in progress
	// are kept beside the blobs: in the folder's tmp/uploads, or under
	// the bucket's uploads/ prefix.
	Blobs string
}

// Open opens the hub in dir, creating its key (sealed with passphrase),
// TLS certificate and database on first use.
func Open(ctx context.Context, dir string, passphrase []byte, opt Options) (*Hub, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.KDF == (evidence.KDFParams{}) {
		opt.KDF = evidence.DefaultKDFParams
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open hub %s: %w", dir, err)
	}
	key, err := loadOrCreateKey(filepath.Join(dir, keyFile), passphrase, opt.KDF)
	if err != nil {
		return nil, err
	}
	cert, err := loadOrCreateCert(filepath.Join(dir, certFile), key)
	if err != nil {
		return nil, err
	}
	blobs, err := blobstore.Open(ctx, opt.Blobs, filepath.Join(dir, blobDir))
	if err != nil {
		return nil, err
	}
	db, rdb, err := openRecord(ctx, dir, opt.DB)
	if err != nil {
		return nil, err
	}
	h := &Hub{db: db, rdb: rdb, dir: dir, key: key, cert: cert, blobs: blobs, now: opt.Now}
	if h.ups, err = openUploadArea(ctx, dir, blobs, opt.DB); err != nil { // uploads.go
		h.Close()
		return nil, err
	}
	if err := h.ensureCheckpoint(ctx); err != nil {
		h.Close()
		return nil, err
	}
	if err := h.ensureReadModel(ctx); err != nil { // readmodel.go
		h.Close()
		return nil, err
	}
	if _, err := h.finishDeletions(ctx, nil); err != nil { // retention.go: a removal a crash cut short
		h.Close()
		return nil, err
	}
	return h, nil
}

// openRecord opens the hub's record where dbURL says (Options.DB) and
// brings its schema up to date: its writing pool, and the read-only pool
// the web reads through.
func openRecord(ctx context.Context, dir, dbURL string) (db, rdb *recordDB, err error) {
	switch {
	case IsDatabaseURL(dbURL):
		return openPostgres(ctx, dbURL) // postgres.go
	case dbURL != "":
		return nil, nil, errors.New("the hub's database must be a postgres:// or postgresql:// URL, or none for the SQLite file in the data folder")
	}
	w, err := store.OpenSQLite(ctx, filepath.Join(dir, dbFile))
	if err != nil {
		return nil, nil, err
	}
	if _, err := store.Migrate(ctx, w, schema); err != nil {
		w.Close()
		return nil, nil, err
	}
	r, err := openReadDB(ctx, filepath.Join(dir, dbFile)) // readdb.go
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	return sqliteRecord(w), r, nil
}

// Blobs returns the hub's footage store.
func (h *Hub) Blobs() blobstore.Store { return h.blobs }

// Close closes the database and the uploads' locker.
func (h *Hub) Close() error {
	if h.ups != nil {
		h.ups.close()
	}
	rerr := h.rdb.Close()
	if err := h.db.Close(); err != nil {
		return err
	}
	return rerr
}

// PublicKey is the key checkpoints and receipts are signed with.
func (h *Hub) PublicKey() ed25519.PublicKey { return h.key.Public }

func loadOrCreateKey(path string, passphrase []byte, kdf evidence.KDFParams) (evidence.KeyPair, error) {
	if len(passphrase) == 0 {
		return evidence.KeyPair{}, errors.New("the hub key needs a passphrase (LAWTRAIL_HUB_PASSPHRASE)")
	}
	raw, err := os.ReadFile(path)
	if err == nil {
		sk, err := evidence.ParseSealedKey(raw)
		if err != nil {
			return evidence.KeyPair{}, fmt.Errorf("%s: %w", path, err)
		}
		k, err := sk.Unseal(passphrase)
		if err != nil {
			return evidence.KeyPair{}, fmt.Errorf("unlock hub key: %w", err)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return evidence.KeyPair{}, fmt.Errorf("read hub key: %w", err)
	}
	k, err := evidence.GenerateKeyPair(rand.Reader)
	if err != nil {
		return evidence.KeyPair{}, err
	}
	sk, err := evidence.Seal(k, "hub", k.ID(), passphrase, kdf, rand.Reader)
	if err != nil {
		return evidence.KeyPair{}, err
	}
	b, _ := json.MarshalIndent(sk, "", "  ")
	if err := writeFileSync(path, b); err != nil {
		return evidence.KeyPair{}, err
	}
	return k, nil
}

func writeFileSync(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.OpenFile(path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	f.Close()
	return os.Rename(path+".tmp", path)
}

// ensureCheckpoint signs a checkpoint of the empty log on first start, and
// signs the newest one again where it predates signed notes.
func (h *Hub) ensureCheckpoint(ctx context.Context) error {
	var n int
	if err := h.db.QueryRowContext(ctx, `SELECT count(*) FROM checkpoints WHERE size = (SELECT max(size) FROM checkpoints)
		AND body LIKE '%"note":"lawtrail/%'`).Scan(&n); err != nil {
		return fmt.Errorf("read checkpoints: %w", err)
	}
	if n > 0 {
		return nil
	}
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := h.signCheckpoint(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// signCheckpoint signs and stores the checkpoint of the log as it is in tx.
func (h *Hub) signCheckpoint(ctx context.Context, tx *recordTx) (protocol.Checkpoint, error) {
	size, err := logSize(ctx, tx)
	if err != nil {
		return protocol.Checkpoint{}, err
	}
	root, err := rootAt(ctx, tx, size)
	if err != nil {
		return protocol.Checkpoint{}, err
	}
	return h.signCheckpointOf(ctx, tx, size, root)
}

// signCheckpointOf signs and stores the checkpoint of the log of size
// with root, which the caller has from its appender in tx (every row
// flushed): a group's commit, without reading the log back.
func (h *Hub) signCheckpointOf(ctx context.Context, tx *recordTx, size uint64, root []byte) (protocol.Checkpoint, error) {
	var err error
	cp := protocol.Checkpoint{Size: size, Root: root, Time: h.now().UTC()}
	cp.Sig = h.key.Sign(cp.SignedBytes())
	if cp.Note, err = protocol.SignNote(size, root, h.key.Public, h.key.Sign); err != nil {
		return protocol.Checkpoint{}, fmt.Errorf("sign checkpoint note: %w", err)
	}
	b, _ := json.Marshal(cp)
	// A checkpoint signed before notes existed is signed again with one.
	if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (size, body) VALUES (?, ?)
		ON CONFLICT (size) DO UPDATE SET body = excluded.body WHERE checkpoints.body NOT LIKE '%"note":"lawtrail/%'`, size, string(b)); err != nil {
		return protocol.Checkpoint{}, fmt.Errorf("store checkpoint: %w", err)
	}
	return cp, nil
}

// latestCheckpoint returns the newest checkpoint.
func latestCheckpoint(ctx context.Context, q querier) (protocol.Checkpoint, error) {
	var body string
	if err := q.QueryRowContext(ctx, "SELECT body FROM checkpoints ORDER BY size DESC LIMIT 1").Scan(&body); err != nil {
		return protocol.Checkpoint{}, fmt.Errorf("latest checkpoint: %w", err)
	}
	var cp protocol.Checkpoint
	if err := json.Unmarshal([]byte(body), &cp); err != nil {
		return protocol.Checkpoint{}, fmt.Errorf("latest checkpoint: %w", err)
	}
	return cp, nil
}

var _ server.Backend = (*Hub)(nil)
