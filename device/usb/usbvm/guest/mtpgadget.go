//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"lawtrail/device/mtp/mtptest"
)

// mtpGadget is an Android-style MTP recorder made with FunctionFS: a
// vendor-specific interface (class 0xFF) named "MTP" whose Microsoft OS
// descriptors give the compatible ID "MTP", as Android's MTP function
// does, answered by mtptest.Responder serving a folder (Chinese names
// included). The host side must recognise it by the OS descriptor.
type mtpGadget struct {
	r       *mtptest.Responder
	in, out int
}

func startMTPGadget(ctx context.Context, root string) error {
	g := &mtpGadget{r: &mtptest.Responder{FS: os.DirFS(root), Manufacturer: "执法记录仪厂", Model: "DSJ-4G", Serial: "DSJ4G0007",
		Remove: func(name string) error { return os.Remove(filepath.Join(root, filepath.FromSlash(name))) }}}
	gadget, ffs := "/sys/kernel/config/usb_gadget/android", "/dev/ffs-mtp"
	var ep0 *os.File
	steps := []func() error{
		func() error { return os.MkdirAll(filepath.Join(gadget, "strings/0x409"), 0o755) },
		func() error { return write(filepath.Join(gadget, "idVendor"), "0x18d1") },
		func() error { return write(filepath.Join(gadget, "idProduct"), "0x4ee1") },
		func() error { return write(filepath.Join(gadget, "strings/0x409/serialnumber"), "DSJ4G0007") },
		func() error { return write(filepath.Join(gadget, "strings/0x409/manufacturer"), "ZFY") },
		func() error { return write(filepath.Join(gadget, "strings/0x409/product"), "DSJ 4G recorder") },
		func() error { return os.MkdirAll(filepath.Join(gadget, "configs/c.1/strings/0x409"), 0o755) },
		func() error { return write(filepath.Join(gadget, "os_desc/use"), "1") },
		func() error { return write(filepath.Join(gadget, "os_desc/b_vendor_code"), "0xcd") },
		func() error { return write(filepath.Join(gadget, "os_desc/qw_sign"), "MSFT100") },
		func() error { return os.MkdirAll(filepath.Join(gadget, "functions/ffs.mtp"), 0o755) },
		func() error {
			return os.Symlink(filepath.Join(gadget, "functions/ffs.mtp"), filepath.Join(gadget, "configs/c.1/ffs.mtp"))
		},
		func() error {
			return os.Symlink(filepath.Join(gadget, "configs/c.1"), filepath.Join(gadget, "os_desc/c.1"))
		},
		func() error { return os.MkdirAll(ffs, 0o755) },
		func() error { return syscall.Mount("mtp", ffs, "functionfs", 0, "") },
		func() (err error) { ep0, err = os.OpenFile(filepath.Join(ffs, "ep0"), os.O_RDWR, 0); return err },
		func() error { return mtpDescriptors(ep0) },
		func() (err error) { g.in, err = syscall.Open(filepath.Join(ffs, "ep1"), syscall.O_RDWR, 0); return err },
		func() (err error) {
			g.out, err = syscall.Open(filepath.Join(ffs, "ep2"), syscall.O_RDWR, 0)
			return err
		},
		func() error { return write(filepath.Join(gadget, "UDC"), udc) },
	}
	if err := runSteps(steps); err != nil {
		return fmt.Errorf("mtp gadget: %w", err)
	}
	go drainEvents(ctx, ep0)
	go g.serve(ctx)
	return nil
}

