package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"lawtrail/store"
)

const liPIN = "864213"

// as is the environment of officer id acting with pin (and newPIN for
// officer add / officer pin).
func as(id, pin string, newPIN ...string) map[string]string {
	v := map[string]string{"LAWTRAIL_PASSPHRASE": pass["LAWTRAIL_PASSPHRASE"], "LAWTRAIL_OFFICER": id, "LAWTRAIL_PIN": pin}
	if len(newPIN) > 0 {
		v["LAWTRAIL_NEW_PIN"] = newPIN[0]
	}
	return v
}

// zhang is the first admin, o-001, of initTerminal.
var zhang = as("o-001", pass["LAWTRAIL_PIN"])

// refused runs a command that must fail with code and a message holding
// want, storing nothing.
func refused(t *testing.T, dir string, vars map[string]string, code int, want string, args ...string) {
	t.Helper()
	before := eventCount(t, dir)
	r := ctl(t, vars, append([]string{"--data", dir}, args...)...)
	if r.code != code || !strings.Contains(r.stderr, want) {
		t.Errorf("lawtrailctl %s: exit %d (want %d), stderr %q (want %q)", strings.Join(args, " "), r.code, code, r.stderr, want)
	}
	noteNothingStored(t, dir, before, strings.Join(args, " "))
}

