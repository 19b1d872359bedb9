// Package volume finds the disk the kernel made of a USB mass-storage
// interface (through sysfs) and mounts it so device/msc can read it: with
// udisks (`udisksctl`, no admin rights needed for a removable disk) when it
// is there, else with mount(2) when the program may mount. It also reads
// the SCSI INQUIRY strings the kernel already asked the disk, so a scan
// never has to take the disk from the kernel to learn what it is.
package volume

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ErrNoDisk means the kernel has not (yet) made a disk of the interface.
var ErrNoDisk = errors.New("no disk for this USB interface")

// SysfsRoot is where sysfs is mounted.
const SysfsRoot = "/sys"

// Interface is a USB interface's sysfs name, e.g. "1-2.3:1.0".
func Interface(port string, config, iface int) string {
	return fmt.Sprintf("%s:%d.%d", port, config, iface)
}

// scsiDevices are the SCSI devices under a USB interface.
func scsiDevices(sysfs, iface string) []string {
	m, _ := filepath.Glob(filepath.Join(sysfs, "bus/usb/devices", iface, "host*/target*/*:*:*:*"))
	sort.Strings(m)
	return m
}

func readTrim(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Inquiry is the vendor and product the kernel read from the disk's SCSI
// INQUIRY; ok is false when no kernel driver holds the interface.
func Inquiry(sysfs, iface string) (vendor, product string, ok bool) {
	for _, d := range scsiDevices(sysfs, iface) {
		v, p := readTrim(filepath.Join(d, "vendor")), readTrim(filepath.Join(d, "model"))
		if v != "" || p != "" {
			return v, p, true
		}
	}
	return "", "", false
}

// Disk is the block device to mount for the interface: the first partition
// of its disk, or the whole disk when it has no partition table (a
// "superfloppy", as many recorders are).
func Disk(sysfs, iface string) (string, error) {
	for _, d := range scsiDevices(sysfs, iface) {
		blocks, _ := filepath.Glob(filepath.Join(d, "block", "*"))
		sort.Strings(blocks)
		for _, b := range blocks {
			name := filepath.Base(b)
			if readTrim(filepath.Join(b, "size")) == "0" {
				continue // no medium (a locked disk, an empty reader)
			}
			parts, _ := filepath.Glob(filepath.Join(b, name+"*"))
			sort.Strings(parts)
			for _, p := range parts {
				if _, err := os.Stat(filepath.Join(p, "partition")); err == nil {
					return "/dev/" + filepath.Base(p), nil
				}
			}
			return "/dev/" + name, nil
		}
	}
	return "", fmt.Errorf("usb interface %s: %w", iface, ErrNoDisk)
}

// WaitDisk waits for the kernel to make the disk (usb-storage scans a new
// device after a short delay).
func WaitDisk(ctx context.Context, sysfs, iface string, limit time.Duration) (string, error) {
	deadline := time.Now().Add(limit)
	for {
		dev, err := Disk(sysfs, iface)
		if err == nil {
			if _, serr := os.Stat(dev); serr == nil {
				return dev, nil
			}
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("%s: no device node", dev)
			}
			return "", fmt.Errorf("after %v: %w", limit, err)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