// mtpDescriptors: interface 0xFF/0xFF/0 "MTP" with bulk IN, bulk OUT and
// interrupt IN, full and high speed, and an extended compat ID "MTP".
func mtpDescriptors(ep0 *os.File) error {
	speed := func(bulk uint16) []byte {
		d := []byte{9, 4, 0, 0, 3, 0xFF, 0xFF, 0x00, 1}
		d = append(d, 7, 5, 0x81, 2, byte(bulk), byte(bulk>>8), 0)
		d = append(d, 7, 5, 0x02, 2, byte(bulk), byte(bulk>>8), 0)
		return append(d, 7, 5, 0x83, 3, 28, 0, 6)
	}
	osDesc := []byte{0}                                      // interface
	osDesc = binary.LittleEndian.AppendUint32(osDesc, 11+24) // dwLength
	osDesc = binary.LittleEndian.AppendUint16(osDesc, 1)     // bcdVersion
	osDesc = binary.LittleEndian.AppendUint16(osDesc, 4)     // wIndex: extended compat ID
	osDesc = append(osDesc, 1, 0)                            // bCount, reserved
	compat := make([]byte, 24)
	compat[1] = 1
	copy(compat[2:], "MTP")
	osDesc = append(osDesc, compat...)
	fs, hs := speed(64), speed(512)
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 3) // FUNCTIONFS_DESCRIPTORS_MAGIC_V2
	b = binary.LittleEndian.AppendUint32(b, uint32(12+12+len(fs)+len(hs)+len(osDesc)))
	b = binary.LittleEndian.AppendUint32(b, 1|2|8) // FS, HS, MS OS descriptors
	b = binary.LittleEndian.AppendUint32(b, 4)
	b = binary.LittleEndian.AppendUint32(b, 4)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = append(append(append(b, fs...), hs...), osDesc...)
	if _, err := ep0.Write(b); err != nil {
		return fmt.Errorf("descriptors: %w", err)
	}
	var s []byte
	s = binary.LittleEndian.AppendUint32(s, 2) // FUNCTIONFS_STRINGS_MAGIC
	s = binary.LittleEndian.AppendUint32(s, 16+2+4)
	s = binary.LittleEndian.AppendUint32(s, 1) // strings
	s = binary.LittleEndian.AppendUint32(s, 1) // languages
	s = binary.LittleEndian.AppendUint16(s, 0x0409)
	s = append(s, "MTP\x00"...)
	if _, err := ep0.Write(s); err != nil {
		return fmt.Errorf("strings: %w", err)
	}
	return nil
}

// drainEvents reads ep0 events; class requests are stalled.
func drainEvents(ctx context.Context, ep0 *os.File) {
	signalFree()
	fd := int(ep0.Fd())
	buf := make([]byte, 12*4)
	for ctx.Err() == nil {
		n, err := syscall.Read(fd, buf)
		if err != nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		for i := 0; i+12 <= n; i += 12 {
			if buf[i+8] == 4 { // SETUP: not supported, stall
				if buf[i]&0x80 != 0 {
					syscall.Read(fd, make([]byte, 1))
				} else {
					syscall.Write(fd, make([]byte, 1))
				}
			}
		}
	}
}

func (g *mtpGadget) serve(ctx context.Context) {
	signalFree()
	cmd := make([]byte, 512)
	for ctx.Err() == nil {
		n, err := syscall.Read(g.out, cmd)
		if err != nil || n < 12 {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		rep := g.r.Answer(cmd[:n])
		if rep.HasData {
			g.stream(mtptest.TypeData, rep.Op, rep.TID, rep.Data, rep.Size)
			rep.Data.Close()
		}
		g.send(mtptest.TypeResponse, rep.Code, rep.TID, nil)
	}
}

// send writes one container whose payload is in memory.
func (g *mtpGadget) send(typ, code uint16, tid uint32, payload []byte) {
	g.stream(typ, code, tid, bytes.NewReader(payload), int64(len(payload)))
}

// stream writes a container of n payload bytes from r in writes of up to
// 64 KiB (whole packets but the last), then a zero-length packet when the
// container fills whole packets, so the host sees where it ends.
func (g *mtpGadget) stream(typ, code uint16, tid uint32, r io.Reader, n int64) {
	total := 12 + n
	buf := make([]byte, 64<<10)
	copy(buf, mtptest.Header(typ, code, tid, n))
	fill, left := 12, n
	for {
		m, _ := io.ReadFull(r, buf[fill:fill+int(min(int64(len(buf)-fill), left))])
		left -= int64(m)
		if _, err := syscall.Write(g.in, buf[:fill+m]); err != nil {
			return
		}
		fill = 0
		if left <= 0 || m == 0 {
			break
		}
	}
	if total%512 == 0 {
		syscall.Write(g.in, nil)
	}
}
