package app

import (
	"errors"
	"time"

	"fyne.io/fyne/v2/lang"

	"lawtrail/terminal"
)

// errText is what the officer reads for err: the translated message of its
// kind (terminal.Code), with the error's own text as the detail. Every
// error the app shows passes here, so no English reaches the Chinese UI
// without a translated sentence in front of it.
func errText(err error) string {
	var done said
	switch {
	case err == nil:
		return ""
	case errors.As(err, &done):
		return string(done)
	}
	code := terminal.Code(err)
	data := map[string]any{"Detail": err.Error()}
	key := "err." + code
	var wrong *terminal.WrongPINError
	var locked *terminal.LockedError
	switch {
	case errors.As(err, &locked):
		data["Officer"], data["Until"] = locked.Officer, locked.Until.Format(time.TimeOnly)
	case errors.As(err, &wrong):
		data["Officer"], data["Left"] = wrong.Officer, wrong.Left
		key = "err.wrong_pin.left"
	}
	return lang.X(key, "{{.Detail}}", data)
}

// said is an error already in the officer's words (a translated text).
type said string

func (s said) Error() string { return string(s) }
