package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// secret returns the value of the environment variable name, or asks for it
// when standard input is a terminal. Without either it fails rather than
// block a script.
func secret(e env, name, prompt string) ([]byte, error) {
	if v := e.getenv(name); v != "" {
		return []byte(v), nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, fmt.Errorf("set %s (standard input is not a terminal to ask on)", name)
	}
	fmt.Fprint(e.stderr, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", strings.ToLower(prompt), err)
	}
	if len(b) == 0 {
		return nil, errors.New("empty passphrase")
	}
	return b, nil
}
