//go:build linux

package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// lockedGadget is a fake locked recorder made with dummy_hcd, configfs and
// FunctionFS: the guest's own kernel enumerates it like a real device. It
// answers mass-storage Bulk-Only Transport as a disk with no medium whose
// INQUIRY names it, takes the reference profile's vendor commands and,
// after the right password, rebinds as usb_f_mass_storage over image.
type lockedGadget struct {
	password string
	image    string
	gadget   string // configfs gadget folder
	ffs      string // functionfs mount
	clock    time.Time
	mu       sync.Mutex
	sense    [3]byte
	unlocked chan struct{}
	ep0      *os.File
	in, out  int
}

const udc = "dummy_udc.0"

func write(path, value string) error {
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		return fmt.Errorf("gadget: write %s: %w", path, err)
	}
	return nil
}

// startLockedGadget builds the gadget and binds it; it serves until ctx ends.
func startLockedGadget(ctx context.Context, password, image string) (*lockedGadget, error) {
	g := &lockedGadget{password: password, image: image, gadget: "/sys/kernel/config/usb_gadget/recorder",
		ffs: "/dev/ffs-recorder", clock: time.Now().Add(-83 * time.Minute), unlocked: make(chan struct{})}
	steps := []func() error{
		func() error { return os.MkdirAll(filepath.Join(g.gadget, "strings/0x409"), 0o755) },
		func() error { return write(filepath.Join(g.gadget, "idVendor"), "0x1d6b") },
		func() error { return write(filepath.Join(g.gadget, "idProduct"), "0x0104") },
		func() error { return write(filepath.Join(g.gadget, "strings/0x409/serialnumber"), "DSJ0001LOCK") },
		func() error { return write(filepath.Join(g.gadget, "strings/0x409/manufacturer"), "ZFY") },
		func() error { return write(filepath.Join(g.gadget, "strings/0x409/product"), "DSJ recorder (locked)") },
		func() error { return os.MkdirAll(filepath.Join(g.gadget, "configs/c.1/strings/0x409"), 0o755) },
		func() error { return os.MkdirAll(filepath.Join(g.gadget, "functions/ffs.recorder"), 0o755) },
		func() error {
			return os.Symlink(filepath.Join(g.gadget, "functions/ffs.recorder"), filepath.Join(g.gadget, "configs/c.1/ffs.recorder"))
		},
		func() error { return os.MkdirAll(g.ffs, 0o755) },
		func() error { return syscall.Mount("recorder", g.ffs, "functionfs", 0, "") },
		g.writeDescriptors,
		func() error { return write(filepath.Join(g.gadget, "UDC"), udc) },
	}
	if err := runSteps(steps); err != nil {
		return nil, err
	}
	go g.control(ctx)
	return g, nil
}

// writeDescriptors gives FunctionFS one interface (mass storage, SCSI,
// Bulk-Only) with a bulk IN and a bulk OUT endpoint, full and high speed.
func (g *lockedGadget) writeDescriptors() error {
	var err error
	if g.ep0, err = os.OpenFile(filepath.Join(g.ffs, "ep0"), os.O_RDWR, 0); err != nil {
		return err
	}
	speed := func(packet uint16) []byte {
		d := []byte{9, 4, 0, 0, 2, 0x08, 0x06, 0x50, 0}
		for _, addr := range []byte{0x81, 0x02} {
			d = append(d, 7, 5, addr, 2, byte(packet), byte(packet>>8), 0)
		}
		return d
	}
	fs, hs := speed(64), speed(512)
	head := make([]byte, 20)
	binary.LittleEndian.PutUint32(head[0:], 3) // FUNCTIONFS_DESCRIPTORS_MAGIC_V2
	binary.LittleEndian.PutUint32(head[4:], uint32(20+len(fs)+len(hs)))
	binary.LittleEndian.PutUint32(head[8:], 1|2) // HAS_FS_DESC | HAS_HS_DESC
	binary.LittleEndian.PutUint32(head[12:], 3)  // fs descriptors
	binary.LittleEndian.PutUint32(head[16:], 3)  // hs descriptors
	if _, err := g.ep0.Write(append(append(head, fs...), hs...)); err != nil {
		return fmt.Errorf("gadget: descriptors: %w", err)
	}
	strs := make([]byte, 16)
	binary.LittleEndian.PutUint32(strs[0:], 2) // FUNCTIONFS_STRINGS_MAGIC
	binary.LittleEndian.PutUint32(strs[4:], 16)
	if _, err := g.ep0.Write(strs); err != nil {
		return fmt.Errorf("gadget: strings: %w", err)
	}
	if g.in, err = syscall.Open(filepath.Join(g.ffs, "ep1"), syscall.O_RDWR, 0); err != nil {
		return fmt.Errorf("gadget: ep1: %w", err)
	}
	if g.out, err = syscall.Open(filepath.Join(g.ffs, "ep2"), syscall.O_RDWR, 0); err != nil {
		return fmt.Errorf("gadget: ep2: %w", err)
	}
	return nil
}

