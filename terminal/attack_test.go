package terminal_test

import (
	"context"
	"strings"
	"testing"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/terminal"
	"lawtrail/terminal/terminaltest"
)

// sqlite edits a terminal's sealed database as an insider with the data
// folder and the passphrase would.
func sqlite(t *testing.T, dir, sql string) {
	t.Helper()
	terminaltest.InsiderSQL(t, dir, terminaltest.Passphrase, sql)
}

// An insider with the data folder and sqlite3 gives a clerk the officer role
// (or lifts a revocation) in the derived tables and acts: the append reads
// the edited tables, but check replays the rules over the signed events and
// names the act the rules refuse, and the edited rows.
func TestEditedRolesAreExposedByCheck(t *testing.T) {
	ctx := context.Background()
	f := terminaltest.New(t)
	f.Enroll(t, "o-003", "赵六", "35010000003", "975310", casework.RoleClerk)
	f.Enroll(t, "o-002", "李四", "35010000002", liPIN, casework.RoleOfficer)
	if err := f.Admin.RevokeOfficer(ctx, "o-002", "离职"); err != nil {
		t.Fatal(err)
	}
	sqlite(t, f.Dir, `UPDATE officers SET roles = 'clerk,officer' WHERE id = 'o-003';
		UPDATE officers SET revoked_at = NULL WHERE id = 'o-002';`)
	clerk := f.Login(t, "o-003", "975310")
	c, err := clerk.OpenCase(ctx, terminal.NewCase{Number: "1", Title: "越权立案"})
	if err != nil {
		t.Fatalf("the edited tables let the clerk act (expected; check must expose it): %v", err)
	}
	if err := f.Login(t, "o-002", liPIN).AdvanceCase(ctx, c.Case, casework.PhaseInvestigation); err != nil {
		t.Fatalf("the lifted revocation let 李四 act (expected; check must expose it): %v", err)
	}
	rep, err := f.Terminal.Store().Check(ctx, mustTrusted(t, f))
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(problemTexts(rep.Problems), "\n")
	for _, want := range []string{"case.opened", "rules refuse", "role", "revoked", "table officers"} {
		if !strings.Contains(all, want) {
			t.Errorf("check does not name %q:\n%s", want, all)
		}
	}
}

func problemTexts(ps []store.Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
