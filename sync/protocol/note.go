package protocol

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"lawtrail/evidence"
)

// Checkpoints are also written in the C2SP signed-note format
// (c2sp.org/tlog-checkpoint, c2sp.org/signed-note), so off-the-shelf log,
// witness and monitor tools read them:
//
//	lawtrail/<hub key id>
//	<size>
//	<base64 of the 32-byte RFC 6962 root>
//
//	— lawtrail/<hub key id> <base64 of 4-byte key hash ‖ 64-byte Ed25519 signature>
//
// The signature is plain Ed25519 over the text above the blank line (three
// lines, each ending in a newline); the key hash is the first 4 bytes of
// SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key). No extension lines.

// LogOrigin is the origin line of the hub's checkpoints: it names the log
// by the hub key's id.
func LogOrigin(hubKey ed25519.PublicKey) string {
	return "lawtrail/" + evidence.KeyID(hubKey)
}

// NoteVerifierKey is the hub key in the signed-note verifier form
// (<name>+<hex key hash>+<base64 of 0x01 ‖ key>) that note tools take.
func NoteVerifierKey(hubKey ed25519.PublicKey) (string, error) {
	return note.NewEd25519VerifierKey(LogOrigin(hubKey), hubKey)
}

// CheckpointText is the checkpoint body a note signs.
func CheckpointText(origin string, size uint64, root []byte) []byte {
	return []byte(fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root)))
}

// noteSigner signs a note with the hub's key pair.
type noteSigner struct {
	name string
	hash uint32
	sign func([]byte) []byte
}

func (s noteSigner) Name() string                    { return s.name }
func (s noteSigner) KeyHash() uint32                 { return s.hash }
func (s noteSigner) Sign(msg []byte) ([]byte, error) { return s.sign(msg), nil }

// SignNote writes the checkpoint as a signed note under the hub key.
func SignNote(size uint64, root []byte, pub ed25519.PublicKey, sign func([]byte) []byte) (string, error) {
	vkey, err := NoteVerifierKey(pub)
	if err != nil {
		return "", err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return "", err
	}
	origin := LogOrigin(pub)
	b, err := note.Sign(&note.Note{Text: string(CheckpointText(origin, size, root))}, noteSigner{origin, v.KeyHash(), sign})
	return string(b), err
}

// ErrBadNote is a signed note that does not verify or does not say what the
// checkpoint beside it says.
var ErrBadNote = errors.New("checkpoint note does not verify")

// VerifyNote opens a signed-note checkpoint under the hub key and returns
// its size and root.
func VerifyNote(signed string, hubKey ed25519.PublicKey) (uint64, []byte, error) {
	if len(signed) > 4096 {
		return 0, nil, fmt.Errorf("%w: %d bytes", ErrBadNote, len(signed))
	}
	vkey, err := NoteVerifierKey(hubKey)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", ErrBadNote, err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", ErrBadNote, err)
	}
	n, err := note.Open([]byte(signed), note.VerifierList(v))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", ErrBadNote, err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[3] != "" || lines[0] != LogOrigin(hubKey) {
		return 0, nil, fmt.Errorf("%w: not a three-line checkpoint of log %s", ErrBadNote, LogOrigin(hubKey))
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return 0, nil, fmt.Errorf("%w: size %q", ErrBadNote, lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return 0, nil, fmt.Errorf("%w: root %q", ErrBadNote, lines[2])
	}
	return size, root, nil
}

// verifyNoteMatches checks the checkpoint's note under the hub key and
// that it states the same size and root as the checkpoint.
func (c Checkpoint) verifyNoteMatches(hubKey ed25519.PublicKey) error {
	size, root, err := VerifyNote(c.Note, hubKey)
	if err != nil {
		return fmt.Errorf("checkpoint of size %d: %w", c.Size, err)
	}
	if size != c.Size || !bytes.Equal(root, c.Root) {
		return fmt.Errorf("checkpoint of size %d: %w: the note says size %d", c.Size, ErrBadNote, size)
	}
	return nil
}
