package mtp

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"math"
	"sort"
	"strings"
	"sync"

	"lawtrail/device"
)

// Source is an MTP recorder as a device.Source: paths are
// "<storage name or id>/<folder>/…/<file>" as the device names them.
type Source struct {
	c     *Client
	info  device.Info
	mu    sync.Mutex
	paths map[string]uint32 // path → handle, filled by Walk
}

// NewSource wraps an open session.
func NewSource(ctx context.Context, c *Client) (*Source, error) {
	di, err := c.DeviceInfo(ctx)
	if err != nil {
		return nil, err
	}
	return &Source{c: c, paths: map[string]uint32{},
		info: device.Info{Vendor: di.Manufacturer, Model: di.Model, Serial: di.Serial}}, nil
}

// Info implements device.Source.
func (s *Source) Info(context.Context) (device.Info, error) { return s.info, nil }

// Walk implements device.Source: every storage, depth first, folders in
// name order.
func (s *Source) Walk(ctx context.Context, fn func(device.File) error, skip func(p, reason string)) error {
	storages, err := s.c.StorageIDs(ctx)
	if err != nil {
		return err
	}
	for _, st := range storages {
		if err := s.walk(ctx, st, 0xFFFFFFFF, fmt.Sprintf("%08x", st), 0, fn, skip); err != nil {
			return err
		}
	}
	return nil
}

func (s *Source) walk(ctx context.Context, storage, parent uint32, prefix string, depth int, fn func(device.File) error, skip func(string, string)) error {
	handles, err := s.c.ObjectHandles(ctx, storage, parent)
	if err != nil {
		return err
	}
	type entry struct {
		h    uint32
		info ObjectInfo
	}
	var entries []entry
	for _, h := range handles {
		info, err := s.c.ObjectInfo(ctx, h)
		if err != nil {
			skip(fmt.Sprintf("%s/#%d", prefix, h), err.Error())
			continue
		}
		entries = append(entries, entry{h, info})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].info.Name < entries[j].info.Name })
	for _, e := range entries {
		p := prefix + "/" + e.info.Name
		if why := refuseObject(p, e.info); why != "" {
			skip(p, why)
			continue
		}
		if e.info.IsFolder() {
			if depth >= 64 {
				skip(p, "folder deeper than 64 levels")
				continue
			}
			if err := s.walk(ctx, storage, e.h, p, depth+1, fn, skip); err != nil {
				return err
			}
			continue
		}
		s.mu.Lock()
		s.paths[p] = e.h
		s.mu.Unlock()
		if err := fn(device.File{Path: p, Size: int64(e.info.Size), ModTime: e.info.Modified, Mode: 0o444}); err != nil {
			return err
		}
	}
	return nil
}

// refuseObject says why an object cannot be a recorder file or folder: a
// name that would break the path (empty, ".", "..", a '/' or NUL in it: two
// objects could then share one path, and the wrong one be read or deleted),
// a path over device.MaxPathBytes, or a size no file can have.
func refuseObject(p string, info ObjectInfo) string {
	switch n := info.Name; {
	case n == "" || n == "." || n == "..":
		return fmt.Sprintf("object name %q is not a file name", n)
	case strings.ContainsAny(n, "/\x00"):
		return "object name holds '/' or NUL"
	case len(p) > device.MaxPathBytes:
		return fmt.Sprintf("path of %d bytes, longer than %d", len(p), device.MaxPathBytes)
	case !info.IsFolder() && info.Size > math.MaxInt64:
		return fmt.Sprintf("impossible size %d bytes", info.Size)
	}
	return ""
}

func (s *Source) handle(p string) (uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.paths[p]
	if !ok {
		return 0, fmt.Errorf("mtp %s: %w (walk first)", p, fs.ErrNotExist)
	}
	return h, nil
}

// Stat implements device.Source.
func (s *Source) Stat(ctx context.Context, p string) (device.File, error) {
	h, err := s.handle(p)
	if err != nil {
		return device.File{}, err
	}
	info, err := s.c.ObjectInfo(ctx, h)
	if err != nil {
		return device.File{}, err
	}
	return device.File{Path: p, Size: int64(info.Size), ModTime: info.Modified, Mode: 0o444}, nil
}

// chunk is how much one GetPartialObject asks for.
const chunk = 4 << 20

// Open implements device.Source: the object streams through a pipe, in
// partial reads from offset (so a copy can resume).
func (s *Source) Open(ctx context.Context, p string, offset int64) (io.ReadCloser, error) {
	h, err := s.handle(p)
	if err != nil {
		return nil, err
	}
	info, err := s.c.ObjectInfo(ctx, h)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		var err error
		for off := uint64(offset); off < info.Size && err == nil; off += chunk {
			n := uint32(min(uint64(chunk), info.Size-off))
			err = s.c.GetPartialObject(ctx, h, off, n, pw)
		}
		pw.CloseWithError(err)
	}()
	return pr, nil
}

// Remove implements device.Source.
func (s *Source) Remove(ctx context.Context, p string) error {
	h, err := s.handle(p)
	if err != nil {
		return err
	}
	if err := s.c.DeleteObject(ctx, h); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.paths, p)
	s.mu.Unlock()
	return nil
}

var _ device.Source = (*Source)(nil)
