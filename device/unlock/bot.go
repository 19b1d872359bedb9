// Package unlock speaks to recorders that show a locked disk and need a
// vendor command, with the admin password, before they expose their
// footage (most Chinese 执法记录仪: 加密版 → U盘模式). It implements USB mass
// storage Bulk-Only Transport (CBW/CSW), INQUIRY and REQUEST SENSE, and
// vendor commands described as data (assets/profiles/locked-recorders.json):
// identify (the device record), read and set the clock, battery, unlock.
// The password is never logged or kept.
package unlock

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// Transport moves USB bulk transfers to and from the mass-storage interface.
type Transport interface {
	BulkOut(ctx context.Context, p []byte) error
	BulkIn(ctx context.Context, buf []byte) (int, error)
}

const (
	cbwSignature = 0x43425355 // "USBC"
	cswSignature = 0x53425355 // "USBS"
	cbwLen       = 31
	cswLen       = 13
)

// Errors of the transport.
var (
	ErrProtocol = errors.New("mass-storage protocol error")
	// ErrCommandFailed is a CSW with status 1; Sense says why.
	ErrCommandFailed = errors.New("command failed")
)

// Sense is what REQUEST SENSE reports after a failed command.
type Sense struct {
	Key, ASC, ASCQ byte
}

// CommandError is a failed command with its sense data.
type CommandError struct {
	Op    byte
	Sense Sense
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("SCSI 0x%02x failed: sense key 0x%x, ASC 0x%02x, ASCQ 0x%02x", e.Op, e.Sense.Key, e.Sense.ASC, e.Sense.ASCQ)
}

func (e *CommandError) Unwrap() error { return ErrCommandFailed }

// bot runs commands over Bulk-Only Transport.
type bot struct {
	t   Transport
	tag uint32
}

// command sends cdb with dataOut (if any), reads up to inLen bytes, and
// checks the status; a failed command is followed by REQUEST SENSE.
func (b *bot) command(ctx context.Context, cdb []byte, dataOut []byte, inLen int) ([]byte, error) {
	data, err := b.raw(ctx, cdb, dataOut, inLen)
	if !errors.Is(err, ErrCommandFailed) {
		return data, err
	}
	sense, serr := b.raw(ctx, []byte{0x03, 0, 0, 0, 18, 0}, nil, 18)
	if serr != nil || len(sense) < 14 {
		return nil, &CommandError{Op: cdb[0]}
	}
	return nil, &CommandError{Op: cdb[0], Sense: Sense{Key: sense[2] & 0x0F, ASC: sense[12], ASCQ: sense[13]}}
}

func (b *bot) raw(ctx context.Context, cdb []byte, dataOut []byte, inLen int) ([]byte, error) {
	if len(cdb) == 0 || len(cdb) > 16 {
		return nil, fmt.Errorf("%w: CDB of %d bytes", ErrProtocol, len(cdb))
	}
	b.tag++
	cbw := make([]byte, cbwLen)
	binary.LittleEndian.PutUint32(cbw[0:], cbwSignature)
	binary.LittleEndian.PutUint32(cbw[4:], b.tag)
	length := inLen
	if dataOut != nil {
		length = len(dataOut)
	} else {
		cbw[12] = 0x80 // data in
	}
	binary.LittleEndian.PutUint32(cbw[8:], uint32(length))
	cbw[14] = byte(len(cdb))
	copy(cbw[15:], cdb)
	if err := b.t.BulkOut(ctx, cbw); err != nil {
		return nil, fmt.Errorf("send CBW: %w", err)
	}
	var data []byte
	if dataOut != nil {
		if err := b.t.BulkOut(ctx, dataOut); err != nil {
			return nil, fmt.Errorf("send data: %w", err)
		}
	} else if inLen > 0 {
		buf := make([]byte, inLen)
		n, err := b.t.BulkIn(ctx, buf)
		if err != nil {
			return nil, fmt.Errorf("read data: %w", err)
		}
		data = buf[:n]
	}
	csw := make([]byte, cswLen)
	n, err := b.t.BulkIn(ctx, csw)
	if err != nil {
		return nil, fmt.Errorf("read CSW: %w", err)
	}
	if n != cswLen || binary.LittleEndian.Uint32(csw[0:]) != cswSignature {
		return nil, fmt.Errorf("%w: bad CSW (%d bytes)", ErrProtocol, n)
	}
	if binary.LittleEndian.Uint32(csw[4:]) != b.tag {
		return nil, fmt.Errorf("%w: CSW tag %d for CBW %d", ErrProtocol, binary.LittleEndian.Uint32(csw[4:]), b.tag)
	}
	switch csw[12] {
	case 0:
		return data, nil
	case 1:
		return nil, ErrCommandFailed
	}
	return nil, fmt.Errorf("%w: phase error", ErrProtocol)
}

// Inquiry is the standard INQUIRY identity.
type Inquiry struct {
	Vendor, Product, Revision string
}

func (b *bot) inquiry(ctx context.Context) (Inquiry, error) {
	d, err := b.command(ctx, []byte{0x12, 0, 0, 0, 36, 0}, nil, 36)
	if err != nil {
		return Inquiry{}, fmt.Errorf("INQUIRY: %w", err)
	}
	if len(d) < 36 {
		return Inquiry{}, fmt.Errorf("%w: INQUIRY of %d bytes", ErrProtocol, len(d))
	}
	return Inquiry{Vendor: trim(d[8:16]), Product: trim(d[16:32]), Revision: trim(d[32:36])}, nil
}

func trim(b []byte) string {
	end := len(b)
	for end > 0 && (b[end-1] == ' ' || b[end-1] == 0) {
		end--
	}
	return string(b[:end])
}
