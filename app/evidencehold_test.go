package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/terminal"
)

// The evidence list says where each file lives; an admin puts a legal hold
// on a clip with a reason and releases it; a hold without a reason is
// refused in words and records nothing; an officer who is no admin or head
// is offered neither.
func TestUIEvidenceWhereAndHold(t *testing.T) {
	defer holdUI()()
	u, _, _ := demoUI(t)
	ctx := context.Background()
	eventually(t, "the main screen", func() bool { return u.main != nil })
	clip := make([]byte, 32<<10)
	rand.Read(clip)
	d, n, err := u.st().Blobs().Put(ctx, bytes.NewReader(clip))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, casework.Shanghai)
	if _, err := u.st().Append(ctx, u.desk.Key(), store.Draft{Actor: u.sess.Officer.ID, Blobs: []evidence.Digest{d},
		Payload: &casework.FootageIngested{Digest: d, SourceKey: casework.SourceKey{DeviceSerial: "DSJ0001", Path: "DCIM/A.MP4", Size: n,
			ModTime: at}, Clerk: u.sess.Officer.ID, Station: "采集站"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.sess.EnrollOfficer(ctx, terminal.NewOfficer{ID: "o-009", Name: "周九", CredentialNo: "35010000009",
		Roles: []casework.Role{casework.RoleOfficer}, PIN: []byte("975319")}); err != nil {
		t.Fatal(err)
	}
	e := u.main.Evidence
	selectClip := func() {
		t.Helper()
		eventually(t, "the clip listed", func() bool {
			for i, it := range e.Shown() {
				if it.Digest == d {
					e.List.Select(i)
					return e.Holding.current != nil && e.Holding.current.Digest == d
				}
			}
			e.Reload(u)
			return false
		})
	}
	selectClip()
	if !strings.Contains(rowText(e.Shown()[0]), lang.L("location.here")) || !strings.Contains(e.Holding.Where.Text, lang.L("location.here")) {
		t.Fatalf("where it lives: %q / %q", rowText(e.Shown()[0]), e.Holding.Where.Text)
	}
	if !e.Holding.acts.Visible() || !e.Holding.Release.Disabled() {
		t.Fatal("the admin is not offered a hold, or a release of none")
	}

	before := eventCount(t, u)
	test.Tap(e.Holding.Hold)
	eventually(t, "the refusal", func() bool { return e.Holding.Status.Text != "" })
	if !says(e.Holding.Status.Text, "err."+terminal.CodeBadInput) || eventCount(t, u) != before {
		t.Fatalf("a hold without a reason: %q, %d events", e.Holding.Status.Text, eventCount(t, u)-before)
	}
	fyne.DoAndWait(func() { e.Holding.Status.SetText("") })
	test.Type(e.Holding.Reason, "当事人申请行政复议 <script>alert(1)</script>")
	test.Tap(e.Holding.Hold)
	eventually(t, "the hold", func() bool { return e.Holding.Status.Text != "" })
	holds, err := u.st().Holds(ctx, d)
	if err != nil || len(holds) != 1 || holds[0].HeldBy != u.sess.Officer.ID || holds[0].Reason != "当事人申请行政复议 <script>alert(1)</script>" {
		t.Fatalf("holds %+v %v (status %q)", holds, err, e.Holding.Status.Text)
	}
	if e.Holding.Status.Text != lang.X("evidence.hold.done", "", map[string]any{"Hold": holds[0].ID}) {
		t.Fatalf("status %q", e.Holding.Status.Text)
	}
	selectClip()
	eventually(t, "held shown", func() bool {
		return strings.Contains(e.Holding.Where.Text, lang.L("evidence.held")) && !e.Holding.Release.Disabled()
	})
	test.Type(e.Holding.Reason, "复议结束")
	test.Tap(e.Holding.Release)
	eventually(t, "the release", func() bool {
		hs, _ := u.st().Holds(ctx, d)
		return len(hs) == 1 && hs[0].ReleasedAt != "" && hs[0].ReleasedReason == "复议结束"
	})

	loginAs(t, u, "周九", "975319")
	e = u.main.Evidence
	selectClip()
	if e.Holding.acts.Visible() {
		t.Fatal("an officer who is no admin or head is offered a hold")
	}
}
