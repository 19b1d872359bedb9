package app

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"

	"lawtrail/casework"
	"lawtrail/evidence"
	"lawtrail/ingest"
	"lawtrail/store"
)

// Session is what the app holds while a terminal is unlocked: the store,
// the terminal key, and the officer logged in (every action is theirs).
type Session struct {
	Dir        string
	Store      *store.Store
	Terminal   evidence.KeyPair
	Info       store.TerminalInfo
	Officer    casework.Officer
	OfficerKey evidence.KeyPair
}

// Append records drafts as the logged-in officer's acts.
func (s *Session) Append(ctx context.Context, drafts ...store.Draft) error {
	for i := range drafts {
		if drafts[i].Actor == "" {
			drafts[i].Actor = s.Officer.ID
		}
	}
	_, err := s.Store.Append(ctx, s.Terminal, drafts...)
	return err
}

// Settings are the terminal's preferences.
type Settings struct {
	Clear   ingest.Policy
	Metered bool
	Dark    bool
}

func loadSettings(p fyne.Preferences) Settings {
	pol, err := ingest.ParsePolicy(p.StringWithFallback("clear", string(ingest.ClearNever)))
	if err != nil {
		pol = ingest.ClearNever
	}
	return Settings{Clear: pol, Metered: p.Bool("metered"), Dark: p.Bool("dark")}
}

func (s Settings) save(p fyne.Preferences) {
	p.SetString("clear", string(s.Clear))
	p.SetBool("metered", s.Metered)
	p.SetBool("dark", s.Dark)
}

// officerName shows an officer as 姓名 (编号).
func officerName(o casework.Officer) string { return fmt.Sprintf("%s (%s)", o.Name, o.ID) }

func zeroOfficer() (casework.Officer, evidence.KeyPair) {
	return casework.Officer{}, evidence.KeyPair{}
}
