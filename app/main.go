package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
)

// Main is the screen after login: who is acting, and the work tabs.
type Main struct {
	Tabs     *container.AppTabs
	Dock     *Dock
	Evidence *Evidence
	Cases    *Cases
	Review   *ReviewDesk // 法制审核: for reviewers and heads only (nil otherwise)
	Card     *Card
	Sync     *SyncScreen
	Settings *SettingsScreen
	// SyncBadge is the sync state in one line, always in view.
	SyncBadge *widget.Label
	view      fyne.CanvasObject
}

// NewMain builds the main screen for the logged-in officer.
func NewMain(u *UI) *Main {
	m := &Main{Dock: NewDock(u), Evidence: NewEvidence(u), Cases: NewCases(u), Card: NewCard(u),
		Sync: NewSyncScreen(u), Settings: NewSettingsScreen(u), SyncBadge: widget.NewLabel(lang.L("sync.badge.off"))}
	m.Tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("tab.dock"), theme.DownloadIcon(), m.Dock.View()),
		container.NewTabItemWithIcon(lang.L("tab.evidence"), theme.FileVideoIcon(), m.Evidence.View()),
		container.NewTabItemWithIcon(lang.L("tab.cases"), theme.DocumentIcon(), m.Cases.View()),
	)
	roles := u.sess.Officer.Roles
	if casework.HasRole(roles, casework.RoleReviewer) || casework.HasRole(roles, casework.RoleHead) {
		m.Review = NewReviewDesk(u)
		m.Tabs.Append(container.NewTabItemWithIcon(lang.L("tab.review"), theme.ConfirmIcon(), m.Review.View()))
	}
	for _, t := range []*container.TabItem{
		container.NewTabItemWithIcon(lang.L("tab.card"), theme.AccountIcon(), m.Card.View()),
		container.NewTabItemWithIcon(lang.L("tab.sync"), theme.UploadIcon(), m.Sync.View()),
		container.NewTabItemWithIcon(lang.L("tab.settings"), theme.SettingsIcon(), m.Settings.View()),
	} {
		m.Tabs.Append(t)
	}
	m.Tabs.OnSelected = func(t *container.TabItem) {
		switch t.Content {
		case m.Evidence.View():
			m.Evidence.Reload(u)
		case m.Cases.View():
			m.Cases.Reload(u)
		case m.reviewView():
			m.Review.Reload(u)
		case m.Sync.View():
			m.Sync.Reload(u)
		case m.Settings.View():
			m.Settings.Officers.Reload(u)
		}
	}
	who := widget.NewLabelWithStyle(lang.X("main.acting", "Acting: {{.Officer}}", map[string]any{"Officer": officerName(u.sess.Officer)}),
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	shared := widget.NewLabel(lang.L("main.shared"))
	shared.Wrapping = fyne.TextWrapWord
	switchBtn := widget.NewButtonWithIcon(lang.L("main.switch"), theme.LogoutIcon(), func() {
		u.showLogin()
	})
	top := container.NewBorder(nil, nil, nil, container.NewVBox(switchBtn, m.SyncBadge), container.NewVBox(who, shared))
	m.view = container.NewBorder(container.NewPadded(top), nil, nil, nil, m.Tabs)
	return m
}

// reviewView is the reviewer's desk, nil when the officer has none.
func (m *Main) reviewView() fyne.CanvasObject {
	if m.Review == nil {
		return nil
	}
	return m.Review.View()
}

// View returns the screen.
func (m *Main) View() fyne.CanvasObject { return m.view }
