package mtptest

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
)

// Memory is a Responder behind an in-memory bulk pipe: each answer is
// split into transfers of random whole packets, with a zero-length packet
// where a transfer fills whole packets, as a USB device would send them.
type Memory struct {
	R *Responder
	// WrongTID makes responses answer another transaction.
	WrongTID bool
	packet   int
	rng      *rand.Rand
	pending  [][]byte
}

// ErrNoData is a bulk-in read with nothing to read (a real device would
// time out).
var ErrNoData = errors.New("mtptest: nothing to read")

// NewMemory answers with packets of packet bytes (512 at high speed),
// split by a generator seeded with seed.
func NewMemory(r *Responder, packet int, seed uint64) *Memory {
	return &Memory{R: r, packet: packet, rng: rand.New(rand.NewPCG(seed, 7))}
}

// PacketSize is the bulk endpoints' packet size.
func (m *Memory) PacketSize() int { return m.packet }

// BulkOut takes one command and queues the answer.
func (m *Memory) BulkOut(_ context.Context, cmd []byte) error {
	rep := m.R.Answer(cmd)
	if m.WrongTID {
		rep.TID++
	}
	if rep.HasData {
		payload, err := io.ReadAll(rep.Data)
		rep.Data.Close()
		if err != nil {
			return err
		}
		m.queue(append(Header(TypeData, rep.Op, rep.TID, rep.Size), payload...))
	}
	m.pending = append(m.pending, Container(TypeResponse, rep.Code, rep.TID, nil))
	return nil
}

// Queue puts raw transfers in front of the host, as a misbehaving device
// would send them (for fuzzing the reader).
func (m *Memory) Queue(transfers ...[]byte) { m.pending = append(m.pending, transfers...) }

// BulkIn reads the next transfer.
func (m *Memory) BulkIn(_ context.Context, buf []byte) (int, error) {
	if len(m.pending) == 0 {
		return 0, ErrNoData
	}
	t := m.pending[0]
	m.pending = m.pending[1:]
	return copy(buf, t), nil
}

func (m *Memory) queue(c []byte) {
	for len(c) > 0 {
		n := min(m.packet*(1+m.rng.IntN(8)), len(c))
		m.pending = append(m.pending, c[:n])
		c = c[n:]
		if len(c) == 0 && n%m.packet == 0 {
			m.pending = append(m.pending, []byte{})
		}
	}
}
