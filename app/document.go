package app

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"lawtrail/casework"
	"lawtrail/terminal"
)

// DocumentEditor fills a document of a case from its template, on the
// tablet: drafts are saved as events, finalizing makes a version co-signed
// by the logged-in officer and every other officer named present (each
// types their PIN when ticked), signatures are taken on screen (or a
// refusal with its witness), and the PDF of the latest version opens in
// the system viewer.
type DocumentEditor struct {
	Template            *casework.Template
	Case                string
	DocID               string                                    // empty until the first draft or version is recorded
	Step                string                                    // the step the document belongs to, kept when it is reopened
	Officers            *OfficerPicker                            // the officers field of an on-site document, when the template has one
	Decision            *DecisionInput                            // the decision field of a decision document, when the template has one
	inputs              map[string]func() (json.RawMessage, bool) // read a field; false = left empty
	Pads                map[string]*SignaturePad
	setters             map[string]func(string)
	fills               map[string]func(json.RawMessage) // fill a field from a recorded value
	Save, Finalize, PDF *widget.Button
	Status              *widget.Label
	Finalized           int
	LastPDF             string
	// OnSaved is called after a draft or a version is recorded (the case
	// view shows the decision and its review as they now stand).
	OnSaved func()
	// dirty is set by every edit; the autosave records a draft event when
	// it is set (every AutosaveEvery) so nothing typed on site is lost.
	dirty bool
	win   fyne.Window // where the editor (and its PIN dialogs) show
	stop  chan struct{}
	view  fyne.CanvasObject
}

// AutosaveEvery is how often changed fields are saved as a draft event.
const AutosaveEvery = 20 * time.Second

// StartAutosave saves changed fields as a draft every AutosaveEvery until
// Stop.
func (ed *DocumentEditor) StartAutosave(u *UI) {
	ed.stop = make(chan struct{})
	stop := ed.stop
	go func() {
		t := time.NewTicker(AutosaveEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fyne.Do(func() { ed.Autosave(u) })
			}
		}
	}()
}

// Autosave records a draft if anything changed since the last save.
func (ed *DocumentEditor) Autosave(u *UI) {
	if ed.dirty {
		ed.save(u)
	}
}

// Stop ends the autosave.
func (ed *DocumentEditor) Stop() {
	if ed.stop != nil {
		close(ed.stop)
		ed.stop = nil
	}
}

func (ed *DocumentEditor) changed() { ed.dirty = true }