func mustRun(t *testing.T, dir string, vars map[string]string, args ...string) string {
	t.Helper()
	r := ctl(t, vars, append([]string{"--data", dir}, args...)...)
	if r.code != 0 {
		t.Fatalf("lawtrailctl %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// An admin enrolls officers with roles; the list shows them; roles change;
// an officer changes their PIN; a revoked officer can neither log in nor
// co-sign. Refused, with nothing stored: an officer enrolling an officer, a
// clerk opening a case, an expired credential acting, wrong and unknown
// logins, malformed values.
func TestOfficerCommandsCLI(t *testing.T) {
	dir := initTerminal(t)
	enroll(t, dir, "o-002", "李四", "35010000002", liPIN, "officer")
	enroll(t, dir, "o-003", "赵六", "", "975310", "clerk")
	enroll(t, dir, "o-004", "王五", "35010000004", "864200", "officer", "--valid-until", "2020-01-01")

	listed := map[string]officerListed{}
	for _, line := range strings.Split(strings.TrimSpace(mustRun(t, dir, pass, "officer", "list", "--json")), "\n") {
		var o officerListed
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("officer list --json line %q: %v", line, err)
		}
		listed[o.ID] = o
	}
	if li := listed["o-002"]; len(listed) != 4 || li.Name != "李四" || li.CredentialNo != "35010000002" || !li.Here || li.Revoked ||
		len(li.Roles) != 1 || li.Roles[0] != "officer" || listed["o-004"].ValidUntil != "2020-01-01" {
		t.Fatalf("officer list --json: %+v", listed)
	}
	if out := mustRun(t, dir, pass, "officer", "list"); !strings.Contains(out, "李四") || !strings.Contains(out, "2020-01-01") {
		t.Fatalf("officer list:\n%s", out)
	}

	refused(t, dir, as("o-002", liPIN, "111333"), exitRefused, "role does not allow",
		"officer", "add", "--id", "o-009", "--name", "周九", "--credential", "1", "--roles", "officer")
	if _, err := os.Stat(store.OfficerKeyPath(dir, "o-009")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused enrollment left a key file: %v", err)
	}
	refused(t, dir, as("o-003", "975310"), exitRefused, "role does not allow", "case", "new", "--number", "1", "--title", "t")
	refused(t, dir, as("o-004", "864200"), exitRefused, "expired", "case", "new", "--number", "1", "--title", "t")
	refused(t, dir, as("o-002", "000000"), exitSecret, "wrong PIN", "case", "new", "--number", "1", "--title", "t")
	refused(t, dir, as("o-404", "000000"), exitSecret, "no such officer", "case", "new", "--number", "1", "--title", "t")
	refused(t, dir, map[string]string{"LAWTRAIL_PASSPHRASE": "not the passphrase", "LAWTRAIL_PIN": liPIN}, exitSecret, "wrong terminal passphrase",
		"case", "new", "--number", "1", "--title", "t")
	refused(t, dir, zhang, exitUsage, "set LAWTRAIL_NEW_PIN", "officer", "add", "--id", "o-005", "--name", "孙七", "--roles", "officer")
	refused(t, dir, as("o-001", pass["LAWTRAIL_PIN"], "12"), exitRefused, "shorter than 6 digits",
		"officer", "add", "--id", "o-005", "--name", "孙七", "--roles", "officer")
	refused(t, dir, as("o-001", pass["LAWTRAIL_PIN"], "111333"), exitRefused, "enrolled on this terminal already",
		"officer", "add", "--id", "o-002", "--name", "李四", "--credential", "35010000002", "--roles", "officer")
	refused(t, dir, zhang, exitUsage, "--roles", "officer", "add", "--id", "o-005", "--name", "孙七", "--roles", "king")
	refused(t, dir, zhang, exitUsage, "--valid-until", "officer", "add", "--id", "o-005", "--name", "孙七", "--roles", "officer", "--valid-until", "tomorrow")
	refused(t, dir, zhang, exitUsage, "officer", "officer", "add", "--id", "../o", "--name", "孙七", "--roles", "officer")
	refused(t, dir, zhang, exitUsage, "--id and --roles are required", "officer", "add", "--name", "孙七")

	mustRun(t, dir, zhang, "officer", "roles", "o-003", "clerk,officer")
	if out := mustRun(t, dir, pass, "officer", "list"); !strings.Contains(out, "clerk,officer") {
		t.Fatalf("roles not changed:\n%s", out)
	}
	refused(t, dir, as("o-002", liPIN), exitRefused, "role does not allow", "officer", "roles", "o-003", "admin")
	refused(t, dir, zhang, exitRefused, "admin role", "officer", "roles", "o-001", "officer")

	const newLi = "531864"
	mustRun(t, dir, as("o-002", liPIN, newLi), "officer", "pin")
	refused(t, dir, as("o-002", liPIN), exitSecret, "wrong PIN", "case", "new", "--number", "1", "--title", "t")
	refused(t, dir, as("o-002", "000000", "135799"), exitSecret, "wrong PIN", "officer", "pin")
	caseID := strings.TrimSpace(mustRun(t, dir, as("o-002", newLi), "case", "new", "--number", "示市监罚〔2026〕3号", "--title", "无照经营"))

	refused(t, dir, zhang, exitUsage, "--reason is required", "officer", "revoke", "o-002")
	refused(t, dir, zhang, exitRefused, "themselves", "officer", "revoke", "o-001", "--reason", "x")
	mustRun(t, dir, zhang, "officer", "revoke", "o-002", "--reason", "调离执法岗位")
	refused(t, dir, as("o-002", newLi), exitRefused, "may no longer log in", "case", "advance", caseID, "investigation")
	refused(t, dir, zhang, exitRefused, "revoked", "case", "step", caseID, "--kind", "interview", "--start", "2026-11-20 11:00",
		"--end", "2026-11-20 11:30", "--officers", "o-001,o-002", "--pins", pinsFile(t, "o-002 "+newLi+"\n"))
	if out := mustRun(t, dir, pass, "officer", "list", "--json"); !strings.Contains(out, `"revoked":true,"revoke_reason":"调离执法岗位"`) {
		t.Errorf("the list does not show the revocation:\n%s", out)
	}
	if r := ctl(t, pass, "--data", dir, "check"); r.code != 0 {
		t.Fatalf("check: %d %s", r.code, r.stdout)
	}
}

// A script that starts lawtrailctl afresh for each guess gets no more
// tries than the app: five wrong PINs lock the officer (exit 5), and then
// the right PIN is refused too until the lock ends; nothing is stored.
func TestPINLockoutAcrossProcesses(t *testing.T) {
	dir := initTerminal(t)
	enroll(t, dir, "o-002", "李四", "35010000002", liPIN, "officer")
	before := eventCount(t, dir)
	newCase := []string{"--data", dir, "case", "new", "--number", "1", "--title", "t"}
	for i := 1; i <= 5; i++ {
		r := ctlProcess(t, as("o-002", "00000"+string(rune('0'+i))), newCase...)
		want := "tries left"
		if i == 5 {
			want = "locked until"
		}
		if r.code != exitSecret || !strings.Contains(r.stderr, want) {
			t.Fatalf("wrong PIN %d: exit %d %q", i, r.code, r.stderr)
		}
	}
	if r := ctlProcess(t, as("o-002", liPIN), newCase...); r.code != exitSecret || !strings.Contains(r.stderr, "locked until") {
		t.Fatalf("the right PIN while locked: exit %d %q", r.code, r.stderr)
	}
	noteNothingStored(t, dir, before, "logins while guessing")
}
