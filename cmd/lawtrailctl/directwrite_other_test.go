//go:build !linux

package main

import "testing"

// directWriteMiBps is measured on Linux only (O_DIRECT); 0 elsewhere.
func directWriteMiBps(*testing.B, []byte) float64 { return 0 }