// NewDocumentEditor builds the editor for a new document of caseID in win.
func NewDocumentEditor(u *UI, win fyne.Window, caseID string, tpl *casework.Template) *DocumentEditor {
	ed := &DocumentEditor{win: win, Template: tpl, Case: caseID, inputs: map[string]func() (json.RawMessage, bool){},
		Pads: map[string]*SignaturePad{}, setters: map[string]func(string){}, fills: map[string]func(json.RawMessage){},
		Status: widget.NewLabel("")}
	ed.Status.Wrapping = fyne.TextWrapWord
	form := container.NewVBox(widget.NewLabelWithStyle(tpl.Name, fyne.TextAlignCenter, fyne.TextStyle{Bold: true}))
	for _, s := range tpl.Sections {
		form.Add(widget.NewLabelWithStyle(s.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, f := range s.Fields {
			label := f.Label
			if f.Required {
				label += " *"
			}
			form.Add(widget.NewLabel(label))
			form.Add(ed.input(u, win, f))
		}
	}
	ed.Save = widget.NewButton(lang.L("doc.save"), func() { ed.save(u) })
	ed.Finalize = big(widget.NewButton(lang.L("doc.finalize"), func() { ed.finalize(u) }))
	ed.PDF = widget.NewButton(lang.L("doc.pdf"), func() { ed.openPDF(u) })
	ed.view = container.NewBorder(nil, container.NewVBox(ed.Status, container.NewGridWithColumns(3, ed.Save, ed.Finalize, ed.PDF)),
		nil, nil, container.NewVScroll(container.NewPadded(form)))
	return ed
}

// View returns the editor.
func (ed *DocumentEditor) View() fyne.CanvasObject { return ed.view }

// Set fills a text-like field (for tests and for prefilling).
func (ed *DocumentEditor) Set(key, value string) {
	if set := ed.setters[key]; set != nil {
		set(value)
	}
}

func jsonString(s string) json.RawMessage { b, _ := json.Marshal(s); return b }

// Load fills the form with a document's recorded values: its open draft
// being continued, or its latest version being corrected (the next
// version's draft). Signatures and the officers named are not carried
// over: a signature attests what was signed, and each officer confirms
// the changed document with their PIN again. Nothing counts as typed yet.
func (ed *DocumentEditor) Load(values map[string]json.RawMessage) {
	for key, raw := range values {
		if fill := ed.fills[key]; fill != nil {
			fill(raw)
		}
	}
	ed.dirty = false
}

// fillText registers how a field kept as a JSON string is filled.
func (ed *DocumentEditor) fillText(key string, set func(string)) {
	ed.setters[key] = set
	ed.fills[key] = func(raw json.RawMessage) {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			set(s)
		}
	}
}

// input makes the widget for one field and registers how to read it.
func (ed *DocumentEditor) input(u *UI, win fyne.Window, f casework.TemplateField) fyne.CanvasObject {
	text := func(multi bool) fyne.CanvasObject {
		e := widget.NewEntry()
		if multi {
			e = widget.NewMultiLineEntry()
		}
		e.OnChanged = func(string) { ed.changed() }
		ed.fillText(f.Key, e.SetText)
		ed.inputs[f.Key] = func() (json.RawMessage, bool) { return jsonString(e.Text), strings.TrimSpace(e.Text) != "" }
		return e
	}
	switch f.Type {
	case casework.FieldLongText:
		return text(true)
	case casework.FieldDateTime:
		// Picked on a calendar with hour and minute lists, set to now.
		p := NewDateTimePicker(u.term.Now())
		p.OnChanged(ed.changed)
		ed.fillText(f.Key, func(v string) {
			if t, err := time.ParseInLocation(timeLayout, v, casework.Shanghai); err == nil {
				p.Set(t)
			}
		})
		ed.inputs[f.Key] = func() (json.RawMessage, bool) {
			t, ok := p.Time()
			return jsonString(t.Format(timeLayout)), ok
		}
		return p.View()
	case casework.FieldConfirm:
		c := widget.NewCheck(lang.L("doc.confirmed"), func(bool) { ed.changed() })
		ed.setters[f.Key] = func(v string) { c.SetChecked(v == "true") }
		ed.fills[f.Key] = func(raw json.RawMessage) { ed.setters[f.Key](string(raw)) }
		ed.inputs[f.Key] = func() (json.RawMessage, bool) { b, _ := json.Marshal(c.Checked); return b, true }
		return c
	case casework.FieldChoice:
		s := widget.NewSelect(f.Options, func(string) { ed.changed() })
		ed.fillText(f.Key, s.SetSelected)
		ed.inputs[f.Key] = func() (json.RawMessage, bool) { return jsonString(s.Selected), s.Selected != "" }
		return s
	case casework.FieldParty:
		name, id, addr := widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
		for _, e := range []*widget.Entry{name, id, addr} {
			e.OnChanged = func(string) { ed.changed() }
		}
		name.SetPlaceHolder(lang.L("doc.party.name"))
		id.SetPlaceHolder(lang.L("doc.party.id"))
		addr.SetPlaceHolder(lang.L("doc.party.address"))
		ed.setters[f.Key] = name.SetText
		ed.fills[f.Key] = func(raw json.RawMessage) {
			var p struct {
				Name    string `json:"name"`
				ID      string `json:"id_no"`
				Address string `json:"address"`
			}
			if json.Unmarshal(raw, &p) == nil {
				name.SetText(p.Name)
				id.SetText(p.ID)
				addr.SetText(p.Address)
			}
		}
		ed.inputs[f.Key] = func() (json.RawMessage, bool) {
			b, _ := json.Marshal(map[string]string{"name": name.Text, "id_no": id.Text, "address": addr.Text})
			return b, name.Text != ""
		}
		return container.NewVBox(name, id, addr)
	case casework.FieldOfficers:
		// Only officers enrolled here can be named: the document names
		// them as the record knows them (name, id, credential) and each
		// co-signs it with their PIN.
		p := NewOfficerPicker(u, win)
		p.OnChanged = ed.changed
		ed.Officers = p
		ed.inputs[f.Key] = func() (json.RawMessage, bool) {
			var list []map[string]string
			for _, o := range p.Present() {
				list = append(list, map[string]string{"name": o.Name, "id": o.ID, "credential": o.CredentialNo})
			}
			b, _ := json.Marshal(list)
			return b, true
		}
		return container.NewHScroll(p.View()) // however many officers are enrolled here
	case casework.FieldDecision:
		// The decision as data: what the list of major decisions is
		// evaluated on and legal review fixes.
		d := NewDecisionInput()
		d.OnChanged = ed.changed
		ed.Decision = d
		ed.setters[f.Key] = d.SetJSON
		ed.fills[f.Key] = func(raw json.RawMessage) { d.SetJSON(string(raw)) }
		ed.inputs[f.Key] = d.JSON
		return d.View()
	case casework.FieldItems, casework.FieldQA:
		e := widget.NewMultiLineEntry()
		e.OnChanged = func(string) { ed.changed() }
		if f.Type == casework.FieldItems {
			e.SetPlaceHolder(lang.L("doc.items.hint"))
		} else {
			e.SetPlaceHolder(lang.L("doc.qa.hint"))
		}
		ed.setters[f.Key] = e.SetText
		ed.fills[f.Key] = func(raw json.RawMessage) { e.SetText(linesText(f.Type, raw)) }
		ed.inputs[f.Key] = func() (json.RawMessage, bool) { return parseLines(f.Type, e.Text), strings.TrimSpace(e.Text) != "" }
		return e
	case casework.FieldSignature:
		pad := NewSignaturePad()
		pad.OnStroke = ed.changed
		signer, refused, witness := widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
		signer.SetPlaceHolder(lang.L("doc.sign.signer"))
		refused.SetPlaceHolder(lang.L("doc.sign.refused"))
		witness.SetPlaceHolder(lang.L("doc.sign.witness"))
		ed.Pads[f.Key] = pad
		ed.setters[f.Key] = signer.SetText
		ed.fills[f.Key] = func(raw json.RawMessage) { // who signs; they sign again
			var v struct {
				Signer string `json:"signer"`
			}
			if json.Unmarshal(raw, &v) == nil {
				signer.SetText(v.Signer)
			}
		}
		ed.inputs[f.Key] = func() (json.RawMessage, bool) {
			if refused.Text != "" {
				b, _ := json.Marshal(map[string]string{"refused": refused.Text, "witness": witness.Text})
				return b, true
			}
			b, _ := json.Marshal(map[string]any{"signer": signer.Text, "strokes": pad.Strokes})
			return b, len(pad.Strokes) > 0
		}
		return container.NewVBox(pad, signer, container.NewGridWithColumns(2, refused, witness),
			widget.NewButton(lang.L("doc.sign.clear"), pad.Clear))
	}
	return text(false)
}

// parseLines reads items ("名称|规格|数量|状况|地点" per line) and Q&A
// (lines starting 问： and 答： in turn).
func parseLines(t casework.FieldType, s string) json.RawMessage {
	var list []map[string]string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if t == casework.FieldItems {
			p := append(strings.Split(line, "|"), "", "", "", "", "")
			list = append(list, map[string]string{"name": p[0], "spec": p[1], "quantity": p[2], "condition": p[3], "location": p[4]})
			continue
		}
		if q, ok := strings.CutPrefix(line, "问："); ok {
			list = append(list, map[string]string{"q": q, "a": ""})
		} else if a, ok := strings.CutPrefix(line, "答："); ok && len(list) > 0 {
			list[len(list)-1]["a"] = a
		}
	}
	b, _ := json.Marshal(list)
	return b
}

