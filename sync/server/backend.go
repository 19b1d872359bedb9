package server

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
)

// Terminal is an enrolled terminal as the hub knows it.
type Terminal struct {
	ID        string
	PublicKey ed25519.PublicKey
	Agency    string
	Revoked   bool
}

// Verified is an event that passed every check, ready to store.
type Verified struct {
	Event evidence.Event
	Body  evidence.Body
}

// Backend is what the handler needs of the hub.
type Backend interface {
	// Terminal looks up a terminal by id.
	Terminal(ctx context.Context, id string) (Terminal, bool, error)
	// Enroll spends a one-time code on a terminal key.
	Enroll(ctx context.Context, code string, key ed25519.PublicKey, name string) (protocol.EnrollResponse, error)
	// State answers the handshake.
	State(ctx context.Context, terminal string) (protocol.State, error)
	// Head returns the terminal's last stored sequence number and hash.
	Head(ctx context.Context, terminal string) (uint64, evidence.Digest, error)
	// OfficerKeys returns the officer keys the terminal's accepted events enrolled.
	OfficerKeys(ctx context.Context, terminal string) (map[string]ed25519.PublicKey, error)
	// EventHash returns the hash of the terminal's stored event seq.
	EventHash(ctx context.Context, terminal string, seq uint64) (evidence.Digest, bool, error)
	// Quarantine keeps a fork apart, never applied.
	Quarantine(ctx context.Context, terminal string, ev evidence.Event, body evidence.Body) error
	// Append stores events (the next of the terminal's chain) atomically,
	// adds them to the log and returns their log indexes, a new signed
	// checkpoint, and the inclusion proofs (one range proof for the new
	// events when rangeProof, protocol.BatchRange) and the consistency
	// proof from knownSize.
	Append(ctx context.Context, terminal string, events []Verified, knownSize uint64, rangeProof bool) (protocol.BatchResult, error)
	// BlobNamed reports whether an accepted event of terminal names digest,
	// and whether the hub already holds it.
	BlobNamed(ctx context.Context, terminal string, digest evidence.Digest) (named, held bool, err error)
	// StoreUpload makes the finished tus upload uploadID blob digest: it
	// re-hashes the upload's bytes against digest, keeps them in the
	// footage store, logs them and signs a receipt. When they do not hash
	// to digest it stores nothing, removes the upload and returns an
	// error wrapping ErrDigestMismatch.
	StoreUpload(ctx context.Context, terminal string, digest evidence.Digest, uploadID string) (protocol.Receipt, error)
	// GrantHeldReceipt gives terminal its own receipt for a blob the hub
	// already holds (uploaded by another terminal), when size matches;
	// found is false when no such blob is held.
	GrantHeldReceipt(ctx context.Context, terminal string, digest evidence.Digest, size int64) (protocol.Receipt, bool, error)
	// Receipt returns the receipt of a blob for the terminal.
	Receipt(ctx context.Context, terminal string, digest evidence.Digest) (protocol.Receipt, bool, error)
	// InclusionProof proves leaf index is in the log of size (at most the
	// log's size now).
	InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error)
	// Consistency returns the latest checkpoint and a proof from size.
	Consistency(ctx context.Context, from uint64) (protocol.ConsistencyAnswer, error)
	// Feed returns hub-originated items for the terminal after cursor.
	Feed(ctx context.Context, terminal string, after uint64, limit int) (protocol.Feed, error)
	// HeldEvents returns the terminal's accepted events after seq (at most
	// limit), verbatim, with inclusion proofs against the log of size (0:
	// the latest checkpoint's).
	HeldEvents(ctx context.Context, terminal string, after uint64, limit int, size uint64) (protocol.HeldEvents, error)
	// RecordDivergence records a divergence the terminal reported and
	// quarantines those of its (signature-checked) events that are not
	// the hub's and do not continue the hub's chain.
	RecordDivergence(ctx context.Context, terminal string, rep protocol.DivergenceReport, events []Verified) (protocol.DivergenceRecorded, error)
	// OpenAgencyBlob opens a blob the hub holds for terminal to fetch: one a
	// terminal of terminal's agency sent (it holds the receipt); found is
	// false for any other digest, whether held or not (blobfetch.go).
	OpenAgencyBlob(ctx context.Context, terminal string, digest evidence.Digest) (blob io.ReadSeekCloser, found bool, err error)
	// Uploads is where tus keeps uploads in progress, beside the footage
	// store (so a finished upload moves in without crossing a network
	// twice), and the locker that keeps two requests for one upload, from
	// any hub process, from writing it at once.
	Uploads() (UploadStore, error)
	// Timestamps returns the TSA tokens of checkpoints larger than after,
	// by size, at most limit (timestamps.go).
	Timestamps(ctx context.Context, after uint64, limit int) (protocol.Timestamps, error)
	// AgencyEvents returns the accepted events of the other terminals of
	// terminal's agency with log index ≥ from, below the checkpoint of size
	// (0: the latest), at most limit, with inclusion proofs against it
	// (writer not empty: that writer's only) (agencyfeed.go).
	AgencyEvents(ctx context.Context, terminal string, from uint64, limit int, size uint64, writer string) (protocol.AgencyEvents, error)
}

// UploadStore puts a tusd data store (with its extensions) and a locker
// in a composer: tusd's file store in a folder, or its S3 store.
type UploadStore interface {
	UseIn(composer *tusd.StoreComposer)
}

// ErrDigestMismatch is a finished upload whose bytes do not hash to the
// digest it was created for (Backend.StoreUpload).
var ErrDigestMismatch = errors.New("the uploaded bytes do not hash to the upload's digest")
