package hub_test

import (
	"bytes"
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/hub"
	"lawtrail/hub/hubtest"
	"lawtrail/hub/postgrestest"
)

// accountsHub is a hub in dir at a clock the test moves.
type accountsHub struct {
	*hub.Hub
	dir   string
	clock *time.Time
}

func openAccountsHub(t *testing.T) *accountsHub {
	t.Helper()
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, casework.Shanghai)
	dir := t.TempDir()
	h, err := hub.Open(context.Background(), dir, []byte("hub passphrase"), hub.Options{KDF: hubtest.FastKDF, Now: func() time.Time { return clock },
		DB: postgrestest.HubDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return &accountsHub{Hub: h, dir: dir, clock: &clock}
}

// fastKDF keeps the tests quick; the default (64 MiB) is what the command uses.
var fastKDF = evidence.KDFParams{Time: 1, MemoryKiB: 1024, Threads: 1}

func (h *accountsHub) add(t *testing.T, name string, role hub.WebRole, agency, password string) {
	t.Helper()
	if err := h.AddWebUser(context.Background(), hub.NewWebUser{Name: name, Role: role, Agency: agency, Password: []byte(password), KDF: fastKDF}); err != nil {
		t.Fatal(err)
	}
}

// insider reads and changes the hub's database around its API, as someone
// with the file or the server's credentials would.
type insider struct{ h *hub.Hub }

func (h *accountsHub) rawDB(t *testing.T) insider { return insider{h.Hub} }

func (i insider) Exec(query string, args ...any) (sql.Result, error) {
	return i.h.InsiderExec(context.Background(), query, args...)
}

func (i insider) Query(query string, args ...any) (*sql.Rows, error) {
	return i.h.InsiderQuery(context.Background(), query, args...)
}

func (i insider) QueryRow(query string, args ...any) *sql.Row {
	return i.h.InsiderQueryRow(context.Background(), query, args...)
}

// The stored password is an argon2id PHC string that an independent
// argon2id computation verifies; the right password signs in, a wrong one,
// an unknown account and a disabled account are refused alike.
func TestWebPasswordHashAndSignIn(t *testing.T) {
	ctx := context.Background()
	h := openAccountsHub(t)
	h.add(t, "chen.sj", hub.WebSupervisor, "", "correct horse battery")
	h.add(t, "li-head", hub.WebHead, "某区市场监督管理局", "another long password")

	var stored string
	if err := h.rawDB(t).QueryRow("SELECT password FROM web_users WHERE name = 'chen.sj'").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(stored, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" || parts[3] != "m=1024,t=1,p=1" {
		t.Fatalf("stored hash %q", stored)
	}
	salt, _ := base64.RawStdEncoding.DecodeString(parts[4])
	key, _ := base64.RawStdEncoding.DecodeString(parts[5])
	if len(salt) != 16 || len(key) != 32 ||
		subtle.ConstantTimeCompare(argon2.IDKey([]byte("correct horse battery"), salt, 1, 1024, 1, 32), key) != 1 {
		t.Fatalf("the stored hash does not verify independently: %q", stored)
	}
	if strings.Contains(stored, "correct horse") {
		t.Fatal("the password is stored in clear")
	}

	s, err := h.WebSignIn(ctx, "chen.sj", []byte("correct horse battery"))
	if err != nil || s.User.Role != hub.WebSupervisor || s.User.Agency != "" || len(s.Token) != 43 {
		t.Fatalf("sign in: %+v %v", s, err)
	}
	if u, err := h.WebSessionUser(ctx, s.Token); err != nil || u.Name != "chen.sj" || u.Scope() != (hub.Scope{}) {
		t.Fatalf("session: %+v %v", u, err)
	}
	// The table holds the session's SHA-256, never the token.
	var ids [][]byte
	rows, _ := h.rawDB(t).Query("SELECT id_hash FROM web_sessions")
	for rows.Next() {
		var b []byte
		rows.Scan(&b)
		ids = append(ids, b)
	}
	rows.Close()
	if len(ids) != 1 || len(ids[0]) != 32 || bytes.Contains(ids[0], []byte(s.Token)) {
		t.Fatalf("stored session ids %x", ids)
	}

	if err := h.DisableWebUser(ctx, "li-head"); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string][2]string{
		"wrong password":   {"chen.sj", "correct horse batterY"},
		"unknown account":  {"nobody", "correct horse battery"},
		"disabled account": {"li-head", "another long password"},
		"empty":            {"", ""},
		"huge password":    {"chen.sj", strings.Repeat("x", 1<<20)},
	} {
		if _, err := h.WebSignIn(ctx, c[0], []byte(c[1])); !errors.Is(err, hub.ErrSignInFailed) {
			t.Errorf("%s: %v, want ErrSignInFailed", name, err)
		}
	}
	// Each sign-in is a new session (no fixation): two sign-ins, two tokens.
	s2, err := h.WebSignIn(ctx, "chen.sj", []byte("correct horse battery"))
	if err != nil || s2.Token == s.Token {
		t.Fatalf("second sign-in: %v, same token %v", err, s2.Token == s.Token)
	}
}

