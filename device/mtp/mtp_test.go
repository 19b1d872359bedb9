package mtp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"lawtrail/device"
	"lawtrail/device/mtp/mtptest"
)

// recordedAt is the files' modification time.
var recordedAt = time.Date(2026, 11, 20, 10, 45, 0, 0, time.UTC)

// recorder is an MTP recorder in memory serving a folder tree; deleted
// collects what DeleteObject removed.
func recorder(t *testing.T) (mem *mtptest.Memory, deleted *[]string, big, small []byte) {
	big = make([]byte, 9<<20+777) // more than two partial reads
	rand.Read(big)
	small = bytes.Repeat([]byte("现场"), 256) // exactly 1536 bytes: fills whole packets
	fsys := fstest.MapFS{
		"DCIM/100MEDIA/DSJ7654_350101_20261120101530_0001.MP4": {Data: big, ModTime: recordedAt},
		"DCIM/100MEDIA/重点.MP4":                                 {Data: small, ModTime: recordedAt},
		"README.TXT":                                           {Data: []byte("x"), ModTime: recordedAt},
	}
	deleted = new([]string)
	r := &mtptest.Responder{FS: fsys, Manufacturer: "示例记录仪厂", Model: "DSJ-MTP1", Serial: "DSJ7654321",
		Remove: func(name string) error {
			if _, ok := fsys[name]; !ok {
				return fs.ErrNotExist
			}
			delete(fsys, name)
			*deleted = append(*deleted, name)
			return nil
		}}
	return mtptest.NewMemory(r, 512, 1), deleted, big, small
}

