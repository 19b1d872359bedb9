package hub

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"lawtrail/evidence"
)

// The supervision console's accounts and sessions (migration 0009). An
// account is a person of the district's 司法局 (supervisor) or an agency's
// head (head) who signs in on the hub's web with a name and a password;
// accounts are made by `lawtrail-hub user`, never by an event, and are not
// part of the record. What each signed-in person viewed is (web_views,
// append-only).
//
// Passwords are hashed with argon2id (RFC 9106) into a PHC-style string,
//
//	$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
//
// (salt 16 random bytes per password, hash 32 bytes, both unpadded standard
// base64). New hashes use evidence.DefaultKDFParams, RFC 9106's second
// recommended option: m=64 MiB, t=3, p=2. The parameters are stored in
// each hash, so raising them later leaves old hashes verifiable.
//
// A session is 32 random bytes (base64url in the cookie); the table keeps
// only their SHA-256, so a copy of the database signs no one in. A session
// ends 30 minutes after its last use or 12 hours after sign-in, whichever
// comes first, at the hub's clock; disabling an account or changing its
// password ends its sessions.

// WebRole is what a console account may see.
type WebRole string

// The console's roles.
const (
	// WebSupervisor is 执法监督 at the district's 司法局: the district, or
	// one agency.
	WebSupervisor WebRole = "supervisor"
	// WebHead is an agency's head (负责人): that agency only.
	WebHead WebRole = "head"
)

// Label is the role's Chinese name.
func (r WebRole) Label() string {
	switch r {
	case WebSupervisor:
		return "执法监督人员"
	case WebHead:
		return "执法机关负责人"
	}
	return string(r)
}

// Bounds of account names and passwords.
const (
	MinWebPassword = 12   // characters
	MaxWebPassword = 1024 // bytes: argon2 reads all of it
	MaxWebUserName = 64   // characters
)

// How long a console session lasts.
const (
	WebSessionIdle = 30 * time.Minute // since its last use
	WebSessionMax  = 12 * time.Hour   // since sign-in
)

// maxViewPath bounds the path a view record keeps.
const maxViewPath = 1024

// Errors of the console's accounts.
var (
	ErrWebUserExists  = errors.New("a console account of that name exists")
	ErrNoWebUser      = errors.New("no console account of that name")
	ErrBadWebRole     = errors.New("unknown role: want supervisor or head")
	ErrBadWebScope    = errors.New("a head sees one agency: give --agency ID (only a supervisor may see all)")
	ErrBadWebUserName = fmt.Errorf("an account name is 1 to %d letters, digits or . _ - @", MaxWebUserName)
	ErrWeakPassword   = fmt.Errorf("password too short: at least %d characters", MinWebPassword)
	ErrLongPassword   = fmt.Errorf("password too long: at most %d bytes", MaxWebPassword)
	// ErrSignInFailed is every refused sign-in alike: unknown account,
	// wrong password, disabled account.
	ErrSignInFailed = errors.New("wrong account name or password")
	// ErrNoWebSession is a session token that signs no one in: unknown,
	// expired, signed out, or of a disabled account.
	ErrNoWebSession = errors.New("no such session")
)

// WebUser is a console account.
type WebUser struct {
	Name     string
	Role     WebRole
	Agency   string // the hub agency it sees; "" for the district (a supervisor only)
	Disabled bool
	Created  time.Time
}

// Scope is what the account may see.
func (u WebUser) Scope() Scope { return Scope{Agency: u.Agency} }

// NewWebUser is an account to add.
type NewWebUser struct {
	Name     string
	Role     WebRole
	Agency   string // "" for the district: only a supervisor
	Password []byte
	KDF      evidence.KDFParams // zero: evidence.DefaultKDFParams
}

// WebSession is a signed-in session. Token goes into the cookie and is
// nowhere stored.
type WebSession struct {
	Token   string
	User    WebUser
	Expires time.Time // the absolute end; the idle end moves with each use
}

// WebView is one console page a person viewed or exported.
type WebView struct {
	At    time.Time
	User  string
	Role  WebRole
	Scope string // the agency viewed; "" for the district
	Path  string
}

// WebViewQuery selects view records, newest first.
type WebViewQuery struct {
	Agency string // "" for every record; else the records of that agency's scope
	Offset int
	Limit  int // 0 means 100; at most 1000
}

// webTime is how the account tables write times: UTC, fixed width, so text
// order is time order.
const webTime = "2006-01-02T15:04:05.000000000Z"

