package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	t, err := terminal.Open(ctx, d.DataDir, terminal.Options{KDF: kdf})
	if err != nil {
		return d, err
	}
	defer t.Close()
	desk, err := t.Unlock(ctx, []byte(d.Passphrase))
	if err != nil {
		return d, err
	}
	s, err := desk.Login(ctx, d.Officer, []byte(d.PIN))
	if err != nil {
		return d, err
	}
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
	_, err = s.RecordStep(ctx, terminal.NewStep{Case: c.Case, Kind: casework.StepOnSiteInspection,
		Start: start.Add(2 * time.Minute), End: start.Add(20 * time.Minute), Note: "现场检查经营场所",
		Witnesses: []terminal.Witness{{Officer: "o-002", PIN: []byte(d.SecondPIN)}}})
	return d, err
}

// StartDemo unlocks and logs in as the demo officer, then opens tab
// ("dock", "evidence", "cases", "document", "card", "sync", "settings",
// "officers") and, on the
// dock, starts docking the simulated recorder.
func (u *UI) StartDemo(d Demo, tab string) {
	background(func() (*terminal.Session, error) {
		t, err := u.openTerminal()
		if err != nil {
			return nil, err
		}
		desk, err := t.Unlock(u.ctx, []byte(d.Passphrase))
		if err != nil {
			return nil, err
		}
		return desk.Login(u.ctx, d.Officer, []byte(d.PIN))
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
			m.Tabs.SelectIndex(2)
			m.Cases.onLoaded = func() {
				if m.Cases.List.Length() > 0 {
					m.Cases.List.Select(0)
				}
			}
			m.Cases.Reload(u)
		case "document":
			m.Tabs.SelectIndex(2)
			m.Cases.onLoaded = func() {
				if m.Cases.List.Length() > 0 {
					m.Cases.List.Select(0)
					m.Cases.DocTemplate.SetSelected("现场笔录")
					m.Cases.OpenEditor(u)
				}
			}
			m.Cases.Reload(u)
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
