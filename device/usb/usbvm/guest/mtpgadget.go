//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"
	"unicode/utf16"

	"lawtrail/device/mtp"
)

// mtpGadget is an Android-style MTP recorder made with FunctionFS: a
// vendor-specific interface (class 0xFF) named "MTP" whose Microsoft OS
// descriptors give the compatible ID "MTP", as Android's MTP function
// does, and a small responder serving a folder (names in UTF-8, Chinese
// included). The host side must recognise it by the OS descriptor.
type mtpGadget struct {
	root    string
	objects map[uint32]*mtpObject
	in, out int
}

type mtpObject struct {
	path   string
	parent uint32
	folder bool
}

const mtpStorage = 0x00010001

func startMTPGadget(ctx context.Context, root string) error {
	g := &mtpGadget{root: root, objects: map[uint32]*mtpObject{}}
	if err := g.index(); err != nil {
		return err
	}
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

// index gives every file and folder under root a handle.
func (g *mtpGadget) index() error {
	handles := map[string]uint32{".": 0}
	next := uint32(1)
	return filepath.WalkDir(g.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == g.root {
			return err
		}
		rel, _ := filepath.Rel(g.root, p)
		handles[rel] = next
		g.objects[next] = &mtpObject{path: p, parent: handles[filepath.Dir(rel)], folder: d.IsDir()}
		next++
		return nil
	})
}

func (g *mtpGadget) serve(ctx context.Context) {
	cmd := make([]byte, 512)
	for ctx.Err() == nil {
		n, err := syscall.Read(g.out, cmd)
		if err != nil || n < 12 {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		code := binary.LittleEndian.Uint16(cmd[6:])
		tid := binary.LittleEndian.Uint32(cmd[8:])
		var params []uint32
		for i := 12; i+4 <= n && len(params) < 5; i += 4 {
			params = append(params, binary.LittleEndian.Uint32(cmd[i:]))
		}
		param := func(i int) uint32 {
			if i < len(params) {
				return params[i]
			}
			return 0
		}
		resp := g.operate(code, tid, param)
		g.send(3, resp, tid, nil)
	}
}

// operate runs one operation, sending its data phase, and returns the
// response code.
func (g *mtpGadget) operate(code uint16, tid uint32, param func(int) uint32) uint16 {
	switch code {
	case mtp.OpOpenSession, mtp.OpCloseSession:
		return mtp.RespOK
	case mtp.OpGetDeviceInfo:
		var p []byte
		p = binary.LittleEndian.AppendUint16(p, 100)
		p = binary.LittleEndian.AppendUint32(p, 6)
		p = binary.LittleEndian.AppendUint16(p, 100)
		p = ptpString(p, "microsoft.com: 1.0; android.com: 1.0;")
		p = binary.LittleEndian.AppendUint16(p, 0)
		ops := []uint16{mtp.OpGetDeviceInfo, mtp.OpOpenSession, mtp.OpCloseSession, mtp.OpGetStorageIDs, mtp.OpGetObjectHandles,
			mtp.OpGetObjectInfo, mtp.OpGetObject, mtp.OpDeleteObject, mtp.OpGetPartialObject, mtp.OpGetObjectPropValue, mtp.OpGetPartialObject64}
		p = binary.LittleEndian.AppendUint32(p, uint32(len(ops)))
		for _, op := range ops {
			p = binary.LittleEndian.AppendUint16(p, op)
		}
		for range 4 {
			p = binary.LittleEndian.AppendUint32(p, 0)
		}
		for _, s := range []string{"执法记录仪厂", "DSJ-4G", "1.0", "DSJ4G0007"} {
			p = ptpString(p, s)
		}
		g.send(2, code, tid, p)
	case mtp.OpGetStorageIDs:
		g.send(2, code, tid, binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 1), mtpStorage))
	case mtp.OpGetObjectHandles:
		parent := param(2)
		if parent == 0xFFFFFFFF {
			parent = 0
		}
		var hs []uint32
		for h, o := range g.objects {
			if o.parent == parent {
				hs = append(hs, h)
			}
		}
		sort.Slice(hs, func(i, j int) bool { return hs[i] < hs[j] })
		p := binary.LittleEndian.AppendUint32(nil, uint32(len(hs)))
		for _, h := range hs {
			p = binary.LittleEndian.AppendUint32(p, h)
		}
		g.send(2, code, tid, p)
	case mtp.OpGetObjectInfo:
		o, st, ok := g.object(param(0))
		if !ok {
			return mtp.RespInvalidObject
		}
		g.send(2, code, tid, objectInfo(o, st))
	case mtp.OpGetObjectPropValue:
		_, st, ok := g.object(param(0))
		if !ok || param(1) != mtp.PropObjectSize {
			return mtp.RespInvalidObject
		}
		g.send(2, code, tid, binary.LittleEndian.AppendUint64(nil, uint64(st.Size())))
	case mtp.OpGetObject, mtp.OpGetPartialObject, mtp.OpGetPartialObject64:
		o, st, ok := g.object(param(0))
		if !ok || o.folder {
			return mtp.RespInvalidObject
		}
		off, n := int64(0), st.Size()
		switch code {
		case mtp.OpGetPartialObject:
			off, n = int64(param(1)), int64(param(2))
		case mtp.OpGetPartialObject64:
			off, n = int64(param(1))|int64(param(2))<<32, int64(param(3))
		}
		n = max(0, min(n, st.Size()-off))
		f, err := os.Open(o.path)
		if err != nil {
			return 0x2002 // GeneralError
		}
		defer f.Close()
		g.stream(2, code, tid, io.NewSectionReader(f, off, n), n)
	case mtp.OpDeleteObject:
		o, _, ok := g.object(param(0))
		if !ok || os.Remove(o.path) != nil {
			return mtp.RespInvalidObject
		}
		delete(g.objects, param(0))
	default:
		return 0x2005 // OperationNotSupported
	}
	return mtp.RespOK
}

