package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"lawtrail/assets"
	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/store"
	"lawtrail/terminal"
)

// Demo is a throwaway terminal with a simulated recorder, for `--demo`.
type Demo struct {
	DataDir, Recorder string
	Passphrase, PIN   string
	Officer           string
	SecondPIN         string // 李四 (o-002), the second officer on site
	Case              string // the case the clips belong to
	// The legal-review part (PrepareReviewDemo): 王五, a reviewer, 赵六, a
	// head, and a case whose draft decision awaits review.
	Reviewer, ReviewerPIN string
	Head, HeadPIN         string
	ReviewCase            string
}

// PrepareDemo makes, under root, a recorder folder holding the demo clips
// (named as a GA/T 947-style recorder names them, times set to a recent
// morning) and a terminal with one case whose step overlaps them.
func PrepareDemo(ctx context.Context, root string, kdf evidence.KDFParams) (Demo, error) {
	d := Demo{DataDir: filepath.Join(root, "data"), Recorder: filepath.Join(root, "DSJ-A8"),
		Passphrase: "lawtrail-demo", PIN: "123456", Officer: "o-001", SecondPIN: "654321"}
	day := time.Now().In(casework.Shanghai).Add(-24 * time.Hour)
	start := time.Date(day.Year(), day.Month(), day.Day(), 10, 15, 0, 0, casework.Shanghai)
	clips, err := fs.Glob(assets.DemoClips, "demo/*.mp4")
	if err != nil {
		return d, err
	}
	for i, name := range clips {
		raw, err := assets.DemoClips.ReadFile(name)
		if err != nil {
			return d, err
		}
		at := start.Add(time.Duration(i) * 7 * time.Minute)
		p := filepath.Join(d.Recorder, "DCIM", fmt.Sprintf("DSJ1234_350101_%s_%04d.MP4", at.Format("20060102150405"), i+1))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return d, err
		}
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			return d, err
		}
		end := at.Add(6 * time.Minute)
		if err := os.Chtimes(p, end, end); err != nil {
			return d, err
		}
	}
	err = terminal.Init(ctx, d.DataDir, store.TerminalSetup{
		TerminalName: "示范采集站", AgencyName: "示范区市场监督管理局", OfficerID: d.Officer, OfficerName: "张三",
		CredentialNo: "35010000001", Roles: []casework.Role{casework.RoleAdmin, casework.RoleOfficer, casework.RoleClerk},
		Passphrase: []byte(d.Passphrase), PIN: []byte(d.PIN), KDF: kdf, Rand: rand.Reader,
	})
	if err != nil {
		return d, err
	}
	t, s, err := demoSession(ctx, d, kdf)
	if err != nil {
		return d, err
	}
	defer t.Close()
	// A second officer, so two can be named present on site.
	if _, err := s.EnrollOfficer(ctx, terminal.NewOfficer{ID: "o-002", Name: "李四", CredentialNo: "35010000002",
		Roles: []casework.Role{casework.RoleOfficer}, PIN: []byte(d.SecondPIN)}); err != nil {
		return d, err
	}
	c, err := s.OpenCase(ctx, terminal.NewCase{Number: "示市监罚〔" + fmt.Sprint(day.Year()) + "〕1号", Title: "无照经营食品"})
	if err != nil {
		return d, err
	}
	if err := s.AdvanceCase(ctx, c.Case, casework.PhaseInvestigation); err != nil {
		return d, err
	}
	d.Case = c.Case
	_, err = s.RecordStep(ctx, terminal.NewStep{Case: c.Case, Kind: casework.StepOnSiteInspection,
		Start: start.Add(2 * time.Minute), End: start.Add(20 * time.Minute), Note: "现场检查经营场所",
		Witnesses: []terminal.Witness{{Officer: "o-002", PIN: []byte(d.SecondPIN)}}})
	return d, err
}

