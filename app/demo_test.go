package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"lawtrail/casework"
	"lawtrail/evidence"
)

// `--demo --tab review` opens 王五's 法制审核 tab on the demo's review:
// the second case's draft 行政处罚决定书 fining an organisation 200,000
// yuan, submitted by 张三 and waiting under 待分配, major under the shipped
// list; `--tab casereview` shows 张三 that case with its review and its
// draft. The demo's people hold the roles its help text names.
func TestDemoReviewTabs(t *testing.T) {
	defer holdUI()()
	kdf := evidence.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}
	d, err := PrepareDemo(context.Background(), t.TempDir(), kdf)
	if err != nil {
		t.Fatal(err)
	}
	if d, err = PrepareReviewDemo(context.Background(), d, kdf); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	for _, tab := range []string{"review", "casereview"} {
		u := New(context.Background(), a, a.NewWindow("lawtrail"), d.DataDir)
		u.KDF, u.Bus = kdf, nil
		u.StartDemo(d, tab)
		eventually(t, "the main screen", func() bool { return u.main != nil })
		if tab == "casereview" {
			c := u.main.Cases
			eventually(t, "the case under review", func() bool {
				return c.Selected != nil && c.Selected.ID == d.ReviewCase && c.Review.state.doc != ""
			})
			if u.sess.Officer.ID != d.Officer || !strings.Contains(c.Review.Opinion.Text, lang.L("review.state.new")) ||
				!strings.Contains(objectText(c.Timeline), "行政处罚决定书  "+lang.L("cases.doc.draft")) {
				t.Errorf("%s sees the case under review as:\n%s", u.sess.Officer.Name, objectText(c.Timeline))
			}
			u.Close()
			continue
		}
		if u.sess.Officer.Name != "王五" || !casework.HasRole(u.sess.Officer.Roles, casework.RoleReviewer) || u.main.Review == nil {
			t.Fatalf("logged in as %+v", u.sess.Officer)
		}
		rd := u.main.Review
		eventually(t, "the review open", func() bool { return rd.Current != nil && findButton(rd.Detail, lang.L("review.take")) != nil })
		r := *rd.Current
		if r.Case != d.ReviewCase || r.SubmittedBy != d.Officer || r.Doc == "" || len(r.Decision.Penalties) != 1 ||
			r.Decision.PartyKind != casework.PartyOrganisation || r.Decision.Penalties[0].AmountYuan != "200000" ||
			len(r.Major) == 0 || rd.Queue.Selected != lang.L("review.queue.new") {
			t.Fatalf("the demo's review %+v under %q", r, rd.Queue.Selected)
		}
		rows, err := u.term.Officers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		names := officerNames(rows)
		if names[d.Reviewer] != "王五" || names[d.Head] != "赵六" {
			t.Fatalf("the demo's officers %v", names)
		}
		for _, o := range rows {
			if o.ID == d.Head && !casework.HasRole(o.Roles, casework.RoleHead) {
				t.Errorf("赵六's roles %v", o.Roles)
			}
		}
		u.Close()
	}
}