// control answers ep0 events: class requests of mass storage, enable.
func (g *lockedGadget) control(ctx context.Context) {
	signalFree()
	fd := int(g.ep0.Fd())
	buf := make([]byte, 12*4)
	started := false
	for ctx.Err() == nil {
		n, err := syscall.Read(fd, buf)
		if err != nil {
			if !g.idle() {
				return
			}
			continue
		}
		for i := 0; i+12 <= n; i += 12 {
			ev := buf[i : i+12]
			switch ev[8] {
			case 2: // ENABLE
				if !started {
					started = true
					go g.bulk(ctx)
				}
			case 4: // SETUP
				g.setup(fd, ev[:8])
			}
		}
	}
}

// idle waits a little after a failed read (the host reset or disabled the
// function); false once the gadget has become a disk for good.
func (g *lockedGadget) idle() bool {
	select {
	case <-g.unlocked:
		return false
	case <-time.After(20 * time.Millisecond):
		return true
	}
}

func (g *lockedGadget) setup(fd int, s []byte) {
	reqType, req := s[0], s[1]
	switch {
	case reqType == 0xA1 && req == 0xFE: // Get Max LUN
		syscall.Write(fd, []byte{0})
	case reqType == 0x21 && req == 0xFF: // Bulk-Only reset: status stage
		syscall.Read(fd, nil)
	case reqType&0x80 != 0: // stall: a read on an IN request
		syscall.Read(fd, make([]byte, 1))
	default: // stall: a write on an OUT request
		syscall.Write(fd, make([]byte, 1))
	}
}

// bulk runs the Bulk-Only Transport: CBW, data, CSW.
func (g *lockedGadget) bulk(ctx context.Context) {
	signalFree()
	cbw := make([]byte, 512)
	for ctx.Err() == nil {
		n, err := syscall.Read(g.out, cbw)
		if err != nil {
			if !g.idle() {
				return
			}
			continue
		}
		if n != 31 || binary.LittleEndian.Uint32(cbw) != 0x43425355 {
			continue
		}
		tag := binary.LittleEndian.Uint32(cbw[4:])
		length := int(binary.LittleEndian.Uint32(cbw[8:]))
		in := cbw[12]&0x80 != 0
		cdb := append([]byte(nil), cbw[15:15+min(16, int(cbw[14]))]...)
		var dataOut []byte
		if !in && length > 0 {
			dataOut = make([]byte, 0, length)
			chunk := make([]byte, 512)
			for len(dataOut) < length {
				m, err := syscall.Read(g.out, chunk[:min(512, length-len(dataOut))])
				if err != nil {
					break
				}
				dataOut = append(dataOut, chunk[:m]...)
			}
		}
		reply, ok := g.scsi(cdb, dataOut)
		residue := 0
		if in && length > 0 {
			data := make([]byte, length)
			if ok {
				copy(data, reply)
				if len(reply) < length {
					data, residue = data[:len(reply)], length-len(reply)
				}
			}
			if len(data) > 0 {
				syscall.Write(g.in, data)
			}
		}
		csw := make([]byte, 13)
		binary.LittleEndian.PutUint32(csw, 0x53425355)
		binary.LittleEndian.PutUint32(csw[4:], tag)
		binary.LittleEndian.PutUint32(csw[8:], uint32(residue))
		if !ok {
			csw[12] = 1
		}
		syscall.Write(g.in, csw)
		if ok && len(cdb) > 1 && cdb[0] == 0xF0 && cdb[1] == 0x10 {
			go g.becomeDisk()
			return
		}
	}
}

