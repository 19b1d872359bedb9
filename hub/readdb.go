package hub

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"lawtrail/casework"
)

// openReadDB opens the hub's database a second time for reading only
// (query_only), with deferred transactions: under WAL a reader sees the last
// commit and never waits behind the write transactions of the sync path,
// which hold the other pool's connections.
func openReadDB(ctx context.Context, file string) (*recordDB, error) {
	db, err := sql.Open("sqlite", file+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)&_txlock=deferred")
	if err != nil {
		return nil, fmt.Errorf("open read connection %s: %w", file, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open read connection %s: %w", file, err)
	}
	// No statement cache (stmtcache.go): preparing a text for the pool
	// takes a connection of its own, and with all 8 in transactions that
	// each wanted one, none would come (TestReadTransactionsFillingThePool).
	return &recordDB{db: db, dialect: sqlite}, nil
}

// CardStatus is what the public credential check says of an officer.
type CardStatus string

// The states of a credential card.
const (
	CardValid        CardStatus = "valid"         // 有效
	CardExpired      CardStatus = "expired"       // 已过期: past its valid-until day
	CardRevoked      CardStatus = "revoked"       // 已注销: the officer was revoked
	CardNoCredential CardStatus = "no_credential" // 无执法证: staff without a credential number
)

// PublicCard is what the public may read of an officer from the QR of the
// credential card (DOMAIN P2): name, credential number, agency and status —
// no id-card or phone number, no role beyond being an enforcement officer,
// no revocation reason.
type PublicCard struct {
	Name         string
	CredentialNo string
	AgencyName   string
	ValidUntil   string // YYYY-MM-DD, "" for no end
	Status       CardStatus
}

// ErrNoCard is every token the hub cannot vouch for: malformed, forged,
// tampered, of an unknown or revoked terminal, of an officer it does not
// know. Callers must not tell these apart to the public.
var ErrNoCard = errors.New("no such credential card")

// CheckCard verifies a card token (casework.CardToken) with the pinned key
// of the terminal it names and reads the officer from the read model, as
// of now. It reads through the read-only connection.
func (h *Hub) CheckCard(ctx context.Context, token string) (PublicCard, error) {
	tok, sig, err := casework.ParseCardToken(token)
	if err != nil || !utf8.ValidString(tok.Terminal+tok.Officer+tok.Agency) { // PostgreSQL refuses such text outright
		return PublicCard{}, ErrNoCard
	}
	var pub []byte
	var hubAgency string
	var revokedAt sql.NullString
	err = h.rdb.QueryRowContext(ctx, "SELECT public_key, agency, revoked_at FROM terminals WHERE id = ?", tok.Terminal).Scan(&pub, &hubAgency, &revokedAt)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (revokedAt.Valid || !tok.Verify(pub, sig))) {
		return PublicCard{}, ErrNoCard
	}
	if err != nil {
		return PublicCard{}, fmt.Errorf("check card: %w", err)
	}
	var o casework.Officer
	var agencyName sql.NullString
	err = h.rdb.QueryRowContext(ctx, `SELECT o.name, o.credential_no, o.valid_until, o.revoked, a.name FROM rm_officers o
		LEFT JOIN rm_agencies a ON a.hub_agency = o.hub_agency AND a.agency = o.agency
		WHERE o.hub_agency = ? AND o.officer = ? AND o.agency = ?`, hubAgency, tok.Officer, tok.Agency).
		Scan(&o.Name, &o.CredentialNo, &o.ValidUntil, &o.Revoked, &agencyName)
	if errors.Is(err, sql.ErrNoRows) {
		return PublicCard{}, ErrNoCard
	}
	if err != nil {
		return PublicCard{}, fmt.Errorf("check card: %w", err)
	}
	c := PublicCard{Name: o.Name, CredentialNo: o.CredentialNo, AgencyName: agencyName.String, ValidUntil: o.ValidUntil}
	if c.AgencyName == "" {
		c.AgencyName = hubAgency // the name the agency's terminals were enrolled under
	}
	c.Status = cardStatus(o, h.now())
	return c, nil
}

// cardStatus is the state of o's credential card at now.
func cardStatus(o casework.Officer, now time.Time) CardStatus {
	switch {
	case o.Revoked:
		return CardRevoked
	case o.CredentialNo == "":
		return CardNoCredential
	case !o.CredentialValidAt(now):
		return CardExpired
	}
	return CardValid
}