// Accounts are refused with a reason: an unknown role, a head without an
// agency, a short password, a bad name, a name taken.
func TestAddWebUserRefuses(t *testing.T) {
	h := openAccountsHub(t)
	h.add(t, "wang", hub.WebHead, "甲局", "twelve chars")
	for _, c := range []struct {
		u    hub.NewWebUser
		want error
	}{
		{hub.NewWebUser{Name: "a", Role: "admin", Agency: "甲局", Password: []byte("long enough password")}, hub.ErrBadWebRole},
		{hub.NewWebUser{Name: "a", Role: hub.WebHead, Password: []byte("long enough password")}, hub.ErrBadWebScope},
		{hub.NewWebUser{Name: "a", Role: hub.WebSupervisor, Password: []byte("elevenchars")}, hub.ErrWeakPassword},
		{hub.NewWebUser{Name: "a", Role: hub.WebSupervisor, Password: []byte("十一个字十一个字十一个")}, hub.ErrWeakPassword},
		{hub.NewWebUser{Name: "a", Role: hub.WebSupervisor, Password: bytes.Repeat([]byte("x"), hub.MaxWebPassword+1)}, hub.ErrLongPassword},
		{hub.NewWebUser{Name: `<script>alert(1)</script>`, Role: hub.WebSupervisor, Password: []byte("long enough password")}, hub.ErrBadWebUserName},
		{hub.NewWebUser{Name: strings.Repeat("n", 65), Role: hub.WebSupervisor, Password: []byte("long enough password")}, hub.ErrBadWebUserName},
		{hub.NewWebUser{Name: "wang", Role: hub.WebSupervisor, Password: []byte("long enough password"), KDF: fastKDF}, hub.ErrWebUserExists},
	} {
		if err := h.AddWebUser(context.Background(), c.u); !errors.Is(err, c.want) {
			t.Errorf("%q %q %q: %v, want %v", c.u.Name, c.u.Role, c.u.Password, err, c.want)
		}
	}
	users, err := h.WebUsers(context.Background())
	if err != nil || len(users) != 1 || users[0].Name != "wang" || users[0].Agency != "甲局" || users[0].Role != hub.WebHead {
		t.Fatalf("accounts: %+v %v", users, err)
	}
}

