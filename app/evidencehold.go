package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/store"
)

// EvidenceHold is the part of the evidence detail that says where a file
// lives (here, hub, both, freed) and whether a legal hold is in force, and,
// for an admin or head, puts a hold on it or releases it with a reason
// (casework/retention.go: footage.held, footage.released, co-signed).
type EvidenceHold struct {
	Where   *widget.Label
	Reason  *widget.Entry
	Hold    *widget.Button
	Release *widget.Button
	Status  *widget.Label
	acts    *fyne.Container
	view    *fyne.Container
	current *store.FootageItem
}

// newEvidenceHold builds the part; e is reloaded after each act.
func newEvidenceHold(u *UI, e *Evidence) *EvidenceHold {
	h := &EvidenceHold{Where: widget.NewLabel(""), Reason: widget.NewEntry(), Status: widget.NewLabel("")}
	h.Where.Wrapping, h.Status.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord
	h.Reason.SetPlaceHolder(lang.L("evidence.hold.reason"))
	h.Hold = widget.NewButton(lang.L("evidence.hold"), func() { h.act(u, e, false) })
	h.Release = widget.NewButton(lang.L("evidence.release"), func() { h.act(u, e, true) })
	h.acts = container.NewBorder(nil, nil, nil, container.NewHBox(h.Hold, h.Release), h.Reason)
	h.view = container.NewVBox(h.Where, h.acts, h.Status)
	h.show(u, nil)
	return h
}

// View is the part, for the detail's foot.
func (h *EvidenceHold) View() fyne.CanvasObject { return h.view }

// show draws the part for the file selected (nil: none).
func (h *EvidenceHold) show(u *UI, it *store.FootageItem) {
	h.current = it
	h.Where.SetText(whereText(it))
	may := it != nil && u.sess != nil &&
		(casework.HasRole(u.sess.Officer.Roles, casework.RoleAdmin) || casework.HasRole(u.sess.Officer.Roles, casework.RoleHead))
	if !may {
		h.acts.Hide()
		return
	}
	h.acts.Show()
	if it.Held {
		h.Release.Enable()
	} else {
		h.Release.Disable()
	}
}

// whereText says where a file lives, and if it is held.
func whereText(it *store.FootageItem) string {
	if it == nil || it.Location == "" {
		return ""
	}
	s := lang.X("evidence.location", "", map[string]any{"Where": lang.L("location." + it.Location)})
	if it.Held {
		s += " · " + lang.L("evidence.held")
	}
	return s
}

// act puts a hold on the file shown or releases its one hold in force.
func (h *EvidenceHold) act(u *UI, e *Evidence, release bool) {
	if h.current == nil || u.sess == nil {
		return
	}
	d, reason := h.current.Digest.String(), h.Reason.Text
	h.Hold.Disable()
	h.Release.Disable()
	background(func() (string, error) {
		if release {
			return u.sess.ReleaseHold(u.ctx, d, "", reason)
		}
		return u.sess.HoldFootage(u.ctx, d, reason)
	}, func(hold string, err error) {
		h.Hold.Enable()
		if err != nil {
			h.Status.SetText(errText(err))
			return
		}
		key := "evidence.hold.done"
		if release {
			key = "evidence.release.done"
		}
		h.Reason.SetText("")
		h.Status.SetText(lang.X(key, "", map[string]any{"Hold": hold}))
		if h.current != nil {
			it := *h.current
			it.Held = !release
			h.show(u, &it)
		}
		e.Reload(u)
	})
}
