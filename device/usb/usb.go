// Package usb finds body-worn recorders on the USB bus with libusb (gousb)
// and opens them as device.Sources: MTP/PTP devices through device/mtp,
// mass storage through the operating system's mount (device/volume), and
// locked recorders, after the vendor unlock of device/unlock, as the mass
// storage they turn into. It is the only package that imports gousb.
//
// Each scan and each open uses its own libusb context, so a device that
// arrives later is seen even where libusb gets no hot-plug events (no udev
// daemon, as in a minimal system).
package usb

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/gousb"
)

// Kind is how a recorder shows itself on USB.
type Kind string

// The kinds of USB device lawtrail docks; KindOther is everything else.
const (
	KindMTP     Kind = "mtp"          // MTP/PTP (still image class 6/1/1, or an MTP OS descriptor)
	KindStorage Kind = "mass-storage" // USB mass storage (class 8), readable once mounted
	KindLocked  Kind = "locked"       // mass storage that needs the vendor unlock first
	KindOther   Kind = "other"
)

// ErrNoUSB means this machine gives the program no USB access at all.
var ErrNoUSB = errors.New("no USB access on this machine")

// Device is one device on the bus as a scan saw it.
type Device struct {
	Bus     int    `json:"bus"`
	Address int    `json:"address"`
	Port    string `json:"port"` // sysfs name of the port path, e.g. "1-2.3"
	VID     uint16 `json:"vid"`
	PID     uint16 `json:"pid"`
	Kind    Kind   `json:"kind"`
	// Interface is the number of the MTP or mass-storage interface.
	Interface    int    `json:"interface"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
	Serial       string `json:"serial,omitempty"`
	// Inquiry is the SCSI vendor and product of a mass-storage device.
	Inquiry string `json:"inquiry,omitempty"`
	// Problem says why a device could not be read fully (permissions…).
	Problem string `json:"problem,omitempty"`
	// Why says what made it this kind: "interface 6/1/1", "ms-os-descriptor",
	// "interface-name", "class 8", "inquiry", "usb-id".
	Why string `json:"why,omitempty"`
}

// ID names the device by its port and its identity, so the same recorder
// plugged into another port, or another recorder in this port, is new.
func (d Device) ID() string {
	return fmt.Sprintf("%s/%04x:%04x/%s", d.Port, d.VID, d.PID, d.Serial)
}

// VIDPID is "vvvv:pppp".
func (d Device) VIDPID() string { return fmt.Sprintf("%04x:%04x", d.VID, d.PID) }

// portName is the kernel's name for a port path: bus-port.port….
func portName(bus int, path []int) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = fmt.Sprint(p)
	}
	return fmt.Sprintf("%d-%s", bus, strings.Join(parts, "."))
}

// newContext opens a libusb context. libusb built without udev panics in
// gousb.NewContext when /dev/bus/usb is missing; that becomes ErrNoUSB.
func newContext() (*gousb.Context, error) { return guarded(gousb.NewContext) }

// guarded calls open and turns its panic into ErrNoUSB.
func guarded(open func() *gousb.Context) (c *gousb.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("%w (libusb: %v)", ErrNoUSB, r)
		}
	}()
	return open(), nil
}
