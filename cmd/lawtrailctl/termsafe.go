package main

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// termSafe shows outside text — recorder file names, device strings, case
// titles, a hub's error message — on a terminal without letting it act on
// the terminal: C0 controls (newline and tab included), DEL and invalid
// UTF-8 bytes become \xNN; C1 controls and the Unicode format characters
// that reorder or hide text (bidi overrides, zero-width marks) become \uNNNN.
// Everything else, CJK included, is kept. JSON output never goes through it:
// it carries the exact strings.
func termSafe(s string) string {
	if strings.IndexFunc(s, mayEscape) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1, r < 0x20, r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// mayEscape is the fast test of termSafe: invalid UTF-8 decodes as
// RuneError (a real U+FFFD also matches, and is then kept as it is).
func mayEscape(r rune) bool {
	return r == utf8.RuneError || r < 0x20 || r == 0x7f || hidden(r)
}

// hidden reports C1 controls and the format characters a terminal or a
// reader would not see as themselves.
func hidden(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1: U+009B is CSI to some terminals
		return true
	case r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069,
		r == 0x2028, r == 0x2029, r == 0xfeff, r == 0x061c:
		return true
	}
	return false
}

// safeArgs escapes every argument that is text from outside (strings,
// errors, Stringers, byte slices) with termSafe; numbers, times and other
// values our own code formats pass unchanged.
func safeArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = termSafe(v)
		case []byte:
			out[i] = termSafe(string(v))
		case error:
			out[i] = termSafe(v.Error())
		case fmt.Stringer:
			out[i] = termSafe(v.String())
		default:
			if rv := reflect.ValueOf(a); rv.Kind() == reflect.String { // named string types: phases, states
				out[i] = termSafe(rv.String())
			} else {
				out[i] = a
			}
		}
	}
	return out
}

// tprintf is fmt.Fprintf for text meant for a terminal: the format is ours,
// every text argument is passed through termSafe.
func tprintf(w io.Writer, format string, args ...any) (int, error) {
	return fmt.Fprintf(w, format, safeArgs(args)...)
}
