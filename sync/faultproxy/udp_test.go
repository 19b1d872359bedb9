package faultproxy

import (
	"net"
	"testing"
	"time"
)

// sendCount sends n datagrams from a lossy socket to a plain one and
// counts how many arrive.
func sendCount(t *testing.T, ln *LossyNet, n int) int {
	t.Helper()
	dst, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	src, err := ln.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := dst.SetReadBuffer(4 << 20); err != nil {
		t.Fatal(err)
	}
	got := make(chan int)
	go func() {
		k, buf := 0, make([]byte, 64)
		for {
			_ = dst.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			if _, _, err := dst.ReadFromUDP(buf); err != nil {
				got <- k
				return
			}
			k++
		}
	}()
	to := dst.LocalAddr().(*net.UDPAddr)
	for i := range n {
		if _, err := src.WriteToUDP([]byte{byte(i)}, to); err != nil {
			t.Fatal(err)
		}
		if i%100 == 99 {
			time.Sleep(time.Millisecond) // let the reader keep up on a loaded machine
		}
	}
	return <-got
}

func TestLossyNetLossFraction(t *testing.T) {
	ln, err := NewLossyNet()
	if err != nil {
		t.Fatal(err)
	}
	const n = 4000
	for _, loss := range []float64{0, 0.05, 0.3} {
		ln.SetLoss(loss)
		ln.Dropped.Store(0)
		got := sendCount(t, ln, n)
		dropped := int(ln.Dropped.Load())
		// The socket's own drops are counted; what arrived must match what it passed on.
		if got != n-dropped {
			t.Errorf("loss %.2f: %d arrived, %d passed on", loss, got, n-dropped)
		}
		want := loss * n
		if lo, hi := want*0.6-10, want*1.4+10; float64(dropped) < lo || float64(dropped) > hi {
			t.Errorf("loss %.2f: dropped %d of %d, want about %.0f", loss, dropped, n, want)
		}
	}
}

func TestLossyNetCutDropsAllBothWays(t *testing.T) {
	ln, err := NewLossyNet()
	if err != nil {
		t.Fatal(err)
	}
	ln.Cut(true)
	if got := sendCount(t, ln, 200); got != 0 {
		t.Fatalf("cut: %d packets got out", got)
	}
	// Inbound: a plain socket sends to a lossy one while cut.
	in, err := ln.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := net.DialUDP("udp4", nil, in.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	for range 50 {
		if _, err := out.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	_ = in.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, _, err := in.ReadFrom(make([]byte, 8)); err == nil {
		t.Fatal("cut: a packet came in")
	}
	ln.Cut(false)
	if _, err := out.Write([]byte("y")); err != nil {
		t.Fatal(err)
	}
	_ = in.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 8)
	if k, _, err := in.ReadFrom(buf); err != nil || string(buf[:k]) != "y" {
		t.Fatalf("restored: read %q, %v", buf[:k], err)
	}
}
