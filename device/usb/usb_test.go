package usb

import (
	"encoding/binary"
	"errors"
	"sort"
	"testing"

	"github.com/google/gousb"

	"lawtrail/device/unlock"
)

func alt(num int, class gousb.Class, sub gousb.Class, proto gousb.Protocol, bulk bool) gousb.InterfaceDesc {
	eps := map[gousb.EndpointAddress]gousb.EndpointDesc{}
	if bulk {
		eps[0x81] = gousb.EndpointDesc{Address: 0x81, Number: 1, Direction: gousb.EndpointDirectionIn, TransferType: gousb.TransferTypeBulk, MaxPacketSize: 512}
		eps[0x02] = gousb.EndpointDesc{Address: 0x02, Number: 2, Direction: gousb.EndpointDirectionOut, TransferType: gousb.TransferTypeBulk, MaxPacketSize: 512}
	}
	return gousb.InterfaceDesc{Number: num, AltSettings: []gousb.InterfaceSetting{{Number: num, Class: class, SubClass: sub, Protocol: proto, Endpoints: eps}}}
}

func desc(ifaces ...gousb.InterfaceDesc) *gousb.DeviceDesc {
	return &gousb.DeviceDesc{Bus: 1, Address: 4, Path: []int{2, 3}, Configs: map[int]gousb.ConfigDesc{1: {Number: 1, Interfaces: ifaces}}}
}

func TestClassifyRecorders(t *testing.T) {
	for _, tc := range []struct {
		name        string
		d           *gousb.DeviceDesc
		kind        Kind
		iface, vend int
	}{
		{"MTP still image 6/1/1", desc(alt(0, gousb.ClassPTP, 1, 1, true)), KindMTP, 0, -1},
		{"mass storage", desc(alt(0, gousb.ClassMassStorage, 6, 0x50, true)), KindStorage, 0, -1},
		{"composite: MTP wins over storage", desc(alt(0, gousb.ClassMassStorage, 6, 0x50, true), alt(1, gousb.ClassPTP, 1, 1, true)), KindMTP, 1, -1},
		{"vendor-specific with bulk pair may be MTP (Android)", desc(alt(0, gousb.ClassVendorSpec, 0xFF, 0, true)), KindOther, -1, 0},
		{"vendor-specific without bulk", desc(alt(0, gousb.ClassVendorSpec, 0, 0, false)), KindOther, -1, -1},
		{"a hub", desc(alt(0, gousb.ClassHub, 0, 0, false)), KindOther, -1, -1},
		{"no configuration", &gousb.DeviceDesc{}, KindOther, -1, -1},
	} {
		kind, iface, vend := classify(tc.d)
		if kind != tc.kind || iface != tc.iface || vend != tc.vend {
			t.Errorf("%s: got %s %d %d, want %s %d %d", tc.name, kind, iface, vend, tc.kind, tc.iface, tc.vend)
		}
	}
	if got := portName(1, []int{2, 3}); got != "1-2.3" {
		t.Errorf("port name %q", got)
	}
}

func compatID(sections ...[2]any) []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint16(b[4:], 0x0100) // bcdVersion 1.00
	binary.LittleEndian.PutUint16(b[6:], 4)      // wIndex: extended compat ID
	b[8] = byte(len(sections))
	for _, s := range sections {
		sec := make([]byte, 24)
		sec[0] = byte(s[0].(int))
		copy(sec[2:10], s[1].(string))
		b = append(b, sec...)
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

func TestMSOSCompatID(t *testing.T) {
	good := compatID([2]any{0, "MTP"})
	if !msosCompatMTP(good, 0) {
		t.Error("MTP on interface 0 not seen")
	}
	if msosCompatMTP(good, 1) {
		t.Error("MTP claimed for another interface")
	}
	if msosCompatMTP(compatID([2]any{0, "RNDIS"}), 0) || msosCompatMTP(compatID([2]any{0, "MTPX"}), 0) {
		t.Error("not MTP, taken as MTP")
	}
	bad := append([]byte(nil), good...)
	bad[8] = 200 // claims 200 sections in 40 bytes
	if !msosCompatMTP(bad, 0) || msosCompatMTP(good[:20], 0) || msosCompatMTP(nil, 0) {
		t.Error("truncated descriptors are read past their end or misread")
	}
	wrongIndex := append([]byte(nil), good...)
	wrongIndex[6] = 5
	if msosCompatMTP(wrongIndex, 0) {
		t.Error("a descriptor of another index taken as compat ID")
	}
	if string(utf16le([]byte{'M', 0, 'S', 0})) != "MS" || utf16le([]byte{'M', 1}) != nil {
		t.Error("utf16le")
	}
}

func FuzzCompatID(f *testing.F) {
	f.Add(compatID([2]any{0, "MTP"}), 0)
	f.Add([]byte{}, 1)
	f.Fuzz(func(t *testing.T, b []byte, iface int) {
		msosCompatMTP(b, iface) // must not panic on any device's answer
	})
}

func ids(ds []Device) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.key())
	}
	sort.Strings(out)
	return out
}

