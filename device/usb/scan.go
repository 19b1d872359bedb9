package usb

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/google/gousb"

	"lawtrail/device/unlock"
	"lawtrail/device/volume"
)

// Scanner lists the recorders on the bus.
type Scanner struct {
	// Profiles are the locked recorders known by USB id and INQUIRY.
	Profiles []unlock.Profile
	// Sysfs is where sysfs is mounted ("" means /sys).
	Sysfs string

	// known keeps what the last scans read from each enumeration (strings,
	// MS OS descriptors), so a device is asked once, not every scan.
	mu    sync.Mutex
	known map[string]Device
}

func enumeration(desc *gousb.DeviceDesc) string {
	return fmt.Sprintf("%d.%d %04x:%04x", desc.Bus, desc.Address, uint16(desc.Vendor), uint16(desc.Product))
}

func (s *Scanner) sysfs() string {
	if s.Sysfs == "" {
		return volume.SysfsRoot
	}
	return s.Sysfs
}

// classify reads the descriptors: the first MTP interface wins, then the
// first mass-storage one. Vendor-specific interfaces may still be MTP
// (Android); msos tells, for those, by the MTP OS descriptor.
func classify(desc *gousb.DeviceDesc) (kind Kind, iface int, vendorIface int) {
	kind, iface, vendorIface = KindOther, -1, -1
	for _, cfgNum := range sortedConfigs(desc) {
		for _, in := range desc.Configs[cfgNum].Interfaces {
			for _, alt := range in.AltSettings {
				switch {
				case alt.Class == gousb.ClassPTP && alt.SubClass == 1 && alt.Protocol == 1:
					return KindMTP, in.Number, -1
				case alt.Class == gousb.ClassMassStorage && kind == KindOther:
					kind, iface = KindStorage, in.Number
				case alt.Class == gousb.ClassVendorSpec && vendorIface < 0 && hasBulkPair(alt):
					vendorIface = in.Number
				}
			}
		}
	}
	return kind, iface, vendorIface
}

func hasBulkPair(alt gousb.InterfaceSetting) bool {
	var in, out bool
	for _, ep := range alt.Endpoints {
		if ep.TransferType == gousb.TransferTypeBulk {
			in = in || ep.Direction == gousb.EndpointDirectionIn
			out = out || ep.Direction == gousb.EndpointDirectionOut
		}
	}
	return in && out
}

func sortedConfigs(desc *gousb.DeviceDesc) []int {
	var nums []int
	for n := range desc.Configs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	return nums
}

// configOf is the configuration that holds interface iface.
func configOf(desc *gousb.DeviceDesc, iface int) int {
	for _, n := range sortedConfigs(desc) {
		for _, in := range desc.Configs[n].Interfaces {
			if in.Number == iface {
				return n
			}
		}
	}
	return 1
}

// knownLocked says whether the USB id is one a locked recorder shows.
func (s *Scanner) knownLocked(vid, pid uint16) bool {
	for _, p := range s.Profiles {
		for _, id := range p.Match.USB {
			if v, pr, err := unlock.ParseVIDPID(id); err == nil && v == vid && pr == pid {
				return true
			}
		}
	}
	return false
}

