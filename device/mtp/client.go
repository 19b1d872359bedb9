package mtp

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"
	"unicode/utf16"

	"lawtrail/device"
)

// Client is an MTP session with one device. Operations run one at a time.
type Client struct {
	t   Transport
	r   *reader
	mu  sync.Mutex
	tid uint32
}

// Open starts a session (session id 1).
func Open(ctx context.Context, t Transport) (*Client, error) {
	c := &Client{t: t, r: newReader(t)}
	if _, err := c.transact(ctx, OpOpenSession, []uint32{1}, nil); err != nil {
		if re, ok := err.(*ResponseError); !ok || re.Code != RespSessionAlreadyOpen {
			return nil, fmt.Errorf("open mtp session: %w", err)
		}
	}
	return c, nil
}

// Close ends the session.
func (c *Client) Close(ctx context.Context) error {
	_, err := c.transact(ctx, OpCloseSession, nil, nil)
	return err
}

// transact sends a command, collects any data into w and returns the
// response parameters.
func (c *Client) transact(ctx context.Context, op uint16, params []uint32, w io.Writer) ([]uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tid++
	if op == OpOpenSession {
		c.tid = 0 // OpenSession is transaction 0
	}
	if err := c.t.BulkOut(ctx, encodeCommand(op, c.tid, params)); err != nil {
		return nil, fmt.Errorf("mtp 0x%04x: send: %w", op, err)
	}
	if w == nil {
		w = io.Discard
	}
	for {
		h, payload, err := c.r.readContainer(ctx, w)
		if err != nil {
			return nil, fmt.Errorf("mtp 0x%04x: %w", op, err)
		}
		if h.tid != c.tid {
			return nil, fmt.Errorf("%w: transaction %d answered as %d", ErrProtocol, c.tid, h.tid)
		}
		if h.typ == typeData {
			continue
		}
		if h.typ != typeResponse {
			return nil, fmt.Errorf("%w: container type %d", ErrProtocol, h.typ)
		}
		if h.code != RespOK {
			return nil, &ResponseError{Op: op, Code: h.code}
		}
		out := make([]uint32, len(payload)/4)
		for i := range out {
			out[i] = binary.LittleEndian.Uint32(payload[4*i:])
		}
		return out, nil
	}
}

// MaxDataset bounds a dataset (device info, storage ids, object handles,
// object info, a property) held in memory: the container length is the
// device's claim, and a device claiming 4 GiB, or data of unknown length
// without end, must not make the terminal hold it. Object contents are
// streamed, never held.
const MaxDataset = 1 << 20

// boundedBuffer collects a dataset and refuses bytes past MaxDataset.
type boundedBuffer struct{ bytes.Buffer }

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > MaxDataset {
		return 0, fmt.Errorf("%w: dataset longer than %d bytes", ErrProtocol, MaxDataset)
	}
	return b.Buffer.Write(p)
}

func (c *Client) data(ctx context.Context, op uint16, params ...uint32) ([]byte, error) {
	var b boundedBuffer
	_, err := c.transact(ctx, op, params, &b)
	return b.Bytes(), err
}

// DeviceInfo is what the device says about itself.
type DeviceInfo struct {
	Manufacturer, Model, Version, Serial string
	Operations                           []uint16
}

// Supports reports whether the device offers an operation.
func (d DeviceInfo) Supports(op uint16) bool {
	for _, o := range d.Operations {
		if o == op {
			return true
		}
	}
	return false
}

// DeviceInfo reads the device's DeviceInfo dataset.
func (c *Client) DeviceInfo(ctx context.Context) (DeviceInfo, error) {
	b, err := c.data(ctx, OpGetDeviceInfo)
	if err != nil {
		return DeviceInfo{}, err
	}
	d := decoder{b: b}
	d.u16()
	d.u32()
	d.u16()
	d.str()
	d.u16()
	var info DeviceInfo
	info.Operations = d.u16s()
	d.u16s()
	d.u16s()
	d.u16s()
	d.u16s()
	info.Manufacturer, info.Model, info.Version, info.Serial = d.str(), d.str(), d.str(), d.str()
	return info, d.err
}

// StorageIDs lists the device's storages.
func (c *Client) StorageIDs(ctx context.Context) ([]uint32, error) {
	b, err := c.data(ctx, OpGetStorageIDs)
	if err != nil {
		return nil, err
	}
	d := decoder{b: b}
	ids := d.u32s()
	return ids, d.err
}

// ObjectHandles lists the objects under parent (0xFFFFFFFF: the storage root).
func (c *Client) ObjectHandles(ctx context.Context, storage, parent uint32) ([]uint32, error) {
	b, err := c.data(ctx, OpGetObjectHandles, storage, 0, parent)
	if err != nil {
		return nil, err
	}
	d := decoder{b: b}
	h := d.u32s()
	return h, d.err
}

// ObjectInfo is an object's dataset, as far as a dock needs it.
type ObjectInfo struct {
	Storage  uint32
	Format   uint16
	Size     uint64 // 0xFFFFFFFF in the dataset means: ask ObjectSize
	Parent   uint32
	Name     string
	Modified time.Time
}