func TestWatchDiff(t *testing.T) {
	mtp := Device{Bus: 1, Address: 2, Port: "1-1", VID: 0x46f4, PID: 4, Kind: KindMTP, Serial: "A"}
	locked := Device{Bus: 1, Address: 3, Port: "1-2", VID: 0x1d6b, PID: 0x104, Kind: KindLocked, Serial: "B"}
	known := map[string]Device{}
	arrived, left := diff(known, []Device{mtp, locked})
	if len(arrived) != 2 || len(left) != 0 {
		t.Fatalf("first scan: %v %v", ids(arrived), ids(left))
	}
	for _, d := range arrived {
		known[d.key()] = d
	}
	if a, l := diff(known, []Device{mtp, locked}); len(a)+len(l) != 0 {
		t.Errorf("nothing changed, yet %v %v", ids(a), ids(l))
	}
	// Unlocked: the same port and serial come back as mass storage with a new address.
	disk := locked
	disk.Kind, disk.Address = KindStorage, 5
	a, l := diff(known, []Device{mtp, disk})
	if len(a) != 1 || a[0].Kind != KindStorage || len(l) != 1 || l[0].Kind != KindLocked {
		t.Errorf("unlock: arrived %v left %v", ids(a), ids(l))
	}
	// Pulled and plugged back between two scans: a new address is a new enumeration.
	replug := mtp
	replug.Address = 9
	a, l = diff(known, []Device{replug, locked})
	if len(a) != 1 || len(l) != 1 || a[0].Address != 9 {
		t.Errorf("re-plug: arrived %v left %v", ids(a), ids(l))
	}
	if a, l := diff(known, nil); len(a) != 0 || len(l) != 2 {
		t.Errorf("all gone: %v %v", ids(a), ids(l))
	}
}

func TestNoUSBIsAnErrorNotAPanic(t *testing.T) {
	_, err := guarded(func() *gousb.Context { panic("libusb_init failed: LIBUSB_ERROR_OTHER") })
	if !errors.Is(err, ErrNoUSB) {
		t.Fatalf("got %v, want ErrNoUSB", err)
	}
	// The real context on this machine: it opens, or says plainly why not.
	c, err := newContext()
	if err != nil && !errors.Is(err, ErrNoUSB) {
		t.Fatal(err)
	}
	if c != nil {
		c.Close()
	}
}

func TestKnownLockedByUSBID(t *testing.T) {
	raw := []byte(`{"version":1,"profiles":[{"name":"p","match":{"vendor":"V","usb":["1d6b:0104"]},
	 "identify":{"cdb":"F0 01","in":8},"get_time":{"cdb":"F0 03","in":7},"set_time":{"cdb":"F0 02","out":7},
	 "battery":{"cdb":"F0 04","in":1},"unlock":{"cdb":"F0 10","out":16}}]}`)
	profiles, err := unlock.ParseProfiles(raw)
	if err != nil {
		t.Fatal(err)
	}
	s := &Scanner{Profiles: profiles, Sysfs: t.TempDir()}
	if !s.knownLocked(0x1d6b, 0x0104) || s.knownLocked(0x1d6b, 0x0105) {
		t.Error("USB id match")
	}
	// No kernel driver answered INQUIRY (empty sysfs): a known id is taken as locked.
	d := Device{Port: "1-1", VID: 0x1d6b, PID: 0x0104, Kind: KindStorage}
	s.inquire(&d, 1)
	if d.Kind != KindLocked {
		t.Errorf("kind %s", d.Kind)
	}
	if _, err := unlock.ParseProfiles([]byte(`{"version":1,"profiles":[{"name":"p","match":{"vendor":"V","usb":["1d6b-0104"]}}]}`)); err == nil {
		t.Error("a malformed USB id was accepted")
	}
}
