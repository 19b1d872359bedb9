package usbvm

import (
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

// Initramfs is the files of a guest: archive path → host file, or
// symlink target, or nil for a folder.
type Initramfs struct {
	files    map[string]string
	symlinks map[string]string
	data     map[string][]byte
	execs    map[string]bool
}

// NewInitramfs starts an empty archive.
func NewInitramfs() *Initramfs {
	return &Initramfs{files: map[string]string{}, symlinks: map[string]string{}, data: map[string][]byte{}, execs: map[string]bool{}}
}

// Add copies a host file into the archive at name.
func (a *Initramfs) Add(name, host string) { a.files[strings.TrimPrefix(name, "/")] = host }

// AddBytes puts bytes at name.
func (a *Initramfs) AddBytes(name string, b []byte) { a.data[strings.TrimPrefix(name, "/")] = b }

// AddExec puts an executable (a script) at name.
func (a *Initramfs) AddExec(name string, b []byte) {
	a.AddBytes(name, b)
	a.execs[strings.TrimPrefix(name, "/")] = true
}

// Symlink makes name point at target.
func (a *Initramfs) Symlink(name, target string) { a.symlinks[strings.TrimPrefix(name, "/")] = target }

// Clone copies the archive's list (not the files).
func (a *Initramfs) Clone() *Initramfs {
	b := NewInitramfs()
	for k, v := range a.files {
		b.files[k] = v
	}
	for k, v := range a.symlinks {
		b.symlinks[k] = v
	}
	for k, v := range a.data {
		b.data[k] = v
	}
	for k, v := range a.execs {
		b.execs[k] = v
	}
	return b
}

// WriteTo writes the archive in the kernel's "newc" cpio format.
func (a *Initramfs) WriteTo(w io.Writer) (int64, error) {
	cw := &cpioWriter{w: w}
	dirs := map[string]bool{}
	var names []string
	for _, m := range []map[string]string{a.files, a.symlinks} {
		for n := range m {
			names = append(names, n)
		}
	}
	for n := range a.data {
		names = append(names, n)
	}
	for _, n := range names {
		for d := path.Dir(n); d != "." && d != "/"; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	var dl []string
	for d := range dirs {
		dl = append(dl, d)
	}
	sort.Strings(dl)
	for _, d := range dl {
		cw.entry(d, 0o040755, nil)
	}
	sort.Strings(names)
	for _, n := range names {
		switch {
		case a.symlinks[n] != "":
			cw.entry(n, 0o120777, []byte(a.symlinks[n]))
		case a.data[n] != nil && a.execs[n]:
			cw.entry(n, 0o100755, a.data[n])
		case a.data[n] != nil:
			cw.entry(n, 0o100644, a.data[n])
		default:
			b, err := os.ReadFile(a.files[n])
			if err != nil {
				return cw.n, fmt.Errorf("initramfs %s: %w", n, err)
			}
			mode := uint32(0o100644)
			if st, err := os.Stat(a.files[n]); err == nil && st.Mode()&0o111 != 0 {
				mode = 0o100755
			}
			cw.entry(n, mode, b)
		}
	}
	cw.entry("TRAILER!!!", 0, nil)
	return cw.n, cw.err
}

type cpioWriter struct {
	w   io.Writer
	n   int64
	ino int
	err error
}

func (c *cpioWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	m, err := c.w.Write(b)
	c.n += int64(m)
	c.err = err
}

func (c *cpioWriter) pad() {
	if r := c.n % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}

func (c *cpioWriter) entry(name string, mode uint32, data []byte) {
	c.ino++
	nlink := 1
	if mode&0o040000 != 0 {
		nlink = 2
	}
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write(append([]byte(name), 0))
	c.pad()
	c.write(data)
	c.pad()
}