// linesText writes items and Q&A back as parseLines reads them.
func linesText(t casework.FieldType, raw json.RawMessage) string {
	var list []map[string]string
	if json.Unmarshal(raw, &list) != nil {
		return ""
	}
	var lines []string
	for _, m := range list {
		if t == casework.FieldItems {
			lines = append(lines, strings.Join([]string{m["name"], m["spec"], m["quantity"], m["condition"], m["location"]}, "|"))
			continue
		}
		lines = append(lines, "问："+m["q"])
		if m["a"] != "" {
			lines = append(lines, "答："+m["a"])
		}
	}
	return strings.Join(lines, "\n")
}

// Values reads the form; fields left empty are left out.
func (ed *DocumentEditor) Values() map[string]json.RawMessage {
	v := map[string]json.RawMessage{}
	for key, read := range ed.inputs {
		if raw, filled := read(); filled {
			v[key] = raw
		}
	}
	return v
}

func (ed *DocumentEditor) draft() terminal.DocumentDraft {
	return terminal.DocumentDraft{Doc: ed.DocID, Case: ed.Case, Step: ed.Step, Template: ed.Template.ID, Fields: ed.Values()}
}

// problems shows field errors by their labels; false when err holds none.
func (ed *DocumentEditor) problems(err error) bool {
	var errs casework.FieldErrors
	if !errors.As(err, &errs) || len(errs) == 0 {
		return false
	}
	lines := []string{lang.L("doc.problems")}
	for _, e := range errs {
		label := e.Key
		for _, f := range ed.Template.Fields() {
			if f.Key == e.Key {
				label = f.Label
			}
		}
		lines = append(lines, label+"："+e.Problem)
	}
	ed.Status.SetText(strings.Join(lines, "\n"))
	return true
}

