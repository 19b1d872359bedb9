package protocol

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"lawtrail/evidence"
)

// Version is the protocol version in every path.
const Version = "v1"

// Paths of the hub's endpoints.
const (
	PathEnroll     = "/v1/enroll"
	PathState      = "/v1/state"
	PathEvents     = "/v1/events"
	PathBlobs      = "/v1/blobs/" // tus: POST to create, HEAD/PATCH on the upload URL
	PathReceipt    = "/v1/receipts/"
	PathCheckpoint = "/v1/checkpoint"
	PathFeed       = "/v1/feed"
)

// ServerName values the terminal sends (TLS SNI): enrollment connections
// come from keys the hub does not know yet; all others must be enrolled.
const (
	ServerNameHub    = "hub.lawtrail"
	ServerNameEnroll = "enroll.lawtrail"
)

// Limits the hub enforces on requests.
const (
	MaxBatchEvents = 500
	MaxRequestBody = 16 << 20
	MaxBlobSize    = 64 << 30
)

// EnrollRequest is sent with a one-time code over a connection whose client
// certificate carries the terminal's key.
type EnrollRequest struct {
	Code         string `json:"code"`
	TerminalName string `json:"terminal_name"`
}

// EnrollResponse tells the terminal who the hub is.
type EnrollResponse struct {
	Terminal   string     `json:"terminal"`
	Agency     string     `json:"agency"`
	HubKey     []byte     `json:"hub_key"` // Ed25519 public key signing checkpoints and receipts
	Checkpoint Checkpoint `json:"checkpoint"`
}

// State is the handshake: what the hub holds for the asking terminal.
type State struct {
	Terminal   string            `json:"terminal"`
	LastSeq    uint64            `json:"last_seq"`
	LastHash   evidence.Digest   `json:"last_hash"`
	NeedBlobs  []evidence.Digest `json:"need_blobs"` // named by accepted events, not yet received
	Checkpoint Checkpoint        `json:"checkpoint"`
	// Features the hub offers beyond version 1's first form
	// (FeatureRangeProof); a terminal ignores those it does not know.
	Features []string `json:"features,omitempty"`
}

// EventBatch carries events of one terminal, gapless from LastSeq+1.
// KnownSize is the size of the last checkpoint the terminal keeps, so the
// hub can prove the new one consistent with it.
type EventBatch struct {
	Events    []evidence.Event `json:"events"`
	KnownSize uint64           `json:"known_size"`
	// RangeProof asks for one BatchRange instead of an inclusion proof
	// for each event (rangeproof.go): only of a hub that offers
	// FeatureRangeProof, as an older hub refuses a field it does not know.
	RangeProof bool `json:"range_proof,omitempty"`
}

// Accepted is one event's place in the hub's log.
type Accepted struct {
	Seq       uint64   `json:"seq"`
	LogIndex  uint64   `json:"log_index"`
	Inclusion [][]byte `json:"inclusion"` // proof against BatchResult.Checkpoint
	Duplicate bool     `json:"duplicate,omitempty"`
}

// BatchResult answers an EventBatch.
type BatchResult struct {
	Accepted    []Accepted `json:"accepted"`
	LastSeq     uint64     `json:"last_seq"`
	Checkpoint  Checkpoint `json:"checkpoint"`
	Consistency [][]byte   `json:"consistency"` // from KnownSize to Checkpoint.Size
	// Range, given when the batch asked, proves the new events together:
	// an Accepted it covers carries no Inclusion of its own.
	Range *BatchRange `json:"range,omitempty"`
}

// Receipt is the hub's signed statement that it holds a blob, verified.
type Receipt struct {
	Digest   evidence.Digest `json:"digest"`
	Size     int64           `json:"size"`
	Terminal string          `json:"terminal"`
	Time     time.Time       `json:"time"`
	LogIndex uint64          `json:"log_index"`
	Sig      []byte          `json:"sig"`
	// CheckpointSize and Inclusion, when asked for with ?size=, prove the
	// receipt's leaf (its signed bytes) is at LogIndex in the log of that
	// size. They are not part of the signed bytes.
	CheckpointSize uint64   `json:"checkpoint_size,omitempty"`
	Inclusion      [][]byte `json:"inclusion,omitempty"`
}

// SignedBytes are the bytes the hub signs for a receipt.
func (r Receipt) SignedBytes() []byte {
	return []byte(fmt.Sprintf("lawtrail-receipt/v1\n%s\n%d\n%s\n%s\n%d\n",
		r.Digest, r.Size, r.Terminal, r.Time.UTC().Format(time.RFC3339Nano), r.LogIndex))
}

