package main

import (
	"strings"
	"testing"

	"lawtrail/casework"
)

// parsePins reads outside data (a file a script wrote): whatever it holds,
// it either refuses it or returns witnesses with a valid officer id and a
// PIN of one word, never the same officer twice, and its messages never
// show a PIN.
func FuzzParsePins(f *testing.F) {
	for _, seed := range []string{"o-002 135791\n", "# c\n\no-002 1\no-003 2\n", "o-002\n", "o-002 1 2\n", "../x 1\n", "o-002 1\no-002 2\n",
		"o-002\t135791\r\n", strings.Repeat("o", 70000) + " 1\n", "\x00 \xff\n"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ws, err := parsePins("pins", raw)
		if err != nil {
			for _, line := range strings.Split(string(raw), "\n") {
				// A PIN is 6 digits or more; no line number or size in a message is that long.
				if w := strings.Fields(line); len(w) == 2 && len(w[1]) >= 6 && strings.Trim(w[1], "0123456789") == "" &&
					strings.Contains(err.Error(), w[1]) && !strings.Contains(w[0], w[1]) {
					t.Fatalf("error %q shows the PIN %q", err, w[1])
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, w := range ws {
			if casework.CheckID("officer", w.Officer) != nil || seen[w.Officer] || len(w.PIN) == 0 || strings.ContainsAny(string(w.PIN), " \t\r\n") {
				t.Fatalf("witness %q with PIN %q from %q", w.Officer, w.PIN, raw)
			}
			seen[w.Officer] = true
		}
	})
}
