package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/ingest"
)

// SettingsScreen has two tabs: 通用 (the data folder, the clear policy,
// the metered-link switch and the theme; the language follows the system,
// LANG=zh_CN.UTF-8 or en_US.UTF-8) and 人员 (the officers).
type SettingsScreen struct {
	Tabs     *container.AppTabs
	Policy   *widget.RadioGroup
	Metered  *widget.Check
	Dark     *widget.Check
	Officers *OfficersScreen
	view     fyne.CanvasObject
}

var policies = []ingest.Policy{ingest.ClearNever, ingest.ClearLocal, ingest.ClearHubReceipt}

// NewSettingsScreen builds the settings screen.
func NewSettingsScreen(u *UI) *SettingsScreen {
	s := &SettingsScreen{}
	var labels []string
	for _, p := range policies {
		labels = append(labels, lang.L("policy."+string(p)))
	}
	s.Policy = widget.NewRadioGroup(labels, func(sel string) {
		for i, l := range labels {
			if l == sel {
				u.settings.Clear = policies[i]
				u.settings.save(u.app.Preferences())
			}
		}
	})
	for i, p := range policies {
		if p == u.settings.Clear {
			s.Policy.SetSelected(labels[i])
		}
	}
	s.Metered = widget.NewCheck(lang.L("settings.metered"), func(on bool) {
		u.settings.Metered = on
		u.settings.save(u.app.Preferences())
		u.setMetered(on)
	})
	s.Metered.SetChecked(u.settings.Metered)
	s.Dark = widget.NewCheck(lang.L("settings.dark"), func(on bool) {
		u.settings.Dark = on
		u.settings.save(u.app.Preferences())
		u.app.Settings().SetTheme(NewTheme(on))
	})
	s.Dark.SetChecked(u.settings.Dark)
	dir := widget.NewLabel(lang.X("welcome.data", "Data folder: {{.Dir}}", map[string]any{"Dir": u.dir}))
	dir.Wrapping = fyne.TextWrapBreak
	general := container.NewVScroll(container.NewVBox(dir, widget.NewSeparator(),
		widget.NewLabelWithStyle(lang.L("settings.policy"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.Policy,
		widget.NewSeparator(), s.Metered, s.Dark, widget.NewLabel(lang.L("settings.language"))))
	s.Officers = NewOfficersScreen(u)
	s.Tabs = container.NewAppTabs(container.NewTabItem(lang.L("settings.general"), general),
		container.NewTabItem(lang.L("settings.officers"), s.Officers.View()))
	s.view = s.Tabs
	return s
}

// View returns the screen.
func (s *SettingsScreen) View() fyne.CanvasObject { return s.view }