func formatWebTime(t time.Time) string { return t.UTC().Format(webTime) }

func parseWebTime(s string) (time.Time, error) { return time.Parse(webTime, s) }

// CheckWebAccount says whether an account of name, role and agency may
// be added, before a password is asked for.
func CheckWebAccount(name string, role WebRole, agency string) error {
	if err := checkWebUserName(name); err != nil {
		return err
	}
	switch role {
	case WebSupervisor:
	case WebHead:
		if agency == "" {
			return ErrBadWebScope
		}
	default:
		return fmt.Errorf("%w: %q", ErrBadWebRole, role)
	}
	return nil
}

func checkWebUserName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > MaxWebUserName || !utf8.ValidString(name) {
		return ErrBadWebUserName
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-@", r) {
			return ErrBadWebUserName
		}
	}
	return nil
}

// CheckWebPassword says whether a password is long enough (12
// characters) and not too long (1024 bytes).
func CheckWebPassword(p []byte) error {
	switch {
	case len(p) > MaxWebPassword:
		return ErrLongPassword
	case utf8.RuneCount(p) < MinWebPassword:
		return ErrWeakPassword
	}
	return nil
}

// AddWebUser adds a console account.
func (h *Hub) AddWebUser(ctx context.Context, u NewWebUser) error {
	if err := CheckWebAccount(u.Name, u.Role, u.Agency); err != nil {
		return err
	}
	if err := CheckWebPassword(u.Password); err != nil {
		return err
	}
	hash, err := hashWebPassword(u.Password, u.KDF)
	if err != nil {
		return err
	}
	_, err = h.db.ExecContext(ctx, `INSERT INTO web_users (name, role, agency, password, created) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, u.Name, string(u.Role), u.Agency, hash, formatWebTime(h.now()))
	if err != nil {
		return fmt.Errorf("add console account %s: %w", u.Name, err)
	}
	var stored string
	if err := h.db.QueryRowContext(ctx, "SELECT password FROM web_users WHERE name = ?", u.Name).Scan(&stored); err != nil {
		return fmt.Errorf("add console account %s: %w", u.Name, err)
	}
	if stored != hash {
		return fmt.Errorf("%w: %s", ErrWebUserExists, u.Name)
	}
	return nil
}

// WebUsers lists the console accounts by name.
func (h *Hub) WebUsers(ctx context.Context) ([]WebUser, error) {
	rows, err := h.db.QueryContext(ctx, "SELECT name, role, agency, disabled, created FROM web_users ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("console accounts: %w", err)
	}
	defer rows.Close()
	var out []WebUser
	for rows.Next() {
		var u WebUser
		var created string
		if err := rows.Scan(&u.Name, &u.Role, &u.Agency, &u.Disabled, &created); err != nil {
			return nil, fmt.Errorf("console accounts: %w", err)
		}
		if u.Created, err = parseWebTime(created); err != nil {
			return nil, fmt.Errorf("console account %s: %w", u.Name, err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// DisableWebUser disables an account and ends its sessions. An account is
// never deleted: the view records name it.
func (h *Hub) DisableWebUser(ctx context.Context, name string) error {
	return h.changeWebUser(ctx, name, "UPDATE web_users SET disabled = 1 WHERE name = ?", name)
}

// SetWebPassword replaces an account's password and ends its sessions.
func (h *Hub) SetWebPassword(ctx context.Context, name string, password []byte, kdf evidence.KDFParams) error {
	if err := CheckWebPassword(password); err != nil {
		return err
	}
	hash, err := hashWebPassword(password, kdf)
	if err != nil {
		return err
	}
	return h.changeWebUser(ctx, name, "UPDATE web_users SET password = ? WHERE name = ?", hash, name)
}

// changeWebUser runs update on the account and deletes its sessions, in
// one transaction.
func (h *Hub) changeWebUser(ctx context.Context, name, update string, args ...any) error {
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("console account %s: %w", name, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, update, args...)
	if err != nil {
		return fmt.Errorf("console account %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s", ErrNoWebUser, name)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM web_sessions WHERE name = ?", name); err != nil {
		return fmt.Errorf("console account %s: end sessions: %w", name, err)
	}
	return tx.Commit()
}

// WebSignIn checks a name and password and opens a new session (a new id
// at every sign-in: no session fixation). Every refusal is ErrSignInFailed
// and costs one password hash, so neither the answer nor its time tells
// whether the account exists. Each call hashes with the account's argon2id
// parameters (64 MiB by default): callers bound how many run at once.
func (h *Hub) WebSignIn(ctx context.Context, name string, password []byte) (WebSession, error) {
	if len(password) > MaxWebPassword || len(name) > 4*MaxWebUserName {
		return WebSession{}, ErrSignInFailed
	}
	var u WebUser
	var hash, created string
	err := h.db.QueryRowContext(ctx, "SELECT name, role, agency, password, disabled, created FROM web_users WHERE name = ?", name).
		Scan(&u.Name, &u.Role, &u.Agency, &hash, &u.Disabled, &created)
	if errors.Is(err, sql.ErrNoRows) {
		verifyWebPassword(dummyWebHash, password)
		return WebSession{}, ErrSignInFailed
	}
	if err != nil {
		return WebSession{}, fmt.Errorf("sign in: %w", err)
	}
	if ok := verifyWebPassword(hash, password); !ok || u.Disabled {
		return WebSession{}, ErrSignInFailed
	}
	if u.Created, err = parseWebTime(created); err != nil {
		return WebSession{}, fmt.Errorf("sign in: %w", err)
	}
	return h.openWebSession(ctx, u)
}

// dummyWebHash is verified against when the account does not exist, with
// the default parameters, so an unknown name costs what a known one does.
var dummyWebHash = encodeWebHash(evidence.DefaultKDFParams, make([]byte, 16), make([]byte, 32))

func (h *Hub) openWebSession(ctx context.Context, u WebUser) (WebSession, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return WebSession{}, fmt.Errorf("sign in: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := h.now()
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return WebSession{}, fmt.Errorf("sign in: %w", err)
	}
	defer tx.Rollback()
	// Sessions past either end are removed as new ones open.
	if _, err := tx.ExecContext(ctx, "DELETE FROM web_sessions WHERE last_seen < ? OR created < ?",
		formatWebTime(now.Add(-WebSessionIdle)), formatWebTime(now.Add(-WebSessionMax))); err != nil {
		return WebSession{}, fmt.Errorf("sign in: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO web_sessions (id_hash, name, created, last_seen) VALUES (?, ?, ?, ?)",
		sessionHash(token), u.Name, formatWebTime(now), formatWebTime(now)); err != nil {
		return WebSession{}, fmt.Errorf("sign in: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return WebSession{}, fmt.Errorf("sign in: %w", err)
	}
	return WebSession{Token: token, User: u, Expires: now.Add(WebSessionMax)}, nil
}

func sessionHash(token string) []byte {
	s := sha256.Sum256([]byte(token))
	return s[:]
}

// WebSessionUser is the account a session token signs in, at the hub's
// clock; using it moves the session's idle end. A session past either end
// is deleted.
func (h *Hub) WebSessionUser(ctx context.Context, token string) (WebUser, error) {
	if len(token) != base64.RawURLEncoding.EncodedLen(32) {
		return WebUser{}, ErrNoWebSession
	}
	id := sessionHash(token)
	var u WebUser
	var created, seen, userCreated string
	err := h.db.QueryRowContext(ctx, `SELECT s.created, s.last_seen, u.name, u.role, u.agency, u.disabled, u.created
		FROM web_sessions s JOIN web_users u ON u.name = s.name WHERE s.id_hash = ?`, id).
		Scan(&created, &seen, &u.Name, &u.Role, &u.Agency, &u.Disabled, &userCreated)
	if errors.Is(err, sql.ErrNoRows) {
		return WebUser{}, ErrNoWebSession
	}
	if err != nil {
		return WebUser{}, fmt.Errorf("session: %w", err)
	}
	now := h.now()
	began, err1 := parseWebTime(created)
	last, err2 := parseWebTime(seen)
	u.Created, _ = parseWebTime(userCreated)
	if err := errors.Join(err1, err2); err != nil {
		return WebUser{}, fmt.Errorf("session: %w", err)
	}
	if u.Disabled || now.Sub(last) > WebSessionIdle || now.Sub(began) > WebSessionMax {
		if _, err := h.db.ExecContext(ctx, "DELETE FROM web_sessions WHERE id_hash = ?", id); err != nil {
			return WebUser{}, fmt.Errorf("end session: %w", err)
		}
		return WebUser{}, ErrNoWebSession
	}
	if _, err := h.db.ExecContext(ctx, "UPDATE web_sessions SET last_seen = ? WHERE id_hash = ?", formatWebTime(now), id); err != nil {
		return WebUser{}, fmt.Errorf("session: %w", err)
	}
	return u, nil
}

// WebSignOut ends a session; an unknown token is no error.
func (h *Hub) WebSignOut(ctx context.Context, token string) error {
	if _, err := h.db.ExecContext(ctx, "DELETE FROM web_sessions WHERE id_hash = ?", sessionHash(token)); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// RecordWebView records that v.User viewed v.Path in v.Scope, at the hub's
// clock (v.At is ignored). A path longer than 1024 bytes is cut.
func (h *Hub) RecordWebView(ctx context.Context, v WebView) error {
	path := v.Path
	if len(path) > maxViewPath {
		path = strings.ToValidUTF8(path[:maxViewPath], "")
	}
	if _, err := h.db.ExecContext(ctx, "INSERT INTO web_views (at, name, role, scope, path) VALUES (?, ?, ?, ?, ?)",
		formatWebTime(h.now()), v.User, string(v.Role), v.Scope, path); err != nil {
		return fmt.Errorf("record view: %w", err)
	}
	return nil
}

// WebViews lists view records, newest first, and how many match in all. It
// reads through the read-only connection.
func (h *Hub) WebViews(ctx context.Context, q WebViewQuery) ([]WebView, int, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit, q.Offset = min(q.Limit, 1000), max(q.Offset, 0)
	where, args := "", []any{}
	if q.Agency != "" {
		where, args = " WHERE scope = ?", append(args, q.Agency)
	}
	var total int
	if err := h.rdb.QueryRowContext(ctx, "SELECT count(*) FROM web_views"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("view records: %w", err)
	}
	rows, err := h.rdb.QueryContext(ctx, "SELECT at, name, role, scope, path FROM web_views"+where+" ORDER BY id DESC LIMIT ? OFFSET ?",
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("view records: %w", err)
	}
	defer rows.Close()
	var out []WebView
	for rows.Next() {
		var v WebView
		var at string
		if err := rows.Scan(&at, &v.User, &v.Role, &v.Scope, &v.Path); err != nil {
			return nil, 0, fmt.Errorf("view records: %w", err)
		}
		if v.At, err = parseWebTime(at); err != nil {
			return nil, 0, fmt.Errorf("view records: %w", err)
		}
		out = append(out, v)
	}
	return out, total, rows.Err()
}

// hashWebPassword hashes password with argon2id and a new random salt.
func hashWebPassword(password []byte, p evidence.KDFParams) (string, error) {
	if p == (evidence.KDFParams{}) {
		p = evidence.DefaultKDFParams
	}
	if err := checkWebKDF(p); err != nil {
		return "", err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	return encodeWebHash(p, salt, argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, 32)), nil
}

func encodeWebHash(p evidence.KDFParams, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Bounds a stored hash's parameters must respect, so a damaged row cannot
// make a sign-in allocate gigabytes or run for minutes.
const (
	maxWebKDFMemoryKiB = 1 << 20
	maxWebKDFTime      = 64
	maxWebKDFThreads   = 16
)

func checkWebKDF(p evidence.KDFParams) error {
	if p.Time < 1 || p.Time > maxWebKDFTime || p.Threads < 1 || p.Threads > maxWebKDFThreads ||
		p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxWebKDFMemoryKiB {
		return fmt.Errorf("argon2id parameters out of bounds: m=%d t=%d p=%d", p.MemoryKiB, p.Time, p.Threads)
	}
	return nil
}

// parseWebHash reads a PHC-style argon2id string.
func parseWebHash(s string) (p evidence.KDFParams, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errors.New("not an argon2id hash")
	}
	var m, t, th uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, perr := strconv.ParseUint(v, 10, 32)
		if perr != nil {
			return p, nil, nil, fmt.Errorf("argon2id parameter %q: %w", kv, perr)
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			th = n
		default:
			return p, nil, nil, fmt.Errorf("argon2id parameter %q", kv)
		}
	}
	if th > maxWebKDFThreads {
		return p, nil, nil, fmt.Errorf("argon2id threads %d", th)
	}
	p = evidence.KDFParams{Time: uint32(t), MemoryKiB: uint32(m), Threads: uint8(th)}
	if err := checkWebKDF(p); err != nil {
		return p, nil, nil, err
	}
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errors.New("argon2id salt")
	}
	if key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errors.New("argon2id hash")
	}
	return p, salt, key, nil
}

// verifyWebPassword says whether password hashes to the stored hash,
// comparing in constant time. A hash it cannot read verifies nothing.
func verifyWebPassword(stored string, password []byte) bool {
	p, salt, key, err := parseWebHash(stored)
	if err != nil {
		return false
	}
	got := argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}