// FormatAssociation is a folder.
const FormatAssociation = 0x3001

// IsFolder reports whether the object is a folder.
func (o ObjectInfo) IsFolder() bool { return o.Format == FormatAssociation }

// ObjectInfo reads an object's dataset; sizes over 4 GiB come from the
// ObjectSize property.
func (c *Client) ObjectInfo(ctx context.Context, h uint32) (ObjectInfo, error) {
	b, err := c.data(ctx, OpGetObjectInfo, h)
	if err != nil {
		return ObjectInfo{}, err
	}
	d := decoder{b: b}
	var o ObjectInfo
	o.Storage, o.Format = d.u32(), d.u16()
	d.u16()
	o.Size = uint64(d.u32())
	d.u16()
	for i := 0; i < 6; i++ {
		d.u32()
	}
	o.Parent = d.u32()
	d.u16()
	d.u32()
	d.u32()
	o.Name = d.str()
	d.str()
	o.Modified = parseDate(d.str())
	if d.err != nil {
		return o, d.err
	}
	if o.Size == 0xFFFFFFFF {
		p, err := c.data(ctx, OpGetObjectPropValue, h, PropObjectSize)
		if err != nil {
			return o, fmt.Errorf("object %d is over 4 GiB and its size property failed: %w", h, err)
		}
		if len(p) < 8 {
			return o, fmt.Errorf("%w: object size property of %d bytes", ErrProtocol, len(p))
		}
		o.Size = binary.LittleEndian.Uint64(p)
	}
	return o, nil
}

// GetObject streams a whole object to w.
func (c *Client) GetObject(ctx context.Context, h uint32, w io.Writer) error {
	_, err := c.transact(ctx, OpGetObject, []uint32{h}, w)
	return err
}

// GetPartialObject streams size bytes of an object from offset to w, with
// the 64-bit extension when the offset needs it.
func (c *Client) GetPartialObject(ctx context.Context, h uint32, offset uint64, size uint32, w io.Writer) error {
	if offset > 0xFFFFFFFF {
		_, err := c.transact(ctx, OpGetPartialObject64, []uint32{h, uint32(offset), uint32(offset >> 32), size}, w)
		return err
	}
	_, err := c.transact(ctx, OpGetPartialObject, []uint32{h, uint32(offset), size}, w)
	return err
}

// DeleteObject removes an object from the device.
func (c *Client) DeleteObject(ctx context.Context, h uint32) error {
	_, err := c.transact(ctx, OpDeleteObject, []uint32{h, 0}, nil)
	return err
}

// decoder reads PTP datasets; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) need(n int) bool {
	if d.err == nil && len(d.b) < n {
		d.err = fmt.Errorf("%w: dataset ends early", ErrProtocol)
	}
	return d.err == nil
}

func (d *decoder) u16() uint16 {
	if !d.need(2) {
		return 0
	}
	v := binary.LittleEndian.Uint16(d.b)
	d.b = d.b[2:]
	return v
}

func (d *decoder) u32() uint32 {
	if !d.need(4) {
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

func (d *decoder) u16s() []uint16 {
	n := d.u32()
	if n > 1<<16 || !d.need(int(n)*2) {
		if d.err == nil {
			d.err = fmt.Errorf("%w: array of %d", ErrProtocol, n)
		}
		return nil
	}
	out := make([]uint16, n)
	for i := range out {
		out[i] = d.u16()
	}
	return out
}

// u32s reads an array of handles or storage ids; a device cannot have more
// than device.MaxFolderEntries of them in one folder (a count of 2^32 is a
// protocol error, not an allocation).
func (d *decoder) u32s() []uint32 {
	n := d.u32()
	if n > device.MaxFolderEntries || !d.need(int(n)*4) {
		if d.err == nil {
			d.err = fmt.Errorf("%w: array of %d", ErrProtocol, n)
		}
		return nil
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = d.u32()
	}
	return out
}

// str reads a PTP string: a count of UTF-16 units (with the final NUL),
// then the units.
func (d *decoder) str() string {
	if !d.need(1) {
		return ""
	}
	n := int(d.b[0])
	d.b = d.b[1:]
	if n == 0 {
		return ""
	}
	if !d.need(2 * n) {
		return ""
	}
	units := make([]uint16, n)
	for i := range units {
		units[i] = binary.LittleEndian.Uint16(d.b[2*i:])
	}
	d.b = d.b[2*n:]
	if units[n-1] == 0 {
		units = units[:n-1]
	}
	return string(utf16.Decode(units))
}

// parseDate reads "YYYYMMDDThhmmss[.s][Z|±hhmm]"; without a zone it is
// Asia/Shanghai (the recorder's local time).
func parseDate(s string) time.Time {
	for _, layout := range []string{"20060102T150405Z0700", "20060102T150405Z", "20060102T150405.0", "20060102T150405"} {
		if t, err := time.ParseInLocation(layout, s, time.FixedZone("CST", 8*3600)); err == nil {
			return t
		}
	}
	return time.Time{}
}
