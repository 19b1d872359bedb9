package app

import (
	"fmt"

	"fyne.io/fyne/v2"

	"lawtrail/casework"
	"lawtrail/ingest"
)

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