func (g *mtpGadget) object(h uint32) (*mtpObject, os.FileInfo, bool) {
	o, ok := g.objects[h]
	if !ok {
		return nil, nil, false
	}
	st, err := os.Stat(o.path)
	return o, st, err == nil
}

func objectInfo(o *mtpObject, st os.FileInfo) []byte {
	var p []byte
	p = binary.LittleEndian.AppendUint32(p, mtpStorage)
	format := uint16(0x300B) // MPEG-4 / undefined video
	if o.folder {
		format = mtp.FormatAssociation
	}
	p = binary.LittleEndian.AppendUint16(p, format)
	p = binary.LittleEndian.AppendUint16(p, 0)
	p = binary.LittleEndian.AppendUint32(p, uint32(min(st.Size(), 0xFFFFFFFF)))
	p = binary.LittleEndian.AppendUint16(p, 0)
	for range 6 {
		p = binary.LittleEndian.AppendUint32(p, 0)
	}
	p = binary.LittleEndian.AppendUint32(p, o.parent)
	p = binary.LittleEndian.AppendUint16(p, 0)
	p = binary.LittleEndian.AppendUint32(p, 0)
	p = binary.LittleEndian.AppendUint32(p, 0)
	p = ptpString(p, filepath.Base(o.path))
	date := st.ModTime().UTC().Format("20060102T150405Z")
	p = ptpString(p, date)
	p = ptpString(p, date)
	return ptpString(p, "")
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
	binary.LittleEndian.PutUint32(buf, uint32(min(total, 0xFFFFFFFF)))
	binary.LittleEndian.PutUint16(buf[4:], typ)
	binary.LittleEndian.PutUint16(buf[6:], code)
	binary.LittleEndian.PutUint32(buf[8:], tid)
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

func ptpString(b []byte, s string) []byte {
	if s == "" {
		return append(b, 0)
	}
	u := append(utf16.Encode([]rune(s)), 0)
	b = append(b, byte(len(u)))
	for _, x := range u {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return b
}