// Scan lists every recorder-like device on the bus (MTP, mass storage,
// locked), in port order. A device it may not open is listed with its
// Problem.
func (s *Scanner) Scan(ctx context.Context) ([]Device, error) {
	c, err := newContext()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	type seen struct {
		dev         Device
		vendorIface int
	}
	found := map[[2]int]*seen{}
	s.mu.Lock()
	known := s.known
	s.mu.Unlock()
	next := map[string]Device{}
	var cached []Device
	opened, openErr := c.OpenDevices(func(desc *gousb.DeviceDesc) bool {
		kind, iface, vendorIface := classify(desc)
		if kind == KindOther && vendorIface < 0 {
			return false
		}
		if d, ok := known[enumeration(desc)]; ok {
			next[enumeration(desc)] = d
			cached = append(cached, d)
			return false
		}
		found[[2]int{desc.Bus, desc.Address}] = &seen{vendorIface: vendorIface, dev: Device{
			Bus: desc.Bus, Address: desc.Address, Port: portName(desc.Bus, desc.Path),
			VID: uint16(desc.Vendor), PID: uint16(desc.Product), Kind: kind, Interface: iface,
		}}
		return true
	})
	for _, d := range opened {
		f := found[[2]int{d.Desc.Bus, d.Desc.Address}]
		d.ControlTimeout = time.Second
		f.dev.Manufacturer, _ = d.Manufacturer()
		f.dev.Product, _ = d.Product()
		f.dev.Serial, _ = d.SerialNumber()
		switch {
		case f.dev.Kind == KindMTP:
			f.dev.Why = "interface 6/1/1"
		case f.dev.Kind == KindStorage:
			f.dev.Why = "class 8"
		case msosMTP(d, f.vendorIface):
			f.dev.Kind, f.dev.Interface, f.dev.Why = KindMTP, f.vendorIface, "ms-os-descriptor"
		case interfaceNamedMTP(d, f.vendorIface):
			f.dev.Kind, f.dev.Interface, f.dev.Why = KindMTP, f.vendorIface, "interface-name"
		}
		if f.dev.Kind == KindStorage {
			s.inquire(&f.dev, configOf(d.Desc, f.dev.Interface))
		}
		entry := f.dev // as read; inquire decides locked or not at every scan
		if entry.Kind == KindLocked {
			entry.Kind = KindStorage
		}
		entry.Inquiry = ""
		next[enumeration(d.Desc)] = entry
		d.Close()
		f.vendorIface = -2 // opened
	}
	s.mu.Lock()
	s.known = next
	s.mu.Unlock()
	var out []Device
	for _, d := range cached {
		if d.Kind == KindStorage || d.Kind == KindLocked {
			d.Kind, d.Inquiry, d.Why = KindStorage, "", "class 8"
			s.inquire(&d, 1)
		}
		if d.Kind != KindOther {
			out = append(out, d)
		}
	}
	for _, f := range found {
		if f.vendorIface != -2 {
			if f.dev.Kind == KindOther {
				continue // a vendor device we could not ask
			}
			f.dev.Problem = fmt.Sprintf("cannot open the device (permissions of /dev/bus/usb?): %v", openErr)
		}
		if f.dev.Kind != KindOther {
			out = append(out, f.dev)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Port < out[j].Port })
	return out, nil
}

// inquire reads the disk's INQUIRY strings from sysfs (the kernel asked
// already) and decides whether it is a locked recorder. Without a kernel
// driver, a known USB id is taken as locked and Open confirms it.
func (s *Scanner) inquire(d *Device, config int) {
	v, p, ok := volume.Inquiry(s.sysfs(), volume.Interface(d.Port, config, d.Interface))
	if ok {
		d.Inquiry = v + " " + p
		if _, locked := unlock.MatchInquiry(s.Profiles, v, p); locked {
			d.Kind, d.Why = KindLocked, "inquiry"
		}
		return
	}
	if s.knownLocked(d.VID, d.PID) {
		d.Kind, d.Why = KindLocked, "usb-id"
	}
}

// interfaceNamedMTP says whether the vendor-specific interface calls
// itself "MTP" (Android's MTP function does, as libmtp expects).
func interfaceNamedMTP(d *gousb.Device, iface int) bool {
	if iface < 0 {
		return false
	}
	name, err := d.InterfaceDescription(configOf(d.Desc, iface), iface, 0)
	return err == nil && name == "MTP"
}

// msosMTP asks a vendor-specific device for Microsoft OS descriptors and
// says whether they name interface iface compatible with "MTP".
func msosMTP(d *gousb.Device, iface int) bool {
	if iface < 0 {
		return false
	}
	sig := make([]byte, 18)
	n, err := d.Control(0x80, 0x06, 0x03EE, 0x0000, sig) // GET_DESCRIPTOR string 0xEE
	if err != nil || n < 18 || string(utf16le(sig[2:16])) != "MSFT100" {
		return false
	}
	compat := make([]byte, 16+24*8)
	n, err = d.Control(0xC0, sig[16], 0x0000, 0x0004, compat) // extended compat ID
	if err != nil || n < 16 {
		return false
	}
	return msosCompatMTP(compat[:n], iface)
}

// msosCompatMTP reads an extended compat ID descriptor: a 16-byte header
// (dwLength, bcdVersion, wIndex = 4, bCount, 7 reserved), then 24-byte
// function sections (interface, reserved, compatible ID, sub-ID).
func msosCompatMTP(b []byte, iface int) bool {
	if len(b) < 16 || binary.LittleEndian.Uint16(b[6:]) != 4 {
		return false
	}
	count := int(b[8])
	for i := 0; i < count && 16+24*(i+1) <= len(b); i++ {
		sec := b[16+24*i:]
		if int(sec[0]) == iface && string(sec[2:5]) == "MTP" && sec[5] == 0 {
			return true
		}
	}
	return false
}

func utf16le(b []byte) []byte {
	out := make([]byte, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		if b[i+1] != 0 {
			return nil
		}
		out = append(out, b[i])
	}
	return out
}
