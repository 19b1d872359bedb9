package app

import (
	"time"
)

// PINGuard locks officer login after repeated wrong PINs, so a lost tablet
// does not give unlimited guesses at a six-digit PIN (argon2id makes each
// guess slow; this makes many impossible).
type PINGuard struct {
	MaxFailures int           // wrong PINs in a row before the lock (default 5)
	LockFor     time.Duration // how long the lock lasts (default 5 min)
	Now         func() time.Time
	failures    int
	lockedUntil time.Time
}

func (g *PINGuard) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// Locked reports whether login is locked, and until when.
func (g *PINGuard) Locked() (bool, time.Time) {
	if g.now().Before(g.lockedUntil) {
		return true, g.lockedUntil
	}
	return false, time.Time{}
}

// Failed records a wrong PIN and reports whether that locked login.
func (g *PINGuard) Failed() bool {
	max, lock := g.MaxFailures, g.LockFor
	if max <= 0 {
		max = 5
	}
	if lock <= 0 {
		lock = 5 * time.Minute
	}
	g.failures++
	if g.failures >= max {
		g.failures = 0
		g.lockedUntil = g.now().Add(lock)
		return true
	}
	return false
}

// Succeeded clears the count of wrong PINs.
func (g *PINGuard) Succeeded() { g.failures = 0 }

// Remaining is how many wrong PINs are left before the lock.
func (g *PINGuard) Remaining() int {
	max := g.MaxFailures
	if max <= 0 {
		max = 5
	}
	return max - g.failures
}
