package usb

import (
	"context"
	"fmt"
	"time"
)

// Event is a recorder arriving or leaving.
type Event struct {
	Arrived bool
	Device  Device
}

// Watch scans every interval and reports arrivals and departures until ctx
// ends. Devices present at the start arrive first. A scan that fails is
// reported to onErr and retried.
func (s *Scanner) Watch(ctx context.Context, interval time.Duration, fn func(Event), onErr func(error)) error {
	known := map[string]Device{}
	for {
		devs, err := s.Scan(ctx)
		if err != nil {
			onErr(err)
		} else {
			arrived, left := diff(known, devs)
			for _, d := range left {
				delete(known, d.key())
				fn(Event{Device: d})
			}
			for _, d := range arrived {
				known[d.key()] = d
				fn(Event{Arrived: true, Device: d})
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// diff compares what was known with a new scan. A device whose kind
// changed (locked → mass storage) or that lost its problem leaves and
// arrives again.
func diff(known map[string]Device, scan []Device) (arrived, left []Device) {
	now := map[string]Device{}
	for _, d := range scan {
		now[d.key()] = d
	}
	for id, d := range known {
		if n, ok := now[id]; !ok || n.Kind != d.Kind || n.Problem != d.Problem {
			left = append(left, d)
		}
	}
	for _, d := range scan {
		if k, ok := known[d.key()]; !ok || k.Kind != d.Kind || k.Problem != d.Problem {
			arrived = append(arrived, d)
		}
	}
	return arrived, left
}

// key tells one enumeration from another: a recorder unplugged and plugged
// back between two scans has a new address.
func (d Device) key() string { return fmt.Sprintf("%s@%d.%d", d.ID(), d.Bus, d.Address) }