// Verify checks the receipt's signature under the hub key.
func (r Receipt) Verify(hubKey ed25519.PublicKey) error {
	if len(hubKey) != ed25519.PublicKeySize || !ed25519.Verify(hubKey, r.SignedBytes(), r.Sig) {
		return fmt.Errorf("receipt for %s: %w", r.Digest, ErrBadHubSignature)
	}
	return nil
}

// Checkpoint is a signed statement of the hub log's size and root hash.
type Checkpoint struct {
	Size uint64    `json:"size"`
	Root []byte    `json:"root"`
	Time time.Time `json:"time"`
	Sig  []byte    `json:"sig"`
	// Note is the same size and root as a C2SP signed note (see note.go),
	// which standard log and witness tools verify.
	Note string `json:"note"`
}

// SignedBytes are the bytes the hub signs for a checkpoint.
func (c Checkpoint) SignedBytes() []byte {
	return []byte(fmt.Sprintf("lawtrail-checkpoint/v1\n%d\n%x\n%s\n", c.Size, c.Root, c.Time.UTC().Format(time.RFC3339Nano)))
}

// Verify checks the checkpoint's signature (which covers its time) and its
// signed note (which states the same size and root) under the hub key.
func (c Checkpoint) Verify(hubKey ed25519.PublicKey) error {
	if len(hubKey) != ed25519.PublicKeySize || !ed25519.Verify(hubKey, c.SignedBytes(), c.Sig) {
		return fmt.Errorf("checkpoint of size %d: %w", c.Size, ErrBadHubSignature)
	}
	return c.verifyNoteMatches(hubKey)
}

// ConsistencyAnswer answers GET /v1/checkpoint?from=N.
type ConsistencyAnswer struct {
	Checkpoint  Checkpoint `json:"checkpoint"`
	Consistency [][]byte   `json:"consistency"`
}

// FeedItem is a hub-originated event for the terminal (enrollment,
// configuration, later review opinions), in cursor order.
type FeedItem struct {
	Cursor uint64          `json:"cursor"`
	Type   string          `json:"type"`
	Time   time.Time       `json:"time"`
	Body   json.RawMessage `json:"body"`
	Sig    []byte          `json:"sig"` // hub signature over Body
}

// Feed answers GET /v1/feed?after=N.
type Feed struct {
	Items []FeedItem `json:"items"`
	Next  uint64     `json:"next"`
}

// ErrBadHubSignature is a checkpoint or receipt not signed by the pinned hub.
var ErrBadHubSignature = errors.New("not signed by the hub")

// Error is every refusal the hub sends: an HTTP status and this body.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Seq     uint64 `json:"seq,omitempty"`
}

func (e *Error) Error() string {
	if e.Seq > 0 {
		return fmt.Sprintf("hub refused (%s) at seq %d: %s", e.Code, e.Seq, e.Message)
	}
	return fmt.Sprintf("hub refused (%s): %s", e.Code, e.Message)
}

// Error codes.
const (
	CodeMalformed = "malformed" // a request or event body that does not parse
	// CodeAlreadyReceived refuses an upload of bytes the hub holds: the
	// terminal has a receipt for them (ask for it), none are sent again.
	CodeAlreadyReceived = "already_received"
	CodeTooLarge        = "too_large"       // a request over the limits above
	CodeBadSignature    = "bad_signature"   // an event not signed by its terminal (or officer)
	CodeBrokenChain     = "broken_chain"    // prev does not link to the hub's last event
	CodeGap             = "gap"             // the batch does not start at last_seq+1 or skips
	CodeFork            = "fork"            // a known seq with another body: quarantined
	CodeWrongTerminal   = "wrong_terminal"  // an event of another terminal in this connection
	CodeNotEnrolled     = "not_enrolled"    // the client key is not an enrolled terminal
	CodeRevoked         = "revoked"         // the terminal was revoked
	CodeBadCode         = "bad_code"        // enrollment code unknown, used or expired
	CodeUnnamedBlob     = "unnamed_blob"    // a blob no accepted event of this terminal names
	CodeDigestMismatch  = "digest_mismatch" // uploaded bytes do not hash to the named digest
	CodeNotFound        = "not_found"
	// CodeDeleted answers a fetch of footage its agency deleted
	// (footage.deleted, HTTP 410 Gone): the bytes are gone for good, the
	// record of them stays.
	CodeDeleted  = "deleted"
	CodeInternal = "internal"
)

// ParseUint reads a query parameter that must be a non-negative integer.
func ParseUint(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.ParseUint(strings.TrimSpace(s), 10, 64)
}
