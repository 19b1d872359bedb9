package usb

import (
	"context"
	"sync"
)

// Tracker keeps one docking per recorder while devices come and go. A
// recorder is its USB serial (or, without one, its port), so the disk a
// locked recorder turns into after its unlock belongs to the docking that
// unlocked it, and a recorder pulled and plugged back is docked again
// once its interrupted docking has ended.
type Tracker struct {
	mu   sync.Mutex
	jobs map[string]*job
}

type job struct {
	dev     Device
	cancel  context.CancelFunc
	left    bool
	pending *Device
}

func trackKey(d Device) string {
	if d.Serial != "" {
		return "serial:" + d.Serial
	}
	return "port:" + d.Port
}

// Arrive says whether to start docking dev now. If so, cancel stops that
// docking when the recorder leaves. A recorder that left while its docking
// was still ending is docked again when Finish is called.
func (t *Tracker) Arrive(dev Device, cancel context.CancelFunc) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.jobs == nil {
		t.jobs = map[string]*job{}
	}
	j := t.jobs[trackKey(dev)]
	if j == nil && dev.Kind == KindStorage && t.unlocking(dev.Port) {
		return false // the disk of a recorder unlocking in this port, under another serial
	}
	switch {
	case j == nil:
		t.jobs[trackKey(dev)] = &job{dev: dev, cancel: cancel}
		return true
	case j.left:
		d := dev
		j.pending = &d
	}
	// else: the running docking covers it (the unlocked disk of a locked
	// recorder, or the same device seen twice)
	return false
}

// unlocking says whether a locked recorder's docking runs in port.
func (t *Tracker) unlocking(port string) bool {
	for _, j := range t.jobs {
		if j.dev.Kind == KindLocked && j.dev.Port == port && !j.left {
			return true
		}
	}
	return false
}

// Leave stops the docking of a recorder that was pulled. A locked
// recorder leaving is its unlock re-enumerating (its docking waits for the
// disk); were it pulled instead, its transfers fail on their own.
func (t *Tracker) Leave(dev Device) {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[trackKey(dev)]
	if j == nil || dev.Kind == KindLocked {
		return
	}
	j.left = true
	if j.cancel != nil {
		j.cancel()
	}
}

// Finish ends dev's docking and returns the device to dock next, if the
// recorder came back meanwhile.
func (t *Tracker) Finish(dev Device) *Device {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := trackKey(dev)
	j := t.jobs[k]
	if j == nil {
		return nil
	}
	delete(t.jobs, k)
	return j.pending
}