func TestWalkAndRead(t *testing.T) {
	ctx := context.Background()
	f, deleted, big, small := recorder(t)
	c, err := Open(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	src, err := NewSource(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := src.Info(ctx)
	if info.Serial != "DSJ7654321" || info.Vendor != "示例记录仪厂" {
		t.Fatalf("device info %+v", info)
	}
	files := map[string]device.File{}
	if err := src.Walk(ctx, func(fl device.File) error { files[fl.Path] = fl; return nil }, func(string, string) {}); err != nil {
		t.Fatal(err)
	}
	bigPath := "00010001/DCIM/100MEDIA/DSJ7654_350101_20261120101530_0001.MP4"
	if len(files) != 3 || files[bigPath].Size != int64(len(big)) || files[bigPath].ModTime.IsZero() {
		t.Fatalf("files %+v", files)
	}
	for _, off := range []int64{0, 4<<20 + 3} {
		r, err := src.Open(ctx, bigPath, off)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, big[off:]) {
			t.Fatalf("read from %d: %d bytes, err %v", off, len(got), err)
		}
	}
	var whole bytes.Buffer
	h, err := src.handle("00010001/DCIM/100MEDIA/重点.MP4")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.GetObject(ctx, h, &whole); err != nil || !bytes.Equal(whole.Bytes(), small) {
		t.Fatalf("a payload filling whole packets: %v", err)
	}
	if err := src.Remove(ctx, bigPath); err != nil || len(*deleted) != 1 || (*deleted)[0] != bigPath[len("00010001/"):] {
		t.Fatalf("remove: %v %v", err, *deleted)
	}
	if files[bigPath].ModTime.Unix() != recordedAt.Unix() {
		t.Fatalf("modification time %v, want %v", files[bigPath].ModTime, recordedAt)
	}
}

// Files over 4 GiB: the dataset says 0xFFFFFFFF, the size property tells the
// truth, and reads past 4 GiB use the 64-bit partial read.
func TestObjectsOver4GiB(t *testing.T) {
	ctx := context.Background()
	f := mtptest.NewMemory(&mtptest.Responder{FS: hugeFS{size: 5 << 30}}, 512, 1)
	c, _ := Open(ctx, f)
	src, _ := NewSource(ctx, c)
	var seen device.File
	src.Walk(ctx, func(fl device.File) error { seen = fl; return nil }, func(string, string) {})
	if seen.Size != 5<<30 {
		t.Fatalf("size %d, want 5 GiB", seen.Size)
	}
	r, err := src.Open(ctx, seen.Path, 5<<30-100)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	if len(got) != 100 || got[99] != byte((5<<30-1)%251) {
		t.Fatalf("tail of a 5 GiB object: %d bytes", len(got))
	}
}

// hugeFS holds one file, LONG.MP4, of size bytes (byte i is i mod 251),
// made up as it is read.
type hugeFS struct{ size int64 }

type hugeInfo struct {
	name string
	size int64
	dir  bool
}

func (i hugeInfo) Name() string { return i.name }
func (i hugeInfo) Size() int64  { return i.size }
func (i hugeInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i hugeInfo) ModTime() time.Time { return recordedAt }
func (i hugeInfo) IsDir() bool        { return i.dir }
func (i hugeInfo) Sys() any           { return nil }

type hugeFile struct {
	info hugeInfo
	dir  []fs.DirEntry
}

func (f *hugeFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *hugeFile) Read([]byte) (int, error)   { return 0, io.EOF }
func (f *hugeFile) Close() error               { return nil }
func (f *hugeFile) ReadDir(int) ([]fs.DirEntry, error) {
	d := f.dir
	f.dir = nil
	return d, nil
}
func (f *hugeFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.info.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), f.info.size-off))
	for i := range n {
		p[i] = byte((off + int64(i)) % 251)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (h hugeFS) Open(name string) (fs.File, error) {
	long := hugeInfo{name: "LONG.MP4", size: h.size}
	switch name {
	case ".":
		return &hugeFile{info: hugeInfo{name: ".", dir: true}, dir: []fs.DirEntry{fs.FileInfoToDirEntry(long)}}, nil
	case "LONG.MP4":
		return &hugeFile{info: long}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func TestProtocolErrors(t *testing.T) {
	ctx := context.Background()
	f, _, _, _ := recorder(t)
	c, _ := Open(ctx, f)
	var re *ResponseError
	if _, err := c.ObjectInfo(ctx, 99); !errors.As(err, &re) || re.Code != RespInvalidObject {
		t.Fatalf("unknown object: %v", err)
	}
	if _, err := c.ObjectHandles(ctx, 0x00010001, 4242); !errors.As(err, &re) || re.Code != RespInvalidObject {
		t.Fatalf("children of an unknown folder: %v", err)
	}
	// A read-only recorder refuses DeleteObject: the clear policy must see an error.
	ro, _ := Open(ctx, mtptest.NewMemory(&mtptest.Responder{FS: fstest.MapFS{"A.MP4": {Data: []byte("a")}}}, 512, 1))
	roSrc, _ := NewSource(ctx, ro)
	var paths []string
	roSrc.Walk(ctx, func(fl device.File) error { paths = append(paths, fl.Path); return nil }, func(string, string) {})
	if len(paths) != 1 {
		t.Fatalf("read-only recorder lists %v", paths)
	}
	if err := roSrc.Remove(ctx, paths[0]); !errors.As(err, &re) || re.Code != mtptest.RespAccessDenied {
		t.Fatalf("delete on a read-only recorder: %v", err)
	}
	f.WrongTID = true
	if _, err := c.StorageIDs(ctx); !errors.Is(err, ErrProtocol) {
		t.Fatalf("a response to another transaction: %v", err)
	}
	d := decoder{b: []byte{5, 0, 0}}
	if d.str(); d.err == nil {
		t.Fatal("a truncated string decoded")
	}
	if _, err := parseHeader([]byte{1, 2}); !errors.Is(err, ErrProtocol) {
		t.Fatal("a 2-byte container parsed")
	}
}

// FuzzContainers: whatever a device sends, the reader fails cleanly.
func FuzzContainers(f *testing.F) {
	f.Add(mtptest.Container(mtptest.TypeData, OpGetStorageIDs, 1, binary.LittleEndian.AppendUint32([]byte{1, 0, 0, 0}, 7)))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 2, 0, 4, 16, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		dev := mtptest.NewMemory(&mtptest.Responder{FS: fstest.MapFS{}}, 512, 1)
		dev.Queue(b, mtptest.Container(mtptest.TypeResponse, RespOK, 1, nil))
		r := newReader(dev)
		r.readContainer(context.Background(), io.Discard)
		d := decoder{b: b}
		d.u16s()
		d.str()
		d.u32s()
	})
}