func (ed *DocumentEditor) refused(err error) {
	if !ed.problems(err) {
		ed.Status.SetText(errText(err))
	}
}

func (ed *DocumentEditor) save(u *UI) {
	sess := u.sess // the officer who typed it: a save after a logout is theirs or none
	if sess == nil {
		return
	}
	d := ed.draft()
	ed.dirty = false
	background(func() (casework.DocumentContent, error) { return sess.SaveDraft(u.ctx, d) },
		func(c casework.DocumentContent, err error) {
			if err != nil {
				ed.dirty = true
				ed.refused(err)
				return
			}
			ed.DocID = c.Doc
			ed.Status.SetText(lang.L("doc.saved"))
			u.acted()
			ed.saved()
		})
}

func (ed *DocumentEditor) finalize(u *UI) {
	sess := u.sess
	if sess == nil {
		return
	}
	d := ed.draft()
	var witnesses []terminal.Witness
	if ed.Officers != nil {
		witnesses = ed.Officers.Witnesses()
	}
	wasDirty := ed.dirty
	ed.dirty = false // the finalized version holds what was typed: closing the window saves nothing more
	background(func() (terminal.Finalized, error) {
		defer forget(witnesses)
		return sess.FinalizeDocument(u.ctx, d, witnesses)
	},
		func(f terminal.Finalized, err error) {
			if err != nil {
				ed.dirty = ed.dirty || wasDirty
				if ed.Officers != nil && terminal.Code(err) != terminal.CodeFields {
					ed.Officers.Reset() // each officer confirms again
				}
				ed.refused(err)
				return
			}
			if ed.Officers != nil {
				ed.Officers.Reset()
			}
			ed.DocID, ed.Finalized = f.Content.Doc, f.Content.Version
			ed.Status.SetText(lang.X("doc.finalized", "", map[string]any{"Version": f.Content.Version, "Hash": f.Hash.String()[:16]}))
			u.acted()
			ed.saved()
		})
}

func (ed *DocumentEditor) saved() {
	if ed.OnSaved != nil {
		ed.OnSaved()
	}
}

// RenderPDF renders the latest finalized version to a file and returns it.
func (ed *DocumentEditor) RenderPDF(u *UI) (string, error) {
	if ed.DocID == "" {
		return "", said(lang.L("doc.notfinal"))
	}
	if ed.Finalized == 0 {
		return "", said(lang.L("doc.notfinal"))
	}
	return writeDocumentPDF(u, ed.DocID, 0)
}

// writeDocumentPDF shows a finalized version of doc (0: the latest) as the
// case file carries it, through the access action (recorded as viewed by
// the officer, who writes it: on the case), in a short-lived copy for the
// system viewer.
func writeDocumentPDF(u *UI, doc string, version int) (string, error) {
	c, err := u.sess.ShowDocument(u.ctx, doc, version, "")
	if err != nil {
		return "", err
	}
	u.viewed.add(c)
	return c.Path, nil
}

func (ed *DocumentEditor) openPDF(u *UI) {
	if ed.DocID == "" || ed.Finalized == 0 {
		ed.Status.SetText(lang.L("doc.notfinal"))
		return
	}
	u.showDocument(u.sess, ed.DocID, 0, ed.Status.SetText, func(path string) { ed.LastPDF = path })
}