// A session ends 30 minutes after its last use and 12 hours after sign-in
// at the hub's clock, at sign-out, and when its account is disabled or its
// password changed.
func TestWebSessionsEnd(t *testing.T) {
	ctx := context.Background()
	h := openAccountsHub(t)
	h.add(t, "zhao", hub.WebSupervisor, "", "zhao's long password")
	signIn := func() string {
		t.Helper()
		s, err := h.WebSignIn(ctx, "zhao", []byte("zhao's long password"))
		if err != nil {
			t.Fatal(err)
		}
		return s.Token
	}
	alive := func(tok string) bool {
		t.Helper()
		_, err := h.WebSessionUser(ctx, tok)
		if err != nil && !errors.Is(err, hub.ErrNoWebSession) {
			t.Fatal(err)
		}
		return err == nil
	}

	idle := signIn()
	*h.clock = h.clock.Add(29 * time.Minute)
	if !alive(idle) {
		t.Fatal("ended before 30 idle minutes")
	}
	*h.clock = h.clock.Add(29 * time.Minute) // 58 minutes after sign-in, 29 after its last use
	if !alive(idle) {
		t.Fatal("a use did not move the idle end")
	}
	*h.clock = h.clock.Add(31 * time.Minute)
	if alive(idle) {
		t.Fatal("alive after 31 idle minutes")
	}

	long := signIn()
	for range 24 { // used every 29 minutes: 11 h 36 min
		*h.clock = h.clock.Add(29 * time.Minute)
		if !alive(long) {
			t.Fatal("ended before 12 hours")
		}
	}
	*h.clock = h.clock.Add(25 * time.Minute) // 12 h 01 min
	if alive(long) {
		t.Fatal("alive after 12 hours")
	}

	out := signIn()
	if err := h.WebSignOut(ctx, out); err != nil || alive(out) {
		t.Fatalf("signed out: %v, alive %v", err, alive(out))
	}
	changed := signIn()
	if err := h.SetWebPassword(ctx, "zhao", []byte("zhao's new long password"), fastKDF); err != nil || alive(changed) {
		t.Fatalf("password changed: %v, alive %v", err, alive(changed))
	}
	if _, err := h.WebSignIn(ctx, "zhao", []byte("zhao's long password")); !errors.Is(err, hub.ErrSignInFailed) {
		t.Fatalf("the old password: %v", err)
	}
	disabled := func() string {
		s, err := h.WebSignIn(ctx, "zhao", []byte("zhao's new long password"))
		if err != nil {
			t.Fatal(err)
		}
		return s.Token
	}()
	if err := h.DisableWebUser(ctx, "zhao"); err != nil || alive(disabled) {
		t.Fatalf("disabled: %v, alive %v", err, alive(disabled))
	}
	for _, tok := range []string{"", "x", strings.Repeat("A", 43), strings.Repeat("A", 1<<16)} {
		if alive(tok) {
			t.Errorf("token %.20q signs in", tok)
		}
	}
	if err := h.DisableWebUser(ctx, "nobody"); !errors.Is(err, hub.ErrNoWebUser) {
		t.Fatalf("disable an unknown account: %v", err)
	}
}

// Page views are recorded with who, when, what and the scope, listed
// newest first and by scope; the table refuses UPDATE and DELETE.
func TestWebViewsAppendOnly(t *testing.T) {
	ctx := context.Background()
	h := openAccountsHub(t)
	for i, v := range []hub.WebView{
		{User: "chen", Role: hub.WebSupervisor, Scope: "", Path: "/console/"},
		{User: "li", Role: hub.WebHead, Scope: "甲局", Path: "/console/overdue?agency=甲局"},
		{User: "chen", Role: hub.WebSupervisor, Scope: "乙局", Path: "/console/" + strings.Repeat("长", 2000)},
	} {
		*h.clock = h.clock.Add(time.Minute)
		if err := h.RecordWebView(ctx, v); err != nil {
			t.Fatalf("view %d: %v", i, err)
		}
	}
	all, total, err := h.WebViews(ctx, hub.WebViewQuery{})
	if err != nil || total != 3 || len(all) != 3 || all[0].Scope != "乙局" || all[2].Path != "/console/" || !all[2].At.Before(all[0].At) {
		t.Fatalf("views: %d %+v %v", total, all, err)
	}
	if len(all[0].Path) > 1024 || !strings.HasPrefix(all[0].Path, "/console/长") || !strings.HasSuffix(all[0].Path, "长") {
		t.Fatalf("a long path is kept as %d bytes %q…", len(all[0].Path), all[0].Path[:20])
	}
	mine, total, err := h.WebViews(ctx, hub.WebViewQuery{Agency: "甲局"})
	if err != nil || total != 1 || mine[0].User != "li" || !mine[0].At.Equal(time.Date(2026, 12, 1, 9, 2, 0, 0, casework.Shanghai)) {
		t.Fatalf("甲局's views: %d %+v %v", total, mine, err)
	}
	db := h.rawDB(t)
	for _, stmt := range []string{"UPDATE web_views SET name = 'someone else'", "DELETE FROM web_views", "DELETE FROM web_views WHERE id = 1"} {
		if _, err := db.Exec(stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", stmt, err)
		}
	}
	if _, total, _ := h.WebViews(ctx, hub.WebViewQuery{}); total != 3 {
		t.Fatalf("%d views after the refused changes", total)
	}
}
