// Package vectors holds the published test vectors of docs/EVENTS.md
// (vectors.json) and the tests that keep them true: the file is generated
// from the code with `go test ./docs/vectors -update`, every normal test run
// regenerates it in memory and compares byte for byte, re-verifies each
// vector with the Go implementation, and runs verify.py — a verifier written
// from the document alone, with Python's standard library and the openssl
// command — over it.
package vectors
