package faultproxy

import (
	"io"
	"net"
	"testing"
	"time"
)

// sink accepts connections and counts what it reads.
func sink(t *testing.T) (string, chan int64) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	got := make(chan int64, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { n, _ := io.Copy(io.Discard, c); got <- n; c.Close() }()
		}
	}()
	return l.Addr().String(), got
}

func TestCutsAfterTheBudget(t *testing.T) {
	addr, got := sink(t)
	p, err := Start(addr, Config{CutMin: 10000, CutMax: 10000})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, _ := net.Dial("tcp", p.Addr())
	buf := make([]byte, 4096)
	for i := 0; i < 10; i++ {
		if _, err := c.Write(buf); err != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := <-got; n != 10000 || p.Cuts.Load() != 1 {
		t.Fatalf("target got %d bytes, %d cuts; want exactly 10000 and 1", n, p.Cuts.Load())
	}
}