func (g *lockedGadget) fail(key, asc, ascq byte) ([]byte, bool) {
	g.mu.Lock()
	g.sense = [3]byte{key, asc, ascq}
	g.mu.Unlock()
	return nil, false
}

// scsi answers one command as the locked reference recorder.
func (g *lockedGadget) scsi(cdb, dataOut []byte) ([]byte, bool) {
	switch cdb[0] {
	case 0x12: // INQUIRY
		if cdb[1]&1 != 0 {
			return g.fail(0x05, 0x24, 0)
		}
		d := make([]byte, 36)
		d[1], d[2], d[3], d[4] = 0x80, 0x04, 0x02, 31
		copy(d[8:], fmt.Sprintf("%-8s%-16s%-4s", "ZFYDSJ", "LOCKED DISK", "1.00"))
		return d, true
	case 0x03: // REQUEST SENSE
		g.mu.Lock()
		s := g.sense
		g.sense = [3]byte{}
		g.mu.Unlock()
		d := make([]byte, 18)
		d[0], d[2], d[7], d[12], d[13] = 0x70, s[0], 10, s[1], s[2]
		return d, true
	case 0x00, 0x25: // TEST UNIT READY, READ CAPACITY: no medium while locked
		return g.fail(0x02, 0x3A, 0)
	case 0x1E: // PREVENT ALLOW MEDIUM REMOVAL
		return nil, true
	case 0xF0:
		return g.vendor(cdb, dataOut)
	}
	return g.fail(0x05, 0x20, 0)
}

func gbk(s string, n int) []byte {
	b, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	out := make([]byte, n)
	copy(out, b)
	return out
}

func (g *lockedGadget) vendor(cdb, dataOut []byte) ([]byte, bool) {
	if len(cdb) < 2 {
		return g.fail(0x05, 0x24, 0)
	}
	switch cdb[1] {
	case 0x01: // identify: the device record
		var d []byte
		d = append(d, []byte("DSJ0001")...)
		d = append(d, []byte("350101")...)
		d = append(d, gbk("张三", 32)...)
		d = append(d, []byte("350100000000")...)
		d = append(d, gbk("某区城市管理综合执法局", 32)...)
		d = append(d, []byte("DSJ-V9  ")...)
		return d, true
	case 0x03: // read the clock
		g.mu.Lock()
		t := g.clock.In(time.FixedZone("CST", 8*3600))
		g.mu.Unlock()
		d := make([]byte, 7)
		binary.BigEndian.PutUint16(d, uint16(t.Year()))
		d[2], d[3], d[4], d[5], d[6] = byte(t.Month()), byte(t.Day()), byte(t.Hour()), byte(t.Minute()), byte(t.Second())
		return d, true
	case 0x02: // set the clock
		if len(dataOut) != 7 {
			return g.fail(0x05, 0x24, 0)
		}
		g.mu.Lock()
		g.clock = time.Date(int(binary.BigEndian.Uint16(dataOut)), time.Month(dataOut[2]), int(dataOut[3]), int(dataOut[4]), int(dataOut[5]), int(dataOut[6]), 0, time.FixedZone("CST", 8*3600))
		g.mu.Unlock()
		return nil, true
	case 0x04: // battery
		return []byte{87}, true
	case 0x10: // unlock
		pw := string(trimZero(dataOut))
		if pw != g.password {
			fmt.Println("gadget: unlock refused")
			return g.fail(0x05, 0x74, 0)
		}
		return nil, true
	}
	return g.fail(0x05, 0x24, 0)
}

