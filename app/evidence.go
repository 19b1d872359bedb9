package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/evidence"
	"lawtrail/store"
)

// Evidence lists every footage file — a virtualized list, smooth with
// 100,000 items — with a filter and a detail view (digest, custody trail,
// sync state) that can hand the file to the system's player.
type Evidence struct {
	Filter  *widget.Entry
	List    *widget.List
	Detail  *widget.Label
	Open    *widget.Button
	all     []store.FootageItem
	shown   []store.FootageItem
	current *store.FootageItem
	// Holding says where the file lives and holds or releases it (evidencehold.go).
	Holding *EvidenceHold
	// LastPlayed is the short-lived copy last handed to the player.
	LastPlayed string
	// OnLoaded is called (on the UI goroutine) after each Reload.
	OnLoaded func()
	view     fyne.CanvasObject
}

// NewEvidence builds the evidence screen.
func NewEvidence(u *UI) *Evidence {
	e := &Evidence{Filter: widget.NewEntry(), Detail: widget.NewLabel("")}
	e.Filter.SetPlaceHolder(lang.L("evidence.filter"))
	// the filter also matches the numbers of the cases a file is linked to
	e.Filter.OnChanged = func(string) { e.apply() }
	e.Detail.Wrapping = fyne.TextWrapWord
	e.List = widget.NewList(func() int { return len(e.shown) },
		func() fyne.CanvasObject { return widget.NewLabel("0000-00-00 00:00  DSJ0000000  officer  state  path") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(e.shown) {
				o.(*widget.Label).SetText(rowText(e.shown[i]))
			}
		})
	e.List.OnSelected = func(i widget.ListItemID) {
		if i < len(e.shown) {
			e.showDetail(u, e.shown[i])
		}
	}
	e.Open = widget.NewButton(lang.L("evidence.open"), func() {
		if e.current != nil {
			e.open(u, e.current.Digest)
		}
	})
	e.Open.Disable()
	e.Holding = newEvidenceHold(u, e)
	detail := container.NewBorder(nil, container.NewVBox(e.Holding.View(), e.Open), nil, nil, container.NewVScroll(e.Detail))
	split := container.NewHSplit(e.List, detail)
	split.Offset = 0.55
	e.view = container.NewBorder(e.Filter, nil, nil, nil, split)
	return e
}

// View returns the screen.
func (e *Evidence) View() fyne.CanvasObject { return e.view }

// open plays a clip through the access action (playback.go): fetched from
// the hub first when another terminal docked it, a reason asked when the
// officer is not on its case, recorded as played, then a short-lived copy
// handed to the system's player. The detail shows the trail again after.
func (e *Evidence) open(u *UI, d evidence.Digest) {
	it := e.current
	u.playFootage(u.sess, d, e.Detail.SetText, func(path string) {
		e.LastPlayed = path
		if it != nil && it.Digest == d {
			e.showDetail(u, *it)
		}
	})
}

func rowText(it store.FootageItem) string {
	start := it.Start
	if len(start) >= 16 {
		start = strings.Replace(start[:16], "T", " ", 1)
	}
	return fmt.Sprintf("%s  %s  %s  %s  %s  %s", dashIfEmpty(start), it.DeviceSerial, dashIfEmpty(it.Officer),
		lang.L("state."+it.State), lang.L("location."+it.Location), it.OriginalPath)
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Reload reads the footage list in the background.
func (e *Evidence) Reload(u *UI) {
	background(func() ([]store.FootageItem, error) {
		var items []store.FootageItem
		err := u.st().Footage(u.ctx, func(it store.FootageItem) error {
			items = append(items, it)
			return nil
		})
		return items, err
	}, func(items []store.FootageItem, err error) {
		if err != nil {
			e.Detail.SetText(errText(err))
			return
		}
		e.SetItems(items)
		if e.OnLoaded != nil {
			e.OnLoaded()
		}
	})
}

// SetItems replaces the list (newest first).
func (e *Evidence) SetItems(items []store.FootageItem) {
	e.all = make([]store.FootageItem, len(items))
	for i, it := range items {
		e.all[len(items)-1-i] = it
	}
	e.apply()
}

// Shown returns the items the filter lets through.
func (e *Evidence) Shown() []store.FootageItem { return e.shown }

// apply filters by officer, device, date, state or path (all words must match).
func (e *Evidence) apply() {
	words := strings.Fields(strings.ToLower(e.Filter.Text))
	e.shown = e.shown[:0]
	for _, it := range e.all {
		hay := strings.ToLower(strings.Join(append([]string{it.Officer, it.DeviceSerial, it.Start, it.State,
			lang.L("state." + it.State), it.OriginalPath, it.Digest.String()}, it.Cases...), " "))
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(hay, w)
		}
		if ok {
			e.shown = append(e.shown, it)
		}
	}
	e.List.UnselectAll()
	e.List.Refresh()
}

func (e *Evidence) showDetail(u *UI, it store.FootageItem) {
	e.current = &it
	e.Holding.show(u, &it)
	e.Open.Enable()
	background(func() (string, error) {
		trail, err := u.st().Custody(u.ctx, it.Digest)
		if err != nil {
			return "", err
		}
		receipt, err := u.st().HasReceipt(u.ctx, it.Digest)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s\n%s\n\n", lang.L("evidence.digest"), it.Digest)
		fmt.Fprintf(&b, "%s: %d\n%s: %s\n%s: %s\n%s: %s\n%s: %s — %s\n", lang.L("evidence.size"), it.Size,
			lang.L("evidence.path"), it.OriginalPath, lang.L("evidence.device"), it.DeviceSerial,
			lang.L("evidence.officer"), dashIfEmpty(it.Officer), lang.L("evidence.time"), dashIfEmpty(it.Start), dashIfEmpty(it.End))
		sync := lang.L("evidence.sync.waiting")
		if receipt {
			sync = lang.L("evidence.sync.receipt")
		}
		fmt.Fprintf(&b, "%s: %s\n\n%s\n", lang.L("evidence.sync"), sync, lang.L("evidence.custody"))
		for _, c := range trail {
			fmt.Fprintf(&b, "#%d  %s  %s  %s%s\n", c.Seq, c.Time[:min(19, len(c.Time))], custodyLabel(c.Type), c.Actor, accessNote(c))
		}
		return b.String(), nil
	}, func(text string, err error) {
		if err != nil {
			text = errText(err)
		}
		e.Detail.SetText(text)
	})
}

// custodyLabel names a custody event in the officer's words where it is an
// access (R6), else by its type.
func custodyLabel(typ string) string {
	if strings.HasPrefix(typ, "access.") {
		return lang.L("custody." + typ)
	}
	return typ
}

// accessNote is an access's case and reason, if any, for the trail.
func accessNote(c store.CustodyRow) string {
	var b strings.Builder
	if c.Case != "" {
		b.WriteString("  " + lang.X("custody.case", "", map[string]any{"Case": c.Case}))
	}
	if c.Reason != "" {
		b.WriteString("  " + lang.X("custody.reason", "", map[string]any{"Reason": c.Reason}))
	}
	return b.String()
}
