package usb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/gousb"
)

// ErrGone means the device was unplugged.
var ErrGone = errors.New("recorder unplugged")

// conn is a claimed interface with a bulk endpoint pair: the transport
// device/mtp and device/unlock speak over. Every transfer has a timeout.
type conn struct {
	usb     *gousb.Context
	dev     *gousb.Device
	cfg     *gousb.Config
	intf    *gousb.Interface
	in      *gousb.InEndpoint
	out     *gousb.OutEndpoint
	packet  int
	timeout time.Duration
	name    string
}

// openConn opens the device at bus/address, claims the interface (the
// kernel's driver detached and given back on Close) and its bulk pair.
func openConn(d Device, timeout time.Duration) (*conn, error) {
	usbCtx, err := newContext()
	if err != nil {
		return nil, err
	}
	c := &conn{usb: usbCtx, timeout: timeout, name: fmt.Sprintf("%s %s", d.Port, d.VIDPID())}
	if err := c.open(d); err != nil {
		c.Close()
		return nil, fmt.Errorf("open recorder %s: %w", c.name, err)
	}
	return c, nil
}

func (c *conn) open(d Device) error {
	devs, err := c.usb.OpenDevices(func(desc *gousb.DeviceDesc) bool {
		return desc.Bus == d.Bus && desc.Address == d.Address && uint16(desc.Vendor) == d.VID && uint16(desc.Product) == d.PID
	})
	for _, extra := range devs[min(1, len(devs)):] {
		extra.Close()
	}
	if len(devs) == 0 {
		if err == nil {
			err = ErrGone
		}
		return err
	}
	c.dev = devs[0]
	c.dev.ControlTimeout = c.timeout
	if err := c.dev.SetAutoDetach(true); err != nil {
		return fmt.Errorf("auto-detach kernel driver: %w", err)
	}
	if c.cfg, err = c.dev.Config(configOf(c.dev.Desc, d.Interface)); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if c.intf, err = c.cfg.Interface(d.Interface, 0); err != nil {
		return fmt.Errorf("claim interface %d: %w", d.Interface, err)
	}
	for _, ep := range c.intf.Setting.Endpoints {
		if ep.TransferType != gousb.TransferTypeBulk {
			continue
		}
		if ep.Direction == gousb.EndpointDirectionIn && c.in == nil {
			c.in, err = c.intf.InEndpoint(ep.Number)
			c.packet = ep.MaxPacketSize
		} else if ep.Direction == gousb.EndpointDirectionOut && c.out == nil {
			c.out, err = c.intf.OutEndpoint(ep.Number)
		}
		if err != nil {
			return fmt.Errorf("endpoint %s: %w", ep.Address, err)
		}
	}
	if c.in == nil || c.out == nil {
		return fmt.Errorf("interface %d has no bulk in/out pair", d.Interface)
	}
	return nil
}

// BulkOut sends p in one transfer.
func (c *conn) BulkOut(ctx context.Context, p []byte) error {
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	n, err := c.out.WriteContext(tctx, p)
	if err != nil {
		return c.wrap("bulk out", tctx, err)
	}
	if n != len(p) {
		return fmt.Errorf("%s: bulk out: wrote %d of %d bytes", c.name, n, len(p))
	}
	return nil
}

// BulkIn reads one transfer into buf.
func (c *conn) BulkIn(ctx context.Context, buf []byte) (int, error) {
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	n, err := c.in.ReadContext(tctx, buf)
	if err != nil {
		return n, c.wrap("bulk in", tctx, err)
	}
	return n, nil
}

// PacketSize is the bulk-in endpoint's max packet size.
func (c *conn) PacketSize() int { return c.packet }

func (c *conn) wrap(what string, tctx context.Context, err error) error {
	switch {
	case errors.Is(err, gousb.ErrorNoDevice) || errors.Is(err, gousb.TransferNoDevice):
		return fmt.Errorf("%s: %s: %w", c.name, what, ErrGone)
	case errors.Is(tctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s: %s: no answer in %v: %w", c.name, what, c.timeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("%s: %s: %w", c.name, what, err)
}

// Close releases the interface (the kernel driver comes back), the device
// and the libusb context; after an unplug every step still runs.
func (c *conn) Close() error {
	if c.intf != nil {
		c.intf.Close()
	}
	var errs []error
	if c.cfg != nil {
		errs = append(errs, c.cfg.Close())
	}
	if c.dev != nil {
		errs = append(errs, c.dev.Close())
	}
	if c.usb != nil {
		errs = append(errs, c.usb.Close())
	}
	return errors.Join(errs...)
}