func trimZero(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

// becomeDisk re-enumerates the gadget as plain mass storage over the
// image, as a recorder in U盘模式.
func (g *lockedGadget) becomeDisk() {
	time.Sleep(100 * time.Millisecond)
	close(g.unlocked)
	start := time.Now()
	fn := filepath.Join(g.gadget, "functions/mass_storage.disk")
	steps := []func() error{
		func() error { return write(filepath.Join(g.gadget, "UDC"), "\n") },
		func() error { return os.Remove(filepath.Join(g.gadget, "configs/c.1/ffs.recorder")) },
		func() error { return os.MkdirAll(fn, 0o755) },
		func() error { return write(filepath.Join(fn, "lun.0/removable"), "1") },
		func() error { return write(filepath.Join(fn, "lun.0/ro"), "0") },
		func() error {
			return write(filepath.Join(fn, "lun.0/inquiry_string"), fmt.Sprintf("%-8s%-16s%-4s", "ZFYDSJ", "DSJ DISK", "1.00"))
		},
		func() error { return write(filepath.Join(fn, "lun.0/file"), g.image) },
		func() error { return os.Symlink(fn, filepath.Join(g.gadget, "configs/c.1/mass_storage.disk")) },
		func() error { return write(filepath.Join(g.gadget, "UDC"), udc) },
	}
	if err := runSteps(steps); err != nil {
		fmt.Println("gadget: becoming a disk:", err)
		return
	}
	fmt.Printf("gadget: unlocked, rebound as mass storage in %v\n", time.Since(start).Round(time.Millisecond))
}

// startDiskGadget binds a plain mass-storage gadget over image: a
// recorder in U盘模式 from the start.
func startDiskGadget(image, serial string) error {
	g := "/sys/kernel/config/usb_gadget/disk"
	fn := filepath.Join(g, "functions/mass_storage.disk")
	steps := []func() error{
		func() error { return os.MkdirAll(filepath.Join(g, "strings/0x409"), 0o755) },
		func() error { return write(filepath.Join(g, "idVendor"), "0x1d6b") },
		func() error { return write(filepath.Join(g, "idProduct"), "0x0105") },
		func() error { return write(filepath.Join(g, "strings/0x409/serialnumber"), serial) },
		func() error { return write(filepath.Join(g, "strings/0x409/product"), "DSJ recorder") },
		func() error { return os.MkdirAll(filepath.Join(g, "configs/c.1/strings/0x409"), 0o755) },
		func() error { return os.MkdirAll(fn, 0o755) },
		func() error { return write(filepath.Join(fn, "lun.0/removable"), "1") },
		func() error { return write(filepath.Join(fn, "lun.0/file"), image) },
		func() error { return os.Symlink(fn, filepath.Join(g, "configs/c.1/mass_storage.disk")) },
		func() error { return write(filepath.Join(g, "UDC"), udc) },
	}
	return runSteps(steps)
}

// signalFree locks the goroutine to its thread and blocks every signal
// there. FunctionFS abandons a transfer that a signal interrupts (EINTR,
// with part of it perhaps sent), and the Go runtime signals its threads
// (preemption; SIGCHLD when a lawtrailctl child exits), so the endpoint
// loops run on threads no signal reaches. The thread ends with the
// goroutine.
func signalFree() {
	runtime.LockOSThread()
	var all unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	unix.PthreadSigmask(unix.SIG_BLOCK, &all, nil)
}

// runSteps runs configfs steps in order, up to the first error.
func runSteps(steps []func() error) error {
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}