// PrepareReviewDemo adds legal review to a demo terminal, through the
// terminal's actions as the people would do it: 张三 (the admin) enrolls
// 王五, a 法制审核人员, and 赵六, a 负责人; he opens a second case, records
// its on-site inspection with 李四, drafts its 行政处罚决定书 fining an
// organisation 200,000 yuan (major under the shipped list) and submits it
// for review.
func PrepareReviewDemo(ctx context.Context, d Demo, kdf evidence.KDFParams) (Demo, error) {
	d.Reviewer, d.ReviewerPIN, d.Head, d.HeadPIN = "o-003", "246813", "o-004", "135792"
	t, s, err := demoSession(ctx, d, kdf)
	if err != nil {
		return d, err
	}
	defer t.Close()
	for _, o := range []terminal.NewOfficer{
		{ID: d.Reviewer, Name: "王五", CredentialNo: "35010000003", Roles: []casework.Role{casework.RoleReviewer}, PIN: []byte(d.ReviewerPIN)},
		{ID: d.Head, Name: "赵六", CredentialNo: "35010000004", Roles: []casework.Role{casework.RoleHead}, PIN: []byte(d.HeadPIN)},
	} {
		if _, err := s.EnrollOfficer(ctx, o); err != nil {
			return d, fmt.Errorf("demo: enroll %s: %w", o.Name, err)
		}
	}
	if d.ReviewCase, err = reviewDemoCase(ctx, s, d); err != nil {
		return d, err
	}
	return d, nil
}

// reviewDemoCase opens the second demo case, investigates it and submits
// its draft decision for review; it returns the case's id.
func reviewDemoCase(ctx context.Context, s *terminal.Session, d Demo) (string, error) {
	day := s.Now().In(casework.Shanghai).Add(-24 * time.Hour)
	at := time.Date(day.Year(), day.Month(), day.Day(), 14, 30, 0, 0, casework.Shanghai)
	c, err := s.OpenCase(ctx, terminal.NewCase{Number: "示市监罚〔" + fmt.Sprint(day.Year()) + "〕2号", Title: "销售超过保质期的食品"})
	if err != nil {
		return "", err
	}
	if err := s.AdvanceCase(ctx, c.Case, casework.PhaseInvestigation); err != nil {
		return "", err
	}
	if _, err := s.RecordStep(ctx, terminal.NewStep{Case: c.Case, Kind: casework.StepOnSiteInspection,
		Start: at, End: at.Add(40 * time.Minute), Note: "检查仓库，发现超过保质期的奶粉 1200 罐",
		Witnesses: []terminal.Witness{{Officer: "o-002", PIN: []byte(d.SecondPIN)}}}); err != nil {
		return "", err
	}
	if err := s.AdvanceCase(ctx, c.Case, casework.PhaseDecision); err != nil {
		return "", err
	}
	decision := casework.Decision{Act: casework.ActPenalty, PartyKind: casework.PartyOrganisation,
		Penalties: []casework.Penalty{{Kind: casework.PenaltyFine, AmountYuan: "200000"}}}
	fields := map[string]json.RawMessage{"decision": decision.Canonical()}
	for key, v := range map[string]string{"doc_no": "示市监罚〔" + fmt.Sprint(day.Year()) + "〕2号",
		"facts": "当事人在其仓库储存、销售超过保质期的奶粉 1200 罐，有现场检查笔录及执法记录仪视频为证。",
		"basis": "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项。", "penalty": "罚款人民币贰拾万元整。",
		"fine": "200000", "payment": "自收到本决定书之日起十五日内缴纳。",
		"remedies": "如不服本决定，可在收到本决定书之日起六十日内申请行政复议，或者六个月内提起行政诉讼。"} {
		fields[key], _ = json.Marshal(v)
	}
	fields["party"], _ = json.Marshal(map[string]string{"name": "示范区某某食品贸易有限公司", "id_no": "91350100MA00000001", "address": "示范区工业路 8 号"})
	doc, err := s.SaveDraft(ctx, terminal.DocumentDraft{Case: c.Case, Template: "penalty_decision", Fields: fields})
	if err != nil {
		return "", fmt.Errorf("demo: draft the decision: %w", err)
	}
	_, err = s.SubmitReview(ctx, terminal.Submission{Case: c.Case, Doc: doc.Doc, Note: "货值较大，拟按上限处罚"})
	return c.Case, err
}

// StartDemo unlocks and logs in as the demo officer, then opens tab
// ("dock", "evidence", "cases", "document", "card", "sync", "settings",
// "officers") and, on the dock, starts docking the simulated recorder.
// With the review part prepared, "review" logs in the reviewer 王五
// instead and opens the 法制审核 tab on the review awaiting them, and
// "casereview" opens the case under review in 张三's case view; "live" goes
// live with the test pattern on the demo case's first step.
func (u *UI) StartDemo(d Demo, tab string) {
	who, pin := d.Officer, d.PIN
	if tab == "review" && d.Reviewer != "" {
		who, pin = d.Reviewer, d.ReviewerPIN
	}
	background(func() (*terminal.Session, error) {
		t, err := u.openTerminal([]byte(d.Passphrase))
		if err != nil {
			return nil, err
		}
		desk, err := t.Desk(u.ctx)
		if err != nil {
			return nil, err
		}
		return desk.Login(u.ctx, who, []byte(pin))
	}, func(s *terminal.Session, err error) {
		if err != nil {
			u.show(errorView(err))
			return
		}
		u.desk, u.sess = s.Desk, s
		u.showMain()
		u.openTab(tab, d)
	})
}

