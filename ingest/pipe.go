package ingest

import (
	"context"
	"hash"
	"io"
	"sync"
)

// buffers is the memory of one copy pipeline, reused from file to file so
// that thousands of small files do not each allocate megabytes.
type buffers [][]byte

func newBuffers(size, depth int) buffers {
	b := make(buffers, depth)
	for i := range b {
		b[i] = make([]byte, size)
	}
	return b
}

// pipeCopy copies r to w while hashing, in three stages that run at once on
// different buffers: read, hash, write. The buffers are all the memory it
// uses. onWritten is called after each buffer reaches w.
func pipeCopy(ctx context.Context, r io.Reader, w io.Writer, h hash.Hash, bufs buffers, onWritten func(int)) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	depth := len(bufs)
	free := make(chan []byte, depth)
	for _, b := range bufs {
		free <- b[:cap(b)]
	}
	toHash := make(chan []byte, depth)
	toWrite := make(chan []byte, depth)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		written  int64
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	wg.Add(2)
	go func() { // hash stage
		defer wg.Done()
		defer close(toWrite)
		for b := range toHash {
			h.Write(b)
			toWrite <- b
		}
	}()
	go func() { // write stage
		defer wg.Done()
		for b := range toWrite {
			if ctx.Err() == nil {
				n, err := w.Write(b)
				written += int64(n)
				if err == nil && n < len(b) {
					err = io.ErrShortWrite
				}
				if err != nil {
					fail(err)
				} else if onWritten != nil {
					onWritten(n)
				}
			}
			free <- b[:cap(b)]
		}
	}()
	// A read error ends the input but lets the bytes already read reach the
	// copy (a resumed copy then starts after them); a write error stops all.
	readErr := readStage(ctx, r, free, toHash)
	close(toHash)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if firstErr == nil {
		firstErr = readErr
	}
	if firstErr == nil {
		firstErr = ctx.Err() // the caller's context ended
	}
	return written, firstErr
}

func readStage(ctx context.Context, r io.Reader, free <-chan []byte, out chan<- []byte) error {
	for {
		var b []byte
		select {
		case b = <-free:
		case <-ctx.Done():
			return nil
		}
		n, err := io.ReadFull(r, b)
		if n > 0 {
			out <- b[:n]
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
