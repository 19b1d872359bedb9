package usb

import "testing"

func TestTrackerOneDockingPerRecorder(t *testing.T) {
	var tr Tracker
	cancelled := 0
	cancel := func() { cancelled++ }
	locked := Device{Bus: 1, Address: 3, Port: "1-2", Kind: KindLocked, Serial: "DSJ1"}
	disk := Device{Bus: 1, Address: 4, Port: "1-2", Kind: KindStorage, Serial: "DSJ1"}
	if !tr.Arrive(locked, cancel) {
		t.Fatal("a new recorder is not docked")
	}
	// The unlock: the locked device leaves and its disk arrives; the
	// docking that unlocked it goes on and the disk is not docked twice.
	tr.Leave(locked)
	if cancelled != 0 {
		t.Fatal("the unlock's re-enumeration cancelled the docking")
	}
	if tr.Arrive(disk, cancel) {
		t.Fatal("the unlocked disk was docked a second time")
	}
	// Pulled mid-copy: cancelled; plugged back before the docking ended:
	// docked again once it has.
	tr.Leave(disk)
	if cancelled != 1 {
		t.Fatalf("pulling the disk cancelled %d times", cancelled)
	}
	back := disk
	back.Address = 7
	if tr.Arrive(back, cancel) {
		t.Fatal("docked again while the last docking still runs")
	}
	next := tr.Finish(locked)
	if next == nil || next.Address != 7 {
		t.Fatalf("the recorder that came back is not docked next: %v", next)
	}
	if !tr.Arrive(*next, cancel) || tr.Finish(*next) != nil {
		t.Fatal("the second docking")
	}
	// Without a serial, the port is the recorder.
	a := Device{Port: "2-1", Kind: KindMTP}
	b := Device{Port: "2-2", Kind: KindMTP}
	if !tr.Arrive(a, cancel) || !tr.Arrive(b, cancel) {
		t.Fatal("two serial-less recorders on two ports")
	}
	if tr.Finish(Device{Port: "9-9"}) != nil {
		t.Fatal("finishing an unknown recorder")
	}

	// A recorder that shows another serial once unlocked: its disk, in the
	// same port, still belongs to the docking that unlocked it.
	var tr2 Tracker
	lockedNoSerial := Device{Bus: 2, Address: 3, Port: "2-4", Kind: KindLocked}
	diskWithSerial := Device{Bus: 2, Address: 4, Port: "2-4", Kind: KindStorage, Serial: "0123"}
	if !tr2.Arrive(lockedNoSerial, cancel) {
		t.Fatal("locked recorder")
	}
	tr2.Leave(lockedNoSerial)
	if tr2.Arrive(diskWithSerial, cancel) {
		t.Fatal("the unlocked disk under a new serial was docked a second time")
	}
	if tr2.Finish(lockedNoSerial) != nil {
		t.Fatal("nothing should be pending")
	}
	if !tr2.Arrive(diskWithSerial, cancel) {
		t.Fatal("once the unlocking docking ended, the port is free again")
	}
}