func (u *UI) openTab(tab string, d Demo) {
	m := u.main
	if d.Recorder == "" {
		return
	}
	switch tab {
	case "review":
		u.openReviewDemo()
		return
	case "casereview":
		u.openDemoCase(d.ReviewCase)
		return
	case "live":
		u.openDemoCase(d.Case)
		go u.demoLive(d.Case)
		return
	}
	m.Dock.Folder.SetText(d.Recorder)
	card := m.Dock.StartDocking(u, d.Recorder)
	if card == nil || tab == "" || tab == "dock" {
		return
	}
	card.OnDone = func() {
		switch tab {
		case "evidence":
			m.Tabs.SelectIndex(1)
			m.Evidence.OnLoaded = func() {
				m.Evidence.OnLoaded = nil
				m.Evidence.List.Select(0)
			}
			m.Evidence.Reload(u)
		case "cases":
			u.openDemoCase(d.Case)
		case "document":
			u.openDemoCase(d.Case)
			then := m.Cases.onLoaded
			m.Cases.onLoaded = func() {
				then()
				if m.Cases.Selected != nil {
					m.Cases.DocTemplate.SetSelected("现场笔录")
					m.Cases.OpenEditor(u)
				}
			}
		case "card":
			m.Tabs.SelectIndex(3)
		case "sync":
			m.Tabs.SelectIndex(4)
			m.Sync.Reload(u)
		case "settings":
			m.Tabs.SelectIndex(5)
		case "officers":
			m.Tabs.SelectIndex(5)
			m.Settings.Tabs.SelectIndex(1)
		}
	}
}

// openDemoCase shows the cases tab with the case id open (the first case
// listed when there is no such case).
func (u *UI) openDemoCase(id string) {
	c := u.main.Cases
	u.main.Tabs.SelectIndex(2)
	c.onLoaded = func() {
		i := slices.IndexFunc(c.cases, func(r store.CaseRow) bool { return r.ID == id })
		if c.List.Length() > 0 {
			c.List.Select(max(i, 0))
		}
	}
	c.Reload(u)
}

// demoLive goes live with the test pattern on the first step of the demo
// case once the case screen shows it, as 直播 on that step would.
func (u *UI) demoLive(caseID string) {
	for range 200 {
		var step string
		uiDoAndWait(func() {
			if c := u.main.Cases; c.Selected != nil && c.Selected.ID == caseID && len(c.Steps) > 0 {
				step = c.Steps[0].ID
			}
		})
		if step != "" {
			if _, err := u.startLive("pattern:640x360@25", caseID, step); err != nil {
				uiDo(func() { u.main.Cases.Status.SetText(errText(err)) })
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// openReviewDemo shows the reviewer's desk with the first review of its
// first queue open.
func (u *UI) openReviewDemo() {
	m := u.main
	if m.Review == nil {
		return
	}
	rd := m.Review
	rd.OnLoaded = func() {
		rd.OnLoaded = nil
		if len(rd.Shown()) > 0 {
			rd.List.Select(0)
		}
	}
	for _, it := range m.Tabs.Items {
		if it.Content == rd.View() {
			m.Tabs.Select(it) // reads the queues again
		}
	}
}

// demoSession opens the demo terminal and logs in its admin, 张三.
func demoSession(ctx context.Context, d Demo, kdf evidence.KDFParams) (*terminal.Terminal, *terminal.Session, error) {
	t, err := terminal.Open(ctx, d.DataDir, terminal.Options{KDF: kdf, Passphrase: []byte(d.Passphrase)})
	if err != nil {
		return nil, nil, err
	}
	desk, err := t.Desk(ctx)
	if err == nil {
		var s *terminal.Session
		if s, err = desk.Login(ctx, d.Officer, []byte(d.PIN)); err == nil {
			return t, s, nil
		}
	}
	t.Close()
	return nil, nil, err
}
