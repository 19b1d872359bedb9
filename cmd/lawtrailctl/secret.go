package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// secret returns the value of the environment variable name, or asks for it
// when standard input is a terminal. Without either it fails (a usage
// error) rather than block a script.
func secret(e env, name, prompt string) ([]byte, error) {
	if v := e.getenv(name); v != "" {
		return []byte(v), nil
	}
	fd, ok := terminalFD(e)
	if !ok {
		return nil, usagef("set %s (standard input is not a terminal to ask on)", name)
	}
	fmt.Fprint(e.stderr, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", strings.TrimSuffix(strings.ToLower(prompt), ": "), err)
	}
	if len(b) == 0 {
		return nil, usagef("empty %s", strings.TrimSuffix(strings.ToLower(prompt), ": "))
	}
	return b, nil
}

// terminalFD is standard input's descriptor when it is a terminal.
func terminalFD(e env) (int, bool) {
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	return int(f.Fd()), true
}

// newSecret is a new PIN: from the environment variable name when standard
// input is not a terminal, else typed twice (the two must match).
func newSecret(e env, name, prompt string) ([]byte, error) {
	if _, ok := terminalFD(e); !ok {
		return secret(e, name, prompt)
	}
	first, err := secret(env{stdin: e.stdin, stdout: e.stdout, stderr: e.stderr, getenv: func(string) string { return "" }}, name, prompt)
	if err != nil {
		return nil, err
	}
	again, err := secret(env{stdin: e.stdin, stdout: e.stdout, stderr: e.stderr, getenv: func(string) string { return "" }}, name, "Again: ")
	if err != nil {
		clear(first)
		return nil, err
	}
	defer clear(again)
	if !bytes.Equal(first, again) {
		clear(first)
		return nil, usagef("the two entries differ: nothing changed")
	}
	return first, nil
}
