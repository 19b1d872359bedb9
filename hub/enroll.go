package hub

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"lawtrail/evidence"
	"lawtrail/sync/protocol"
	"lawtrail/sync/server"
)

// IssueCode makes a one-time enrollment code for agency, valid for ttl.
// Only the SHA-256 of the secret is kept.
func (h *Hub) IssueCode(ctx context.Context, url, agency string, ttl time.Duration) (protocol.EnrollCode, error) {
	if agency == "" || ttl <= 0 {
		return protocol.EnrollCode{}, errors.New("an agency and a positive ttl are required")
	}
	secret := make([]byte, 18)
	if _, err := rand.Read(secret); err != nil {
		return protocol.EnrollCode{}, err
	}
	s := base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(s))
	_, err := h.db.ExecContext(ctx, "INSERT INTO enroll_codes (code_hash, agency, expires_at) VALUES (?, ?, ?)",
		sum[:], agency, h.now().Add(ttl).UTC().Format(time.RFC3339Nano))
	if err != nil {
		return protocol.EnrollCode{}, fmt.Errorf("issue enrollment code: %w", err)
	}
	return protocol.EnrollCode{URL: url, Fingerprint: h.CertFingerprint(), Secret: s}, nil
}

// Enroll implements server.Backend: a valid, unused, unexpired code binds
// the key; a used or expired code is refused.
func (h *Hub) Enroll(ctx context.Context, secret string, key ed25519.PublicKey, name string) (protocol.EnrollResponse, error) {
	bad := func(msg string) (protocol.EnrollResponse, error) {
		return protocol.EnrollResponse{}, &protocol.Error{Code: protocol.CodeBadCode, Message: msg}
	}
	sum := sha256.Sum256([]byte(secret))
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return protocol.EnrollResponse{}, err
	}
	defer tx.Rollback()
	var agency, expires string
	var used sql.NullString
	err = tx.QueryRowContext(ctx, "SELECT agency, expires_at, used_at FROM enroll_codes WHERE code_hash = ?", sum[:]).Scan(&agency, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return bad("unknown enrollment code")
	}
	if err != nil {
		return protocol.EnrollResponse{}, err
	}
	if used.Valid {
		return bad("this enrollment code was used already")
	}
	if exp, _ := time.Parse(time.RFC3339Nano, expires); !h.now().Before(exp) {
		return bad("this enrollment code expired at " + expires)
	}
	id := evidence.KeyID(key)
	if strings.TrimSpace(name) == "" {
		name = id
	}
	now := h.now().UTC().Format(time.RFC3339Nano)
	if _, err := tx.ExecContext(ctx, "INSERT INTO terminals (id, public_key, name, agency, enrolled_at) VALUES (?, ?, ?, ?, ?)",
		id, []byte(key), name, agency, now); err != nil {
		if !isUniqueViolation(err) { // recorddb.go
			return protocol.EnrollResponse{}, fmt.Errorf("enroll terminal %s: %w", id, err)
		}
		return bad("terminal " + id + " is enrolled already")
	}
	if _, err := tx.ExecContext(ctx, "UPDATE enroll_codes SET used_at = ?, terminal = ? WHERE code_hash = ?", now, id, sum[:]); err != nil {
		return protocol.EnrollResponse{}, err
	}
	cp, err := latestCheckpoint(ctx, tx)
	if err != nil {
		return protocol.EnrollResponse{}, err
	}
	if err := tx.Commit(); err != nil {
		return protocol.EnrollResponse{}, err
	}
	// The terminal's feed starts with its own enrollment, signed by the hub.
	if err := h.Publish(ctx, id, "terminal.enrolled", map[string]string{"terminal": id, "agency": agency, "name": name, "at": now}); err != nil {
		return protocol.EnrollResponse{}, err
	}
	return protocol.EnrollResponse{Terminal: id, Agency: agency, HubKey: h.key.Public, Checkpoint: cp}, nil
}

// Revoke refuses a terminal from now on, at the handshake.
func (h *Hub) Revoke(ctx context.Context, terminal string) error {
	res, err := h.db.ExecContext(ctx, "UPDATE terminals SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
		h.now().UTC().Format(time.RFC3339Nano), terminal)
	if err != nil {
		return fmt.Errorf("revoke %s: %w", terminal, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke %s: no such enrolled, unrevoked terminal", terminal)
	}
	return nil
}

// Terminal implements server.Backend.
func (h *Hub) Terminal(ctx context.Context, id string) (server.Terminal, bool, error) {
	var t server.Terminal
	var pub []byte
	var revoked sql.NullString
	err := h.db.QueryRowContext(ctx, "SELECT id, public_key, agency, revoked_at FROM terminals WHERE id = ?", id).Scan(&t.ID, &pub, &t.Agency, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("read terminal %s: %w", id, err)
	}
	t.PublicKey, t.Revoked = ed25519.PublicKey(pub), revoked.Valid
	return t, true, nil
}

// verifyClient is the handshake check of a client certificate.
func (h *Hub) verifyClient(ctx context.Context, raw [][]byte, enrolling bool) error {
	if len(raw) == 0 {
		return errors.New("no client certificate")
	}
	cert, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return fmt.Errorf("client certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(ed25519.PublicKey)
	if !ok {
		return errors.New("client certificate: not an Ed25519 key")
	}
	if enrolling {
		return nil
	}
	t, found, err := h.Terminal(ctx, evidence.KeyID(pub))
	switch {
	case err != nil:
		return err
	case !found || !t.PublicKey.Equal(pub):
		return fmt.Errorf("terminal %s is not enrolled", evidence.KeyID(pub))
	case t.Revoked:
		return fmt.Errorf("terminal %s was revoked", t.ID)
	}
	return nil
}

// Reenroll registers a terminal key directly, without a code (an
// administrator moving a terminal between hub installations).
func (h *Hub) Reenroll(ctx context.Context, key ed25519.PublicKey, agency string) error {
	_, err := h.db.ExecContext(ctx, "INSERT INTO terminals (id, public_key, name, agency, enrolled_at) VALUES (?, ?, ?, ?, ?)",
		evidence.KeyID(key), []byte(key), evidence.KeyID(key), agency, h.now().UTC().Format(time.RFC3339Nano))
	return err
}
