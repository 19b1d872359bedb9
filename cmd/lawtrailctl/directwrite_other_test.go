//go:build !linux

package main

import "testing"

// directIOMiBps is measured on Linux only (O_DIRECT); 0 elsewhere.
func directIOMiBps(*testing.B, []byte) (write, read float64) { return 0, 0 }
