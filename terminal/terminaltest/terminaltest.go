// Package terminaltest sets up terminals for tests of any package: a real
// data folder with its first admin, opened through the action layer, with
// cheap key sealing and a clock the test controls.
package terminaltest

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/terminal"
)

// KDF seals keys cheaply; never use it outside tests.
var KDF = evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

// The first officer of every fixture, and the secrets.
const (
	Passphrase = "terminal passphrase"
	AdminID    = "o-001"
	AdminName  = "张三"
	AdminCred  = "35010000001"
	AdminPIN   = "135790"
	Agency     = "某区市场监督管理局"
)

// Fixture is a terminal in a temporary folder with its admin logged in.
type Fixture struct {
	Dir      string
	Terminal *terminal.Terminal
	Desk     *terminal.Desk
	Admin    *terminal.Session
	Clock    *Clock
}

// Clock is a settable terminal clock that ticks a second per reading.
type Clock struct{ T time.Time }

// Now returns the time and moves it on by a second.
func (c *Clock) Now() time.Time { c.T = c.T.Add(time.Second); return c.T }

// New creates a terminal whose first officer 张三 (o-001) is admin, officer
// and clerk, unlocks it and logs the admin in.
func New(t testing.TB) *Fixture {
	t.Helper()
	return NewIn(t, t.TempDir(), "采集站-1")
}

// NewIn is New in dir, with the terminal named name.
func NewIn(t testing.TB, dir, name string) *Fixture {
	t.Helper()
	ctx := context.Background()
	err := terminal.Init(ctx, dir, store.TerminalSetup{
		TerminalName: name, AgencyName: Agency, OfficerID: AdminID, OfficerName: AdminName, CredentialNo: AdminCred,
		Roles:      []casework.Role{casework.RoleAdmin, casework.RoleOfficer, casework.RoleClerk},
		Passphrase: []byte(Passphrase), PIN: []byte(AdminPIN), KDF: KDF, Rand: rand.Reader,
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &Fixture{Dir: dir, Clock: &Clock{T: time.Date(2026, 11, 20, 9, 0, 0, 0, casework.Shanghai)}}
	f.Reopen(t)
	return f
}

// Reopen closes the terminal and opens it again (a restart), logging the
// admin back in.
func (f *Fixture) Reopen(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	if f.Terminal != nil {
		f.Terminal.Close()
	}
	tm, err := terminal.Open(ctx, f.Dir, terminal.Options{Now: f.Clock.Now, KDF: KDF, Passphrase: []byte(Passphrase)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tm.Close() })
	desk, err := tm.Desk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := desk.Login(ctx, AdminID, []byte(AdminPIN))
	if err != nil {
		t.Fatal(err)
	}
	f.Terminal, f.Desk, f.Admin = tm, desk, admin
}

// Enroll enrolls an officer with the given roles and PIN, by the admin.
func (f *Fixture) Enroll(t testing.TB, id, name, credential, pin string, roles ...casework.Role) {
	t.Helper()
	if _, err := f.Admin.EnrollOfficer(context.Background(), terminal.NewOfficer{ID: id, Name: name, CredentialNo: credential,
		Roles: roles, PIN: []byte(pin)}); err != nil {
		t.Fatal(err)
	}
}

// Login logs officer id in with pin.
func (f *Fixture) Login(t testing.TB, id, pin string) *terminal.Session {
	t.Helper()
	s, err := f.Desk.Login(context.Background(), id, []byte(pin))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
